"""Maison Omni's catalog (~300 SKUs) and its marketplace. Brands and models are invented.

Families are tables; `products()` expands them into one ProductRow per SKU (a storage,
a colour, a configuration or a shoe size is a SKU of its own).
"""
from dataclasses import dataclass
from random import Random

from omni_store.catalog.barcodes import make_ean13
from omni_store.catalog.models import OfferCondition

# Fixed prefixes keep every barcode the same from one seed to the next:
# a French GS1 company prefix for goods, an ISBN publisher prefix (978-2-…) for books.
GOODS_EAN_PREFIX = "3770042"
BOOKS_EAN_PREFIX = "9782490"

# The three comparable smartphones of the acceptance story (DESIGN §5).
PHONE_A_SKU = "PHN-NOVX5-128-BLK"  # at PAR-RIV (and a few other stores)
PHONE_B_SKU = "PHN-PIX8-128-GRY"  # only at the far store, MEA-CTR
PHONE_C_SKU = "PHN-GLXS9-128-BLU"  # only at the phone supplier
STORY_CASE_SKU = "CAS-NOVX5-SIL"
STORY_PC_SKU = "PC-LUMJ14-N200-8-128"
# Sold only through the PC distributor: the demo day's dropship order.
DISTRIBUTOR_ONLY_SKU = "PC-KSTS14-U7-32-1T"


@dataclass(frozen=True)
class ProductRow:
    sku: str
    name: str
    brand: str
    category: str
    price_cents: int
    ean: str


def euros(amount: float) -> int:
    return round(amount * 100)


# --- phones: (code, brand, model, [(storage GB, price €)], [(colour, colour code)]) ------

STORY_PHONES = (
    ("NOVX5", "Nova", "Nova X5", [(128, 799)], [("Noir minuit", "BLK")]),
    ("PIX8", "Pixelle", "Pixelle 8", [(128, 749)], [("Gris ardoise", "GRY")]),
    ("GLXS9", "Galaxis", "Galaxis S9", [(128, 849)], [("Bleu glacier", "BLU")]),
)
OTHER_PHONES = (
    ("NOVA3", "Nova", "Nova A3", [(64, 199), (128, 239)], [("Noir", "BLK"), ("Vert sauge", "GRN")]),
    ("NOVFL2", "Nova", "Nova Flip 2", [(256, 1099)], [("Noir", "BLK"), ("Lilas", "LIL")]),
    ("PIX7A", "Pixelle", "Pixelle 7a", [(128, 399)], [("Noir", "BLK"), ("Corail", "COR")]),
    ("GLXA55", "Galaxis", "Galaxis A55", [(128, 449), (256, 499)],
     [("Noir", "BLK"), ("Lavande", "LAV")]),
    ("EQUI5", "Équiphone", "Équiphone 5 (réparable)", [(256, 599)],
     [("Noir", "BLK"), ("Bleu", "BLU")]),
    ("KUM13T", "Kumo", "Kumo 13T", [(256, 649)], [("Noir", "BLK"), ("Bleu alpin", "BLU")]),
    ("KUMR12", "Kumo", "Kumo Redline 12", [(128, 179)], [("Noir", "BLK"), ("Sable", "SND")]),
)
BASIC_PHONES = (
    # A feature phone for seniors has no storage variants worth a SKU.
    ("PHN-SIMPLO-4G", "Simplo", "Simplo 4G, grosses touches", 89),
)

CASE_STYLES = (
    ("SIL", "Coque silicone", 29.90),
    ("FOL", "Étui folio cuir", 39.90),
    ("CLR", "Coque transparente renforcée", 24.90),
)
CASE_BRAND = "Omni Essentials"

# --- accessories: (SKU, brand, name, price €) ----------------------------------------------
# fmt: off
ACCESSORIES = (
    ("ACC-CHG-USBC-20W", "Omni Essentials", "Chargeur secteur USB-C 20 W", 19.90),
    ("ACC-CHG-USBC-65W", "Omni Essentials", "Chargeur GaN USB-C 65 W, 3 ports", 49.90),
    ("ACC-CBL-USBC-1M", "Omni Essentials", "Câble USB-C vers USB-C 1 m", 12.90),
    ("ACC-CBL-USBC-2M", "Omni Essentials", "Câble USB-C tressé 2 m", 17.90),
    ("ACC-CBL-LTG-1M", "Omni Essentials", "Câble USB-C vers Lightning 1 m", 19.90),
    ("ACC-PWB-10K", "Voltéo", "Batterie externe 10 000 mAh", 29.90),
    ("ACC-PWB-20K", "Voltéo", "Batterie externe 20 000 mAh, charge rapide", 49.90),
    ("ACC-WCH-15W", "Voltéo", "Chargeur à induction 15 W", 34.90),
    ("ACC-CAR-MAG", "Voltéo", "Support voiture magnétique", 24.90),
    ("ACC-EAR-BUDS2", "Sonora", "Écouteurs sans fil Buds 2", 79.90),
    ("ACC-EAR-BUDSPRO", "Sonora", "Écouteurs à réduction de bruit Buds Pro", 179.00),
    ("ACC-HPH-STUDIO", "Sonora", "Casque circum-auriculaire Studio", 249.00),
    ("ACC-SPK-MINI", "Sonora", "Enceinte Bluetooth Mini, étanche", 59.90),
    ("ACC-WTC-FIT3", "Nova", "Montre connectée Nova Fit 3", 199.00),
    ("ACC-WTC-BAND", "Kumo", "Bracelet d'activité Kumo Band 8", 39.90),
    ("ACC-SCR-NOVX5", "Omni Essentials", "Verre trempé Nova X5", 19.90),
    ("ACC-SCR-PIX8", "Omni Essentials", "Verre trempé Pixelle 8", 19.90),
    ("ACC-SCR-GLXS9", "Omni Essentials", "Verre trempé Galaxis S9", 19.90),
    ("ACC-SD-128", "Mémora", "Carte microSD 128 Go", 17.90),
    ("ACC-USB-256", "Mémora", "Clé USB 256 Go", 29.90),
    ("ACC-SSD-1T", "Mémora", "SSD externe 1 To", 99.90),
    ("ACC-MOU-WL", "Klavo", "Souris sans fil silencieuse", 24.90),
    ("ACC-MOU-GAME", "Klavo", "Souris gaming 26 000 DPI", 69.90),
    ("ACC-KBD-WL", "Klavo", "Clavier sans fil AZERTY", 39.90),
    ("ACC-KBD-MECH", "Klavo", "Clavier mécanique AZERTY rétroéclairé", 109.00),
    ("ACC-HUB-USBC", "Klavo", "Hub USB-C 7-en-1", 44.90),
    ("ACC-BAG-15", "Omni Essentials", "Sacoche ordinateur 15,6\"", 39.90),
    ("ACC-SLV-14", "Omni Essentials", "Housse néoprène 14\"", 19.90),
    ("ACC-MON-27", "Orbis", "Écran 27\" QHD 75 Hz", 249.00),
    ("ACC-WEB-FHD", "Orbis", "Webcam Full HD avec micro", 49.90),
)
# fmt: on

# --- computers: (code, brand, model, [(config code, config label, price €)]) --------------
# fmt: off
COMPUTERS = (
    ("LUMJ14", "Lumio", "Lumio Junior 14", [
        ("N200-8-128", "Intel N200, 8 Go, 128 Go", 399)]),
    ("LUMB14", "Lumio", "Lumio Book 14", [
        ("I5-16-512", "Core i5, 16 Go, SSD 512 Go", 899),
        ("I7-16-1T", "Core i7, 16 Go, SSD 1 To", 1199)]),
    ("LUMB16", "Lumio", "Lumio Book 16", [
        ("I5-16-512", "Core i5, 16 Go, SSD 512 Go", 999),
        ("I7-32-1T", "Core i7, 32 Go, SSD 1 To", 1399)]),
    ("AXAE13", "Axento", "Axento Aero 13", [
        ("R5-16-512", "Ryzen 5, 16 Go, SSD 512 Go", 1099),
        ("R7-16-1T", "Ryzen 7, 16 Go, SSD 1 To", 1299),
        ("R7-32-1T", "Ryzen 7, 32 Go, SSD 1 To", 1599)]),
    ("AXVE14", "Axento", "Axento Vela 14", [
        ("R3-8-256", "Ryzen 3, 8 Go, SSD 256 Go", 549),
        ("R5-16-512", "Ryzen 5, 16 Go, SSD 512 Go", 749)]),
    ("AXVE15", "Axento", "Axento Vela 15", [
        ("I3-8-256", "Core i3, 8 Go, SSD 256 Go", 499),
        ("I5-16-512", "Core i5, 16 Go, SSD 512 Go", 699)]),
    ("KSTN16", "Kestrel", "Kestrel Nitro 16 (gaming)", [
        ("R5-4050", "Ryzen 5, RTX 4050, 16 Go", 1199),
        ("R7-4060", "Ryzen 7, RTX 4060, 16 Go", 1399)]),
    ("KSTP15", "Kestrel", "Kestrel Pro 15 (gaming)", [
        ("I7-4070", "Core i7, RTX 4070, 32 Go", 1899),
        ("I9-4080", "Core i9, RTX 4080, 32 Go", 2499)]),
    ("KSTS14", "Kestrel", "Kestrel Studio 14 (création)", [
        ("U7-32-1T", "Core Ultra 7, 32 Go, SSD 1 To", 1799)]),
    ("ORBT5", "Orbis", "Orbis Tower G5 (bureau)", [
        ("I5-16-512", "Core i5, 16 Go, SSD 512 Go", 899),
        ("I7-32-1T", "Core i7, 32 Go, SSD 1 To", 1299)]),
    ("ORBA24", "Orbis", "Orbis Tout-en-un 24\"", [
        ("I5-8-512", "Core i5, 8 Go, SSD 512 Go", 999),
        ("I7-16-1T", "Core i7, 16 Go, SSD 1 To", 1299)]),
    ("ORBM1", "Orbis", "Orbis Mini PC", [
        ("N100-8-256", "Intel N100, 8 Go, 256 Go", 299),
        ("R7-16-512", "Ryzen 7, 16 Go, 512 Go", 599)]),
    ("NOVTAB11", "Nova", "Nova Tab 11 (tablette)", [
        ("128-WIFI", "128 Go, Wi-Fi", 449),
        ("256-5G", "256 Go, 5G", 649)]),
    ("GLXTAB", "Galaxis", "Galaxis Tab S9 FE (tablette)", [
        ("128-WIFI", "128 Go, Wi-Fi", 499)]),
)
# fmt: on

# --- shoes: (code, brand, model, price €, sizes) -------------------------------------------
MEN = range(40, 47)
WOMEN = range(36, 42)
MIXED = range(36, 46)
KIDS = range(28, 36)
# fmt: off
SHOES = (
    ("VELR3H", "Vélocité", "Runner 3 homme", 119, MEN),
    ("VELR3F", "Vélocité", "Runner 3 femme", 119, WOMEN),
    ("KANTR2", "Kanopée", "Trail 2 mixte", 99, range(38, 47)),
    ("BASDER", "Bastide", "Derby cuir homme", 149, range(40, 46)),
    ("BASCHF", "Bastide", "Chelsea boots femme", 169, WOMEN),
    ("RIVMOC", "Bastide", "Mocassin Riviera homme", 129, range(40, 46)),
    ("SYLBAL", "Sylphide", "Ballerines cuir femme", 79, WOMEN),
    ("OXACLS", "Oxalis", "Canvas Classic basse mixte", 65, MIXED),
    ("ARRESP", "Arrieta", "Espadrilles Côte basque mixte", 35, range(36, 45)),
    ("PTPSNK", "Petit Pas", "Baskets scratch enfant", 49, KIDS),
    ("PTPBOT", "Petit Pas", "Bottines fourrées enfant", 59, KIDS),
    ("KANFOO", "Kanopée", "Crampons football enfant", 59, range(30, 39)),
    ("DOUCHA", "Douillet", "Chaussons mixtes", 29, MIXED),
)
# fmt: on

# --- books: (code, author, title, price €) — classics in paperback -------------------------
BOOK_PUBLISHER = "Éditions du Pont-Neuf"
# fmt: off
BOOKS = (
    ("HUGO-MIS1", "Victor Hugo", "Les Misérables, tome 1", 9.90),
    ("HUGO-MIS2", "Victor Hugo", "Les Misérables, tome 2", 9.90),
    ("HUGO-NDP", "Victor Hugo", "Notre-Dame de Paris", 8.50),
    ("HUGO-DJC", "Victor Hugo", "Le Dernier Jour d'un condamné", 3.90),
    ("HUGO-CON", "Victor Hugo", "Les Contemplations", 7.90),
    ("BALZ-GOR", "Honoré de Balzac", "Le Père Goriot", 5.90),
    ("BALZ-EUG", "Honoré de Balzac", "Eugénie Grandet", 4.90),
    ("BALZ-ILL", "Honoré de Balzac", "Illusions perdues", 9.50),
    ("BALZ-PDC", "Honoré de Balzac", "La Peau de chagrin", 5.50),
    ("ZOLA-GER", "Émile Zola", "Germinal", 7.50),
    ("ZOLA-ASS", "Émile Zola", "L'Assommoir", 7.50),
    ("ZOLA-BDD", "Émile Zola", "Au Bonheur des Dames", 6.90),
    ("ZOLA-BHU", "Émile Zola", "La Bête humaine", 6.90),
    ("ZOLA-CUR", "Émile Zola", "La Curée", 5.90),
    ("ZOLA-VEN", "Émile Zola", "Le Ventre de Paris", 6.50),
    ("FLAU-BOV", "Gustave Flaubert", "Madame Bovary", 5.90),
    ("FLAU-EDS", "Gustave Flaubert", "L'Éducation sentimentale", 7.90),
    ("FLAU-SAL", "Gustave Flaubert", "Salammbô", 6.90),
    ("FLAU-TRC", "Gustave Flaubert", "Trois Contes", 3.90),
    ("STEN-REN", "Stendhal", "Le Rouge et le Noir", 7.50),
    ("STEN-CHA", "Stendhal", "La Chartreuse de Parme", 7.90),
    ("DUMA-MOU", "Alexandre Dumas", "Les Trois Mousquetaires", 9.90),
    ("DUMA-MCR", "Alexandre Dumas", "Le Comte de Monte-Cristo, tome 1", 9.90),
    ("DUMA-MC2", "Alexandre Dumas", "Le Comte de Monte-Cristo, tome 2", 9.90),
    ("DUMA-RMA", "Alexandre Dumas", "La Reine Margot", 8.90),
    ("VERN-VTM", "Jules Verne", "Vingt mille lieues sous les mers", 6.90),
    ("VERN-TDM", "Jules Verne", "Le Tour du monde en quatre-vingts jours", 5.50),
    ("VERN-VCT", "Jules Verne", "Voyage au centre de la Terre", 5.50),
    ("VERN-ILM", "Jules Verne", "L'Île mystérieuse", 8.90),
    ("VERN-MST", "Jules Verne", "Michel Strogoff", 7.50),
    ("VERN-DLT", "Jules Verne", "De la Terre à la Lune", 5.50),
    ("MAUP-BAM", "Guy de Maupassant", "Bel-Ami", 5.90),
    ("MAUP-UNV", "Guy de Maupassant", "Une vie", 4.90),
    ("MAUP-BDS", "Guy de Maupassant", "Boule de suif", 2.90),
    ("MAUP-HOR", "Guy de Maupassant", "Le Horla", 2.90),
    ("PROU-SWA", "Marcel Proust", "Du côté de chez Swann", 8.90),
    ("PROU-JFF", "Marcel Proust", "À l'ombre des jeunes filles en fleurs", 9.90),
    ("VOLT-CAN", "Voltaire", "Candide", 3.50),
    ("VOLT-ZAD", "Voltaire", "Zadig", 3.50),
    ("MOLI-AVA", "Molière", "L'Avare", 3.50),
    ("MOLI-TAR", "Molière", "Le Tartuffe", 3.50),
    ("MOLI-MIS", "Molière", "Le Misanthrope", 3.50),
    ("MOLI-MIM", "Molière", "Le Malade imaginaire", 3.50),
    ("RACI-PHE", "Jean Racine", "Phèdre", 3.50),
    ("CORN-CID", "Pierre Corneille", "Le Cid", 3.50),
    ("LAFO-FAB", "Jean de La Fontaine", "Fables", 6.50),
    ("BAUD-FDM", "Charles Baudelaire", "Les Fleurs du mal", 5.50),
    ("RIMB-POE", "Arthur Rimbaud", "Poésies complètes", 5.90),
    ("VERL-POE", "Paul Verlaine", "Poèmes saturniens", 4.50),
    ("APOL-ALC", "Guillaume Apollinaire", "Alcools", 4.90),
    ("LACL-LDL", "Choderlos de Laclos", "Les Liaisons dangereuses", 7.50),
    ("PREV-MAN", "Abbé Prévost", "Manon Lescaut", 4.50),
    ("LAFA-PDC", "Madame de La Fayette", "La Princesse de Clèves", 4.50),
    ("ROUS-CON", "Jean-Jacques Rousseau", "Les Confessions", 9.90),
    ("MONT-LEP", "Montesquieu", "Lettres persanes", 5.90),
    ("SAND-MDD", "George Sand", "La Mare au diable", 3.90),
    ("SAND-PFF", "George Sand", "La Petite Fadette", 4.50),
    ("LERO-FOP", "Gaston Leroux", "Le Fantôme de l'Opéra", 6.90),
    ("LERO-MCJ", "Gaston Leroux", "Le Mystère de la chambre jaune", 5.90),
    ("LEBL-ALG", "Maurice Leblanc", "Arsène Lupin, gentleman cambrioleur", 5.50),
    ("LEBL-AIG", "Maurice Leblanc", "L'Aiguille creuse", 5.50),
    ("DAUD-LMM", "Alphonse Daudet", "Lettres de mon moulin", 4.50),
    ("DAUD-TAR", "Alphonse Daudet", "Tartarin de Tarascon", 4.50),
    ("ALFO-GDM", "Alain-Fournier", "Le Grand Meaulnes", 5.90),
    ("ROST-CYR", "Edmond Rostand", "Cyrano de Bergerac", 5.50),
    ("HUGO-RUY", "Victor Hugo", "Ruy Blas", 3.90),
    ("MUSS-LOR", "Alfred de Musset", "Lorenzaccio", 4.50),
    ("MUSS-ONB", "Alfred de Musset", "On ne badine pas avec l'amour", 3.50),
    ("RENA-POI", "Jules Renard", "Poil de Carotte", 4.50),
    ("PERG-BDB", "Louis Pergaud", "La Guerre des boutons", 6.50),
    ("MALO-SAF", "Hector Malot", "Sans famille", 8.50),
    ("SEGU-MDS", "Comtesse de Ségur", "Les Malheurs de Sophie", 4.90),
    ("PERR-CON", "Charles Perrault", "Contes", 4.50),
    ("SAIN-PPR", "Antoine de Saint-Exupéry", "Le Petit Prince", 7.90),
    ("SAIN-VDN", "Antoine de Saint-Exupéry", "Vol de nuit", 5.90),
    ("CAMU-ETR", "Albert Camus", "L'Étranger", 6.90),
    ("CAMU-PES", "Albert Camus", "La Peste", 8.90),
    ("VIAN-EDJ", "Boris Vian", "L'Écume des jours", 7.50),
    ("PAGN-GDP", "Marcel Pagnol", "La Gloire de mon père", 7.90),
    ("PAGN-CDM", "Marcel Pagnol", "Le Château de ma mère", 7.90),
)
# fmt: on


def _ean(prefix: str, item_number: int) -> str:
    return make_ean13(f"{prefix}{item_number:05d}")


def _family_rows() -> list[tuple[str, str, str, str, int]]:
    """(sku, name, brand, category, price_cents) for every SKU, in catalog order."""
    rows = []
    for code, brand, model, storages, colours in STORY_PHONES + OTHER_PHONES:
        for storage, price in storages:
            for colour, colour_code in colours:
                rows.append((f"PHN-{code}-{storage}-{colour_code}",
                             f"{model} {storage} Go {colour}", brand, "phones", euros(price)))
    for sku, brand, name, price in BASIC_PHONES:
        rows.append((sku, name, brand, "phones", euros(price)))
    for code, _brand, model, _storages, _colours in STORY_PHONES + OTHER_PHONES:
        for style_code, style, price in CASE_STYLES:
            rows.append((f"CAS-{code}-{style_code}", f"{style} {model}", CASE_BRAND,
                         "phone_cases", euros(price)))
    for sku, brand, name, price in ACCESSORIES:
        rows.append((sku, name, brand, "accessories", euros(price)))
    for code, brand, model, configs in COMPUTERS:
        for config_code, label, price in configs:
            rows.append((f"PC-{code}-{config_code}", f"{model} — {label}", brand, "computers",
                         euros(price)))
    for code, brand, model, price, sizes in SHOES:
        for size in sizes:
            rows.append((f"SHO-{code}-{size}", f"{brand} {model}, pointure {size}", brand,
                         "shoes", euros(price)))
    return rows


def products() -> list[ProductRow]:
    goods = [ProductRow(*row, ean=_ean(GOODS_EAN_PREFIX, n))
             for n, row in enumerate(_family_rows(), start=1)]
    books = [ProductRow(f"BOK-{code}", f"{title} — {author}", BOOK_PUBLISHER, "books",
                        euros(price), ean=_ean(BOOKS_EAN_PREFIX, n))
             for n, (code, author, title, price) in enumerate(BOOKS, start=1)]
    return goods + books


# --- marketplace ------------------------------------------------------------------------

SELLERS = (
    # code, name, rating out of 5
    ("techdeal", "TechDeal Marketplace", 4.6),
    ("comptoir-mobile", "Le Comptoir du Mobile", 4.2),
    ("reboot", "ReBoot Reconditionné", 4.4),
    ("pas-a-pas", "Pas à Pas Chaussures", 3.9),
)


@dataclass(frozen=True)
class OfferRow:
    seller: str
    sku: str
    price_cents: int
    shipping_cents: int
    stock: int
    lead_time_days: int
    condition: OfferCondition = OfferCondition.NEW


# The story: TechDeal beats the chain's €799 on phone A with a 3-day delivery; the
# competing offers are dearer, slower or refurbished. B and C have no offer, so that
# the far store and the supplier stay their only sources.
STORY_OFFERS = (
    OfferRow("techdeal", PHONE_A_SKU, euros(739), 0, 12, 3),
    OfferRow("comptoir-mobile", PHONE_A_SKU, euros(779), euros(6.90), 4, 5),
    OfferRow("reboot", PHONE_A_SKU, euros(619), euros(4.90), 3, 4, OfferCondition.REFURBISHED),
)
STORY_SKUS = frozenset({PHONE_A_SKU, PHONE_B_SKU, PHONE_C_SKU})

# Each seller's range besides the story phones: the seed lists a deterministic share of
# the SKUs of these categories, priced around the chain price.
@dataclass(frozen=True)
class SellerRange:
    seller: str
    categories: tuple[str, ...]
    share: float
    price_factors: tuple[float, float]
    shipping_cents: int
    lead_time_days: tuple[int, int]
    condition: OfferCondition = OfferCondition.NEW


SELLER_RANGES = (
    SellerRange("techdeal", ("phones", "computers", "accessories"), 0.5, (0.92, 1.04), 0, (2, 4)),
    SellerRange("comptoir-mobile", ("phones", "phone_cases", "accessories"), 0.6, (0.95, 1.08),
                euros(6.90), (3, 6)),
    SellerRange("reboot", ("phones", "computers"), 0.4, (0.70, 0.85), euros(4.90), (3, 5),
                OfferCondition.REFURBISHED),
    SellerRange("pas-a-pas", ("shoes",), 0.5, (0.90, 1.02), euros(4.95), (2, 5)),
)
OFFER_STOCKS = (0, 1, 2, 3, 5, 8, 12, 25)


def _shelf_price(cents: float) -> int:
    """A price as a shop writes it: whole euros minus 10 cents (€742.90)."""
    return max(int(round(cents, -2)) - 10, 90)


def marketplace_offers(catalog: list[ProductRow], random_seed: int) -> list[OfferRow]:
    """The story offers, then each seller's range (one random stream per seller and SKU)."""
    offers = list(STORY_OFFERS)
    for rule in SELLER_RANGES:
        for product in catalog:
            if product.category not in rule.categories or product.sku in STORY_SKUS:
                continue
            rng = Random(f"{random_seed}:{rule.seller}:{product.sku}")
            if rng.random() < rule.share:
                price = product.price_cents * rng.uniform(*rule.price_factors)
                offers.append(OfferRow(
                    rule.seller,
                    product.sku,
                    price_cents=_shelf_price(price),
                    shipping_cents=rule.shipping_cents,
                    stock=rng.choice(OFFER_STOCKS),
                    lead_time_days=rng.randint(*rule.lead_time_days),
                    condition=rule.condition,
                ))
    return offers
