"""Read-only views of parcels and runs for the screens, always scoped to the current store."""
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from omni_store.auth.scoping import current_store
from omni_store.core.clock import local, utcnow
from omni_store.extensions import db
from omni_store.network.models import Location, ShuttleRoute
from omni_store.network.timetable import next_departure
from omni_store.orders.models import Order
from omni_store.shuttles.models import (
    Parcel,
    ParcelKind,
    ParcelLine,
    ParcelStatus,
    ShuttleRun,
    ShuttleRunStatus,
)
from omni_store.shuttles.runs import departures_on
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskKind

_PARCEL_DETAILS = (
    selectinload(Parcel.lines).joinedload(ParcelLine.product),
    selectinload(Parcel.lines).joinedload(ParcelLine.allocation),
    joinedload(Parcel.origin),
    joinedload(Parcel.destination),
    joinedload(Parcel.order).joinedload(Order.customer),
    joinedload(Parcel.run).joinedload(ShuttleRun.route),
)


def today_at(store: Location) -> date:
    return local(utcnow(), store.timezone).date()


def _day_bounds(store: Location, day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(store.timezone)
    start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    return start, start + timedelta(days=1)


# --- tasks -----------------------------------------------------------------------------


def store_task_or_404(task_id: int, kind: TaskKind) -> Task:
    task = db.session.scalar(
        select(Task).where(Task.id == task_id, Task.kind == kind,
                           Task.location_id == current_store().id)
        .options(joinedload(Task.product), joinedload(Task.counterpart_location),
                 joinedload(Task.order), joinedload(Task.allocation))
    )
    if task is None:
        abort(404)
    return task


def parcel_of_allocation(allocation_id: int | None) -> Parcel | None:
    """The latest parcel carrying an allocation (a RECEIVE task's incoming parcel)."""
    if allocation_id is None:
        return None
    return db.session.scalar(
        select(Parcel).join(ParcelLine).where(ParcelLine.allocation_id == allocation_id)
        .options(*_PARCEL_DETAILS).order_by(Parcel.id.desc()).limit(1)
    )


def pack_tasks_of(parcel: Parcel | None) -> list[Task]:
    if parcel is None:
        return []
    return list(db.session.scalars(
        select(Task).where(Task.parcel_id == parcel.id, Task.kind == TaskKind.PACK)
        .options(joinedload(Task.product)).order_by(Task.id)
    ))


# --- parcels ---------------------------------------------------------------------------


def parcel_here_or_404(code: str) -> Parcel:
    """A parcel leaving from or coming to the current store; any other is a 404."""
    store_id = current_store().id
    parcel = db.session.scalar(
        select(Parcel).where(Parcel.code == code.strip().upper(),
                             or_(Parcel.origin_id == store_id, Parcel.destination_id == store_id))
        .options(*_PARCEL_DETAILS)
    )
    if parcel is None:
        abort(404)
    return parcel


def incoming_parcels() -> list[Parcel]:
    """Parcels on their way to the current store, soonest first."""
    return list(db.session.scalars(
        select(Parcel).where(Parcel.destination_id == current_store().id,
                             Parcel.status == ParcelStatus.IN_TRANSIT)
        .options(*_PARCEL_DETAILS).order_by(Parcel.expected_at, Parcel.code)
    ))


def parcels_to_seal() -> list[Parcel]:
    """Open parcels of the current store with contents (returns waiting for their label)."""
    return list(db.session.scalars(
        select(Parcel).where(Parcel.origin_id == current_store().id,
                             Parcel.status == ParcelStatus.OPEN,
                             Parcel.lines.any())
        .options(*_PARCEL_DETAILS).order_by(Parcel.code)
    ))


# --- dock ------------------------------------------------------------------------------


@dataclass
class DockRun:
    route: ShuttleRoute
    departure_at: datetime
    cutoff_at: datetime
    run: ShuttleRun | None  # None until a parcel is sealed for it
    packing: int = 0  # PACK tasks planned for this run, not sealed yet
    by_status: Counter = field(default_factory=Counter)

    @property
    def status(self) -> str:
        return self.run.status if self.run else ShuttleRunStatus.PLANNED

    @property
    def sealed(self) -> int:
        return self.by_status[ParcelStatus.SEALED]

    @property
    def loaded(self) -> int:
        return self.by_status[ParcelStatus.LOADED]

    @property
    def gone(self) -> int:
        return sum(n for s, n in self.by_status.items() if s not in (ParcelStatus.SEALED,
                                                                   ParcelStatus.LOADED))

    @property
    def missing(self) -> int:
        """Still to reach the van: being packed, or sealed and not scanned onto it."""
        return self.packing + self.sealed if self.status == ShuttleRunStatus.PLANNED else 0


def next_departures() -> list[tuple[ShuttleRoute, datetime]]:
    """For a day without a van: when each route from the current store leaves next."""
    store = current_store()
    routes = db.session.scalars(
        select(ShuttleRoute).where(ShuttleRoute.origin_id == store.id, ShuttleRoute.active)
        .options(joinedload(ShuttleRoute.destination), joinedload(ShuttleRoute.origin))
    )
    now = utcnow()
    found = [(route, next_departure(route, now)) for route in routes]
    return sorted(((route, at) for route, at in found if at is not None), key=lambda pair: pair[1])


def dock_runs(day: date) -> list[DockRun]:
    """The day's departures from the current store, and other days' runs holding parcels
    (one that missed its van, or sealed tonight for tomorrow morning's)."""
    store = current_store()
    start, end = _day_bounds(store, day)
    routes = list(db.session.scalars(
        select(ShuttleRoute).where(ShuttleRoute.origin_id == store.id, ShuttleRoute.active)
        .options(joinedload(ShuttleRoute.destination), joinedload(ShuttleRoute.origin))
    ))
    by_route = {route.id: route for route in routes}
    runs = {
        (run.route_id, run.departure_at): run
        for run in db.session.scalars(select(ShuttleRun).where(
            ShuttleRun.route_id.in_(by_route),
            or_(ShuttleRun.departure_at.between(start, end),
                (ShuttleRun.status == ShuttleRunStatus.PLANNED)
                & ShuttleRun.parcels.any(Parcel.status.in_([ParcelStatus.SEALED,
                                                            ParcelStatus.LOADED])))))
    }
    dock = {key: DockRun(by_route[key[0]], key[1], run.cutoff_at, run) for key, run in runs.items()}
    for route in routes:
        for departure in departures_on(route, day):
            cutoff = departure - timedelta(minutes=route.cutoff_minutes)
            dock.setdefault((route.id, departure), DockRun(route, departure, cutoff, None))
    counts = db.session.execute(
        select(Parcel.run_id, Parcel.status, func.count())
        .where(Parcel.run_id.in_([r.id for r in runs.values()]))
        .group_by(Parcel.run_id, Parcel.status))
    by_run_id = {entry.run.id: entry for entry in dock.values() if entry.run}
    for run_id, status, number in counts:
        by_run_id[run_id].by_status[status] = number
    _place_pack_tasks(store, sorted(dock.values(), key=lambda e: e.departure_at))
    return sorted(dock.values(), key=lambda e: (e.departure_at, e.route.destination.code))


def _place_pack_tasks(store: Location, entries: list[DockRun]) -> None:
    """Each open PACK task counts on the first planned run whose cut-off is at or after its due time."""
    tasks = db.session.execute(
        select(Task.counterpart_location_id, Task.due_at).where(
            Task.location_id == store.id, Task.kind == TaskKind.PACK,
            Task.status.in_(OPEN_TASK_STATUSES), Task.counterpart_location_id.is_not(None)))
    for destination_id, due_at in tasks:
        entry = next((e for e in entries if e.route.destination_id == destination_id
                      and e.status == ShuttleRunStatus.PLANNED and e.cutoff_at >= due_at), None)
        if entry is not None:
            entry.packing += 1


def run_here_or_404(run_id: int) -> ShuttleRun:
    run = db.session.scalar(
        select(ShuttleRun).join(ShuttleRun.route)
        .where(ShuttleRun.id == run_id, ShuttleRoute.origin_id == current_store().id)
        .options(joinedload(ShuttleRun.route).joinedload(ShuttleRoute.destination),
                 joinedload(ShuttleRun.route).joinedload(ShuttleRoute.origin))
    )
    if run is None:
        abort(404)
    return run


def run_parcels(run: ShuttleRun) -> list[Parcel]:
    return list(db.session.scalars(
        select(Parcel).where(Parcel.run_id == run.id).options(*_PARCEL_DETAILS)
        .order_by(Parcel.status, Parcel.code)
    ))


# --- carrier ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CarrierManifest:
    waiting: list[Parcel]  # sealed, for the next pickup
    handed_today: list[Parcel]


def carrier_manifest(day: date) -> CarrierManifest:
    store = current_store()
    start, end = _day_bounds(store, day)
    parcels = list(db.session.scalars(
        select(Parcel).where(
            Parcel.origin_id == store.id, Parcel.kind == ParcelKind.CARRIER,
            or_(Parcel.status == ParcelStatus.SEALED,
                Parcel.dispatched_at.between(start, end)))
        .options(*_PARCEL_DETAILS).order_by(Parcel.code)
    ))
    return CarrierManifest(
        waiting=[p for p in parcels if p.status == ParcelStatus.SEALED],
        handed_today=[p for p in parcels if p.status != ParcelStatus.SEALED],
    )

