from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omni_store.core.clock import utcnow
from omni_store.core.types import UTCDateTime
from omni_store.extensions import db


class EventKind(StrEnum):
    READY_FOR_PICKUP = "ready_for_pickup"
    HOLD_EXPIRY_REMINDER = "hold_expiry_reminder"
    APPOINTMENT_BOOKED = "appointment_booked"  # for the customer: booked or moved
    APPOINTMENT_REMINDER = "appointment_reminder"
    SHUTTLE_DISPATCHED = "shuttle_dispatched"
    REFUND_TO_ISSUE = "refund_to_issue"  # for the ERP
    MARKETPLACE_RETURN = "marketplace_return"  # for the seller's return process
    SUPPLIER_RETURN = "supplier_return"  # for purchasing: ask the supplier to take units back
    ORDER_HANDED_OVER = "order_handed_over"  # for the ERP and the customer: what left the counter
    HOLD_EXPIRED = "hold_expired"  # for the customer: not collected in time, order closed


class OutboxEvent(db.Model):
    """Delivered later by a sender; nothing is lost if the sender is down.

    A sender leases an event (claimed_by, claimed_until) before delivering it, so two
    senders never deliver it at once; see omni_store/notify/sender.py.
    """

    __tablename__ = "outbox_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EventKind] = mapped_column(String(32), index=True)
    # Unique: writing the same event twice (a double tap, a re-run job) keeps one.
    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # After a failure, not retried before this (exponential backoff); None: due now.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the sender delivering it
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # lease end
