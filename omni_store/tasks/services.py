"""Task transitions. Each is a named function that checks its guard and writes a TaskEvent."""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import update

from omni_store.core.errors import DomainError
from omni_store.extensions import db
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskEvent, TaskKind, TaskStatus


class TaskConflict(DomainError):
    status_code = 409


def create_task(
    location_id: int,
    kind: TaskKind,
    due_at: datetime,
    *,
    order_id: int | None = None,
    allocation_id: int | None = None,
    product_id: int | None = None,
    zone_id: int | None = None,
    quantity: int = 0,
    counterpart_location_id: int | None = None,
    priority: int = 0,
    actor_id: int | None = None,
    note: str = "",
) -> Task:
    task = Task(
        location_id=location_id,
        kind=kind,
        status=TaskStatus.OPEN,
        due_at=due_at,
        order_id=order_id,
        allocation_id=allocation_id,
        product_id=product_id,
        zone_id=zone_id,
        quantity=quantity,
        counterpart_location_id=counterpart_location_id,
        priority=priority,
    )
    db.session.add(task)
    db.session.flush()
    db.session.add(
        TaskEvent(task_id=task.id, from_status=None, to_status=TaskStatus.OPEN,
                  actor_id=actor_id, note=note[:200])
    )
    return task


def _transition(task: Task, allowed_from: frozenset[TaskStatus], to: TaskStatus, actor_id: int | None,
                note: str = "", **changes) -> bool:
    """Move a task in one conditional UPDATE; False if another request moved it first."""
    result = db.session.execute(
        update(Task)
        .where(Task.id == task.id, Task.status.in_(allowed_from))
        .values(status=to, **changes)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(task)
        return False
    db.session.add(TaskEvent(task_id=task.id, from_status=task.status, to_status=to,
                             actor_id=actor_id, note=note[:200]))
    db.session.flush()
    db.session.refresh(task)
    return True


def claim_task(task: Task, user_id: int) -> None:
    """An associate takes an open task; of two claiming at once, one wins."""
    if not _transition(task, frozenset({TaskStatus.OPEN}), TaskStatus.IN_PROGRESS, user_id,
                       assignee_id=user_id):
        if task.status == TaskStatus.IN_PROGRESS and task.assignee_id == user_id:
            return  # a double tap on "claim": already yours
        raise TaskConflict(_("Someone else took this task first.")
                           if task.status == TaskStatus.IN_PROGRESS
                           else _("This task is no longer open."))


def release_task(task: Task, user_id: int) -> None:
    """Give a claimed task back to the store's pool."""
    if task.assignee_id != user_id or not _transition(
        task, frozenset({TaskStatus.IN_PROGRESS}), TaskStatus.OPEN, user_id, assignee_id=None
    ):
        raise TaskConflict(_("Only the associate working on this task can release it."))


def complete_task(task: Task, actor_id: int | None, note: str = "") -> None:
    if not _transition(task, OPEN_TASK_STATUSES, TaskStatus.DONE, actor_id, note):
        raise TaskConflict(_("This task is already closed."))


def cancel_task(task: Task, actor_id: int | None, note: str = "") -> None:
    """No longer needed (order cancelled or re-sourced); a closed task stays as it is."""
    _transition(task, OPEN_TASK_STATUSES | {TaskStatus.EXCEPTION}, TaskStatus.CANCELLED, actor_id, note)
