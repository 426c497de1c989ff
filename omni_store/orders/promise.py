"""The promise engine: when units can be ready or delivered, and why (DESIGN §4).

Dates are computed in UTC from facts: store opening hours and the picking SLA, shuttle
departures and cut-offs, carrier lead time, supplier and marketplace seller lead times.
Intake dates its allocations with `leg` and its order with `promise`; the delivery
options a product page lists (orders.delivery_options) are dated by the same rules.
"""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app

from omni_store.core.clock import as_utc
from omni_store.network.snapshot import Network, OpeningSpans, Route, Site
from omni_store.network.timetable import SEARCH_DAYS, departure_after
from omni_store.orders.models import Allocation, Transport
from omni_store.orders.sourcing import Destination

CARRIER_DELIVERY = timedelta(days=2)  # v1: any carrier parcel, from a warehouse or a store
NO_SHUTTLE_ROUTE_DELAY = timedelta(days=1)


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
