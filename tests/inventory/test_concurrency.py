"""Real threads, each with its own session, race for the last units of a product."""
import threading

from sqlalchemy import func, select

from omni_store.catalog.models import Product
from omni_store.inventory import services as inventory
from omni_store.inventory.models import Buffer, Channel, MovementReason, StockLevel, StockMovement
from tests import factories

THREADS = 8
LAST_UNITS = 3
WEB_BUFFER = 2


def test_last_units_go_to_exactly_as_many_buyers(app, db):
    store, phone = factories.store(), factories.product()
    factories.stock(store, phone, LAST_UNITS + WEB_BUFFER)
    db.session.add(Buffer(channel=Channel.WEB, quantity=WEB_BUFFER))
    store_id, phone_id = store.id, phone.id
    db.session.commit()  # the threads must see the stock; nothing may hold a lock now

    start = threading.Barrier(THREADS)
    outcomes, errors = [], []

    def buy_one():
        start.wait()
        try:
            with app.app_context():
                product = db.session.get(Product, phone_id)
                outcomes.append(inventory.allocate(store_id, product, 1, Channel.WEB,
                                                   inventory.Ref("test:race")))
                db.session.commit()
        except Exception as error:  # surfaced below: a thread must not fail silently
            errors.append(error)

    threads = [threading.Thread(target=buy_one) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(outcomes) == [False] * (THREADS - LAST_UNITS) + [True] * LAST_UNITS
    level = db.session.scalar(
        select(StockLevel).filter_by(location_id=store_id, product_id=phone_id))
    assert (level.on_hand, level.allocated) == (LAST_UNITS + WEB_BUFFER, LAST_UNITS)
    allocations = db.session.scalar(
        select(func.count(StockMovement.id)).filter_by(reason=MovementReason.ALLOCATE)
    )
    assert allocations == LAST_UNITS
