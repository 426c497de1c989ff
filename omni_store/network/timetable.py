"""When shuttles leave: the timetable of a route, in the origin's local time."""
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from omni_store.network.models import WEEKDAYS, ShuttleRoute

SEARCH_DAYS = 8  # a week of closed days and holidays at most


def next_departure(route: ShuttleRoute, ready_at: datetime) -> datetime | None:
    """The first departure, on a day the origin is open, whose cut-off is not before ready_at."""
    origin = route.origin
    return departure_after(ZoneInfo(origin.timezone), origin.opening_hours,
                           sorted(time.fromisoformat(t) for t in route.departure_times),
                           route.cutoff_minutes, ready_at)


def departure_after(zone: ZoneInfo, opening_hours: dict | None, times: Iterable[time],
                    cutoff_minutes: int, ready_at: datetime) -> datetime | None:
    """`next_departure` from a route's parts, for callers that hold them parsed already."""
    cutoff = timedelta(minutes=cutoff_minutes)
    first_day = ready_at.astimezone(zone).date()
    for day in (first_day + timedelta(days=n) for n in range(SEARCH_DAYS)):
        # An origin without opening hours on file is taken as open every day.
        if opening_hours and WEEKDAYS[day.weekday()] not in opening_hours:
            continue
        for departure_time in times:
            departure = datetime.combine(day, departure_time, tzinfo=zone).astimezone(UTC)
            if departure - cutoff >= ready_at:
                return departure
    return None
