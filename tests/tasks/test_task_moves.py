"""The one gate of a task's status (tasks.services._transition, checked against TASK_MOVES),
and the priority a manager raises."""
import itertools

import pytest
from sqlalchemy import func, select, update

from omni_store.auth.models import Role
from omni_store.extensions import db
from omni_store.tasks.models import Task, TaskEvent, TaskStatus
from omni_store.tasks.services import (
    MAX_PRIORITY,
    TASK_MOVES,
    TaskConflict,
    _transition,
    raise_priority,
)
from tests import factories


def _events(task) -> int:
    return db.session.scalar(select(func.count()).select_from(TaskEvent).filter_by(task_id=task.id))


def _stored_in(status: TaskStatus) -> Task:
    """A task standing in `status`, set as stored (the gate itself is under test)."""
    task = factories.task(factories.store())
    db.session.execute(update(Task).where(Task.id == task.id).values(status=status))
    db.session.refresh(task)
    return task


def test_every_status_has_its_moves_and_final_ones_have_none():
    assert set(TASK_MOVES) == set(TaskStatus)
    assert TASK_MOVES[TaskStatus.DONE] == TASK_MOVES[TaskStatus.CANCELLED] == frozenset()


@pytest.mark.parametrize(("from_status", "to"), list(itertools.product(TaskStatus, TaskStatus)))
def test_an_allowed_move_is_stored_with_one_event_a_refused_one_changes_nothing(
        db, from_status, to):
    task = _stored_in(from_status)
    before = _events(task)
    moved = _transition(task, to, actor_id=None, note="walk")
    db.session.expire_all()
    if to in TASK_MOVES[from_status]:
        assert moved and task.status == to
        (event,) = db.session.scalars(select(TaskEvent).filter_by(task_id=task.id)
                                      .order_by(TaskEvent.id.desc()).limit(1))
        assert (_events(task) - before, event.from_status, event.to_status, event.note) == (
            1, from_status, to, "walk")
    else:
        assert not moved and task.status == from_status and _events(task) == before


def test_a_move_narrowed_to_some_statuses_is_refused_from_the_others(db):
    task = _stored_in(TaskStatus.IN_PROGRESS)  # claimed by someone: a claim cannot take it
    assert not _transition(task, TaskStatus.IN_PROGRESS, None,
                           only_from=frozenset({TaskStatus.OPEN}))
    assert _transition(task, TaskStatus.IN_PROGRESS, None)  # a manager's reassignment can


def test_raising_the_priority_steps_up_to_the_top_with_history(db):
    store = factories.store()
    manager = factories.user(Role.MANAGER, store)
    task = factories.task(store)
    for level in range(1, MAX_PRIORITY + 1):
        raise_priority(task, manager.id)
        assert task.priority == level
    with pytest.raises(TaskConflict, match="highest priority"):
        raise_priority(task, manager.id)
    notes = db.session.scalars(select(TaskEvent.note).filter_by(task_id=task.id, actor_id=manager.id)
                               .order_by(TaskEvent.id)).all()
    assert notes == [f"priority raised to {level}" for level in range(1, MAX_PRIORITY + 1)]


def test_a_priority_raised_meanwhile_or_a_closed_task_is_refused(db):
    store = factories.store()
    manager = factories.user(Role.MANAGER, store)
    task = factories.task(store)
    db.session.execute(update(Task).where(Task.id == task.id).values(priority=1)  # another tap
                       .execution_options(synchronize_session=False))
    with pytest.raises(TaskConflict, match="same time"):
        raise_priority(task, manager.id)  # it read priority 0
    assert task.priority == 1
    db.session.execute(update(Task).where(Task.id == task.id).values(status=TaskStatus.DONE))
    db.session.refresh(task)
    with pytest.raises(TaskConflict, match="already closed"):
        raise_priority(task, manager.id)
    assert task.priority == 1
