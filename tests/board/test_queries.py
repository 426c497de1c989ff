"""The board's other figures and the whole board (board.queries), against the known day."""
from datetime import timedelta

from omni_store.board import queries
from omni_store.board.day import HourBar, KindCounts
from omni_store.shuttles.queries import dock_runs
from omni_store.tasks.models import TaskKind
from tests.board.conftest import TODAY, YESTERDAY, paris


def test_shuttle_runs_of_the_day(as_manager):
    found = [(r.departure_at, r.cutoff_at, r.sealed, r.packing, r.loaded, r.missing)
             for r in dock_runs(TODAY)]

    assert found == [
        (paris(14, 20), paris(13, 50), 0, 1, 0, 1),
        (paris(16), paris(15, 30), 2, 0, 1, 2),
    ]


def test_orders_waiting_appointments_returns(as_manager):
    waiting = queries.waiting_for_pickup()
    assert [(w.order.number, w.slots, w.expires_at) for w in waiting] == [
        ("W-READY", ["PAR-RIV-H07"], paris(19, days=2))]
    assert [(a.order.number, a.outcome) for a in queries.appointments(TODAY)] == [
        ("W-APPT1", None), ("W-APPT2", None)]
    assert [r.number for r in queries.returns_of(TODAY)] == ["R000001"]


def test_short_picks_with_where_they_were_resourced(as_manager):
    found = [(s.movement.product.sku, s.quantity, s.order_number, s.resourced)
             for s in queries.short_picks(TODAY)]

    # The morning allocation at Bastille was the original plan, not a re-sourcing.
    assert found == [("PHONE-A", 1, "W-SHORT", [("PAR-BAS", 1)])]


def test_a_past_day_reads_the_history(as_manager):
    board = queries.board_for(YESTERDAY)

    assert not board.is_today
    assert board.counts == [KindCounts(TaskKind.PICK, created=1, done=1)]
    assert board.alerts == [] and board.waiting == []
    assert [(p.user.email, p.done, p.average_minutes, p.working_on) for p in board.people
            if p.done] == [("alice@test.example", 1, 45, [])]
    assert [r.number for r in board.returns] == ["R000000"]
    # That day's departures by the timetable, not today's van waiting with parcels.
    assert [(r.departure_at, r.sealed, r.missing) for r in board.runs] == [
        (paris(14, 20, days=-1), 0, 0), (paris(16, days=-1), 0, 0)]
    assert board.appointments == [] and board.short_picks == []
    assert [bar for bar in board.hours if bar.done or bar.due] == [HourBar(9, 1, 0), HourBar(10, 0, 1)]


def test_the_board_of_today_gathers_every_part(as_manager):
    board = queries.board_for(TODAY)

    assert board.is_today and board.day == TODAY
    assert len(board.alerts) == 5 and len(board.runs) == 2 and len(board.waiting) == 1
    assert not board.ship_from_store_paused
    board.store.ship_from_store_paused_on = TODAY
    assert board.ship_from_store_paused
    board.store.ship_from_store_paused_on = TODAY - timedelta(days=1)
    assert not board.ship_from_store_paused
