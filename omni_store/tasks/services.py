"""Task transitions. Each is a named function that checks its guard and writes a TaskEvent."""
from datetime import datetime

from omni_store.extensions import db
from omni_store.tasks.models import Task, TaskEvent, TaskKind, TaskStatus


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
