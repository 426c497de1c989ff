"""What the appointment screens read: bookings with where each reserved item stands, and
the store's calendar of slots. A fixed number of statements, however many bookings."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import exists, select
from sqlalchemy.orm import contains_eager, joinedload

from omni_store.appointments.models import AppointmentSlot, Booking, BookingStatus
from omni_store.appointments.services import places_taken
from omni_store.catalog.models import Offer
from omni_store.core.clock import as_utc, local
from omni_store.extensions import db
from omni_store.network.models import Location, LocationKind, ShuttleRoute
from omni_store.orders.models import (
    OPEN_ORDER_STATUSES,
    Allocation,
    AllocationStatus,
    Hold,
    HoldStatus,
    Order,
    OrderLine,
    OrderStatus,
    Transport,
)
from omni_store.shuttles.models import Parcel, ParcelLine
from omni_store.tasks.models import Task

STILL_SHOWN = timedelta(hours=2)  # the appointment in progress stays on the list
SOON = timedelta(hours=2)  # closer than this, an order not ready yet is a worry
CALENDAR_DAYS = 14


class ItemState(StrEnum):
    ISOLATED = "isolated"  # waiting in a hold-zone slot of the store
    HERE = "here"  # in the store, not in the hold zone yet
    IN_PARCEL = "in_parcel"  # travelling in a parcel
    ELSEWHERE = "elsewhere"  # being prepared at another store or a warehouse
    AT_SUPPLIER = "at_supplier"  # still at the supplier


class Worry(StrEnum):
    LATE_ITEMS = "late_items"  # the items are promised after the slot starts
    NOT_READY = "not_ready"  # the slot is close and the items are not all isolated


@dataclass(frozen=True)
class Units:
    """Some units of a reserved item and where they are."""

    quantity: int
    state: ItemState
    where: str = ""  # the hold slot, the parcel, or the location's code
    by_shuttle: bool = False
    departs_at: datetime | None = None
    arrives_at: datetime | None = None


@dataclass(frozen=True)
class Item:
    line: OrderLine
    units: list[Units]  # empty once the reservation has ended


@dataclass(frozen=True)
class Appointment:
    booking: Booking
    items: list[Item]
    is_open: bool  # booked and the reservation still open: it can change
    worry: Worry | None
    follow_up_here: bool = False  # the home-delivery order is worked on in this store


@dataclass(frozen=True)
class AppointmentDay:
    day: date  # in the store's time
    appointments: list[Appointment]


@dataclass(frozen=True)
class CalendarSlot:
    slot: AppointmentSlot
    taken: int  # places booked by reservations still open
    withdrawable: bool  # nobody ever booked it


@dataclass(frozen=True)
class CalendarDay:
    day: date
    slots: list[CalendarSlot]


def booking_of(order: Order) -> Booking | None:
    """The appointment booked with an e-reservation, with its slot."""
    return db.session.scalar(select(Booking).filter_by(order_id=order.id)
                             .options(joinedload(Booking.slot)))


def upcoming_appointments(store: Location, now: datetime) -> list[AppointmentDay]:
    """The store's open bookings from the one in progress onwards, by day in store time."""
    bookings = _bookings(Booking.location_id == store.id,
                         Booking.status == BookingStatus.BOOKED,
                         Order.status.in_(OPEN_ORDER_STATUSES),
                         AppointmentSlot.starts_at >= now - STILL_SHOWN)
    days: dict[date, list[Appointment]] = defaultdict(list)
    for appointment in _appointments(store, bookings, now):
        days[local(appointment.booking.slot.starts_at, store.timezone).date()].append(appointment)
    return [AppointmentDay(day, appointments) for day, appointments in days.items()]


def appointment(booking_id: int, store: Location, now: datetime) -> Appointment | None:
    """One booking of the store, open or closed; another store's is None."""
    bookings = _bookings(Booking.id == booking_id, Booking.location_id == store.id)
    if not bookings:
        return None
    (found,) = _appointments(store, bookings, now)
    follow_up = found.booking.follow_up_order_id
    if follow_up is None:
        return found
    here = db.session.scalar(select(exists().where(Task.order_id == follow_up,
                                                   Task.location_id == store.id)))
    return Appointment(found.booking, found.items, found.is_open, found.worry, here)


def offers_for(lines: list[OrderLine]) -> dict[int, list[Offer]]:
    """Per product, the marketplace offers in stock for the line's quantity, cheapest first."""
    wanted = {line.product_id: line.quantity for line in lines}
    offers = db.session.scalars(
        select(Offer).where(Offer.product_id.in_(wanted), Offer.stock > 0)
        .options(joinedload(Offer.seller))
        .order_by(Offer.price_cents + Offer.shipping_cents, Offer.lead_time_days, Offer.id))
    found: dict[int, list[Offer]] = defaultdict(list)
    for offer in offers:
        if offer.stock >= wanted[offer.product_id]:
            found[offer.product_id].append(offer)
    return found


def calendar(store: Location, now: datetime) -> list[CalendarDay]:
    """The store's slots of the next two weeks, with their places taken."""
    slots = list(db.session.scalars(
        select(AppointmentSlot)
        .where(AppointmentSlot.location_id == store.id, AppointmentSlot.starts_at >= now,
               AppointmentSlot.starts_at < now + timedelta(days=CALENDAR_DAYS))
        .order_by(AppointmentSlot.starts_at, AppointmentSlot.expertise)))
    ids = [slot.id for slot in slots]
    taken = places_taken(ids)
    ever_booked = set(db.session.scalars(
        select(Booking.slot_id).where(Booking.slot_id.in_(ids)).distinct())) if ids else set()
    days: dict[date, list[CalendarSlot]] = defaultdict(list)
    for slot in slots:
        days[local(slot.starts_at, store.timezone).date()].append(
            CalendarSlot(slot, taken.get(slot.id, 0), slot.id not in ever_booked))
    return [CalendarDay(day, day_slots) for day, day_slots in days.items()]


# --- helpers -------------------------------------------------------------------------


def _bookings(*conditions) -> list[Booking]:
    order = contains_eager(Booking.order)
    lines = order.selectinload(Order.lines)
    return list(db.session.scalars(
        select(Booking).join(Booking.slot).join(Booking.order).where(*conditions)
        .options(contains_eager(Booking.slot), order.joinedload(Order.customer),
                 joinedload(Booking.follow_up_order),
                 lines.joinedload(OrderLine.product),
                 lines.selectinload(OrderLine.allocations).joinedload(Allocation.location))
        .order_by(AppointmentSlot.starts_at, Booking.id)).unique())


def _appointments(store: Location, bookings: list[Booking], now: datetime) -> list[Appointment]:
    allocations = [allocation for booking in bookings for line in booking.order.lines
                   for allocation in line.allocations]
    isolated = _isolated(store, bookings)
    parcels = _parcels([a.id for a in allocations
                        if a.status == AllocationStatus.IN_TRANSIT
                        or (a.status == AllocationStatus.ACTIVE and a.location_id != store.id)])
    routes = {route.origin_id: route for route in db.session.scalars(
        select(ShuttleRoute).filter_by(destination_id=store.id, active=True))}
    appointments = []
    for booking in bookings:
        order = booking.order
        is_open = booking.status == BookingStatus.BOOKED and order.status in OPEN_ORDER_STATUSES
        items = [Item(line, [_units(a, store, isolated, parcels, routes)
                             for a in line.allocations
                             if a.status in (AllocationStatus.ACTIVE, AllocationStatus.IN_TRANSIT)])
                 for line in order.lines]
        appointments.append(Appointment(booking, items, is_open,
                                        _worry(booking, now) if is_open else None))
    return appointments


def _isolated(store: Location, bookings: list[Booking]) -> dict[int, str]:
    """Allocation id → its hold slot. Units go into the hold zone as they all arrive, so
    each hold takes the oldest allocations here; a product added later waits for its own."""
    holds: dict[int, list[Hold]] = defaultdict(list)
    for hold in db.session.scalars(
            select(Hold).where(Hold.order_id.in_([b.order_id for b in bookings]),
                               Hold.status == HoldStatus.ACTIVE)
            .options(joinedload(Hold.zone)).order_by(Hold.id)):
        holds[hold.order_id].append(hold)
    isolated = {}
    for booking in bookings:
        here = sorted((a for line in booking.order.lines for a in line.allocations
                       if a.status == AllocationStatus.ACTIVE and a.location_id == store.id),
                      key=lambda a: a.id)
        slot_of_unit = [hold.zone.code for hold in holds[booking.order_id]
                        for _unit in range(hold.quantity)]
        placed = 0
        for allocation in here:
            if placed + allocation.quantity <= len(slot_of_unit):
                isolated[allocation.id] = slot_of_unit[placed]
            placed += allocation.quantity
    return isolated


def _parcels(allocation_ids: list[int]) -> dict[int, Parcel]:
    """Allocation id → the parcel that carries (or will carry) its units."""
    if not allocation_ids:
        return {}
    rows = db.session.execute(
        select(ParcelLine.allocation_id, Parcel).join(ParcelLine.parcel)
        .where(ParcelLine.allocation_id.in_(allocation_ids))
        .options(joinedload(Parcel.run)).order_by(ParcelLine.id))
    return {allocation_id: parcel for allocation_id, parcel in rows}  # the latest parcel wins


def _units(allocation: Allocation, store: Location, isolated: dict[int, str],
           parcels: dict[int, Parcel], routes: dict[int, ShuttleRoute]) -> Units:
    quantity, parcel = allocation.quantity, parcels.get(allocation.id)
    expected = as_utc(allocation.expected_at) if allocation.expected_at else None
    if allocation.status == AllocationStatus.IN_TRANSIT:
        arrives = as_utc(parcel.expected_at) if parcel and parcel.expected_at else expected
        return Units(quantity, ItemState.IN_PARCEL, parcel.code if parcel else "",
                     arrives_at=arrives)
    if allocation.location_id == store.id:
        if allocation.id in isolated:
            return Units(quantity, ItemState.ISOLATED, isolated[allocation.id])
        return Units(quantity, ItemState.HERE)
    source = allocation.location
    if source.kind == LocationKind.SUPPLIER:
        return Units(quantity, ItemState.AT_SUPPLIER, source.code, arrives_at=expected)
    by_shuttle = allocation.transport == Transport.SHUTTLE
    departs = None
    if by_shuttle and parcel is not None and parcel.run is not None:
        departs = as_utc(parcel.run.departure_at)
    elif by_shuttle and expected and source.id in routes:
        departs = expected - timedelta(minutes=routes[source.id].transit_minutes)
    return Units(quantity, ItemState.ELSEWHERE, source.code, by_shuttle, departs, expected)


def _worry(booking: Booking, now: datetime) -> Worry | None:
    order, starts_at = booking.order, as_utc(booking.slot.starts_at)
    if order.promised_at and as_utc(order.promised_at) > starts_at:
        return Worry.LATE_ITEMS
    if starts_at - now < SOON and order.status != OrderStatus.READY:
        return Worry.NOT_READY
    return None

