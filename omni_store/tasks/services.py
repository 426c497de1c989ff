"""Task transitions. Each is a named function that checks its guard and writes a TaskEvent.

Every status change goes through `_transition`, checked against TASK_MOVES.
"""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import exists, select

from omni_store.auth.models import STAFF_ROLES, User
from omni_store.core.database import compare_and_set, lock_row
from omni_store.core.errors import DomainError, InvalidInput
from omni_store.extensions import db
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskEvent, TaskKind, TaskStatus

MAX_SCAN_ID_LENGTH = 64
# Priorities run from 0 (normal) to this; the associate's list puts higher ones first.
MAX_PRIORITY = 3
ESCALATED = "escalated"  # the TaskEvent note that marks a task as escalated once
ESCALATION_PRIORITY_STEP = 10  # above anything a manager's "raise" gives, so it shows first

S = TaskStatus
TASK_MOVES: dict[TaskStatus, frozenset[TaskStatus]] = {
    # claimed or assigned, done, stopped by a problem, or no longer needed
    S.OPEN: frozenset({S.IN_PROGRESS, S.DONE, S.EXCEPTION, S.CANCELLED}),
    # given back, reassigned to someone else, done, stopped, or no longer needed
    S.IN_PROGRESS: frozenset({S.OPEN, S.IN_PROGRESS, S.DONE, S.EXCEPTION, S.CANCELLED}),
    S.EXCEPTION: frozenset({S.CANCELLED}),  # a manager saw it; the order went another way
    S.DONE: frozenset(),
    S.CANCELLED: frozenset(),
}


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
    flush: bool = True,
) -> Task:
    """An open task with the first line of its history. `flush=False` leaves it pending,
    so that a caller creating several (an order's intake) inserts them in one batch."""
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
    db.session.add(TaskEvent(task=task, from_status=None, to_status=TaskStatus.OPEN,
                             actor_id=actor_id, note=note[:200]))
    if flush:
        db.session.flush()
    return task


def _transition(task: Task, to: TaskStatus, actor_id: int | None, note: str = "", *,
                only_from: frozenset[TaskStatus] = frozenset(TaskStatus), **changes) -> bool:
    """Move a task to `to` in one conditional UPDATE, from any status TASK_MOVES allows
    (narrowed to `only_from`); False if it stands elsewhere (another request moved it first).
    """
    from_status = task.status
    sources = [status for status in only_from if to in TASK_MOVES[status]]
    if not compare_and_set(task, Task.status.in_(sources), status=to, **changes):
        return False
    db.session.add(TaskEvent(task_id=task.id, from_status=from_status, to_status=to,
                             actor_id=actor_id, note=note[:200]))
    db.session.flush()
    return True


def claim_task(task: Task, user_id: int) -> None:
    """An associate takes an open task; of two claiming at once, one wins."""
    if not _transition(task, TaskStatus.IN_PROGRESS, user_id,
                       only_from=frozenset({TaskStatus.OPEN}), assignee_id=user_id):
        if task.status == TaskStatus.IN_PROGRESS and task.assignee_id == user_id:
            return  # a double tap on "claim": already yours
        raise TaskConflict(_("Someone else took this task first.")
                           if task.status == TaskStatus.IN_PROGRESS
                           else _("This task is no longer open."))


def release_task(task: Task, user_id: int) -> None:
    """Give a claimed task back to the store's pool."""
    if task.assignee_id != user_id or not _transition(task, TaskStatus.OPEN, user_id,
                                                      assignee_id=None):
        raise TaskConflict(_("Only the associate working on this task can release it."))


def complete_task(task: Task, actor_id: int | None, note: str = "") -> None:
    if not _transition(task, TaskStatus.DONE, actor_id, note):
        raise TaskConflict(_("This task is already closed."))


def cancel_task(task: Task, actor_id: int | None, note: str = "") -> None:
    """No longer needed (order cancelled or re-sourced); a closed task stays as it is."""
    _transition(task, TaskStatus.CANCELLED, actor_id, note)


def assign_task(task: Task, assignee_id: int, manager_id: int) -> None:
    """A manager gives an open or claimed task to an associate of the same store."""
    assignee = db.session.get(User, assignee_id)
    if (assignee is None or not assignee.active or assignee.store_id != task.location_id
            or assignee.role not in STAFF_ROLES):
        raise InvalidInput(_("Choose someone who works in this store."))
    if task.assignee_id == assignee_id and task.status == TaskStatus.IN_PROGRESS:
        return
    if not _transition(task, TaskStatus.IN_PROGRESS, manager_id, f"assigned to {assignee.name}",
                       assignee_id=assignee_id):
        raise TaskConflict(_("This task is already closed."))


def stop_with_exception(task: Task, actor_id: int | None, note: str = "") -> None:
    """Stopped by a problem (nothing found on a pick): a manager sees it."""
    if not _transition(task, TaskStatus.EXCEPTION, actor_id, note):
        raise TaskConflict(_("This task is already closed."))


def start_working(task: Task, user_id: int) -> None:
    """Acting on an open task claims it; a task someone else is on is theirs."""
    if task.status == TaskStatus.OPEN:
        claim_task(task, user_id)
    elif task.status != TaskStatus.IN_PROGRESS:
        raise TaskConflict(_("This task is already closed."))
    elif task.assignee_id != user_id:
        raise TaskConflict(_("%(name)s is working on this task.", name=task.assignee.name))


def valid_scan_id(scan_id: str | None) -> str:
    """The random id a screen puts in each form it renders, so a second submit is seen."""
    scan_id = (scan_id or "").strip()
    if not scan_id or len(scan_id) > MAX_SCAN_ID_LENGTH or not scan_id.isalnum():
        raise InvalidInput(_("This form has expired. Reload the page and try again."))
    return scan_id


def scan_applied(task: Task, scan_id: str) -> bool:
    return db.session.scalar(select(exists().where(
        TaskEvent.task_id == task.id, TaskEvent.note == f"scan:{scan_id}"))) or False


def count_one_unit(task: Task, scan_id: str, actor_id: int, limit: int | None = None) -> bool:
    """Add one scanned unit to the task's progress, once per scan id.

    The UPDATE only applies if the progress is still what was read (compare and set): of
    two requests carrying the same scan, the second finds it changed, then finds the
    first one's scan and does nothing. False: this scan was already counted.
    """
    for _attempt in range(3):
        if scan_applied(task, scan_id):
            return False
        seen = task.done_quantity
        conditions = [Task.done_quantity == seen, Task.status == TaskStatus.IN_PROGRESS]
        if limit is not None:
            conditions.append(Task.done_quantity < limit)
        if compare_and_set(task, *conditions, done_quantity=seen + 1):
            _record_in_history(task, actor_id, f"scan:{scan_id}")
            return True
        if task.status != TaskStatus.IN_PROGRESS or (limit is not None and task.done_quantity >= limit):
            return False
    raise TaskConflict(_("Several scans arrived at once. Scan again."))


def set_progress(task: Task, done_quantity: int, actor_id: int, note: str) -> None:
    """Record progress entered as a number (a confirmed quantity, a count typed in)."""
    if not compare_and_set(task, Task.status == TaskStatus.IN_PROGRESS,
                           done_quantity=done_quantity):
        raise TaskConflict(_("This task is already closed."))
    _record_in_history(task, actor_id, note)


def raise_priority(task: Task, manager_id: int) -> None:
    """A manager moves an open task up one priority step, recorded in its history."""
    if task.status not in OPEN_TASK_STATUSES:
        raise TaskConflict(_("This task is already closed."))
    if task.priority >= MAX_PRIORITY:
        raise TaskConflict(_("This task already has the highest priority."))
    # Conditional on the priority read, so two taps raise it once.
    if not compare_and_set(task, Task.priority == task.priority,
                           Task.status.in_(OPEN_TASK_STATUSES), priority=task.priority + 1):
        raise TaskConflict(_("Someone changed this task at the same time. Look again."))
    _record_in_history(task, manager_id, f"priority raised to {task.priority}")


def escalate_late_tasks(late_before: datetime) -> int:
    """Open tasks due before `late_before` go up in priority, once each (the escalation job)."""
    late = db.session.scalars(
        select(Task).where(Task.status.in_(OPEN_TASK_STATUSES), Task.due_at < late_before,
                           ~_escalated(Task.id))
        .order_by(Task.id)
    ).all()
    return sum(_escalate(task, late_before) for task in late)


def _escalated(task_id):
    return exists().where(TaskEvent.task_id == task_id, TaskEvent.note == ESCALATED)


def _escalate(task: Task, late_before: datetime) -> bool:
    # Lock the task, then look again: the other runner may have escalated it meanwhile.
    lock_row(Task, task.id)
    if db.session.scalar(select(_escalated(task.id))):
        return False
    if not compare_and_set(task, Task.status.in_(OPEN_TASK_STATUSES), Task.due_at < late_before,
                           priority=Task.priority + ESCALATION_PRIORITY_STEP):
        return False  # done or cancelled since
    _record_in_history(task, None, ESCALATED)
    return True


def _record_in_history(task: Task, actor_id: int | None, note: str) -> None:
    """A change that keeps the task's status (progress, priority), in its history."""
    db.session.add(TaskEvent(task_id=task.id, from_status=task.status, to_status=task.status,
                             actor_id=actor_id, note=note[:200]))
    db.session.flush()
