"""Today's open work and what is late or at risk (board.alerts), against the known day."""
from omni_store.board import alerts as board_alerts
from omni_store.shuttles.queries import dock_runs
from omni_store.tasks.models import TaskKind, TaskStatus
from tests import factories
from tests.board.conftest import NOW, TODAY, paris


def test_open_work_is_what_is_due_soon_or_late_and_what_someone_is_on(as_manager):
    day = as_manager
    later_but_claimed = factories.task_with_history(day.rivoli, TaskKind.COUNT, paris(9), paris(19),
                                                    [(TaskStatus.IN_PROGRESS, day.alice, paris(13))])

    found = [task.id for task in board_alerts.open_work(NOW)]

    # The 18:00 count nobody is on is neither; the stopped short pick is not open.
    assert found == [day.tasks.pack.id, day.tasks.restock.id, later_but_claimed.id]


def test_late_and_at_risk_first_soonest_first(as_manager):
    day = as_manager
    runs, work = dock_runs(TODAY), board_alerts.open_work(NOW)

    found = [(a.kind, a.due_at, a.late) for a in board_alerts.alerts(runs, work, NOW)]

    assert found == [
        ("task", paris(13, 50), True),  # bob's pack
        ("cutoff", paris(13, 50), True),  # the 14:20 van, a parcel still being packed
        ("appointment", paris(14, 10), False),  # items not ready yet
        ("promise", paris(14, 15), False),  # pickup promised, still picking
        ("task", paris(14, 20), False),  # the restock
    ]
    alerts = board_alerts.alerts(runs, work, NOW)
    assert alerts[0].task.id == day.tasks.pack.id
    assert alerts[2].order.number == "W-APPT1"
    assert alerts[3].order.number == "W-PROMISE"
    assert alerts[4].task.id == day.tasks.restock.id
