"""The promise engine: when units can be ready or delivered, and why (DESIGN §4).

Dates are computed in UTC from facts: store opening hours and the picking SLA, shuttle
departures and cut-offs, carrier lead time, supplier and marketplace seller lead times.
`place_order` dates its allocations with `leg` and its order with `promise`;
`delivery_options` lists every way to get a product, best date first, each with the
sentence that explains its date in the customer's store's local time.
"""
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_currency, format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from omni_store.catalog.models import Offer, Product
from omni_store.core.clock import as_utc, utcnow
from omni_store.extensions import db
from omni_store.inventory.models import Channel, StockLevel
from omni_store.inventory.services import BufferTable, atp
from omni_store.network.geo import haversine_km
from omni_store.network.models import WEEKDAYS, Location, LocationKind, ShuttleRoute
from omni_store.network.timetable import SEARCH_DAYS, next_departure
from omni_store.orders.models import Allocation, DeliveryMethod, Transport
from omni_store.orders.sourcing import Destination

CARRIER_DELIVERY = timedelta(days=2)  # v1: any carrier parcel, from a warehouse or a store
NO_SHUTTLE_ROUTE_DELAY = timedelta(days=1)
DEFAULT_TIMEZONE = "Europe/Paris"  # the chain's home; used when no store is involved


def picking_sla() -> timedelta:
    return current_app.config["PICKING_SLA"]


# --- opening hours -------------------------------------------------------------------


def ready_after_work(location: Location, start: datetime, work: timedelta) -> datetime:
    """When `work` started at `start` is done, working only while the location is open.

    Work that would end after closing, or on a closed day, starts at the next opening
    instead. A location without opening hours on file works around the clock.
    """
    if not location.opening_hours:
        return start + work
    zone = ZoneInfo(location.timezone)
    first_day = start.astimezone(zone).date()
    for day in (first_day + timedelta(days=n) for n in range(SEARCH_DAYS)):
        for opens, closes in location.opening_hours.get(WEEKDAYS[day.weekday()], []):
            opening = datetime.combine(day, time.fromisoformat(opens), tzinfo=zone)
            closing = datetime.combine(day, time.fromisoformat(closes), tzinfo=zone)
            begin = max(start, opening.astimezone(UTC))
            if begin + work <= closing.astimezone(UTC):
                return begin + work
    return start + work  # closed a whole week: the date is at least honest about the work


# --- legs and the order's promise ------------------------------------------------------


@dataclass(frozen=True)
class Leg:
    """The journey of allocated units: packed at the source by, and arrived by."""

    dispatch_by: datetime
    arrives_at: datetime
    departure: datetime | None = None  # the shuttle run they travel on
    route: ShuttleRoute | None = None


def leg(source: Location, transport: Transport, destination: Destination, now: datetime,
        route: ShuttleRoute | None = None) -> Leg:
    """How units at `source` travel to the destination. Shuttle legs look the route up
    unless the caller already loaded it (`delivery_options` loads all of them at once)."""
    match transport:
        case Transport.SAME_STORE if destination.store is not None:
            picked_by = ready_after_work(source, now, picking_sla())
            return Leg(picked_by, picked_by)
        case Transport.SAME_STORE:  # the store ships it to the customer
            picked_by = ready_after_work(source, now, picking_sla())
            return Leg(picked_by, picked_by + CARRIER_DELIVERY)
        case Transport.SHUTTLE:
            if route is None:
                route = db.session.scalar(select(ShuttleRoute).filter_by(
                    origin_id=source.id, destination_id=destination.store.id, active=True))
            return _shuttle_leg(source, route, now)
        case Transport.WAREHOUSE:
            return Leg(now, now + CARRIER_DELIVERY)
        case Transport.DROPSHIP:
            return Leg(now, now + timedelta(days=source.lead_time_days))


def _shuttle_leg(origin: Location, route: ShuttleRoute | None, now: datetime) -> Leg:
    """Picked at the origin during its hours, sealed before the cut-off, on the next run."""
    picked_by = ready_after_work(origin, now, picking_sla())
    departure = next_departure(route, picked_by) if route else None
    if departure is None:
        return Leg(picked_by, now + NO_SHUTTLE_ROUTE_DELAY)
    return Leg(departure - timedelta(minutes=route.cutoff_minutes),
               departure + timedelta(minutes=route.transit_minutes), departure, route)


def ready_at_store(store: Location, source_id: int, arrives_at: datetime) -> datetime:
    """Units from elsewhere are checked in and isolated, during opening hours, after arrival."""
    if source_id == store.id:
        return arrives_at
    return ready_after_work(store, arrives_at, picking_sla())


def promise(destination: Destination, allocations: list[Allocation]) -> datetime:
    """Ready at the pickup store, or delivered to the customer, when the last units are."""
    store = destination.store
    if store is None:
        return max(as_utc(allocation.expected_at) for allocation in allocations)
    # Dates read back from SQLite are naive UTC.
    return max(ready_at_store(store, a.location_id, as_utc(a.expected_at)) for a in allocations)


# --- delivery options ------------------------------------------------------------------


class OptionMethod(StrEnum):
    """How the customer gets the product."""

    PICKUP = "pickup"  # collected in the chosen store
    SHIP_FROM_STORE = "ship_from_store"  # a store ships it to the customer
    HOME = "home"  # a warehouse ships it to the customer
    DROPSHIP = "dropship"  # a supplier sends it to the store or the customer
    MARKETPLACE = "marketplace"  # a third-party seller sends it to the customer


@dataclass(frozen=True)
class DeliveryOption:
    method: OptionMethod
    source: str  # location code, or seller code for the marketplace
    date: datetime  # aware UTC: ready in store, or delivered
    price_cents: int | None  # for the quantity asked; the chain price for own stock
    explanation: str
    store: str | None = None  # where the customer collects, for pickup and dropship to a store
    distance_km: float | None = None  # from the store or the customer to the source
    transport: Transport | None = None
    departure: datetime | None = None  # the shuttle run, when one carries the units
    offer_id: int | None = None


def delivery_options(product: Product, quantity: int = 1, *, store: Location | None = None,
                     latitude: float | None = None, longitude: float | None = None,
                     now: datetime | None = None) -> list[DeliveryOption]:
    """Every way to get `quantity` units to the customer, by date then price.

    With a store: pickup there from each location with web ATP (the store itself, others
    by shuttle, warehouses by carrier, suppliers by dropship). Always: shipping from a
    store, home delivery from a warehouse, dropship, and marketplace offers in stock.
    Four queries, however many locations and offers.
    """
    now = now or utcnow()
    point = (latitude, longitude) if latitude is not None and longitude is not None else (
        (store.latitude, store.longitude) if store is not None else None)
    context = _Context(product, quantity, store, point, now,
                       ZoneInfo(store.timezone if store else DEFAULT_TIMEZONE))
    routes = _routes_to(store)
    options = []
    for location, available in _sources_with_web_atp(product):
        if available < quantity:
            continue
        if store is not None and location.kind != LocationKind.SUPPLIER:
            options.append(context.pickup(location, routes.get(location.id)))
        if location.kind == LocationKind.SUPPLIER:
            options.append(context.dropship(location))
        elif location.is_store and location.does_ship_from_store:
            options.append(context.shipped(location, OptionMethod.SHIP_FROM_STORE))
        elif location.kind == LocationKind.WAREHOUSE:
            options.append(context.shipped(location, OptionMethod.HOME))
    options += [context.marketplace(offer) for offer in _offers_in_stock(product, quantity)]
    return sorted(options, key=lambda o: (o.date, o.price_cents is None, o.price_cents or 0,
                                          o.distance_km or 0, o.source))


def _sources_with_web_atp(product: Product) -> list[tuple[Location, int]]:
    rows = db.session.execute(
        select(StockLevel, Location).join(StockLevel.location)
        .where(StockLevel.product_id == product.id, StockLevel.on_hand > StockLevel.allocated,
               Location.active.is_(True))
        .order_by(Location.code)
    ).all()
    buffers = BufferTable(Channel.WEB, [product])
    return [(location, atp(level, buffers.quantity(location.id, product)))
            for level, location in rows]


def _routes_to(store: Location | None) -> dict[int, ShuttleRoute]:
    if store is None:
        return {}
    routes = db.session.scalars(
        select(ShuttleRoute).where(ShuttleRoute.destination_id == store.id,
                                   ShuttleRoute.active.is_(True))
    )
    return {route.origin_id: route for route in routes}


def _offers_in_stock(product: Product, quantity: int) -> list[Offer]:
    return list(db.session.scalars(
        select(Offer).join(Offer.seller).options(contains_eager(Offer.seller))
        .where(Offer.product_id == product.id, Offer.stock >= quantity)
    ))


@dataclass(frozen=True)
class _Context:
    """What every option of one request shares, and how each kind is dated and worded."""

    product: Product
    quantity: int
    store: Location | None
    point: tuple[float, float] | None
    now: datetime
    zone: ZoneInfo

    @property
    def chain_price(self) -> int:
        return self.product.price_cents * self.quantity

    def distance(self, latitude: float, longitude: float) -> float | None:
        if self.point is None:
            return None
        return round(haversine_km(*self.point, latitude, longitude), 1)

    def when(self, moment: datetime) -> str:
        """'today 18:00', 'tomorrow 10:00' or 'Thu 12 Mar 10:00', in the store's time."""
        local = moment.astimezone(self.zone)
        clock = local.strftime("%H:%M")
        days = (local.date() - self.now.astimezone(self.zone).date()).days
        if days == 0:
            return _("today %(time)s", time=clock)
        if days == 1:
            return _("tomorrow %(time)s", time=clock)
        return _("%(day)s %(time)s", day=format_date(local.date(), "EEE d MMM"), time=clock)

    def clock(self, moment: datetime, zone: str) -> str:
        return moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")

    def pickup(self, source: Location, route: ShuttleRoute | None) -> DeliveryOption:
        store = self.store
        transport = _transport_to_store(source, store)
        journey = leg(source, transport, Destination.pickup_store(DeliveryMethod.PICKUP, store),
                      self.now, route)
        ready = ready_at_store(store, source.id, journey.arrives_at)
        facts = dict(store=store.code, when=self.when(ready), source=source.code)
        if transport == Transport.SAME_STORE:
            hours = picking_sla().total_seconds() / 3600
            text = _("ready at %(store)s %(when)s: in stock here, %(hours)g h picking",
                     hours=hours, **facts)
        elif journey.departure is not None:
            text = _("ready at %(store)s %(when)s via the %(departure)s %(source)s shuttle "
                     "(cut-off %(cutoff)s)",
                     departure=self.clock(journey.departure, source.timezone),
                     cutoff=self.clock(journey.dispatch_by, source.timezone), **facts)
        elif transport == Transport.SHUTTLE:
            text = _("ready at %(store)s %(when)s: no shuttle from %(source)s, a day's transfer",
                     **facts)
        else:
            text = ngettext("ready at %(store)s %(when)s: from warehouse %(source)s, "
                            "%(num)d day by carrier",
                            "ready at %(store)s %(when)s: from warehouse %(source)s, "
                            "%(num)d days by carrier", CARRIER_DELIVERY.days, **facts)
        return DeliveryOption(OptionMethod.PICKUP, source.code, ready, self.chain_price, text,
                              store.code, self.distance(source.latitude, source.longitude),
                              transport, journey.departure)

    def shipped(self, source: Location, method: OptionMethod) -> DeliveryOption:
        transport = Transport.SAME_STORE if method == OptionMethod.SHIP_FROM_STORE \
            else Transport.WAREHOUSE
        delivered = leg(source, transport, _address(method), self.now).arrives_at
        facts = dict(when=self.when(delivered), source=source.code)
        if method == OptionMethod.SHIP_FROM_STORE:
            text = ngettext("delivered %(when)s: picked at %(source)s, %(num)d day by carrier",
                            "delivered %(when)s: picked at %(source)s, %(num)d days by carrier",
                            CARRIER_DELIVERY.days, **facts)
        else:
            text = ngettext("delivered %(when)s: from warehouse %(source)s, %(num)d day by "
                            "carrier", "delivered %(when)s: from warehouse %(source)s, "
                            "%(num)d days by carrier", CARRIER_DELIVERY.days, **facts)
        return DeliveryOption(method, source.code, delivered, self.chain_price, text, None,
                              self.distance(source.latitude, source.longitude), transport)

    def dropship(self, supplier: Location) -> DeliveryOption:
        arrives = leg(supplier, Transport.DROPSHIP, _address(OptionMethod.HOME),
                      self.now).arrives_at
        facts = dict(source=supplier.code)
        if self.store is not None:
            date = ready_at_store(self.store, supplier.id, arrives)
            text = ngettext("ready at %(store)s %(when)s: supplier %(source)s dropships in "
                            "%(num)d day", "ready at %(store)s %(when)s: supplier %(source)s "
                            "dropships in %(num)d days", supplier.lead_time_days,
                            store=self.store.code, when=self.when(date), **facts)
        else:
            date = arrives
            text = ngettext("delivered %(when)s: supplier %(source)s dropships in %(num)d day",
                            "delivered %(when)s: supplier %(source)s dropships in %(num)d days",
                            supplier.lead_time_days, when=self.when(date), **facts)
        return DeliveryOption(OptionMethod.DROPSHIP, supplier.code, date, self.chain_price, text,
                              self.store.code if self.store else None,
                              self.distance(supplier.latitude, supplier.longitude),
                              Transport.DROPSHIP)

    def marketplace(self, offer: Offer) -> DeliveryOption:
        delivered = self.now + timedelta(days=offer.lead_time_days)
        total = offer.price_cents * self.quantity + offer.shipping_cents
        difference = self.chain_price - total
        amount = format_currency(abs(difference) / 100, "EUR")
        if difference > 0:
            comparison = _("%(amount)s cheaper", amount=amount)
        elif difference < 0:
            comparison = _("%(amount)s dearer", amount=amount)
        else:
            comparison = _("same price")
        text = ngettext("delivered %(when)s: marketplace seller %(seller)s, %(num)d day, "
                        "%(comparison)s", "delivered %(when)s: marketplace seller %(seller)s, "
                        "%(num)d days, %(comparison)s", offer.lead_time_days,
                        when=self.when(delivered), seller=offer.seller.name,
                        comparison=comparison)
        return DeliveryOption(OptionMethod.MARKETPLACE, offer.seller.code, delivered, total,
                              text, offer_id=offer.id)


def _address(method: OptionMethod) -> Destination:
    """A customer's address: legs to an address do not depend on where it is (v1)."""
    return Destination.address(DeliveryMethod(method), 0.0, 0.0)


def _transport_to_store(source: Location, store: Location) -> Transport:
    if source.id == store.id:
        return Transport.SAME_STORE
    return Transport.SHUTTLE if source.is_store else Transport.WAREHOUSE

