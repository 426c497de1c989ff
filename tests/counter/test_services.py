"""Handing an order over: scans, full and partial pickup, refusals, guards."""
import pytest
from sqlalchemy import select

from omni_store.core.errors import DomainError, InvalidInput, NotFound
from omni_store.counter import tokens
from omni_store.counter.confirmations import latest_confirmation, propose_confirmation
from omni_store.counter.models import RefusalReason
from omni_store.counter.services import (
    HandoverMethod,
    clear_scans,
    hand_over,
    pending_scans,
    progress,
    scan_out,
)
from omni_store.inventory.models import MovementReason, StockLevel, StockMovement
from omni_store.inventory.queries import ledger_mismatches
from omni_store.orders.models import AllocationStatus, Hold, HoldStatus, OrderStatus
from omni_store.outbox.models import EventKind, OutboxEvent
from omni_store.tasks.models import Task, TaskKind
from tests import factories
from tests.counter.conftest import ready_order


def level(db, store, product):
    return db.session.scalar(select(StockLevel).filter_by(location_id=store.id, product_id=product.id))


def scan_all(order, product, times, prefix="s"):
    for n in range(times):
        scan_out(order, product.ean, f"{prefix}-{product.id}-{n}", None)


def line_of(order, product):
    return next(line for line in order.lines if line.product_id == product.id)


def test_full_handover_sells_the_units_and_collects_the_hold(db, shop):
    order = ready_order(shop, [(shop.phone, 1), (shop.case, 2)])
    scan_all(order, shop.phone, 1)
    scan_all(order, shop.case, 2)

    result = hand_over(order, pending_scans(order.id), {}, None, HandoverMethod.ASSOCIATE_SCAN)

    assert (result.handed, result.refused) == (3, 0)
    assert order.status == OrderStatus.HANDED_OVER
    hold = db.session.scalar(select(Hold).filter_by(order_id=order.id))
    assert hold.status == HoldStatus.COLLECTED and hold.ended_at is not None and hold.quantity == 0
    phone = level(db, shop.store, shop.phone)
    assert (phone.on_hand, phone.allocated) == (9, 0)
    assert (level(db, shop.store, shop.case).on_hand, level(db, shop.store, shop.case).allocated) == (8, 0)
    sales = db.session.scalars(select(StockMovement).filter_by(reason=MovementReason.SALE)).all()
    assert sorted(m.delta_on_hand for m in sales) == [-2, -1]
    assert all(m.reference == order.reference for m in sales)
    assert {a.status for line in order.lines for a in line.allocations} == {AllocationStatus.FULFILLED}
    assert line_of(order, shop.case).handed_over_quantity == 2
    event = db.session.scalar(select(OutboxEvent).filter_by(kind=EventKind.ORDER_HANDED_OVER))
    assert event.payload["complete"] is True and event.payload["method"] == "associate_scan"
    assert pending_scans(order.id) == {}
    assert ledger_mismatches() == []


def test_partial_pickup_keeps_the_rest_held_for_later(db, shop):
    order = ready_order(shop, [(shop.case, 3)])
    scan_all(order, shop.case, 1)

    hand_over(order, pending_scans(order.id), {}, None)

    assert order.status == OrderStatus.READY
    hold = db.session.scalar(select(Hold).filter_by(order_id=order.id))
    assert (hold.status, hold.quantity) == (HoldStatus.ACTIVE, 2)
    case = level(db, shop.store, shop.case)
    assert (case.on_hand, case.allocated) == (9, 2)
    allocations = line_of(order, shop.case).allocations
    assert sorted((a.status, a.quantity) for a in allocations) == [
        (AllocationStatus.ACTIVE, 2), (AllocationStatus.FULFILLED, 1)]

    # The customer comes back for the rest.
    scan_all(order, shop.case, 2, prefix="later")
    hand_over(order, pending_scans(order.id), {}, None)

    assert order.status == OrderStatus.HANDED_OVER
    assert line_of(order, shop.case).handed_over_quantity == 3
    assert (case.on_hand, case.allocated) == (7, 0)
    assert ledger_mismatches() == []


def test_a_refused_unit_goes_back_to_stock_with_a_restock_task(db, shop):
    order = ready_order(shop, [(shop.phone, 1), (shop.case, 2)])
    scan_all(order, shop.phone, 1)
    scan_all(order, shop.case, 1)

    result = hand_over(order, pending_scans(order.id), {line_of(order, shop.case).id: (1, "damaged")},
                       None)

    assert (result.handed, result.refused) == (2, 1)
    assert order.status == OrderStatus.HANDED_OVER  # nothing left to collect
    case = level(db, shop.store, shop.case)
    assert (case.on_hand, case.allocated) == (9, 0)  # one sold, one back on sale
    assert line_of(order, shop.case).refused_quantity == 1
    restock = db.session.scalar(select(Task).filter_by(kind=TaskKind.RESTOCK))
    assert (restock.location_id, restock.product_id, restock.quantity, restock.zone_id) == (
        shop.store.id, shop.case.id, 1, shop.shelf.id)
    assert restock.events[0].note == "damaged"
    assert ledger_mismatches() == []


def test_a_refusal_needs_a_reason(db, shop):
    order = ready_order(shop, [(shop.case, 1)])
    with pytest.raises(InvalidInput, match="why"):
        hand_over(order, {}, {line_of(order, shop.case).id: (1, " ")}, None)


def test_a_refusal_records_a_reason_from_the_list_never_free_text(db, shop, associate):
    order = ready_order(shop, [(shop.phone, 1), (shop.case, 1)])
    scan_all(order, shop.phone, 1)
    case = line_of(order, shop.case)
    for reason in ("not the colour ordered", "<script>", "damaged" * 40):
        with pytest.raises(InvalidInput, match="Choose a reason from the list"):
            hand_over(order, {}, {case.id: (1, reason)}, None)
        with pytest.raises(InvalidInput, match="Choose a reason from the list"):
            propose_confirmation(order, pending_scans(order.id), {case.id: (1, reason)},
                                 associate.id)
    assert (case.refused_quantity, latest_confirmation(order.id)) == (0, None)
    result = hand_over(order, {}, {case.id: (1, f" {RefusalReason.WRONG_ITEM} ")}, None)
    assert (result.refused, case.refused_quantity) == (1, 1)


def test_only_a_ready_order_gets_a_new_customer_link(db, shop):
    waiting = factories.bare_order(shop.store, OrderStatus.PICKING)
    with pytest.raises(InvalidInput, match="Only an order ready to collect"):
        tokens.open_customer_link(waiting)
    assert tokens.live_order_view_token(waiting) is None

    ready = ready_order(shop, [(shop.case, 1)])
    assert tokens.open_customer_link(ready) == tokens.live_order_view_token(ready)


def test_units_must_be_scanned_before_they_are_handed_over(db, shop):
    order = ready_order(shop, [(shop.case, 2)])
    scan_all(order, shop.case, 1)
    with pytest.raises(DomainError, match="Scan each unit"):
        hand_over(order, {line_of(order, shop.case).id: 2}, {}, None)


def test_cannot_hand_over_or_refuse_more_than_is_held(db, shop):
    order = ready_order(shop, [(shop.case, 2)])
    scan_all(order, shop.case, 2)
    line = line_of(order, shop.case)
    with pytest.raises(DomainError, match="Only 2"):
        hand_over(order, {line.id: 2}, {line.id: (1, "damaged")}, None)
    assert level(db, shop.store, shop.case).allocated == 2


def test_only_ready_orders_are_handed_over(db, shop):
    order = ready_order(shop, [(shop.case, 1)])
    order.status = OrderStatus.PICKING
    with pytest.raises(DomainError, match="not waiting at the counter"):
        hand_over(order, {}, {line_of(order, shop.case).id: (1, "damaged")}, None)
    with pytest.raises(DomainError, match="not waiting at the counter"):
        scan_out(order, shop.case.ean, "scan-1", None)


def test_a_second_submit_of_the_same_handover_changes_nothing(db, shop):
    order = ready_order(shop, [(shop.case, 3)])
    line = line_of(order, shop.case)
    seen = progress(order)
    hand_over(order, {}, {line.id: (1, "damaged")}, None, seen_progress=seen)

    again = hand_over(order, {}, {line.id: (1, "damaged")}, None, seen_progress=seen)

    assert again.already_recorded
    assert line.refused_quantity == 1
    assert level(db, shop.store, shop.case).allocated == 2
    assert db.session.scalar(select(Task).filter_by(kind=TaskKind.RESTOCK)).quantity == 1


def test_a_scan_is_counted_once_per_scan_id(db, shop):
    order = ready_order(shop, [(shop.case, 2)])
    scan_out(order, shop.case.ean, "same-scan", None)
    scan_out(order, shop.case.ean, "same-scan", None)
    assert pending_scans(order.id) == {line_of(order, shop.case).id: 1}


def test_a_wrong_barcode_is_refused_naming_the_product(db, shop):
    order = ready_order(shop, [(shop.case, 1)])
    stranger = factories.product(name="Garden hose")
    with pytest.raises(DomainError, match="Garden hose is not in order"):
        scan_out(order, stranger.ean, "scan-1", None)
    with pytest.raises(NotFound, match="No product has the barcode 0000"):
        scan_out(order, "0000", "scan-2", None)
    with pytest.raises(InvalidInput):
        scan_out(order, "", "scan-3", None)
    with pytest.raises(InvalidInput):
        scan_out(order, "9" * 500, "scan-4", None)
    assert pending_scans(order.id) == {}


def test_a_line_cannot_be_scanned_beyond_what_is_left_to_collect(db, shop):
    order = ready_order(shop, [(shop.case, 1)])
    scan_out(order, shop.case.ean, "scan-1", None)
    with pytest.raises(DomainError, match="already scanned"):
        scan_out(order, shop.case.ean, "scan-2", None)


def test_clearing_a_lines_scans_lets_it_be_refused_instead(db, shop):
    order = ready_order(shop, [(shop.case, 1)])
    line = line_of(order, shop.case)
    scan_out(order, shop.case.ean, "scan-1", None)
    clear_scans(order, line.id)
    assert pending_scans(order.id) == {}
    hand_over(order, pending_scans(order.id), {line.id: (1, "changed_mind")}, None)
    assert order.status == OrderStatus.HANDED_OVER
    assert ledger_mismatches() == []
