"""One source of 'now' (UTC, timezone-aware) so tests and jobs can reason about time."""
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

# 'now' for the whole app while set; only tests set it (the `clock` fixture), in one place,
# so every module sees the same moment however it imported `utcnow`.
frozen_at: datetime | None = None


def utcnow() -> datetime:
    moment = frozen_at
    return datetime.now(UTC) if moment is None else moment


def as_utc(moment: datetime) -> datetime:
    """Values read back from SQLite are naive; they were stored in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local(moment: datetime, timezone: str) -> datetime:
    return as_utc(moment).astimezone(ZoneInfo(timezone))


def start_of_local_day(moment: datetime, timezone: str) -> datetime:
    """Midnight (in UTC) that began the day `moment` falls on in `timezone`: a store's
    "today" starts there, not at midnight UTC."""
    zone = ZoneInfo(timezone)
    return datetime.combine(local(moment, timezone).date(), time.min, tzinfo=zone).astimezone(UTC)
