"""The day's task figures (board.day), against the known day."""
from omni_store.board import day as board_day
from omni_store.board.alerts import open_work
from omni_store.board.day import HourBar, KindCounts
from omni_store.tasks.models import TaskKind
from tests.board.conftest import NOW, TODAY, paris


def test_the_days_completions_and_their_claims_are_read_once_for_every_figure(as_manager):
    day = as_manager

    found = board_day.completions(TODAY)

    assert sorted((e.task_id, e.kind, e.actor_id, e.at) for e in found.done) == [
        (day.tasks.pick_a.id, TaskKind.PICK, day.alice.id, paris(10, 20)),
        (day.tasks.pick_b.id, TaskKind.PICK, day.alice.id, paris(11, 40)),
        (day.tasks.isolate.id, TaskKind.ISOLATE, day.bob.id, paris(12, 10)),
    ]
    # Only the finished tasks' claims: bob's pack is claimed, not finished.
    assert found.claims == {day.tasks.pick_a.id: [paris(10)], day.tasks.pick_b.id: [paris(11)],
                            day.tasks.isolate.id: [paris(12)]}


def test_the_days_tasks_by_creation_and_due_time_in_one_read(as_manager):
    found = board_day.day_tasks(TODAY)

    assert sorted(found.created) == sorted(
        [TaskKind.PICK] * 3 + [TaskKind.ISOLATE, TaskKind.PACK, TaskKind.RESTOCK, TaskKind.COUNT, TaskKind.RECEIVE])
    # The cancelled receive due at 15:00 is no work due; yesterday's pick is another day.
    assert sorted(found.due) == [paris(9, 30), paris(10, 30), paris(11, 30), paris(12, 30), paris(13, 50),
                                 paris(14, 20), paris(18)]


def test_tasks_by_kind_and_status(as_manager):
    counts = {entry.kind: entry for entry in board_day.task_counts(
        TODAY, board_day.day_tasks(TODAY), board_day.completions(TODAY))}

    assert counts == {
        TaskKind.PICK: KindCounts(TaskKind.PICK, exception=1, created=3, done=2),
        TaskKind.ISOLATE: KindCounts(TaskKind.ISOLATE, created=1, done=1),
        TaskKind.PACK: KindCounts(TaskKind.PACK, in_progress=1, created=1),
        TaskKind.RESTOCK: KindCounts(TaskKind.RESTOCK, open=1, created=1),
        TaskKind.COUNT: KindCounts(TaskKind.COUNT, open=1, created=1),
        TaskKind.RECEIVE: KindCounts(TaskKind.RECEIVE, created=1),
    }


def test_who_does_what(as_manager):
    day = as_manager

    found = [(p.user.email, [t.id for t in p.working_on], p.done, p.average_minutes)
             for p in board_day.people(board_day.completions(TODAY), open_work(NOW))]

    assert found == [
        ("bob@test.example", [day.tasks.pack.id], 1, 10),
        ("alice@test.example", [], 2, 30),
        ("boss@test.example", [], 0, None),
    ]


def test_finished_against_due_per_hour(as_manager):
    bars = board_day.hourly(TODAY, board_day.day_tasks(TODAY), board_day.completions(TODAY))

    assert [bar.hour for bar in bars] == list(range(9, 20))  # open 09:00-20:00
    assert [bar for bar in bars if bar.done or bar.due] == [
        HourBar(9, 0, 1), HourBar(10, 1, 1), HourBar(11, 1, 1), HourBar(12, 1, 1),
        HourBar(13, 0, 1), HourBar(14, 0, 1), HourBar(18, 0, 1),
    ]
