"""`flask demo scale`: the demo chain grown to a real chain's size, for benchmarks (DESIGN §11).

It grows a database built by `flask demo seed`; the demo's own stores, catalog, people and
day stay as they are. Around them come stores across France with their zones, hold slots,
staff and shuttle routes, more warehouses, a chain-scale catalog, marketplace sellers and
offers, ~2 M stock levels, channel buffers, advice slots, and open orders in every delivery
method and open state with the allocations, tasks, parcels, shuttle runs, holds and bookings
their state implies. Every size is a total for the whole chain, the demo's rows included.

How it stays both fast and true to the services (DESIGN §2–3):
- Everything is planned in memory first (the stock plan, then the orders allocating from it
  under the same ATP and buffer rules), then written once, in one transaction: SQLAlchemy Core
  executemany on SQLite, COPY on PostgreSQL. Ids continue after the existing rows.
- Each stock level is written with the movements that make it: a receipt (a sale, a damaged
  unit set aside), an allocate per allocation, and the transfer out, shipment and transfer in
  of parcels that left or arrived. Allocations only draw on levels this command creates.
- SQL aggregates then check the invariants (levels = movement sums, nothing over-allocated,
  allocated = the active allocations, slots within capacity, foreign keys on SQLite); one
  that does not hold rolls everything back.

Only a demo database is grown: without the demo's admin, API client and PAR-RIV nothing is
written. A second run writes nothing either: the chain says it is at chain scale, and asking
for a bigger one means starting over (`flask demo seed --reset --yes`, then scale again).
Runs are reproducible: every random choice comes from fixed seeds (times follow the clock).
"""
import gc
import json
import time as timer
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from math import sqrt
from random import Random
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import click
from flask import current_app
from sqlalchemy import JSON, Table, func, insert, inspect, literal, or_, select, text, union_all

from omni_store.appointments.models import AppointmentSlot, Booking, BookingStatus
from omni_store.auth.models import ApiClient, Role, User
from omni_store.catalog.models import Barcode, Offer, OfferCondition, Product, Seller
from omni_store.core.clock import as_utc, utcnow
from omni_store.core.sequences import NumberSequence
from omni_store.demo import (
    appointments_data,
    catalog_data,
    network_data,
    people_data,
    scale_data,
    seed,
    stock_data,
)
from omni_store.demo.counter_day import COUNTER_STORE
from omni_store.demo.orders_data import CUSTOMER_MAIL_DOMAIN
from omni_store.extensions import db
from omni_store.inventory.models import Buffer, Channel, MovementReason, StockLevel, StockMovement
from omni_store.network.geo import haversine_km
from omni_store.network.models import WEEKDAYS, Location, LocationKind, ShuttleRoute, Zone, ZoneKind
from omni_store.orders.models import (
    OPEN_ORDER_STATUSES,
    STORE_DELIVERY_METHODS,
    Allocation,
    AllocationStatus,
    Customer,
    DeliveryMethod,
    Hold,
    HoldStatus,
    Order,
    OrderLine,
    OrderStatus,
    Transport,
)
from omni_store.orders.promise import CARRIER_DELIVERY
from omni_store.orders.intake import ORDER_NUMBER_PREFIXES
from omni_store.orders.sourcing import NEAREST_FIRST, Candidate, Choice, Destination, LineNeed
from omni_store.shuttles.models import (
    Parcel,
    ParcelBucket,
    ParcelKind,
    ParcelLine,
    ParcelStatus,
    ShuttleRun,
    ShuttleRunStatus,
)
from omni_store.shuttles.packing import PARCEL_SEQUENCE
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskEvent, TaskKind, TaskStatus

SCALE_RANDOM_SEED = 20241122
# On every stock movement the scale writes: how a second run knows the chain was scaled.
SCALE_REFERENCE = "demo:scale"
DAMAGED_NOTE = "boîte abîmée"  # as the seed notes it
PARCEL_CODE = "P-{:06d}"  # as shuttles.packing.open_parcel numbers parcels
# The chain's opening stock was received a week ago, before any open order was placed.
OPENING_STOCK_AGE = timedelta(days=8)
CHUNK_ROWS = 20_000  # rows per executemany on SQLite

# A chain store carries about a third of a 20,000-SKU catalog: the seed's per-category
# chances (stock_data.STORE_RANGE, made for a 300-SKU range) scaled down.
STORE_RANGE_SCALE = 0.53
# Each new store is linked by shuttle to this many of its nearest stores (both ways).
SHUTTLE_NEIGHBOURS = 3
ASSOCIATE_ORDER_SHARE = 0.05  # pickup orders an associate places for a walk-in customer

# How open orders are delivered, and how far they got (the intent; the clock may hold one back).
METHOD_WEIGHTS = {DeliveryMethod.PICKUP: 0.46, DeliveryMethod.RESERVE: 0.08,
                  DeliveryMethod.SHIP_FROM_STORE: 0.11, DeliveryMethod.HOME: 0.35}
STATUS_WEIGHTS = {OrderStatus.SOURCED: 0.40, OrderStatus.PICKING: 0.37, OrderStatus.READY: 0.23}
# Where a pickup store's lines come from.
PICKUP_TRANSPORT_WEIGHTS = {Transport.SAME_STORE: 0.62, Transport.SHUTTLE: 0.20,
                            Transport.WAREHOUSE: 0.13, Transport.DROPSHIP: 0.05}
# Where a home delivery's lines come from (SAME_STORE: a store that ships it).
HOME_TRANSPORT_WEIGHTS = {Transport.WAREHOUSE: 0.70, Transport.SAME_STORE: 0.20,
                          Transport.DROPSHIP: 0.10}
MARKETPLACE_ORDER_SHARE = 0.08  # home deliveries sold by a marketplace seller
LINES_PER_ORDER = ((1, 0.65), (2, 0.25), (3, 0.10))
SINGLE_UNIT_CATEGORIES = frozenset({"phones", "computers"})
PLANNED_TASKS_PER_STORE = (1, 4)  # counts and restocks a manager planned for today
# A store with this many open tasks gets its next order only if the others are as busy: the
# chain spreads its web orders, so that a store's day is ~150-250 open tasks at chain scale.
BUSY_STORE_OPEN_TASKS = 230


@dataclass(frozen=True)
class ChainSize:
    """Totals for the whole chain, the demo's own rows included."""

    stores: int = 300
    warehouses: int = 5
    skus: int = 20_000
    offers: int = 100_000
    open_orders: int = 50_000
    sellers: int = 200


class ScaleRefused(Exception):
    """Nothing was written; the message says why."""


class InvariantBroken(Exception):
    """The built chain breaks a rule of DESIGN §2–3: everything was rolled back."""


ProgressBar = Callable[..., object]  # click.progressbar's signature


def scale_chain(size: ChainSize, echo: Callable[[str], None] = click.echo,
                progressbar: ProgressBar = click.progressbar) -> list[str]:
    """Grow the demo chain to `size` in one transaction; returns the summary lines.

    Raises ScaleRefused (nothing written) or InvariantBroken (everything rolled back).
    """
    db.session.close()  # its connection must not hold the SQLite write lock we are about to take
    with db.engine.connect() as conn:
        with _bulk_settings(conn):
            with conn.begin():
                chain = _Chain.load(conn)
                chain.refuse_unless_growable(size)
                if chain.at_least(size):
                    return [f"Already at chain scale ({chain.describe()}): nothing written."]
                writer = _Writer(conn)
                _Builder(chain, writer, size, echo, progressbar).build()
                echo("Checking the invariants ...")
                started = timer.perf_counter()
                results = check_invariants(conn)
                echo(f"  checked in {timer.perf_counter() - started:.1f} s")
                for line in results.lines():
                    echo(f"  {line}")
                if results.failures:
                    raise InvariantBroken("; ".join(results.failures))
                writer.move_sequences_on()
                started = timer.perf_counter()  # leaving the block commits
            echo(f"Committed in {timer.perf_counter() - started:.1f} s")
            started = timer.perf_counter()
            _after_load(conn)
            echo(f"Planner statistics (ANALYZE) in {timer.perf_counter() - started:.1f} s")
            return _summary(conn, writer)


# --- what is there already -------------------------------------------------------------------


@dataclass
class Place:
    """A location as the builder needs it."""

    id: int
    code: str
    kind: LocationKind
    latitude: float
    longitude: float
    opening_hours: dict
    timezone: str
    does_pickup: bool = False
    does_ship_from_store: bool = False
    lead_time_days: int = 0
    city: str = ""
    size: float = 1.0  # range carried and orders taken, relative to a normal shop
    is_new: bool = False
    zone_ids: dict[str, int] = field(default_factory=dict)  # code suffix -> zone id
    hold_slots: list[list[int]] = field(default_factory=list)  # [zone id, units of room left]
    associates: list[int] = field(default_factory=list)

    @property
    def is_store(self) -> bool:
        return self.kind == LocationKind.STORE


class _Chain:
    """The demo database as found: locations, catalog, routes and what must not be touched."""

    def __init__(self, conn):
        self.conn = conn
        self.scaled = False  # this command already grew it
        self.counts: dict[str, int] = {}  # what ChainSize counts, as found

    @classmethod
    def load(cls, conn) -> "_Chain":
        chain = cls(conn)
        if not inspect(conn).has_table(Location.__tablename__):
            raise ScaleRefused("The database has no tables yet: run `flask db upgrade`, then "
                               "`flask demo seed`, first.")
        chain._require_demo()
        chain.scaled = conn.scalar(select(StockMovement.id).where(
            StockMovement.reference == SCALE_REFERENCE).limit(1)) is not None
        chain._load_counts()
        return chain

    def _require_demo(self) -> None:
        admin = next(email for email, _name, role, _store in people_data.EXTRA_USERS
                     if role == Role.ADMIN)
        markers = {
            f"the demo admin {admin}": select(User.id).where(User.email == admin),
            f"the API client {people_data.API_CLIENT_NAME!r}":
                select(ApiClient.id).where(ApiClient.name == people_data.API_CLIENT_NAME),
            f"the store {COUNTER_STORE}": select(Location.id).where(Location.code == COUNTER_STORE),
        }
        missing = [what for what, query in markers.items() if self.conn.scalar(query) is None]
        if missing:
            raise ScaleRefused(
                f"This is not a demo database ({', '.join(missing)} not found): `flask demo scale` "
                "only grows the chain `flask demo seed` builds. Nothing was written.")

    def _load_counts(self) -> None:
        def total(model, *where) -> int:
            return self.conn.scalar(select(func.count()).select_from(model).where(*where))

        kinds = dict(self.conn.execute(select(Location.kind, func.count()).group_by(Location.kind)).all())
        self.counts = {
            "stores": kinds.get(LocationKind.STORE, 0),
            "warehouses": kinds.get(LocationKind.WAREHOUSE, 0),
            "skus": total(Product),
            "offers": total(Offer),
            "open_orders": total(Order, Order.status.in_(OPEN_ORDER_STATUSES)),
            "sellers": total(Seller),
        }

    def describe(self) -> str:
        c = self.counts
        return (f"{c['stores']:,} stores, {c['warehouses']:,} warehouses, {c['skus']:,} SKUs, "
                f"{c['sellers']:,} sellers, {c['offers']:,} offers, {c['open_orders']:,} open orders")

    def at_least(self, size: ChainSize) -> bool:
        return self.scaled and all(self.counts[name] >= getattr(size, name) for name in self.counts)

    def refuse_unless_growable(self, size: ChainSize) -> None:
        if self.scaled and not self.at_least(size):
            raise ScaleRefused(
                f"This chain was scaled already ({self.describe()}); it is not grown twice. "
                "To build it at another size: `flask demo seed --reset --yes`, then "
                "`flask demo scale` with the sizes you want. Nothing was written.")

    # -- the rows the builder starts from -----------------------------------------------------

    def places(self) -> list[Place]:
        t = Location.__table__
        places = [
            Place(row.id, row.code, LocationKind(row.kind), row.latitude, row.longitude,
                  row.opening_hours or {}, row.timezone, row.does_pickup, row.does_ship_from_store,
                  row.lead_time_days, row.city, size=stock_data.STORE_SIZE.get(row.code, 1.0))
            for row in self.conn.execute(select(t).where(t.c.active.is_(True)).order_by(t.c.id))
        ]
        by_id = {place.id: place for place in places}
        for zone in self.conn.execute(select(Zone.__table__).order_by(Zone.id)):
            place = by_id.get(zone.location_id)
            if place is None:
                continue
            place.zone_ids[zone.code.removeprefix(f"{place.code}-")] = zone.id
            if zone.kind == ZoneKind.HOLD:
                place.hold_slots.append([zone.id, zone.capacity or 0])
        used = dict(self.conn.execute(
            select(Hold.zone_id, func.sum(Hold.quantity)).where(Hold.status == HoldStatus.ACTIVE)
            .group_by(Hold.zone_id)).all())
        for place in places:
            for slot in place.hold_slots:
                slot[1] -= used.get(slot[0], 0)
        for user_id, store_id in self.conn.execute(
                select(User.id, User.store_id).where(User.role == Role.ASSOCIATE, User.active.is_(True))
                .order_by(User.email)):
            if store_id in by_id:
                by_id[store_id].associates.append(user_id)
        return places

    def products(self) -> list[tuple[int, str, str, int]]:
        return list(self.conn.execute(
            select(Product.id, Product.sku, Product.category, Product.price_cents).order_by(Product.id)))

    def scalars(self, statement) -> list:
        return list(self.conn.scalars(statement))


# --- writing ---------------------------------------------------------------------------------


@contextmanager
def _bulk_settings(conn):
    """SQLite: no fsync and a big page cache for this connection while it loads (restored after)."""
    raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
    if raw is not None:  # before BEGIN: SQLite refuses to change these in a transaction
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("PRAGMA cache_size=-1000000")  # 1 GB
        raw.execute("PRAGMA temp_store=MEMORY")
    try:
        yield
    finally:
        if conn.in_transaction():
            conn.rollback()  # a read after the load (the summary) left one open
        if raw is not None:
            raw.execute("PRAGMA synchronous=NORMAL")
            raw.execute("PRAGMA cache_size=-2000")
            raw.execute("PRAGMA temp_store=DEFAULT")


class _Writer:
    """Bulk inserts in the caller's transaction, ids continuing after the existing rows."""

    def __init__(self, conn):
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.written: Counter[str] = Counter()
        self._next_id: dict[str, int] = {}

    def ids(self, model) -> Iterator[int]:
        """The next free ids of a table, in order (the table's max id + 1 onwards)."""
        table = model.__table__
        if table.name not in self._next_id:
            self._next_id[table.name] = (self.conn.scalar(select(func.max(table.c.id))) or 0) + 1
        return self._id_stream(table.name)

    def _id_stream(self, name: str) -> Iterator[int]:
        while True:
            value = self._next_id[name]
            self._next_id[name] = value + 1
            yield value

    def insert(self, model, columns: Sequence[str], rows: Iterable[tuple], bar=None) -> int:
        """Write tuples of `columns`; other columns get their model's scalar default."""
        table: Table = model.__table__
        defaults = [(column.name, column.default.arg) for column in table.columns
                    if column.name not in columns and column.default is not None
                    and column.default.is_scalar]
        names = list(columns) + [name for name, _value in defaults]
        extra = tuple(value for _name, value in defaults)
        json_at = [i for i, name in enumerate(names) if isinstance(table.c[name].type, JSON)]
        if self.postgres:
            written = self._copy(table, names, rows, extra, json_at, bar)
        else:
            written = self._executemany(table, names, rows, extra, bar)
        self.written[table.name] += written
        return written

    def _executemany(self, table, names, rows, extra, bar) -> int:
        """Core's INSERT, compiled once and run by the DBAPI's executemany in chunks.

        Each value goes through its column type's own bind processor, as Core would apply
        it, but once per distinct value: most rows share their timestamps and statuses.
        """
        compiled = insert(table).compile(dialect=self.conn.dialect, column_keys=names)
        order = [names.index(key) for key in compiled.positiontup]
        processors = []
        for position, i in enumerate(order):
            column_type = table.c[names[i]].type
            processor = column_type.bind_processor(self.conn.dialect)
            if processor is not None:
                unhashable = isinstance(column_type, JSON)  # dicts and lists: processed each time
                processors.append((position, processor if unhashable else _once_per_value(processor)))
        in_order = order == list(range(len(names)))
        sql = str(compiled)
        written, chunk = 0, []
        for row in rows:
            values = row + extra
            params = list(values) if in_order else [values[i] for i in order]
            for position, process in processors:
                params[position] = process(params[position])
            chunk.append(params)
            if len(chunk) == CHUNK_ROWS:
                written += self._run(sql, chunk, bar)
                chunk = []
        if chunk:
            written += self._run(sql, chunk, bar)
        return written

    def _run(self, sql: str, chunk: list, bar) -> int:
        self.conn.exec_driver_sql(sql, [tuple(params) for params in chunk])
        if bar is not None:
            bar.update(len(chunk))
        return len(chunk)

    def _copy(self, table, names, rows, extra, json_at, bar) -> int:
        quote = self.conn.dialect.identifier_preparer.quote
        sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
        written = 0
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                row = row + extra
                if json_at:
                    row = list(row)
                    for i in json_at:
                        row[i] = json.dumps(row[i])
                copy.write_row(row)
                written += 1
                if bar is not None and written % CHUNK_ROWS == 0:
                    bar.update(CHUNK_ROWS)
        if bar is not None:
            bar.update(written % CHUNK_ROWS)
        return written

    def move_sequences_on(self) -> None:
        """PostgreSQL: COPY wrote the ids itself, so each id sequence starts after them."""
        if not self.postgres:
            return
        for name in self.written:
            quoted = self.conn.dialect.identifier_preparer.quote(name)
            self.conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {quoted}))"), {"table": quoted})


def _once_per_value(process: Callable) -> Callable:
    """A bind processor remembering its results (values must be hashable)."""
    seen: dict = {}

    def processed(value):
        if value is None:
            return process(value)
        try:
            return seen[value]
        except KeyError:
            result = seen[value] = process(value)
            return result

    return processed


def _after_load(conn) -> None:
    """Planner statistics for the new sizes; on SQLite the write-ahead log is folded back."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ANALYZE"))
        conn.commit()
    else:
        conn.connection.driver_connection.execute("ANALYZE")
        conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# --- the stock plan ----------------------------------------------------------------------------


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


# --- timetables --------------------------------------------------------------------------------


@dataclass
class Route:
    id: int
    origin: Place
    destination: Place
    departure_times: list[str]
    transit_minutes: int
    cutoff_minutes: int


class Clock:
    """Opening hours and shuttle departures, as the promise engine reads them."""

    def __init__(self, now: datetime):
        self.now = now
        self._zones: dict[str, ZoneInfo] = {}
        self._departures: dict[tuple[int, date], list[datetime]] = {}

    def zone(self, name: str) -> ZoneInfo:
        if name not in self._zones:
            self._zones[name] = ZoneInfo(name)
        return self._zones[name]

    def after_work(self, place: Place, start: datetime, work: timedelta) -> datetime:
        """When work started at `start` is done, working only while the place is open."""
        if not place.opening_hours:
            return start + work
        zone = self.zone(place.timezone)
        first_day = start.astimezone(zone).date()
        for day in (first_day + timedelta(days=n) for n in range(8)):
            for opens, closes in place.opening_hours.get(WEEKDAYS[day.weekday()], []):
                opening = datetime.combine(day, time.fromisoformat(opens), tzinfo=zone).astimezone(UTC)
                closing = datetime.combine(day, time.fromisoformat(closes), tzinfo=zone).astimezone(UTC)
                begin = max(start, opening)
                if begin + work <= closing:
                    return begin + work
        return start + work

    def departures(self, route: Route, day: date) -> list[datetime]:
        """The route's departures (UTC) on a local day at the origin; none when it is closed."""
        key = (route.id, day)
        if key not in self._departures:
            origin = route.origin
            zone = self.zone(origin.timezone)
            open_today = not origin.opening_hours or WEEKDAYS[day.weekday()] in origin.opening_hours
            self._departures[key] = sorted(
                datetime.combine(day, time.fromisoformat(t), tzinfo=zone).astimezone(UTC)
                for t in route.departure_times) if open_today else []
        return self._departures[key]

    def next_departure(self, route: Route, ready_at: datetime) -> datetime | None:
        """The first departure whose cut-off is not before `ready_at` (timetable.next_departure)."""
        cutoff = timedelta(minutes=route.cutoff_minutes)
        first_day = ready_at.astimezone(self.zone(route.origin.timezone)).date()
        for day in (first_day + timedelta(days=n) for n in range(8)):
            for departure in self.departures(route, day):
                if departure - cutoff >= ready_at:
                    return departure
        return None


# --- the builder -------------------------------------------------------------------------------


class _Builder:
    def __init__(self, chain: _Chain, writer: _Writer, size: ChainSize, echo, progressbar):
        self.chain, self.writer, self.size = chain, writer, size
        self.echo, self.progressbar = echo, progressbar
        self.now = utcnow()
        self.clock = Clock(self.now)
        self.sla: timedelta = current_app.config["PICKING_SLA"]
        self.hold_days = timedelta(days=current_app.config["HOLD_DAYS"])

    def rng(self, phase: str) -> Random:
        return Random(f"{SCALE_RANDOM_SEED}:{phase}")

    @contextmanager
    def phase(self, label: str, length: int):
        started = timer.perf_counter()
        with self.progressbar(length=max(length, 1), label=f"{label:<24}", show_pos=True) as bar:
            yield bar
        self.echo(f"  {label}: {length:,} in {timer.perf_counter() - started:.1f} s")

    def build(self) -> None:
        gc.disable()  # millions of small rows, no cycles: the collector would only slow us down
        try:
            self._build_network()
            self._build_catalog()
            self._build_marketplace()
            self._plan_stock()
            self._build_buffers()
            self._publish_slots()
            orders = _OrderMaker(self)
            wanted = max(0, self.size.open_orders - self.chain.counts["open_orders"])
            orders.make(wanted)
            if orders.made < wanted:
                self.echo(f"  Only {orders.made:,} of {wanted:,} new open orders found stock to allocate: "
                          "ask for more stores or SKUs for that many.")
            self._write_stock()
            orders.write()
            self._write_sequences(orders)
        finally:
            gc.enable()

    # -- network --------------------------------------------------------------------------

    def _build_network(self) -> None:
        rng = self.rng("network")
        self.places = self.chain.places()
        taken_codes = set(self.chain.scalars(select(Location.code)))
        taken_domains = {email.split("@")[1] for email in self.chain.scalars(select(User.email))}
        new_stores = scale_data.store_sites(max(0, self.size.stores - self.chain.counts["stores"]),
                                            taken_codes, taken_domains, rng)
        new_warehouses = scale_data.warehouse_sites(
            max(0, self.size.warehouses - self.chain.counts["warehouses"]), taken_codes)
        location_ids = self.writer.ids(Location)
        rows = []
        with self.phase("Stores and warehouses", len(new_stores) + len(new_warehouses)) as bar:
            for site in new_stores:
                fields = seed._location_fields(site.row, LocationKind.STORE) | dict(
                    does_pickup=site.row.does_pickup, does_ship_from_store=site.row.does_ship_from_store,
                    daily_ship_capacity=site.row.daily_ship_capacity)
                rows.append(self._location(next(location_ids), fields, site.size, site.row))
            for site in new_warehouses:
                rows.append(self._location(next(location_ids),
                                           seed._location_fields(site, LocationKind.WAREHOUSE), 1.0))
            columns = ("id", "code", "name", "kind", "address", "city", "latitude", "longitude",
                       "timezone", "opening_hours", "does_pickup", "does_ship_from_store",
                       "daily_ship_capacity", "lead_time_days", "active")
            self.writer.insert(Location, columns, (tuple(r[c] for c in columns) for r, _p, _s in rows))
            self._write_zones(rows)
            self._write_staff([(place, site) for _r, place, site in rows if site is not None])
            self.by_id = {place.id: place for place in self.places}
            self.stores = [p for p in self.places if p.is_store]
            self.warehouses = [p for p in self.places if p.kind == LocationKind.WAREHOUSE]
            self.suppliers = [p for p in self.places if p.kind == LocationKind.SUPPLIER]
            self._build_routes()
            bar.update(len(rows))

    def _location(self, location_id: int, fields: dict, size: float, site=None):
        row = dict(fields, id=location_id, lead_time_days=0, active=True)
        row.setdefault("does_pickup", False)
        row.setdefault("does_ship_from_store", False)
        row.setdefault("daily_ship_capacity", 0)
        place = Place(location_id, row["code"], row["kind"], row["latitude"], row["longitude"],
                      row["opening_hours"], row["timezone"], row["does_pickup"],
                      row["does_ship_from_store"], 0, row["city"], size=size, is_new=True)
        self.places.append(place)
        return row, place, site

    def _write_zones(self, rows) -> None:
        zone_ids = self.writer.ids(Zone)
        zones = []
        for _row, place, site in rows:
            layout = network_data.STORE_ZONES if site is not None else network_data.WAREHOUSE_ZONES
            wanted = [dict(code=f"{place.code}-{suffix}", kind=kind, name=name, slot_number=None,
                           capacity=None) for suffix, kind, name in layout]
            wanted += seed._hold_slots(site) if site is not None else []
            for zone in wanted:
                zone_id = next(zone_ids)
                place.zone_ids[zone["code"].removeprefix(f"{place.code}-")] = zone_id
                if zone["kind"] == ZoneKind.HOLD:
                    place.hold_slots.append([zone_id, zone["capacity"]])
                zones.append((zone_id, place.id, zone["kind"], zone["code"], zone["name"],
                              zone["slot_number"], zone["capacity"]))
        self.writer.insert(Zone, ("id", "location_id", "kind", "code", "name", "slot_number", "capacity"),
                           zones)

    def _write_staff(self, stores: list[tuple[Place, network_data.StoreRow]]) -> None:
        """An associate and a manager per new store, with the demo password (hashed once)."""
        if not stores:
            return
        password_hash = seed._demo_password_hash()
        user_ids = self.writer.ids(User)
        users = []
        for place, site in stores:
            for email, name, role in (
                (people_data.associate_email(site), site.associate, Role.ASSOCIATE),
                (people_data.manager_email(site), site.manager, Role.MANAGER),
            ):
                user_id = next(user_ids)
                users.append((user_id, email, name, password_hash, role, place.id, True, 1))
                if role == Role.ASSOCIATE:
                    place.associates.append(user_id)
        self.writer.insert(User, ("id", "email", "name", "password_hash", "role", "store_id", "active",
                                  "session_version"), users)

    def _build_routes(self) -> None:
        """Shuttles between each new store and its nearest stores; one warehouse per new store."""
        t = ShuttleRoute.__table__
        self.routes: dict[tuple[int, int], Route] = {}
        for row in self.chain.conn.execute(select(t).where(t.c.active.is_(True))):
            if row.origin_id in self.by_id and row.destination_id in self.by_id:
                self.routes[(row.origin_id, row.destination_id)] = Route(
                    row.id, self.by_id[row.origin_id], self.by_id[row.destination_id],
                    list(row.departure_times), row.transit_minutes, row.cutoff_minutes)
        route_ids = self.writer.ids(ShuttleRoute)
        new_routes = []

        def add(origin: Place, destination: Place, departures, transit, cutoff) -> None:
            if (origin.id, destination.id) in self.routes:
                return
            route = Route(next(route_ids), origin, destination, list(departures), transit, cutoff)
            self.routes[(origin.id, destination.id)] = route
            new_routes.append(route)

        for store in (s for s in self.stores if s.is_new):
            for other, km in self._nearest(store, self.stores, SHUTTLE_NEIGHBOURS):
                departures, transit, cutoff = _shuttle_timing(km)
                add(store, other, departures, transit, cutoff)
                add(other, store, departures, transit, cutoff)
            if self.warehouses:
                warehouse, km = self._nearest(store, self.warehouses, 1)[0]
                add(warehouse, store, network_data.WAREHOUSE_DEPARTURES, _minutes(km, 70, 30),
                    network_data.WAREHOUSE_CUTOFF_MINUTES)
        self.writer.insert(ShuttleRoute, ("id", "origin_id", "destination_id", "departure_times",
                                          "transit_minutes", "cutoff_minutes", "active"),
                           ((r.id, r.origin.id, r.destination.id, r.departure_times, r.transit_minutes,
                             r.cutoff_minutes, True) for r in new_routes))
        self.neighbours: dict[int, list[Route]] = defaultdict(list)  # store id -> routes into it
        self.warehouse_of: dict[int, Route] = {}
        for route in self.routes.values():
            if route.origin.is_store and route.destination.is_store:
                self.neighbours[route.destination.id].append(route)
            elif route.origin.kind == LocationKind.WAREHOUSE and route.destination.is_store:
                self.warehouse_of[route.destination.id] = route

    @staticmethod
    def _nearest(place: Place, among: list[Place], how_many: int) -> list[tuple[Place, float]]:
        by_distance = sorted(
            ((haversine_km(place.latitude, place.longitude, other.latitude, other.longitude), other.id,
              other) for other in among if other.id != place.id))
        return [(other, km) for km, _id, other in by_distance[:how_many]]

    # -- catalog and marketplace --------------------------------------------------------------

    def _build_catalog(self) -> None:
        existing = self.chain.products()
        demo_rows = catalog_data.products()
        wanted = max(0, self.size.skus - len(existing))
        taken_skus = {sku for _id, sku, _c, _p in existing}
        taken_eans = set(self.chain.scalars(select(Barcode.code)))
        new_rows = scale_data.products(wanted, taken_skus, taken_eans, self.rng("catalog"))
        product_ids, barcode_ids = self.writer.ids(Product), self.writer.ids(Barcode)
        products, barcodes = [], []
        with self.phase("Products", len(new_rows)) as bar:
            for row in new_rows:
                product_id = next(product_ids)
                products.append((product_id, row.sku, row.name, row.brand, row.category, row.price_cents))
                barcodes.append((next(barcode_ids), product_id, row.ean))
            self.writer.insert(Product, ("id", "sku", "name", "brand", "category", "price_cents"),
                               products)
            self.writer.insert(Barcode, ("id", "product_id", "code"), barcodes)
            bar.update(len(new_rows))
        # Lists indexed by product id: ~20,000 entries, read millions of times.
        last_id = max([p[0] for p in products] + [row[0] for row in existing] + [0])
        self.category_of: list[str | None] = [None] * (last_id + 1)
        self.price_of = array("i", bytes(4 * (last_id + 1)))
        for product_id, _sku, category, price in existing:
            self.category_of[product_id], self.price_of[product_id] = category, price
        for product_id, _sku, _name, _brand, category, price in products:
            self.category_of[product_id], self.price_of[product_id] = category, price
        self.sku_ids = {sku: product_id for product_id, sku, _c, _p in existing}
        self.demo_ids = [self.sku_ids[row.sku] for row in demo_rows if row.sku in self.sku_ids]
        # The story's B, C and the distributor-only PC stay where the seed put them, alone.
        self.story_only = {self.sku_ids[sku] for sku in stock_data.ONLY_AT if sku in self.sku_ids}
        self.new_by_category: dict[str, range] = {}
        for product_id, _sku, _name, _brand, category, _price in products:
            first = self.new_by_category.get(category, range(product_id, product_id)).start
            self.new_by_category[category] = range(first, product_id + 1)
        self.new_products = products

    def _build_marketplace(self) -> None:
        rng = self.rng("marketplace")
        wanted_sellers = max(0, self.size.sellers - self.chain.counts["sellers"])
        profiles = scale_data.sellers(wanted_sellers, set(self.chain.scalars(select(Seller.code))), rng)
        seller_ids = self.writer.ids(Seller)
        sellers = [(next(seller_ids), profile) for profile in profiles]
        self.writer.insert(Seller, ("id", "code", "name", "rating"),
                           ((i, p.code, p.name, p.rating) for i, p in sellers))
        existing = self.chain.conn.execute(select(Offer.seller_id, Offer.product_id, Offer.condition)).all()
        taken = {(s, p, OfferCondition(c)) for s, p, c in existing}
        wanted = max(0, self.size.offers - len(existing))
        offer_ids = self.writer.ids(Offer)
        self.offers: dict[int, list[tuple[int, int, int]]] = defaultdict(list)  # product -> offers
        rows = []
        ranges = self.new_by_category
        if sellers and ranges:
            weights = [p.weight for _i, p in sellers]
            attempts = 0
            with self.phase("Marketplace offers", wanted) as bar:
                while len(rows) < wanted and attempts < wanted * 20:
                    attempts += 1
                    seller_id, profile = rng.choices(sellers, weights)[0]
                    category = rng.choice(profile.categories)
                    if category not in ranges or not ranges[category]:
                        continue
                    product_id = ranges[category][int(rng.random() * len(ranges[category]))]
                    key = (seller_id, product_id, profile.condition)
                    if key in taken:
                        continue
                    taken.add(key)
                    low, high = scale_data.OFFER_PRICE_FACTORS[profile.condition]
                    price = catalog_data._shelf_price(self.price_of[product_id] * rng.uniform(low, high))
                    stock = rng.choice(catalog_data.OFFER_STOCKS)
                    lead_time = rng.randint(1, 7)
                    offer_id = next(offer_ids)
                    rows.append((offer_id, seller_id, product_id, profile.condition, price,
                                 rng.choice(scale_data.OFFER_SHIPPING_CENTS), stock, lead_time))
                    if stock:
                        self.offers[product_id].append((offer_id, price, lead_time))
                    if len(rows) % 1000 == 0:
                        bar.update(1000)
                self.writer.insert(Offer, ("id", "seller_id", "product_id", "condition", "price_cents",
                                           "shipping_cents", "stock", "lead_time_days"), rows)
                bar.update(len(rows) % 1000)
        if len(rows) < wanted:
            self.echo(f"  Only {len(rows):,} of {wanted:,} new offers: the new sellers and SKUs make no "
                      "more distinct offers (ask for more sellers or SKUs).")

    # -- stock ----------------------------------------------------------------------------------

    def _plan_stock(self) -> None:
        """Which location holds what, and how much: the seed's rules at chain scale."""
        rng = self.rng("stock")
        existing = {tuple(row) for row in self.chain.conn.execute(
            select(StockLevel.location_id, StockLevel.product_id))}
        self.seeded_levels = existing  # the seed's levels: never allocated from, never arrived at
        phone_a = self.sku_ids.get(catalog_data.PHONE_A_SKU)
        kept_demo = [p for p in self.demo_ids if p not in self.story_only]
        self.holdings: dict[int, Holding] = {}
        with self.phase("Stock plan", len(self.places)) as bar:
            for place in self.places:
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
        for category, ids in self.new_by_category.items():
            chance = min(stock_data.STORE_RANGE[category][0] * STORE_RANGE_SCALE * place.size, 0.95)
            chosen.update(rng.sample(ids, round(len(ids) * chance)))
        return chosen

    def _share(self, rng: Random, chance: float) -> set[int]:
        chosen: set[int] = set()
        for ids in self.new_by_category.values():
            chosen.update(rng.sample(ids, round(len(ids) * chance)))
        return chosen

    def _supplier_range(self, place: Place) -> set[int]:
        categories = stock_data.SUPPLIER_CATEGORIES.get(place.code, ())
        return {p for c in categories for p in self.new_by_category.get(c, ())}

    def _holding(self, place: Place, product_ids: list[int], pinned: set[int], rng: Random) -> Holding:
        holding = Holding(place)
        random = rng.random
        category_of = self.category_of
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

    def _write_stock(self) -> None:
        levels = sum(len(h) + len(h.arrived) for h in self.holdings.values())
        level_ids = self.writer.ids(StockLevel)
        with self.phase("Writing stock levels", levels) as bar:
            self.writer.insert(StockLevel, ("id", "location_id", "product_id", "on_hand", "allocated",
                                            "quarantine", "zone_id"), self._level_rows(level_ids), bar)
        movement_count = levels + sum(
            sum(1 for s in h.sold if s) + sum(h.damaged) for h in self.holdings.values())
        with self.phase("Writing stock movements", movement_count) as bar:
            self.writer.insert(StockMovement, MOVEMENT_COLUMNS, self._opening_movements(), bar)

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

    def _opening_movements(self) -> Iterator[tuple]:
        """Receipt, sale and damage of every planned level (orders add theirs after)."""
        received_at = self.now - OPENING_STOCK_AGE
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

    # -- buffers and slots ------------------------------------------------------------------------

    def _build_buffers(self) -> None:
        """Chain-wide buffers per category, and per location for some stores and warehouses."""
        rng = self.rng("buffers")
        t = Buffer.__table__
        existing = [dict(row._mapping) for row in self.chain.conn.execute(select(t))]
        taken = {(b["channel"], b["location_id"], b["category"], b["product_id"]) for b in existing}
        wanted = [(channel, None, category, quantity)
                  for channel, category, quantity in CHAIN_BUFFERS]
        for place in self.places:
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
        buffer_ids = self.writer.ids(Buffer)
        rows = [dict(id=next(buffer_ids), channel=channel, location_id=location_id, product_id=None,
                     category=category, quantity=quantity)
                for channel, location_id, category, quantity in wanted
                if (channel, location_id, category, None) not in taken]
        columns = ("id", "channel", "location_id", "product_id", "category", "quantity")
        self.writer.insert(Buffer, columns, (tuple(r[c] for c in columns) for r in rows))
        self.buffers = Buffers(existing + rows)

    def _publish_slots(self) -> None:
        """A week of advice slots in every store's open days, as the demo's four stores have."""
        t = AppointmentSlot.__table__
        self.slots: dict[tuple[int, str], list[list]] = defaultdict(list)  # [start, id, places left]
        taken = dict(self.chain.conn.execute(
            select(Booking.slot_id, func.count()).join(Order, Order.id == Booking.order_id)
            .where(Booking.status == BookingStatus.BOOKED, Order.status.in_(OPEN_ORDER_STATUSES))
            .group_by(Booking.slot_id)).all())
        existing = set()
        for row in self.chain.conn.execute(select(t).where(t.c.starts_at > self.now)):
            starts_at = as_utc(row.starts_at)
            existing.add((row.location_id, starts_at, row.expertise))
            self.slots[(row.location_id, row.expertise)].append(
                [starts_at, row.id, row.capacity - taken.get(row.id, 0)])
        slot_ids = self.writer.ids(AppointmentSlot)
        rows = []
        for store in self.stores:
            zone = self.clock.zone(store.timezone)
            today = self.now.astimezone(zone).date()
            for day in (today + timedelta(days=n) for n in range(appointments_data.DAYS_AHEAD)):
                if store.opening_hours and WEEKDAYS[day.weekday()] not in store.opening_hours:
                    continue
                for series in appointments_data.SLOT_SERIES:
                    start = datetime.combine(day, series.first, tzinfo=zone)
                    last = datetime.combine(day, series.last, tzinfo=zone)
                    while start <= last:
                        starts_at = start.astimezone(UTC)
                        if starts_at > self.now and (store.id, starts_at, series.expertise) not in existing:
                            slot_id = next(slot_ids)
                            rows.append((slot_id, store.id, starts_at, series.length_minutes,
                                         series.capacity, series.expertise, self.now))
                            self.slots[(store.id, series.expertise)].append(
                                [starts_at, slot_id, series.capacity])
                        start += timedelta(minutes=series.length_minutes)
        for offers in self.slots.values():
            offers.sort()
        self.slot_rows = rows

    def _write_sequences(self, orders: "_OrderMaker") -> None:
        """The parcel numbers handed out here are taken from the parcel sequence."""
        if not orders.parcel_count:
            return
        t = NumberSequence.__table__
        if orders.sequence_exists:
            self.chain.conn.execute(t.update().where(t.c.name == PARCEL_SEQUENCE)
                                    .values(next_value=orders.next_parcel_number))
        else:
            self.chain.conn.execute(t.insert().values(name=PARCEL_SEQUENCE,
                                                      next_value=orders.next_parcel_number,
                                                      last_value=None))


# Chain-wide buffers per category: (channel, category, units kept back).
CHAIN_BUFFERS = (
    (Channel.WEB, "computers", 1),  # the last laptop of a store is for the customer in front of it
    (Channel.MARKETPLACE, "phones", 3),
)
MOVEMENT_COLUMNS = ("id", "location_id", "product_id", "delta_on_hand", "delta_allocated",
                    "delta_quarantine", "reason", "reference", "note", "actor_id", "created_at")


def _minutes(km: float, speed_kmh: float, handling: int) -> int:
    """Transit time, rounded to 5 minutes."""
    return max(15, int(round((km / speed_kmh * 60 + handling) / 5)) * 5)


def _shuttle_timing(km: float) -> tuple[list[str], int, int]:
    """(departures, transit minutes, cut-off minutes) of a store-to-store van by its distance."""
    if km <= 30:
        return ["11:00", "16:00"], _minutes(km, 40, 10), 30
    if km <= 120:
        return ["10:30"], _minutes(km, 60, 15), 45
    return ["07:00"], _minutes(km, 75, 20), 60  # the long run leaves early, arrives the same day


# --- orders ------------------------------------------------------------------------------------


@dataclass
class _Allocation:
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


# Stages of an allocation's work (see _OrderMaker._work).
NOT_STARTED, PICK_CLAIMED, PICKED, PACKING, SEALED, LOADED, IN_TRANSIT, ARRIVED = range(8)


class _OrderMaker:
    """Open orders as `place_order` and the associates' work would have left them."""

    def __init__(self, builder: _Builder):
        self.b = builder
        self.rng = builder.rng("orders")
        self.now = builder.now
        writer = builder.writer
        self.ids = {model: writer.ids(model) for model in (
            Customer, Order, OrderLine, Allocation, Task, TaskEvent, ShuttleRun, Parcel, ParcelLine, Hold,
            Booking, StockMovement)}
        self.rows: dict[str, list[tuple]] = defaultdict(list)
        self.open_at: Counter[int] = Counter(dict(builder.chain.conn.execute(
            select(Task.location_id, func.count()).where(Task.status.in_(OPEN_TASK_STATUSES))
            .group_by(Task.location_id)).all()))
        self.movements: list[tuple] = []
        self.runs: dict[tuple[int, datetime], list] = {}  # (route, departure) -> [id, parcel statuses]
        self.existing_runs = {
            (row.route_id, as_utc(row.departure_at)) for row in builder.chain.conn.execute(
                select(ShuttleRun.route_id, ShuttleRun.departure_at))}
        sequence = builder.chain.conn.execute(
            select(NumberSequence.next_value).where(NumberSequence.name == PARCEL_SEQUENCE)).first()
        self.sequence_exists = sequence is not None
        self.next_parcel_number = sequence.next_value if sequence else 1
        self.parcel_count = 0
        self.emails = set(builder.chain.scalars(select(Customer.email)))
        stores = builder.stores
        self.pickup_stores = [s for s in stores if s.does_pickup]
        self.pickup_weights = [sqrt(s.size) for s in self.pickup_stores]
        self.all_weights = [sqrt(s.size) for s in stores]
        shipping = [s for s in stores if s.does_ship_from_store]
        self.shippers, self.shipper_weights = shipping, [sqrt(s.size) for s in shipping]
        self.shipper_of = {s.id: s if s.does_ship_from_store else builder._nearest(s, shipping, 1)[0][0]
                           for s in stores} if shipping else {}
        self.nearest_warehouse = {s.id: builder._nearest(s, builder.warehouses, 1)[0][0]
                                  for s in stores} if builder.warehouses else {}
        self.expertise_categories = tuple(appointments_data.EXPERTISE_OF_CATEGORY)

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
                near = rng.choices(self.b.stores, self.all_weights)[0]
            channel = Channel.MARKETPLACE if rng.random() < 0.05 else Channel.WEB
        placed_by = rng.choice(store.associates) if channel == Channel.STORE and store.associates else None
        order_id = next(self.ids[Order])
        if method == DeliveryMethod.HOME and rng.random() < MARKETPLACE_ORDER_SHARE:
            return self._marketplace_order(order_id, near, created_at)
        number = f"{ORDER_NUMBER_PREFIXES[channel]}{order_id:06d}"
        latitude, longitude = ((store.latitude, store.longitude) if at_store else
                               (near.latitude + rng.uniform(-0.05, 0.05),
                                near.longitude + rng.uniform(-0.07, 0.07)))
        destination = Destination(method, latitude, longitude,
                                  SimpleNamespace(id=store.id, code=store.code) if store else None)
        allocations = self._source_lines(order_id, number, method, channel, store, near, destination,
                                         created_at, placed_by)
        if not allocations:
            return False
        promised_at = self._promise(store, allocations)
        slot = None
        if method == DeliveryMethod.RESERVE:
            slot = self._slot_for(store, allocations, promised_at)
            if slot is None:
                method = DeliveryMethod.PICKUP  # no place left before the week is out: a pickup
        status, hold = self._work(order_id, number, store, allocations, intent, created_at,
                                  promised_at, placed_by)
        self._emit_order(order_id, number, channel, method, status, store, near, latitude, longitude,
                         created_at, promised_at, slot, allocations, placed_by)
        if hold is not None:
            self.rows["hold"].append(hold)
        if slot is not None:
            slot[2] -= 1
            self.rows["booking"].append((next(self.ids[Booking]), store.id, slot[1], order_id,
                                         BookingStatus.BOOKED, created_at, None, None))
        return True

    def _least_busy(self, stores: list[Place], weights: list[float]) -> Place:
        """A store drawn by size, drawn again (a few times) while it has a full day already."""
        drawn = []
        for _draw in range(4):
            store = self.rng.choices(stores, weights)[0]
            if self.open_at[store.id] < BUSY_STORE_OPEN_TASKS:
                return store
            drawn.append(store)
        return min(drawn, key=lambda s: self.open_at[s.id])

    def _task(self, row: tuple) -> None:
        self.rows["task"].append(row)
        if row[3] in OPEN_TASK_STATUSES:
            self.open_at[row[1]] += 1

    def _created_at(self, intent: OrderStatus) -> datetime:
        rng = self.rng
        if intent == OrderStatus.SOURCED:
            minutes = min(rng.expovariate(1 / 70), 8 * 60)
        elif intent == OrderStatus.PICKING:
            minutes = 45 + min(rng.expovariate(1 / 240), 30 * 60)
        else:
            minutes = rng.uniform(10 * 60, 5 * 24 * 60)
        return self.now - timedelta(minutes=minutes)

    # -- sourcing ------------------------------------------------------------------------------

    def _source_lines(self, order_id, number, method, channel, store, near, destination, created_at,
                      placed_by) -> list[_Allocation]:
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
            holding = self.b.holdings[source.id]
            holding.allocated[product_id] = holding.allocated.get(product_id, 0) + quantity
            allocation = self._allocation(order_id, source, transport, product_id, index, quantity,
                                          route, destination, created_at, channel)
            allocations.append(allocation)
            self.movements.append((next(self.ids[StockMovement]), source.id, product_id, 0, quantity, 0,
                                   MovementReason.ALLOCATE, f"order:{number}", "", placed_by,
                                   created_at))
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
                routes = b.neighbours.get(store.id)
                route = min(rng.sample(routes, min(2, len(routes))),
                            key=lambda r: self.open_at[r.origin.id]) if routes else None
                source = route.origin if route else None
            elif choice == Transport.WAREHOUSE:
                route = b.warehouse_of.get(store.id) if store is not None else None
                source = route.origin if route else self.nearest_warehouse.get(near.id)
            else:
                source = rng.choice(b.suppliers) if b.suppliers else None
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
        holding = self.b.holdings.get(source.id)
        if holding is None or not len(holding):
            return None
        low, high = 0, len(holding)
        if categories:
            ranges = [self.b.new_by_category[c] for c in categories if c in self.b.new_by_category]
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
            if arrives_at is not None and (arrives_at.id, product_id) in self.b.seeded_levels:
                continue  # the seed's level there is left as the seed made it
            category = self.b.category_of[product_id]
            quantity = 1 if category in SINGLE_UNIT_CATEGORIES or rng.random() < 0.85 else rng.randint(2, 3)
            buffer = self.b.buffers.quantity(channel, source.id, product_id, category)
            if holding.free(i) - buffer >= quantity:
                return product_id, i, quantity
        return None

    def _allocation(self, order_id, source: Place, transport: Transport, product_id: int, index: int,
                    quantity: int, route: Route | None, destination: Destination,
                    created_at: datetime, channel: Channel) -> _Allocation:
        b = self.b
        holding = b.holdings[source.id]
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
        buffer = b.buffers.quantity(channel, source.id, product_id, b.category_of[product_id])
        available = holding.free(index) + quantity - buffer  # as the plan read it, before this allocation
        candidate = Candidate(location=SimpleNamespace(id=source.id, code=source.code,
                                                       lead_time_days=source.lead_time_days),
                              atp=available, distance_km=distance, transport=transport)
        need = LineNeed(None, quantity, destination, channel)
        choice = Choice.FIRST if at_pickup_store or destination.store is None else Choice.COVERS_ALL
        ranking = [[], [candidate]] if transport == Transport.DROPSHIP else [[candidate], []]
        return _Allocation(
            id=next(self.ids[Allocation]), line_id=next(self.ids[OrderLine]), product_id=product_id,
            quantity=quantity, source=source, transport=transport,
            zone_id=holding.zones[index] or None, distance_km=distance,
            explanation=NEAREST_FIRST.explain(candidate, quantity, choice, need, ranking),
            expected_at=expected_at, dispatch_by=dispatch_by, picked_by=picked_by, route=route)

    def _promise(self, store: Place | None, allocations: list[_Allocation]) -> datetime:
        """Ready at the pickup store, or delivered, when the last units are (promise.promise)."""
        if store is None:
            return max(a.expected_at for a in allocations)
        return max(a.expected_at if a.source.id == store.id
                   else self.b.clock.after_work(store, a.expected_at, self.b.sla) for a in allocations)

    def _slot_for(self, store: Place, allocations: list[_Allocation], promised_at: datetime):
        """The first advice slot with a place left that the items make (sourcing limited to it)."""
        expertise = appointments_data.EXPERTISE_OF_CATEGORY.get(
            self.b.category_of[allocations[0].product_id], "")
        not_before = max(promised_at, self.now)
        for slot in self.b.slots.get((store.id, expertise), ()):
            if slot[0] >= not_before and slot[2] > 0:
                return slot
        return None

    def _marketplace_order(self, order_id, near: Place, created_at) -> bool:
        """A home delivery sold by a marketplace seller: no own stock, no store work."""
        rng = self.rng
        product_ids = list(self.b.offers)
        if not product_ids:
            return False
        product_id = rng.choice(product_ids)
        offer_id, price, lead_time = rng.choice(self.b.offers[product_id])
        customer_id = self._customer()
        address, latitude, longitude = self._address(near)
        number = f"{ORDER_NUMBER_PREFIXES[Channel.MARKETPLACE]}{order_id:06d}"
        self.rows["order"].append((order_id, number, Channel.MARKETPLACE,
                                   DeliveryMethod.HOME, OrderStatus.SOURCED, customer_id, None, address,
                                   latitude, longitude, None, created_at + timedelta(days=lead_time),
                                   created_at))
        self.rows["order_line"].append((next(self.ids[OrderLine]), order_id, product_id, 1, price,
                                        offer_id, 0, 0))
        return True

    # -- how far the work got ------------------------------------------------------------------

    def _work(self, order_id, number, store, allocations, intent, created_at, promised_at, placed_by):
        """Stages, tasks, parcels and runs for the order; returns (status, hold row or None)."""
        rng = self.rng
        groups: dict[tuple, list[_Allocation]] = defaultdict(list)
        for allocation in allocations:
            kind = "shuttle" if allocation.transport == Transport.SHUTTLE else (
                "carrier" if store is None and allocation.source.is_store else "single")
            key = (kind, allocation.source.id) if kind != "single" else ("single", allocation.id)
            groups[key].append(allocation)
        for (kind, _source), members in groups.items():
            lead = members[0]
            top = self._top_stage(kind, lead, store)
            if intent == OrderStatus.SOURCED or top == NOT_STARTED:
                wanted = NOT_STARTED
            elif intent == OrderStatus.READY:
                wanted = top
            elif lead.source.is_store:
                wanted = rng.randint(PICK_CLAIMED, top)
            else:
                wanted = rng.choice((NOT_STARTED, top))  # the delivery came, or not yet
            stage = self._feasible(kind, lead, wanted, created_at, store)
            for member in members:
                member.stage, member.times, member.run = stage, lead.times, lead.run
                member.rolled_over = lead.rolled_over
            self._group_rows(kind, members, order_id, number, store, created_at, placed_by)
        started = any(a.stage > NOT_STARTED for a in allocations)
        status = OrderStatus.PICKING if started else OrderStatus.SOURCED
        if store is None or not all(self._at_store(a, store) for a in allocations):
            return status, None
        return self._isolate(order_id, store, allocations, intent, promised_at)

    @staticmethod
    def _top_stage(kind: str, allocation: _Allocation, store: Place | None) -> int:
        if kind == "shuttle":
            return ARRIVED
        if kind == "carrier":
            return PACKING  # sealed carrier parcels need the carrier's numbers: left to the services
        if allocation.source.is_store:
            return PICKED
        return ARRIVED if store is not None else NOT_STARTED  # a warehouse's parcel to the customer

    def _at_store(self, allocation: _Allocation, store: Place) -> bool:
        if allocation.source.id == store.id:
            return allocation.stage >= PICKED
        return allocation.stage == ARRIVED

    def _feasible(self, kind: str, a: _Allocation, wanted: int, created_at: datetime,
                  store: Place | None) -> int:
        """The furthest stage up to `wanted` the clock allows, with its times in `a.times`."""
        rng, now = self.rng, self.now
        minutes = timedelta(minutes=1)
        times = a.times
        if not a.source.is_store:  # a warehouse or supplier delivers to the store
            if wanted < ARRIVED:
                return NOT_STARTED
            days = CARRIER_DELIVERY.days if a.transport == Transport.WAREHOUSE else a.source.lead_time_days
            arrival = created_at + timedelta(days=max(days, 1)) - timedelta(hours=rng.uniform(2, 20))
            received = self.b.clock.after_work(store, arrival, 15 * minutes)
            if received > now:
                return NOT_STARTED
            times["received"] = received
            return ARRIVED
        if wanted == NOT_STARTED:
            return NOT_STARTED
        claim = created_at + rng.uniform(3, 40) * minutes
        if claim >= now:
            return NOT_STARTED
        times["claimed"] = claim
        picked = claim + rng.uniform(2, 12) * minutes
        if wanted == PICK_CLAIMED or picked >= now:
            return PICK_CLAIMED
        times["picked"] = picked
        if wanted == PICKED or kind == "single":
            return PICKED
        packing = picked + rng.uniform(1, 15) * minutes
        if packing >= now:
            return PICKED
        times["packing"] = packing
        if wanted == PACKING or kind == "carrier":
            return PACKING
        if wanted >= IN_TRANSIT:
            stage = self._travelled(a, wanted, picked)
            if stage is not None:
                return stage
        return self._sealed(a, min(wanted, LOADED), packing)

    def _sealed(self, a: _Allocation, stage: int, packing: datetime) -> int:
        """Sealed (or loaded) for the next run that has not left yet."""
        sealed = max(packing + timedelta(minutes=self.rng.uniform(2, 10)),
                     self.now - timedelta(minutes=self.rng.uniform(5, 45)))
        if sealed >= self.now:
            return PACKING
        planned = self.b.clock.next_departure(a.route, sealed)
        departure = planned if planned and planned > self.now else self.b.clock.next_departure(
            a.route, self.now)
        if departure is None or (a.route.id, departure) in self.existing_runs:
            return PACKING
        a.times["sealed"] = sealed
        a.run = (a.route.id, departure)
        a.rolled_over = planned is not None and departure > planned
        return stage

    def _travelled(self, a: _Allocation, wanted: int, picked: datetime) -> int | None:
        """On the run the parcel made, gone or arrived by now; None when it cannot have left yet."""
        rng = self.rng
        route = a.route
        cutoff, transit = timedelta(minutes=route.cutoff_minutes), timedelta(minutes=route.transit_minutes)
        departure = self.b.clock.next_departure(route, picked + timedelta(minutes=8))
        if departure is None or departure > self.now or (route.id, departure) in self.existing_runs:
            return None
        arrival = departure + transit
        a.times.update(packing=min(a.times["packing"], departure - cutoff - timedelta(minutes=4)),
                       sealed=departure - cutoff - timedelta(minutes=rng.uniform(1, 3)),
                       departed=departure, expected=arrival)
        a.run = (route.id, departure)
        received = self.b.clock.after_work(route.destination, arrival, timedelta(minutes=rng.uniform(5, 30)))
        # A van that arrived over an hour ago was unloaded: its parcel is no longer in transit.
        if received <= self.now and (wanted == ARRIVED or received < self.now - timedelta(hours=1)):
            a.times["received"] = received
            return ARRIVED
        return IN_TRANSIT

    def _isolate(self, order_id, store: Place, allocations, intent, promised_at):
        """Every unit is at the pickup store: an isolate task, done into a hold slot if READY."""
        rng = self.rng
        arrived = max(a.times.get("received") or a.times["picked"] for a in allocations)
        units = sum(a.quantity for a in allocations)
        claim = arrived + timedelta(minutes=rng.uniform(2, 25))
        done = claim + timedelta(minutes=rng.uniform(1, 5))
        slot = None
        if intent == OrderStatus.READY and done < self.now:
            slot = min((s for s in store.hold_slots if s[1] >= units), key=lambda s: s[1], default=None)
        associate = rng.choice(store.associates) if store.associates else None
        task_id = next(self.ids[Task])
        if slot is not None:
            slot[1] -= units
            status, assignee = TaskStatus.DONE, associate
            self._events(task_id, arrived, associate, claimed=claim, done=done,
                         done_note=f"hold slot {self._zone_code(store, slot[0])}",
                         created_note="all units at the store")
        elif claim < self.now and rng.random() < 0.4:
            status, assignee = TaskStatus.IN_PROGRESS, associate
            self._events(task_id, arrived, associate, claimed=claim, created_note="all units at the store")
        else:
            status, assignee = TaskStatus.OPEN, None
            self._events(task_id, arrived, None, created_note="all units at the store")
        self._task((task_id, store.id, TaskKind.ISOLATE, status, 0, max(promised_at, arrived),
                                  assignee, order_id, None, None, None, units, 0, None, None, None, arrived))
        if slot is None:
            return OrderStatus.PICKING, None
        hold = (next(self.ids[Hold]), order_id, slot[0], units, HoldStatus.ACTIVE, done,
                done + self.b.hold_days, None)
        return OrderStatus.READY, hold

    def _zone_code(self, place: Place, zone_id: int) -> str:
        suffix = next((s for s, i in place.zone_ids.items() if i == zone_id), "")
        return f"{place.code}-{suffix}"

    # -- rows -------------------------------------------------------------------------------------

    def _group_rows(self, kind, members: list[_Allocation], order_id, number, store, created_at,
                    placed_by) -> None:
        """Tasks of the allocations, and their parcel, run and stock moves once they travel."""
        lead = members[0]
        source, stage, times = lead.source, lead.stage, lead.times
        associate = self.rng.choice(source.associates) if source.associates else None
        receiver = self.rng.choice(store.associates) if store is not None and store.associates else None
        parcel = self._parcel(kind, members, order_id, store) if (
            stage >= PACKING and kind in ("shuttle", "carrier")) or (
            kind == "single" and stage == ARRIVED and not source.is_store) else None
        for a in members:
            about = (order_id, a.id, a.product_id)
            if source.is_store:
                self._pick_task(a, about, associate, created_at, placed_by)
            if kind in ("shuttle", "carrier"):
                self._pack_task(a, about, associate, store, parcel, created_at, placed_by)
            if store is not None and source.id != store.id:
                done = a.stage == ARRIVED
                task_id = next(self.ids[Task])
                self._events(task_id, created_at, placed_by,
                             done=times.get("received") if done else None, done_actor=receiver,
                             done_note=f"received in {parcel[1]}" if done and parcel else "")
                self._task((
                    task_id, store.id, TaskKind.RECEIVE, TaskStatus.DONE if done else TaskStatus.OPEN, 0,
                    a.expected_at, None, order_id, a.id, a.product_id, None, a.quantity, 0, None, None,
                    source.id, created_at))
            self._stock_moves(a, store, parcel, associate, receiver)

    def _pick_task(self, a: _Allocation, about, associate, created_at, placed_by) -> None:
        task_id = next(self.ids[Task])
        if a.stage >= PICKED:
            status, done_units = TaskStatus.DONE, a.quantity
        elif a.stage == PICK_CLAIMED:
            status, done_units = TaskStatus.IN_PROGRESS, self.rng.randint(0, a.quantity - 1)
        else:
            status, done_units = TaskStatus.OPEN, 0
        self._events(task_id, created_at, placed_by, claimed=a.times.get("claimed"),
                     claim_actor=associate, done=a.times.get("picked") if a.stage >= PICKED else None)
        order_id, allocation_id, product_id = about
        self._task((task_id, a.source.id, TaskKind.PICK, status, 0, a.picked_by,
                                  associate if status != TaskStatus.OPEN else None, order_id, allocation_id,
                                  product_id, a.zone_id, a.quantity, done_units, None, None, None,
                                  created_at))

    def _pack_task(self, a: _Allocation, about, associate, store, parcel, created_at, placed_by) -> None:
        task_id = next(self.ids[Task])
        if a.stage >= SEALED:
            status, done_units = TaskStatus.DONE, a.quantity
        elif a.stage == PACKING:
            status, done_units = TaskStatus.IN_PROGRESS, a.packed
        else:
            status, done_units = TaskStatus.OPEN, 0
        self._events(task_id, created_at, placed_by,
                     claimed=a.times.get("packing") if a.stage >= PACKING else None, claim_actor=associate,
                     done=a.times.get("sealed") if a.stage >= SEALED else None,
                     done_note=f"sealed in {parcel[1]}" if parcel else "")
        order_id, allocation_id, product_id = about
        self._task((task_id, a.source.id, TaskKind.PACK, status, 0, a.dispatch_by,
                                  associate if status != TaskStatus.OPEN else None, order_id, allocation_id,
                                  product_id, None, a.quantity, done_units,
                                  parcel[0] if parcel else None, None, store.id if store else None,
                                  created_at))

    def _events(self, task_id, created_at, creator, *, claimed=None, claim_actor=None, done=None,
                done_actor=None, done_note="", created_note="") -> None:
        """The task's history: created, claimed, done (complete_task goes from open or claimed)."""
        events = self.rows["task_event"]
        ids = self.ids[TaskEvent]
        events.append((next(ids), task_id, None, TaskStatus.OPEN, creator, created_note, created_at))
        if claimed is not None:
            events.append((next(ids), task_id, TaskStatus.OPEN, TaskStatus.IN_PROGRESS, claim_actor, "",
                           claimed))
        if done is not None:
            events.append((next(ids), task_id,
                           TaskStatus.IN_PROGRESS if claimed is not None else TaskStatus.OPEN,
                           TaskStatus.DONE, done_actor or claim_actor, done_note, done))

    def _parcel(self, kind, members: list[_Allocation], order_id, store) -> tuple:
        """The group's parcel row (id, code, ...) and its lines."""
        lead = members[0]
        stage, times = lead.stage, lead.times
        parcel_id = next(self.ids[Parcel])
        code = PARCEL_CODE.format(self.next_parcel_number)
        self.next_parcel_number += 1
        self.parcel_count += 1
        if kind == "single":  # a warehouse or supplier delivery, recorded at receipt
            status, parcel_kind = ParcelStatus.RECEIVED, ParcelKind.SUPPLIER
            created = dispatched = times["received"]
        else:
            parcel_kind = ParcelKind.SHUTTLE if kind == "shuttle" else ParcelKind.CARRIER
            status = {PACKING: ParcelStatus.OPEN, SEALED: ParcelStatus.SEALED, LOADED: ParcelStatus.LOADED,
                      IN_TRANSIT: ParcelStatus.IN_TRANSIT, ARRIVED: ParcelStatus.RECEIVED}[stage]
            created, dispatched = times["packing"], times.get("departed")
        run_id = self._run(lead.run, status) if lead.run else None
        expected = times.get("expected") or (lead.expected_at if kind == "single" else None)
        row = (parcel_id, code, parcel_kind, status, lead.source.id, store.id if store else None, run_id,
               order_id, lead.rolled_over, "", None, created, times.get("sealed"), dispatched, expected,
               times.get("received"))
        self.rows["parcel"].append(row)
        for a in members:
            a.packed = a.quantity if stage > PACKING else self.rng.randint(0, a.quantity - 1)
            if a.packed:
                self.rows["parcel_line"].append((
                    next(self.ids[ParcelLine]), parcel_id, a.product_id, a.packed,
                    a.quantity if stage == ARRIVED else None, ParcelBucket.ALLOCATED, a.id))
        return row

    def _run(self, key: tuple[int, datetime], parcel_status: ParcelStatus) -> int:
        if key not in self.runs:
            self.runs[key] = [next(self.ids[ShuttleRun]), []]
        self.runs[key][1].append(parcel_status)
        return self.runs[key][0]

    def _stock_moves(self, a: _Allocation, store: Place | None, parcel, associate, receiver) -> None:
        """Units that left their source (and arrived at the pickup store) move the ledger."""
        if a.stage < IN_TRANSIT or parcel is None:
            return
        ref = f"parcel:{parcel[1]}"
        source = self.b.holdings[a.source.id]
        source.moved[a.product_id] = source.moved.get(a.product_id, 0) - a.quantity
        source.allocated[a.product_id] -= a.quantity
        shuttle = a.transport == Transport.SHUTTLE
        left_at = a.times["departed"] if shuttle else a.times["received"]
        self.movements.append((next(self.ids[StockMovement]), a.source.id, a.product_id, -a.quantity,
                               -a.quantity, 0,
                               MovementReason.TRANSFER_OUT if shuttle else MovementReason.SHIPMENT, ref, "",
                               associate if shuttle else receiver, left_at))
        if a.stage != ARRIVED:
            return
        here = self.b.holdings[store.id]
        if here.index(a.product_id) is not None:
            here.moved[a.product_id] = here.moved.get(a.product_id, 0) + a.quantity
            here.allocated[a.product_id] = here.allocated.get(a.product_id, 0) + a.quantity
        else:
            here.arrived[a.product_id] = here.arrived.get(a.product_id, 0) + a.quantity
        self.movements.append((next(self.ids[StockMovement]), store.id, a.product_id, a.quantity,
                               a.quantity, 0, MovementReason.TRANSFER_IN, ref, "", receiver,
                               a.times["received"]))

    def _emit_order(self, order_id, number, channel, method, status, store, near, latitude, longitude,
                    created_at, promised_at, slot, allocations, placed_by) -> None:
        customer_id = self._customer()
        if store is None:
            address, latitude, longitude = self._address(near, latitude, longitude)
        else:
            address, latitude, longitude = "", None, None
        self.rows["order"].append((order_id, number, channel, method, status, customer_id,
                                   store.id if store else None, address, latitude, longitude,
                                   slot[0] if slot else None, promised_at, created_at))
        for a in allocations:
            in_transit = a.stage == IN_TRANSIT
            arrived_here = store is not None and a.stage == ARRIVED and a.source.id != store.id
            self.rows["order_line"].append((a.line_id, order_id, a.product_id, a.quantity,
                                            self.b.price_of[a.product_id], None, 0, 0))
            self.rows["allocation"].append((
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
        customer_id = next(self.ids[Customer])
        phone = f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
        self.rows["customer"].append((customer_id, email, first, last, phone))
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
        for store in self.b.stores:
            holding = self.b.holdings.get(store.id)
            if holding is None or not len(holding):
                continue
            for _n in range(rng.randint(*PLANNED_TASKS_PER_STORE)):
                i = int(rng.random() * len(holding))
                kind = rng.choice((TaskKind.COUNT, TaskKind.RESTOCK))
                created = self.now - timedelta(minutes=rng.uniform(10, 240))
                task_id = next(self.ids[Task])
                self._events(task_id, created, None)
                self._task((
                    task_id, store.id, kind, TaskStatus.OPEN, 0,
                    self.now + timedelta(minutes=rng.uniform(-60, 240)), None, None, None,
                    holding.products[i], holding.zones[i] or None,
                    rng.randint(2, 8) if kind == TaskKind.RESTOCK else 0, 0, None, None, None, created))

    # -- writing ---------------------------------------------------------------------------------

    def write(self) -> None:
        w = self.b.writer
        runs = []
        routes = {r.id: r for r in self.b.routes.values()}
        for (route_id, departure), (run_id, statuses) in self.runs.items():
            route = routes[route_id]
            status = (ShuttleRunStatus.DEPARTED if ParcelStatus.IN_TRANSIT in statuses
                      else ShuttleRunStatus.ARRIVED if departure <= self.now
                      else ShuttleRunStatus.PLANNED)
            runs.append((run_id, route_id, departure,
                         departure - timedelta(minutes=route.cutoff_minutes), status,
                         departure if status != ShuttleRunStatus.PLANNED else None))
        tables = (
            (Customer, ("id", "email", "first_name", "last_name", "phone"), self.rows["customer"]),
            (Order, ("id", "number", "channel", "delivery_method", "status", "customer_id",
                     "pickup_location_id", "ship_address", "ship_latitude", "ship_longitude",
                     "appointment_at", "promised_at", "created_at"), self.rows["order"]),
            (OrderLine, ("id", "order_id", "product_id", "quantity", "unit_price_cents", "offer_id",
                         "handed_over_quantity", "refused_quantity"), self.rows["order_line"]),
            (Allocation, ("id", "order_line_id", "location_id", "quantity", "transport", "status",
                          "distance_km", "explanation", "expected_at"), self.rows["allocation"]),
            (ShuttleRun, ("id", "route_id", "departure_at", "cutoff_at", "status", "dispatched_at"), runs),
            (Parcel, ("id", "code", "kind", "status", "origin_id", "destination_id", "run_id", "order_id",
                      "rolled_over", "carrier", "tracking_number", "created_at", "sealed_at",
                      "dispatched_at", "expected_at", "received_at"), self.rows["parcel"]),
            (ParcelLine, ("id", "parcel_id", "product_id", "quantity", "received_quantity", "bucket",
                          "allocation_id"), self.rows["parcel_line"]),
            (Task, ("id", "location_id", "kind", "status", "priority", "due_at", "assignee_id", "order_id",
                    "allocation_id", "product_id", "zone_id", "quantity", "done_quantity", "parcel_id",
                    "return_id", "counterpart_location_id", "created_at"), self.rows["task"]),
            (TaskEvent, ("id", "task_id", "from_status", "to_status", "actor_id", "note", "created_at"),
             self.rows["task_event"]),
            (Hold, ("id", "order_id", "zone_id", "quantity", "status", "placed_at", "expires_at",
                    "ended_at"), self.rows["hold"]),
            (AppointmentSlot, ("id", "location_id", "starts_at", "length_minutes", "capacity", "expertise",
                               "created_at"), self.b.slot_rows),
            (Booking, ("id", "location_id", "slot_id", "order_id", "status", "created_at", "ended_at",
                       "follow_up_order_id"), self.rows["booking"]),
            (StockMovement, MOVEMENT_COLUMNS, self.movements),
        )
        total = sum(len(rows) for _m, _c, rows in tables)
        with self.b.phase("Writing orders and work", total) as bar:
            for model, columns, rows in tables:
                w.insert(model, columns, rows)
                bar.update(len(rows))


# --- checks ----------------------------------------------------------------------------------


@dataclass
class InvariantResults:
    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def check(self, holds: bool, ok: str, broken: str) -> None:
        (self.checked if holds else self.failures).append(ok if holds else broken)

    def lines(self) -> list[str]:
        return [f"ok: {line}" for line in self.checked] + [f"BROKEN: {line}" for line in self.failures]


def check_invariants(conn) -> InvariantResults:
    """DESIGN §2–3 on the whole database, in a few SQL aggregates."""
    results = InvariantResults()
    levels, movements = StockLevel.__table__, StockMovement.__table__
    buckets = union_all(
        select(levels.c.location_id, levels.c.product_id, levels.c.on_hand.label("on_hand"),
               levels.c.allocated.label("allocated"), levels.c.quarantine.label("quarantine"),
               literal(1).label("is_level")),
        select(movements.c.location_id, movements.c.product_id, -movements.c.delta_on_hand,
               -movements.c.delta_allocated, -movements.c.delta_quarantine, literal(0)),
    ).subquery()
    off = select(buckets.c.location_id).group_by(buckets.c.location_id, buckets.c.product_id).having(or_(
        func.sum(buckets.c.on_hand) != 0, func.sum(buckets.c.allocated) != 0,
        func.sum(buckets.c.quarantine) != 0, func.sum(buckets.c.is_level) != 1)).subquery()
    level_count = conn.scalar(select(func.count()).select_from(levels))
    mismatched = conn.scalar(select(func.count()).select_from(off))
    results.check(mismatched == 0, f"{level_count:,} stock levels each equal the sum of their movements",
                  f"{mismatched:,} stock levels differ from the sum of their movements")
    over = conn.scalar(select(func.count()).select_from(levels).where(or_(
        levels.c.allocated > levels.c.on_hand, levels.c.on_hand < 0, levels.c.allocated < 0,
        levels.c.quarantine < 0)))
    results.check(over == 0, "no level allocates more than it has on hand, no bucket below zero",
                  f"{over:,} levels over-allocated or below zero")
    allocations, lines = Allocation.__table__, OrderLine.__table__
    promised = union_all(
        select(levels.c.location_id, levels.c.product_id, levels.c.allocated.label("units"))
        .where(levels.c.allocated != 0),
        select(allocations.c.location_id, lines.c.product_id, -allocations.c.quantity)
        .select_from(allocations.join(lines, lines.c.id == allocations.c.order_line_id))
        .where(allocations.c.status == AllocationStatus.ACTIVE),
    ).subquery()
    unmatched = conn.scalar(select(func.count()).select_from(
        select(promised.c.location_id).group_by(promised.c.location_id, promised.c.product_id)
        .having(func.sum(promised.c.units) != 0).subquery()))
    results.check(unmatched == 0, "each level's allocated units are its active allocations",
                  f"{unmatched:,} levels whose allocated units are not their active allocations")
    holds, zones = Hold.__table__, Zone.__table__
    full = conn.scalar(select(func.count()).select_from(
        select(holds.c.zone_id).select_from(holds.join(zones, zones.c.id == holds.c.zone_id))
        .where(holds.c.status == HoldStatus.ACTIVE).group_by(holds.c.zone_id, zones.c.capacity)
        .having(func.sum(holds.c.quantity) > func.coalesce(zones.c.capacity, 0)).subquery()))
    results.check(full == 0, "no hold slot holds more than its capacity",
                  f"{full:,} hold slots over capacity")
    bookings, slots = Booking.__table__, AppointmentSlot.__table__
    overbooked = conn.scalar(select(func.count()).select_from(
        select(bookings.c.slot_id).select_from(bookings.join(slots, slots.c.id == bookings.c.slot_id))
        .where(bookings.c.status == BookingStatus.BOOKED).group_by(bookings.c.slot_id, slots.c.capacity)
        .having(func.count() > slots.c.capacity).subquery()))
    results.check(overbooked == 0, "no advice slot is booked beyond its capacity",
                  f"{overbooked:,} advice slots overbooked")
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        results.check(not broken, "every foreign key points at a row (PRAGMA foreign_key_check)",
                      f"{len(broken):,} rows point at missing rows, e.g. {broken[:3]}")
    else:
        results.checked.append("every foreign key points at a row (enforced by PostgreSQL)")
    return results


def _summary(conn, writer: _Writer) -> list[str]:
    def total(model, *where) -> int:
        return conn.scalar(select(func.count()).select_from(model).where(*where))

    kinds = dict(conn.execute(select(Location.kind, func.count()).group_by(Location.kind)).all())
    methods = dict(conn.execute(select(Order.delivery_method, func.count())
                                .where(Order.status.in_(OPEN_ORDER_STATUSES))
                                .group_by(Order.delivery_method)).all())
    statuses = dict(conn.execute(select(Order.status, func.count())
                                 .where(Order.status.in_(OPEN_ORDER_STATUSES)).group_by(Order.status)).all())
    open_tasks = sorted(conn.execute(
        select(func.count()).select_from(Task).join(Location, Location.id == Task.location_id)
        .where(Task.status.in_(OPEN_TASK_STATUSES),
               Location.kind == LocationKind.STORE).group_by(Task.location_id)).scalars())
    rivoli = conn.scalar(select(func.count()).select_from(Task).join(Location, Location.id == Task.location_id)
                         .where(Location.code == COUNTER_STORE,
                                Task.status.in_(OPEN_TASK_STATUSES)))
    median = open_tasks[len(open_tasks) // 2] if open_tasks else 0
    return [
        f"{kinds.get(LocationKind.STORE, 0):,} stores, {kinds.get(LocationKind.WAREHOUSE, 0):,} warehouses, "
        f"{kinds.get(LocationKind.SUPPLIER, 0):,} suppliers; {total(Zone):,} zones, "
        f"{total(ShuttleRoute):,} shuttle routes; {total(User):,} staff accounts",
        f"{total(Product):,} products; {total(Seller):,} sellers, {total(Offer):,} offers",
        f"{total(StockLevel):,} stock levels, {total(StockMovement):,} stock movements, "
        f"{total(Buffer):,} buffers",
        f"{sum(statuses.values()):,} open orders: "
        + ", ".join(f"{statuses.get(s, 0):,} {s}" for s in OrderStatus if s in OPEN_ORDER_STATUSES)
        + "; " + ", ".join(f"{methods.get(m, 0):,} {m}" for m in DeliveryMethod),
        f"{total(OrderLine):,} order lines, {total(Allocation):,} allocations, {total(Task):,} tasks "
        f"({total(TaskEvent):,} events), {total(Parcel):,} parcels on {total(ShuttleRun):,} runs, "
        f"{total(Hold):,} holds, {total(Booking):,} bookings in {total(AppointmentSlot):,} slots",
        f"open tasks per store: min {open_tasks[0] if open_tasks else 0}, median {median}, "
        f"max {open_tasks[-1] if open_tasks else 0}; {COUNTER_STORE}: {rivoli}",
        f"rows written: {sum(writer.written.values()):,}",
    ]
