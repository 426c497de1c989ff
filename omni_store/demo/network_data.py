"""Maison Omni's network: 12 stores in and around Paris, 2 warehouses, 2 suppliers.

Addresses and coordinates are real places; the shops are not.
"""
from dataclasses import dataclass

from omni_store.network.models import ZoneKind


def _week(mon_sat: tuple[str, str], sunday: tuple[str, str] | None = None) -> dict:
    """Opening hours in the Location.opening_hours shape; a missing day is closed."""
    hours = {day: [list(mon_sat)] for day in ("mon", "tue", "wed", "thu", "fri", "sat")}
    if sunday:
        hours["sun"] = [list(sunday)]
    return hours


CITY_HOURS = _week(("10:00", "20:00"))
# Shopping centres and the tourist zone around Opéra may open on Sundays.
MALL_HOURS = _week(("10:00", "20:30"), sunday=("11:00", "19:00"))
TOURIST_HOURS = _week(("09:30", "20:30"), sunday=("11:00", "19:00"))
WAREHOUSE_HOURS = {
    **{day: [["05:00", "21:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "sat": [["06:00", "14:00"]],
}
SUPPLIER_HOURS = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@dataclass(frozen=True)
class StoreRow:
    code: str
    name: str
    address: str
    city: str
    latitude: float
    longitude: float
    hours: dict
    does_pickup: bool
    does_ship_from_store: bool
    daily_ship_capacity: int
    hold_slots: int
    mail_domain: str  # staff emails: associate@<mail_domain>, manager@<mail_domain>
    associate: str
    manager: str


# fmt: off
STORES = (
    # code, name, address, city,
    # latitude, longitude, hours, pickup, ship from store, parcels a day, hold slots,
    # staff mail domain, associate, manager
    StoreRow("PAR-RIV", "Paris Rivoli", "110 rue de Rivoli", "75001 Paris",
             48.8600, 2.3470, CITY_HOURS, True, True, 40, 12,
             "rivoli.demo", "Léa Moreau", "Julien Lefèvre"),
    StoreRow("PAR-BAS", "Paris Bastille", "10 rue du Faubourg Saint-Antoine", "75012 Paris",
             48.8532, 2.3707, CITY_HOURS, True, True, 25, 12,
             "bastille.demo", "Hugo Garnier", "Sophie Renaud"),
    StoreRow("PAR-MTP", "Paris Montparnasse", "14 rue de l'Arrivée", "75015 Paris",
             48.8427, 2.3226, CITY_HOURS, True, True, 30, 12,
             "montparnasse.demo", "Inès Chevalier", "Marc Dubois"),
    StoreRow("PAR-OPE", "Paris Opéra", "40 boulevard Haussmann", "75009 Paris",
             48.8735, 2.3320, TOURIST_HOURS, True, False, 0, 16,
             "opera.demo", "Chloé Fontaine", "Nicolas Perrin"),
    StoreRow("DEF-4TP", "La Défense Les Quatre Temps", "15 parvis de la Défense", "92800 Puteaux",
             48.8917, 2.2385, MALL_HOURS, True, True, 50, 16,
             "defense.demo", "Thomas Roux", "Camille Blanc"),
    StoreRow("BOU-PAS", "Boulogne Les Passages", "30 avenue du Général Leclerc",
             "92100 Boulogne-Billancourt",
             48.8360, 2.2412, CITY_HOURS, True, True, 20, 10,
             "boulogne.demo", "Manon Girard", "Antoine Mercier"),
    StoreRow("VIN-MID", "Vincennes Rue du Midi", "22 rue du Midi", "94300 Vincennes",
             48.8476, 2.4390, CITY_HOURS, True, False, 0, 8,
             "vincennes.demo", "Lucas Bonnet", "Claire Lambert"),
    StoreRow("STD-BSL", "Saint-Denis Basilique", "2 rue du Jambon", "93200 Saint-Denis",
             48.9363, 2.3580, CITY_HOURS, True, True, 15, 10,
             "saintdenis.demo", "Yasmine Haddad", "Olivier Faure"),
    StoreRow("VER-PAR", "Versailles Rive Droite", "57 rue de la Paroisse", "78000 Versailles",
             48.8063, 2.1300, CITY_HOURS, True, True, 20, 10,
             "versailles.demo", "Pauline Rousseau", "François Gauthier"),
    StoreRow("CRE-SOL", "Créteil Soleil", "101 avenue du Général de Gaulle", "94000 Créteil",
             48.7797, 2.4588, MALL_HOURS, True, True, 35, 14,
             "creteil.demo", "Mehdi Bouzid", "Isabelle Morel"),
    StoreRow("NAN-PRF", "Nanterre Préfecture", "2 rue Salvador Allende", "92000 Nanterre",
             48.8957, 2.2159, CITY_HOURS, False, True, 25, 8,
             "nanterre.demo", "Emma Lemoine", "Stéphane Robin"),
    # ~40 km from PAR-RIV: the store that has phone B in the acceptance story.
    StoreRow("MEA-CTR", "Meaux Centre", "14 rue du Général Leclerc", "77100 Meaux",
             48.9600, 2.8780, CITY_HOURS, True, False, 0, 8,
             "meaux.demo", "Kevin Marchand", "Nathalie Henry"),
)
# fmt: on

FAR_STORE_CODE = "MEA-CTR"


@dataclass(frozen=True)
class SiteRow:
    """A warehouse or a supplier."""

    code: str
    name: str
    address: str
    city: str
    latitude: float
    longitude: float
    hours: dict
    lead_time_days: int = 0


WAREHOUSES = (
    SiteRow("WH-WIS", "Entrepôt Wissous", "ZA du Haut de Wissous, rue Léonard de Vinci",
            "91320 Wissous", 48.7300, 2.3270, WAREHOUSE_HOURS),
    SiteRow("WH-GEN", "Entrepôt Gennevilliers", "Port de Gennevilliers, route du Bassin n°6",
            "92230 Gennevilliers", 48.9372, 2.2985, WAREHOUSE_HOURS),
)

SUPPLIERS = (
    SiteRow("SUP-TEL", "TéléDistri France", "Parc de Courtabœuf, avenue des Tropiques",
            "91940 Les Ulis", 48.6850, 2.1880, SUPPLIER_HOURS, lead_time_days=2),
    SiteRow("SUP-INF", "InfoGros Distribution", "ZI de Croissy-Beaubourg, rue de la Mare Blanche",
            "77183 Croissy-Beaubourg", 48.8280, 2.6580, SUPPLIER_HOURS, lead_time_days=3),
)

PHONE_SUPPLIER_CODE = "SUP-TEL"
PC_SUPPLIER_CODE = "SUP-INF"


# Zones of every store: (code suffix, kind, name). Hold slots are added per store.
STORE_ZONES = (
    ("S1", ZoneKind.SALES_FLOOR, "Surface de vente — High-tech"),
    ("S2", ZoneKind.SALES_FLOOR, "Surface de vente — Chaussures & livres"),
    ("BR", ZoneKind.BACKROOM, "Réserve"),
    ("PC", ZoneKind.PICKUP_COUNTER, "Comptoir retrait"),
    ("DK", ZoneKind.SHUTTLE_DOCK, "Quai navette"),
    ("RT", ZoneKind.RETURNS, "Retours & quarantaine"),
)
WAREHOUSE_ZONES = (
    ("BR", ZoneKind.BACKROOM, "Stock"),
    ("DK", ZoneKind.SHUTTLE_DOCK, "Quais d'expédition"),
    ("RT", ZoneKind.RETURNS, "Retours & quarantaine"),
)
# The first slots take small parcels, the last quarter bulky ones (laptops, shoe boxes).
SMALL_SLOT_CAPACITY = 4
LARGE_SLOT_CAPACITY = 10

# Which sales floor shows which category.
SALES_FLOOR_BY_CATEGORY = {
    "phones": "S1",
    "phone_cases": "S1",
    "accessories": "S1",
    "computers": "S1",
    "shoes": "S2",
    "books": "S2",
}


# Shuttle links between stores, run both ways: (a, b, departures, transit_minutes, cutoff_minutes).
# fmt: off
STORE_LINKS = (
    ("PAR-RIV", "PAR-BAS", ["11:00", "16:00"], 25, 30),
    ("PAR-RIV", "PAR-OPE", ["11:00", "16:00"], 20, 30),
    ("PAR-RIV", "PAR-MTP", ["11:30", "16:30"], 30, 30),
    ("PAR-BAS", "PAR-OPE", ["12:00"], 30, 30),
    ("PAR-BAS", "PAR-MTP", ["12:00"], 35, 30),
    ("PAR-OPE", "PAR-MTP", ["12:30"], 35, 30),
    ("PAR-BAS", "VIN-MID", ["10:30", "15:30"], 25, 30),
    ("PAR-BAS", "CRE-SOL", ["10:30", "15:30"], 40, 45),
    ("PAR-MTP", "BOU-PAS", ["10:30", "15:30"], 30, 30),
    ("BOU-PAS", "VER-PAR", ["11:00"], 35, 45),
    ("PAR-OPE", "DEF-4TP", ["10:30", "15:30"], 35, 30),
    ("DEF-4TP", "NAN-PRF", ["11:00", "16:00"], 15, 30),
    ("PAR-OPE", "STD-BSL", ["10:30", "15:30"], 35, 30),
    # One early van a day to and from Meaux: sealed by 07:00, in Paris before opening.
    ("MEA-CTR", "PAR-RIV", ["07:30"], 75, 30),
    ("MEA-CTR", "PAR-BAS", ["07:30"], 70, 30),
)
# fmt: on

# Each store is restocked by one warehouse: (warehouse, store, transit_minutes).
WAREHOUSE_DEPARTURES = ["05:30", "13:00"]
WAREHOUSE_CUTOFF_MINUTES = 60
WAREHOUSE_ROUTES = (
    ("WH-WIS", "PAR-RIV", 40), ("WH-WIS", "PAR-BAS", 40), ("WH-WIS", "PAR-MTP", 30),
    ("WH-WIS", "VIN-MID", 45), ("WH-WIS", "VER-PAR", 40), ("WH-WIS", "CRE-SOL", 30),
    ("WH-GEN", "PAR-OPE", 30), ("WH-GEN", "DEF-4TP", 25), ("WH-GEN", "BOU-PAS", 40),
    ("WH-GEN", "STD-BSL", 20), ("WH-GEN", "NAN-PRF", 20), ("WH-GEN", "MEA-CTR", 65),
)
