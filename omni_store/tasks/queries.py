"""Read-only views of the current store's tasks, for the screens and the board."""
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from omni_store.auth.scoping import scoped
from omni_store.extensions import db
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskKind

# The order of the work: an order's journey through the store, then back-office chores.
KIND_ORDER = (
    TaskKind.PICK,
    TaskKind.ISOLATE,
    TaskKind.PACK,
    TaskKind.RECEIVE,
    TaskKind.HANDOVER,
    TaskKind.RETURN_INSPECT,
    TaskKind.RESTOCK,
    TaskKind.COUNT,
)


@dataclass(frozen=True)
class TaskGroup:
    kind: TaskKind
    tasks: list[Task]


def open_tasks() -> list[Task]:
    """The current store's open tasks, soonest due first, with all that a row shows."""
    statement = (
        select(Task)
        .where(Task.status.in_(OPEN_TASK_STATUSES))
        .options(
            joinedload(Task.product),
            joinedload(Task.zone),
            joinedload(Task.counterpart_location),
            joinedload(Task.assignee),
            joinedload(Task.order),
        )
        .order_by(Task.due_at, Task.priority.desc(), Task.id)
    )
    return list(db.session.scalars(scoped(statement, Task)))


def open_tasks_by_kind() -> list[TaskGroup]:
    """Open tasks grouped by kind in KIND_ORDER; each group keeps the due order."""
    by_kind: dict[str, list[Task]] = defaultdict(list)
    for task in open_tasks():
        by_kind[task.kind].append(task)
    return [TaskGroup(kind, by_kind[kind]) for kind in KIND_ORDER if by_kind.get(kind)]
