"""The probe's reproducers (issue 10): each is a clear 422 that names the field and writes
nothing, on SQLite as on PostgreSQL."""
import pytest
from sqlalchemy import select

from omni_store.catalog.models import Offer, Product
from omni_store.extensions import db as _db
from omni_store.inventory.models import StockLevel
from omni_store.network.models import Location, LocationKind
from omni_store.orders.models import Order, OrderStatus
from omni_store.returns.models import Return
from omni_store.returns.services import start_return
from omni_store.tasks.models import Task, TaskKind, TaskStatus
from tests.fuzz.conftest import MANAGER, STORE, CommittedWrites, signed_in

HUGE = "9" * 5000


@pytest.fixture(scope="module")
def rows(app, seeded_chain):
    """The store's rows the reproducers post to: a return, a READY order, a parcel receipt."""
    with app.app_context():
        store_id = _db.session.scalar(select(Location.id).filter_by(code=STORE))
        handed_over = _db.session.scalar(select(Order).filter_by(status=OrderStatus.HANDED_OVER))
        return_id = start_return(handed_over, store_id, None).id
        _db.session.commit()
        ready = _db.session.scalar(select(Order).filter_by(status=OrderStatus.READY,
                                                           pickup_location_id=store_id))
        receipt = _db.session.scalar(  # a delivery counted on the screen, not a shuttle parcel
            select(Task).join(Location, Location.id == Task.counterpart_location_id)
            .where(Task.kind == TaskKind.RECEIVE, Task.status == TaskStatus.OPEN,
                   Task.location_id == store_id, Location.kind != LocationKind.STORE))
        sku = _db.session.scalar(
            select(Product.sku).join(StockLevel, StockLevel.product_id == Product.id)
            .where(StockLevel.location_id == store_id,
                   StockLevel.on_hand - StockLevel.allocated - StockLevel.quarantine > 2)
            .order_by(Product.sku).limit(1))
        found = dict(return_id=return_id, order_id=ready.id, line_id=ready.lines[0].id,
                     receipt_id=receipt.id, receipt_product=receipt.product_id, sku=sku,
                     offer_id=_db.session.scalar(select(Offer.id).limit(1)))
        _db.session.remove()
    return found


def _customer(rows, **fields) -> dict:
    return {"sku": rows["sku"], "quantity": "1", "first_name": "Camille", "last_name": "Roy",
            "email": "camille@test.example", "phone": "0612345678", **fields}


CASES = [
    ("/returns/{return_id}/lines", lambda r: {"order_line_id": "1", "quantity": HUGE},
     "Quantity must be a whole number from 1 to"),
    ("/counter/orders/{order_id}/hand-over", lambda r: {"progress": HUGE},
     "Quantity must be a whole number from 0 to 999"),
    ("/counter/orders/{order_id}/hand-over", lambda r: {f"refuse-{r['line_id']}": HUGE},
     "Quantity must be a whole number from 0 to 999"),
    ("/stock/reserve", lambda r: _customer(r, source=STORE, quantity=HUGE),
     "Quantity must be a whole number from 1 to 999"),
    ("/stock/reserve", lambda r: _customer(r, source=STORE, slot=HUGE),
     "Choose an appointment slot from the list"),
    ("/stock/home", lambda r: _customer(r, quantity=HUGE, address="2 rue Hoche"),
     "Quantity must be a whole number from 1 to 999"),
    ("/stock/home", lambda r: _customer(r, offer=HUGE, address="2 rue Hoche"),
     "Choose an offer from the list"),
    ("/stock/home", lambda r: _customer(r, address="x" * 301, latitude="48.895", longitude="2.25"),
     "Delivery address is too long: 300 characters at most"),
    ("/stock/home", lambda r: _customer(r, first_name="é" * 81, address="2 rue Hoche",
                                        latitude="48.895", longitude="2.25"),
     "First name is too long: 80 characters at most"),
    ("/shuttles/receive/{receipt_id}", lambda r: {f"count-{r['receipt_product']}": HUGE},
     "A count must be a whole number from 0 to"),
    ("/shuttles/receive/{receipt_id}", lambda r: {"step": f"{HUGE}:1"},
     "Tap + or − beside a product of the parcel"),
]


@pytest.mark.parametrize("path, form, message", CASES,
                         ids=[f"{path} {sorted(form({'line_id': 0, 'receipt_product': 0, 'sku': ''}))}"
                              for path, form, _m in CASES])
@pytest.mark.parametrize("as_htmx", [False, True], ids=["page", "htmx"])
def test_the_probe_s_reproducer_is_a_clear_422_that_writes_nothing(app, rows, path, form, message,
                                                                   as_htmx):
    client, token = signed_in(app, MANAGER)
    headers = {"HX-Request": "true"} if as_htmx else {}

    with app.app_context(), CommittedWrites(_db.engine) as writes:
        response = client.post(path.format(**rows), data={**form(rows), "csrf_token": token},
                               headers=headers)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert writes.committed == set()


def test_a_return_line_within_bounds_is_still_taken(app, rows):
    """The bounds refuse the absurd, not the real: the same form with a real quantity works."""
    client, token = signed_in(app, MANAGER)
    with app.app_context():
        line = _db.session.get(Return, rows["return_id"]).order.lines[0]
        line_id = line.id
        _db.session.remove()

    response = client.post(f"/returns/{rows['return_id']}/lines", headers={"HX-Request": "true"},
                           data={"order_line_id": str(line_id), "quantity": "1", "reason": "Too small",
                                 "condition": "as_new", "disposition": "restock_here",
                                 "csrf_token": token})

    assert response.status_code == 200, response.get_data(as_text=True)[:500]
