"""What the counter remembers between two scans: each unit scanned out for an order."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omni_store.core.clock import utcnow
from omni_store.core.types import UTCDateTime
from omni_store.extensions import db
from omni_store.orders.models import OrderLine


class HandoverScan(db.Model):
    """One unit scanned out at the counter, waiting for the hand-over that consumes it.

    Kept in the database, not in the page, so that a reload, a second tablet or (later)
    the customer's own confirmation on their phone all see the same scanned units.
    """

    __tablename__ = "handover_scan"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Sent by the screen with each scan: the same scan posted twice counts once.
    scan_id: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by the hand-over that gave this unit to the customer.
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    order_line: Mapped[OrderLine] = relationship()


class Handover(db.Model):
    """Tamper-evident record of one hand-over: who, when, which items, how it was confirmed.

    Each record's hash covers its content and the previous record's hash of the same
    store, so changing or deleting a stored record breaks the chain (see `ledger.verify`).
    """

    __tablename__ = "handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    # [{"sku": ..., "handed": units, "refused": units}], one entry per order line changed
    items: Mapped[list] = mapped_column(JSON)
    method: Mapped[str] = mapped_column(String(20))
    associate_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
