from flask_babel import lazy_gettext as _l
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from omni_store.core.clock import as_utc, utcnow
from omni_store.core.types import UTCDateTime
from omni_store.extensions import db
from omni_store.network.models import Location
from omni_store.orders.models import Order


class AppointmentSlot(db.Model):
    """A time a store offers advice, for up to `capacity` customers at once."""

    __tablename__ = "appointment_slot"
    __table_args__ = (
        UniqueConstraint("location_id", "starts_at", "expertise"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("length_minutes >= 1", name="length_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    length_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    # What the advisers of this slot know about, e.g. "smartphones"; blank: general advice.
    expertise: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    location: Mapped[Location] = relationship()

    @property
    def ends_at(self) -> datetime:
        return as_utc(self.starts_at) + timedelta(minutes=self.length_minutes)


class BookingStatus(StrEnum):
    BOOKED = "booked"  # takes a place in its slot; the reservation is being prepared
    BOUGHT = "bought"  # the customer took items at the counter after the appointment (final)
    HOME_DELIVERY = "home_delivery"  # turned into a home-delivery order (final)
    RELEASED = "released"  # nothing bought: items back on the shelves (final)
    CANCELLED = "cancelled"  # called off before the appointment (final)


BOOKING_STATUS_LABELS = {
    BookingStatus.BOOKED: _l("Booked"),
    BookingStatus.BOUGHT: _l("Bought"),
    BookingStatus.HOME_DELIVERY: _l("Home delivery"),
    BookingStatus.RELEASED: _l("Put back"),
    BookingStatus.CANCELLED: _l("Called off"),
}


BOOKING_OUTCOME_LABELS = {
    BookingStatus.BOUGHT: _l("The customer bought in store."),
    BookingStatus.HOME_DELIVERY: _l("The customer chose home delivery instead."),
    BookingStatus.RELEASED: _l("Nothing bought: the items went back on the shelves."),
    BookingStatus.CANCELLED: _l("Cancelled before the appointment, with its reservation."),
}


FINAL_BOOKING_STATUSES = frozenset(set(BookingStatus) - {BookingStatus.BOOKED})
# The appointment's time came (even if the customer did not): it belongs to that day's history.
TOOK_PLACE_STATUSES = frozenset({BookingStatus.BOUGHT, BookingStatus.HOME_DELIVERY,
                                 BookingStatus.RELEASED})


class Booking(db.Model):
    """One e-reservation's appointment: which slot, and how it ended."""

    __tablename__ = "appointment_booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The store of the slot, repeated so that store scoping is one filter.
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slot.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), unique=True)
    status: Mapped[BookingStatus] = mapped_column(String(16), default=BookingStatus.BOOKED,
                                                  index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The home-delivery order it was turned into.
    follow_up_order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"))

    slot: Mapped[AppointmentSlot] = relationship()
    # `Order.booking` too: the order pages below appointments (tasks) show the appointment
    # without importing this domain.
    order: Mapped[Order] = relationship(foreign_keys=[order_id],
                                        backref=backref("booking", uselist=False))
    follow_up_order: Mapped[Order | None] = relationship(foreign_keys=[follow_up_order_id])
