"""The one gate an order's status goes through (DESIGN §5).

`move_order` checks the move against ORDER_MOVES, stores it in one conditional UPDATE
(two requests cannot both move the same order), writes the order's history and sends
`order_moved`, where the follow-ups live (an appointment ends, the customer is told).
No other code writes `Order.status`; an order is born SOURCED (an INSERT, not a move).
"""
from omni_store.core.database import compare_and_set
from omni_store.extensions import db
from omni_store.orders.events import order_moved
from omni_store.orders.models import Order, OrderEvent, OrderStatus

S = OrderStatus
ORDER_MOVES: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.SOURCED: frozenset({S.PICKING, S.READY, S.SHIPPED, S.EXPIRED, S.CANCELLED}),
    S.PICKING: frozenset({S.READY, S.SHIPPED, S.EXPIRED, S.CANCELLED}),
    # Back to PICKING: a line added to a ready order (fulfilment.placing.add_line).
    S.READY: frozenset({S.PICKING, S.HANDED_OVER, S.SHIPPED, S.EXPIRED, S.CANCELLED}),
    S.HANDED_OVER: frozenset(),
    S.SHIPPED: frozenset(),
    S.EXPIRED: frozenset(),
    S.CANCELLED: frozenset(),
}


def move_order(order: Order, to: OrderStatus, *, actor_id: int | None = None, note: str = "",
               only_if=()) -> bool:
    """Move `order` to `to`; False if the move is not allowed from where it stands now
    (another request moved it first, or `only_if`, extra SQL conditions, do not hold).

    The order read earlier in the request may be stale: the UPDATE is conditional on the
    status this request saw, and a refusal from an open status is judged again on the
    stored one. After the call `order.status` is what is stored. Refusing is the caller's
    to word: "already collected", "changed meanwhile".
    """
    for attempt in range(2):  # once more if another request moved it between read and write
        from_status = order.status
        if to not in ORDER_MOVES[from_status]:
            if attempt == 0 and ORDER_MOVES[from_status]:  # an open status may be stale
                db.session.refresh(order, ["status"])
                if order.status != from_status:
                    continue
            return False
        if compare_and_set(order, Order.status == from_status, *only_if, status=to):
            db.session.add(OrderEvent(order_id=order.id, from_status=from_status, to_status=to,
                                      actor_id=actor_id, note=note[:200]))
            order_moved.send(order, from_status=from_status, actor_id=actor_id)
            return True
        if order.status == from_status:
            return False  # only_if did not hold
    return False
