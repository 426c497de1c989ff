from flask_babel import lazy_gettext as _l
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omni_store.core.clock import utcnow
from omni_store.core.types import UTCDateTime
from omni_store.extensions import db
from omni_store.network.models import Location
from omni_store.orders.models import Order, OrderLine


class ReturnStatus(StrEnum):
    STARTED = "started"  # order found, lines being chosen and inspected
    DONE = "done"  # dispositions applied and refund recorded (final)
    CANCELLED = "cancelled"  # abandoned before anything was applied (final)


RETURN_STATUS_LABELS = {
    ReturnStatus.STARTED: _l("Started"),
    ReturnStatus.DONE: _l("Done"),
    ReturnStatus.CANCELLED: _l("Cancelled"),
}


class ReturnCondition(StrEnum):
    AS_NEW = "as_new"
    OPENED = "opened"
    DAMAGED = "damaged"
    DEFECTIVE = "defective"


RETURN_CONDITION_LABELS = {
    ReturnCondition.AS_NEW: _l("As new"),
    ReturnCondition.OPENED: _l("Opened, complete"),
    ReturnCondition.DAMAGED: _l("Damaged by the customer"),
    ReturnCondition.DEFECTIVE: _l("Defective"),
}


class Disposition(StrEnum):
    RESTOCK_HERE = "restock_here"  # sellable in this store at once
    QUARANTINE = "quarantine"  # kept here, not sellable
    SEND_TO_WAREHOUSE = "send_to_warehouse"  # packed into a parcel for a warehouse
    BACK_TO_SUPPLIER = "back_to_supplier"  # returned to the product's supplier
    SELLER_PROCESS = "seller_process"  # marketplace item: the seller's return process


DISPOSITION_LABELS = {
    Disposition.RESTOCK_HERE: _l("Back on sale here"),
    Disposition.QUARANTINE: _l("Quarantine here"),
    Disposition.SEND_TO_WAREHOUSE: _l("Send to the warehouse"),
    Disposition.BACK_TO_SUPPLIER: _l("Back to the supplier"),
    Disposition.SELLER_PROCESS: _l("Marketplace seller's return"),
}


class Return(db.Model):
    __tablename__ = "return"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)  # store taking it
    status: Mapped[ReturnStatus] = mapped_column(String(16), default=ReturnStatus.STARTED)
    refund_cents: Mapped[int] = mapped_column(Integer, default=0)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
    location: Mapped[Location] = relationship()
    lines: Mapped[list["ReturnLine"]] = relationship(
        back_populates="return_", order_by="ReturnLine.id", cascade="all, delete-orphan"
    )


class ReturnLine(db.Model):
    __tablename__ = "return_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("return.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    condition: Mapped[ReturnCondition] = mapped_column(String(16))
    disposition: Mapped[Disposition] = mapped_column(String(24))
    refund_cents: Mapped[int] = mapped_column(Integer, default=0)

    return_: Mapped[Return] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()
