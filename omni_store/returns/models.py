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


class ReturnCondition(StrEnum):
    AS_NEW = "as_new"
    OPENED = "opened"
    DAMAGED = "damaged"
    DEFECTIVE = "defective"


class Disposition(StrEnum):
    RESTOCK_HERE = "restock_here"  # sellable in this store at once
    QUARANTINE = "quarantine"  # kept here, not sellable
    SEND_TO_WAREHOUSE = "send_to_warehouse"  # packed into a parcel for a warehouse
    BACK_TO_SUPPLIER = "back_to_supplier"  # returned to the product's supplier
    SELLER_PROCESS = "seller_process"  # marketplace item: the seller's return process


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
