from flask_babel import lazy_gettext as _l
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omni_store.auth.models import User
from omni_store.catalog.models import Product
from omni_store.core.clock import utcnow
from omni_store.core.types import UTCDateTime
from omni_store.extensions import db
from omni_store.network.models import Location, Zone
from omni_store.orders.models import Allocation, Order


class TaskKind(StrEnum):
    PICK = "pick"  # take items from the shelf for an order
    ISOLATE = "isolate"  # put picked or received items into a hold slot
    PACK = "pack"  # pack items into a shuttle or carrier parcel
    RECEIVE = "receive"  # check in a parcel or a supplier delivery
    HANDOVER = "handover"  # give an order to its customer
    RETURN_INSPECT = "return_inspect"
    RESTOCK = "restock"  # put released or returned items back in their zone
    COUNT = "count"  # count a product or a zone


TASK_KIND_LABELS = {
    TaskKind.PICK: _l("Pick"),
    TaskKind.ISOLATE: _l("Put in hold zone"),
    TaskKind.PACK: _l("Pack"),
    TaskKind.RECEIVE: _l("Receive"),
    TaskKind.HANDOVER: _l("Hand over"),
    TaskKind.RETURN_INSPECT: _l("Inspect return"),
    TaskKind.RESTOCK: _l("Restock"),
    TaskKind.COUNT: _l("Count"),
}


class TaskStatus(StrEnum):
    OPEN = "open"  # waiting for someone
    IN_PROGRESS = "in_progress"  # claimed by an associate
    DONE = "done"  # final
    EXCEPTION = "exception"  # stopped by a problem (e.g. short pick) for a manager to see
    CANCELLED = "cancelled"  # final: no longer needed


TASK_STATUS_LABELS = {
    TaskStatus.OPEN: _l("Open"),
    TaskStatus.IN_PROGRESS: _l("In progress"),
    TaskStatus.DONE: _l("Done"),
    TaskStatus.EXCEPTION: _l("Stopped"),
    TaskStatus.CANCELLED: _l("Cancelled"),
}


OPEN_TASK_STATUSES = frozenset({TaskStatus.OPEN, TaskStatus.IN_PROGRESS})
FINAL_TASK_STATUSES = frozenset({TaskStatus.DONE, TaskStatus.CANCELLED})


class Task(db.Model):
    __tablename__ = "task"
    __table_args__ = (
        # A store's open tasks by due time (Today, the board) and its day's new tasks (the
        # board), without reading the store's whole history.
        Index("ix_task_location_id_status_due_at", "location_id", "status", "due_at"),
        Index("ix_task_location_id_created_at", "location_id", "created_at"),
        # A product's open work across the chain (units waiting for restock, counts planned).
        Index("ix_task_product_id_kind", "product_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    kind: Mapped[TaskKind] = mapped_column(String(20))
    status: Mapped[TaskStatus] = mapped_column(String(16), default=TaskStatus.OPEN, index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher comes first
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), index=True)
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("allocation.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zone.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    # Units already scanned or confirmed (pick, pack, restock progress).
    done_quantity: Mapped[int] = mapped_column(Integer, default=0)
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcel.id"), index=True)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("return.id"), index=True)
    # Where the goods go or come from, for pack/receive (another location).
    counterpart_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    location: Mapped[Location] = relationship(foreign_keys=[location_id])
    counterpart_location: Mapped[Location | None] = relationship(
        foreign_keys=[counterpart_location_id]
    )
    assignee: Mapped[User | None] = relationship()
    order: Mapped[Order | None] = relationship()
    allocation: Mapped[Allocation | None] = relationship()
    product: Mapped[Product | None] = relationship()
    zone: Mapped[Zone | None] = relationship()
    parcel: Mapped["Parcel | None"] = relationship()  # noqa: F821  (omni_store.shuttles.models)
    events: Mapped[list["TaskEvent"]] = relationship(
        back_populates="task", order_by="TaskEvent.id"
    )


class TaskEvent(db.Model):
    """One step in a task's history: created, claimed, done, ..."""

    __tablename__ = "task_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    from_status: Mapped[TaskStatus | None] = mapped_column(String(16))
    to_status: Mapped[TaskStatus] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[Task] = relationship(back_populates="events")
