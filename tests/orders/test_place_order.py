"""Order intake: validation first, then all or nothing."""
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from omni_store.catalog.models import Product
from omni_store.core.errors import InvalidInput, NotAvailable, NotFound
from omni_store.inventory import services as inventory
from omni_store.inventory.models import Channel, StockLevel, StockMovement
from omni_store.network.models import Location
from omni_store.orders.models import (
    Allocation,
    Customer,
    DeliveryMethod,
    Order,
    OrderLine,
    OrderStatus,
)
from omni_store.fulfilment.placing import place_order
from omni_store.orders.allocating import MAX_SOURCING_ATTEMPTS
from omni_store.orders.intake import OrderRequest
from omni_store.tasks.models import Task
from tests import factories
from tests.orders.conftest import COURBEVOIE, shelve

WRITTEN_BY_AN_ORDER = (Order, OrderLine, Allocation, Customer, Task, StockMovement)


def row_counts(db):
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in WRITTEN_BY_AN_ORDER}


def allocated(db, location, product):
    return db.session.scalar(
        select(StockLevel.allocated).filter_by(location_id=location.id, product_id=product.id)
    )


def test_order_gets_a_readable_unique_number_and_reuses_the_customer(db, chain):
    shelve(db, chain.rivoli, chain.phone, 10)
    case = factories.product("CASE-1", "Case", category="accessories", price_cents=2500)
    shelve(db, chain.rivoli, case, 10)

    first = place_order(factories.order_request(
        [(chain.phone, 1), (case, 2), (" CASE-1 ", 1)], store_loc=chain.rivoli))
    second = place_order(factories.order_request(
        [(chain.phone, 1)], store_loc=chain.rivoli, email=" Camille.Martin@Test.example ",
        channel=Channel.STORE))

    assert re.fullmatch(r"W\d{6}", first.number)
    assert re.fullmatch(r"S\d{6}", second.number)
    assert first.number[1:] != second.number[1:]
    assert first.customer_id == second.customer_id
    assert first.status == OrderStatus.SOURCED
    assert [(line.product.sku, line.quantity, line.unit_price_cents) for line in first.lines] == [
        ("PHONE-A", 1, 19900), ("CASE-1", 3, 2500),  # the two case lines are merged
    ]
    references = set(
        db.session.scalars(select(StockMovement.reference).filter_by(reason="allocate")))
    assert references == {f"order:{first.number}", f"order:{second.number}"}


def test_allocation_keeps_its_explanation_and_distance(db, chain):
    shelve(db, chain.bastille, chain.phone, 5)

    order = place_order(factories.order_request([(chain.phone, 2)], store_loc=chain.rivoli))

    (allocation,) = order.lines[0].allocations
    assert allocation.quantity == 2
    assert allocation.distance_km == pytest.approx(1.78, abs=0.01)
    assert allocation.explanation == (
        "PAR-BAS: 1.8 km from PAR-RIV, by shuttle, 5 available (nearest with stock)"
    )
    assert allocated(db, chain.bastille, chain.phone) == 2


def test_home_delivery_keeps_the_address(db, chain):
    shelve(db, chain.warehouse, chain.phone, 5)

    order = place_order(factories.order_request(
        [(chain.phone, 1)], method=DeliveryMethod.HOME, ship_address="1 place de la Défense",
        ship_latitude=COURBEVOIE[0], ship_longitude=COURBEVOIE[1]))

    assert order.pickup_location_id is None
    assert (order.ship_address, order.ship_latitude) == ("1 place de la Défense", COURBEVOIE[0])
    assert order.lines[0].allocations[0].location.code == "WH-GEN"


def invalid(**changes):
    fields = dict(email="camille@test.example", first_name="Camille",
                  lines=[("PHONE-A", 1)], delivery_method=DeliveryMethod.PICKUP,
                  pickup_store_code="PAR-RIV")
    fields.update(changes)
    return OrderRequest(**fields)


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        (dict(lines=[("PHONE-A", 1), ("NOPE-1", 1), ("NOPE-2", 1)]), NotFound,
         "Unknown SKU: NOPE-1, NOPE-2"),
        (dict(lines=[]), InvalidInput, "at least one line"),
        (dict(lines=[("", 1)]), InvalidInput, "Every line needs a SKU"),
        (dict(lines=[("PHONE-A", 0)]), InvalidInput,
         "The quantity of PHONE-A must be a whole number from 1 to 999."),
        (dict(lines=[("PHONE-A", 1000)]), InvalidInput, "from 1 to 999"),
        (dict(lines=[("PHONE-A", 1.5)]), InvalidInput, "whole number"),
        (dict(lines=[("PHONE-A", "2")]), InvalidInput, "whole number"),
        (dict(lines=[("PHONE-A", True)]), InvalidInput, "whole number"),
        (dict(lines=[("PHONE-A", 500), ("PHONE-A", 500)]), InvalidInput, "from 1 to 999"),
        (dict(pickup_store_code="PAR-XXX"), NotFound, "Unknown store: PAR-XXX"),
        (dict(pickup_store_code="WH-GEN"), NotFound, "Unknown store: WH-GEN"),
        (dict(pickup_store_code=None), InvalidInput, "choose the store"),
        (dict(pickup_store_code="PAR-OFF"), InvalidInput, "PAR-OFF does not take orders"),
        (dict(pickup_store_code="PAR-NOP"), InvalidInput, "PAR-NOP does not offer in-store pickup"),
        (dict(delivery_method="drone"), InvalidInput, "Unknown delivery method"),
        (dict(email="camille"), InvalidInput, "valid email"),
        (dict(first_name=" "), InvalidInput, "first name"),
        (dict(delivery_method=DeliveryMethod.HOME), InvalidInput, "delivery address"),
        (dict(delivery_method=DeliveryMethod.SHIP_FROM_STORE, ship_address="1 rue de Rivoli"),
         InvalidInput, "valid coordinates"),
        (dict(delivery_method=DeliveryMethod.HOME, ship_address="1 rue de Rivoli",
              ship_latitude=91.0, ship_longitude=2.0), InvalidInput, "valid coordinates"),
        (dict(appointment_at="past"), InvalidInput, "appointment must be in the future"),
    ],
)
def test_invalid_orders_are_refused_with_a_clear_message_and_write_nothing(
    db, chain, now, changes, error, message
):
    factories.store("PAR-OFF", active=False)
    factories.store("PAR-NOP", does_pickup=False)
    shelve(db, chain.rivoli, chain.phone, 5)
    if changes.get("appointment_at") == "past":
        changes["appointment_at"] = now - timedelta(minutes=1)
    before = row_counts(db)

    with pytest.raises(error, match=re.escape(message)):
        place_order(invalid(**changes))

    assert row_counts(db) == before


def test_a_line_that_cannot_be_covered_leaves_nothing_behind(db, chain):
    shelve(db, chain.rivoli, chain.phone, 5)
    tablet = factories.product("TAB-1", "Tablet T1")
    shelve(db, chain.bastille, tablet, 1)
    before = row_counts(db)

    with pytest.raises(NotAvailable, match=re.escape("Not enough Tablet T1 (TAB-1) available")):
        place_order(factories.order_request([(chain.phone, 2), (tablet, 2)],
                                            store_loc=chain.rivoli))

    assert row_counts(db) == before  # no order, line, allocation, task, customer or movement
    assert allocated(db, chain.rivoli, chain.phone) == 0
    # The work done before the order, not yet committed, is kept: read back from the database.
    db.session.expire_all()
    kept = db.session.execute(
        select(Location.code, Product.sku, StockLevel.on_hand)
        .join(Location, Location.id == StockLevel.location_id)
        .join(Product, Product.id == StockLevel.product_id)
        .order_by(Location.code)
    ).all()
    assert [tuple(row) for row in kept] == [("PAR-BAS", "TAB-1", 1), ("PAR-RIV", "PHONE-A", 5)]


def test_a_lost_allocation_race_re_sources_the_line(db, chain, monkeypatch):
    shelve(db, chain.bastille, chain.phone, 2)
    shelve(db, chain.defense, chain.phone, 2)
    real_allocate = inventory.allocate

    def another_order_gets_there_first(location_id, product, quantity, channel, ref, **known):
        if location_id == chain.bastille.id:
            sale = inventory.Ref("store:sale")
            assert real_allocate(location_id, product, 2, Channel.STORE, sale)
        return real_allocate(location_id, product, quantity, channel, ref, **known)

    monkeypatch.setattr(inventory, "allocate", another_order_gets_there_first)

    order = place_order(factories.order_request([(chain.phone, 2)], store_loc=chain.rivoli))

    (allocation,) = order.lines[0].allocations
    assert (allocation.location.code, allocation.quantity) == ("PAR-DEF", 2)
    assert allocation.explanation.endswith("(nearest with stock)")
    assert allocated(db, chain.defense, chain.phone) == 2


def test_sourcing_gives_up_after_bounded_attempts(db, chain, monkeypatch):
    shelve(db, chain.bastille, chain.phone, 5)
    attempts = []

    def always_beaten(location_id, product, quantity, channel, ref, **known):
        attempts.append(location_id)
        return False

    monkeypatch.setattr(inventory, "allocate", always_beaten)
    before = row_counts(db)

    with pytest.raises(NotAvailable, match="Phone A"):
        place_order(factories.order_request([(chain.phone, 1)], store_loc=chain.rivoli))

    assert len(attempts) == MAX_SOURCING_ATTEMPTS
    assert row_counts(db) == before


def test_simultaneous_orders_share_the_last_units_without_overselling(app, db, chain):
    """Eight customers order at once; Bastille has 3 units, Lyon the rest."""
    shelve(db, chain.bastille, chain.phone, 3)
    shelve(db, chain.lyon, chain.phone, 20)
    store_code, sku = chain.rivoli.code, chain.phone.sku
    db.session.commit()  # the threads must see the stock; nothing may hold a lock now
    start = threading.Barrier(8)
    numbers, errors = [], []

    def order_one():
        start.wait()
        try:
            with app.app_context():
                order = place_order(OrderRequest(
                    email="same.customer@test.example", first_name="Camille",
                    lines=[(sku, 1)], delivery_method=DeliveryMethod.PICKUP,
                    pickup_store_code=store_code))
                numbers.append(order.number)
                db.session.commit()
        except Exception as error:  # surfaced below: a thread must not fail silently
            errors.append(error)

    threads = [threading.Thread(target=order_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(set(numbers)) == 8
    sources = db.session.execute(
        select(Allocation.location_id, func.sum(Allocation.quantity))
        .group_by(Allocation.location_id)
    ).all()
    assert dict(sources) == {chain.bastille.id: 3, chain.lyon.id: 5}
    phone = db.session.scalar(select(Product).filter_by(sku=sku))
    assert allocated(db, chain.bastille, phone) == 3
    assert db.session.scalar(select(func.count(Customer.id))) == 1


def test_an_order_costs_the_same_statements_whatever_the_size_of_the_chain(db, chain):
    case, charger = factories.product("CASE-A", "Case A"), factories.product("CHG-A", "Charger")
    for product in (chain.phone, case, charger):
        shelve(db, chain.bastille, product, 50)
    db.session.commit()
    lines = [(chain.phone, 1), (case, 1), (charger, 1)]

    def statements_of_an_order() -> int:
        place_order(factories.order_request(lines, store_loc=chain.rivoli))  # network loaded
        db.session.commit()
        with factories.counted_statements() as placed:
            place_order(factories.order_request(lines, store_loc=chain.rivoli))
        db.session.commit()
        return len(placed)

    small_chain = statements_of_an_order()
    for n in range(25):
        store = factories.store(f"OTH-{n:02d}", 45 + n / 10, 3.0)
        factories.shuttle_route(store, chain.rivoli, ["10:00"])
        for product in (chain.phone, case, charger):
            shelve(db, store, product, 5)
    db.session.commit()

    assert statements_of_an_order() == small_chain
