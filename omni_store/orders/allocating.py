"""Allocating an order line at its sources, and the promise those allocations give (DESIGN §4).

Shared by intake (a new order or line) and re-sourcing (units missing at a source). It
holds stock and records why each source was chosen; the store work that moves the units
is fulfilment's (omni_store.fulfilment).
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from omni_store.core.errors import NotAvailable
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.network.snapshot import Site, network
from omni_store.orders.models import Allocation, AllocationStatus, Order, OrderLine
from omni_store.orders.promise import Leg, leg, promise
from omni_store.orders.sourcing import Destination, SourcedQuantity, SourcingRules, plan_line

# A lost allocation race re-plans the rest of the line; a busy product gives up after this.
MAX_SOURCING_ATTEMPTS = 3


@dataclass(frozen=True)
class Sourced:
    """One new allocation and what its store work needs: the source, its zone, the journey."""

    allocation: Allocation
    source: Site
    zone_id: int | None
    leg: Leg


def allocate_line(order: Order, line: OrderLine, destination: Destination,
                  rules: SourcingRules, now: datetime, actor_id: int | None,
                  quantity: int | None = None) -> list[Sourced]:
    """Allocate `quantity` units of the line (all of it by default) from its planned
    sources, re-planning what another order took; NotAvailable if they cannot be covered."""
    ref = inventory.Ref(order.reference, actor_id)
    sourced = []
    remaining = line.quantity if quantity is None else quantity
    for _attempt in range(MAX_SOURCING_ATTEMPTS):
        plan = plan_line(line.product, remaining, destination, order.channel, rules)
        if sum(part.quantity for part in plan) < remaining:
            break
        for part in plan:
            location = part.candidate.location
            if not inventory.allocate(location.id, line.product, part.quantity, order.channel, ref,
                                      buffer=part.candidate.buffer):
                break  # another order took these units after the plan was read
            sourced.append(_record_allocation(line, part, destination, now))
            remaining -= part.quantity
        if remaining == 0:
            return sourced
    raise NotAvailable(_("Not enough %(name)s (%(sku)s) available for this order.",
                         name=line.product.name, sku=line.product.sku))


def _record_allocation(line: OrderLine, part: SourcedQuantity, destination: Destination,
                       now: datetime) -> Sourced:
    candidate = part.candidate
    journey = leg(candidate.location, candidate.transport, destination, now, network())
    allocation = Allocation(
        location_id=candidate.location.id,
        quantity=part.quantity,
        transport=candidate.transport,
        status=AllocationStatus.ACTIVE,
        distance_km=candidate.distance_km,
        explanation=part.explanation,
        expected_at=journey.arrives_at,
    )
    line.allocations.append(allocation)
    db.session.flush()
    return Sourced(allocation, candidate.location, candidate.zone_id, journey)


def destination_of(order: Order) -> Destination:
    if order.pickup_location is not None:
        return Destination.pickup_store(order.delivery_method, order.pickup_location)
    return Destination.address(order.delivery_method, order.ship_latitude, order.ship_longitude)


def order_allocations(order: Order) -> list[Allocation]:
    """Every allocation of the order, released ones included, oldest first."""
    return list(db.session.scalars(
        select(Allocation).join(Allocation.line).where(OrderLine.order_id == order.id)
        .order_by(Allocation.id)
    ))


def repromise(order: Order, destination: Destination) -> None:
    """The order's promise again, from the allocations it holds now."""
    active = [a for a in order_allocations(order) if a.status != AllocationStatus.RELEASED]
    order.promised_at = promise(destination, active, network())
