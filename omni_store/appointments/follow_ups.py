"""What appointments do when an order moves (receivers of orders.events.order_moved).

A reservation can close outside appointments: handed over at the counter, expired by the
jobs, cancelled through the API. Its booking then ends the same way, here, whoever moved
the order, so no caller has to remember it.
"""
from omni_store.appointments.services import close_with_order
from omni_store.orders.events import order_moved
from omni_store.orders.models import Order, OrderStatus

# The closings that end a booking. A booked order is an e-reservation, which never ships.
BOOKING_ENDING_STATUSES = frozenset({OrderStatus.HANDED_OVER, OrderStatus.EXPIRED,
                                     OrderStatus.CANCELLED})


@order_moved.connect
def end_booking_with_its_order(order: Order, **_move) -> None:
    if order.status in BOOKING_ENDING_STATUSES:
        close_with_order(order)
