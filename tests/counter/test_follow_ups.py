"""The counter's follow-ups of an order's moves: a ready order tells its customer, once."""
from sqlalchemy import select

from omni_store.counter import tokens
from omni_store.counter.follow_ups import tell_customer_ready
from omni_store.counter.services import active_holds
from omni_store.orders.models import OrderStatus
from omni_store.orders.transitions import move_order
from omni_store.outbox.models import EventKind, OutboxEvent
from tests import factories
from tests.counter.conftest import ready_order


def ready_events(db, order) -> list[OutboxEvent]:
    return list(db.session.scalars(
        select(OutboxEvent).filter_by(kind=EventKind.READY_FOR_PICKUP,
                                      dedup_key=f"ready_for_pickup:{order.number}")))


def test_an_order_moved_to_ready_tells_its_customer_once(db, shop):
    order = factories.bare_order(shop.store, OrderStatus.PICKING)
    assert move_order(order, OrderStatus.READY)
    tell_customer_ready(order)  # told again: the event's key keeps the first

    (event,) = ready_events(db, order)
    assert event.payload == {
        "order": order.number, "email": order.customer.email,
        "first_name": order.customer.first_name, "store": "PAR-RIV",
        "store_name": shop.store.name, "slot": None, "expires_at": None,
        "pickup_token": tokens.live_order_view_token(order).id,
    }


def test_the_ready_message_names_the_slot_and_when_the_hold_ends(db, shop):
    order = ready_order(shop, [(shop.case, 1)])

    (event,) = ready_events(db, order)
    (hold,) = active_holds(order.id)
    assert event.payload["slot"] == shop.slot.code == hold.zone.code
    assert event.payload["expires_at"] == hold.expires_at.isoformat()
    assert event.payload["pickup_token"] == tokens.live_order_view_token(order).id


def test_other_moves_tell_the_customer_nothing(db, shop):
    for to in (OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.SHIPPED):
        order = factories.bare_order(shop.store, OrderStatus.PICKING)
        assert move_order(order, to)
        assert ready_events(db, order) == []
