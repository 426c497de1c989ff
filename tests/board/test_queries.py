"""Every figure of the board, from the query functions, against the known day."""
from datetime import date, timedelta

import pytest
from flask_login import login_user

from omni_store.board import queries
from omni_store.board.queries import HourBar, KindCounts
from omni_store.tasks.models import TaskKind, TaskStatus
from tests import factories
from tests.board.conftest import NOW, paris

TODAY = date(2026, 3, 10)
YESTERDAY = date(2026, 3, 9)


@pytest.fixture
def as_manager(app, day):
    with app.test_request_context():
        login_user(day.manager)
        yield day


def test_the_days_completions_and_their_claims_are_read_once_for_every_figure(as_manager):
    day = as_manager

    found = queries.completions(TODAY)

    assert sorted((e.task_id, e.kind, e.actor_id, e.at) for e in found.done) == [
        (day.tasks.pick_a.id, TaskKind.PICK, day.alice.id, paris(10, 20)),
        (day.tasks.pick_b.id, TaskKind.PICK, day.alice.id, paris(11, 40)),
        (day.tasks.isolate.id, TaskKind.ISOLATE, day.bob.id, paris(12, 10)),
    ]
    # Only the finished tasks' claims: bob's pack is claimed, not finished.
    assert found.claims == {day.tasks.pick_a.id: [paris(10)], day.tasks.pick_b.id: [paris(11)],
                            day.tasks.isolate.id: [paris(12)]}


def test_the_days_tasks_by_creation_and_due_time_in_one_read(as_manager):
    found = queries.day_tasks(TODAY)

    assert sorted(found.created) == sorted(
        [TaskKind.PICK] * 3 + [TaskKind.ISOLATE, TaskKind.PACK, TaskKind.RESTOCK, TaskKind.COUNT, TaskKind.RECEIVE])
    # The cancelled receive due at 15:00 is no work due; yesterday's pick is another day.
    assert sorted(found.due) == [paris(9, 30), paris(10, 30), paris(11, 30), paris(12, 30), paris(13, 50),
                                 paris(14, 20), paris(18)]


def test_tasks_by_kind_and_status(as_manager):
    counts = {entry.kind: entry
              for entry in queries.task_counts(TODAY, queries.day_tasks(TODAY), queries.completions(TODAY))}

    assert counts == {
        TaskKind.PICK: KindCounts(TaskKind.PICK, exception=1, created=3, done=2),
        TaskKind.ISOLATE: KindCounts(TaskKind.ISOLATE, created=1, done=1),
        TaskKind.PACK: KindCounts(TaskKind.PACK, in_progress=1, created=1),
        TaskKind.RESTOCK: KindCounts(TaskKind.RESTOCK, open=1, created=1),
        TaskKind.COUNT: KindCounts(TaskKind.COUNT, open=1, created=1),
        TaskKind.RECEIVE: KindCounts(TaskKind.RECEIVE, created=1),
    }


def test_open_work_is_what_is_due_soon_or_late_and_what_someone_is_on(as_manager):
    day = as_manager
    later_but_claimed = factories.task_with_history(day.rivoli, TaskKind.COUNT, paris(9), paris(19),
                                                    [(TaskStatus.IN_PROGRESS, day.alice, paris(13))])

    found = [task.id for task in queries.open_work(NOW)]

    # The 18:00 count nobody is on is neither; the stopped short pick is not open.
    assert found == [day.tasks.pack.id, day.tasks.restock.id, later_but_claimed.id]


def test_late_and_at_risk_first_soonest_first(as_manager):
    day = as_manager
    runs, work = queries.dock_runs(TODAY), queries.open_work(NOW)

    found = [(a.kind, a.due_at, a.late) for a in queries.alerts(runs, work, NOW)]

    assert found == [
        ("task", paris(13, 50), True),  # bob's pack
        ("cutoff", paris(13, 50), True),  # the 14:20 van, a parcel still being packed
        ("appointment", paris(14, 10), False),  # items not ready yet
        ("promise", paris(14, 15), False),  # pickup promised, still picking
        ("task", paris(14, 20), False),  # the restock
    ]
    alerts = queries.alerts(runs, work, NOW)
    assert alerts[0].task.id == day.tasks.pack.id
    assert alerts[2].order.number == "W-APPT1"
    assert alerts[3].order.number == "W-PROMISE"
    assert alerts[4].task.id == day.tasks.restock.id


def test_who_does_what(as_manager):
    day = as_manager

    found = [(p.user.email, [t.id for t in p.working_on], p.done, p.average_minutes)
             for p in queries.people(queries.completions(TODAY), queries.open_work(NOW))]

    assert found == [
        ("bob@test.example", [day.tasks.pack.id], 1, 10),
        ("alice@test.example", [], 2, 30),
        ("boss@test.example", [], 0, None),
    ]


def test_shuttle_runs_of_the_day(as_manager):
    found = [(r.departure_at, r.cutoff_at, r.sealed, r.packing, r.loaded, r.missing)
             for r in queries.dock_runs(TODAY)]

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


def test_finished_against_due_per_hour(as_manager):
    bars = queries.hourly(TODAY, queries.day_tasks(TODAY), queries.completions(TODAY))

    assert [bar.hour for bar in bars] == list(range(9, 20))  # open 09:00-20:00
    assert [bar for bar in bars if bar.done or bar.due] == [
        HourBar(9, 0, 1), HourBar(10, 1, 1), HourBar(11, 1, 1), HourBar(12, 1, 1),
        HourBar(13, 0, 1), HourBar(14, 0, 1), HourBar(18, 0, 1),
    ]


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

