"""One clock for the whole app: the `clock` fixture freezes core.clock for every module."""
from datetime import UTC, datetime, timedelta

from omni_store.core import clock as core_clock
from omni_store.core.clock import start_of_local_day, utcnow
from omni_store.orders import sourcing

MOMENT = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)


def test_a_frozen_clock_is_the_same_now_for_every_module(clock):
    clock.moment = MOMENT

    # Modules took `utcnow` by name at import: they still see the frozen moment.
    assert utcnow() == sourcing.utcnow() == core_clock.utcnow() == MOMENT
    assert clock.advance(minutes=45) == utcnow() == MOMENT + timedelta(minutes=45)
    assert clock() == sourcing.utcnow()


def test_without_the_fixture_the_clock_runs():
    before = datetime.now(UTC)
    assert core_clock.frozen_at is None
    assert before <= utcnow() <= datetime.now(UTC)


def test_the_local_day_starts_at_the_stores_midnight():
    # 23:30 UTC on the 10th is 00:30 on the 11th in Paris (UTC+1 in March).
    assert start_of_local_day(MOMENT, "Europe/Paris") == datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    assert start_of_local_day(MOMENT, "UTC") == datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    # Summer time: Paris is UTC+2, and a naive moment (read back from SQLite) is UTC.
    assert start_of_local_day(datetime(2026, 7, 1, 12, 0), "Europe/Paris") == \
        datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
