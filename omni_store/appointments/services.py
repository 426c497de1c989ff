"""Advice appointments (DESIGN §5, e-reservation: reserved → appointment booked → items
isolated before it → bought or released).

A store publishes slots. An e-reservation books one as it is placed
(`reserve_with_appointment`): its items come only from places that get them to the store
before the slot, and a slot they cannot make is not offered (`slots_for_items`). Before
the appointment a booking can move, take more products to compare, or be cancelled; after
it, the customer buys at the counter (`close_with_order` records it), has an item
delivered home instead, or leaves the items, which go back on the shelves.
Services flush; the caller commits.
"""
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel import dates
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from omni_store.appointments.models import (
    AppointmentSlot,
    Booking,
    BookingStatus,
)
from omni_store.catalog.models import Product
from omni_store.core.clock import as_utc, utcnow
from omni_store.core.database import MAX_ROW_ID
from omni_store.core.errors import DomainError, InvalidInput, NotAvailable, NotFound
from omni_store.extensions import db
from omni_store.fulfilment.cancellation import cancel_order
from omni_store.fulfilment.placing import add_line, place_marketplace_order, place_order
from omni_store.inventory.models import Channel
from omni_store.network.models import Location
from omni_store.orders.intake import OrderRequest
from omni_store.orders.models import OPEN_ORDER_STATUSES, DeliveryMethod, Order, OrderLine, OrderStatus
from omni_store.orders.delivery_options import delivery_options
from omni_store.orders.sourcing import SourcingRules
from omni_store.outbox.models import EventKind
from omni_store.outbox.services import record_event

SLOT_MINUTES = range(10, 241)  # from a quick check to an afternoon's workshop
MAX_CAPACITY = 20
MAX_SLOTS_PER_PUBLISH = 48
MAX_EXPERTISE_LENGTH = 40
BOOKING_HORIZON = timedelta(days=21)  # how far ahead slots are offered


class SlotFull(DomainError):
    status_code = 409


@dataclass(frozen=True)
class SlotOffer:
    slot: AppointmentSlot
    places_left: int


# --- publishing ------------------------------------------------------------------------


def publish_slots(store: Location, day: date, first: time, last: time, length_minutes: int,
                  capacity: int, expertise: str, now: datetime | None = None
                  ) -> list[AppointmentSlot]:
    """Back-to-back slots from `first` until the last one starting at `last` (store time).

    A slot already published at the same time for the same expertise is left as it is.
    """
    now = now or utcnow()
    expertise = (expertise or "").strip()
    if length_minutes not in SLOT_MINUTES:
        raise InvalidInput(_("A slot lasts from %(min)d to %(max)d minutes.",
                             min=SLOT_MINUTES.start, max=SLOT_MINUTES.stop - 1))
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(_("A slot takes from 1 to %(max)d customers.", max=MAX_CAPACITY))
    if len(expertise) > MAX_EXPERTISE_LENGTH:
        raise InvalidInput(_("The expertise is too long: %(limit)d characters at most.",
                             limit=MAX_EXPERTISE_LENGTH))
    if last < first:
        raise InvalidInput(_("The last slot cannot start before the first one."))
    zone = ZoneInfo(store.timezone)
    moment = datetime.combine(day, first, tzinfo=zone)
    until = datetime.combine(day, last, tzinfo=zone)
    starts = []
    while moment <= until:
        starts.append(moment.astimezone(UTC))
        moment += timedelta(minutes=length_minutes)
    if len(starts) > MAX_SLOTS_PER_PUBLISH:
        raise InvalidInput(_("That makes %(count)d slots: publish %(max)d at most at once.",
                             count=len(starts), max=MAX_SLOTS_PER_PUBLISH))
    if starts[0] <= now:
        raise InvalidInput(_("Slots can only be published in the future."))
    taken = {as_utc(moment) for moment in db.session.scalars(
        select(AppointmentSlot.starts_at).where(AppointmentSlot.location_id == store.id,
                                                AppointmentSlot.expertise == expertise,
                                                AppointmentSlot.starts_at.in_(starts)))}
    slots = [AppointmentSlot(location_id=store.id, starts_at=start, length_minutes=length_minutes,
                             capacity=capacity, expertise=expertise)
             for start in starts if start not in taken]
    db.session.add_all(slots)
    db.session.flush()
    return slots


def withdraw_slot(slot: AppointmentSlot) -> None:
    """A slot nobody booked is taken off the calendar; a booked one stays on record."""
    if db.session.scalar(select(func.count()).select_from(Booking).filter_by(slot_id=slot.id)):
        raise DomainError(_("Customers booked this slot: move or cancel their appointments "
                            "first; it then stays on record."))
    db.session.delete(slot)
    db.session.flush()


# --- what can be booked ----------------------------------------------------------------


def places_taken(slot_ids: list[int]) -> dict[int, int]:
    """Per slot, the bookings still to happen (a closed reservation frees its place)."""
    if not slot_ids:
        return {}
    return dict(db.session.execute(
        select(Booking.slot_id, func.count()).join(Booking.order)
        .where(Booking.slot_id.in_(slot_ids), Booking.status == BookingStatus.BOOKED,
               Order.status.in_(OPEN_ORDER_STATUSES))
        .group_by(Booking.slot_id)
    ).all())


def open_slots(store: Location, not_before: datetime, expertise: str = "",
               now: datetime | None = None) -> list[SlotOffer]:
    """The store's slots with a place left, starting at `not_before` or later."""
    now = now or utcnow()
    query = (select(AppointmentSlot)
             .where(AppointmentSlot.location_id == store.id,
                    AppointmentSlot.starts_at > now,
                    AppointmentSlot.starts_at >= not_before,
                    AppointmentSlot.starts_at < now + BOOKING_HORIZON)
             .order_by(AppointmentSlot.starts_at, AppointmentSlot.expertise))
    if expertise.strip():
        query = query.where(func.lower(AppointmentSlot.expertise) == expertise.strip().lower())
    slots = list(db.session.scalars(query))
    taken = places_taken([slot.id for slot in slots])
    offers = [SlotOffer(slot, slot.capacity - taken.get(slot.id, 0)) for slot in slots]
    return [offer for offer in offers if offer.places_left > 0]


def ready_dates(store: Location, quantities: dict[Product, int],
                now: datetime | None = None) -> dict[Product, datetime | None]:
    """Per product, the earliest it can be ready in the store (None: no way to get it there)."""
    now = now or utcnow()
    return {
        product: min((option.date for option in delivery_options(
            product, quantity, store=store, now=now, per_method=1, marketplace=False)
            if option.store == store.code), default=None)
        for product, quantity in quantities.items()
    }


def slots_for_items(store: Location, quantities: dict[Product, int], expertise: str = "",
                    now: datetime | None = None) -> list[SlotOffer]:
    """Slots an e-reservation of these items can book: every item can be there before."""
    now = now or utcnow()
    dates = ready_dates(store, quantities, now)
    if not dates or None in dates.values():
        return []
    return open_slots(store, max(dates.values()), expertise, now)


def slots_to_move_to(booking: Booking, now: datetime | None = None) -> list[SlotOffer]:
    """Other slots of the store, with the same expertise, the reservation's items (as
    planned) are ready for."""
    slot = booking.slot
    ready = as_utc(booking.order.promised_at)
    return [offer for offer in open_slots(slot.location, ready, slot.expertise, now)
            if offer.slot.id != slot.id]


# --- booking ---------------------------------------------------------------------------


def reserve_with_appointment(request: OrderRequest, slot_id: int, actor_id: int | None = None,
                             rules: SourcingRules | None = None) -> Booking:
    """Place the e-reservation and book its slot, or do neither."""
    now = utcnow()
    if request.delivery_method != DeliveryMethod.RESERVE:
        raise InvalidInput(_("Only an e-reservation comes with an advice appointment."))
    slot = _slot_to_book(slot_id, now)
    if slot.location.code != (request.pickup_store_code or "").strip().upper():
        raise InvalidInput(_("This appointment is at %(store)s: reserve the items there.",
                             store=slot.location.code))
    _require_place(slot)
    _require_in_time(slot, _known_products(request.lines), now)
    with db.session.begin_nested():
        try:
            order = place_order(replace(request, appointment_at=as_utc(slot.starts_at)),
                                actor_id, rules)
        except NotAvailable:
            if rules is None:
                raise
            raise NotAvailable(_("The chosen source cannot get the items here in time for this "
                                 "appointment: choose another source or a later time.")) from None
        booking = Booking(location_id=slot.location_id, slot=slot, order=order)
        db.session.add(booking)
        db.session.flush()
        _confirm(booking)
    return booking


def move_booking(booking: Booking, slot_id: int, now: datetime | None = None) -> Booking:
    """Another time, in the same store; the items as planned must be ready for it."""
    now = now or utcnow()
    _require_open(booking)
    if slot_id == booking.slot_id:
        return booking  # a second tap on the same slot
    slot = _slot_to_book(slot_id, now)
    if slot.location_id != booking.location_id:
        raise NotFound(_("This store has no such appointment slot."))
    _require_place(slot)
    order = booking.order
    ready = as_utc(order.promised_at)
    if as_utc(slot.starts_at) < ready:
        raise NotAvailable(_("The items will be ready %(when)s, after this appointment: "
                             "choose a later one.", when=_store_time(ready, slot.location)))
    booking.slot = slot
    order.appointment_at = as_utc(slot.starts_at)
    db.session.flush()
    _confirm(booking)
    return booking


def add_product(booking: Booking, sku: str, quantity: int, actor_id: int | None,
                now: datetime | None = None) -> OrderLine:
    """A product to compare at the appointment, brought to the store in time for it."""
    now = now or utcnow()
    _require_open(booking)
    slot = booking.slot
    if as_utc(slot.starts_at) <= now:
        raise DomainError(_("The appointment has started: add products before it."))
    _require_in_time(slot, _known_products([(sku, quantity)]), now)
    return add_line(booking.order, sku, quantity, actor_id)


def cancel_booking(booking: Booking, actor_id: int | None, reason: str = "") -> None:
    """Called off before the appointment: the reservation is cancelled with it (its items go
    back on the shelves) and the place is free again. Cancelling twice is harmless."""
    if booking.status == BookingStatus.CANCELLED:
        return
    _require_open(booking)
    _end(booking, BookingStatus.CANCELLED)  # first: see close_with_order
    cancel_order(booking.order, actor_id, reason or _("appointment cancelled"))


# --- after the appointment -------------------------------------------------------------


def release_items(booking: Booking, actor_id: int | None) -> None:
    """The customer took nothing: the reservation ends and its items go back on the shelves."""
    _require_open(booking)
    _end(booking, BookingStatus.RELEASED)  # first: see close_with_order
    cancel_order(booking.order, actor_id, _("released after the appointment"))


@dataclass(frozen=True)
class HomeDelivery:
    line_id: int
    address: str
    latitude: float | None
    longitude: float | None
    offer_id: int | None = None  # a marketplace seller's offer; None: the chain's own stock


def turn_into_home_delivery(booking: Booking, delivery: HomeDelivery,
                            actor_id: int | None) -> Order:
    """The customer prefers one item delivered home: that order is placed and the
    reservation's items go back on the shelves, or nothing changes at all."""
    _require_open(booking)
    reservation = booking.order
    line = next((line for line in reservation.lines if line.id == delivery.line_id), None)
    if line is None:
        raise NotFound(_("Choose an item of this reservation."))
    customer = reservation.customer
    request = OrderRequest(
        email=customer.email, first_name=customer.first_name, last_name=customer.last_name,
        phone=customer.phone, lines=[(line.product.sku, line.quantity)],
        delivery_method=DeliveryMethod.HOME, ship_address=delivery.address,
        ship_latitude=delivery.latitude, ship_longitude=delivery.longitude,
        channel=Channel.STORE)
    with db.session.begin_nested():
        _end(booking, BookingStatus.HOME_DELIVERY)  # first: see close_with_order
        # Released before the home order: the reserved unit itself may ship from this store.
        cancel_order(reservation, actor_id, _("turned into a home delivery"))
        if delivery.offer_id is None:
            home_order = place_order(request, actor_id)
        else:
            home_order = place_marketplace_order(request, delivery.offer_id)
        booking.follow_up_order = home_order
        db.session.flush()
    return home_order


def close_with_order(order: Order) -> None:
    """The reservation ended elsewhere (handed over at the counter, expired, cancelled
    through the API): its booking ends the same way. Called by follow_ups on every such
    move; the services above end their booking before they cancel its order, so that the
    booking keeps their more precise ending (released, home delivery)."""
    booking = db.session.scalar(select(Booking).filter_by(order_id=order.id,
                                                          status=BookingStatus.BOOKED))
    if booking is None:
        return
    match order.status:
        case OrderStatus.HANDED_OVER if any(line.handed_over_quantity for line in order.lines):
            _end(booking, BookingStatus.BOUGHT)
        case OrderStatus.CANCELLED:
            _end(booking, BookingStatus.CANCELLED)
        case _:  # expired, or every item refused at the counter
            _end(booking, BookingStatus.RELEASED)


# --- helpers ---------------------------------------------------------------------------


def _slot_to_book(slot_id, now: datetime) -> AppointmentSlot:
    """The slot, locked: two customers cannot take its last place at once.

    A locking SELECT of the whole row, not core.database.lock_row: the slot is needed
    anyway, and reading it under the lock costs no second statement."""
    if isinstance(slot_id, bool) or not isinstance(slot_id, int):
        raise InvalidInput(_("Choose an appointment slot from the list."))
    slot = None if not 1 <= slot_id <= MAX_ROW_ID else db.session.scalar(select(AppointmentSlot).where(AppointmentSlot.id == slot_id)
                             .with_for_update())
    if slot is None:
        raise NotFound(_("This appointment slot does not exist."))
    if as_utc(slot.starts_at) <= now:
        raise InvalidInput(_("This appointment time has passed: choose another one."))
    return slot


def _require_place(slot: AppointmentSlot) -> None:
    if places_taken([slot.id]).get(slot.id, 0) >= slot.capacity:
        raise SlotFull(_("The %(when)s appointment is fully booked: choose another time.",
                         when=_store_time(as_utc(slot.starts_at), slot.location)))


def _require_in_time(slot: AppointmentSlot, quantities: dict[Product, int],
                     now: datetime) -> None:
    """Every item can be in the store before the slot, or the booking says which cannot."""
    starts_at = as_utc(slot.starts_at)
    for product, ready in ready_dates(slot.location, quantities, now).items():
        if ready is None:
            raise NotAvailable(_("%(name)s cannot be brought to %(store)s at the moment.",
                                 name=product.name, store=slot.location.code))
        if ready > starts_at:
            raise NotAvailable(_("%(name)s can be in the store %(when)s at the earliest, after "
                                 "this appointment: choose a later one.", name=product.name,
                                 when=_store_time(ready, slot.location)))


def _known_products(lines: list[tuple[str, int]]) -> dict[Product, int]:
    """The products of the lines, for the timing check; unknown SKUs and bad quantities are
    left to the order's own validation, which names them."""
    wanted = {(sku or "").strip(): quantity for sku, quantity in lines
              if isinstance(quantity, int) and not isinstance(quantity, bool) and quantity > 0}
    products = db.session.scalars(select(Product).where(Product.sku.in_(wanted)))
    return {product: wanted[product.sku] for product in products}


def _require_open(booking: Booking) -> None:
    if booking.status != BookingStatus.BOOKED or booking.order.status not in OPEN_ORDER_STATUSES:
        raise DomainError(_("This appointment is closed: nothing more can change."))


def _end(booking: Booking, status: BookingStatus) -> None:
    booking.status, booking.ended_at = status, utcnow()
    db.session.flush()


def _store_time(moment: datetime, store: Location) -> str:
    """In the store's own time, whoever reads it (a customer through the API, an admin)."""
    return dates.format_datetime(moment, "EEE d MMM HH:mm", tzinfo=ZoneInfo(store.timezone),
                                 locale=get_locale())


def _confirm(booking: Booking) -> None:
    """The customer is told the time, once per time booked."""
    order, slot = booking.order, booking.slot
    starts_at = as_utc(slot.starts_at)
    record_event(EventKind.APPOINTMENT_BOOKED,
                 f"appointment_booked:{order.number}:{starts_at.isoformat()}", {
                     "order": order.number, "email": order.customer.email,
                     "first_name": order.customer.first_name, "store": slot.location.code,
                     "store_name": slot.location.name, "appointment_at": starts_at.isoformat(),
                     "expertise": slot.expertise,
                     "items": [line.product.name for line in order.lines]})
