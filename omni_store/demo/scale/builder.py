"""The builder: the chain grown phase by phase, planned in memory, then written."""
import gc
import time as timer
from collections import defaultdict
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from random import Random

from flask import current_app
from sqlalchemy import func, select

from omni_store.appointments.models import AppointmentSlot, Booking, BookingStatus
from omni_store.core.clock import as_utc, utcnow
from omni_store.demo import appointments_data
from omni_store.demo.scale.catalog import Catalog
from omni_store.demo.scale.existing import Chain
from omni_store.demo.scale.network import Network
from omni_store.demo.scale.orders import OrderMaker
from omni_store.demo.scale.stock import StockPlan, build_buffers
from omni_store.demo.scale.terms import SCALE_RANDOM_SEED, ChainSize
from omni_store.demo.scale.timetables import Clock
from omni_store.demo.scale.writing import Writer
from omni_store.network.models import WEEKDAYS
from omni_store.orders.models import OPEN_ORDER_STATUSES, Order


class Builder:
    """Every phase of the scale, in order; what each phase made is kept for the next ones."""

    def __init__(self, chain: Chain, writer: Writer, size: ChainSize, echo, progressbar):
        self.chain, self.writer, self.size = chain, writer, size
        self.echo, self.progressbar = echo, progressbar
        self.now = utcnow()
        self.clock = Clock(self.now)
        self.sla: timedelta = current_app.config["PICKING_SLA"]
        self.hold_days = timedelta(days=current_app.config["HOLD_DAYS"])

    def rng(self, phase: str) -> Random:
        return Random(f"{SCALE_RANDOM_SEED}:{phase}")

    @contextmanager
    def phase(self, label: str, length: int):
        started = timer.perf_counter()
        with self.progressbar(length=max(length, 1), label=f"{label:<24}", show_pos=True) as bar:
            yield bar
        self.echo(f"  {label}: {length:,} in {timer.perf_counter() - started:.1f} s")

    def build(self) -> None:
        gc.disable()  # millions of small rows, no cycles: the collector would only slow us down
        try:
            self.network = Network(self.chain, self.writer)
            self.network.build(self.size, self.rng("network"), self.phase)
            self.catalog = Catalog(self.chain, self.writer)
            self.catalog.build(self.size, self.rng("catalog"), self.phase)
            self.catalog.add_marketplace(self.size, self.rng("marketplace"), self.phase, self.echo)
            self.stock = StockPlan(self.chain, self.writer, self.catalog)
            self.stock.plan(self.network.places, self.rng("stock"), self.phase)
            self.buffers = build_buffers(self.chain, self.writer, self.network.places, self.rng("buffers"))
            self._publish_slots()
            orders = OrderMaker(self)
            wanted = max(0, self.size.open_orders - self.chain.counts["open_orders"])
            orders.make(wanted)
            if orders.made < wanted:
                self.echo(f"  Only {orders.made:,} of {wanted:,} new open orders found stock to allocate: "
                          "ask for more stores or SKUs for that many.")
            self.stock.write(self.now, self.phase)
            orders.write()
        finally:
            gc.enable()

    def _publish_slots(self) -> None:
        """A week of advice slots in every store's open days, as the demo's four stores have."""
        t = AppointmentSlot.__table__
        self.slots: dict[tuple[int, str], list[list]] = defaultdict(list)  # [start, id, places left]
        taken = dict(self.chain.conn.execute(
            select(Booking.slot_id, func.count()).join(Order, Order.id == Booking.order_id)
            .where(Booking.status == BookingStatus.BOOKED, Order.status.in_(OPEN_ORDER_STATUSES))
            .group_by(Booking.slot_id)).all())
        existing = set()
        for row in self.chain.conn.execute(select(t).where(t.c.starts_at > self.now)):
            starts_at = as_utc(row.starts_at)
            existing.add((row.location_id, starts_at, row.expertise))
            self.slots[(row.location_id, row.expertise)].append(
                [starts_at, row.id, row.capacity - taken.get(row.id, 0)])
        slot_ids = self.writer.ids(AppointmentSlot)
        rows = []
        for store in self.network.stores:
            zone = self.clock.zone(store.timezone)
            today = self.now.astimezone(zone).date()
            for day in (today + timedelta(days=n) for n in range(appointments_data.DAYS_AHEAD)):
                if store.opening_hours and WEEKDAYS[day.weekday()] not in store.opening_hours:
                    continue
                for series in appointments_data.SLOT_SERIES:
                    start = datetime.combine(day, series.first, tzinfo=zone)
                    last = datetime.combine(day, series.last, tzinfo=zone)
                    while start <= last:
                        starts_at = start.astimezone(UTC)
                        if starts_at > self.now and (store.id, starts_at, series.expertise) not in existing:
                            slot_id = next(slot_ids)
                            rows.append((slot_id, store.id, starts_at, series.length_minutes,
                                         series.capacity, series.expertise, self.now))
                            self.slots[(store.id, series.expertise)].append(
                                [starts_at, slot_id, series.capacity])
                        start += timedelta(minutes=series.length_minutes)
        for offers in self.slots.values():
            offers.sort()
        self.slot_rows = rows
