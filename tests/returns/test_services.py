"""Returns: quantities, dispositions and their stock effects, refund, marketplace lines."""
import pytest
from sqlalchemy import select

from omni_store.core.errors import DomainError, InvalidInput
from omni_store.inventory.models import MovementReason, StockLevel, StockMovement
from omni_store.inventory.queries import ledger_mismatches
from omni_store.orders.models import OrderStatus
from omni_store.outbox.models import EventKind, OutboxEvent
from omni_store.returns.models import Disposition, ReturnCondition, ReturnStatus
from omni_store.returns.services import (
    add_return_line,
    cancel_return,
    complete_return,
    remove_return_line,
    returnable_quantities,
    start_return,
)
from omni_store.tasks.models import Task, TaskKind
from tests import factories
from tests.returns.conftest import bought, shipped


def level(db, store, product):
    return db.session.scalar(select(StockLevel).filter_by(location_id=store.id, product_id=product.id))


def buckets(db, store, product):
    found = level(db, store, product)
    return (found.on_hand, found.allocated, found.quarantine)


def line_of(order, product):
    return next(line for line in order.lines if line.product_id == product.id)


def events(db, kind):
    return db.session.scalars(select(OutboxEvent).filter_by(kind=kind)).all()


def one_line_return(chain, order, product, quantity, condition, disposition):
    return_ = start_return(order, chain.rivoli.id, None)
    add_return_line(return_, line_of(order, product).id, quantity, "does not fit", condition,
                    disposition)
    return complete_return(return_, None)


def test_the_return_number_is_readable_and_the_return_is_recorded_where_it_is_taken(db, chain):
    order = bought(chain, [(chain.case, 1)])
    return_ = start_return(order, chain.rivoli.id, None)
    assert return_.number == f"R{return_.id:06d}"
    assert return_.location_id == chain.rivoli.id and return_.status == ReturnStatus.STARTED


def test_restock_here_is_sellable_here_at_once_with_a_task_to_put_it_back(db, chain):
    order = bought(chain, [(chain.case, 2)])
    before = buckets(db, chain.rivoli, chain.case)

    one_line_return(chain, order, chain.case, 2, ReturnCondition.AS_NEW, Disposition.RESTOCK_HERE)

    assert buckets(db, chain.rivoli, chain.case) == (before[0] + 2, before[1], before[2])
    movement = db.session.scalar(select(StockMovement).filter_by(reason=MovementReason.RETURN_RESTOCK))
    assert movement.location_id == chain.rivoli.id and movement.delta_on_hand == 2
    task = db.session.scalar(select(Task).filter_by(kind=TaskKind.RESTOCK, location_id=chain.rivoli.id))
    assert (task.product_id, task.quantity, task.zone_id) == (chain.case.id, 2, chain.shelf.id)
    assert ledger_mismatches() == []


@pytest.mark.parametrize("disposition", [Disposition.QUARANTINE, Disposition.BACK_TO_SUPPLIER])
def test_quarantined_units_are_not_sellable(db, chain, disposition):
    order = bought(chain, [(chain.case, 1)])
    before = buckets(db, chain.rivoli, chain.case)

    one_line_return(chain, order, chain.case, 1, ReturnCondition.DEFECTIVE, disposition)

    assert buckets(db, chain.rivoli, chain.case) == (before[0], before[1], before[2] + 1)
    supplier_events = events(db, EventKind.SUPPLIER_RETURN)
    assert len(supplier_events) == (1 if disposition == Disposition.BACK_TO_SUPPLIER else 0)
    assert ledger_mismatches() == []


def test_send_to_warehouse_quarantines_and_creates_a_parcel_to_the_nearest_warehouse(db, chain):
    from omni_store.shuttles.models import Parcel, ParcelBucket

    order = bought(chain, [(chain.case, 2), (chain.phone, 1)])
    return_ = start_return(order, chain.rivoli.id, None)
    for product in (chain.case, chain.phone):
        add_return_line(return_, line_of(order, product).id, 1, "broken", ReturnCondition.DEFECTIVE,
                        Disposition.SEND_TO_WAREHOUSE)
    complete_return(return_, None)

    assert level(db, chain.rivoli, chain.case).quarantine == 1
    parcel = db.session.scalar(select(Parcel))
    assert (parcel.origin_id, parcel.destination_id) == (chain.rivoli.id, chain.near_warehouse.id)
    assert sorted((line.product_id, line.quantity, line.bucket) for line in parcel.lines) == sorted([
        (chain.case.id, 1, ParcelBucket.QUARANTINE), (chain.phone.id, 1, ParcelBucket.QUARANTINE)])
    assert ledger_mismatches() == []


def test_a_marketplace_line_goes_to_the_seller_and_never_into_our_stock(db, chain):
    order = bought(chain, [(chain.phone, 1)])
    line_of(order, chain.phone).offer_id = chain.offer.id
    before = buckets(db, chain.rivoli, chain.phone)
    return_ = start_return(order, chain.rivoli.id, None)

    with pytest.raises(DomainError, match="marketplace seller"):
        add_return_line(return_, line_of(order, chain.phone).id, 1, "no", ReturnCondition.AS_NEW,
                        Disposition.RESTOCK_HERE)
    add_return_line(return_, line_of(order, chain.phone).id, 1, "no", ReturnCondition.AS_NEW,
                    Disposition.SELLER_PROCESS)
    complete_return(return_, None)

    assert buckets(db, chain.rivoli, chain.phone) == before
    [event] = events(db, EventKind.MARKETPLACE_RETURN)
    assert event.payload["seller"] == "SELL-1" and event.payload["quantity"] == 1
    assert return_.refund_cents == 0 and events(db, EventKind.REFUND_TO_ISSUE) == []
    assert ledger_mismatches() == []


def test_own_stock_cannot_go_to_a_seller(db, chain):
    order = bought(chain, [(chain.case, 1)])
    return_ = start_return(order, chain.rivoli.id, None)
    with pytest.raises(DomainError, match="own stock"):
        add_return_line(return_, line_of(order, chain.case).id, 1, "no", ReturnCondition.AS_NEW,
                        Disposition.SELLER_PROCESS)


def test_a_damaged_item_cannot_go_back_on_sale(db, chain):
    order = bought(chain, [(chain.case, 1)])
    return_ = start_return(order, chain.rivoli.id, None)
    with pytest.raises(DomainError, match="cannot go back on sale"):
        add_return_line(return_, line_of(order, chain.case).id, 1, "no", ReturnCondition.DAMAGED,
                        Disposition.RESTOCK_HERE)


def test_the_refund_is_the_price_of_the_units_and_half_for_customer_damage(db, chain):
    order = bought(chain, [(chain.case, 2), (chain.phone, 1)])
    return_ = start_return(order, chain.rivoli.id, None)
    add_return_line(return_, line_of(order, chain.case).id, 2, "too small", ReturnCondition.OPENED,
                    Disposition.RESTOCK_HERE)
    add_return_line(return_, line_of(order, chain.phone).id, 1, "dropped", ReturnCondition.DAMAGED,
                    Disposition.QUARANTINE)

    complete_return(return_, None)
    complete_return(return_, None)  # a second submit changes nothing

    assert return_.refund_cents == 2 * 2000 + 40000 // 2
    [event] = events(db, EventKind.REFUND_TO_ISSUE)
    assert event.dedup_key == f"refund:{return_.number}"
    assert event.payload["amount_cents"] == 24000 and event.payload["order"] == order.number
    assert level(db, chain.rivoli, chain.phone).quarantine == 1  # applied once
    assert ledger_mismatches() == []


def test_never_more_than_bought_minus_already_returned(db, chain):
    order = bought(chain, [(chain.case, 3)])
    line = line_of(order, chain.case)
    one_line_return(chain, order, chain.case, 2, ReturnCondition.AS_NEW, Disposition.QUARANTINE)
    return_ = start_return(order, chain.rivoli.id, None)

    with pytest.raises(DomainError, match="Only 1 unit"):
        add_return_line(return_, line.id, 2, "again", ReturnCondition.AS_NEW, Disposition.QUARANTINE)
    add_return_line(return_, line.id, 1, "again", ReturnCondition.AS_NEW, Disposition.QUARANTINE)
    with pytest.raises(DomainError, match="Only 0 unit"):
        add_return_line(return_, line.id, 1, "again", ReturnCondition.AS_NEW, Disposition.QUARANTINE)
    complete_return(return_, None)

    assert returnable_quantities(order) == {line.id: 0}
    with pytest.raises(DomainError, match="already been returned"):
        start_return(order, chain.rivoli.id, None)


def test_two_open_returns_of_one_order_cannot_both_take_the_last_unit(db, chain):
    order = bought(chain, [(chain.case, 1)])
    first, second = (start_return(order, chain.rivoli.id, None) for _ in range(2))
    for return_ in (first, second):
        add_return_line(return_, line_of(order, chain.case).id, 1, "no", ReturnCondition.AS_NEW,
                        Disposition.QUARANTINE)
    complete_return(first, None)
    with pytest.raises(DomainError, match="returned meanwhile"):
        complete_return(second, None)


def test_only_units_the_customer_received_can_come_back(db, chain):
    collecting = factories.ready_order(chain.bastille, chain.bastille_slot, [(chain.case, 1)])
    with pytest.raises(DomainError, match="not reached its customer"):
        start_return(collecting, chain.rivoli.id, None)

    order = shipped(chain, [(chain.case, 2)], email="other@test.example")
    assert order.status == OrderStatus.SHIPPED
    assert returnable_quantities(order) == {line_of(order, chain.case).id: 2}


def test_bad_input_is_refused_before_anything_is_written(db, chain):
    order = bought(chain, [(chain.case, 1)])
    return_ = start_return(order, chain.rivoli.id, None)
    line_id = line_of(order, chain.case).id
    for quantity, reason, condition, disposition in [
        (0, "x", "as_new", "quarantine"),
        (1, "  ", "as_new", "quarantine"),
        (1, "x" * 201, "as_new", "quarantine"),
        (1, "x", "like-new", "quarantine"),
        (1, "x", "as_new", "burn"),
    ]:
        with pytest.raises(InvalidInput):
            add_return_line(return_, line_id, quantity, reason, condition, disposition)
    assert return_.lines == []


def test_lines_can_be_removed_and_a_return_cancelled_without_any_effect(db, chain):
    order = bought(chain, [(chain.case, 1)])
    return_ = start_return(order, chain.rivoli.id, None)
    added = add_return_line(return_, line_of(order, chain.case).id, 1, "x", ReturnCondition.AS_NEW,
                            Disposition.QUARANTINE)
    remove_return_line(return_, added.id)
    remove_return_line(return_, added.id)
    with pytest.raises(DomainError, match="at least one item"):
        complete_return(return_, None)
    cancel_return(return_)
    cancel_return(return_)
    assert return_.status == ReturnStatus.CANCELLED
    with pytest.raises(DomainError, match="closed"):
        add_return_line(return_, line_of(order, chain.case).id, 1, "x", ReturnCondition.AS_NEW,
                        Disposition.QUARANTINE)
