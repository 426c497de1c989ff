"""Idempotency-Key: replay, mismatch, in flight (two threads on the file database)."""
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from omni_store.api import views
from omni_store.api.idempotency import IN_FLIGHT_LEASE
from omni_store.api.models import IdempotencyKey, IdempotencyStatus
from omni_store.auth.models import ApiClient
from omni_store.core.clock import utcnow
from omni_store.inventory.models import StockLevel
from omni_store.inventory.queries import ledger_mismatches
from omni_store.orders.models import Order
from tests import factories
from tests.api.test_orders import order_body


def _store_with_phones(db, units=3):
    store = factories.store("PAR-RIV")
    phone = factories.product("PH-A")
    factories.stock(store, phone, units)
    db.session.commit()
    return store, phone


def _orders(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Order))


def _post_order(client, auth, key, body=None):
    return client.post("/api/v1/orders", json=body or order_body(),
                       headers=auth | {"Idempotency-Key": key})


def test_same_key_same_body_replays_the_first_response(client, db, auth):
    _store_with_phones(db)
    first = _post_order(client, auth, "k-1")
    # The same JSON written differently is the same request.
    rewritten = json.dumps(dict(reversed(order_body().items())), indent=2)
    same = client.post("/api/v1/orders", data=rewritten, content_type="application/json",
                       headers=auth | {"Idempotency-Key": "k-1"})
    assert first.status_code == same.status_code == 201
    assert same.get_json() == first.get_json()
    assert same.headers["Idempotent-Replayed"] == "true"
    assert _orders(db) == 1


def test_same_key_other_body_is_422(client, db, auth):
    _store_with_phones(db)
    assert _post_order(client, auth, "k-2").status_code == 201
    other = _post_order(client, auth, "k-2", order_body(qty=2))
    assert other.status_code == 422
    assert other.get_json()["detail"] == (
        "This Idempotency-Key was already used with a different request.")
    assert _orders(db) == 1


def test_keys_belong_to_their_client(client, db, auth):
    _store_with_phones(db)
    db.session.add(ApiClient(name="ERP", key_hash=ApiClient.hash_key("erp-key")))
    db.session.commit()
    assert _post_order(client, auth, "shared").status_code == 201
    erp = {"Authorization": "Bearer erp-key"}
    assert _post_order(client, erp, "shared").status_code == 201
    assert _orders(db) == 2


def test_a_refused_request_does_not_keep_its_key(client, db, auth):
    store, phone = _store_with_phones(db, units=1)
    refused = _post_order(client, auth, "k-3", order_body(qty=2))
    assert refused.status_code == 409
    factories.stock(store, phone, 1)
    db.session.commit()
    retried = _post_order(client, auth, "k-3", order_body(qty=2))
    assert retried.status_code == 201


def test_a_key_abandoned_in_flight_is_taken_over_after_the_lease(client, db, auth,
                                                                   api_client_row):
    _store_with_phones(db)
    from omni_store.api.idempotency import request_hash

    with client.application.test_request_context("/api/v1/orders", method="POST",
                                                 json=order_body()):
        fingerprint = request_hash()
    db.session.add(IdempotencyKey(client_id=api_client_row.id, key="k-crash",
                                  request_hash=fingerprint, status=IdempotencyStatus.IN_FLIGHT,
                                  created_at=utcnow() - IN_FLIGHT_LEASE - timedelta(seconds=1)))
    db.session.commit()
    response = _post_order(client, auth, "k-crash")
    assert response.status_code == 201
    assert _post_order(client, auth, "k-crash").get_json() == response.get_json()


def test_in_flight_is_409_then_replayed(app, client, db, auth, monkeypatch):
    """The first request holds its key while it works; a retry meanwhile gets 409, and
    once the first is done, the retry gets its response."""
    _store_with_phones(db)
    entered, release = threading.Event(), threading.Event()
    place_order = views.place_order

    def slow_place_order(request):
        entered.set()
        assert release.wait(10)
        return place_order(request)

    monkeypatch.setattr(views, "place_order", slow_place_order)
    results = {}
    first = threading.Thread(target=lambda: results.update(
        first=_post_order(app.test_client(), auth, "k-4")))
    first.start()
    try:
        assert entered.wait(10)
        during = _post_order(client, auth, "k-4")
    finally:
        release.set()
        first.join(10)
    assert during.status_code == 409
    assert "still being processed" in during.get_json()["detail"]
    # When to retry: what is left of the first request's lease, in whole seconds.
    assert 1 <= int(during.headers["Retry-After"]) <= IN_FLIGHT_LEASE.total_seconds()
    assert results["first"].status_code == 201
    after = _post_order(client, auth, "k-4")
    assert after.status_code == 201
    assert after.get_json()["number"] == results["first"].get_json()["number"]
    assert _orders(db) == 1


@pytest.mark.parametrize("first_to_finish", ["retry", "slow first request"])
def test_a_slow_request_taken_over_after_its_lease_never_writes_too(
        app, db, auth, monkeypatch, first_to_finish):
    """The first request was only slow, not dead: a retry took its key over after the lease.
    Only the retry, which owns the key now, places the order; whichever finishes first, the
    first request rolls its own back and answers as any retry would."""
    store, phone = _store_with_phones(db)
    entered = [threading.Event(), threading.Event()]
    release = [threading.Event(), threading.Event()]
    place_order = views.place_order
    calls = []

    def slow_place_order(request):
        call = len(calls)
        calls.append(request)
        entered[call].set()
        assert release[call].wait(10)
        return place_order(request)

    monkeypatch.setattr(views, "place_order", slow_place_order)
    results = {}

    def post(name):
        results[name] = _post_order(app.test_client(), auth, "k-slow")

    threads = [threading.Thread(target=post, args=("first",)),
               threading.Thread(target=post, args=("retry",))]
    threads[0].start()
    try:
        assert entered[0].wait(10)
        db.session.execute(update(IdempotencyKey).values(
            created_at=utcnow() - IN_FLIGHT_LEASE - timedelta(seconds=1)))
        db.session.commit()
        threads[1].start()
        assert entered[1].wait(10)
        order = [0, 1] if first_to_finish == "slow first request" else [1, 0]
        for call in order:
            release[call].set()
            threads[call].join(10)
    finally:
        for event in release:
            event.set()
        for thread in threads:
            thread.join(10)
    retry, late = results["retry"], results["first"]
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
    if first_to_finish == "retry":
        assert late.status_code == 201 and late.headers["Idempotent-Replayed"] == "true"
        assert late.get_json()["number"] == retry.get_json()["number"]
    else:  # the key is the retry's, still in flight: come back when it is done
        assert late.status_code == 409 and int(late.headers["Retry-After"]) >= 1
    assert _orders(db) == 1
    assert db.session.scalar(select(StockLevel.allocated).filter_by(
        location_id=store.id, product_id=phone.id)) == 1
    assert ledger_mismatches() == []


def test_two_threads_racing_with_one_key_make_one_order(app, db, auth):
    _store_with_phones(db)
    barrier = threading.Barrier(2)
    responses = []

    def post():
        barrier.wait(5)
        responses.append(_post_order(app.test_client(), auth, "k-5"))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    statuses = sorted(r.status_code for r in responses)
    assert statuses in ([201, 201], [201, 409])
    numbers = {r.get_json()["number"] for r in responses if r.status_code == 201}
    assert len(numbers) == 1
    assert _orders(db) == 1
    db.session.expire_all()
    assert db.session.scalar(select(StockLevel.allocated)) == 1


def test_stock_batch_replayed_is_applied_once(client, db, auth):
    store, phone = _store_with_phones(db)
    batch = {"movements": [{"location": "PAR-RIV", "sku": "PH-A", "kind": "receipt",
                            "quantity": 10}]}
    headers = auth | {"Idempotency-Key": "erp-batch-0001"}
    first = client.post("/api/v1/stock/movements", json=batch, headers=headers)
    second = client.post("/api/v1/stock/movements", json=batch, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    db.session.expire_all()
    assert db.session.scalar(select(StockLevel.on_hand).filter_by(
        location_id=store.id, product_id=phone.id)) == 13


def test_cancel_with_a_key(client, db, auth):
    _store_with_phones(db)
    number = _post_order(client, auth, "k-6").get_json()["number"]
    headers = auth | {"Idempotency-Key": "cancel-1"}
    first = client.post(f"/api/v1/orders/{number}/cancel", headers=headers)
    again = client.post(f"/api/v1/orders/{number}/cancel", headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"


def test_a_key_too_long_is_422(client, db, auth):
    _store_with_phones(db)
    response = _post_order(client, auth, "k" * 256)
    assert response.status_code == 422
    assert _orders(db) == 0
