"""Sourcing: which locations feed an order line, and why (DESIGN §4).

Candidates are facts: where the product is, how many units are available to the order's
channel, how far away, how they would travel. A rule set ranks them and puts the
choice into words; `plan_line` applies the ranking, preferring one source over a split.
A new rule set (weights, carbon, overstock, ship capacity) plugs into `plan_line`
without touching the order intake.
"""
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from omni_store.catalog.models import Product
from omni_store.core.clock import local, utcnow
from omni_store.extensions import db
from omni_store.inventory.models import Channel, StockLevel
from omni_store.inventory.services import buffers_of
from omni_store.network.geo import haversine_km
from omni_store.network.models import Location, LocationKind
from omni_store.network.snapshot import Site, network
from omni_store.orders.models import DeliveryMethod, Transport


@dataclass(frozen=True)
class Destination:
    """Where a line must end up: a pickup store, or the customer's address."""

    method: DeliveryMethod
    latitude: float
    longitude: float
    store: Location | None = None  # the store that hands the order over

    @classmethod
    def pickup_store(cls, method: DeliveryMethod, store: Location) -> "Destination":
        return cls(method, store.latitude, store.longitude, store)

    @classmethod
    def address(cls, method: DeliveryMethod, latitude: float, longitude: float) -> "Destination":
        return cls(method, latitude, longitude)


@dataclass(frozen=True)
class Candidate:
    """A location that could send units of the line's product."""

    location: Site
    atp: int  # available to promise to the order's channel
    distance_km: float  # from the pickup store or the customer
    transport: Transport
    zone_id: int | None = None  # where the product lives in the location
    on_hand: int = 0  # physical units, for the overstock (cover) rule
    buffer: int = 0  # units kept back here from the order's channel


@dataclass(frozen=True)
class LineNeed:
    product: Product
    quantity: int
    destination: Destination
    channel: Channel


class Choice(StrEnum):
    """Why `plan_line` took a source; rule sets turn it into words."""

    FIRST = "first"  # the best-ranked source, and it has the whole quantity
    COVERS_ALL = "covers_all"  # better-ranked sources have too few; this one has it all
    SPLIT = "split"  # no single source has enough: one part of several


# Candidates in tiers, best first within each: a later tier is used only when the
# earlier ones together cannot cover the line.
Ranking = list[list[Candidate]]


class SourcingRules(Protocol):
    def rank(self, candidates: Sequence[Candidate], need: LineNeed) -> Ranking: ...

    def explain(self, candidate: Candidate, quantity: int, choice: Choice, need: LineNeed,
                ranking: Ranking) -> str: ...


@dataclass(frozen=True)
class SourcedQuantity:
    candidate: Candidate
    quantity: int
    explanation: str


class NearestFirstRules:
    """Sourcing v1: the pickup store, then stores and warehouses nearest first, then
    suppliers (shortest lead time first) when stores and warehouses cannot cover."""

    def rank(self, candidates: Sequence[Candidate], need: LineNeed) -> Ranking:
        own_stock = [c for c in candidates if c.transport != Transport.DROPSHIP]
        suppliers = [c for c in candidates if c.transport == Transport.DROPSHIP]
        return [
            sorted(own_stock, key=lambda c: (not self._is_pickup_store(c, need), c.distance_km,
                                             c.location.code)),
            sorted(suppliers, key=lambda c: (c.location.lead_time_days, c.distance_km,
                                             c.location.code)),
        ]

    def explain(self, candidate: Candidate, quantity: int, choice: Choice, need: LineNeed,
                ranking: Ranking) -> str:
        source = self._describe_source(candidate, need)
        reason = self._reason(candidate, quantity, choice, need, ranking)
        return _("%(source)s (%(reason)s)", source=source, reason=reason) if reason else source

    @staticmethod
    def _is_pickup_store(candidate: Candidate, need: LineNeed) -> bool:
        store = need.destination.store
        return store is not None and candidate.location.id == store.id

    def _describe_source(self, candidate: Candidate, need: LineNeed) -> str:
        location, store = candidate.location, need.destination.store
        if candidate.transport == Transport.DROPSHIP:
            return ngettext("%(code)s: supplier dropship, lead time %(num)d day",
                            "%(code)s: supplier dropship, lead time %(num)d days",
                            location.lead_time_days, code=location.code)
        facts = {"code": location.code, "km": candidate.distance_km, "available": candidate.atp}
        if self._is_pickup_store(candidate, need):
            return _("%(code)s: pickup store, %(available)d available", **facts)
        if candidate.transport == Transport.SHUTTLE:
            return _("%(code)s: %(km).1f km from %(store)s, by shuttle, %(available)d available",
                     store=store.code, **facts)
        if candidate.transport == Transport.WAREHOUSE and store is not None:
            return _("%(code)s: warehouse %(km).1f km from %(store)s, %(available)d available",
                     store=store.code, **facts)
        if candidate.transport == Transport.WAREHOUSE:
            return _("%(code)s: warehouse %(km).1f km from the customer, %(available)d available",
                     **facts)
        return _("%(code)s: %(km).1f km from the customer, ships from the store, "
                 "%(available)d available", **facts)

    def _reason(self, candidate: Candidate, quantity: int, choice: Choice, need: LineNeed,
                ranking: Ranking) -> str:
        own_stock = ranking[0]
        if candidate.transport == Transport.DROPSHIP:
            return (_("stores and warehouses have too few") if own_stock
                    else _("no store or warehouse has it"))
        if choice == Choice.SPLIT:
            return _("%(part)d of %(quantity)d: no single source has them all",
                     part=quantity, quantity=need.quantity)
        if self._is_pickup_store(candidate, need):
            return ""  # the obvious choice needs no reason
        if choice == Choice.COVERS_ALL:
            return _("nearest with all %(quantity)d", quantity=need.quantity)
        return _("nearest with stock")


NEAREST_FIRST = NearestFirstRules()


def find_candidates(need: LineNeed) -> list[Candidate]:
    """Every active location able to send the product to the destination, with its ATP.

    One query and the network and buffers read models, however many locations hold it."""
    net = network()
    levels = db.session.execute(
        select(StockLevel.location_id, StockLevel.on_hand, StockLevel.allocated, StockLevel.zone_id)
        .where(StockLevel.product_id == need.product.id, StockLevel.on_hand > StockLevel.allocated)
    ).all()
    chain_wide, per_location = buffers_of(need.channel, need.product)
    candidates = []
    for location_id, on_hand, allocated, zone_id in levels:
        site = net.site(location_id)
        transport = _transport(site, need.destination) if site.active else None
        buffer = per_location.get(location_id, chain_wide)
        available = max(on_hand - allocated - buffer, 0)
        if transport is None or available == 0:
            continue
        distance = haversine_km(need.destination.latitude, need.destination.longitude,
                                site.latitude, site.longitude)
        candidates.append(Candidate(site, available, round(distance, 2), transport, zone_id, on_hand,
                                    buffer))
    return candidates


def _transport(location: Site, destination: Destination) -> Transport | None:
    """How units at `location` would reach the destination; None if they cannot."""
    ship_from_store_only = destination.method == DeliveryMethod.SHIP_FROM_STORE
    if location.kind == LocationKind.SUPPLIER:
        return None if ship_from_store_only else Transport.DROPSHIP
    if destination.store is not None:
        if location.id == destination.store.id:
            return Transport.SAME_STORE
        return Transport.SHUTTLE if location.is_store else Transport.WAREHOUSE
    # To the customer's address: a store ships it itself, if it does ship from store.
    if location.is_store:
        ships = location.ships_from_store_on(local(utcnow(), location.timezone).date())
        return Transport.SAME_STORE if ships else None
    return None if ship_from_store_only else Transport.WAREHOUSE


def plan_line(product: Product, quantity: int, destination: Destination, channel: Channel,
              rules: SourcingRules = NEAREST_FIRST) -> list[SourcedQuantity]:
    """The sources for `quantity` units, best first, each with its explanation.

    Fewer units than asked means nothing more is available anywhere.
    """
    need = LineNeed(product, quantity, destination, channel)
    ranking = rules.rank(find_candidates(need), need)
    return [
        SourcedQuantity(candidate, part, rules.explain(candidate, part, choice, need, ranking))
        for candidate, part, choice in _choose(ranking, quantity)
    ]


def _choose(ranking: Ranking, quantity: int) -> list[tuple[Candidate, int, Choice]]:
    """One source with the whole quantity if the tiers used so far have one, else a split."""
    pool: list[Candidate] = []
    for tier in ranking:
        pool += tier
        whole = next((c for c in pool if c.atp >= quantity), None)
        if whole is not None:
            return [(whole, quantity, Choice.FIRST if whole is pool[0] else Choice.COVERS_ALL)]
        if sum(c.atp for c in pool) >= quantity:
            break
    parts = []
    remaining = quantity
    for candidate in pool:
        if remaining == 0:
            break
        part = min(candidate.atp, remaining)
        parts.append((candidate, part, Choice.SPLIT))
        remaining -= part
    return parts
