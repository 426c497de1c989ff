"""The chain's network as one read model per process: every location with its parsed
opening hours and time zone, and the active shuttle routes.

Two queries build it when a location or a route changed (`core/read_cache`: exact, never
stale), and every request after shares it, so that pricing a promise from 300 locations
costs no query per location. A `Site` carries the columns of its `Location`, so rules
that read a location read a site the same way.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy import select

from omni_store.core.read_cache import ReadCache
from omni_store.extensions import db
from omni_store.network.geo import haversine_km
from omni_store.network.models import WEEKDAYS, Location, LocationKind, ShuttleRoute

OpeningSpans = tuple[tuple[time, time], ...]
_HOURS_KEYS: dict[tuple, int] = {}  # a chain has a handful of distinct opening hours


@dataclass(frozen=True, eq=False)
class Site:
    """A location as the promise and sourcing rules see it (read-only)."""

    id: int
    code: str
    name: str
    kind: LocationKind
    address: str
    city: str
    latitude: float
    longitude: float
    timezone: str
    opening_hours: dict
    does_pickup: bool
    does_ship_from_store: bool
    daily_ship_capacity: int
    ship_from_store_paused_on: date | None
    allow_pick_without_scan: bool
    lead_time_days: int
    active: bool
    zone: ZoneInfo = field(init=False, repr=False)
    # Per weekday (Monday first), the open spans; all empty when no hours are on file.
    weekly_hours: tuple[OpeningSpans, ...] = field(init=False, repr=False)
    # Equal for sites with the same hours in the same time zone: their work ends together.
    hours_key: int = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "kind", LocationKind(self.kind))
        object.__setattr__(self, "zone", ZoneInfo(self.timezone))
        weekly_hours = tuple(
            tuple((time.fromisoformat(opens), time.fromisoformat(closes))
                  for opens, closes in (self.opening_hours or {}).get(day, []))
            for day in WEEKDAYS)
        object.__setattr__(self, "weekly_hours", weekly_hours)
        object.__setattr__(self, "hours_key",
                           _HOURS_KEYS.setdefault((weekly_hours, self.timezone), len(_HOURS_KEYS)))

    @property
    def is_store(self) -> bool:
        return self.kind == LocationKind.STORE

    @property
    def has_hours(self) -> bool:
        return bool(self.opening_hours)

    def ships_from_store_on(self, day: date) -> bool:
        return self.does_ship_from_store and self.ship_from_store_paused_on != day


@dataclass(frozen=True, eq=False)
class Route:
    """An active shuttle route, its departures parsed and sorted (origin's local time)."""

    id: int
    origin: Site
    destination: Site
    departure_times: tuple[time, ...]
    transit_minutes: int
    cutoff_minutes: int


@dataclass(frozen=True, eq=False)
class Network:
    sites: dict[int, Site]
    routes: dict[tuple[int, int], Route]  # by (origin id, destination id)
    _distances: dict[tuple[int, int], float] = field(default_factory=dict, repr=False)
    _derived: dict = field(default_factory=dict, repr=False)

    @cached_property
    def by_code(self) -> dict[str, Site]:
        return {site.code: site for site in self.sites.values()}

    def site(self, location_id: int) -> Site:
        return self.sites[location_id]

    def distance_km(self, origin: Site, to: Site) -> float:
        """Great-circle distance to 0.1 km; locations do not move, so each pair is computed once."""
        key = (origin.id, to.id)
        if (known := self._distances.get(key)) is None:
            known = self._distances[key] = round(
                haversine_km(origin.latitude, origin.longitude, to.latitude, to.longitude), 1)
        return known

    def derived(self, key: tuple, build: Callable[[], object]):
        """What a rule works out from the network alone, kept as long as this network is."""
        if (value := self._derived.get(key)) is None:
            value = self._derived[key] = build()
        return value

    def route(self, origin_id: int, destination_id: int) -> Route | None:
        return self.routes.get((origin_id, destination_id))


_SITE_COLUMNS = [column for column in Location.__table__.columns]


def _load() -> Network:
    sites = {row.id: Site(**row._mapping) for row in db.session.execute(select(*_SITE_COLUMNS))}
    routes = {}
    for route in db.session.execute(select(ShuttleRoute.__table__).where(ShuttleRoute.active.is_(True))):
        routes[(route.origin_id, route.destination_id)] = Route(
            route.id, sites[route.origin_id], sites[route.destination_id],
            tuple(sorted(time.fromisoformat(t) for t in route.departure_times)),
            route.transit_minutes, route.cutoff_minutes)
    return Network(sites, routes)


_network = ReadCache("network", _load)


def network() -> Network:
    """The network as committed (or as this transaction changed it): one small query."""
    return _network.get()


def network_token() -> int | None:
    """Changes whenever a location or a route does: part of a memo's key."""
    return _network.token()
