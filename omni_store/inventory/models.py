from flask_babel import lazy_gettext as _l
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omni_store.catalog.models import Product
from omni_store.core.clock import utcnow
from omni_store.core.read_cache import watch
from omni_store.core.types import UTCDateTime
from omni_store.extensions import db
from omni_store.network.models import Location, Zone


class Channel(StrEnum):
    """Who the stock is promised to; each may have units kept back (a buffer)."""

    WEB = "web"
    STORE = "store"
    MARKETPLACE = "marketplace"


CHANNEL_LABELS = {
    Channel.WEB: _l("Web"),
    Channel.STORE: _l("In store"),
    Channel.MARKETPLACE: _l("Marketplace"),
}


class MovementReason(StrEnum):
    RECEIPT = "receipt"  # goods arrived (supplier, ERP feed, demo seed)
    ADJUSTMENT = "adjustment"  # a manual or ERP correction
    COUNT = "count"  # a physical count replaced the book quantity
    ALLOCATE = "allocate"  # units promised to an order
    DEALLOCATE = "deallocate"  # promise released (cancel, re-source, expiry)
    SHORT_PICK = "short_pick"  # not on the shelf when picked
    SALE = "sale"  # sold or collected in store
    SHIPMENT = "shipment"  # left the location to a customer
    TRANSFER_OUT = "transfer_out"  # left on a shuttle parcel
    TRANSFER_IN = "transfer_in"  # arrived from a shuttle parcel
    RETURN_RESTOCK = "return_restock"
    QUARANTINE = "quarantine"  # set aside, not sellable
    QUARANTINE_RELEASE = "quarantine_release"


class StockLevel(db.Model):
    """What a location holds of a product. Each bucket equals the sum of its movements."""

    __tablename__ = "stock_level"
    __table_args__ = (
        UniqueConstraint("location_id", "product_id"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("allocated >= 0", name="allocated_not_negative"),
        CheckConstraint("quarantine >= 0", name="quarantine_not_negative"),
        CheckConstraint("allocated <= on_hand", name="allocated_within_on_hand"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    quarantine: Mapped[int] = mapped_column(Integer, default=0)
    # Where the product lives in the location (a picker looks there first).
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zone.id"))

    location: Mapped[Location] = relationship()
    product: Mapped[Product] = relationship()
    zone: Mapped[Zone | None] = relationship()

    @property
    def free(self) -> int:
        return max(self.on_hand - self.allocated, 0)


class Buffer(db.Model):
    """Units kept back from a channel. Empty scope columns mean 'any'.

    The most specific buffer matching a (location, product) applies: product beats
    category beats chain-wide, and a location-specific one beats its chain-wide twin.
    """

    __tablename__ = "buffer"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(String(16))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)
    category: Mapped[str | None] = mapped_column(String(40))
    quantity: Mapped[int] = mapped_column(Integer)

    location: Mapped[Location | None] = relationship()
    product: Mapped[Product | None] = relationship()

    @property
    def specificity(self) -> int:
        return buffer_specificity(self)


def buffer_specificity(buffer) -> int:
    """Of a Buffer or a row of its columns: product beats category beats chain-wide."""
    return (
        (4 if buffer.product_id else 0)
        + (2 if buffer.category else 0)
        + (1 if buffer.location_id else 0)
    )


class StockMovement(db.Model):
    """One change of one stock level: append-only, never updated or deleted."""

    __tablename__ = "stock_movement"
    # A store's movements of one kind over a day (the board's short picks) among millions.
    __table_args__ = (Index("ix_stock_movement_location_id_reason_created_at",
                            "location_id", "reason", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    delta_on_hand: Mapped[int] = mapped_column(Integer, default=0)
    delta_allocated: Mapped[int] = mapped_column(Integer, default=0)
    delta_quarantine: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[MovementReason] = mapped_column(String(24))
    # What caused it, e.g. "order:W-000123", "task:42", "parcel:P-0007".
    reference: Mapped[str] = mapped_column(String(64), default="", index=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    location: Mapped[Location] = relationship()
    product: Mapped[Product] = relationship()


# The buffers' read model (core/read_cache) is renewed when a buffer changes.
watch("buffers", "buffer")
