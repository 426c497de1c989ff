from flask_babel import lazy_gettext as _l
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omni_store.catalog.models import Product
from omni_store.core.clock import utcnow
from omni_store.core.types import UTCDateTime
from omni_store.extensions import db
from omni_store.network.models import Location, ShuttleRoute
from omni_store.orders.models import Allocation, Order


class ShuttleRunStatus(StrEnum):
    PLANNED = "planned"  # before departure: parcels are loaded onto it
    DEPARTED = "departed"  # dispatched: its parcels are in transit
    ARRIVED = "arrived"  # every parcel received at the destination (final)


RUN_STATUS_LABELS = {
    ShuttleRunStatus.PLANNED: _l("at the dock"),
    ShuttleRunStatus.DEPARTED: _l("on the road"),
    ShuttleRunStatus.ARRIVED: _l("arrived"),
}


class ShuttleRun(db.Model):
    """One departure of a shuttle route on one day."""

    __tablename__ = "shuttle_run"
    __table_args__ = (UniqueConstraint("route_id", "departure_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("shuttle_route.id"), index=True)
    departure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ShuttleRunStatus] = mapped_column(String(16), default=ShuttleRunStatus.PLANNED)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    route: Mapped[ShuttleRoute] = relationship()
    parcels: Mapped[list["Parcel"]] = relationship(back_populates="run", order_by="Parcel.code")


class ParcelKind(StrEnum):
    SHUTTLE = "shuttle"  # between two locations of the chain, on a shuttle run
    CARRIER = "carrier"  # ship from store: to the customer's address by a carrier
    SUPPLIER = "supplier"  # a supplier's dropship delivery announced to a store


class ParcelStatus(StrEnum):
    OPEN = "open"  # being packed
    SEALED = "sealed"  # closed and labelled, waiting for its run or carrier
    LOADED = "loaded"  # scanned onto the run at the dock
    IN_TRANSIT = "in_transit"  # run dispatched / handed to the carrier / announced by the supplier
    RECEIVED = "received"  # label scanned at the destination, contents checked (final for stock)
    UNPACKED = "unpacked"  # contents put away or isolated (final)


PARCEL_STATUS_LABELS = {
    ParcelStatus.OPEN: _l("being packed"),
    ParcelStatus.SEALED: _l("sealed"),
    ParcelStatus.LOADED: _l("loaded"),
    ParcelStatus.IN_TRANSIT: _l("in transit"),
    ParcelStatus.RECEIVED: _l("received"),
    ParcelStatus.UNPACKED: _l("unpacked"),
}


OPEN_PARCEL_STATUSES = frozenset({ParcelStatus.OPEN, ParcelStatus.SEALED, ParcelStatus.LOADED})


class ParcelBucket(StrEnum):
    """Which stock bucket the units leave at the origin when the parcel is dispatched."""

    ALLOCATED = "allocated"  # units promised to an order; the allocation travels with them
    QUARANTINE = "quarantine"  # non-sellable returns going to a warehouse or supplier


class Parcel(db.Model):
    __tablename__ = "parcel"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)  # printed as QR and Code 128
    kind: Mapped[ParcelKind] = mapped_column(String(16))
    status: Mapped[ParcelStatus] = mapped_column(String(16), default=ParcelStatus.OPEN, index=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    # None for a carrier parcel going to a customer's address.
    destination_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("shuttle_run.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), index=True)
    # Sealed after the cut-off of the run it was meant for: it goes on the next one.
    rolled_over: Mapped[bool] = mapped_column(Boolean, default=False)
    carrier: Mapped[str] = mapped_column(String(40), default="")
    tracking_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    origin: Mapped[Location] = relationship(foreign_keys=[origin_id])
    destination: Mapped[Location | None] = relationship(foreign_keys=[destination_id])
    run: Mapped[ShuttleRun | None] = relationship(back_populates="parcels")
    order: Mapped[Order | None] = relationship()
    lines: Mapped[list["ParcelLine"]] = relationship(
        back_populates="parcel", order_by="ParcelLine.id", cascade="all, delete-orphan"
    )


class ParcelLine(db.Model):
    __tablename__ = "parcel_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcel.id"), index=True)
    # Indexed: where a product travels, chain-wide (chain stock's parcels on the way).
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)  # packed (or announced by the supplier)
    # Counted at the destination; a difference with `quantity` is a discrepancy on record.
    received_quantity: Mapped[int | None] = mapped_column(Integer)
    bucket: Mapped[ParcelBucket] = mapped_column(String(16), default=ParcelBucket.ALLOCATED)
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("allocation.id"))

    parcel: Mapped[Parcel] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    allocation: Mapped[Allocation | None] = relationship()

    @property
    def discrepancy(self) -> int:
        """Units counted on arrival minus units packed; 0 until counted."""
        return 0 if self.received_quantity is None else self.received_quantity - self.quantity

