"""Advice appointments through the API: the slots a store offers for some items, booking
one with an e-reservation, moving it, adding a product to compare, calling it off."""
from datetime import datetime

from sqlalchemy import func, select

from omni_store.appointments.models import Booking
from omni_store.core.clock import as_utc
from omni_store.extensions import db
from omni_store.orders.models import Order
from tests.api.test_orders import order_body
from tests.appointments import conftest as appointments_conftest
from tests.appointments.conftest import IN_THREE_DAYS, TONIGHT, make_slot

story = appointments_conftest.story
SLOTS = "/stores/{code}/appointment-slots"


def slots(client, auth, contract, code="PAR-RIV", **params):
    response = client.get(f"/api/v1/stores/{code}/appointment-slots", query_string=params,
                          headers=auth)
    return response, contract(response, SLOTS, "get")


def offered(client, auth, contract, **params) -> list[int]:
    response, body = slots(client, auth, contract, **params)
    assert response.status_code == 200, body
    return [slot["id"] for slot in body["slots"]]


def reserve(client, auth, slot_id, skus=("PHN-A",), email="lea@test.example", **headers):
    body = order_body(method="reserve", store="PAR-RIV", appointment_slot=slot_id)
    body["lines"] = [{"sku": sku, "qty": 1} for sku in skus]
    body["customer"]["email"] = email
    return client.post("/api/v1/orders", json=body, headers=auth | headers)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_slots_are_those_every_item_can_make(client, auth, contract, story):
    tonight = make_slot(story.rivoli, TONIGHT, capacity=3)
    later = make_slot(story.rivoli, IN_THREE_DAYS, expertise="laptops", length_minutes=45)
    make_slot(story.meaux, IN_THREE_DAYS)  # another store's

    assert offered(client, auth, contract) == [tonight.id, later.id]
    assert offered(client, auth, contract, sku="PHN-A") == [tonight.id, later.id]
    assert offered(client, auth, contract, sku=["PHN-A", "phn-b", "PHN-C"]) == [later.id]
    assert offered(client, auth, contract, sku="PHN-A:4") == []  # three in the whole chain
    assert offered(client, auth, contract, sku="PHN-A", expertise="Laptops") == [later.id]

    _, body = slots(client, auth, contract, sku="PHN-A:2")
    first = body["slots"][0]
    assert datetime.fromisoformat(first["starts_at"]) == as_utc(tonight.starts_at)
    assert datetime.fromisoformat(first["ends_at"]) == tonight.ends_at
    assert (first["length_minutes"], first["expertise"], first["places_left"]) == (
        30, "smartphones", 3)
    assert body["store"] == "PAR-RIV"


def test_unknown_store_or_sku_and_bad_parameters_are_refused(client, auth, contract, story):
    response, problem = slots(client, auth, contract, code="XXX-000")
    assert (response.status_code, problem["detail"]) == (404, "Unknown store: XXX-000")
    response, problem = slots(client, auth, contract, code="SUP-TEL")  # not a store
    assert response.status_code == 404
    response, problem = slots(client, auth, contract, sku=["PHN-A", "NOPE"])
    assert (response.status_code, problem["detail"]) == (404, "Unknown SKU: NOPE")
    for bad in ("PHN-A:0", "PHN-A:two", ":2", "PHN-A:1000"):
        response, problem = slots(client, auth, contract, sku=bad)
        assert response.status_code == 422, bad
        assert problem["errors"][0]["field"] == "sku" and "PHN-A:2" in problem["detail"]
    response, problem = slots(client, auth, contract, sku="PHN-A:" + "9" * 5000)
    assert (response.status_code, problem["errors"][0]["field"]) == (422, "sku")
    response, problem = slots(client, auth, contract, expertise="x" * 41)
    assert (response.status_code, problem["errors"][0]["field"]) == (422, "expertise")


def test_an_e_reservation_books_its_slot(client, auth, contract, story):
    slot = make_slot(story.rivoli, TONIGHT, capacity=2)

    response = reserve(client, auth, slot.id)

    body = contract(response, "/orders", "post")
    assert response.status_code == 201, body
    starts_at = as_utc(slot.starts_at).isoformat()
    assert body["delivery"]["appointment_at"] == starts_at
    assert body["appointment"] == {"slot": slot.id, "starts_at": starts_at,
                                   "ends_at": slot.ends_at.isoformat(),
                                   "expertise": "smartphones", "status": "booked"}
    booking = db.session.scalar(select(Booking))
    assert booking.order.number == body["number"]
    _, listing = slots(client, auth, contract)
    assert listing["slots"][0]["places_left"] == 1
    detail = client.get(f"/api/v1/orders/{body['number']}", headers=auth)
    assert contract(detail, "/orders/{number}", "get")["appointment"]["slot"] == slot.id


def test_a_full_slot_is_409_and_places_nothing(client, auth, contract, story):
    slot = make_slot(story.rivoli, TONIGHT, capacity=1)
    assert reserve(client, auth, slot.id).status_code == 201

    response = reserve(client, auth, slot.id, email="other@test.example")

    problem = contract(response, "/orders", "post")
    assert response.status_code == 409 and "fully booked" in problem["detail"]
    assert (count(Order), count(Booking)) == (1, 1)


def test_a_slot_the_items_cannot_make_or_of_another_store_is_refused(client, auth, contract,
                                                                     story):
    tonight = make_slot(story.rivoli, TONIGHT)
    elsewhere = make_slot(story.meaux, IN_THREE_DAYS)

    late = reserve(client, auth, tonight.id, skus=("PHN-A", "PHN-C"))
    other_store = reserve(client, auth, elsewhere.id)
    unknown = reserve(client, auth, 999_999)
    impossible = reserve(client, auth, 10**30)

    assert late.status_code == 409 and "Phone C can be in the store" in late.get_json()["detail"]
    assert contract(other_store, "/orders", "post")["detail"] == (
        "This appointment is at MEA-CTR: reserve the items there.")
    assert other_store.status_code == 409  # the slot is well formed: the chain refuses it
    assert (unknown.status_code, unknown.get_json()["detail"]) == (
        404, "This appointment slot does not exist.")
    assert (impossible.status_code, impossible.get_json()["errors"][0]["field"]) == (
        422, "delivery.appointment_slot")
    assert (count(Order), count(Booking)) == (0, 0)


def test_the_old_free_form_appointment_time_is_refused(client, auth, contract, story):
    body = order_body(sku="PHN-A", method="reserve", appointment_at="2030-01-01T18:00:00+01:00")

    response = client.post("/api/v1/orders", json=body, headers=auth)

    problem = contract(response, "/orders", "post")
    assert response.status_code == 422
    assert problem["errors"][0]["field"] == "delivery.appointment_at"
    assert "book one with delivery.appointment_slot" in problem["detail"]
    assert count(Order) == 0


def test_replaying_a_booking_does_not_book_twice(client, auth, contract, story):
    slot = make_slot(story.rivoli, TONIGHT, capacity=2)
    key = {"Idempotency-Key": "booking-1"}

    first = reserve(client, auth, slot.id, **key)
    again = reserve(client, auth, slot.id, **key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["number"] == first.get_json()["number"]
    assert (count(Order), count(Booking)) == (1, 1)
    _, listing = slots(client, auth, contract)
    assert listing["slots"][0]["places_left"] == 1


def test_moving_the_appointment(client, auth, contract, story):
    tonight = make_slot(story.rivoli, TONIGHT)
    later = make_slot(story.rivoli, IN_THREE_DAYS)
    elsewhere = make_slot(story.meaux, IN_THREE_DAYS)
    number = reserve(client, auth, tonight.id).get_json()["number"]
    path = f"/api/v1/orders/{number}/appointment"

    response = client.post(path, json={"slot": later.id}, headers=auth)

    body = contract(response, "/orders/{number}/appointment", "post")
    assert response.status_code == 200
    assert body["appointment"]["slot"] == later.id
    assert body["delivery"]["appointment_at"] == as_utc(later.starts_at).isoformat()
    for refused, status, detail in [
        ({"slot": elsewhere.id}, 404, "This store has no such appointment slot."),
        ({"slot": "tomorrow"}, 422, "slot is not an id this API gave out."),
        ({"slot": 10**30}, 422, "slot is not an id this API gave out."),
        ({"slot": 0}, 422, "slot is not an id this API gave out."),
    ]:
        response = client.post(path, json=refused, headers=auth)
        problem = contract(response, "/orders/{number}/appointment", "post")
        assert response.status_code == status
        assert (problem["errors"][0]["field"], problem["detail"]) == ("slot", detail)
    assert db.session.scalar(select(Booking.slot_id)) == later.id


def test_an_order_without_an_appointment_cannot_move_or_take_a_line(client, auth, contract,
                                                                    story):
    slot = make_slot(story.rivoli, IN_THREE_DAYS)
    number = client.post("/api/v1/orders", json=order_body(sku="PHN-A", method="reserve"),
                         headers=auth).get_json()["number"]

    moved = client.post(f"/api/v1/orders/{number}/appointment", json={"slot": slot.id},
                        headers=auth)
    added = client.post(f"/api/v1/orders/{number}/lines", json={"sku": "PHN-B", "qty": 1},
                        headers=auth)
    missing = client.post("/api/v1/orders/W999999/appointment", json={"slot": slot.id},
                          headers=auth)

    for response, path in [(moved, "/orders/{number}/appointment"),
                           (added, "/orders/{number}/lines")]:
        assert response.status_code == 409
        assert contract(response, path, "post")["detail"] == (
            "This order has no appointment; book one when reserving.")
    assert missing.status_code == 404
    assert count(Booking) == 0


def test_adding_products_to_compare(client, auth, contract, story):
    later = make_slot(story.rivoli, IN_THREE_DAYS)
    number = reserve(client, auth, later.id).get_json()["number"]
    path = f"/api/v1/orders/{number}/lines"

    response = client.post(path, json={"sku": "PHN-B", "qty": 1}, headers=auth)

    body = contract(response, "/orders/{number}/lines", "post")
    assert response.status_code == 201
    assert [line["sku"] for line in body["lines"]] == ["PHN-A", "PHN-B"]
    (plan_b,) = [plan for plan in body["plan"] if plan["sku"] == "PHN-B"]
    assert [(s["location"], s["transport"]) for s in plan_b["sources"]] == [
        ("MEA-CTR", "shuttle")]
    unknown = client.post(path, json={"sku": "NOPE", "qty": 1}, headers=auth)
    assert contract(unknown, "/orders/{number}/lines", "post")["errors"][0] == {
        "field": "sku", "message": "Unknown SKU: NOPE"}
    bad_quantity = client.post(path, json={"sku": "PHN-C", "qty": "1"}, headers=auth)
    assert bad_quantity.get_json()["errors"][0]["field"] == "qty"


def test_a_product_that_cannot_arrive_before_the_appointment_is_not_added(client, auth,
                                                                          contract, story):
    tonight = make_slot(story.rivoli, TONIGHT)
    number = reserve(client, auth, tonight.id).get_json()["number"]

    response = client.post(f"/api/v1/orders/{number}/lines", json={"sku": "PHN-C", "qty": 1},
                           headers=auth)

    problem = contract(response, "/orders/{number}/lines", "post")
    assert response.status_code == 409 and "Phone C" in problem["detail"]
    detail = client.get(f"/api/v1/orders/{number}", headers=auth).get_json()
    assert [line["sku"] for line in detail["lines"]] == ["PHN-A"]


def test_cancelling_the_appointment_cancels_the_reservation_and_frees_the_place(
        client, auth, contract, story):
    slot = make_slot(story.rivoli, TONIGHT, capacity=1)
    number = reserve(client, auth, slot.id).get_json()["number"]
    path = f"/api/v1/orders/{number}/appointment/cancel"

    response = client.post(path, json={"reason": "cannot come"}, headers=auth)

    body = contract(response, "/orders/{number}/appointment/cancel", "post")
    assert response.status_code == 200
    assert (body["status"], body["appointment"]["status"]) == ("cancelled", "cancelled")
    assert client.post(path, headers=auth).status_code == 200  # twice is harmless
    assert offered(client, auth, contract, sku="PHN-A") == [slot.id]


def test_cancelling_the_order_ends_its_appointment(client, auth, contract, story):
    slot = make_slot(story.rivoli, TONIGHT)
    number = reserve(client, auth, slot.id).get_json()["number"]

    response = client.post(f"/api/v1/orders/{number}/cancel", headers=auth)

    assert contract(response, "/orders/{number}/cancel", "post")["appointment"]["status"] == (
        "cancelled")
