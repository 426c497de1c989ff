"""The rows the open orders make, numbered as they are made and written after the stock."""
from collections import Counter, defaultdict

from sqlalchemy import func, select

from omni_store.appointments.models import Booking
from omni_store.demo.scale.existing import Chain
from omni_store.demo.scale.writing import Writer
from omni_store.inventory.models import StockMovement
from omni_store.orders.models import Allocation, Customer, Hold, Order, OrderLine
from omni_store.shuttles.models import Parcel, ParcelLine, ShuttleRun
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskEvent, TaskStatus


class Records:
    """Ids per table, the rows per table, the stock movements, and the open tasks per location."""

    def __init__(self, chain: Chain, writer: Writer):
        self.ids = {model: writer.ids(model) for model in (
            Customer, Order, OrderLine, Allocation, Task, TaskEvent, ShuttleRun, Parcel, ParcelLine, Hold,
            Booking, StockMovement)}
        self.rows: dict[str, list[tuple]] = defaultdict(list)
        self.open_at: Counter[int] = Counter(dict(chain.conn.execute(
            select(Task.location_id, func.count()).where(Task.status.in_(OPEN_TASK_STATUSES))
            .group_by(Task.location_id)).all()))
        self.movements: list[tuple] = []

    def task(self, row: tuple) -> None:
        """A task row; an open one adds to its location's day."""
        self.rows["task"].append(row)
        if row[3] in OPEN_TASK_STATUSES:
            self.open_at[row[1]] += 1

    def events(self, task_id, created_at, creator, *, claimed=None, claim_actor=None, done=None,
                done_actor=None, done_note="", created_note="") -> None:
        """The task's history: created, claimed, done (complete_task goes from open or claimed)."""
        events = self.rows["task_event"]
        ids = self.ids[TaskEvent]
        events.append((next(ids), task_id, None, TaskStatus.OPEN, creator, created_note, created_at))
        if claimed is not None:
            events.append((next(ids), task_id, TaskStatus.OPEN, TaskStatus.IN_PROGRESS, claim_actor, "",
                           claimed))
        if done is not None:
            events.append((next(ids), task_id,
                           TaskStatus.IN_PROGRESS if claimed is not None else TaskStatus.OPEN,
                           TaskStatus.DONE, done_actor or claim_actor, done_note, done))
