"""What the counter remembers: each unit scanned out, each hand-over in the store's
ledger, the customer's links and the hand-overs waiting for the customer's tap."""
from flask_babel import lazy_gettext as _l
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omni_store.auth.models import User
from omni_store.core.clock import utcnow
from omni_store.core.types import UTCDateTime
from omni_store.extensions import db
from omni_store.orders.models import Order, OrderLine


class RefusalReason(StrEnum):
    """Why a customer leaves an item at the counter: the code is what gets recorded."""

    CHANGED_MIND = "changed_mind"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"  # not the item ordered
    NOT_AS_DESCRIBED = "not_as_described"


REFUSAL_REASON_LABELS = {
    RefusalReason.CHANGED_MIND: _l("Changed their mind"),
    RefusalReason.DAMAGED: _l("Item damaged"),
    RefusalReason.WRONG_ITEM: _l("Not the item ordered"),
    RefusalReason.NOT_AS_DESCRIBED: _l("Not as described"),
}


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


class TokenPurpose(StrEnum):
    ORDER_VIEW = "order_view"  # the customer's page of their order, with its QR code
    HANDOVER_CONFIRM = "handover_confirm"  # one tap to confirm the items received (single use)


class PickupToken(db.Model):
    """One customer link. Only hashes are kept: the database alone opens no link."""

    __tablename__ = "pickup_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of the random token the link carries.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Random, kept so that the same link can be shown again; the token is derived from it
    # with the app's secret key (see tokens.py), so a stolen database opens nothing.
    nonce: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[TokenPurpose] = mapped_column(String(20))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Order view only: sha256 of the 6-digit pickup code, and the wrong codes tried.
    code_hash: Mapped[str | None] = mapped_column(String(64))
    failed_codes: Mapped[int] = mapped_column(Integer, default=0)
    # The last time staff unlocked the code after too many wrong ones: who, and when.
    codes_unlocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    codes_unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
    codes_unlocked_by: Mapped[User | None] = relationship()


class ConfirmationStatus(StrEnum):
    PENDING = "pending"  # shown as a QR code at the counter, waiting for the customer
    CONFIRMED = "confirmed"  # the customer tapped "I received these items" (final)
    CANCELLED = "cancelled"  # the associate went back, or proposed again (final)


class HandoverConfirmation(db.Model):
    """Units the associate proposes to hand over, frozen until the customer confirms them."""

    __tablename__ = "handover_confirmation"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("pickup_token.id"), unique=True)
    # {line id (as text, JSON keys): units}; refused: {line id: [units, reason]}.
    handed: Mapped[dict] = mapped_column(JSON)
    refused: Mapped[dict] = mapped_column(JSON, default=dict)
    # The order's progress when proposed: the confirmation applies to that state only.
    progress: Mapped[int] = mapped_column(Integer)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status: Mapped[ConfirmationStatus] = mapped_column(
        String(16), default=ConfirmationStatus.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
    token: Mapped[PickupToken] = relationship()
