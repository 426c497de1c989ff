"""Pick, isolate, count, restock and assignment: each transition and its guards."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from omni_store.core.clock import utcnow
from omni_store.core.errors import Forbidden, InvalidInput, NotAvailable, NotFound
from omni_store.inventory.models import MovementReason, StockLevel, StockMovement
from omni_store.notify.messages import render
from omni_store.orders.models import Hold, HoldStatus, OrderStatus
from omni_store.outbox.models import EventKind, OutboxEvent
from omni_store.tasks import counting, isolating, picking, restocking
from omni_store.tasks.models import Task, TaskKind, TaskStatus
from omni_store.tasks.scanning import WrongItem
from omni_store.tasks.services import TaskConflict, assign_task, claim_task, release_task
from tests import factories
from tests.tasks.conftest import order_at, pick_task, task_of

pytestmark = pytest.mark.usefixtures("ledger_checked")


def level(db, location, product):
    return db.session.scalar(
        select(StockLevel).filter_by(location_id=location.id, product_id=product.id)
        .execution_options(populate_existing=True))


def picked_order(db, floor, units=2):
    order = order_at(floor.rivoli, (floor.phone, units))
    task = pick_task(db, order)
    for n in range(units):
        picking.record_pick_scan(task, floor.phone.ean, floor.alice.id, f"scan{n}")
    return order


# --- claim, release, assign ------------------------------------------------------------


def test_of_two_associates_claiming_one_wins_and_the_other_is_told(db, floor):
    task = factories.task(floor.rivoli)

    claim_task(task, floor.alice.id)
    claim_task(task, floor.alice.id)  # her double tap changes nothing
    with pytest.raises(TaskConflict, match="Someone else took this task first"):
        claim_task(task, floor.bob.id)

    assert (task.status, task.assignee_id) == (TaskStatus.IN_PROGRESS, floor.alice.id)
    with pytest.raises(TaskConflict):
        release_task(task, floor.bob.id)
    release_task(task, floor.alice.id)
    assert (task.status, task.assignee_id) == (TaskStatus.OPEN, None)


def test_a_manager_assigns_only_to_someone_of_the_same_store(db, floor):
    task = factories.task(floor.rivoli)

    with pytest.raises(InvalidInput):
        assign_task(task, floor.outsider.id, floor.manager.id)
    assign_task(task, floor.bob.id, floor.manager.id)

    assert (task.status, task.assignee_id) == (TaskStatus.IN_PROGRESS, floor.bob.id)
    assert task.events[-1].actor_id == floor.manager.id


# --- pick ------------------------------------------------------------------------------


def test_each_scan_counts_once_and_the_last_one_completes_and_brings_the_isolate(db, floor):
    order = order_at(floor.rivoli, (floor.phone, 2))
    task = pick_task(db, order)
    assert task_of(db, order, TaskKind.ISOLATE) is None  # not at intake any more

    assert picking.record_pick_scan(task, floor.phone.ean, floor.alice.id, "s1") is True
    assert picking.record_pick_scan(task, floor.phone.ean, floor.alice.id, "s1") is False
    assert (task.done_quantity, task.status, task.assignee_id) == (
        1, TaskStatus.IN_PROGRESS, floor.alice.id)
    assert order.status == OrderStatus.PICKING
    assert task_of(db, order, TaskKind.ISOLATE) is None

    picking.record_pick_scan(task, floor.phone.ean, floor.alice.id, "s2")
    assert picking.record_pick_scan(task, floor.phone.ean, floor.alice.id, "s2") is False

    assert (task.done_quantity, task.status) == (2, TaskStatus.DONE)
    isolate = task_of(db, order, TaskKind.ISOLATE)
    assert (isolate.location_id, isolate.quantity, isolate.status) == (
        floor.rivoli.id, 2, TaskStatus.OPEN)
    with pytest.raises(TaskConflict):
        picking.record_pick_scan(task, floor.phone.ean, floor.alice.id, "s3")


def test_a_wrong_or_unknown_barcode_is_refused_and_counts_nothing(db, floor):
    task = pick_task(db, order_at(floor.rivoli, (floor.phone, 1)))

    with pytest.raises(WrongItem) as wrong:
        picking.record_pick_scan(task, floor.case.ean, floor.alice.id, "s1")
    assert str(wrong.value.message) == (
        "Wrong item: you scanned Case A (CASE-A), this task needs Phone A (PHONE-A).")
    with pytest.raises(NotFound, match="Unknown barcode 0000000000000"):
        picking.record_pick_scan(task, "0000000000000", floor.alice.id, "s2")
    for bad_scan_id in ("", "x" * 65, "not valid!"):
        with pytest.raises(InvalidInput):
            picking.record_pick_scan(task, floor.phone.ean, floor.alice.id, bad_scan_id)
    assert task.done_quantity == 0


def test_a_task_someone_else_is_on_cannot_be_scanned_by_another(db, floor):
    task = pick_task(db, order_at(floor.rivoli, (floor.phone, 1)))
    claim_task(task, floor.alice.id)

    with pytest.raises(TaskConflict, match="is working on this task"):
        picking.record_pick_scan(task, floor.phone.ean, floor.bob.id, "s1")


def test_confirming_without_scan_needs_the_store_setting(db, floor):
    order = order_at(floor.rivoli, (floor.phone, 3))
    task = pick_task(db, order)

    with pytest.raises(Forbidden):
        picking.confirm_pick_quantity(task, floor.alice.id, "c1")
    floor.rivoli.allow_pick_without_scan = True
    picking.confirm_pick_quantity(task, floor.alice.id, "c1")
    picking.confirm_pick_quantity(task, floor.alice.id, "c1")  # a double tap

    assert (task.done_quantity, task.status) == (3, TaskStatus.DONE)
    assert task_of(db, order, TaskKind.ISOLATE).quantity == 3


def test_a_short_pick_corrects_stock_plans_a_count_and_sources_elsewhere(db, floor):
    factories.shuttle_route(floor.bastille, floor.rivoli, ["08:00", "14:00", "19:00"])
    factories.stock(floor.bastille, floor.phone, 4)
    order = order_at(floor.rivoli, (floor.phone, 2))
    promised_before = order.promised_at
    task = pick_task(db, order)
    (first_allocation,) = order.lines[0].allocations

    result = picking.report_short_pick(task, 2, "not_on_shelf", floor.alice.id)

    assert task.status == TaskStatus.EXCEPTION and task.quantity == 0
    short = db.session.scalar(select(StockMovement).filter_by(reason=MovementReason.SHORT_PICK))
    assert (short.location_id, short.delta_on_hand, short.delta_allocated, short.note) == (
        floor.rivoli.id, -2, -2, "not_on_shelf")
    assert (level(db, floor.rivoli, floor.phone).on_hand,
            level(db, floor.rivoli, floor.phone).allocated) == (3, 0)
    count = result.count_task
    assert (count.kind, count.location_id, count.product_id, count.status) == (
        TaskKind.COUNT, floor.rivoli.id, floor.phone.id, TaskStatus.OPEN)
    assert first_allocation.status == "released"
    (new_allocation,) = result.shortfall.new_allocations
    assert (new_allocation.location_id, new_allocation.quantity, new_allocation.status) == (
        floor.bastille.id, 2, "active")
    assert level(db, floor.bastille, floor.phone).allocated == 2
    work = {(t.kind, t.location_id, t.quantity) for t in db.session.scalars(
        select(Task).filter_by(order_id=order.id, status=TaskStatus.OPEN))}
    assert work == {(TaskKind.PICK, floor.bastille.id, 2), (TaskKind.PACK, floor.bastille.id, 2),
                    (TaskKind.RECEIVE, floor.rivoli.id, 2)}
    assert order.promised_at > promised_before
    assert task_of(db, order, TaskKind.ISOLATE) is None  # the units are not here yet


def test_a_partial_short_pick_with_no_other_source_keeps_the_order_with_its_gap(db, floor):
    order = order_at(floor.rivoli, (floor.phone, 3))
    task = pick_task(db, order)
    picking.record_pick_scan(task, floor.phone.ean, floor.alice.id, "s1")

    with pytest.raises(InvalidInput):
        picking.report_short_pick(task, 3, "not_on_shelf", floor.alice.id)  # only 2 left
    with pytest.raises(InvalidInput):
        picking.report_short_pick(task, 2, "other", floor.alice.id)  # "other" needs words
    result = picking.report_short_pick(task, 2, "other", floor.alice.id, "box empty")

    assert (task.status, task.quantity, task.done_quantity) == (TaskStatus.DONE, 1, 1)
    assert result.shortfall.new_allocations == [] and not result.shortfall.covered
    from omni_store.orders.queries import uncovered_units
    assert uncovered_units(order) == {order.lines[0].id: 2}
    assert order.status == OrderStatus.PICKING
    assert task_of(db, order, TaskKind.ISOLATE) is None  # a manager settles the gap first


def test_a_second_short_pick_reuses_the_open_count(db, floor):
    first = order_at(floor.rivoli, (floor.phone, 1))
    second = order_at(floor.rivoli, (floor.phone, 1))

    one = picking.report_short_pick(pick_task(db, first), 1, "damaged", floor.alice.id)
    two = picking.report_short_pick(pick_task(db, second), 1, "damaged", floor.alice.id)

    assert one.count_task.id == two.count_task.id


# --- isolate ---------------------------------------------------------------------------


def test_isolate_proposes_the_smallest_slot_with_room_and_refuses_others(db, floor):
    order = picked_order(db, floor, units=3)
    task = task_of(db, order, TaskKind.ISOLATE)

    assert isolating.propose_slot(task).code == "PAR-RIV-H02"  # H01 takes 2
    with pytest.raises(isolating.SlotRefused, match="room for 2"):
        isolating.isolate_order(task, "PAR-RIV-H01", floor.alice.id)
    with pytest.raises(NotFound, match="not a hold slot of this store"):
        isolating.isolate_order(task, "PAR-BAS-H01", floor.alice.id)
    with pytest.raises(isolating.SlotRefused, match="not a hold slot"):
        isolating.isolate_order(task, "PAR-RIV-S1", floor.alice.id)
    hold = isolating.isolate_order(task, "par-riv-h02", floor.alice.id)
    again = isolating.isolate_order(task, "PAR-RIV-H02", floor.alice.id)

    assert again.id == hold.id
    assert (hold.zone.code, hold.quantity, hold.status) == ("PAR-RIV-H02", 3, HoldStatus.ACTIVE)
    assert timedelta(days=6, hours=23) < hold.expires_at - utcnow() <= timedelta(days=7)
    assert (task.status, order.status) == (TaskStatus.DONE, OrderStatus.READY)
    (event,) = db.session.scalars(select(OutboxEvent)).all()
    assert (event.kind, event.dedup_key) == (EventKind.READY_FOR_PICKUP,
                                             f"ready_for_pickup:{order.number}")
    assert event.payload["slot"] == "PAR-RIV-H02"
    assert render(event).body.startswith(f"Hello {order.customer.first_name},")


def test_a_slot_full_of_another_order_is_refused(db, floor):
    first = picked_order(db, floor, units=2)
    isolating.isolate_order(task_of(db, first, TaskKind.ISOLATE), "PAR-RIV-H01", floor.alice.id)
    second = picked_order(db, floor, units=1)
    task = task_of(db, second, TaskKind.ISOLATE)

    assert isolating.propose_slot(task).code == "PAR-RIV-H02"
    with pytest.raises(isolating.SlotRefused, match="room for 0"):
        isolating.isolate_order(task, "PAR-RIV-H01", floor.alice.id)
    assert db.session.scalar(select(func.count()).select_from(Hold)) == 1


# --- count -----------------------------------------------------------------------------


def count_task(db, floor, zone=None):
    return counting.plan_count(floor.rivoli.id, floor.phone.id, zone.id if zone else None, None)


def test_a_count_starts_at_the_right_zone_and_posts_a_small_difference(db, floor):
    factories.stock(floor.rivoli, floor.phone, 5)  # 10 on the books
    task = count_task(db, floor, floor.shelf)

    with pytest.raises(InvalidInput, match="first"):
        counting.submit_count(task, 4, floor.alice.id)
    with pytest.raises(InvalidInput, match="Wrong zone"):
        counting.confirm_count_zone(task, "PAR-RIV-BR", floor.alice.id)
    with pytest.raises(NotFound):
        counting.confirm_count_zone(task, "PAR-BAS-S1", floor.alice.id)
    counting.confirm_count_zone(task, "PAR-RIV-S1", floor.alice.id)
    counting.record_count_scan(task, floor.phone.ean, floor.alice.id, "c1")
    counting.record_count_scan(task, floor.phone.ean, floor.alice.id, "c1")
    assert task.done_quantity == 1
    with pytest.raises(WrongItem):
        counting.record_count_scan(task, floor.case.ean, floor.alice.id, "c2")

    result = counting.submit_count(task, 9, floor.alice.id)

    assert (result.posted, result.difference, task.status) == (True, -1, TaskStatus.DONE)
    movement = db.session.scalar(select(StockMovement).filter_by(reason=MovementReason.COUNT))
    assert (movement.delta_on_hand, movement.note, movement.reference) == (
        -1, "10 -> 9", f"task:{task.id}")


def test_a_large_difference_is_posted_only_when_a_second_count_agrees(db, floor):
    factories.stock(floor.rivoli, floor.phone, 15)  # 20 on the books
    task = count_task(db, floor)
    counting.confirm_count_zone(task, "PAR-RIV-S1", floor.alice.id)  # the product's zone

    assert counting.submit_count(task, 10, floor.alice.id).posted is False
    assert counting.count_state(task).first_count == 10 and task.done_quantity == 0
    assert counting.submit_count(task, 12, floor.alice.id).posted is False  # disagrees
    assert counting.submit_count(task, 12, floor.alice.id).posted is True

    assert level(db, floor.rivoli, floor.phone).on_hand == 12
    assert db.session.scalar(select(func.count()).select_from(StockMovement)
                             .filter_by(reason=MovementReason.COUNT)) == 1


def test_a_count_below_what_is_promised_is_refused_whole(db, floor):
    order_at(floor.rivoli, (floor.phone, 3))
    task = count_task(db, floor)
    counting.confirm_count_zone(task, "PAR-RIV-S1", floor.alice.id)

    counting.submit_count(task, 2, floor.alice.id)  # large: asks again
    with pytest.raises(NotAvailable):
        counting.submit_count(task, 2, floor.alice.id)


# --- restock ---------------------------------------------------------------------------


def test_restock_takes_the_item_then_its_zone(db, floor):
    task = factories.task(floor.rivoli, TaskKind.RESTOCK, product_id=floor.phone.id, quantity=2)

    with pytest.raises(TaskConflict, match="Scan the item first"):
        restocking.put_back(task, "PAR-RIV-S1", floor.alice.id)
    with pytest.raises(WrongItem):
        restocking.take_restock_items(task, floor.case.ean, floor.alice.id)
    restocking.take_restock_items(task, floor.phone.ean, floor.alice.id)
    restocking.take_restock_items(task, floor.phone.ean, floor.alice.id)
    with pytest.raises(InvalidInput, match="goes back to High-tech"):
        restocking.put_back(task, "PAR-RIV-BR", floor.alice.id)
    restocking.put_back(task, "PAR-RIV-S1", floor.alice.id)
    restocking.put_back(task, "PAR-RIV-S1", floor.alice.id)  # scanned twice

    assert (task.status, task.done_quantity) == (TaskStatus.DONE, 2)
