"""Reads of an order's sourcing, as screens and the API show it (DESIGN §4)."""
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from omni_store.catalog.models import Product
from omni_store.extensions import db
from omni_store.inventory.models import Channel
from omni_store.orders.allocating import order_allocations
from omni_store.orders.intake import pickup_store, products_and_quantities
from omni_store.orders.models import Allocation, AllocationStatus, DeliveryMethod, Order, OrderLine
from omni_store.orders.sourcing import Destination, SourcedQuantity, SourcingRules, plan_line
from omni_store.orders.weighted_rules import current_rules


@dataclass(frozen=True)
class LinePlan:
    line: OrderLine
    allocations: list[Allocation]


def order_plan(order: Order, include_released: bool = False) -> list[LinePlan]:
    """Each line with the allocations that feed it and why they were chosen."""
    query = (
        select(Allocation)
        .join(Allocation.line)
        .where(OrderLine.order_id == order.id)
        .options(selectinload(Allocation.location))
        .order_by(Allocation.id)
    )
    if not include_released:
        query = query.where(Allocation.status != AllocationStatus.RELEASED)
    by_line = defaultdict(list)
    for allocation in db.session.scalars(query):
        by_line[allocation.order_line_id].append(allocation)
    return [LinePlan(line, by_line[line.id]) for line in order.lines]


def uncovered_units(order: Order) -> dict[int, int]:
    """Per order line id, units no source is allocated for (a short pick found nowhere)."""
    covered: dict[int, int] = defaultdict(int)
    for allocation in order_allocations(order):
        if allocation.status != AllocationStatus.RELEASED:
            covered[allocation.order_line_id] += allocation.quantity
    gaps = {line.id: line.quantity - covered[line.id] for line in order.lines}
    return {line_id: gap for line_id, gap in gaps.items() if gap > 0}


@dataclass(frozen=True)
class SimulatedLine:
    product: Product
    quantity: int
    sources: list[SourcedQuantity]  # fewer units than asked: nothing more anywhere


def simulate_order(lines: list[tuple[str, int]], pickup_store_code: str,
                   rules: SourcingRules | None = None) -> list[SimulatedLine]:
    """What the sourcing rules would choose for a web pickup order; reads, never allocates."""
    destination = Destination.pickup_store(DeliveryMethod.PICKUP, pickup_store(pickup_store_code))
    rules = rules or current_rules()
    return [
        SimulatedLine(product, quantity,
                      plan_line(product, quantity, destination, Channel.WEB, rules))
        for product, quantity in products_and_quantities(lines).items()
    ]
