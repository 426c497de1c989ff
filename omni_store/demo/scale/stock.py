"""The stock plan: what each location holds, planned in memory before anything is written."""
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import timedelta
from random import Random

from sqlalchemy import select

from omni_store.demo import catalog_data, network_data, stock_data
from omni_store.demo.scale.catalog import Catalog
from omni_store.demo.scale.existing import Chain, Place
from omni_store.demo.scale.terms import MOVEMENT_COLUMNS, SCALE_REFERENCE
from omni_store.demo.scale.writing import Writer
from omni_store.inventory.models import Buffer, Channel, MovementReason, StockLevel, StockMovement
from omni_store.network.models import LocationKind

DAMAGED_NOTE = "boîte abîmée"  # as the seed notes it
# The chain's opening stock was received a week ago, before any open order was placed.
OPENING_STOCK_AGE = timedelta(days=8)
# A chain store carries about a third of a 20,000-SKU catalog: the seed's per-category
# chances (stock_data.STORE_RANGE, made for a 300-SKU range) scaled down.
STORE_RANGE_SCALE = 0.53
# Chain-wide buffers per category: (channel, category, units kept back).
CHAIN_BUFFERS = (
    (Channel.WEB, "computers", 1),  # the last laptop of a store is for the customer in front of it
    (Channel.MARKETPLACE, "phones", 3),
)


class Holding:
    """What one location holds, planned before anything is written: a stock level per product.

    Sorted product ids in compact arrays (there are ~2 M levels); the few levels orders touch
    keep their allocations and transfers in small dictionaries.
    """

    __slots__ = ("place", "products", "received", "sold", "damaged", "zones",
                 "allocated", "moved", "arrived")

    def __init__(self, place: Place):
        self.place = place
        self.products = array("i")
        self.received = array("i")
        self.sold = array("i")
        self.damaged = array("b")
        self.zones = array("i")  # 0: no zone
        self.allocated: dict[int, int] = {}  # product id -> units allocated here
        self.moved: dict[int, int] = {}  # product id -> on-hand units that left or arrived
        self.arrived: dict[int, int] = {}  # product id -> units arrived where it was not held

    def index(self, product_id: int) -> int | None:
        i = bisect_left(self.products, product_id)
        return i if i < len(self.products) and self.products[i] == product_id else None

    def free(self, i: int) -> int:
        product_id = self.products[i]
        return (self.received[i] - self.sold[i] - self.damaged[i] + self.moved.get(product_id, 0)
                - self.allocated.get(product_id, 0))

    def slice_of(self, first_id: int, end_id: int) -> tuple[int, int]:
        return bisect_left(self.products, first_id), bisect_left(self.products, end_id)

    def __len__(self) -> int:
        return len(self.products)


class Buffers:
    """The chain's buffers, matched as inventory.services.BufferTable matches them."""

    def __init__(self, rows: Iterable[dict]):
        self.rules: dict[Channel, list[Buffer]] = defaultdict(list)
        for row in rows:
            self.rules[Channel(row["channel"])].append(Buffer(**row))
        self._cache: dict[tuple, int] = {}

    def quantity(self, channel: Channel, location_id: int, product_id: int, category: str) -> int:
        key = (channel, location_id, product_id, category)
        if key not in self._cache:
            matching = [b for b in self.rules[channel]
                        if b.product_id in (None, product_id) and b.category in (None, category)
                        and b.location_id in (None, location_id)]
            self._cache[key] = max(matching, key=lambda b: b.specificity).quantity if matching else 0
        return self._cache[key]


class StockPlan:
    """A Holding per location, which the orders then allocate from and move."""

    def __init__(self, chain: Chain, writer: Writer, catalog: Catalog):
        self.chain, self.writer, self.catalog = chain, writer, catalog

    def plan(self, places: list[Place], rng: Random, phase) -> None:
        """Which location holds what, and how much: the seed's rules at chain scale."""
        existing = {tuple(row) for row in self.chain.conn.execute(
            select(StockLevel.location_id, StockLevel.product_id))}
        self.seeded_levels = existing  # the seed's levels: never allocated from, never arrived at
        phone_a = self.catalog.sku_ids.get(catalog_data.PHONE_A_SKU)
        kept_demo = [p for p in self.catalog.demo_ids if p not in self.catalog.story_only]
        self.holdings: dict[int, Holding] = {}
        with phase("Stock plan", len(places)) as bar:
            for place in places:
                if place.kind == LocationKind.STORE:
                    # A new store holds the whole demo range; every store holds phone A.
                    pinned = set(kept_demo) if place.is_new else set()
                    if phone_a is not None and (place.id, phone_a) not in existing:
                        pinned.add(phone_a)
                    chosen = self._store_range(place, rng) | pinned
                elif place.kind == LocationKind.WAREHOUSE:
                    pinned = set()
                    chosen = self._share(rng, stock_data.WAREHOUSE_CHANCE)
                    if place.is_new:
                        chosen |= {p for p in kept_demo if rng.random() < stock_data.WAREHOUSE_CHANCE}
                else:
                    pinned = set()
                    chosen = self._supplier_range(place)
                chosen = {p for p in chosen if (place.id, p) not in existing}
                self.holdings[place.id] = self._holding(place, sorted(chosen), pinned, rng)
                bar.update(1)

    def _store_range(self, place: Place, rng: Random) -> set[int]:
        chosen: set[int] = set()
        for category, ids in self.catalog.new_by_category.items():
            chance = min(stock_data.STORE_RANGE[category][0] * STORE_RANGE_SCALE * place.size, 0.95)
            chosen.update(rng.sample(ids, round(len(ids) * chance)))
        return chosen

    def _share(self, rng: Random, chance: float) -> set[int]:
        chosen: set[int] = set()
        for ids in self.catalog.new_by_category.values():
            chosen.update(rng.sample(ids, round(len(ids) * chance)))
        return chosen

    def _supplier_range(self, place: Place) -> set[int]:
        categories = stock_data.SUPPLIER_CATEGORIES.get(place.code, ())
        return {p for c in categories for p in self.catalog.new_by_category.get(c, ())}

    def _holding(self, place: Place, product_ids: list[int], pinned: set[int], rng: Random) -> Holding:
        holding = Holding(place)
        random = rng.random
        category_of = self.catalog.category_of
        floor_zone = {c: place.zone_ids.get(s, 0) for c, s in network_data.SALES_FLOOR_BY_CATEGORY.items()}
        backroom = place.zone_ids.get("BR", 0)
        is_store, is_warehouse = place.is_store, place.kind == LocationKind.WAREHOUSE
        low, high = (stock_data.SUPPLIER_UNITS if place.kind == LocationKind.SUPPLIER
                     else stock_data.WAREHOUSE_UNITS)
        for product_id in product_ids:
            category = category_of[product_id]
            if is_store:
                most = stock_data.STORE_RANGE[category][1]
                received = max(1, round((int(random() * most) + 1) * place.size))
                if random() < stock_data.OVERSTOCK_CHANCE:
                    received *= stock_data.OVERSTOCK_FACTOR
                zone = floor_zone[category] if random() < stock_data.ON_SALES_FLOOR_CHANCE else backroom
            else:
                received = low + int(random() * (high - low + 1))
                zone = backroom if is_warehouse else 0
            kept = product_id in pinned  # the demo range stays whole and sellable
            sold = received if not kept and random() < stock_data.SOLD_OUT_CHANCE else 0
            damaged = int(not kept and received - sold >= 2 and random() < stock_data.DAMAGED_CHANCE)
            holding.products.append(product_id)
            holding.received.append(received)
            holding.sold.append(sold)
            holding.damaged.append(damaged)
            holding.zones.append(zone)
        return holding

    def write(self, now, phase) -> None:
        levels = sum(len(h) + len(h.arrived) for h in self.holdings.values())
        level_ids = self.writer.ids(StockLevel)
        with phase("Writing stock levels", levels) as bar:
            self.writer.insert(StockLevel, ("id", "location_id", "product_id", "on_hand", "allocated",
                                            "quarantine", "zone_id"), self._level_rows(level_ids), bar)
        movement_count = levels + sum(
            sum(1 for s in h.sold if s) + sum(h.damaged) for h in self.holdings.values())
        with phase("Writing stock movements", movement_count) as bar:
            self.writer.insert(StockMovement, MOVEMENT_COLUMNS, self._opening_movements(now), bar)

    def _level_rows(self, level_ids: Iterator[int]) -> Iterator[tuple]:
        for holding in self.holdings.values():
            location_id = holding.place.id
            allocated, moved = holding.allocated, holding.moved
            for i, product_id in enumerate(holding.products):
                damaged = holding.damaged[i]
                yield (next(level_ids), location_id, product_id,
                       holding.received[i] - holding.sold[i] - damaged + moved.get(product_id, 0),
                       allocated.get(product_id, 0), damaged, holding.zones[i] or None)
            for product_id, units in holding.arrived.items():
                yield (next(level_ids), location_id, product_id, units, units, 0, None)

    def _opening_movements(self, now) -> Iterator[tuple]:
        """Receipt, sale and damage of every planned level (orders add theirs after)."""
        received_at = now - OPENING_STOCK_AGE
        sold_at = received_at + timedelta(hours=20)
        receipt, sale, quarantine = MovementReason.RECEIPT, MovementReason.SALE, MovementReason.QUARANTINE
        ref = SCALE_REFERENCE
        ids = self.writer.ids(StockMovement)
        for holding in self.holdings.values():
            location_id = holding.place.id
            for i, product_id in enumerate(holding.products):
                yield (next(ids), location_id, product_id, holding.received[i], 0, 0, receipt, ref, "",
                       None, received_at)
                if holding.sold[i]:
                    yield (next(ids), location_id, product_id, -holding.sold[i], 0, 0, sale, ref, "",
                           None, sold_at)
                if holding.damaged[i]:
                    yield (next(ids), location_id, product_id, -1, 0, 1, quarantine, ref, DAMAGED_NOTE,
                           None, sold_at)


def build_buffers(chain: Chain, writer: Writer, places: list[Place], rng: Random) -> Buffers:
    """Chain-wide buffers per category, and per location for some stores and warehouses."""
    t = Buffer.__table__
    existing = [dict(row._mapping) for row in chain.conn.execute(select(t))]
    taken = {(b["channel"], b["location_id"], b["category"], b["product_id"]) for b in existing}
    wanted = [(channel, None, category, quantity)
              for channel, category, quantity in CHAIN_BUFFERS]
    for place in places:
        if not place.is_new:
            continue
        if place.is_store and rng.random() < 0.08:  # stations and malls: tourists buy phones
            wanted.append((Channel.WEB, place.id, "phones", 2))
        if place.is_store and rng.random() < 0.05:  # a small shop keeps its last unit of all
            wanted.append((Channel.WEB, place.id, None, 1))
        if place.is_store and rng.random() < 0.10:  # the laptop on display is not for sale
            wanted.append((Channel.STORE, place.id, "computers", 1))
        if place.kind == LocationKind.WAREHOUSE:
            wanted.append((Channel.MARKETPLACE, place.id, None, 5))
    buffer_ids = writer.ids(Buffer)
    rows = [dict(id=next(buffer_ids), channel=channel, location_id=location_id, product_id=None,
                 category=category, quantity=quantity)
            for channel, location_id, category, quantity in wanted
            if (channel, location_id, category, None) not in taken]
    columns = ("id", "channel", "location_id", "product_id", "category", "quantity")
    writer.insert(Buffer, columns, (tuple(r[c] for c in columns) for r in rows))
    return Buffers(existing + rows)
