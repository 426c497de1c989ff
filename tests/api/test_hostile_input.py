"""What a broken or hostile client sends is a clear 4xx problem naming the field, never a 500,
and never reaches a service or the database."""
import pytest
from sqlalchemy import func, select

from omni_store.orders.models import Order
from tests import factories

HUGE = "9" * 5000  # Python refuses to convert over 4,300 digits to an int


@pytest.fixture
def chain(db):
    store = factories.store("PAR-RIV")
    factories.stock(store, factories.product("PH-A", name="Phone Alpha"), 3)
    db.session.commit()
    return store


def _order(qty="1", latitude="null", sku='"PH-A"', first_name='"Camille"'):
    """An order body as raw JSON text: what json.dumps could not even write."""
    return ('{"customer": {"email": "camille@example.com", "first_name": %s},'
            ' "lines": [{"sku": %s, "qty": %s}],'
            ' "delivery": {"method": "pickup", "store": "PAR-RIV", "latitude": %s}}'
            % (first_name, sku, qty, latitude))


def _post(client, auth, path, data, key=None):
    headers = auth | ({"Idempotency-Key": key} if key else {})
    return client.post(f"/api/v1{path}", data=data, headers=headers,
                       content_type="application/json")


def _orders(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


@pytest.mark.parametrize("key", [None, "retry-1"])
def test_numbers_no_field_can_hold_are_refused_by_name(client, db, auth, contract, chain, key):
    cases = [
        ("/orders", _order(qty=HUGE), "lines[0].qty"),
        ("/orders", _order(qty="-" + HUGE), "lines[0].qty"),
        ("/orders", _order(qty="1e999"), "lines[0].qty"),
        ("/orders", _order(latitude=HUGE), "delivery.latitude"),
        ("/orders", _order(latitude="1e999"), "delivery.latitude"),
        ("/orders", _order(latitude="-1e999"), "delivery.latitude"),
        ("/stock/movements", '{"movements": [{"location": "PAR-RIV", "sku": "PH-A", '
                             '"kind": "count", "quantity": %s}]}' % HUGE, "movements[0].quantity"),
    ]
    for path, data, field in cases:
        response = _post(client, auth, path, data, key)
        problem = contract(response, path, "post")
        assert response.status_code == 422, (field, problem)
        assert problem["errors"][0]["field"] == field
    assert _orders(db) == 0


def test_ids_and_page_numbers_of_5000_digits_are_refused(client, db, auth, contract, chain):
    number = client.post("/api/v1/orders", headers=auth, json={
        "customer": {"email": "camille@example.com", "first_name": "Camille"},
        "lines": [{"sku": "PH-A", "qty": 1}],
        "delivery": {"method": "reserve", "store": "PAR-RIV"}}).get_json()["number"]
    moved = _post(client, auth, f"/orders/{number}/appointment", '{"slot": %s}' % HUGE)
    slot = _post(client, auth, "/orders", _order().replace(
        '"pickup"', '"reserve"').replace('"latitude": null', f'"appointment_slot": {HUGE}'))
    page = client.get(f"/api/v1/products?page={HUGE}", headers=auth)
    order = client.get(f"/api/v1/orders/{HUGE}", headers=auth)
    assert (moved.status_code, moved.get_json()["errors"][0]["field"]) == (422, "slot")
    assert (slot.status_code, slot.get_json()["errors"][0]["field"]) == (
        422, "delivery.appointment_slot")
    assert (page.status_code, page.get_json()["errors"][0]["field"]) == (422, "page")
    assert contract(order, "/orders/{number}", "get") and order.status_code == 404
    assert _orders(db) == 1


@pytest.mark.parametrize("key", [None, "retry-1"])
def test_a_body_that_is_no_json_is_400(client, db, auth, contract, chain, key):
    bodies = [
        _order(latitude="NaN"),
        _order(latitude="Infinity"),
        "[" * 100_000 + "]" * 100_000,  # nested deeper than any reader recurses
        '{"a": ' * 100_000 + "1" + "}" * 100_000,
        _order().encode("utf-8").replace(b"Camille", b"Cam\xe9ille"),  # Latin-1, not UTF-8
        _order() + "\x00",
        "\x00",
    ]
    for data in bodies:
        response = _post(client, auth, "/orders", data, key)
        problem = contract(response, "/orders", "post")
        assert (response.status_code, problem["detail"]) == (
            400, "The request body is not valid JSON."), data[:40]
    assert _orders(db) == 0


def test_a_nul_character_in_a_text_is_refused_by_name(client, db, auth, contract, chain):
    for data, field in [(_order(sku='"PH-A\\u0000"'), "lines[0].sku"),
                        (_order(first_name='"Cam\\u0000ille"'), "customer.first_name")]:
        response = _post(client, auth, "/orders", data)
        problem = contract(response, "/orders", "post")
        assert response.status_code == 422
        assert problem["errors"] == [{"field": field, "message": (
            f"{field} contains an invisible control character: type it again.")}]
    for path, query, field in [("/products", "q=a%00", "q"), ("/availability", "sku=PH-A%00", "sku"),
                               ("/stores/{code}/appointment-slots", "expertise=%00", "expertise")]:
        response = client.get(f"/api/v1{path.format(code='PAR-RIV')}?{query}", headers=auth)
        assert contract(response, path, "get")["errors"][0]["field"] == field
        assert response.status_code == 422
    assert _orders(db) == 0


def test_a_method_a_path_does_not_take_is_405_saying_which_it_takes(client, auth, contract):
    response = client.open("/api/v1/products", method="TRACE", headers=auth)
    assert contract(response, "/products", "get")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
