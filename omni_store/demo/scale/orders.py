"""Open orders: delivery method, customer, promise and slot; sourcing and work are their own modules."""
from datetime import datetime, timedelta
from math import sqrt
from types import SimpleNamespace
from typing import TYPE_CHECKING

from sqlalchemy import select

from omni_store.appointments.models import AppointmentSlot, Booking, BookingStatus
from omni_store.demo import appointments_data, scale_data
from omni_store.demo.orders_data import CUSTOMER_MAIL_DOMAIN
from omni_store.demo.scale.allocations import ARRIVED, IN_TRANSIT, AllocationPlan, Sourcing
from omni_store.demo.scale.existing import Place
from omni_store.demo.scale.parcels import Parcels
from omni_store.demo.scale.records import Records
from omni_store.demo.scale.terms import MOVEMENT_COLUMNS
from omni_store.demo.scale.work import Work
from omni_store.inventory.models import Channel, StockMovement
from omni_store.orders.intake import ORDER_NUMBER_PREFIXES
from omni_store.orders.models import (
    STORE_DELIVERY_METHODS,
    Allocation,
    AllocationStatus,
    Customer,
    DeliveryMethod,
    Hold,
    Order,
    OrderLine,
    OrderStatus,
)
from omni_store.orders.sourcing import Destination
from omni_store.shuttles.models import Parcel, ParcelLine, ShuttleRun
from omni_store.tasks.models import Task, TaskEvent, TaskKind, TaskStatus

if TYPE_CHECKING:
    from omni_store.demo.scale.builder import Builder

ASSOCIATE_ORDER_SHARE = 0.05  # pickup orders an associate places for a walk-in customer
# How open orders are delivered, and how far they got (the intent; the clock may hold one back).
METHOD_WEIGHTS = {DeliveryMethod.PICKUP: 0.46, DeliveryMethod.RESERVE: 0.08,
                  DeliveryMethod.SHIP_FROM_STORE: 0.11, DeliveryMethod.HOME: 0.35}
STATUS_WEIGHTS = {OrderStatus.SOURCED: 0.40, OrderStatus.PICKING: 0.37, OrderStatus.READY: 0.23}
MARKETPLACE_ORDER_SHARE = 0.08  # home deliveries sold by a marketplace seller
PLANNED_TASKS_PER_STORE = (1, 4)  # counts and restocks a manager planned for today
# A store with this many open tasks gets its next order only if the others are as busy: the
# chain spreads its web orders, so that a store's day is ~150-250 open tasks at chain scale.
BUSY_STORE_OPEN_TASKS = 230


class OrderMaker:
    """Open orders as `place_order` and the associates' work would have left them."""

    def __init__(self, builder: "Builder"):
        self.b = builder
        self.rng = builder.rng("orders")
        self.now = builder.now
        self.records = Records(builder.chain, builder.writer)
        self.parcels = Parcels(builder, self.rng, self.records)
        self.emails = set(builder.chain.scalars(select(Customer.email)))
        stores = builder.network.stores
        self.pickup_stores = [s for s in stores if s.does_pickup]
        self.pickup_weights = [sqrt(s.size) for s in self.pickup_stores]
        self.all_weights = [sqrt(s.size) for s in stores]
        shipping = [s for s in stores if s.does_ship_from_store]
        self.shippers, self.shipper_weights = shipping, [sqrt(s.size) for s in shipping]
        self.sourcing = Sourcing(builder, self.rng, self.records, shipping)
        self.work = Work(builder, self.rng, self.records, self.parcels)

    # -- making ------------------------------------------------------------------------------

    def make(self, how_many: int) -> None:
        rng = self.rng
        methods, method_weights = zip(*METHOD_WEIGHTS.items(), strict=True)
        statuses, status_weights = zip(*STATUS_WEIGHTS.items(), strict=True)
        made = attempts = 0
        with self.b.phase("Open orders", how_many) as bar:
            while made < how_many and attempts < how_many * 3 + 100:
                attempts += 1
                method = rng.choices(methods, method_weights)[0]
                intent = rng.choices(statuses, status_weights)[0]
                if self._make_order(method, intent):
                    made += 1
                    bar.update(1)
        self._planned_tasks()
        self.made = made

    def _make_order(self, method: DeliveryMethod, intent: OrderStatus) -> bool:
        rng = self.rng
        at_store = method in STORE_DELIVERY_METHODS
        if not at_store and intent == OrderStatus.READY:
            intent = OrderStatus.PICKING  # a shipped order is never ready in a hold slot
        created_at = self._created_at(intent)
        if at_store:
            store = self._least_busy(self.pickup_stores, self.pickup_weights)
            near = store
            channel = Channel.STORE if (method == DeliveryMethod.PICKUP
                                        and rng.random() < ASSOCIATE_ORDER_SHARE) else Channel.WEB
        else:
            store = None
            if method == DeliveryMethod.SHIP_FROM_STORE and self.shippers:
                # The store that ships is near its customer: each one serves its own area.
                near = self._least_busy(self.shippers, self.shipper_weights)
            else:
                near = rng.choices(self.b.network.stores, self.all_weights)[0]
            channel = Channel.MARKETPLACE if rng.random() < 0.05 else Channel.WEB
        placed_by = rng.choice(store.associates) if channel == Channel.STORE and store.associates else None
        order_id = next(self.records.ids[Order])
        if method == DeliveryMethod.HOME and rng.random() < MARKETPLACE_ORDER_SHARE:
            return self._marketplace_order(order_id, near, created_at)
        number = f"{ORDER_NUMBER_PREFIXES[channel]}{order_id:06d}"
        latitude, longitude = ((store.latitude, store.longitude) if at_store else
                               (near.latitude + rng.uniform(-0.05, 0.05),
                                near.longitude + rng.uniform(-0.07, 0.07)))
        destination = Destination(method, latitude, longitude,
                                  SimpleNamespace(id=store.id, code=store.code) if store else None)
        allocations = self.sourcing.source_lines(order_id, number, method, channel, store, near, destination,
                                         created_at, placed_by)
        if not allocations:
            return False
        promised_at = self._promise(store, allocations)
        slot = None
        if method == DeliveryMethod.RESERVE:
            slot = self._slot_for(store, allocations, promised_at)
            if slot is None:
                method = DeliveryMethod.PICKUP  # no place left before the week is out: a pickup
        status, hold = self.work.advance(order_id, number, store, allocations, intent, created_at,
                                  promised_at, placed_by)
        self._emit_order(order_id, number, channel, method, status, store, near, latitude, longitude,
                         created_at, promised_at, slot, allocations, placed_by)
        if hold is not None:
            self.records.rows["hold"].append(hold)
        if slot is not None:
            slot[2] -= 1
            self.records.rows["booking"].append((next(self.records.ids[Booking]), store.id, slot[1],
                                                 order_id, BookingStatus.BOOKED, created_at, None, None))
        return True

    def _least_busy(self, stores: list[Place], weights: list[float]) -> Place:
        """A store drawn by size, drawn again (a few times) while it has a full day already."""
        drawn = []
        for _draw in range(4):
            store = self.rng.choices(stores, weights)[0]
            if self.records.open_at[store.id] < BUSY_STORE_OPEN_TASKS:
                return store
            drawn.append(store)
        return min(drawn, key=lambda s: self.records.open_at[s.id])

    def _created_at(self, intent: OrderStatus) -> datetime:
        rng = self.rng
        if intent == OrderStatus.SOURCED:
            minutes = min(rng.expovariate(1 / 70), 8 * 60)
        elif intent == OrderStatus.PICKING:
            minutes = 45 + min(rng.expovariate(1 / 240), 30 * 60)
        else:
            minutes = rng.uniform(10 * 60, 5 * 24 * 60)
        return self.now - timedelta(minutes=minutes)

    def _promise(self, store: Place | None, allocations: list[AllocationPlan]) -> datetime:
        """Ready at the pickup store, or delivered, when the last units are (promise.promise)."""
        if store is None:
            return max(a.expected_at for a in allocations)
        return max(a.expected_at if a.source.id == store.id
                   else self.b.clock.after_work(store, a.expected_at, self.b.sla) for a in allocations)

    def _slot_for(self, store: Place, allocations: list[AllocationPlan], promised_at: datetime):
        """The first advice slot with a place left that the items make (sourcing limited to it)."""
        expertise = appointments_data.EXPERTISE_OF_CATEGORY.get(
            self.b.catalog.category_of[allocations[0].product_id], "")
        not_before = max(promised_at, self.now)
        for slot in self.b.slots.get((store.id, expertise), ()):
            if slot[0] >= not_before and slot[2] > 0:
                return slot
        return None

    def _marketplace_order(self, order_id, near: Place, created_at) -> bool:
        """A home delivery sold by a marketplace seller: no own stock, no store work."""
        rng = self.rng
        product_ids = list(self.b.catalog.offers)
        if not product_ids:
            return False
        product_id = rng.choice(product_ids)
        offer_id, price, lead_time = rng.choice(self.b.catalog.offers[product_id])
        customer_id = self._customer()
        address, latitude, longitude = self._address(near)
        number = f"{ORDER_NUMBER_PREFIXES[Channel.MARKETPLACE]}{order_id:06d}"
        self.records.rows["order"].append((order_id, number, Channel.MARKETPLACE,
                                           DeliveryMethod.HOME, OrderStatus.SOURCED, customer_id, None,
                                           address, latitude, longitude, None,
                                           created_at + timedelta(days=lead_time), created_at))
        self.records.rows["order_line"].append((next(self.records.ids[OrderLine]), order_id, product_id, 1,
                                                price, offer_id, 0, 0))
        return True

    def _emit_order(self, order_id, number, channel, method, status, store, near, latitude, longitude,
                    created_at, promised_at, slot, allocations, placed_by) -> None:
        customer_id = self._customer()
        if store is None:
            address, latitude, longitude = self._address(near, latitude, longitude)
        else:
            address, latitude, longitude = "", None, None
        self.records.rows["order"].append((order_id, number, channel, method, status, customer_id,
                                           store.id if store else None, address, latitude, longitude,
                                           slot[0] if slot else None, promised_at, created_at))
        for a in allocations:
            in_transit = a.stage == IN_TRANSIT
            arrived_here = store is not None and a.stage == ARRIVED and a.source.id != store.id
            self.records.rows["order_line"].append((a.line_id, order_id, a.product_id, a.quantity,
                                                    self.b.catalog.price_of[a.product_id], None, 0, 0))
            self.records.rows["allocation"].append((
                a.id, a.line_id, store.id if arrived_here else a.source.id, a.quantity, a.transport,
                AllocationStatus.IN_TRANSIT if in_transit else AllocationStatus.ACTIVE, a.distance_km,
                a.explanation, a.expected_at))

    def _customer(self) -> int:
        rng = self.rng
        first, last = rng.choice(scale_data.FIRST_NAMES), rng.choice(scale_data.LAST_NAMES)
        local_part = f"{scale_data.ascii_slug(first, '')}.{scale_data.ascii_slug(last, '')}"
        email = f"{local_part}@{CUSTOMER_MAIL_DOMAIN}"
        while email in self.emails:
            email = f"{local_part}{rng.randint(1, 99999)}@{CUSTOMER_MAIL_DOMAIN}"
        self.emails.add(email)
        customer_id = next(self.records.ids[Customer])
        phone = f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
        self.records.rows["customer"].append((customer_id, email, first, last, phone))
        return customer_id

    def _address(self, near: Place, latitude=None, longitude=None) -> tuple[str, float, float]:
        rng = self.rng
        if latitude is None:
            latitude = near.latitude + rng.uniform(-0.05, 0.05)
            longitude = near.longitude + rng.uniform(-0.07, 0.07)
        street = f"{rng.randint(1, 140)} {rng.choice(scale_data.STREETS)}, {near.city}"
        return street, round(latitude, 5), round(longitude, 5)

    def _planned_tasks(self) -> None:
        """Counts and restocks a manager planned for today in each store (no order behind them)."""
        rng = self.rng
        for store in self.b.network.stores:
            holding = self.b.stock.holdings.get(store.id)
            if holding is None or not len(holding):
                continue
            for _n in range(rng.randint(*PLANNED_TASKS_PER_STORE)):
                i = int(rng.random() * len(holding))
                kind = rng.choice((TaskKind.COUNT, TaskKind.RESTOCK))
                created = self.now - timedelta(minutes=rng.uniform(10, 240))
                task_id = next(self.records.ids[Task])
                self.records.events(task_id, created, None)
                self.records.task((
                    task_id, store.id, kind, TaskStatus.OPEN, 0,
                    self.now + timedelta(minutes=rng.uniform(-60, 240)), None, None, None,
                    holding.products[i], holding.zones[i] or None,
                    rng.randint(2, 8) if kind == TaskKind.RESTOCK else 0, 0, None, None, None, created))

    # -- writing ---------------------------------------------------------------------------------

    def write(self) -> None:
        w = self.b.writer
        runs = self.parcels.run_rows()
        tables = (
            (Customer, ("id", "email", "first_name", "last_name", "phone"), self.records.rows["customer"]),
            (Order, ("id", "number", "channel", "delivery_method", "status", "customer_id",
                     "pickup_location_id", "ship_address", "ship_latitude", "ship_longitude",
                     "appointment_at", "promised_at", "created_at"), self.records.rows["order"]),
            (OrderLine, ("id", "order_id", "product_id", "quantity", "unit_price_cents", "offer_id",
                         "handed_over_quantity", "refused_quantity"), self.records.rows["order_line"]),
            (Allocation, ("id", "order_line_id", "location_id", "quantity", "transport", "status",
                          "distance_km", "explanation", "expected_at"), self.records.rows["allocation"]),
            (ShuttleRun, ("id", "route_id", "departure_at", "cutoff_at", "status", "dispatched_at"), runs),
            (Parcel, ("id", "code", "kind", "status", "origin_id", "destination_id", "run_id", "order_id",
                      "rolled_over", "carrier", "tracking_number", "created_at", "sealed_at",
                      "dispatched_at", "expected_at", "received_at"), self.records.rows["parcel"]),
            (ParcelLine, ("id", "parcel_id", "product_id", "quantity", "received_quantity", "bucket",
                          "allocation_id"), self.records.rows["parcel_line"]),
            (Task, ("id", "location_id", "kind", "status", "priority", "due_at", "assignee_id", "order_id",
                    "allocation_id", "product_id", "zone_id", "quantity", "done_quantity", "parcel_id",
                    "return_id", "counterpart_location_id", "created_at"), self.records.rows["task"]),
            (TaskEvent, ("id", "task_id", "from_status", "to_status", "actor_id", "note", "created_at"),
             self.records.rows["task_event"]),
            (Hold, ("id", "order_id", "zone_id", "quantity", "status", "placed_at", "expires_at",
                    "ended_at"), self.records.rows["hold"]),
            (AppointmentSlot, ("id", "location_id", "starts_at", "length_minutes", "capacity", "expertise",
                               "created_at"), self.b.slot_rows),
            (Booking, ("id", "location_id", "slot_id", "order_id", "status", "created_at", "ended_at",
                       "follow_up_order_id"), self.records.rows["booking"]),
            (StockMovement, MOVEMENT_COLUMNS, self.records.movements),
        )
        total = sum(len(rows) for _m, _c, rows in tables)
        with self.b.phase("Writing orders and work", total) as bar:
            for model, columns, rows in tables:
                w.insert(model, columns, rows)
                bar.update(len(rows))
        self.parcels.write_sequence()
