"""Shuttle runs: one departure of a route on one day, created from its timetable."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from omni_store.core.database import insert_or_ignore
from omni_store.extensions import db
from omni_store.network.models import ShuttleRoute
from omni_store.network.timetable import next_departure
from omni_store.shuttles.errors import ShuttleError
from omni_store.shuttles.models import ShuttleRun, ShuttleRunStatus


def departures_on(route: ShuttleRoute, day: date) -> list[datetime]:
    """The route's departures (UTC) on a local day at the origin, from its timetable."""
    zone = ZoneInfo(route.origin.timezone)
    cutoff = timedelta(minutes=route.cutoff_minutes)
    ready = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC) - cutoff
    found = []
    while (departure := next_departure(route, ready)) is not None:
        local_day = departure.astimezone(zone).date()
        if local_day > day:
            break
        if local_day == day:
            found.append(departure)
        ready = departure - cutoff + timedelta(seconds=1)
    return found


def runs_for(route: ShuttleRoute, day: date) -> list[ShuttleRun]:
    """The route's runs on a local day, created from the timetable the first time."""
    departures = departures_on(route, day)
    cutoff = timedelta(minutes=route.cutoff_minutes)
    for departure in departures:
        insert_or_ignore(ShuttleRun, ["route_id", "departure_at"], route_id=route.id,
                         departure_at=departure, cutoff_at=departure - cutoff,
                         status=ShuttleRunStatus.PLANNED)
    if not departures:
        return []
    return list(db.session.scalars(
        select(ShuttleRun).where(ShuttleRun.route_id == route.id,
                                 ShuttleRun.departure_at.in_(departures))
        .order_by(ShuttleRun.departure_at)
    ))


def next_open_run(route: ShuttleRoute, ready_at: datetime) -> ShuttleRun:
    """The first run not yet gone whose cut-off is at or after `ready_at`."""
    cutoff = timedelta(minutes=route.cutoff_minutes)
    while (departure := next_departure(route, ready_at)) is not None:
        zone = ZoneInfo(route.origin.timezone)
        run = next(r for r in runs_for(route, departure.astimezone(zone).date())
                   if r.departure_at == departure)
        if run.status == ShuttleRunStatus.PLANNED:
            return run
        ready_at = departure - cutoff + timedelta(seconds=1)  # that van already left
    raise ShuttleError(_("No shuttle leaves %(origin)s for %(destination)s in the coming days.",
                         origin=route.origin.code, destination=route.destination.code))


def active_route(origin_id: int, destination_id: int) -> ShuttleRoute | None:
    return db.session.scalar(select(ShuttleRoute).filter_by(
        origin_id=origin_id, destination_id=destination_id, active=True))
