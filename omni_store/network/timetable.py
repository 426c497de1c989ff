"""When shuttles leave: the timetable of a route, in the origin's local time."""
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from omni_store.network.models import WEEKDAYS, ShuttleRoute

SEARCH_DAYS = 8  # a week of closed days and holidays at most


def next_departure(route: ShuttleRoute, ready_at: datetime) -> datetime | None:
    """The first departure, on a day the origin is open, whose cut-off is not before ready_at."""
    origin = route.origin
    zone = ZoneInfo(origin.timezone)
    cutoff = timedelta(minutes=route.cutoff_minutes)
    times = sorted(time.fromisoformat(t) for t in route.departure_times)
    first_day = ready_at.astimezone(zone).date()
    for day in (first_day + timedelta(days=n) for n in range(SEARCH_DAYS)):
        # An origin without opening hours on file is taken as open every day.
        if origin.opening_hours and WEEKDAYS[day.weekday()] not in origin.opening_hours:
            continue
        for departure_time in times:
            departure = datetime.combine(day, departure_time, tzinfo=zone).astimezone(UTC)
            if departure - cutoff >= ready_at:
                return departure
    return None
