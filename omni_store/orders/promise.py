"""The promise engine: when units can be ready or delivered, and why (DESIGN §4).

Dates are computed in UTC from facts: store opening hours and the picking SLA, shuttle
departures and cut-offs, carrier lead time, supplier and marketplace seller lead times.
`place_order` dates its allocations with `leg` and its order with `promise`;
`delivery_options` lists every way to get a product, best date first, each with the
sentence that explains its date in the customer's store's local time.

At chain scale a product sits in 300 locations: the network comes from this process's
read model (`network/snapshot`, no query per location), a date is worked out once for
all the sources that share it (same opening hours, no shuttle route), and an option's
sentence is written only for the options a caller keeps (`per_method`).
"""
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache, partial
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_currency, format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import bindparam, select

from omni_store.catalog.models import Offer, Product, Seller
from omni_store.core.clock import as_utc, utcnow
from omni_store.extensions import db
from omni_store.inventory.models import Channel, StockLevel
from omni_store.inventory.services import BufferTable
from omni_store.network.geo import haversine_km
from omni_store.network.models import LocationKind
from omni_store.network.snapshot import Network, OpeningSpans, Route, Site, network
from omni_store.network.timetable import SEARCH_DAYS, departure_after
from omni_store.orders.models import Allocation, DeliveryMethod, Transport
from omni_store.orders.sourcing import Destination

CARRIER_DELIVERY = timedelta(days=2)  # v1: any carrier parcel, from a warehouse or a store
NO_SHUTTLE_ROUTE_DELAY = timedelta(days=1)
DEFAULT_TIMEZONE = "Europe/Paris"  # the chain's home; used when no store is involved


def picking_sla() -> timedelta:
    return current_app.config["PICKING_SLA"]


# --- opening hours -------------------------------------------------------------------


def ready_after_work(site: Site, start: datetime, work: timedelta) -> datetime:
    """When `work` started at `start` is done, working only while the location is open.

    Work that would end after closing, or on a closed day, starts at the next opening
    instead. A location without opening hours on file works around the clock.
    """
    if not site.has_hours:
        return start + work
    return _ready_after(site.weekly_hours, site.zone, start, work)


# Locations of a chain share a handful of opening hours: one computation serves them all.
@lru_cache(maxsize=4096)
def _ready_after(weekly_hours: tuple[OpeningSpans, ...], zone: ZoneInfo, start: datetime,
                 work: timedelta) -> datetime:
    first_day = start.astimezone(zone).date()
    for day in (first_day + timedelta(days=n) for n in range(SEARCH_DAYS)):
        for opens, closes in weekly_hours[day.weekday()]:
            opening = datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
            closing = datetime.combine(day, closes, tzinfo=zone).astimezone(UTC)
            begin = max(start, opening)
            if begin + work <= closing:
                return begin + work
    return start + work  # closed a whole week: the date is at least honest about the work


# --- legs and the order's promise ------------------------------------------------------


@dataclass(frozen=True)
class Leg:
    """The journey of allocated units: packed at the source by, and arrived by."""

    dispatch_by: datetime
    arrives_at: datetime
    departure: datetime | None = None  # the shuttle run they travel on
    route: Route | None = None


def leg(source: Site, transport: Transport, destination: Destination, now: datetime,
        net: Network) -> Leg:
    """How units at `source` travel to the destination."""
    match transport:
        case Transport.SAME_STORE if destination.store is not None:
            picked_by = ready_after_work(source, now, picking_sla())
            return Leg(picked_by, picked_by)
        case Transport.SAME_STORE:  # the store ships it to the customer
            picked_by = ready_after_work(source, now, picking_sla())
            return Leg(picked_by, picked_by + CARRIER_DELIVERY)
        case Transport.SHUTTLE:
            return _shuttle_leg(source, net.route(source.id, destination.store.id), now)
        case Transport.WAREHOUSE:
            return Leg(now, now + CARRIER_DELIVERY)
        case Transport.DROPSHIP:
            return Leg(now, now + timedelta(days=source.lead_time_days))


def _shuttle_leg(origin: Site, route: Route | None, now: datetime) -> Leg:
    """Picked at the origin during its hours, sealed before the cut-off, on the next run."""
    picked_by = ready_after_work(origin, now, picking_sla())
    departure = _departure(route, picked_by) if route else None
    if departure is None:
        return Leg(picked_by, now + NO_SHUTTLE_ROUTE_DELAY)
    return Leg(departure - timedelta(minutes=route.cutoff_minutes),
               departure + timedelta(minutes=route.transit_minutes), departure, route)


def _departure(route: Route, ready_at: datetime) -> datetime | None:
    origin = route.origin
    return departure_after(origin.zone, origin.opening_hours, route.departure_times,
                           route.cutoff_minutes, ready_at)


def ready_at_store(store: Site, source_id: int, arrives_at: datetime) -> datetime:
    """Units from elsewhere are checked in and isolated, during opening hours, after arrival."""
    if source_id == store.id:
        return arrives_at
    return ready_after_work(store, arrives_at, picking_sla())


def promise(destination: Destination, allocations: list[Allocation], net: Network) -> datetime:
    """Ready at the pickup store, or delivered to the customer, when the last units are."""
    if destination.store is None:
        return max(as_utc(allocation.expected_at) for allocation in allocations)
    store = net.site(destination.store.id)
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


class _Draft(NamedTuple):
    """An option dated and ranked but not worded yet: most are never shown."""

    date: datetime
    price_cents: int
    distance_km: float
    source: str
    method: OptionMethod
    write: Callable[[], DeliveryOption]

    def rank(self) -> tuple:
        return self.date, self.price_cents, self.distance_km, self.source


def delivery_options(product: Product, quantity: int = 1, *, store=None,
                     latitude: float | None = None, longitude: float | None = None,
                     now: datetime | None = None, per_method: int | None = None,
                     sources: Iterable[int] | None = None,
                     marketplace: bool = True) -> list[DeliveryOption]:
    """Every way to get `quantity` units to the customer, by date then price.

    With a store: pickup there from each location with web ATP (the store itself, others
    by shuttle, warehouses by carrier, suppliers by dropship). Always: shipping from a
    store, home delivery from a warehouse, dropship, and marketplace offers in stock.
    `per_method` keeps the best few of each method; `sources` limits own stock to those
    location ids. Four small queries, however many locations and offers.
    """
    now = now or utcnow()
    net = network()
    here = net.site(store.id) if store is not None else None
    point = (latitude, longitude) if latitude is not None and longitude is not None else None
    context = _Context(product, quantity, here, point, now,
                       here.zone if here else ZoneInfo(DEFAULT_TIMEZONE), net)
    wanted = None if sources is None else set(sources)
    drafts = []
    for site, available in _sources_with_web_atp(product, net):
        if available < quantity or (wanted is not None and site.id not in wanted):
            continue
        if here is not None and site.kind != LocationKind.SUPPLIER:
            drafts.append(context.pickup(site))
        if site.kind == LocationKind.SUPPLIER:
            drafts.append(context.dropship(site))
        elif site.is_store and site.does_ship_from_store:
            drafts.append(context.shipped(site, OptionMethod.SHIP_FROM_STORE))
        elif site.kind == LocationKind.WAREHOUSE:
            drafts.append(context.shipped(site, OptionMethod.HOME))
    if marketplace:
        drafts += [context.marketplace(offer, seller)
                   for offer, seller in offers_in_stock(product, quantity)]
    if per_method is not None:
        drafts = _best_of_each_method(drafts, per_method)
    return [draft.write() for draft in sorted(drafts, key=_Draft.rank)]


def _best_of_each_method(drafts: list[_Draft], keep: int) -> list[_Draft]:
    by_method: dict[OptionMethod, list[_Draft]] = {}
    for draft in drafts:
        by_method.setdefault(draft.method, []).append(draft)
    return [best for group in by_method.values()
            for best in heapq.nsmallest(keep, group, key=_Draft.rank)]


_WEB_LEVELS = (select(StockLevel.location_id, StockLevel.on_hand, StockLevel.allocated)
               .where(StockLevel.product_id == bindparam("product_id"),
                      StockLevel.on_hand > StockLevel.allocated))


def _sources_with_web_atp(product: Product, net: Network) -> list[tuple[Site, int]]:
    buffers = BufferTable(Channel.WEB, [product])
    found = []
    for location_id, on_hand, allocated in db.session.execute(_WEB_LEVELS,
                                                              {"product_id": product.id}):
        site = net.sites[location_id]
        if site.active:
            found.append((site, max(on_hand - allocated - buffers.quantity(location_id, product), 0)))
    return found


def offers_in_stock(product: Product, quantity: int = 1) -> list[tuple[Offer, Seller]]:
    """Marketplace offers with `quantity` units in stock, cheapest total first."""
    return list(db.session.execute(
        select(Offer, Seller).join(Offer.seller)
        .where(Offer.product_id == product.id, Offer.stock >= quantity)
        .order_by(Offer.price_cents + Offer.shipping_cents, Seller.rating.desc(), Offer.id)
    ).all())


@dataclass(frozen=True)
class _Context:
    """What every option of one request shares, and how each kind is dated and worded."""

    product: Product
    quantity: int
    store: Site | None
    point: tuple[float, float] | None  # the customer's, when not the store's
    now: datetime
    zone: ZoneInfo
    net: Network

    @property
    def chain_price(self) -> int:
        return self.product.price_cents * self.quantity

    def distance(self, site: Site) -> float | None:
        if self.point is not None:
            return round(haversine_km(*self.point, site.latitude, site.longitude), 1)
        if self.store is not None:
            return self.net.distance_km(self.store, site)
        return None

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

    @staticmethod
    def clock(moment: datetime, site: Site) -> str:
        return moment.astimezone(site.zone).strftime("%H:%M")

    def _draft(self, method: OptionMethod, date: datetime, price: int, source: str,
               distance: float | None, write: Callable[[], DeliveryOption]) -> _Draft:
        return _Draft(date, price, distance or 0, source, method, write)

    def pickup(self, source: Site) -> _Draft:
        store = self.store
        transport = _transport_to_store(source, store)
        journey = leg(source, transport, Destination.pickup_store(DeliveryMethod.PICKUP, store),
                      self.now, self.net)
        ready = ready_at_store(store, source.id, journey.arrives_at)
        distance = self.distance(source)
        return self._draft(OptionMethod.PICKUP, ready, self.chain_price, source.code, distance,
                           partial(self._write_pickup, source, transport, journey, ready, distance))

    def _write_pickup(self, source: Site, transport: Transport, journey: Leg, ready: datetime,
                      distance: float | None) -> DeliveryOption:
        store = self.store
        facts = dict(store=store.code, when=self.when(ready), source=source.code)
        if transport == Transport.SAME_STORE:
            hours = picking_sla().total_seconds() / 3600
            text = _("ready at %(store)s %(when)s: in stock here, %(hours)g h picking",
                     hours=hours, **facts)
        elif journey.departure is not None:
            text = _("ready at %(store)s %(when)s via the %(departure)s %(source)s shuttle "
                     "(cut-off %(cutoff)s)",
                     departure=self.clock(journey.departure, source),
                     cutoff=self.clock(journey.dispatch_by, source), **facts)
        elif transport == Transport.SHUTTLE:
            text = _("ready at %(store)s %(when)s: no shuttle from %(source)s, a day's transfer",
                     **facts)
        else:
            text = ngettext("ready at %(store)s %(when)s: from warehouse %(source)s, "
                            "%(num)d day by carrier",
                            "ready at %(store)s %(when)s: from warehouse %(source)s, "
                            "%(num)d days by carrier", CARRIER_DELIVERY.days, **facts)
        return DeliveryOption(OptionMethod.PICKUP, source.code, ready, self.chain_price, text,
                              store.code, distance, transport, journey.departure)

    def shipped(self, source: Site, method: OptionMethod) -> _Draft:
        transport = Transport.SAME_STORE if method == OptionMethod.SHIP_FROM_STORE \
            else Transport.WAREHOUSE
        delivered = leg(source, transport, _address(method), self.now, self.net).arrives_at
        distance = self.distance(source)
        return self._draft(method, delivered, self.chain_price, source.code, distance,
                           partial(self._write_shipped, source, method, transport, delivered,
                                   distance))

    def _write_shipped(self, source: Site, method: OptionMethod, transport: Transport,
                       delivered: datetime, distance: float | None) -> DeliveryOption:
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
                              distance, transport)

    def dropship(self, supplier: Site) -> _Draft:
        arrives = leg(supplier, Transport.DROPSHIP, _address(OptionMethod.HOME), self.now,
                      self.net).arrives_at
        date = ready_at_store(self.store, supplier.id, arrives) if self.store else arrives
        distance = self.distance(supplier)
        return self._draft(OptionMethod.DROPSHIP, date, self.chain_price, supplier.code, distance,
                           partial(self._write_dropship, supplier, date, distance))

    def _write_dropship(self, supplier: Site, date: datetime,
                        distance: float | None) -> DeliveryOption:
        facts = dict(source=supplier.code, when=self.when(date))
        if self.store is not None:
            text = ngettext("ready at %(store)s %(when)s: supplier %(source)s dropships in "
                            "%(num)d day", "ready at %(store)s %(when)s: supplier %(source)s "
                            "dropships in %(num)d days", supplier.lead_time_days,
                            store=self.store.code, **facts)
        else:
            text = ngettext("delivered %(when)s: supplier %(source)s dropships in %(num)d day",
                            "delivered %(when)s: supplier %(source)s dropships in %(num)d days",
                            supplier.lead_time_days, **facts)
        return DeliveryOption(OptionMethod.DROPSHIP, supplier.code, date, self.chain_price, text,
                              self.store.code if self.store else None, distance,
                              Transport.DROPSHIP)

    def marketplace(self, offer: Offer, seller: Seller) -> _Draft:
        delivered = self.now + timedelta(days=offer.lead_time_days)
        total = offer.price_cents * self.quantity + offer.shipping_cents
        return self._draft(OptionMethod.MARKETPLACE, delivered, total, seller.code, None,
                           partial(self._write_marketplace, offer, seller, delivered, total))

    def _write_marketplace(self, offer: Offer, seller: Seller, delivered: datetime,
                           total: int) -> DeliveryOption:
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
                        when=self.when(delivered), seller=seller.name, comparison=comparison)
        return DeliveryOption(OptionMethod.MARKETPLACE, seller.code, delivered, total,
                              text, offer_id=offer.id)


def _address(method: OptionMethod) -> Destination:
    """A customer's address: legs to an address do not depend on where it is (v1)."""
    return Destination.address(DeliveryMethod(method), 0.0, 0.0)


def _transport_to_store(source: Site, store: Site) -> Transport:
    if source.id == store.id:
        return Transport.SAME_STORE
    return Transport.SHUTTLE if source.is_store else Transport.WAREHOUSE
