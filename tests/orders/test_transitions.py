"""The order gate: every (from, to) pair of OrderStatus is allowed or refused, and a stale
order read earlier in the request is judged on what is stored."""
from contextlib import contextmanager

import pytest
from sqlalchemy import select, update

from omni_store.orders.events import order_moved
from omni_store.orders.models import Order, OrderEvent, OrderStatus
from omni_store.orders.transitions import move_order
from tests import factories

S = OrderStatus
# Written out here, not read from ORDER_MOVES, so that a change to the table fails a test.
ALLOWED = {
    (S.SOURCED, S.PICKING), (S.SOURCED, S.READY), (S.SOURCED, S.SHIPPED),
    (S.SOURCED, S.EXPIRED), (S.SOURCED, S.CANCELLED),
    (S.PICKING, S.READY), (S.PICKING, S.SHIPPED), (S.PICKING, S.EXPIRED),
    (S.PICKING, S.CANCELLED),
    (S.READY, S.PICKING),  # a line added to a ready order
    (S.READY, S.HANDED_OVER), (S.READY, S.SHIPPED), (S.READY, S.EXPIRED),
    (S.READY, S.CANCELLED),
}
PAIRS = [(a, b) for a in OrderStatus for b in OrderStatus]


@contextmanager
def moves_sent():
    """Every order_moved sent meanwhile, as (order id, from, to)."""
    sent = []

    def record(order, from_status, actor_id):
        sent.append((order.id, from_status, order.status))

    with order_moved.connected_to(record):
        yield sent


def events_of(db, order):
    return [(e.from_status, e.to_status, e.actor_id, e.note) for e in db.session.scalars(
        select(OrderEvent).filter_by(order_id=order.id).order_by(OrderEvent.id))]


def stored_status(db, order):
    return db.session.scalar(select(Order.status).where(Order.id == order.id))


def moved_elsewhere(db, order, status):
    """Another request moved the order; this one still holds what it read before."""
    db.session.execute(update(Order).where(Order.id == order.id).values(status=status)
                       .execution_options(synchronize_session=False))


@pytest.fixture
def store(db):
    return factories.store("PAR-RIV")


@pytest.mark.parametrize(("from_status", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair_of_statuses(db, store, from_status, to):
    order = factories.bare_order(store, from_status)
    actor = factories.user(store_loc=store)

    with moves_sent() as sent:
        moved = move_order(order, to, actor_id=actor.id, note="by the test")

    if (from_status, to) in ALLOWED:
        assert moved is True
        assert (order.status, stored_status(db, order)) == (to, to)
        assert events_of(db, order) == [(from_status, to, actor.id, "by the test")]
        assert sent == [(order.id, from_status, to)]
    else:
        assert moved is False
        assert (order.status, stored_status(db, order)) == (from_status, from_status)
        assert events_of(db, order) == []
        assert sent == []


def test_the_table_names_every_status_and_the_final_ones_go_nowhere():
    from omni_store.orders.transitions import ORDER_MOVES

    assert set(ORDER_MOVES) == set(OrderStatus)
    assert {(a, b) for a, tos in ORDER_MOVES.items() for b in tos} == ALLOWED


def test_a_stale_order_moves_from_where_it_stands_now(db, store):
    order = factories.bare_order(store, S.SOURCED)
    moved_elsewhere(db, order, S.PICKING)

    with moves_sent() as sent:
        assert move_order(order, S.READY)

    assert order.status == S.READY
    assert events_of(db, order) == [(S.PICKING, S.READY, None, "")]  # the move that happened
    assert sent == [(order.id, S.PICKING, S.READY)]


def test_a_stale_order_closed_meanwhile_is_refused_and_reads_as_stored(db, store):
    order = factories.bare_order(store, S.READY)
    moved_elsewhere(db, order, S.HANDED_OVER)

    with moves_sent() as sent:
        assert not move_order(order, S.EXPIRED)

    assert order.status == S.HANDED_OVER  # the caller words its refusal from this
    assert events_of(db, order) == [] and sent == []


def test_a_stale_order_that_seems_to_be_there_already_is_read_again(db, store):
    order = factories.bare_order(store, S.READY)
    moved_elsewhere(db, order, S.PICKING)  # a line was added meanwhile

    with moves_sent() as sent:
        assert move_order(order, S.READY)

    assert events_of(db, order) == [(S.PICKING, S.READY, None, "")]
    assert sent == [(order.id, S.PICKING, S.READY)]


def test_a_condition_that_does_not_hold_refuses_and_writes_nothing(db, store):
    order = factories.bare_order(store, S.READY)

    with moves_sent() as sent:
        assert not move_order(order, S.EXPIRED, only_if=(Order.number == "not this one",))

    assert (order.status, stored_status(db, order)) == (S.READY, S.READY)
    assert events_of(db, order) == [] and sent == []
