"""Fulfilment's answers to what tasks tell it (omni_store.tasks.events); imported by create_app."""
from omni_store.fulfilment.progress import advance
from omni_store.fulfilment.resourcing import resource_shortfall
from omni_store.orders.models import Allocation, Order
from omni_store.orders.resourcing import Shortfall
from omni_store.tasks.events import order_work_moved, units_missing


@order_work_moved.connect
def move_order_on(order: Order, *, actor_id: int | None) -> None:
    advance(order, actor_id)


@units_missing.connect
def resource_missing_units(allocation: Allocation, *, missing: int,
                           actor_id: int | None) -> Shortfall:
    return resource_shortfall(allocation, missing, actor_id)
