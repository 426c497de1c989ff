"""How far the work got: each allocation's stage as the clock allows, and the tasks it left."""
from collections import defaultdict
from datetime import datetime, timedelta
from random import Random
from typing import TYPE_CHECKING

from omni_store.demo.scale.allocations import (
    ARRIVED,
    IN_TRANSIT,
    LOADED,
    NOT_STARTED,
    PACKING,
    PICK_CLAIMED,
    PICKED,
    SEALED,
    AllocationPlan,
)
from omni_store.demo.scale.existing import Place
from omni_store.demo.scale.parcels import Parcels
from omni_store.demo.scale.records import Records
from omni_store.orders.models import Hold, HoldStatus, OrderStatus, Transport
from omni_store.orders.promise import CARRIER_DELIVERY
from omni_store.tasks.models import Task, TaskKind, TaskStatus

if TYPE_CHECKING:
    from omni_store.demo.scale.builder import Builder


class Work:
    """The associates' work on an order, from the pick to the hold slot."""

    def __init__(self, builder: "Builder", rng: Random, records: Records, parcels: Parcels):
        self.b, self.rng, self.records, self.parcels = builder, rng, records, parcels
        self.now = builder.now

    def advance(self, order_id, number, store, allocations, intent, created_at, promised_at, placed_by):
        """Stages, tasks, parcels and runs for the order; returns (status, hold row or None)."""
        rng = self.rng
        groups: dict[tuple, list[AllocationPlan]] = defaultdict(list)
        for allocation in allocations:
            kind = "shuttle" if allocation.transport == Transport.SHUTTLE else (
                "carrier" if store is None and allocation.source.is_store else "single")
            key = (kind, allocation.source.id) if kind != "single" else ("single", allocation.id)
            groups[key].append(allocation)
        for (kind, _source), members in groups.items():
            lead = members[0]
            top = self._top_stage(kind, lead, store)
            if intent == OrderStatus.SOURCED or top == NOT_STARTED:
                wanted = NOT_STARTED
            elif intent == OrderStatus.READY:
                wanted = top
            elif lead.source.is_store:
                wanted = rng.randint(PICK_CLAIMED, top)
            else:
                wanted = rng.choice((NOT_STARTED, top))  # the delivery came, or not yet
            stage = self._feasible(kind, lead, wanted, created_at, store)
            for member in members:
                member.stage, member.times, member.run = stage, lead.times, lead.run
                member.rolled_over = lead.rolled_over
            self._group_rows(kind, members, order_id, number, store, created_at, placed_by)
        started = any(a.stage > NOT_STARTED for a in allocations)
        status = OrderStatus.PICKING if started else OrderStatus.SOURCED
        if store is None or not all(self._at_store(a, store) for a in allocations):
            return status, None
        return self._isolate(order_id, store, allocations, intent, promised_at)

    @staticmethod
    def _top_stage(kind: str, allocation: AllocationPlan, store: Place | None) -> int:
        if kind == "shuttle":
            return ARRIVED
        if kind == "carrier":
            return PACKING  # sealed carrier parcels need the carrier's numbers: left to the services
        if allocation.source.is_store:
            return PICKED
        return ARRIVED if store is not None else NOT_STARTED  # a warehouse's parcel to the customer

    def _at_store(self, allocation: AllocationPlan, store: Place) -> bool:
        if allocation.source.id == store.id:
            return allocation.stage >= PICKED
        return allocation.stage == ARRIVED

    def _feasible(self, kind: str, a: AllocationPlan, wanted: int, created_at: datetime,
                  store: Place | None) -> int:
        """The furthest stage up to `wanted` the clock allows, with its times in `a.times`."""
        rng, now = self.rng, self.now
        minutes = timedelta(minutes=1)
        times = a.times
        if not a.source.is_store:  # a warehouse or supplier delivers to the store
            if wanted < ARRIVED:
                return NOT_STARTED
            days = CARRIER_DELIVERY.days if a.transport == Transport.WAREHOUSE else a.source.lead_time_days
            arrival = created_at + timedelta(days=max(days, 1)) - timedelta(hours=rng.uniform(2, 20))
            received = self.b.clock.after_work(store, arrival, 15 * minutes)
            if received > now:
                return NOT_STARTED
            times["received"] = received
            return ARRIVED
        if wanted == NOT_STARTED:
            return NOT_STARTED
        claim = created_at + rng.uniform(3, 40) * minutes
        if claim >= now:
            return NOT_STARTED
        times["claimed"] = claim
        picked = claim + rng.uniform(2, 12) * minutes
        if wanted == PICK_CLAIMED or picked >= now:
            return PICK_CLAIMED
        times["picked"] = picked
        if wanted == PICKED or kind == "single":
            return PICKED
        packing = picked + rng.uniform(1, 15) * minutes
        if packing >= now:
            return PICKED
        times["packing"] = packing
        if wanted == PACKING or kind == "carrier":
            return PACKING
        if wanted >= IN_TRANSIT:
            stage = self._travelled(a, wanted, picked)
            if stage is not None:
                return stage
        return self._sealed(a, min(wanted, LOADED), packing)

    def _sealed(self, a: AllocationPlan, stage: int, packing: datetime) -> int:
        """Sealed (or loaded) for the next run that has not left yet."""
        sealed = max(packing + timedelta(minutes=self.rng.uniform(2, 10)),
                     self.now - timedelta(minutes=self.rng.uniform(5, 45)))
        if sealed >= self.now:
            return PACKING
        planned = self.b.clock.next_departure(a.route, sealed)
        departure = planned if planned and planned > self.now else self.b.clock.next_departure(
            a.route, self.now)
        if departure is None or (a.route.id, departure) in self.parcels.existing_runs:
            return PACKING
        a.times["sealed"] = sealed
        a.run = (a.route.id, departure)
        a.rolled_over = planned is not None and departure > planned
        return stage

    def _travelled(self, a: AllocationPlan, wanted: int, picked: datetime) -> int | None:
        """On the run the parcel made, gone or arrived by now; None when it cannot have left yet."""
        rng = self.rng
        route = a.route
        cutoff, transit = timedelta(minutes=route.cutoff_minutes), timedelta(minutes=route.transit_minutes)
        departure = self.b.clock.next_departure(route, picked + timedelta(minutes=8))
        if departure is None or departure > self.now or (route.id, departure) in self.parcels.existing_runs:
            return None
        arrival = departure + transit
        a.times.update(packing=min(a.times["packing"], departure - cutoff - timedelta(minutes=4)),
                       sealed=departure - cutoff - timedelta(minutes=rng.uniform(1, 3)),
                       departed=departure, expected=arrival)
        a.run = (route.id, departure)
        received = self.b.clock.after_work(route.destination, arrival, timedelta(minutes=rng.uniform(5, 30)))
        # A van that arrived over an hour ago was unloaded: its parcel is no longer in transit.
        if received <= self.now and (wanted == ARRIVED or received < self.now - timedelta(hours=1)):
            a.times["received"] = received
            return ARRIVED
        return IN_TRANSIT

    def _isolate(self, order_id, store: Place, allocations, intent, promised_at):
        """Every unit is at the pickup store: an isolate task, done into a hold slot if READY."""
        rng = self.rng
        arrived = max(a.times.get("received") or a.times["picked"] for a in allocations)
        units = sum(a.quantity for a in allocations)
        claim = arrived + timedelta(minutes=rng.uniform(2, 25))
        done = claim + timedelta(minutes=rng.uniform(1, 5))
        slot = None
        if intent == OrderStatus.READY and done < self.now:
            slot = min((s for s in store.hold_slots if s[1] >= units), key=lambda s: s[1], default=None)
        associate = rng.choice(store.associates) if store.associates else None
        task_id = next(self.records.ids[Task])
        if slot is not None:
            slot[1] -= units
            status, assignee = TaskStatus.DONE, associate
            self.records.events(task_id, arrived, associate, claimed=claim, done=done,
                         done_note=f"hold slot {self._zone_code(store, slot[0])}",
                         created_note="all units at the store")
        elif claim < self.now and rng.random() < 0.4:
            status, assignee = TaskStatus.IN_PROGRESS, associate
            self.records.events(task_id, arrived, associate, claimed=claim,
                                created_note="all units at the store")
        else:
            status, assignee = TaskStatus.OPEN, None
            self.records.events(task_id, arrived, None, created_note="all units at the store")
        self.records.task((task_id, store.id, TaskKind.ISOLATE, status, 0, max(promised_at, arrived),
                           assignee, order_id, None, None, None, units, 0, None, None, None, arrived))
        if slot is None:
            return OrderStatus.PICKING, None
        hold = (next(self.records.ids[Hold]), order_id, slot[0], units, HoldStatus.ACTIVE, done,
                done + self.b.hold_days, None)
        return OrderStatus.READY, hold

    def _zone_code(self, place: Place, zone_id: int) -> str:
        suffix = next((s for s, i in place.zone_ids.items() if i == zone_id), "")
        return f"{place.code}-{suffix}"

    def _group_rows(self, kind, members: list[AllocationPlan], order_id, number, store, created_at,
                    placed_by) -> None:
        """Tasks of the allocations, and their parcel, run and stock moves once they travel."""
        lead = members[0]
        source, stage, times = lead.source, lead.stage, lead.times
        associate = self.rng.choice(source.associates) if source.associates else None
        receiver = self.rng.choice(store.associates) if store is not None and store.associates else None
        parcel = self.parcels.parcel(kind, members, order_id, store) if (
            stage >= PACKING and kind in ("shuttle", "carrier")) or (
            kind == "single" and stage == ARRIVED and not source.is_store) else None
        for a in members:
            about = (order_id, a.id, a.product_id)
            if source.is_store:
                self._pick_task(a, about, associate, created_at, placed_by)
            if kind in ("shuttle", "carrier"):
                self._pack_task(a, about, associate, store, parcel, created_at, placed_by)
            if store is not None and source.id != store.id:
                done = a.stage == ARRIVED
                task_id = next(self.records.ids[Task])
                self.records.events(task_id, created_at, placed_by,
                             done=times.get("received") if done else None, done_actor=receiver,
                             done_note=f"received in {parcel[1]}" if done and parcel else "")
                self.records.task((
                    task_id, store.id, TaskKind.RECEIVE, TaskStatus.DONE if done else TaskStatus.OPEN, 0,
                    a.expected_at, None, order_id, a.id, a.product_id, None, a.quantity, 0, None, None,
                    source.id, created_at))
            self.parcels.stock_moves(a, store, parcel, associate, receiver)

    def _pick_task(self, a: AllocationPlan, about, associate, created_at, placed_by) -> None:
        task_id = next(self.records.ids[Task])
        if a.stage >= PICKED:
            status, done_units = TaskStatus.DONE, a.quantity
        elif a.stage == PICK_CLAIMED:
            status, done_units = TaskStatus.IN_PROGRESS, self.rng.randint(0, a.quantity - 1)
        else:
            status, done_units = TaskStatus.OPEN, 0
        self.records.events(task_id, created_at, placed_by, claimed=a.times.get("claimed"),
                     claim_actor=associate, done=a.times.get("picked") if a.stage >= PICKED else None)
        order_id, allocation_id, product_id = about
        self.records.task((task_id, a.source.id, TaskKind.PICK, status, 0, a.picked_by,
                           associate if status != TaskStatus.OPEN else None, order_id, allocation_id,
                           product_id, a.zone_id, a.quantity, done_units, None, None, None,
                           created_at))

    def _pack_task(self, a: AllocationPlan, about, associate, store, parcel, created_at, placed_by) -> None:
        task_id = next(self.records.ids[Task])
        if a.stage >= SEALED:
            status, done_units = TaskStatus.DONE, a.quantity
        elif a.stage == PACKING:
            status, done_units = TaskStatus.IN_PROGRESS, a.packed
        else:
            status, done_units = TaskStatus.OPEN, 0
        self.records.events(task_id, created_at, placed_by,
                     claimed=a.times.get("packing") if a.stage >= PACKING else None, claim_actor=associate,
                     done=a.times.get("sealed") if a.stage >= SEALED else None,
                     done_note=f"sealed in {parcel[1]}" if parcel else "")
        order_id, allocation_id, product_id = about
        self.records.task((task_id, a.source.id, TaskKind.PACK, status, 0, a.dispatch_by,
                           associate if status != TaskStatus.OPEN else None, order_id, allocation_id,
                           product_id, None, a.quantity, done_units,
                           parcel[0] if parcel else None, None, store.id if store else None,
                           created_at))
