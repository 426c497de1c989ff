from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select

from omni_store.core.errors import InvalidInput, NotFound
from omni_store.core.sequences import SequenceExhausted, next_code
from omni_store.inventory.queries import ledger_mismatches
from omni_store.orders.models import AllocationStatus, DeliveryMethod, OrderStatus
from omni_store.outbox.models import EventKind, OutboxEvent
from omni_store.shuttles.dispatch import dispatch_run, hand_to_carrier, load_parcel
from omni_store.shuttles.errors import ShuttleError
from omni_store.shuttles.models import (
    ParcelBucket,
    ParcelKind,
    ParcelStatus,
    ShuttleRun,
    ShuttleRunStatus,
)
from omni_store.shuttles.packing import create_parcel, pack_task_item
from omni_store.shuttles.receiving import receive_delivery, receive_parcel
from omni_store.shuttles.runs import runs_for
from omni_store.shuttles.sealing import seal_parcel
from omni_store.tasks.models import TaskKind, TaskStatus
from tests import factories
from tests.shuttles.conftest import (
    NOW,
    PLANNED_DEPARTURE,
    level,
    open_tasks,
    order_from_bastille,
    pack_all,
    pick_all,
    task_of,
)


def paris(day, hour, minute=0):
    """A wall-clock time in Paris in March 2026 (UTC+1)."""
    return datetime(2026, 3, day, hour - 1, minute, tzinfo=UTC)


# --- numbers ---------------------------------------------------------------------------


def test_codes_follow_each_other_and_a_range_refuses_when_used_up(db):
    assert next_code("test", "T-{:03d}") == "T-001"
    assert next_code("test", "T-{:03d}") == "T-002"
    assert [next_code("range", first=7, last=8) for _ in range(2)] == ["000007", "000008"]
    with pytest.raises(SequenceExhausted, match="No numbers left"):
        next_code("range", first=7, last=8)


def test_concurrent_requests_never_get_the_same_code(app, db):
    """Real threads, each its own transaction, on the shared file database."""
    import threading

    from omni_store.extensions import db as _db

    db.session.commit()
    codes, errors = [], []

    def take_codes():
        try:
            with app.app_context():
                for _ in range(10):
                    codes.append(next_code("concurrent"))
                    _db.session.commit()
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=take_codes) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(codes) == [f"{n:06d}" for n in range(1, 61)]


# --- sealing ---------------------------------------------------------------------------


def test_parcel_sealed_before_the_cutoff_goes_on_that_run(chain, clock):
    order = order_from_bastille(chain)
    parcel = pack_all(order, chain)
    clock.moment = paris(10, 15, 0)
    seal_parcel(parcel, chain.packer.id)
    assert parcel.status == ParcelStatus.SEALED
    assert parcel.run.departure_at == PLANNED_DEPARTURE
    assert parcel.rolled_over is False
    assert task_of(order, TaskKind.PACK, chain.bastille).status == TaskStatus.DONE


def test_parcel_sealed_early_takes_the_earlier_run_without_rolling_over(chain, clock):
    order = order_from_bastille(chain)
    parcel = pack_all(order, chain)
    seal_parcel(parcel, chain.packer.id, now=paris(10, 10, 20))
    assert parcel.run.departure_at == paris(10, 11)
    assert parcel.rolled_over is False


def test_parcel_sealed_after_the_cutoff_rolls_over_to_the_next_day(chain, clock):
    order = order_from_bastille(chain)
    parcel = pack_all(order, chain)
    seal_parcel(parcel, chain.packer.id, now=paris(10, 15, 40))
    assert parcel.run.departure_at == paris(11, 11)
    assert parcel.rolled_over is True


def test_sealing_needs_every_unit_packed_and_twice_changes_nothing(chain):
    order = order_from_bastille(chain, quantity=2)
    pick_all(order, chain.bastille, chain.packer)
    pack = task_of(order, TaskKind.PACK, chain.bastille)
    parcel = pack_task_item(pack, chain.phone.ean, chain.packer.id, uuid4().hex)
    with pytest.raises(ShuttleError, match="Still to pack: 1 × Phone B"):
        seal_parcel(parcel, chain.packer.id)
    pack_task_item(pack, chain.phone.ean, chain.packer.id, uuid4().hex)
    seal_parcel(parcel, chain.packer.id)
    run_id = parcel.run_id
    seal_parcel(parcel, chain.packer.id)
    assert parcel.run_id == run_id


def test_only_the_store_that_packed_a_parcel_seals_it(chain):
    order = order_from_bastille(chain)
    parcel = pack_all(order, chain)
    with pytest.raises(ShuttleError, match="Only the store that packed a parcel seals it"):
        seal_parcel(parcel, chain.receiver.id, at_location_id=chain.rivoli.id)
    assert parcel.status == ParcelStatus.OPEN and parcel.run_id is None
    seal_parcel(parcel, chain.packer.id, at_location_id=chain.bastille.id)
    assert parcel.status == ParcelStatus.SEALED


def test_runs_are_created_once_from_the_timetable(chain):
    first = runs_for(chain.route, NOW.date())
    again = runs_for(chain.route, NOW.date())
    assert [r.departure_at for r in first] == [paris(10, 11), paris(10, 16)]
    assert [r.cutoff_at for r in first] == [paris(10, 10, 30), paris(10, 15, 30)]
    assert [r.id for r in first] == [r.id for r in again]


# --- packing ---------------------------------------------------------------------------


def test_a_wrong_product_is_refused_by_name_and_a_double_scan_counts_once(chain):
    other = factories.product("CASE-1", "Phone case")
    order = order_from_bastille(chain, quantity=2)
    pick_all(order, chain.bastille, chain.packer)
    pack = task_of(order, TaskKind.PACK, chain.bastille)
    with pytest.raises(ShuttleError, match="This is Phone case: this parcel expects Phone B"):
        pack_task_item(pack, other.ean, chain.packer.id, uuid4().hex)
    with pytest.raises(NotFound, match="No product has the barcode 0000"):
        pack_task_item(pack, "0000", chain.packer.id, uuid4().hex)
    scan = uuid4().hex
    parcel = pack_task_item(pack, chain.phone.ean, chain.packer.id, scan)
    pack_task_item(pack, chain.phone.ean, chain.packer.id, scan)
    assert [(line.product_id, line.quantity) for line in parcel.lines] == [(chain.phone.id, 1)]
    assert pack.done_quantity == 1
    pack_task_item(pack, chain.phone.ean, chain.packer.id, uuid4().hex)
    with pytest.raises(ShuttleError, match="All 2 × Phone B are already in the parcel"):
        pack_task_item(pack, chain.phone.ean, chain.packer.id, uuid4().hex)


def test_packing_waits_for_the_pick(chain):
    order = order_from_bastille(chain)
    pack = task_of(order, TaskKind.PACK, chain.bastille)
    with pytest.raises(ShuttleError, match="Pick Phone B first"):
        pack_task_item(pack, chain.phone.ean, chain.packer.id, uuid4().hex)
    with pytest.raises(InvalidInput):
        pack_task_item(pack, chain.phone.ean, chain.packer.id, "")


# --- dock ------------------------------------------------------------------------------


def sealed_parcel(chain, quantity=2, now=None):
    order = order_from_bastille(chain, quantity=quantity)
    parcel = pack_all(order, chain)
    seal_parcel(parcel, chain.packer.id, now=now)
    return order, parcel


def test_loading_refuses_the_wrong_run_destination_or_state(chain, db):
    opera = factories.store("PAR-OPE")
    to_opera = factories.shuttle_route(chain.bastille, opera, ("11:00",))
    order, parcel = sealed_parcel(chain)
    opera_run = runs_for(to_opera, NOW.date())[0]
    with pytest.raises(ShuttleError, match="goes to PAR-RIV, not on this run to PAR-OPE"):
        load_parcel(opera_run, parcel.code, chain.packer.id)
    other_run = next(r for r in runs_for(chain.route, NOW.date()) if r.id != parcel.run_id)
    with pytest.raises(ShuttleError, match="another run"):
        load_parcel(other_run, parcel.code, chain.packer.id)
    with pytest.raises(NotFound, match="No parcel P-999999"):
        load_parcel(parcel.run, " p-999999 ", chain.packer.id)
    load_parcel(parcel.run, parcel.code.lower(), chain.packer.id)
    load_parcel(parcel.run, parcel.code, chain.packer.id)  # scanned twice: fine
    assert parcel.status == ParcelStatus.LOADED


def test_an_open_parcel_cannot_be_loaded(chain):
    order = order_from_bastille(chain)
    parcel = pack_all(order, chain)
    run = runs_for(chain.route, NOW.date())[1]
    with pytest.raises(ShuttleError, match="not sealed yet"):
        load_parcel(run, parcel.code, chain.packer.id)


def test_dispatch_moves_the_stock_into_transit_and_rolls_what_was_not_loaded(chain, db):
    order, parcel = sealed_parcel(chain, quantity=2)
    _late_order, left_behind = sealed_parcel(chain, quantity=1)
    run = parcel.run
    assert left_behind.run_id == run.id
    load_parcel(run, parcel.code, chain.packer.id)
    dispatch_run(run, chain.packer.id, now=paris(10, 11, 5))

    assert run.status == ShuttleRunStatus.DEPARTED
    assert parcel.status == ParcelStatus.IN_TRANSIT
    assert parcel.expected_at == paris(10, 11, 30)  # left 5 min late
    allocation = parcel.lines[0].allocation
    assert allocation.status == AllocationStatus.IN_TRANSIT
    assert level(chain.bastille, chain.phone) == (3, 1, 0)  # 5 − 2 gone; 1 for the late order
    assert level(chain.rivoli, chain.phone) == (0, 0, 0)
    assert left_behind.status == ParcelStatus.SEALED and left_behind.rolled_over
    assert run.departure_at == paris(10, 11)  # sealed at 10:00, before the 10:30 cut-off
    assert left_behind.run.departure_at == paris(10, 16)
    event = db.session.scalar(select(OutboxEvent).filter_by(kind=EventKind.SHUTTLE_DISPATCHED))
    assert event.payload["parcels"] == [parcel.code]
    dispatch_run(run, chain.packer.id)  # a double tap
    assert level(chain.bastille, chain.phone) == (3, 1, 0)
    assert ledger_mismatches() == []


# --- receipt ---------------------------------------------------------------------------


def dispatched(chain, quantity=2):
    order, parcel = sealed_parcel(chain, quantity=quantity)
    load_parcel(parcel.run, parcel.code, chain.packer.id)
    dispatch_run(parcel.run, chain.packer.id)
    return order, parcel


def test_an_exact_receipt_brings_the_stock_and_its_allocation_to_the_store(chain, db):
    order, parcel = dispatched(chain)
    receive = task_of(order, TaskKind.RECEIVE, chain.rivoli)
    receive_parcel(parcel.code, {chain.phone.id: 2}, chain.receiver.id, chain.rivoli.id)

    assert parcel.status == ParcelStatus.RECEIVED
    assert parcel.lines[0].received_quantity == 2
    allocation = parcel.lines[0].allocation
    assert (allocation.location_id, allocation.status) == (chain.rivoli.id, AllocationStatus.ACTIVE)
    assert level(chain.rivoli, chain.phone) == (2, 2, 0)
    assert receive.status == TaskStatus.DONE
    assert parcel.run.status == ShuttleRunStatus.ARRIVED
    assert [t.kind for t in open_tasks(chain.rivoli, TaskKind.ISOLATE)] == [TaskKind.ISOLATE]
    assert open_tasks(chain.bastille, TaskKind.COUNT) == []
    with pytest.raises(ShuttleError, match="already received"):
        receive_parcel(parcel.code, {chain.phone.id: 2}, chain.receiver.id, chain.rivoli.id)
    assert ledger_mismatches() == []


def test_a_missing_unit_is_recorded_re_sourced_and_counted_at_the_origin(chain, db):
    opera = factories.store("PAR-OPE", 48.8735, 2.3320)
    factories.stock(opera, chain.phone, 1)
    order, parcel = dispatched(chain, quantity=2)
    receive_parcel(parcel.code, {chain.phone.id: 1}, chain.receiver.id, chain.rivoli.id)

    line = parcel.lines[0]
    assert (line.quantity, line.received_quantity) == (2, 1)
    assert level(chain.rivoli, chain.phone) == (1, 1, 0)
    assert line.allocation.quantity == 1 and line.allocation.location_id == chain.rivoli.id
    # Lost on the way: promised again from another store than the one that packed it.
    allocations = [a for ln in order.lines for a in ln.allocations
                   if a.status == AllocationStatus.ACTIVE and a.id != line.allocation_id]
    assert [(a.location_id, a.quantity) for a in allocations] == [(opera.id, 1)]
    counts = open_tasks(chain.bastille, TaskKind.COUNT)
    assert [(t.product_id, t.kind) for t in counts] == [(chain.phone.id, TaskKind.COUNT)]
    assert ledger_mismatches() == []


def test_a_missing_unit_nobody_else_has_leaves_a_gap_on_the_order(chain, db):
    from omni_store.orders.queries import uncovered_units

    order, parcel = dispatched(chain, quantity=2)
    receive_parcel(parcel.code, {chain.phone.id: 0}, chain.receiver.id, chain.rivoli.id)
    assert parcel.lines[0].allocation.status == AllocationStatus.RELEASED
    assert uncovered_units(order) == {order.lines[0].id: 2}
    assert level(chain.rivoli, chain.phone) == (0, 0, 0)
    assert ledger_mismatches() == []


def test_an_extra_unit_is_free_stock_and_a_count_is_asked(chain, db):
    order, parcel = dispatched(chain, quantity=1)
    receive_parcel(parcel.code, {chain.phone.id: 2}, chain.receiver.id, chain.rivoli.id)
    assert parcel.lines[0].received_quantity == 2
    assert level(chain.rivoli, chain.phone) == (2, 1, 0)
    assert len(open_tasks(chain.bastille, TaskKind.COUNT)) == 1
    assert ledger_mismatches() == []


def test_receipt_guards(chain, db):
    order, parcel = sealed_parcel(chain)
    with pytest.raises(ShuttleError, match="has not left PAR-BAS"):
        receive_parcel(parcel.code, {}, chain.receiver.id, chain.rivoli.id)
    with pytest.raises(NotFound):
        receive_parcel(parcel.code, {}, chain.receiver.id, chain.bastille.id)
    with pytest.raises(InvalidInput, match="whole number"):
        receive_parcel(parcel.code, {chain.phone.id: -1}, chain.receiver.id,
                                chain.rivoli.id)
    with pytest.raises(InvalidInput, match="Only count the products"):
        receive_parcel(parcel.code, {123456: 1}, chain.receiver.id, chain.rivoli.id)


def test_quarantined_returns_travel_in_the_quarantine_bucket(chain, db):
    factories.stock(chain.bastille, chain.phone, 1)
    from omni_store.inventory import services as inventory

    inventory.to_quarantine(chain.bastille.id, chain.phone.id, 1)
    parcel = create_parcel(chain.bastille.id, chain.rivoli.id,
                                    [(chain.phone.id, 1, ParcelBucket.QUARANTINE, None)])
    assert parcel.kind == ParcelKind.SHUTTLE and parcel.status == ParcelStatus.OPEN
    seal_parcel(parcel, None)
    load_parcel(parcel.run, parcel.code, None)
    dispatch_run(parcel.run, None)
    assert level(chain.bastille, chain.phone)[2] == 0
    receive_parcel(parcel.code, {chain.phone.id: 1}, None, chain.rivoli.id)
    assert level(chain.rivoli, chain.phone) == (0, 0, 1)
    assert ledger_mismatches() == []


def test_a_return_to_a_place_without_shuttle_goes_with_the_carrier(chain, db):
    warehouse = factories.warehouse("WH-TEST")
    parcel = create_parcel(chain.bastille.id, warehouse.id,
                                    [(chain.phone.id, 1, ParcelBucket.QUARANTINE, None)])
    assert parcel.kind == ParcelKind.CARRIER


def test_a_supplier_delivery_is_received_against_what_was_announced(chain, db):
    supplier = factories.supplier("SUP-X")
    tablet = factories.product("TAB-1", "Tablet")
    factories.stock(supplier, tablet, 10)
    order = order_from_bastille(chain, quantity=2, product=tablet)
    receive = task_of(order, TaskKind.RECEIVE, chain.rivoli)
    assert receive.counterpart_location_id == supplier.id

    parcel = receive_delivery(receive, {tablet.id: 2}, chain.receiver.id)
    assert parcel.kind == ParcelKind.SUPPLIER and parcel.status == ParcelStatus.RECEIVED
    assert level(supplier, tablet) == (8, 0, 0)
    assert level(chain.rivoli, tablet) == (2, 2, 0)
    assert receive.status == TaskStatus.DONE
    with pytest.raises(ShuttleError, match="already received"):
        receive_delivery(receive, {tablet.id: 2}, chain.receiver.id)
    assert ledger_mismatches() == []


# --- ship from store -----------------------------------------------------------------------


def test_ship_from_store_gets_tracking_numbers_and_ships_at_the_pickup(app, chain, db):
    app.config["CARRIER_TRACKING_RANGE"] = (500, 501)
    try:
        orders = [order_from_bastille(chain, quantity=1, method=DeliveryMethod.SHIP_FROM_STORE)
                  for _ in range(3)]
        parcels = [pack_all(order, chain) for order in orders]
        assert parcels[0].kind == ParcelKind.CARRIER and parcels[0].destination_id is None
        for parcel in parcels[:2]:
            seal_parcel(parcel, chain.packer.id)
        assert [p.tracking_number for p in parcels[:2]] == ["OMN000000500", "OMN000000501"]
        with pytest.raises(SequenceExhausted):
            seal_parcel(parcels[2], chain.packer.id)
    finally:
        app.config["CARRIER_TRACKING_RANGE"] = (100000000, 199999999)
    db.session.rollback()


def test_the_carrier_pickup_ships_the_order(chain, db):
    order = order_from_bastille(chain, quantity=1, method=DeliveryMethod.SHIP_FROM_STORE)
    parcel = pack_all(order, chain)
    seal_parcel(parcel, chain.packer.id)
    handed = hand_to_carrier(chain.bastille.id, chain.packer.id, now=NOW + timedelta(hours=6))
    assert handed == [parcel]
    assert parcel.status == ParcelStatus.IN_TRANSIT
    assert parcel.lines[0].allocation.status == AllocationStatus.FULFILLED
    db.session.refresh(order)
    assert order.status == OrderStatus.SHIPPED
    assert level(chain.bastille, chain.phone) == (4, 0, 0)
    with pytest.raises(ShuttleError, match="No sealed carrier parcel"):
        hand_to_carrier(chain.bastille.id, chain.packer.id)
    assert ledger_mismatches() == []


def test_runs_of_a_closed_day_are_none(chain, db):
    chain.bastille.opening_hours = {"mon": [["10:00", "20:00"]]}
    assert runs_for(chain.route, NOW.date()) == []
    assert db.session.scalar(select(ShuttleRun)) is None
