"""Read-only figures of one store's day for the mission board, scoped to the current store.

Every figure is counted from the rows themselves (tasks, task events, holds, runs,
returns, ledger movements), so a past day reads the history the same way as today.
"""
from flask_babel import lazy_gettext as _l
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.orm import joinedload

from omni_store.appointments.models import (
    FINAL_BOOKING_STATUSES,
    TOOK_PLACE_STATUSES,
    Booking,
    BookingStatus,
)
from omni_store.auth.models import User
from omni_store.auth.scoping import current_store
from omni_store.catalog.models import Product
from omni_store.core.clock import utcnow
from omni_store.extensions import db
from omni_store.inventory.models import MovementReason, StockMovement
from omni_store.network.models import WEEKDAYS, Location, Zone
from omni_store.orders.models import Customer, DeliveryMethod, Hold, HoldStatus, Order, OrderStatus
from omni_store.returns.models import Return
from omni_store.shuttles.models import ShuttleRunStatus
from omni_store.shuttles.queries import DockRun, dock_runs, today_at
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskEvent, TaskKind, TaskStatus

# Every status but cancelled, named one by one so that the (store, status, due) index serves.
NOT_CANCELLED = frozenset(TaskStatus) - {TaskStatus.CANCELLED}
# Due within this long counts as at risk.
AT_RISK = timedelta(minutes=30)
# The hourly chart covers at least these local hours when the store has no opening hours.
DEFAULT_HOURS = (8, 20)


def day_bounds(store: Location, day: date) -> tuple[datetime, datetime]:
    """The store's local day as a UTC interval [start, end)."""
    start = datetime.combine(day, time.min, tzinfo=ZoneInfo(store.timezone)).astimezone(UTC)
    return start, start + timedelta(days=1)


# --- the day's completions -------------------------------------------------------------


@dataclass(frozen=True)
class Completions:
    done: list[Row]  # each task finished that day: task_id, kind, actor_id, at
    claims: dict[int, list[datetime]]  # when each of those tasks was claimed


def completions(day: date) -> Completions:
    """The tasks finished that day at the store and when each was claimed, in one read: the
    counts by kind, the people and the hourly chart all count from it."""
    store = current_store()
    start, end = day_bounds(store, day)
    that_day = (TaskEvent.created_at >= start, TaskEvent.created_at < end)
    finished = (
        select(TaskEvent.task_id).join(Task)
        .where(Task.location_id == store.id, TaskEvent.to_status == TaskStatus.DONE, *that_day)
    )
    found = Completions([], defaultdict(list))
    for event in db.session.execute(
        select(TaskEvent.task_id, Task.kind, TaskEvent.actor_id, TaskEvent.created_at.label("at"),
               TaskEvent.to_status)
        .join(Task)
        .where(TaskEvent.task_id.in_(finished),
               or_(and_(TaskEvent.to_status == TaskStatus.DONE, *that_day),
                   and_(TaskEvent.from_status == TaskStatus.OPEN,
                        TaskEvent.to_status == TaskStatus.IN_PROGRESS)))
    ):
        if event.to_status == TaskStatus.DONE:
            found.done.append(event)
        else:
            found.claims[event.task_id].append(event.at)
    return found


# --- the day's tasks ------------------------------------------------------------------


@dataclass(frozen=True)
class DayTasks:
    created: list[str]  # the kind of each task created that day
    due: list[datetime]  # when each task due that day is due (cancelled ones excepted)


def day_tasks(day: date) -> DayTasks:
    """The tasks created or due that day at the store, in one read (an index for each side):
    the counts by kind and the hourly chart count from it."""
    store = current_store()
    start, end = day_bounds(store, day)
    found = DayTasks([], [])
    for kind, status, created_at, due_at in db.session.execute(
        select(Task.kind, Task.status, Task.created_at, Task.due_at)
        .where(Task.location_id == store.id,
               or_(and_(Task.created_at >= start, Task.created_at < end),
                   and_(Task.status.in_(NOT_CANCELLED), Task.due_at >= start, Task.due_at < end)))
    ):
        if start <= created_at < end:
            found.created.append(kind)
        if status != TaskStatus.CANCELLED and start <= due_at < end:
            found.due.append(due_at)
    return found


# --- tasks by kind ----------------------------------------------------------------------


@dataclass
class KindCounts:
    kind: TaskKind
    open: int = 0  # now, waiting for someone (today only)
    in_progress: int = 0  # now, claimed (today only)
    exception: int = 0  # now, stopped by a problem (today only)
    created: int = 0  # created that day
    done: int = 0  # finished that day

    @property
    def any(self) -> bool:
        return any((self.open, self.in_progress, self.exception, self.created, self.done))


def task_counts(day: date, tasks: DayTasks, done: Completions) -> list[KindCounts]:
    """Per task kind: current open work (today) and what was created and finished that day."""
    store = current_store()
    counts = {kind: KindCounts(kind) for kind in TaskKind}
    if day == today_at(store):
        for kind, status, number in db.session.execute(
            select(Task.kind, Task.status, func.count()).where(
                Task.location_id == store.id,
                Task.status.in_(OPEN_TASK_STATUSES | {TaskStatus.EXCEPTION}))
            .group_by(Task.kind, Task.status)
        ):
            setattr(counts[TaskKind(kind)], TaskStatus(status).value, number)
    for kind, number in Counter(tasks.created).items():
        counts[TaskKind(kind)].created = number
    finished = {event.task_id: event.kind for event in done.done}  # a task finished twice counts once
    for kind, number in Counter(finished.values()).items():
        counts[TaskKind(kind)].done = number
    return [entry for entry in counts.values() if entry.any]


# --- today's open work -----------------------------------------------------------------


def open_work(now: datetime) -> list[Row]:
    """Today's open tasks that the alerts or "who does what" show, soonest due first: those
    due within AT_RISK or late, and every claimed one. One read, as plain rows."""
    store = current_store()
    return db.session.execute(
        select(Task.id, Task.kind, Task.status, Task.due_at, Task.priority, Task.quantity, Task.assignee_id,
               User.name.label("assignee_name"), Product.name.label("product_name"),
               Order.number.label("order_number"))
        .outerjoin(User, User.id == Task.assignee_id)
        .outerjoin(Product, Product.id == Task.product_id)
        .outerjoin(Order, Order.id == Task.order_id)
        .where(Task.location_id == store.id, Task.status.in_(OPEN_TASK_STATUSES),
               or_(Task.due_at < now + AT_RISK, Task.status == TaskStatus.IN_PROGRESS))
        .order_by(Task.due_at, Task.id)
    ).all()


# --- late and at risk -------------------------------------------------------------------


class AlertKind(StrEnum):
    TASK = "task"  # an open task due soon or late
    PROMISE = "promise"  # a pickup promised to the customer, not ready yet
    CUTOFF = "cutoff"  # a shuttle cut-off with parcels still to seal or load
    APPOINTMENT = "appointment"  # an advice appointment whose items are not ready


ALERT_LABELS = {
    AlertKind.TASK: _l("Task"),
    AlertKind.PROMISE: _l("Pickup promise"),
    AlertKind.CUTOFF: _l("Shuttle cut-off"),
    AlertKind.APPOINTMENT: _l("Appointment"),
}


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    due_at: datetime
    late: bool
    task: Row | None = None  # a row of open_work
    order: Row | None = None  # number, status, first_name (the customer's)
    run: DockRun | None = None


def alerts(runs: list[DockRun], work: list[Row], now: datetime) -> list[Alert]:
    """Everything due within AT_RISK or already past, soonest first: open tasks (from
    open_work), pickup promises not ready, shuttle cut-offs with parcels still missing,
    appointments whose items are not ready."""
    store = current_store()
    horizon = now + AT_RISK
    found = [Alert(AlertKind.TASK, task.due_at, task.due_at < now, task=task)
             for task in work if task.due_at < horizon]
    promises, appointments = [], []
    for order in db.session.execute(
        select(Order.number, Order.status, Order.delivery_method, Order.promised_at, Order.appointment_at,
               Customer.first_name)
        .join(Order.customer)
        .where(Order.pickup_location_id == store.id,
               Order.status.in_([OrderStatus.SOURCED, OrderStatus.PICKING]),
               or_(and_(Order.delivery_method == DeliveryMethod.PICKUP, Order.promised_at < horizon),
                   and_(Order.delivery_method == DeliveryMethod.RESERVE, Order.appointment_at < horizon)))
    ):
        if order.delivery_method == DeliveryMethod.PICKUP:
            promises.append(Alert(AlertKind.PROMISE, order.promised_at, order.promised_at < now, order=order))
        else:
            appointments.append(Alert(AlertKind.APPOINTMENT, order.appointment_at,
                                      order.appointment_at < now, order=order))
    found += promises + appointments
    found += [
        Alert(AlertKind.CUTOFF, run.cutoff_at, run.cutoff_at < now, run=run)
        for run in runs
        if run.status == ShuttleRunStatus.PLANNED and run.missing and run.cutoff_at < horizon
    ]
    return sorted(found, key=lambda alert: alert.due_at)


# --- people -----------------------------------------------------------------------------


@dataclass
class Person:
    user: User
    working_on: list[Row] = field(default_factory=list)  # claimed now (today only): rows of open_work
    done: int = 0  # tasks they finished that day
    average: timedelta | None = None  # from claim (or assignment) to done, that day

    @property
    def average_minutes(self) -> int | None:
        return None if self.average is None else round(self.average.total_seconds() / 60)


def people(done: Completions, work: list[Row]) -> list[Person]:
    """Who does what: each active person of the store, busiest first; what they are on now
    comes from today's open work (none for a past day)."""
    store = current_store()
    by_user = {user.id: Person(user) for user in db.session.scalars(
        select(User).where(User.store_id == store.id, User.active.is_(True)).order_by(User.name))}
    for task in work:
        if task.status == TaskStatus.IN_PROGRESS and task.assignee_id in by_user:
            by_user[task.assignee_id].working_on.append(task)
    durations = defaultdict(list)
    for task_id, _kind, actor_id, done_at, _status in done.done:
        if actor_id not in by_user:
            continue
        by_user[actor_id].done += 1
        started = [at for at in done.claims.get(task_id, ()) if at <= done_at]
        if started:
            durations[actor_id].append(done_at - max(started))
    for user_id, spans in durations.items():
        by_user[user_id].average = sum(spans, timedelta()) / len(spans)
    return sorted(by_user.values(), key=lambda p: (-len(p.working_on), -p.done, p.user.name))


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


# --- hourly chart -----------------------------------------------------------------------


@dataclass(frozen=True)
class HourBar:
    hour: int  # local hour of the store
    done: int  # tasks finished in that hour
    due: int  # tasks due in that hour (cancelled ones excepted)


def hourly(day: date, tasks: DayTasks, done_that_day: Completions) -> list[HourBar]:
    """Completions per local hour against tasks due per hour, over the opening hours."""
    store = current_store()
    zone = ZoneInfo(store.timezone)
    done = Counter(event.at.astimezone(zone).hour for event in done_that_day.done)
    due = Counter(at.astimezone(zone).hour for at in tasks.due)
    first, last = _opening_hours(store, day)
    hours = set(done) | set(due)
    first, last = min(hours | {first}), max(hours | {last})
    return [HourBar(hour, done[hour], due[hour]) for hour in range(first, last + 1)]


def _opening_hours(store: Location, day: date) -> tuple[int, int]:
    """First and last local hour the store is open that day (closing at 20:00: last is 19)."""
    spans = (store.opening_hours or {}).get(WEEKDAYS[day.weekday()]) or []
    if not spans:
        return DEFAULT_HOURS
    opens = min(int(span[0][:2]) for span in spans)
    closes = max(span[1] for span in spans)
    return opens, max(opens, int(closes[:2]) - (1 if closes.endswith(":00") else 0))


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

