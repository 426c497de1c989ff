"""What is there already: the demo database as `flask demo scale` finds it."""
from dataclasses import dataclass, field

from sqlalchemy import func, inspect, select

from omni_store.auth.models import ApiClient, Role, User
from omni_store.catalog.models import Offer, Product, Seller
from omni_store.demo import people_data, stock_data
from omni_store.demo.counter_day import COUNTER_STORE
from omni_store.demo.scale.terms import SCALE_REFERENCE, ChainSize, ScaleRefused
from omni_store.inventory.models import StockMovement
from omni_store.network.models import Location, LocationKind, Zone, ZoneKind
from omni_store.orders.models import OPEN_ORDER_STATUSES, Hold, HoldStatus, Order


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


class Chain:
    """The demo database as found: locations, catalog, routes and what must not be touched."""

    def __init__(self, conn):
        self.conn = conn
        self.scaled = False  # this command already grew it
        self.counts: dict[str, int] = {}  # what ChainSize counts, as found

    @classmethod
    def load(cls, conn) -> "Chain":
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
