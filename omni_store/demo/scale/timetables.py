"""Timetables: opening hours and shuttle departures, as the promise engine reads them."""
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from omni_store.demo.scale.existing import Place
from omni_store.network.models import WEEKDAYS


@dataclass
class Route:
    id: int
    origin: Place
    destination: Place
    departure_times: list[str]
    transit_minutes: int
    cutoff_minutes: int


class Clock:
    """Opening hours and shuttle departures, as the promise engine reads them."""

    def __init__(self, now: datetime):
        self.now = now
        self._zones: dict[str, ZoneInfo] = {}
        self._departures: dict[tuple[int, date], list[datetime]] = {}

    def zone(self, name: str) -> ZoneInfo:
        if name not in self._zones:
            self._zones[name] = ZoneInfo(name)
        return self._zones[name]

    def after_work(self, place: Place, start: datetime, work: timedelta) -> datetime:
        """When work started at `start` is done, working only while the place is open."""
        if not place.opening_hours:
            return start + work
        zone = self.zone(place.timezone)
        first_day = start.astimezone(zone).date()
        for day in (first_day + timedelta(days=n) for n in range(8)):
            for opens, closes in place.opening_hours.get(WEEKDAYS[day.weekday()], []):
                opening = datetime.combine(day, time.fromisoformat(opens), tzinfo=zone).astimezone(UTC)
                closing = datetime.combine(day, time.fromisoformat(closes), tzinfo=zone).astimezone(UTC)
                begin = max(start, opening)
                if begin + work <= closing:
                    return begin + work
        return start + work

    def departures(self, route: Route, day: date) -> list[datetime]:
        """The route's departures (UTC) on a local day at the origin; none when it is closed."""
        key = (route.id, day)
        if key not in self._departures:
            origin = route.origin
            zone = self.zone(origin.timezone)
            open_today = not origin.opening_hours or WEEKDAYS[day.weekday()] in origin.opening_hours
            self._departures[key] = sorted(
                datetime.combine(day, time.fromisoformat(t), tzinfo=zone).astimezone(UTC)
                for t in route.departure_times) if open_today else []
        return self._departures[key]

    def next_departure(self, route: Route, ready_at: datetime) -> datetime | None:
        """The first departure whose cut-off is not before `ready_at` (timetable.next_departure)."""
        cutoff = timedelta(minutes=route.cutoff_minutes)
        first_day = ready_at.astimezone(self.zone(route.origin.timezone)).date()
        for day in (first_day + timedelta(days=n) for n in range(8)):
            for departure in self.departures(route, day):
                if departure - cutoff >= ready_at:
                    return departure
        return None
