"""Sourcing: each line's allocation, under the same ATP and buffer rules as place_order."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random
from types import SimpleNamespace
from typing import TYPE_CHECKING

from omni_store.demo import appointments_data
from omni_store.demo.scale.existing import Place
from omni_store.demo.scale.network import nearest
from omni_store.demo.scale.records import Records
from omni_store.demo.scale.timetables import Route
from omni_store.inventory.models import Channel, MovementReason, StockMovement
from omni_store.network.geo import haversine_km
from omni_store.orders.models import Allocation, DeliveryMethod, OrderLine, Transport
from omni_store.orders.promise import CARRIER_DELIVERY
from omni_store.orders.sourcing import NEAREST_FIRST, Candidate, Choice, Destination, LineNeed

if TYPE_CHECKING:
    from omni_store.demo.scale.builder import Builder

# Where a pickup store's lines come from.
PICKUP_TRANSPORT_WEIGHTS = {Transport.SAME_STORE: 0.62, Transport.SHUTTLE: 0.20,
                            Transport.WAREHOUSE: 0.13, Transport.DROPSHIP: 0.05}
# Where a home delivery's lines come from (SAME_STORE: a store that ships it).
HOME_TRANSPORT_WEIGHTS = {Transport.WAREHOUSE: 0.70, Transport.SAME_STORE: 0.20,
                          Transport.DROPSHIP: 0.10}
LINES_PER_ORDER = ((1, 0.65), (2, 0.25), (3, 0.10))
SINGLE_UNIT_CATEGORIES = frozenset({"phones", "computers"})


@dataclass
class AllocationPlan:
    """One line's source while the order is built; its stage says how far the work got."""

    id: int
    line_id: int
    product_id: int
    quantity: int
    source: Place
    transport: Transport
    zone_id: int | None
    distance_km: float
    explanation: str
    expected_at: datetime
    dispatch_by: datetime
    picked_by: datetime
    route: Route | None = None
    stage: int = 0
    # Filled as the stage is worked out.
    times: dict[str, datetime] = field(default_factory=dict)
    run: tuple[int, datetime] | None = None
    rolled_over: bool = False
    packed: int = 0  # units in the parcel so far


# Stages of an allocation's work (see work.Work.advance).
NOT_STARTED, PICK_CLAIMED, PICKED, PACKING, SEALED, LOADED, IN_TRANSIT, ARRIVED = range(8)


class Sourcing:
    """Where each line of an order is allocated, drawn from the stock plan's free units."""

    def __init__(self, builder: "Builder", rng: Random, records: Records, shipping: list[Place]):
        self.b, self.rng, self.records = builder, rng, records
        stores = builder.network.stores
        self.shipper_of = {s.id: s if s.does_ship_from_store else nearest(s, shipping, 1)[0][0]
                           for s in stores} if shipping else {}
        self.nearest_warehouse = {s.id: nearest(s, builder.network.warehouses, 1)[0][0]
                                  for s in stores} if builder.network.warehouses else {}
        self.expertise_categories = tuple(appointments_data.EXPERTISE_OF_CATEGORY)

    def source_lines(self, order_id, number, method, channel, store, near, destination, created_at,
                      placed_by) -> list[AllocationPlan]:
        rng = self.rng
        lines = rng.choices([n for n, _w in LINES_PER_ORDER], [w for _n, w in LINES_PER_ORDER])[0]
        used: set[int] = set()
        allocations = []
        for line_number in range(lines):
            categories = (self.expertise_categories
                          if method == DeliveryMethod.RESERVE and line_number == 0 else None)
            found = self._source_one(method, channel, store, near, used, categories)
            if found is None:
                continue
            source, transport, product_id, index, quantity, route = found
            used.add(product_id)
            holding = self.b.stock.holdings[source.id]
            holding.allocated[product_id] = holding.allocated.get(product_id, 0) + quantity
            allocation = self._allocation(order_id, source, transport, product_id, index, quantity,
                                          route, destination, created_at, channel)
            allocations.append(allocation)
            self.records.movements.append((next(self.records.ids[StockMovement]), source.id, product_id,
                                           0, quantity, 0, MovementReason.ALLOCATE, f"order:{number}",
                                           "", placed_by, created_at))
        return allocations

    def _source_one(self, method, channel, store, near, used, categories):
        """(source, transport, product id, level index, quantity, route) for one line, or None."""
        rng = self.rng
        b = self.b
        if store is not None:
            transport = rng.choices(*zip(*PICKUP_TRANSPORT_WEIGHTS.items(), strict=True))[0]
        elif method == DeliveryMethod.SHIP_FROM_STORE:
            transport = Transport.SAME_STORE
        else:
            transport = rng.choices(*zip(*HOME_TRANSPORT_WEIGHTS.items(), strict=True))[0]
        for choice in (transport, Transport.SAME_STORE if store is not None else Transport.WAREHOUSE):
            route = None
            if choice == Transport.SAME_STORE:
                source = store if store is not None else self.shipper_of.get(near.id)
            elif choice == Transport.SHUTTLE:
                routes = b.network.neighbours.get(store.id)
                route = min(rng.sample(routes, min(2, len(routes))),
                            key=lambda r: self.records.open_at[r.origin.id]) if routes else None
                source = route.origin if route else None
            elif choice == Transport.WAREHOUSE:
                route = b.network.warehouse_of.get(store.id) if store is not None else None
                source = route.origin if route else self.nearest_warehouse.get(near.id)
            else:
                source = rng.choice(b.network.suppliers) if b.network.suppliers else None
            if source is None:
                continue
            found = self._level_at(source, channel, used, categories,
                                   arrives_at=store if choice != Transport.SAME_STORE else None)
            if found is not None:
                return (source, choice, *found, route)
        return None

    def _level_at(self, source: Place, channel: Channel, used: set[int], categories, arrives_at):
        """A product with ATP at `source` for the channel: (product id, index, quantity)."""
        rng = self.rng
        holding = self.b.stock.holdings.get(source.id)
        if holding is None or not len(holding):
            return None
        low, high = 0, len(holding)
        if categories:
            by_category = self.b.catalog.new_by_category
            ranges = [by_category[c] for c in categories if c in by_category]
            if not ranges:
                return None
            span = rng.choice(ranges)
            low, high = holding.slice_of(span.start, span.stop)
            if low == high:
                return None
        for _try in range(12):
            i = low + int(rng.random() * (high - low))
            product_id = holding.products[i]
            if product_id in used:
                continue
            if arrives_at is not None and (arrives_at.id, product_id) in self.b.stock.seeded_levels:
                continue  # the seed's level there is left as the seed made it
            category = self.b.catalog.category_of[product_id]
            quantity = 1 if category in SINGLE_UNIT_CATEGORIES or rng.random() < 0.85 else rng.randint(2, 3)
            buffer = self.b.buffers.quantity(channel, source.id, product_id, category)
            if holding.free(i) - buffer >= quantity:
                return product_id, i, quantity
        return None

    def _allocation(self, order_id, source: Place, transport: Transport, product_id: int, index: int,
                    quantity: int, route: Route | None, destination: Destination,
                    created_at: datetime, channel: Channel) -> AllocationPlan:
        b = self.b
        holding = b.stock.holdings[source.id]
        distance = round(haversine_km(destination.latitude, destination.longitude,
                                      source.latitude, source.longitude), 2)
        at_pickup_store = destination.store is not None and destination.store.id == source.id
        picked_by = b.clock.after_work(source, created_at, b.sla) if source.is_store else created_at
        if transport == Transport.SAME_STORE:
            dispatch_by = picked_by
            expected_at = picked_by if destination.store is not None else picked_by + CARRIER_DELIVERY
        elif transport == Transport.SHUTTLE:
            departure = b.clock.next_departure(route, picked_by)
            dispatch_by = departure - timedelta(minutes=route.cutoff_minutes)
            expected_at = departure + timedelta(minutes=route.transit_minutes)
        elif transport == Transport.WAREHOUSE:
            dispatch_by, expected_at = created_at, created_at + CARRIER_DELIVERY
        else:
            dispatch_by, expected_at = created_at, created_at + timedelta(days=source.lead_time_days)
        buffer = b.buffers.quantity(channel, source.id, product_id, b.catalog.category_of[product_id])
        available = holding.free(index) + quantity - buffer  # as the plan read it, before this allocation
        candidate = Candidate(location=SimpleNamespace(id=source.id, code=source.code,
                                                       lead_time_days=source.lead_time_days),
                              atp=available, distance_km=distance, transport=transport)
        need = LineNeed(None, quantity, destination, channel)
        choice = Choice.FIRST if at_pickup_store or destination.store is None else Choice.COVERS_ALL
        ranking = [[], [candidate]] if transport == Transport.DROPSHIP else [[candidate], []]
        return AllocationPlan(
            id=next(self.records.ids[Allocation]), line_id=next(self.records.ids[OrderLine]),
            product_id=product_id, quantity=quantity, source=source, transport=transport,
            zone_id=holding.zones[index] or None, distance_km=distance,
            explanation=NEAREST_FIRST.explain(candidate, quantity, choice, need, ranking),
            expected_at=expected_at, dispatch_by=dispatch_by, picked_by=picked_by, route=route)
