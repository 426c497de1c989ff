"""What a manager changes from the board. Assignment reuses tasks.services.assign_task."""
from flask_babel import gettext as _
from sqlalchemy import update

from omni_store.extensions import db
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskEvent
from omni_store.tasks.services import TaskConflict

# Priorities run from 0 (normal) to this; the associate's list puts higher ones first.
MAX_PRIORITY = 3


def raise_priority(task: Task, manager_id: int) -> None:
    """Move an open task up one priority step, recorded in its history."""
    if task.status not in OPEN_TASK_STATUSES:
        raise TaskConflict(_("This task is already closed."))
    if task.priority >= MAX_PRIORITY:
        raise TaskConflict(_("This task already has the highest priority."))
    # Conditional on the priority read, so two taps raise it once.
    result = db.session.execute(
        update(Task).where(Task.id == task.id, Task.priority == task.priority,
                           Task.status.in_(OPEN_TASK_STATUSES))
        .values(priority=task.priority + 1).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise TaskConflict(_("Someone changed this task at the same time. Look again."))
    db.session.add(TaskEvent(task_id=task.id, from_status=task.status, to_status=task.status,
                             actor_id=manager_id, note=f"priority raised to {task.priority + 1}"))
    db.session.flush()
    db.session.refresh(task)
