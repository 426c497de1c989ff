"""`flask demo scale`: the demo chain grown to a (small) chain size, with every stock rule kept.

The refusal test runs first, on a database that is not a demo one; the others share one
seeded and scaled chain for the module (they only read, except the second runs, which
must write nothing).
"""
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select, text

from omni_store import create_app
from omni_store.appointments.models import AppointmentSlot, Booking, BookingStatus
from omni_store.auth.models import Role, User
from omni_store.catalog.barcodes import is_valid_ean13
from omni_store.catalog.models import Barcode, Offer, OfferCondition, Product, Seller
from omni_store.core.clock import as_utc, utcnow
from omni_store.demo import catalog_data, network_data
from omni_store.demo.scale import SCALE_REFERENCE, check_invariants
from omni_store.extensions import db as _db
from omni_store.inventory.models import Buffer, Channel, StockLevel, StockMovement
from omni_store.inventory.queries import ledger_mismatches
from omni_store.network.models import Location, LocationKind, ShuttleRoute, ZoneKind
from omni_store.orders.models import (
    OPEN_ORDER_STATUSES,
    STORE_DELIVERY_METHODS,
    Allocation,
    AllocationStatus,
    Customer,
    DeliveryMethod,
    Hold,
    HoldStatus,
    Order,
    OrderLine,
    OrderStatus,
    Transport,
)
from omni_store.shuttles.models import Parcel, ParcelStatus
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskKind
from tests.conftest import empty_all_tables

SIZE = {"stores": 20, "warehouses": 3, "skus": 400, "offers": 600, "open-orders": 300, "sellers": 30}
SIZE_OPTIONS = [f"--{name}={value}" for name, value in SIZE.items()]


def _scale(app, *options):
    _db.session.commit()  # the CLI takes the write lock on SQLite: the test's session lets go first
    return app.test_cli_runner().invoke(args=["demo", "scale", *options])


def _row_counts() -> dict[str, int]:
    return {table.name: _db.session.scalar(select(func.count()).select_from(table))
            for table in _db.metadata.sorted_tables}


def _count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_database_that_is_not_a_demo_one_is_refused_and_nothing_is_written(app, db):
    db.session.add(Location(code="HQ-1", name="Head office", kind=LocationKind.STORE,
                            latitude=48.85, longitude=2.35))
    db.session.add(User(email="someone@example.com", name="Someone", role=Role.ADMIN,
                        password_hash="x"))
    db.session.commit()
    before = _row_counts()

    result = _scale(app, *SIZE_OPTIONS)

    assert result.exit_code != 0
    assert "not a demo database" in result.output
    assert "Nothing was written" in result.output
    db.session.expire_all()
    assert _row_counts() == before


def test_a_database_without_tables_is_refused(tmp_path):
    empty = create_app({"TESTING": True, "SECRET_KEY": "test",
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite'}"})

    with empty.app_context():  # not the app context the other tests use
        result = empty.test_cli_runner().invoke(args=["demo", "scale", *SIZE_OPTIONS])

    assert result.exit_code != 0
    assert "run `flask db upgrade`" in result.output


@pytest.fixture(scope="module")
def chain(app):
    with app.app_context():
        seeded = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert seeded.exit_code == 0, seeded.output
        result = _scale(app, *SIZE_OPTIONS)
        assert result.exit_code == 0, result.output
        _db.session.remove()
        yield result.output
        _db.session.remove()
        empty_all_tables()


def test_the_chain_has_the_sizes_asked_for(chain):
    kinds = dict(_db.session.execute(select(Location.kind, func.count()).group_by(Location.kind)).all())
    assert kinds[LocationKind.STORE] == SIZE["stores"]
    assert kinds[LocationKind.WAREHOUSE] == SIZE["warehouses"]
    assert _count(Product) == SIZE["skus"]
    assert _count(Seller) == SIZE["sellers"]
    assert _count(Offer) == SIZE["offers"]
    assert _count(Order, Order.status.in_(OPEN_ORDER_STATUSES)) == SIZE["open-orders"]
    assert "ok: " in chain and "BROKEN" not in chain


def test_every_stock_level_equals_its_movements_and_holds_only_what_it_has(chain):
    assert ledger_mismatches() == []
    levels = _db.session.execute(select(StockLevel.location_id, StockLevel.product_id, StockLevel.on_hand,
                                        StockLevel.allocated, StockLevel.quarantine)).all()
    assert [lv for lv in levels if lv.allocated > lv.on_hand or min(lv[2:]) < 0] == []
    assert _count(StockMovement, StockMovement.reference == SCALE_REFERENCE) >= len(levels) // 2


def test_each_level_allocates_exactly_its_active_allocations(chain):
    promised: dict[tuple[int, int], int] = defaultdict(int)
    for location_id, product_id, quantity in _db.session.execute(
            select(Allocation.location_id, OrderLine.product_id, Allocation.quantity)
            .join(OrderLine, OrderLine.id == Allocation.order_line_id)
            .where(Allocation.status == AllocationStatus.ACTIVE)):
        promised[(location_id, product_id)] += quantity
    allocated = {(lv.location_id, lv.product_id): lv.allocated for lv in _db.session.execute(
        select(StockLevel.location_id, StockLevel.product_id, StockLevel.allocated)
        .where(StockLevel.allocated != 0))}
    assert allocated == dict(promised)


def test_foreign_keys_and_the_command_s_own_checks_hold(chain):
    connection = _db.session.connection()
    if connection.dialect.name == "sqlite":
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    assert check_invariants(connection).failures == []


def test_phone_a_is_held_in_every_store_and_the_story_s_b_and_c_stay_where_they_were(chain):
    def held_at(sku: str) -> set[str]:
        return set(_db.session.scalars(
            select(Location.code).join(StockLevel, StockLevel.location_id == Location.id)
            .join(Product, Product.id == StockLevel.product_id)
            .where(Product.sku == sku, StockLevel.on_hand > 0)))

    stores = set(_db.session.scalars(select(Location.code).filter_by(kind=LocationKind.STORE)))
    assert stores <= held_at(catalog_data.PHONE_A_SKU)
    assert held_at(catalog_data.PHONE_B_SKU) == {network_data.FAR_STORE_CODE}
    assert held_at(catalog_data.PHONE_C_SKU) == {network_data.PHONE_SUPPLIER_CODE}


def test_open_orders_come_in_every_delivery_method_open_state_and_source(chain):
    open_orders = _db.session.execute(select(Order.delivery_method, Order.status)
                                      .where(Order.status.in_(OPEN_ORDER_STATUSES))).all()
    assert {method for method, _status in open_orders} == set(DeliveryMethod)
    assert {status for _method, status in open_orders} == set(OPEN_ORDER_STATUSES)
    ready = {method for method, status in open_orders if status == OrderStatus.READY}
    assert ready <= STORE_DELIVERY_METHODS
    assert set(_db.session.scalars(select(Allocation.transport).distinct())) == set(Transport)
    sold_by_sellers = _count(OrderLine, OrderLine.offer_id.is_not(None))
    assert sold_by_sellers > 0
    assert set(_db.session.scalars(select(Offer.condition).distinct())) == set(OfferCondition)


def test_ready_orders_wait_in_hold_slots_and_work_in_progress_has_its_tasks_and_parcels(chain):
    ready = set(_db.session.scalars(select(Order.id).where(Order.status == OrderStatus.READY)))
    held = set(_db.session.scalars(select(Hold.order_id).where(Hold.status == HoldStatus.ACTIVE)))
    assert ready and ready <= held
    kinds = set(_db.session.scalars(select(Task.kind).where(Task.status.in_(OPEN_TASK_STATUSES)).distinct()))
    assert kinds >= {TaskKind.PICK, TaskKind.PACK, TaskKind.RECEIVE, TaskKind.ISOLATE}
    statuses = set(_db.session.scalars(select(Parcel.status).distinct()))
    assert statuses >= {ParcelStatus.OPEN, ParcelStatus.RECEIVED}
    store_ids = set(_db.session.scalars(select(Location.id).filter_by(kind=LocationKind.STORE)))
    with_open_work = set(_db.session.scalars(
        select(Task.location_id).where(Task.status.in_(OPEN_TASK_STATUSES)).distinct()))
    assert len(with_open_work & store_ids) >= len(store_ids) * 0.8


def test_buffers_keep_units_back_from_every_channel_chain_wide_and_per_location(chain):
    buffers = _db.session.execute(select(Buffer.channel, Buffer.location_id, Buffer.category)).all()
    assert {channel for channel, _location, _category in buffers} == set(Channel)
    assert any(location is None and category for _channel, location, category in buffers)
    assert any(location is not None for _channel, location, _category in buffers)


def test_e_reservations_book_a_slot_their_items_make_within_its_capacity(chain):
    reservations = _db.session.scalars(select(Order).where(
        Order.delivery_method == DeliveryMethod.RESERVE, Order.status.in_(OPEN_ORDER_STATUSES))).all()
    bookings = {b.order_id: b for b in _db.session.scalars(select(Booking))}
    assert reservations
    for order in reservations:
        slot = bookings[order.id].slot
        assert bookings[order.id].status == BookingStatus.BOOKED
        assert as_utc(order.appointment_at) == as_utc(slot.starts_at) > utcnow()
        assert as_utc(order.promised_at) <= as_utc(slot.starts_at)
        assert slot.location_id == order.pickup_location_id
    taken = Counter(b.slot_id for b in bookings.values() if b.status == BookingStatus.BOOKED)
    capacity = dict(_db.session.execute(select(AppointmentSlot.id, AppointmentSlot.capacity)).all())
    assert all(places <= capacity[slot_id] for slot_id, places in taken.items())


def test_new_stores_are_laid_out_staffed_and_linked_like_the_demo_s(chain):
    demo_codes = {s.code for s in network_data.STORES}
    stores = [s for s in _db.session.scalars(select(Location).filter_by(kind=LocationKind.STORE))
              if s.code not in demo_codes]
    routes = _db.session.execute(select(ShuttleRoute.origin_id, ShuttleRoute.destination_id)).all()
    staff = {(u.store_id, u.role) for u in _db.session.scalars(select(User))}
    assert stores
    for store in stores:
        assert {z.kind for z in store.zones} == set(ZoneKind), store.code
        slots = sorted(z.slot_number for z in store.zones if z.kind == ZoneKind.HOLD)
        assert slots == list(range(1, len(slots) + 1)) and len(slots) >= 8, store.code
        assert store.timezone == "Europe/Paris" and store.opening_hours, store.code
        assert 41 <= store.latitude <= 51.2 and -5 <= store.longitude <= 9.6, store.code
        assert any(origin == store.id for origin, _d in routes), store.code
        assert any(destination == store.id for _o, destination in routes), store.code
        assert {(store.id, Role.ASSOCIATE), (store.id, Role.MANAGER)} <= staff, store.code
    codes = _db.session.scalars(select(Barcode.code)).all()
    assert len(codes) == SIZE["skus"] and all(is_valid_ean13(code) for code in codes)


def test_ids_continue_after_the_bulk_load(chain):
    before = _db.session.scalar(select(func.max(Customer.id)))
    customer = Customer(email="after.the.scale@client.demo", first_name="After")
    _db.session.add(customer)
    _db.session.flush()
    assert customer.id > before
    _db.session.rollback()


def test_a_second_run_writes_nothing(app, chain):
    before = _row_counts()

    again = _scale(app, *SIZE_OPTIONS)
    bigger = _scale(app, *SIZE_OPTIONS, "--stores=30")

    assert again.exit_code == 0, again.output
    assert "Already at chain scale" in again.output
    assert bigger.exit_code != 0
    assert "scaled already" in bigger.output and "--reset" in bigger.output
    _db.session.expire_all()
    assert _row_counts() == before
