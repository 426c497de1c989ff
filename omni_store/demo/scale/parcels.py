"""Parcels and shuttle runs: what travelled, and the stock movements of units that left."""
from datetime import datetime, timedelta
from random import Random
from typing import TYPE_CHECKING

from sqlalchemy import select

from omni_store.core.clock import as_utc
from omni_store.core.sequences import NumberSequence
from omni_store.demo.scale.allocations import ARRIVED, IN_TRANSIT, LOADED, PACKING, SEALED, AllocationPlan
from omni_store.demo.scale.existing import Place
from omni_store.demo.scale.records import Records
from omni_store.inventory.models import MovementReason, StockMovement
from omni_store.orders.models import Transport
from omni_store.shuttles.models import (
    Parcel,
    ParcelBucket,
    ParcelKind,
    ParcelLine,
    ParcelStatus,
    ShuttleRun,
    ShuttleRunStatus,
)
from omni_store.shuttles.packing import PARCEL_SEQUENCE

if TYPE_CHECKING:
    from omni_store.demo.scale.builder import Builder

PARCEL_CODE = "P-{:06d}"  # as shuttles.packing.open_parcel numbers parcels


class Parcels:
    """The parcels numbered from the parcel sequence, and the runs they travel on."""

    def __init__(self, builder: "Builder", rng: Random, records: Records):
        self.b, self.rng, self.records = builder, rng, records
        self.now = builder.now
        self.runs: dict[tuple[int, datetime], list] = {}  # (route, departure) -> [id, parcel statuses]
        self.existing_runs = {
            (row.route_id, as_utc(row.departure_at)) for row in builder.chain.conn.execute(
                select(ShuttleRun.route_id, ShuttleRun.departure_at))}
        sequence = builder.chain.conn.execute(
            select(NumberSequence.next_value).where(NumberSequence.name == PARCEL_SEQUENCE)).first()
        self.sequence_exists = sequence is not None
        self.next_parcel_number = sequence.next_value if sequence else 1
        self.parcel_count = 0

    def parcel(self, kind, members: list[AllocationPlan], order_id, store) -> tuple:
        """The group's parcel row (id, code, ...) and its lines."""
        lead = members[0]
        stage, times = lead.stage, lead.times
        parcel_id = next(self.records.ids[Parcel])
        code = PARCEL_CODE.format(self.next_parcel_number)
        self.next_parcel_number += 1
        self.parcel_count += 1
        if kind == "single":  # a warehouse or supplier delivery, recorded at receipt
            status, parcel_kind = ParcelStatus.RECEIVED, ParcelKind.SUPPLIER
            created = dispatched = times["received"]
        else:
            parcel_kind = ParcelKind.SHUTTLE if kind == "shuttle" else ParcelKind.CARRIER
            status = {PACKING: ParcelStatus.OPEN, SEALED: ParcelStatus.SEALED, LOADED: ParcelStatus.LOADED,
                      IN_TRANSIT: ParcelStatus.IN_TRANSIT, ARRIVED: ParcelStatus.RECEIVED}[stage]
            created, dispatched = times["packing"], times.get("departed")
        run_id = self._run(lead.run, status) if lead.run else None
        expected = times.get("expected") or (lead.expected_at if kind == "single" else None)
        row = (parcel_id, code, parcel_kind, status, lead.source.id, store.id if store else None, run_id,
               order_id, lead.rolled_over, "", None, created, times.get("sealed"), dispatched, expected,
               times.get("received"))
        self.records.rows["parcel"].append(row)
        for a in members:
            a.packed = a.quantity if stage > PACKING else self.rng.randint(0, a.quantity - 1)
            if a.packed:
                self.records.rows["parcel_line"].append((
                    next(self.records.ids[ParcelLine]), parcel_id, a.product_id, a.packed,
                    a.quantity if stage == ARRIVED else None, ParcelBucket.ALLOCATED, a.id))
        return row

    def _run(self, key: tuple[int, datetime], parcel_status: ParcelStatus) -> int:
        if key not in self.runs:
            self.runs[key] = [next(self.records.ids[ShuttleRun]), []]
        self.runs[key][1].append(parcel_status)
        return self.runs[key][0]

    def stock_moves(self, a: AllocationPlan, store: Place | None, parcel, associate, receiver) -> None:
        """Units that left their source (and arrived at the pickup store) move the ledger."""
        if a.stage < IN_TRANSIT or parcel is None:
            return
        ref = f"parcel:{parcel[1]}"
        source = self.b.stock.holdings[a.source.id]
        source.moved[a.product_id] = source.moved.get(a.product_id, 0) - a.quantity
        source.allocated[a.product_id] -= a.quantity
        shuttle = a.transport == Transport.SHUTTLE
        left_at = a.times["departed"] if shuttle else a.times["received"]
        self.records.movements.append((next(self.records.ids[StockMovement]), a.source.id, a.product_id,
                                       -a.quantity, -a.quantity, 0,
                                       MovementReason.TRANSFER_OUT if shuttle else MovementReason.SHIPMENT,
                                       ref, "", associate if shuttle else receiver, left_at))
        if a.stage != ARRIVED:
            return
        here = self.b.stock.holdings[store.id]
        if here.index(a.product_id) is not None:
            here.moved[a.product_id] = here.moved.get(a.product_id, 0) + a.quantity
            here.allocated[a.product_id] = here.allocated.get(a.product_id, 0) + a.quantity
        else:
            here.arrived[a.product_id] = here.arrived.get(a.product_id, 0) + a.quantity
        self.records.movements.append((next(self.records.ids[StockMovement]), store.id, a.product_id,
                                       a.quantity, a.quantity, 0, MovementReason.TRANSFER_IN, ref, "",
                                       receiver, a.times["received"]))

    def run_rows(self) -> list[tuple]:
        """The runs the parcels travel on, departed or arrived as their parcels say."""
        runs = []
        routes = {r.id: r for r in self.b.network.routes.values()}
        for (route_id, departure), (run_id, statuses) in self.runs.items():
            route = routes[route_id]
            status = (ShuttleRunStatus.DEPARTED if ParcelStatus.IN_TRANSIT in statuses
                      else ShuttleRunStatus.ARRIVED if departure <= self.now
                      else ShuttleRunStatus.PLANNED)
            runs.append((run_id, route_id, departure,
                         departure - timedelta(minutes=route.cutoff_minutes), status,
                         departure if status != ShuttleRunStatus.PLANNED else None))
        return runs

    def write_sequence(self) -> None:
        """The parcel numbers handed out here are taken from the parcel sequence."""
        if not self.parcel_count:
            return
        t = NumberSequence.__table__
        if self.sequence_exists:
            self.b.chain.conn.execute(t.update().where(t.c.name == PARCEL_SEQUENCE)
                                      .values(next_value=self.next_parcel_number))
        else:
            self.b.chain.conn.execute(t.insert().values(name=PARCEL_SEQUENCE,
                                                        next_value=self.next_parcel_number,
                                                        last_value=None))

