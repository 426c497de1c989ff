"""The invariants checked before the commit, and the summary printed after it."""
from dataclasses import dataclass, field

from sqlalchemy import func, literal, or_, select, union_all

from omni_store.appointments.models import AppointmentSlot, Booking, BookingStatus
from omni_store.auth.models import User
from omni_store.catalog.models import Offer, Product, Seller
from omni_store.demo.counter_day import COUNTER_STORE
from omni_store.demo.scale.writing import Writer
from omni_store.inventory.models import Buffer, StockLevel, StockMovement
from omni_store.network.models import Location, LocationKind, ShuttleRoute, Zone
from omni_store.orders.models import (
    OPEN_ORDER_STATUSES,
    Allocation,
    AllocationStatus,
    DeliveryMethod,
    Hold,
    HoldStatus,
    Order,
    OrderLine,
    OrderStatus,
)
from omni_store.shuttles.models import Parcel, ShuttleRun
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskEvent


@dataclass
class InvariantResults:
    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def check(self, holds: bool, ok: str, broken: str) -> None:
        (self.checked if holds else self.failures).append(ok if holds else broken)

    def lines(self) -> list[str]:
        return [f"ok: {line}" for line in self.checked] + [f"BROKEN: {line}" for line in self.failures]


def check_invariants(conn) -> InvariantResults:
    """DESIGN §2–3 on the whole database, in a few SQL aggregates."""
    results = InvariantResults()
    levels, movements = StockLevel.__table__, StockMovement.__table__
    buckets = union_all(
        select(levels.c.location_id, levels.c.product_id, levels.c.on_hand.label("on_hand"),
               levels.c.allocated.label("allocated"), levels.c.quarantine.label("quarantine"),
               literal(1).label("is_level")),
        select(movements.c.location_id, movements.c.product_id, -movements.c.delta_on_hand,
               -movements.c.delta_allocated, -movements.c.delta_quarantine, literal(0)),
    ).subquery()
    off = select(buckets.c.location_id).group_by(buckets.c.location_id, buckets.c.product_id).having(or_(
        func.sum(buckets.c.on_hand) != 0, func.sum(buckets.c.allocated) != 0,
        func.sum(buckets.c.quarantine) != 0, func.sum(buckets.c.is_level) != 1)).subquery()
    level_count = conn.scalar(select(func.count()).select_from(levels))
    mismatched = conn.scalar(select(func.count()).select_from(off))
    results.check(mismatched == 0, f"{level_count:,} stock levels each equal the sum of their movements",
                  f"{mismatched:,} stock levels differ from the sum of their movements")
    over = conn.scalar(select(func.count()).select_from(levels).where(or_(
        levels.c.allocated > levels.c.on_hand, levels.c.on_hand < 0, levels.c.allocated < 0,
        levels.c.quarantine < 0)))
    results.check(over == 0, "no level allocates more than it has on hand, no bucket below zero",
                  f"{over:,} levels over-allocated or below zero")
    allocations, lines = Allocation.__table__, OrderLine.__table__
    promised = union_all(
        select(levels.c.location_id, levels.c.product_id, levels.c.allocated.label("units"))
        .where(levels.c.allocated != 0),
        select(allocations.c.location_id, lines.c.product_id, -allocations.c.quantity)
        .select_from(allocations.join(lines, lines.c.id == allocations.c.order_line_id))
        .where(allocations.c.status == AllocationStatus.ACTIVE),
    ).subquery()
    unmatched = conn.scalar(select(func.count()).select_from(
        select(promised.c.location_id).group_by(promised.c.location_id, promised.c.product_id)
        .having(func.sum(promised.c.units) != 0).subquery()))
    results.check(unmatched == 0, "each level's allocated units are its active allocations",
                  f"{unmatched:,} levels whose allocated units are not their active allocations")
    holds, zones = Hold.__table__, Zone.__table__
    full = conn.scalar(select(func.count()).select_from(
        select(holds.c.zone_id).select_from(holds.join(zones, zones.c.id == holds.c.zone_id))
        .where(holds.c.status == HoldStatus.ACTIVE).group_by(holds.c.zone_id, zones.c.capacity)
        .having(func.sum(holds.c.quantity) > func.coalesce(zones.c.capacity, 0)).subquery()))
    results.check(full == 0, "no hold slot holds more than its capacity",
                  f"{full:,} hold slots over capacity")
    bookings, slots = Booking.__table__, AppointmentSlot.__table__
    overbooked = conn.scalar(select(func.count()).select_from(
        select(bookings.c.slot_id).select_from(bookings.join(slots, slots.c.id == bookings.c.slot_id))
        .where(bookings.c.status == BookingStatus.BOOKED).group_by(bookings.c.slot_id, slots.c.capacity)
        .having(func.count() > slots.c.capacity).subquery()))
    results.check(overbooked == 0, "no advice slot is booked beyond its capacity",
                  f"{overbooked:,} advice slots overbooked")
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        results.check(not broken, "every foreign key points at a row (PRAGMA foreign_key_check)",
                      f"{len(broken):,} rows point at missing rows, e.g. {broken[:3]}")
    else:
        results.checked.append("every foreign key points at a row (enforced by PostgreSQL)")
    return results


def summary(conn, writer: Writer) -> list[str]:
    def total(model, *where) -> int:
        return conn.scalar(select(func.count()).select_from(model).where(*where))

    kinds = dict(conn.execute(select(Location.kind, func.count()).group_by(Location.kind)).all())
    methods = dict(conn.execute(select(Order.delivery_method, func.count())
                                .where(Order.status.in_(OPEN_ORDER_STATUSES))
                                .group_by(Order.delivery_method)).all())
    statuses = dict(conn.execute(select(Order.status, func.count())
                                 .where(Order.status.in_(OPEN_ORDER_STATUSES)).group_by(Order.status)).all())
    open_tasks = sorted(conn.execute(
        select(func.count()).select_from(Task).join(Location, Location.id == Task.location_id)
        .where(Task.status.in_(OPEN_TASK_STATUSES),
               Location.kind == LocationKind.STORE).group_by(Task.location_id)).scalars())
    rivoli = conn.scalar(select(func.count()).select_from(Task).join(Location, Location.id == Task.location_id)
                         .where(Location.code == COUNTER_STORE,
                                Task.status.in_(OPEN_TASK_STATUSES)))
    median = open_tasks[len(open_tasks) // 2] if open_tasks else 0
    return [
        f"{kinds.get(LocationKind.STORE, 0):,} stores, {kinds.get(LocationKind.WAREHOUSE, 0):,} warehouses, "
        f"{kinds.get(LocationKind.SUPPLIER, 0):,} suppliers; {total(Zone):,} zones, "
        f"{total(ShuttleRoute):,} shuttle routes; {total(User):,} staff accounts",
        f"{total(Product):,} products; {total(Seller):,} sellers, {total(Offer):,} offers",
        f"{total(StockLevel):,} stock levels, {total(StockMovement):,} stock movements, "
        f"{total(Buffer):,} buffers",
        f"{sum(statuses.values()):,} open orders: "
        + ", ".join(f"{statuses.get(s, 0):,} {s}" for s in OrderStatus if s in OPEN_ORDER_STATUSES)
        + "; " + ", ".join(f"{methods.get(m, 0):,} {m}" for m in DeliveryMethod),
        f"{total(OrderLine):,} order lines, {total(Allocation):,} allocations, {total(Task):,} tasks "
        f"({total(TaskEvent):,} events), {total(Parcel):,} parcels on {total(ShuttleRun):,} runs, "
        f"{total(Hold):,} holds, {total(Booking):,} bookings in {total(AppointmentSlot):,} slots",
        f"open tasks per store: min {open_tasks[0] if open_tasks else 0}, median {median}, "
        f"max {open_tasks[-1] if open_tasks else 0}; {COUNTER_STORE}: {rivoli}",
        f"rows written: {sum(writer.written.values()):,}",
    ]
