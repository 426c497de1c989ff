"""POST /orders, GET /orders/{number}, POST /orders/{number}/cancel, by contract."""
from datetime import timedelta

from flask import has_request_context
from sqlalchemy import func, select, update

from omni_store.core.clock import utcnow
from omni_store.inventory.models import StockLevel
from omni_store.orders.models import Allocation, Order, OrderLine
from omni_store.counter.models import PickupToken
from omni_store.shuttles.models import ParcelKind, ParcelLine
from omni_store.shuttles.packing import open_parcel
from omni_store.tasks.models import Task
from tests import factories


def order_body(sku="PH-A", qty=1, method="pickup", store="PAR-RIV", **delivery):
    return {
        "customer": {"email": "camille@example.com", "first_name": "Camille",
                     "last_name": "Martin", "phone": "+33600000000"},
        "lines": [{"sku": sku, "qty": qty}],
        "delivery": {"method": method, "store": store, **delivery},
    }


def _chain(db):
    """PAR-RIV (where the customer collects) holds 1 phone A, PAR-BAS 2.5 km away holds 3
    of A and 2 of B."""
    rivoli = factories.store("PAR-RIV", lat=48.8606, lon=2.3376)
    bastille = factories.store("PAR-BAS", lat=48.8532, lon=2.3691)
    factories.shuttle_route(bastille, rivoli, departure_times=("08:00", "14:00"))
    phone = factories.product("PH-A", name="Phone Alpha", price_cents=79900)
    factories.stock(rivoli, phone, 1)
    factories.stock(bastille, phone, 3)
    factories.stock(bastille, factories.product("PH-B", name="Phone Beta"), 2)
    db.session.commit()
    return rivoli, bastille, phone


def _allocated(db, location, product):
    db.session.expire_all()
    return db.session.scalar(select(StockLevel.allocated).filter_by(
        location_id=location.id, product_id=product.id))


def test_pickup_order_is_created_with_its_plan_and_promise(client, db, auth, contract):
    _rivoli, _bastille, _phone = _chain(db)
    response = client.post("/api/v1/orders", json=order_body(qty=1), headers=auth)
    body = contract(response, "/orders", "post")
    assert response.status_code == 201
    assert response.headers["Location"].endswith(f"/api/v1/orders/{body['number']}")
    assert body["status"] == "sourced"
    assert body["delivery"] == {"method": "pickup", "store": "PAR-RIV", "address": None,
                                "appointment_at": None}
    assert body["appointment"] is None
    sources = body["plan"][0]["sources"]
    assert [(s["location"], s["quantity"], s["transport"]) for s in sources] == [
        ("PAR-RIV", 1, "same_store")]
    assert sources[0]["explanation"].startswith("PAR-RIV")
    assert body["promised_at"] is not None
    assert body["customer_link"].startswith("http://localhost/p/")


def test_the_customer_link_the_api_gives_is_stored_and_opens(client, db, auth):
    """A read shows the link the order was given; it never hands out one it cannot keep."""
    _chain(db)
    placed = client.post("/api/v1/orders", json=order_body(qty=1), headers=auth).get_json()

    links_before = db.session.scalar(select(func.count()).select_from(PickupToken))
    read = client.get(f"/api/v1/orders/{placed['number']}", headers=auth).get_json()

    # The same stored link (its signature carries the second it was signed, so the text may differ).
    assert db.session.scalar(select(func.count()).select_from(PickupToken)) == links_before == 1
    page = client.get(read["customer_link"].removeprefix("http://localhost"))
    assert page.status_code == 200 and placed["number"] in page.get_data(as_text=True)

    # Once the link has closed, a read has none to show: it never hands out one it does not store.
    db.session.execute(update(PickupToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert client.get(f"/api/v1/orders/{placed['number']}", headers=auth).get_json()["customer_link"] is None


def test_reading_an_order_commits_nothing(client, db, auth, monkeypatch):
    """A GET is a read: whatever it shows was stored by a write before."""
    _chain(db)
    number = client.post("/api/v1/orders", json=order_body(qty=1), headers=auth).get_json()["number"]
    commits, commit = [], db.session.commit
    monkeypatch.setattr(db.session, "commit", lambda: commits.append("commit")
                        if has_request_context() else commit())  # the test client's own
    assert client.get(f"/api/v1/orders/{number}", headers=auth).status_code == 200
    assert commits == []


def test_home_delivery_has_no_customer_link(client, db, auth, contract):
    _chain(db)
    body = order_body(method="home", store=None, address="1 rue de Rivoli, Paris",
                      latitude=48.86, longitude=2.34)
    response = client.post("/api/v1/orders", json=body, headers=auth)
    created = contract(response, "/orders", "post")
    assert response.status_code == 201, created
    assert created["customer_link"] is None
    assert created["delivery"]["address"] == "1 rue de Rivoli, Paris"


def test_not_enough_stock_is_409_and_allocates_nothing(client, db, auth, contract):
    rivoli, bastille, phone = _chain(db)
    response = client.post("/api/v1/orders", json=order_body(qty=5), headers=auth)
    body = contract(response, "/orders", "post")
    assert response.status_code == 409
    assert "Phone Alpha (PH-A)" in body["detail"]
    assert (_allocated(db, rivoli, phone), _allocated(db, bastille, phone)) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_invalid_orders_are_422_naming_the_field(client, db, auth, contract):
    _chain(db)
    cases = [
        ({"lines": [], "customer": {}, "delivery": {}}, "lines"),
        (order_body() | {"customer": "camille"}, "customer"),
        (order_body() | {"lines": [{"sku": "PH-A", "qty": "2"}]}, "lines[0].qty"),
        (order_body() | {"lines": [{"sku": "PH-A", "qty": 1}, 3]}, "lines[1]"),
        (order_body(method="reserve", appointment_at="2030-01-01T18:00:00+01:00"),
         "delivery.appointment_at"),
        (order_body(method="reserve", appointment_slot="7"), "delivery.appointment_slot"),
        (order_body(appointment_slot=7), "delivery.appointment_slot"),
        (order_body(latitude="48.8"), "delivery.latitude"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/orders", json=body, headers=auth)
        problem = contract(response, "/orders", "post")
        assert response.status_code == 422, (field, problem)
        assert problem["errors"][0]["field"] == field


def test_a_well_formed_order_the_chain_refuses_is_404_or_409_with_the_reason(client, db, auth,
                                                                           contract):
    _chain(db)
    factories.store("PAR-NOP", does_pickup=False)
    db.session.commit()
    twice = order_body(qty=999) | {"lines": [{"sku": "PH-A", "qty": 999}, {"sku": "PH-A", "qty": 1}]}
    cases = [
        (order_body(sku="NOPE"), 404, "Unknown SKU: NOPE"),
        (order_body(store="XXX-000"), 404, "Unknown store: XXX-000"),
        (order_body(store="PAR-NOP"), 409, "Store PAR-NOP does not offer in-store pickup."),
        (twice, 409, "The quantity of PH-A must be a whole number from 1 to 999."),
    ]
    for body, status, detail in cases:
        response = client.post("/api/v1/orders", json=body, headers=auth)
        problem = contract(response, "/orders", "post")
        assert (response.status_code, problem["detail"]) == (status, detail)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_what_the_document_forbids_is_422_in_the_screens_words(client, db, auth, contract):
    _chain(db)
    cases = [
        (order_body(method="teleport"), "delivery.method",
         "delivery.method must be one of: pickup, ship_from_store, home, reserve."),
        (order_body(qty=0), "lines[0].qty", "lines[0].qty must be a whole number from 1 to 999."),
        (order_body(qty=92.5), "lines[0].qty",
         "lines[0].qty must be a whole number from 1 to 999."),
        (order_body(sku=" "), "lines[0].sku", "lines[0].sku is required."),
        (order_body(sku="P" * 33), "lines[0].sku",
         "lines[0].sku is too long: 32 characters at most."),
        (order_body(method="home", store=None), "delivery.address", "delivery.address is required."),
        (order_body(method="home", store=None, address="1 rue X", latitude=48.8),
         "delivery.longitude", "delivery.longitude is required."),
        (order_body(latitude=91), "delivery.latitude",
         "delivery.latitude must be a number from -90 to 90."),
        (order_body(method="reserve", appointment_slot=0), "delivery.appointment_slot",
         "delivery.appointment_slot is not an id this API gave out."),
        (order_body() | {"customer": {"email": "camille", "first_name": "Camille"}},
         "customer.email", "Please enter a valid email address."),
        (order_body() | {"customer": {"email": "c@example.com", "first_name": "Camille",
                                      "last_name": "M" * 81}},
         "customer.last_name", "customer.last_name is too long: 80 characters at most."),
        (order_body() | {"customer": {"email": "c@example.com", "first_name": "Cam\u0000ille"}},
         "customer.first_name",
         "customer.first_name contains an invisible control character: type it again."),
    ]
    for body, field, detail in cases:
        response = client.post("/api/v1/orders", json=body, headers=auth)
        problem = contract(response, "/orders", "post")
        assert response.status_code == 422, (field, problem)
        assert problem["errors"] == [{"field": field, "message": detail}]
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_what_the_document_allows_is_taken(client, db, auth, contract):
    """A whole number written 2.0, nulls for what is optional, a field the method does not use."""
    _chain(db)
    body = order_body(qty=2.0, address=None, latitude=None, appointment_slot=None)
    body["customer"] |= {"last_name": None, "phone": None}
    response = client.post("/api/v1/orders", json=body, headers=auth)
    created = contract(response, "/orders", "post")
    assert response.status_code == 201, created
    assert created["lines"][0]["quantity"] == 2 and created["customer"]["last_name"] == ""


def test_body_that_is_not_json_is_400(client, auth, contract):
    response = client.post("/api/v1/orders", data="{not json", headers=auth,
                           content_type="application/json")
    assert contract(response, "/orders", "post")["detail"] == "The request body is not valid JSON."
    assert response.status_code == 400


def test_order_detail_shows_tasks_and_parcels(client, db, auth, contract):
    _chain(db)
    number = client.post("/api/v1/orders", json=order_body("PH-B"), headers=auth).get_json()["number"]
    response = client.get(f"/api/v1/orders/{number}", headers=auth)
    body = contract(response, "/orders/{number}", "get")
    assert body["number"] == number
    progress = {row["kind"]: (row["total"], row["open"], row["done"]) for row in body["tasks"]}
    # Bastille picks and packs it for the shuttle; Rivoli receives it.
    assert body["plan"][0]["sources"][0]["transport"] == "shuttle"
    assert progress == {"pick": (1, 1, 0), "pack": (1, 1, 0), "receive": (1, 1, 0)}
    assert body["parcels"] == []

    # Bastille opens a shuttle parcel and packs the order's unit into it.
    allocation = db.session.scalar(select(Allocation).join(Allocation.line)
                                   .join(OrderLine.order).where(Order.number == number))
    parcel = open_parcel(allocation.location_id, allocation.line.order.pickup_location_id,
                         ParcelKind.SHUTTLE)
    parcel.lines.append(ParcelLine(product_id=allocation.line.product_id, quantity=1,
                                   allocation_id=allocation.id))
    db.session.commit()
    body = contract(client.get(f"/api/v1/orders/{number}", headers=auth), "/orders/{number}", "get")
    assert body["parcels"] == [{"code": parcel.code, "kind": "shuttle", "status": "open",
                                "origin": "PAR-BAS", "destination": "PAR-RIV",
                                "tracking_number": None, "expected_at": None}]
    missing = client.get("/api/v1/orders/W999999", headers=auth)
    assert contract(missing, "/orders/{number}", "get")["detail"] == "Unknown order: W999999"


def test_cancel_releases_stock_and_cancels_tasks(client, db, auth, contract):
    rivoli, bastille, phone = _chain(db)
    number = client.post("/api/v1/orders", json=order_body(qty=2), headers=auth).get_json()["number"]
    response = client.post(f"/api/v1/orders/{number}/cancel", json={"reason": "changed mind"},
                           headers=auth)
    body = contract(response, "/orders/{number}/cancel", "post")
    assert response.status_code == 200 and body["status"] == "cancelled"
    assert [s["status"] for s in body["plan"][0]["sources"]] == ["released"]
    assert (_allocated(db, rivoli, phone), _allocated(db, bastille, phone)) == (0, 0)
    open_tasks = db.session.scalar(select(func.count()).select_from(Task)
                                   .where(Task.status.in_(["open", "in_progress"])))
    assert open_tasks == 0
    again = client.post(f"/api/v1/orders/{number}/cancel", headers=auth)
    assert again.status_code == 200  # cancelling twice is harmless
    missing = client.post("/api/v1/orders/W999999/cancel", headers=auth)
    assert contract(missing, "/orders/{number}/cancel", "post") and missing.status_code == 404


def test_the_api_is_chain_wide_but_orders_obey_the_store_rules(client, db, auth):
    """No store scoping: any store's stock feeds any order; a closed store takes none."""
    _chain(db)
    factories.store("LYO-CLO", lat=45.76, lon=4.83, active=False)
    db.session.commit()
    far = client.post("/api/v1/orders", json=order_body(qty=4), headers=auth)
    assert far.status_code == 201
    closed = client.post("/api/v1/orders", json=order_body(store="LYO-CLO"), headers=auth)
    assert closed.status_code == 409
    assert closed.get_json()["detail"] == "Store LYO-CLO does not take orders at the moment."
