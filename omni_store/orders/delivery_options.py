"""Delivery options: every way to get a product, best date first, each with the sentence
that explains its date in the customer's store's local time (DESIGN §4).

Dated by the promise engine's rules (orders.promise). At chain scale a product sits in 300
locations: the network comes from this process's read model (`network/snapshot`, no query
per location), a date is worked out once for all the sources that share it (same opening
hours, no shuttle route), and an option's sentence is written only for the options a
caller keeps (`per_method`).
"""
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select

from omni_store.catalog.models import Product
from omni_store.catalog.read_models import OfferFacts, SellerFacts, offers_in_stock
from omni_store.core.clock import utcnow
from omni_store.core.i18n import Phrasebook, phrasebook
from omni_store.extensions import db
from omni_store.inventory.models import Channel, StockLevel
from omni_store.inventory.services import buffers_of
from omni_store.network.geo import haversine_km
from omni_store.network.models import LocationKind
from omni_store.network.snapshot import Network, Route, Site, network
from omni_store.orders.models import DeliveryMethod, Transport
from omni_store.orders.promise import CARRIER_DELIVERY, Leg, leg, picking_sla, ready_at_store
from omni_store.orders.sourcing import Destination

DEFAULT_TIMEZONE = "Europe/Paris"  # the chain's home; used when no store is involved


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
    distance_km: float | None
    source: str
    method: OptionMethod
    subject: object  # the source Site, or the (offer, seller) of the marketplace
    journey: "Leg | None"

    def rank(self) -> tuple:
        return self.date, self.price_cents, self.distance_km or 0, self.source


def delivery_options(product: Product, quantity: int = 1, *, store=None,
                     latitude: float | None = None, longitude: float | None = None,
                     now: datetime | None = None, per_method: int | None = None,
                     marketplace: bool = True) -> list[DeliveryOption]:
    """Every way to get `quantity` units to the customer, by date then price.

    With a store: pickup there from each location with web ATP (the store itself, others
    by shuttle, warehouses by carrier, suppliers by dropship). Always: shipping from a
    store, home delivery from a warehouse, dropship, and marketplace offers in stock.
    `per_method` keeps the best few of each method. Five small queries, however many
    locations and offers.
    """
    net = network()
    offers = offers_in_stock(product.id, quantity) if marketplace else []
    return options_from(product, quantity, sources_with_web_atp(product, net), offers, net,
                        store=store, latitude=latitude, longitude=longitude, now=now,
                        per_method=per_method)


def options_from(product: Product, quantity: int, sources: Iterable[tuple[Site, int]],
                 offers: Iterable[tuple[OfferFacts, SellerFacts]], net: Network, *, store=None,
                 latitude: float | None = None, longitude: float | None = None,
                 now: datetime | None = None, per_method: int | None = None
                 ) -> list[DeliveryOption]:
    """`delivery_options` from sources (site, web ATP) and offers a caller already read.

    Sources are visited nearest first. Those of the same way (method, route, opening hours)
    share one date and one price, so only the nearest `per_method` of each way can be among
    the best of their method: the rest are skipped without being dated or ranked.
    """
    now = now or utcnow()
    here = net.site(store.id) if store is not None else None
    point = (latitude, longitude) if latitude is not None and longitude is not None else None
    context = _Context(product, quantity, here, now,
                       here.zone if here else ZoneInfo(DEFAULT_TIMEZONE), net)
    available = {site.id: units for site, units in sources if units >= quantity}
    cap = per_method if per_method is not None else len(available) + 1
    drafted: dict[tuple, int] = {}
    drafts = []
    for way in _ways(net, here, point, available):
        if way.site.id not in available:
            continue
        for key, draft in ((way.pickup_key, context.pickup), (way.other_key, context.other)):
            if key is not None and drafted.get(key, 0) < cap:
                drafted[key] = drafted.get(key, 0) + 1
                drafts.append(draft(way))
    drafts += [context.marketplace(offer, seller) for offer, seller in offers
               if offer.stock >= quantity]
    if per_method is not None:
        drafts = _best_of_each_method(drafts, per_method)
    return [context.write(draft) for draft in sorted(drafts, key=_Draft.rank)]


def nearest_first(net: Network, store: Site | None, point: tuple[float, float] | None,
                  site_ids: Iterable[int]) -> list[tuple[Site, float | None]]:
    """These sites with their distance from the store or the point, nearest first (by code
    when neither is known)."""
    wanted = set(site_ids)
    return [(way.site, way.distance_km) for way in _ways(net, store, point, wanted)
            if way.site.id in wanted]


class _Way(NamedTuple):
    """How one source gets units to the customer, as far as the network alone tells."""

    site: Site
    distance_km: float | None
    pickup_key: tuple | None  # its pickup way to the store; None without a store, or a supplier
    transport: Transport | None  # of the pickup way
    route: Route | None
    other_key: tuple | None  # dropship, shipped from the store, or home from a warehouse
    other: OptionMethod | None


def _ways(net: Network, store: Site | None, point: tuple[float, float] | None,
          sources: Iterable[int]) -> list[_Way]:
    """The sources' ways, nearest first. Towards a store they depend on the network only,
    so each store's list is worked out once per process and network."""
    if store is not None and point is None:
        return net.derived(("ways to", store.id), lambda: _ways_of(
            net, store, lambda site: net.distance_km(store, site),
            [site for site in net.sites.values() if site.active]))
    if point is not None:
        return _ways_of(net, store, lambda site: round(haversine_km(
            *point, site.latitude, site.longitude), 1), [net.site(i) for i in sources])
    return _ways_of(net, None, lambda _site: None, [net.site(i) for i in sources])


def _ways_of(net: Network, store: Site | None, distance: Callable[[Site], float | None],
             sites: list[Site]) -> list[_Way]:
    ways = []
    for site in sites:
        pickup_key = transport = route = None
        if store is not None and site.kind != LocationKind.SUPPLIER:
            transport = _transport_to_store(site, store)
            route = net.route(site.id, store.id) if transport == Transport.SHUTTLE else None
            pickup_key = (OptionMethod.PICKUP, transport, route and route.id,
                          site.hours_key if transport != Transport.WAREHOUSE else None)
        if site.kind == LocationKind.SUPPLIER:
            other, other_key = OptionMethod.DROPSHIP, (OptionMethod.DROPSHIP, site.lead_time_days)
        elif site.is_store and site.does_ship_from_store:
            other = OptionMethod.SHIP_FROM_STORE
            other_key = (other, site.hours_key)
        elif site.kind == LocationKind.WAREHOUSE:
            other, other_key = OptionMethod.HOME, (OptionMethod.HOME,)
        else:
            other = other_key = None
        ways.append(_Way(site, distance(site), pickup_key, transport, route, other_key, other))
    ways.sort(key=lambda way: (way.distance_km or 0, way.site.code))
    return ways


def _best_of_each_method(drafts: list[_Draft], keep: int) -> list[_Draft]:
    by_method: dict[OptionMethod, list[_Draft]] = {}
    for draft in drafts:
        by_method.setdefault(draft.method, []).append(draft)
    return [best for group in by_method.values()
            for best in heapq.nsmallest(keep, group, key=_Draft.rank)]


# Table columns, not ORM attributes: plain rows, without the ORM's per-row machinery.
_levels = StockLevel.__table__.c
_LEVELS_OF_PRODUCT = (select(_levels.location_id, _levels.on_hand, _levels.allocated)
                      .where(_levels.product_id == bindparam("product_id"), _levels.on_hand > 0))


def levels_held(product: Product) -> tuple[tuple[int, int, int], ...]:
    """(location id, on hand, allocated) wherever the product is on hand: one query."""
    # Plain tuples: a memo compares them, and a Row compares in Python, a tuple in C.
    return tuple(map(tuple, db.session.execute(_LEVELS_OF_PRODUCT, {"product_id": product.id})))


def web_levels(product: Product, net: Network,
               levels: Iterable[tuple[int, int, int]] | None = None) -> list[tuple[Site, int, int]]:
    """(site, on hand, web ATP) of each active location holding the product."""
    chain_wide, per_location = buffers_of(Channel.WEB, product)
    buffer_at = per_location.get
    sites = net.sites
    found = []
    for location_id, on_hand, allocated in levels_held(product) if levels is None else levels:
        site = sites[location_id]
        if site.active:
            web_atp = on_hand - allocated - buffer_at(location_id, chain_wide)
            found.append((site, on_hand, web_atp if web_atp > 0 else 0))
    return found


def sources_with_web_atp(product: Product, net: Network) -> list[tuple[Site, int]]:
    return [(site, web_atp) for site, _on_hand, web_atp in web_levels(product, net) if web_atp]


@dataclass(frozen=True)
class _Context:
    """What every option of one request shares, and how each kind is dated and worded."""

    product: Product
    quantity: int
    store: Site | None
    now: datetime
    zone: ZoneInfo
    net: Network
    words: Phrasebook = field(default_factory=phrasebook)
    sla: timedelta = field(default_factory=picking_sla)
    _said: dict[datetime, str] = field(default_factory=dict)  # `when`, once per moment
    _journeys: dict[tuple, tuple[Leg, datetime]] = field(default_factory=dict)

    @property
    def chain_price(self) -> int:
        return self.product.price_cents * self.quantity

    def when(self, moment: datetime) -> str:
        """'today 18:00', 'tomorrow 10:00' or 'Thu 12 Mar 10:00', in the store's time."""
        if (said := self._said.get(moment)) is None:
            said = self._said[moment] = self._when(moment)
        return said

    def _when(self, moment: datetime) -> str:
        _ = self.words.gettext
        local = moment.astimezone(self.zone)
        clock = local.strftime("%H:%M")
        days = (local.date() - self.now.astimezone(self.zone).date()).days
        if days == 0:
            return _("today %(time)s", time=clock)
        if days == 1:
            return _("tomorrow %(time)s", time=clock)
        return _("%(day)s %(time)s", day=self.words.format_date(local.date(), "EEE d MMM"),
                 time=clock)

    @staticmethod
    def clock(moment: datetime, site: Site) -> str:
        return moment.astimezone(site.zone).strftime("%H:%M")

    @cached_property
    def _at_store(self) -> Destination:
        return Destination.pickup_store(DeliveryMethod.PICKUP, self.store)

    def _dated(self, key: tuple, work_out: Callable[[], tuple[Leg, datetime]]) -> tuple[Leg, datetime]:
        """Sources of the same kind, route and opening hours share their journey and date."""
        if (known := self._journeys.get(key)) is None:
            known = self._journeys[key] = work_out()
        return known

    def pickup(self, way: _Way) -> _Draft:
        store, source = self.store, way.site

        def work_out():
            journey = leg(source, way.transport, self._at_store, self.now, self.net)
            return journey, ready_at_store(store, source.id, journey.arrives_at)

        journey, ready = self._dated(way.pickup_key, work_out)
        return _Draft(ready, self.chain_price, way.distance_km, source.code, OptionMethod.PICKUP,
                      source, journey)

    def other(self, way: _Way) -> _Draft:
        """Dropship, or shipped to the customer from a store or a warehouse."""
        source, method = way.site, way.other
        if method == OptionMethod.DROPSHIP:
            transport, destination = Transport.DROPSHIP, _address(OptionMethod.HOME)
        elif method == OptionMethod.SHIP_FROM_STORE:
            transport, destination = Transport.SAME_STORE, _address(method)
        else:
            transport, destination = Transport.WAREHOUSE, _address(method)

        def work_out():
            journey = leg(source, transport, destination, self.now, self.net)
            arrives = journey.arrives_at
            if method == OptionMethod.DROPSHIP and self.store is not None:
                return journey, ready_at_store(self.store, source.id, arrives)
            return journey, arrives

        journey, date = self._dated(way.other_key, work_out)
        return _Draft(date, self.chain_price, way.distance_km, source.code, method, source,
                      journey)

    def marketplace(self, offer: OfferFacts, seller: SellerFacts) -> _Draft:
        delivered = self.now + timedelta(days=offer.lead_time_days)
        total = offer.price_cents * self.quantity + offer.shipping_cents
        return _Draft(delivered, total, None, seller.code, OptionMethod.MARKETPLACE,
                      (offer, seller), None)

    def write(self, draft: _Draft) -> DeliveryOption:
        """The option in words, in the store's time (or the chain's)."""
        match draft.method:
            case OptionMethod.PICKUP:
                return self._write_pickup(draft)
            case OptionMethod.SHIP_FROM_STORE | OptionMethod.HOME:
                return self._write_shipped(draft)
            case OptionMethod.DROPSHIP:
                return self._write_dropship(draft)
            case OptionMethod.MARKETPLACE:
                return self._write_marketplace(draft)

    def _write_pickup(self, draft: _Draft) -> DeliveryOption:
        _, ngettext = self.words.gettext, self.words.ngettext
        store, source, journey = self.store, draft.subject, draft.journey
        transport = _transport_to_store(source, store)
        facts = dict(store=store.code, when=self.when(draft.date), source=source.code)
        if transport == Transport.SAME_STORE:
            hours = self.sla.total_seconds() / 3600
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
        return DeliveryOption(OptionMethod.PICKUP, source.code, draft.date, draft.price_cents,
                              text, store.code, draft.distance_km, transport, journey.departure)

    def _write_shipped(self, draft: _Draft) -> DeliveryOption:
        ngettext = self.words.ngettext
        method, source = draft.method, draft.subject
        facts = dict(when=self.when(draft.date), source=source.code)
        if method == OptionMethod.SHIP_FROM_STORE:
            transport = Transport.SAME_STORE
            text = ngettext("delivered %(when)s: picked at %(source)s, %(num)d day by carrier",
                            "delivered %(when)s: picked at %(source)s, %(num)d days by carrier",
                            CARRIER_DELIVERY.days, **facts)
        else:
            transport = Transport.WAREHOUSE
            text = ngettext("delivered %(when)s: from warehouse %(source)s, %(num)d day by "
                            "carrier", "delivered %(when)s: from warehouse %(source)s, "
                            "%(num)d days by carrier", CARRIER_DELIVERY.days, **facts)
        return DeliveryOption(method, source.code, draft.date, draft.price_cents, text, None,
                              draft.distance_km, transport)

    def _write_dropship(self, draft: _Draft) -> DeliveryOption:
        ngettext = self.words.ngettext
        supplier = draft.subject
        facts = dict(source=supplier.code, when=self.when(draft.date))
        if self.store is not None:
            text = ngettext("ready at %(store)s %(when)s: supplier %(source)s dropships in "
                            "%(num)d day", "ready at %(store)s %(when)s: supplier %(source)s "
                            "dropships in %(num)d days", supplier.lead_time_days,
                            store=self.store.code, **facts)
        else:
            text = ngettext("delivered %(when)s: supplier %(source)s dropships in %(num)d day",
                            "delivered %(when)s: supplier %(source)s dropships in %(num)d days",
                            supplier.lead_time_days, **facts)
        return DeliveryOption(OptionMethod.DROPSHIP, supplier.code, draft.date, draft.price_cents,
                              text, self.store.code if self.store else None, draft.distance_km,
                              Transport.DROPSHIP)

    def _write_marketplace(self, draft: _Draft) -> DeliveryOption:
        _, ngettext = self.words.gettext, self.words.ngettext
        offer, seller = draft.subject
        difference = self.chain_price - draft.price_cents
        amount = self.words.format_currency(abs(difference) / 100, "EUR")
        if difference > 0:
            comparison = _("%(amount)s cheaper", amount=amount)
        elif difference < 0:
            comparison = _("%(amount)s dearer", amount=amount)
        else:
            comparison = _("same price")
        text = ngettext("delivered %(when)s: marketplace seller %(seller)s, %(num)d day, "
                        "%(comparison)s", "delivered %(when)s: marketplace seller %(seller)s, "
                        "%(num)d days, %(comparison)s", offer.lead_time_days,
                        when=self.when(draft.date), seller=seller.name, comparison=comparison)
        return DeliveryOption(OptionMethod.MARKETPLACE, seller.code, draft.date, draft.price_cents,
                              text, offer_id=offer.id)


def _address(method: OptionMethod) -> Destination:
    """A customer's address: legs to an address do not depend on where it is (v1)."""
    return Destination.address(DeliveryMethod(method), 0.0, 0.0)


def _transport_to_store(source: Site, store: Site) -> Transport:
    if source.id == store.id:
        return Transport.SAME_STORE
    return Transport.SHUTTLE if source.is_store else Transport.WAREHOUSE
