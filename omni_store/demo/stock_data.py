"""How much of what lies where: uneven on purpose, and the same on every seed.

`stock_lines()` turns these rules into one StockLine per (location, SKU) from fixed
random seeds, so that a second seed computes exactly the same plan.
"""
from dataclasses import dataclass
from random import Random

from omni_store.demo.catalog_data import (
    DISTRIBUTOR_ONLY_SKU,
    PHONE_A_SKU,
    PHONE_B_SKU,
    PHONE_C_SKU,
    STORY_CASE_SKU,
    STORY_PC_SKU,
    ProductRow,
)
from omni_store.demo.network_data import (
    FAR_STORE_CODE,
    PC_SUPPLIER_CODE,
    PHONE_SUPPLIER_CODE,
    SALES_FLOOR_BY_CATEGORY,
    STORES,
    WAREHOUSES,
)
from omni_store.inventory.models import Channel

STOCK_RANDOM_SEED = 20240915
SEED_REFERENCE = "demo:seed"

# category: (chance that a store carries a SKU, most units of a normal store)
STORE_RANGE = {
    "phones": (0.55, 6),
    "phone_cases": (0.70, 12),
    "accessories": (0.75, 15),
    "computers": (0.45, 4),
    "shoes": (0.60, 5),
    "books": (0.50, 8),
}
# Bigger shops hold more of everything; the others default to 1.
STORE_SIZE = {"DEF-4TP": 1.6, "CRE-SOL": 1.4, "PAR-RIV": 1.3, "PAR-OPE": 1.2,
              "VIN-MID": 0.7, "MEA-CTR": 0.7, "NAN-PRF": 0.8}
WAREHOUSE_CHANCE, WAREHOUSE_UNITS = 0.9, (10, 120)
# A supplier lists its whole range, in large quantities.
SUPPLIER_CATEGORIES = {PHONE_SUPPLIER_CODE: ("phones", "phone_cases"),
                       PC_SUPPLIER_CODE: ("computers",)}
SUPPLIER_UNITS = (20, 200)

OVERSTOCK_CHANCE, OVERSTOCK_FACTOR = 0.04, 6  # a store that over-ordered: clear it first
SOLD_OUT_CHANCE = 0.08  # carried, but the last unit sold this morning: a level at zero
DAMAGED_CHANCE = 0.03  # one unit set aside in quarantine (damaged box)
ON_SALES_FLOOR_CHANCE = 0.7  # otherwise the product lives in the backroom

# The acceptance story: B only at the far store, C only at the phone supplier (and the
# creator laptop only at the PC distributor, for the day's dropship order) ...
ONLY_AT = {
    PHONE_B_SKU: {FAR_STORE_CODE: 2},
    PHONE_C_SKU: {PHONE_SUPPLIER_CODE: 25},
    DISTRIBUTOR_ONLY_SKU: {PC_SUPPLIER_CODE: 12},
}
# ... and A, the case and the son's PC surely at PAR-RIV.
AT_LEAST = {
    PHONE_A_SKU: {"PAR-RIV": 4},
    STORY_CASE_SKU: {"PAR-RIV": 8},
    STORY_PC_SKU: {"PAR-RIV": 3},
}

# (channel, location code, category, quantity): units kept back from a channel.
BUFFERS = (
    (Channel.WEB, None, "phones", 1),  # the last phone of a store stays for walk-in customers
    (Channel.WEB, "PAR-OPE", "phones", 2),  # Opéra's tourists buy phones over the counter
    (Channel.MARKETPLACE, None, None, 2),  # the marketplace never gets a store's last units
)


@dataclass(frozen=True)
class StockLine:
    location: str
    sku: str
    received: int
    sold: int = 0
    damaged: int = 0
    zone: str | None = None  # code suffix of the zone the product lives in, e.g. "S1"


STORE_CODES = frozenset(s.code for s in STORES)
WAREHOUSE_CODES = frozenset(w.code for w in WAREHOUSES)
PINNED_SKUS = frozenset(ONLY_AT) | frozenset(AT_LEAST)


def _store_quantity(rng: Random, store: str, product: ProductRow) -> int:
    chance, most = STORE_RANGE[product.category]
    if rng.random() >= chance:
        return 0
    quantity = max(1, round(rng.randint(1, most) * STORE_SIZE.get(store, 1)))
    return quantity * OVERSTOCK_FACTOR if rng.random() < OVERSTOCK_CHANCE else quantity


def _random_quantity(rng: Random, location: str, product: ProductRow) -> int:
    if location in SUPPLIER_CATEGORIES:
        in_range = product.category in SUPPLIER_CATEGORIES[location]
        return rng.randint(*SUPPLIER_UNITS) if in_range else 0
    if location in WAREHOUSE_CODES:
        return rng.randint(*WAREHOUSE_UNITS) if rng.random() < WAREHOUSE_CHANCE else 0
    return _store_quantity(rng, location, product)


def _planned_quantity(rng: Random, location: str, product: ProductRow) -> int:
    if product.sku in ONLY_AT:
        return ONLY_AT[product.sku].get(location, 0)
    return max(_random_quantity(rng, location, product),
               AT_LEAST.get(product.sku, {}).get(location, 0))


def _home_zone(rng: Random, location: str, product: ProductRow) -> str | None:
    if location in STORE_CODES:
        on_floor = rng.random() < ON_SALES_FLOOR_CHANCE
        return SALES_FLOOR_BY_CATEGORY[product.category] if on_floor else "BR"
    return "BR" if location in WAREHOUSE_CODES else None  # a supplier's shelves are not ours


def stock_lines(catalog: list[ProductRow], locations: list[str]) -> list[StockLine]:
    lines = []
    for location in locations:
        for product in catalog:
            # One random stream per line: editing one rule leaves every other line as it was.
            rng = Random(f"{STOCK_RANDOM_SEED}:{location}:{product.sku}")
            received = _planned_quantity(rng, location, product)
            if not received:
                continue
            pinned = product.sku in PINNED_SKUS  # the story's units stay whole and sellable
            sold = received if not pinned and rng.random() < SOLD_OUT_CHANCE else 0
            damaged = int(not pinned and received - sold >= 2 and rng.random() < DAMAGED_CHANCE)
            lines.append(StockLine(location, product.sku, received, sold, damaged,
                                   _home_zone(rng, location, product)))
    return lines
