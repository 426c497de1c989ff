"""`flask demo seed`: the Maison Omni chain, seeded once for this module.

Every test here only reads, except the second seed (which must change nothing) and the
reset (which must rebuild the same chain); so they share one seeded database.
"""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from omni_store import create_app
from omni_store.auth.models import ApiClient, Role, User
from omni_store.catalog.barcodes import is_valid_ean13
from omni_store.catalog.models import Barcode, Offer, Product
from omni_store.core.clock import as_utc, utcnow
from omni_store.demo import catalog_data, network_data, people_data
from omni_store.extensions import db as _db
from omni_store.inventory.models import Channel, StockLevel
from omni_store.inventory.queries import ledger_mismatches
from omni_store.inventory.services import buffer_for
from omni_store.network.geo import haversine_km
from omni_store.network.models import Location, LocationKind, Zone, ZoneKind
from omni_store.orders.models import Allocation, DeliveryMethod, Order, OrderStatus, Transport
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskStatus
from tests.conftest import empty_all_tables


def _seed(app, *options, input=None):
    result = app.test_cli_runner().invoke(args=["demo", "seed", *options], input=input)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def chain(app):
    with app.app_context():
        _seed(app)
        yield _db
        _db.session.remove()
        empty_all_tables()


def _every_row(db) -> dict[str, list[tuple]]:
    return {
        table.name: [tuple(row) for row in db.session.execute(
            select(table).order_by(*table.primary_key.columns))]
        for table in db.metadata.sorted_tables
    }


def _row_counts(db) -> dict[str, int]:
    return {table: len(rows) for table, rows in _every_row(db).items()}


def _location(db, code) -> Location:
    return db.session.scalar(select(Location).filter_by(code=code))


def _stocked_at(db, sku) -> dict[str, int]:
    """Location code -> units on hand, where there are any."""
    rows = db.session.execute(
        select(Location.code, StockLevel.on_hand)
        .join(StockLevel.location).join(StockLevel.product)
        .where(Product.sku == sku, StockLevel.on_hand > 0)
    )
    return dict(rows.all())


def test_a_second_seed_changes_nothing(app, chain):
    before = _every_row(chain)

    result = _seed(app)

    chain.session.expire_all()
    assert _every_row(chain) == before
    assert "Demo chain ready" in result.output


def test_reset_rebuilds_the_same_chain_without_what_was_added(app, chain):
    counts = _row_counts(chain)
    chain.session.add(User(email="intruder@example.com", name="Not demo", role=Role.ADMIN,
                           password_hash="x"))
    chain.session.commit()

    _seed(app, "--reset", "--yes")

    assert _row_counts(chain) == counts
    assert chain.session.scalar(select(User).filter_by(email="intruder@example.com")) is None


def test_reset_asks_before_deleting_anything(app, chain):
    counts = _row_counts(chain)

    result = app.test_cli_runner().invoke(args=["demo", "seed", "--reset"], input="n\n")

    assert result.exit_code != 0
    assert "Delete every row" in result.output
    assert _row_counts(chain) == counts


def test_seed_explains_what_to_do_on_a_database_without_tables(tmp_path):
    empty = create_app({"TESTING": True, "SECRET_KEY": "test",
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite'}"})

    with empty.app_context():  # not the app context this module keeps open
        result = empty.test_cli_runner().invoke(args=["demo", "seed"])

    assert result.exit_code != 0
    assert "run `flask db upgrade` first" in result.output


def test_the_chain_has_its_stores_warehouses_suppliers_and_catalog(chain):
    kinds = dict(chain.session.execute(
        select(Location.kind, func.count()).group_by(Location.kind)).all())
    assert kinds == {LocationKind.STORE: 12, LocationKind.WAREHOUSE: 2, LocationKind.SUPPLIER: 2}
    assert chain.session.scalar(select(func.count()).select_from(Product)) >= 250
    rivoli = _location(chain, "PAR-RIV")
    assert (rivoli.latitude, rivoli.longitude) == (48.8600, 2.3470)
    assert rivoli.opening_hours["mon"] == [["10:00", "20:00"]]
    assert "sun" not in rivoli.opening_hours


def test_every_store_has_a_hold_zone_with_numbered_slots(chain):
    for store in chain.session.scalars(select(Location).filter_by(kind=LocationKind.STORE)):
        slots = sorted(z.slot_number for z in store.zones if z.kind == ZoneKind.HOLD)
        assert slots == list(range(1, len(slots) + 1)) and len(slots) >= 8, store.code
        assert {z.kind for z in store.zones} == set(ZoneKind), store.code
    slot_seven = chain.session.scalar(select(Zone).filter_by(code="PAR-RIV-H07"))
    assert (slot_seven.kind, slot_seven.slot_number) == (ZoneKind.HOLD, 7)


def test_every_barcode_is_a_valid_ean13(chain):
    codes = chain.session.scalars(select(Barcode.code)).all()
    assert len(codes) == chain.session.scalar(select(func.count()).select_from(Product))
    assert [code for code in codes if not is_valid_ean13(code)] == []


def test_demo_logins_exist_with_their_roles_and_the_demo_password(chain):
    rivoli = _location(chain, "PAR-RIV")
    expected = {
        "associate@rivoli.demo": (Role.ASSOCIATE, rivoli.id),
        "manager@rivoli.demo": (Role.MANAGER, rivoli.id),
        "associate@bastille.demo": (Role.ASSOCIATE, _location(chain, "PAR-BAS").id),
        "admin@omni.demo": (Role.ADMIN, None),
    }
    for email, (role, store_id) in expected.items():
        user = chain.session.scalar(select(User).filter_by(email=email))
        assert (user.role, user.store_id, user.active) == (role, store_id, True), email
        assert user.check_password("demo"), email
        assert not user.check_password("Demo"), email
    users = chain.session.scalars(select(User)).all()
    assert len(users) == len(people_data.staff())
    for store in chain.session.scalars(select(Location).filter_by(kind=LocationKind.STORE)):
        assert {u.role for u in users if u.store_id == store.id} >= {Role.ASSOCIATE, Role.MANAGER}


def test_the_demo_api_client_accepts_the_demo_key(chain):
    client = chain.session.scalar(select(ApiClient).filter_by(name="Demo e-commerce front"))
    assert client.active
    assert client.key_hash == ApiClient.hash_key("demo-api-key")


def test_stock_follows_the_acceptance_story(chain):
    rivoli = _location(chain, "PAR-RIV")
    phone_a = chain.session.scalar(select(Product).filter_by(sku=catalog_data.PHONE_A_SKU))
    level_a = chain.session.scalar(
        select(StockLevel).filter_by(location_id=rivoli.id, product_id=phone_a.id))
    # A can be e-reserved at PAR-RIV, past the web buffer.
    assert level_a.on_hand - level_a.allocated - buffer_for(Channel.WEB, rivoli.id, phone_a) >= 1

    b_stores = _stocked_at(chain, catalog_data.PHONE_B_SKU)
    assert list(b_stores) == [network_data.FAR_STORE_CODE]
    far = _location(chain, network_data.FAR_STORE_CODE)
    assert far.kind == LocationKind.STORE
    assert 35 <= haversine_km(rivoli.latitude, rivoli.longitude, far.latitude, far.longitude) <= 50

    c_sources = [_location(chain, code) for code in _stocked_at(chain, catalog_data.PHONE_C_SKU)]
    assert [loc.kind for loc in c_sources] == [LocationKind.SUPPLIER]

    # The marketplace beats the chain price of A, and is no way around the story for B and C.
    offers = chain.session.scalars(select(Offer).join(Offer.product)).all()
    assert min(o.total_cents for o in offers if o.product.sku == catalog_data.PHONE_A_SKU) \
        < phone_a.price_cents
    assert not [o for o in offers if o.product.sku in (catalog_data.PHONE_B_SKU,
                                                      catalog_data.PHONE_C_SKU)]


def test_stock_is_uneven_and_each_product_has_a_place(chain):
    levels = chain.session.scalars(select(StockLevel).join(StockLevel.location)).all()
    store_levels = [lv for lv in levels if lv.location.kind == LocationKind.STORE]
    assert any(lv.on_hand == 0 for lv in store_levels)
    assert any(lv.quarantine > 0 for lv in store_levels)
    assert max(lv.on_hand for lv in store_levels) >= 30  # overstock somewhere
    for level in store_levels:
        assert level.zone is not None and level.zone.location_id == level.location_id
        assert level.zone.kind in (ZoneKind.SALES_FLOOR, ZoneKind.BACKROOM)


def test_every_stock_bucket_equals_the_sum_of_its_movements(chain):
    assert ledger_mismatches() == []


def test_rivoli_starts_the_day_with_work_of_several_kinds(chain):
    rivoli = _location(chain, "PAR-RIV")
    associate = chain.session.scalar(select(User).filter_by(email="associate@rivoli.demo"))
    tasks = chain.session.scalars(select(Task).filter_by(location_id=rivoli.id)).all()
    open_tasks = [t for t in tasks if t.status in OPEN_TASK_STATUSES]
    now = utcnow()

    assert len(open_tasks) >= 10
    assert len({t.kind for t in open_tasks}) >= 4
    assert any(as_utc(t.due_at) < now for t in open_tasks)  # late
    assert any(as_utc(t.due_at) > now for t in open_tasks)  # still to come
    assert any(t.status == TaskStatus.IN_PROGRESS and t.assignee_id == associate.id for t in tasks)
    assert any(t.status == TaskStatus.DONE for t in tasks)


def test_the_day_has_orders_of_every_kind_and_source(chain):
    orders = chain.session.scalars(select(Order)).all()
    allocations = chain.session.scalars(select(Allocation)).all()
    now = utcnow()

    assert 25 <= len(orders) <= 40
    assert {o.delivery_method for o in orders} == set(DeliveryMethod)
    assert {a.transport for a in allocations} == set(Transport)
    # Being picked, waiting at the PAR-RIV counter and collected there (demo.day, demo.counter_day).
    assert {o.status for o in orders} == {OrderStatus.SOURCED, OrderStatus.PICKING, OrderStatus.CANCELLED,
                                          OrderStatus.READY, OrderStatus.HANDED_OVER}
    reservations = [o for o in orders if o.delivery_method == DeliveryMethod.RESERVE]
    assert reservations and all(as_utc(o.appointment_at) > now for o in reservations)
    # Placed over the day, not all at once.
    placed = sorted(as_utc(o.created_at) for o in orders)
    assert placed[-1] - placed[0] >= timedelta(hours=4)
    assert all(moment <= now for moment in placed)


def test_e_reservations_book_published_slots_their_items_make(chain):
    from omni_store.appointments.models import AppointmentSlot, Booking, BookingStatus

    bookings = chain.session.scalars(select(Booking)).all()
    reservations = chain.session.scalars(
        select(Order).filter_by(delivery_method=DeliveryMethod.RESERVE)).all()
    assert len(bookings) == len(reservations) == 5
    for booking in bookings:
        assert booking.status == BookingStatus.BOOKED
        assert as_utc(booking.order.promised_at) <= as_utc(booking.slot.starts_at)
        assert as_utc(booking.order.appointment_at) == as_utc(booking.slot.starts_at)
    rivoli = _location(chain, "PAR-RIV")
    evening = chain.session.scalars(select(AppointmentSlot).filter_by(
        location_id=rivoli.id, expertise="smartphones")).all()
    assert evening and all(as_utc(slot.starts_at) > utcnow() - timedelta(minutes=5)
                           for slot in evening)
