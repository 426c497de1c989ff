"""A day of orders, so that every screen has real work on it.

Each order is placed through omni_store.fulfilment.placing.place_order as if it had landed
`minutes_ago`, then moved along by the store's associate as far as `progress` says.
Customers are unique per order: their email is the order's natural key.
"""
from dataclasses import dataclass
from enum import StrEnum

from omni_store.demo.catalog_data import DISTRIBUTOR_ONLY_SKU
from omni_store.inventory.models import Channel
from omni_store.orders.models import DeliveryMethod
from omni_store.tasks.models import TaskKind

CUSTOMER_MAIL_DOMAIN = "client.demo"
CANCEL_REASON = "Annulée à la demande du client"


class Progress(StrEnum):
    NEW = "new"  # nobody has touched it yet
    CLAIMED = "claimed"  # an associate took the first pick
    PICKED = "picked"  # every pick done
    PACKED = "packed"  # picks and shuttle packs done, parcel waits for its run
    CANCELLED = "cancelled"  # cancelled before anyone picked
    CANCELLED_AFTER_PICK = "cancelled_after_pick"  # picked, then cancelled: a restock task


# Customers' homes: (address, latitude, longitude).
ADDRESSES = {
    "oberkampf": ("12 rue Oberkampf, 75011 Paris", 48.8648, 2.3701),
    "martyrs": ("8 rue des Martyrs, 75009 Paris", 48.8790, 2.3398),
    "convention": ("105 rue de la Convention, 75015 Paris", 48.8398, 2.2887),
    "antony": ("20 avenue Aristide Briand, 92160 Antony", 48.7543, 2.2975),
    "asnieres": ("15 rue de la Station, 92600 Asnières-sur-Seine", 48.9110, 2.2850),
    "montreuil": ("40 rue de Paris, 93100 Montreuil", 48.8580, 2.4330),
    "lyon": ("10 rue Mercière, 69002 Lyon", 45.7620, 4.8330),
    "rueil": ("5 boulevard Foch, 92500 Rueil-Malmaison", 48.8772, 2.1800),
}


@dataclass(frozen=True)
class DemoOrder:
    minutes_ago: int
    first_name: str
    last_name: str
    method: DeliveryMethod
    where: str  # pickup store code, or a key of ADDRESSES
    lines: tuple[tuple[str, int], ...]
    progress: Progress = Progress.NEW
    appointment_in_hours: int | None = None  # e-reservations
    channel: Channel = Channel.WEB


PICKUP, RESERVE = DeliveryMethod.PICKUP, DeliveryMethod.RESERVE
SHIP_FROM_STORE, HOME = DeliveryMethod.SHIP_FROM_STORE, DeliveryMethod.HOME
P = Progress

# fmt: off
DEMO_ORDERS = (
    # Click & collect at PAR-RIV, from its own shelves.
    DemoOrder(430, "Camille", "Martin", PICKUP, "PAR-RIV", (("ACC-CHG-USBC-20W", 1), ("ACC-WCH-15W", 1)), P.PICKED),
    DemoOrder(395, "Lucas", "Bernard", PICKUP, "PAR-RIV", (("PHN-PIX7A-128-COR", 1),), P.PICKED),
    DemoOrder(310, "Chloé", "Dubois", PICKUP, "PAR-RIV", (("SHO-VELR3F-38", 1),), P.CLAIMED),
    DemoOrder(250, "Hugo", "Thomas", PICKUP, "PAR-RIV", (("ACC-EAR-BUDSPRO", 1),)),
    DemoOrder(185, "Manon", "Robert", PICKUP, "PAR-RIV", (("BOK-ZOLA-CUR", 1), ("BOK-BALZ-EUG", 2)), P.CLAIMED),
    DemoOrder(120, "Nathan", "Richard", PICKUP, "PAR-RIV", (("PC-ORBT5-I5-16-512", 1),)),
    DemoOrder(45, "Inès", "Petit", PICKUP, "PAR-RIV", (("ACC-SPK-MINI", 1), ("ACC-PWB-20K", 1))),
    DemoOrder(20, "Théo", "Durand", PICKUP, "PAR-RIV", (("SHO-VELR3H-43", 1), ("CAS-NOVA3-FOL", 1))),
    # At PAR-RIV, from other stores by shuttle, a warehouse and the PC distributor.
    DemoOrder(360, "Léa", "Leroy", PICKUP, "PAR-RIV", (("PC-LUMB14-I7-16-1T", 1),), P.PACKED),
    DemoOrder(280, "Gabriel", "Moreau", PICKUP, "PAR-RIV", (("ACC-HPH-STUDIO", 1),), P.CLAIMED),
    DemoOrder(140, "Jade", "Simon", PICKUP, "PAR-RIV", (("SHO-KANTR2-41", 1),)),
    DemoOrder(95, "Louis", "Laurent", PICKUP, "PAR-RIV", (("PC-KSTN16-R5-4050", 1),)),
    DemoOrder(75, "Alice", "Lefebvre", PICKUP, "PAR-RIV", ((DISTRIBUTOR_ONLY_SKU, 1),)),
    # An associate orders for a walk-in customer what the store does not hold.
    DemoOrder(35, "Raphaël", "Michel", PICKUP, "PAR-RIV", (("ACC-PWB-10K", 1),), channel=Channel.STORE),
    # E-reservations with an advice appointment at PAR-RIV.
    DemoOrder(240, "Emma", "Garcia", RESERVE, "PAR-RIV", (("PHN-EQUI5-256-BLU", 1),), P.PICKED, appointment_in_hours=2),
    DemoOrder(150, "Arthur", "David", RESERVE, "PAR-RIV", (("PHN-GLXA55-256-LAV", 1), ("CAS-GLXA55-SIL", 1)), appointment_in_hours=4),
    DemoOrder(60, "Louise", "Bertrand", RESERVE, "PAR-RIV", (("PC-LUMB14-I5-16-512", 1),), appointment_in_hours=26),
    # Cancelled: one after the pick (the item goes back on the shelf), one before.
    DemoOrder(400, "Jules", "Roux", PICKUP, "PAR-RIV", (("ACC-MOU-GAME", 1),), P.CANCELLED_AFTER_PICK),
    DemoOrder(330, "Lina", "Vincent", PICKUP, "PAR-BAS", (("PHN-NOVA3-128-GRN", 1),), P.CANCELLED),
    # Other stores' pickups and reservations.
    DemoOrder(380, "Adam", "Fournier", PICKUP, "PAR-BAS", (("PHN-NOVFL2-256-LIL", 1),), P.PICKED),
    DemoOrder(200, "Rose", "Morel", PICKUP, "PAR-BAS", (("ACC-CBL-USBC-2M", 2),), P.CLAIMED),
    DemoOrder(90, "Maël", "Girard", PICKUP, "PAR-OPE", (("PHN-NOVA3-64-GRN", 1),)),
    DemoOrder(170, "Anna", "André", RESERVE, "PAR-OPE", (("PC-KSTN16-R5-4050", 1),), appointment_in_hours=3),
    DemoOrder(300, "Paul", "Lefèvre", PICKUP, "DEF-4TP", (("PHN-PIX7A-128-BLK", 1),), P.PICKED),
    DemoOrder(160, "Mia", "Mercier", PICKUP, "DEF-4TP", (("PHN-NOVA3-128-BLK", 1),), P.CLAIMED),
    DemoOrder(55, "Tom", "Dupont", RESERVE, "DEF-4TP", (("PHN-KUM13T-256-BLU", 1),), appointment_in_hours=5),
    DemoOrder(270, "Zoé", "Lambert", PICKUP, "CRE-SOL", (("PHN-NOVA3-64-BLK", 1),), P.PICKED),
    DemoOrder(110, "Noah", "Bonnet", PICKUP, "CRE-SOL", (("PHN-PIX7A-128-COR", 1),)),
    DemoOrder(210, "Sarah", "François", PICKUP, "MEA-CTR", (("PHN-NOVA3-128-GRN", 1),), P.CLAIMED),
    DemoOrder(130, "Ethan", "Martinez", PICKUP, "VER-PAR", (("PHN-NOVFL2-256-BLK", 1),)),
    # Shipped from a store to the customer's home.
    DemoOrder(350, "Juliette", "Legrand", SHIP_FROM_STORE, "oberkampf", (("ACC-SPK-MINI", 1),), P.PICKED),
    DemoOrder(230, "Victor", "Garnier", SHIP_FROM_STORE, "convention", (("SHO-VELR3H-42", 1),), P.CLAIMED),
    DemoOrder(80, "Agathe", "Faure", SHIP_FROM_STORE, "montreuil", (("ACC-SCR-PIX8", 2),)),
    # Home delivery: from a warehouse, or from a store that ships when it is nearer.
    DemoOrder(420, "Sacha", "Rousseau", HOME, "antony", (("PC-LUMB16-I7-32-1T", 1),)),
    DemoOrder(260, "Margaux", "Blanc", HOME, "lyon", (("BOK-HUGO-MIS1", 1), ("BOK-HUGO-MIS2", 1))),
    DemoOrder(190, "Eliott", "Guerin", HOME, "asnieres", (("PHN-SIMPLO-4G", 1),), channel=Channel.MARKETPLACE),
    DemoOrder(40, "Clara", "Muller", HOME, "rueil", (("SHO-PTPSNK-31", 1),)),
    DemoOrder(15, "Martin", "Henry", HOME, "martyrs", (("PC-NOVTAB11-128-WIFI", 1),)),
)
# fmt: on

# Work that no order caused: counts and restocks a manager planned for today.
# (store, kind, SKU, zone suffix, units, due in minutes from now, negative = late)
STORE_TASKS = (
    ("PAR-RIV", TaskKind.COUNT, "CAS-PIX8-CLR", "S1", 0, -50),  # 48 on the books: really?
    ("PAR-RIV", TaskKind.COUNT, "ACC-WTC-BAND", "BR", 0, 90),
    ("PAR-RIV", TaskKind.RESTOCK, "SHO-KANTR2-45", "S2", 6, 30),
    ("PAR-BAS", TaskKind.COUNT, "CAS-GLXA55-FOL", "S1", 0, 120),
    ("DEF-4TP", TaskKind.RESTOCK, "ACC-CHG-USBC-65W", "S1", 12, -20),
)
