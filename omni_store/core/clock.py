"""One source of 'now' (UTC, timezone-aware) so tests and jobs can reason about time."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Values read back from SQLite are naive; they were stored in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local(moment: datetime, timezone: str) -> datetime:
    return as_utc(moment).astimezone(ZoneInfo(timezone))
