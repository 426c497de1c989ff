"""The promise given to the customer and the work it creates in each store."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from omni_store.orders.models import DeliveryMethod
from omni_store.fulfilment.placing import place_order
from omni_store.tasks.models import Task, TaskKind, TaskStatus
from tests import factories
from tests.orders.conftest import COURBEVOIE, shelve

SLA = timedelta(hours=2)


def utc(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def work_of(db, order):
    """(kind, store, counterpart, product SKU, quantity, due) of every task of the order."""
    tasks = db.session.scalars(select(Task).filter_by(order_id=order.id).order_by(Task.id))
    return [
        (t.kind, t.location.code, t.counterpart_location.code if t.counterpart_location else None,
         t.product.sku if t.product else None, t.quantity, t.due_at)
        for t in tasks
    ]


def collect_at_rivoli(chain, *lines, method=DeliveryMethod.PICKUP, **fields):
    return place_order(factories.order_request(list(lines), method, chain.rivoli, **fields))


def test_collect_from_the_store_itself(db, chain, now):
    zone = shelve(db, chain.rivoli, chain.phone, 3)

    order = collect_at_rivoli(chain, (chain.phone, 2))

    assert order.promised_at == now + SLA
    assert work_of(db, order) == [
        (TaskKind.PICK, "PAR-RIV", None, "PHONE-A", 2, now + SLA),
    ]  # the ISOLATE appears once the units are picked (tests/orders/test_fulfilment.py)
    pick = db.session.scalar(select(Task).filter_by(kind=TaskKind.PICK))
    assert (pick.zone_id, pick.allocation_id, pick.status) == (
        zone.id, order.lines[0].allocations[0].id, TaskStatus.OPEN)


def test_every_source_gets_its_work_and_the_promise_waits_for_the_last(db, chain, now):
    factories.shuttle_route(chain.bastille, chain.rivoli, ["08:00", "14:00", "19:00"],
                            transit_minutes=45, cutoff_minutes=30)
    shelve(db, chain.rivoli, chain.phone, 1)
    shelve(db, chain.bastille, chain.phone, 1)
    case, charger = factories.product("CASE-1"), factories.product("CHG-1")
    shelve(db, chain.warehouse, case, 5)
    shelve(db, chain.supplier, charger, 5)

    order = collect_at_rivoli(chain, (chain.phone, 2), (case, 1), (charger, 1))

    # Ready at 12:00 Paris, Bastille makes the 14:00 shuttle (cut-off 13:30), here at 14:45.
    shuttle_arrives = utc(10, 13, 45)
    dropship_arrives = now + timedelta(days=3)
    assert order.promised_at == dropship_arrives + SLA
    assert work_of(db, order) == [
        (TaskKind.PICK, "PAR-RIV", None, "PHONE-A", 1, now + SLA),
        (TaskKind.PICK, "PAR-BAS", None, "PHONE-A", 1, now + SLA),
        (TaskKind.PACK, "PAR-BAS", "PAR-RIV", "PHONE-A", 1, utc(10, 12, 30)),
        (TaskKind.RECEIVE, "PAR-RIV", "PAR-BAS", "PHONE-A", 1, shuttle_arrives),
        (TaskKind.RECEIVE, "PAR-RIV", "WH-GEN", "CASE-1", 1, now + timedelta(days=2)),
        (TaskKind.RECEIVE, "PAR-RIV", "SUP-TECH", "CHG-1", 1, dropship_arrives),
    ]
    expected = {a.location.code: a.expected_at for line in order.lines for a in line.allocations}
    assert expected == {"PAR-RIV": now + SLA, "PAR-BAS": shuttle_arrives,
                        "WH-GEN": now + timedelta(days=2), "SUP-TECH": dropship_arrives}


def test_a_missed_cut_off_waits_for_the_next_open_day(db, chain):
    # Ready at 12:00 Paris: the 12:15 run closed at 11:45. Wednesday the origin is closed.
    hours = {day: [["09:00", "20:00"]] for day in ("mon", "tue", "thu", "fri", "sat")}
    chain.bastille.opening_hours = hours
    factories.shuttle_route(chain.bastille, chain.rivoli, ["08:00", "12:15"],
                            transit_minutes=60, cutoff_minutes=30)
    shelve(db, chain.bastille, chain.phone, 1)

    order = collect_at_rivoli(chain, (chain.phone, 1))

    (allocation,) = order.lines[0].allocations
    assert allocation.expected_at == utc(12, 8)  # Thursday 08:00 Paris + 1 h
    assert order.promised_at == utc(12, 8) + SLA
    pack = db.session.scalar(select(Task).filter_by(kind=TaskKind.PACK))
    assert pack.due_at == utc(12, 6, 30)


def test_without_a_shuttle_route_the_promise_is_a_day_later(db, chain, now):
    shelve(db, chain.bastille, chain.phone, 1)

    order = collect_at_rivoli(chain, (chain.phone, 1))

    assert order.lines[0].allocations[0].expected_at == now + timedelta(days=1)
    assert order.promised_at == now + timedelta(days=1) + SLA


def test_ship_from_store_is_picked_and_packed_where_it_is(db, chain, now):
    shelve(db, chain.rivoli, chain.phone, 3)

    order = place_order(factories.order_request(
        [(chain.phone, 1)], DeliveryMethod.SHIP_FROM_STORE, ship_address="2 rue Hoche",
        ship_latitude=COURBEVOIE[0], ship_longitude=COURBEVOIE[1]))

    assert order.promised_at == now + SLA + timedelta(days=2)
    assert work_of(db, order) == [
        (TaskKind.PICK, "PAR-RIV", None, "PHONE-A", 1, now + SLA),
        (TaskKind.PACK, "PAR-RIV", None, "PHONE-A", 1, now + SLA),
    ]


def test_home_delivery_from_a_warehouse_creates_no_store_work(db, chain, now):
    shelve(db, chain.warehouse, chain.phone, 3)

    order = place_order(factories.order_request(
        [(chain.phone, 1)], DeliveryMethod.HOME, ship_address="2 rue Hoche",
        ship_latitude=COURBEVOIE[0], ship_longitude=COURBEVOIE[1]))

    assert order.promised_at == now + timedelta(days=2)
    assert work_of(db, order) == []
