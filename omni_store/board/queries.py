"""Read-only figures of one store's day for the mission board, scoped to the current store:
the orders waiting, the day's appointments, returns and short picks, and `board_for`
composing them with the task figures (board.day) and the alerts (board.alerts).

Every figure is counted from the rows themselves (tasks, task events, holds, runs,
returns, ledger movements), so a past day reads the history the same way as today.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Row, and_, or_, select
from sqlalchemy.orm import joinedload

from omni_store.appointments.models import (
    FINAL_BOOKING_STATUSES,
    TOOK_PLACE_STATUSES,
    Booking,
    BookingStatus,
)
from omni_store.auth.scoping import current_store
from omni_store.board.alerts import Alert, alerts, open_work
from omni_store.board.day import (
    HourBar,
    KindCounts,
    Person,
    completions,
    day_bounds,
    day_tasks,
    hourly,
    people,
    task_counts,
)
from omni_store.core.clock import utcnow
from omni_store.extensions import db
from omni_store.inventory.models import MovementReason, StockMovement
from omni_store.network.models import Location, Zone
from omni_store.orders.models import Customer, Hold, HoldStatus, Order, OrderStatus
from omni_store.returns.models import Return
from omni_store.shuttles.queries import DockRun, dock_runs, today_at


# --- orders, appointments, returns ------------------------------------------------------


@dataclass
class WaitingOrder:
    order: Row  # id, number, first_name (the customer's)
    slots: list[str]
    expires_at: datetime


def waiting_for_pickup() -> list[WaitingOrder]:
    """Ready orders in their hold slots, the first to expire first."""
    store = current_store()
    waiting: dict[int, WaitingOrder] = {}
    # From the store's ready orders to their holds (an outer join keeps that order on
    # SQLite): active holds are many across the chain, this store's ready orders few.
    for row in db.session.execute(
        select(Order.id, Order.number, Customer.first_name, Zone.code.label("slot"), Hold.expires_at)
        .join(Order.customer)
        .outerjoin(Hold, and_(Hold.order_id == Order.id, Hold.status == HoldStatus.ACTIVE))
        .outerjoin(Zone, Zone.id == Hold.zone_id)
        .where(Order.pickup_location_id == store.id, Order.status == OrderStatus.READY)
        .order_by(Hold.expires_at, Hold.id)
    ):
        if row.slot is None:  # ready, yet in no slot: nothing waits on a shelf
            continue
        entry = waiting.setdefault(row.id, WaitingOrder(row, [], row.expires_at))
        entry.slots.append(row.slot)
        entry.expires_at = min(entry.expires_at, row.expires_at)
    return sorted(waiting.values(), key=lambda entry: entry.expires_at)


@dataclass
class DayAppointment:
    order: Order
    outcome: BookingStatus | None  # how the appointment ended, once it has


def appointments(day: date) -> list[DayAppointment]:
    """The day's appointments, including those whose reservation ended with them (turned
    into a home delivery, items put back); not those called off beforehand."""
    store = current_store()
    start, end = day_bounds(store, day)
    rows = db.session.execute(
        select(Order, Booking.status).outerjoin(Booking, Booking.order_id == Order.id)
        .where(Order.pickup_location_id == store.id,
               Order.appointment_at >= start, Order.appointment_at < end,
               or_(Order.status != OrderStatus.CANCELLED,
                   Booking.status.in_(TOOK_PLACE_STATUSES)))
        .options(joinedload(Order.customer)).order_by(Order.appointment_at)
    ).all()
    return [DayAppointment(order, status if status in FINAL_BOOKING_STATUSES else None)
            for order, status in rows]


def returns_of(day: date) -> list[Return]:
    store = current_store()
    start, end = day_bounds(store, day)
    return list(db.session.scalars(
        select(Return).where(Return.location_id == store.id,
                             Return.created_at >= start, Return.created_at < end)
        .options(joinedload(Return.order)).order_by(Return.created_at)
    ))


# --- short picks ------------------------------------------------------------------------


@dataclass
class ShortPick:
    movement: StockMovement
    # Where the missing units were promised instead: (location code, units).
    resourced: list[tuple[str, int]] = field(default_factory=list)

    @property
    def quantity(self) -> int:
        return -self.movement.delta_on_hand

    @property
    def order_number(self) -> str | None:
        reference = self.movement.reference
        return reference.removeprefix("order:") if reference.startswith("order:") else None

    @property
    def resourced_units(self) -> int:
        return sum(units for _code, units in self.resourced)


def short_picks(day: date) -> list[ShortPick]:
    """The day's short picks at this store and, from the ledger, the allocations of the
    same order and product made elsewhere from that moment on (the re-sourcing)."""
    store = current_store()
    start, end = day_bounds(store, day)
    found = [ShortPick(movement) for movement in db.session.scalars(
        select(StockMovement).where(StockMovement.location_id == store.id,
                                    StockMovement.reason == MovementReason.SHORT_PICK,
                                    StockMovement.created_at >= start, StockMovement.created_at < end)
        .options(joinedload(StockMovement.product)).order_by(StockMovement.created_at)
    )]
    references = {entry.movement.reference for entry in found if entry.order_number}
    if not references:
        return found
    allocations = db.session.execute(
        select(StockMovement.reference, StockMovement.product_id, StockMovement.created_at,
               StockMovement.delta_allocated, Location.code)
        .join(StockMovement.location)
        .where(StockMovement.reason == MovementReason.ALLOCATE,
               StockMovement.reference.in_(references), StockMovement.location_id != store.id,
               StockMovement.created_at >= start)
        .order_by(StockMovement.id)
    ).all()
    for entry in found:
        short = entry.movement
        entry.resourced = [
            (code, units) for reference, product_id, at, units, code in allocations
            if reference == short.reference and product_id == short.product_id
            and at >= short.created_at
        ]
    return found



# --- the whole board --------------------------------------------------------------------


@dataclass
class Board:
    store: Location
    day: date
    is_today: bool
    now: datetime
    counts: list[KindCounts]
    alerts: list[Alert]
    people: list[Person]
    runs: list[DockRun]
    waiting: list[WaitingOrder]
    appointments: list[DayAppointment]
    returns: list[Return]
    short_picks: list[ShortPick]
    hours: list[HourBar]

    @property
    def ship_from_store_paused(self) -> bool:
        return self.store.does_ship_from_store and not self.store.ships_from_store_on(self.day)


def board_for(day: date) -> Board:
    """The store's day; live parts (alerts, waiting orders, claimed work) only for today."""
    store = current_store()
    is_today = day == today_at(store)
    start, end = day_bounds(store, day)
    # Today's dock also carries earlier runs still holding parcels; a past day shows its own.
    runs = [run for run in dock_runs(day) if is_today or start <= run.departure_at < end]
    now, tasks, done = utcnow(), day_tasks(day), completions(day)
    work = open_work(now) if is_today else []
    return Board(
        store=store, day=day, is_today=is_today, now=now,
        counts=task_counts(day, tasks, done),
        alerts=alerts(runs, work, now) if is_today else [],
        people=people(done, work),
        runs=runs,
        waiting=waiting_for_pickup() if is_today else [],
        appointments=appointments(day),
        returns=returns_of(day),
        short_picks=short_picks(day),
        hours=hourly(day, tasks, done),
    )

