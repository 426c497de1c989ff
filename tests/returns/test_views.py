"""The returns screens through the client: any store's order, this store's returns."""
import re

import pytest
from sqlalchemy import select

from omni_store.auth.models import Role
from omni_store.inventory.queries import ledger_mismatches
from omni_store.outbox.models import EventKind, OutboxEvent
from omni_store.returns.models import Return, ReturnStatus
from tests import factories
from tests.factories import counted_statements
from tests.returns.conftest import bought


@pytest.fixture
def associate(login, chain):
    return login(Role.ASSOCIATE, chain.rivoli)


def csrf(client):
    return factories.csrf_token(client, "/returns/orders/1")


def started(client, order):
    response = client.post(f"/returns/orders/{order.id}/start", data={"csrf_token": csrf(client)})
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.search(r"/returns/(\d+)$", response.location).group(1))


def test_signed_out_users_are_sent_to_sign_in(client, chain):
    assert client.get("/returns/").status_code == 302


def test_find_page_and_fragment_search_the_whole_chain(client, chain, associate, hx):
    order = bought(chain, [(chain.case, 1)], email="zoe.lambert@test.example")
    page = client.get("/returns/").get_data(as_text=True)
    assert "<html" in page and 'id="q"' in page
    fragment = client.get("/returns/", query_string={"q": "zoe.lambert@"}, headers=hx)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and html.lstrip().startswith('<section id="returns-results"')
    assert order.number in html  # bought at Bastille, returned at Rivoli
    scanned = client.get("/returns/", query_string={"q": order.number})
    assert scanned.status_code == 303 and scanned.location.endswith(f"/returns/orders/{order.id}")
    htmx = client.get("/returns/", query_string={"q": order.number}, headers=hx)
    assert htmx.headers["HX-Redirect"] == f"/returns/orders/{order.id}"
    assert client.get("/returns/", query_string={"q": "y" * 300}).status_code == 422


def test_order_page_and_fragment_show_what_is_returnable(client, chain, associate, hx):
    order = bought(chain, [(chain.case, 2)])
    for headers in ({}, hx):
        response = client.get(f"/returns/orders/{order.id}", headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "2 returnable" in html and "Start a return" in html
        assert ("<html" in html) == (not headers)
    assert client.get("/returns/orders/999999").status_code == 404


def test_a_whole_return_through_the_screens(client, db, chain, associate, hx):
    order = bought(chain, [(chain.case, 2), (chain.phone, 1)])
    return_id = started(client, order)
    token = csrf(client)
    page = client.get(f"/returns/{return_id}").get_data(as_text=True)
    assert "<html" in page and "Add an item" in page
    line_ids = {line.product_id: line.id for line in order.lines}

    added = client.post(f"/returns/{return_id}/lines", headers=hx, data={
        "csrf_token": token, "order_line_id": line_ids[chain.case.id], "quantity": "2",
        "reason": "Too small", "condition": "as_new", "disposition": "restock_here"})
    assert added.status_code == 200 and 'id="return-sheet"' in added.get_data(as_text=True)
    client.post(f"/returns/{return_id}/lines", data={
        "csrf_token": token, "order_line_id": line_ids[chain.phone.id], "quantity": "1",
        "reason": "Dropped", "condition": "damaged", "disposition": "quarantine"})
    done = client.post(f"/returns/{return_id}/complete", headers=hx, data={"csrf_token": token})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "Refund to issue" in html and "€240.00" in html
    assert "On sale here again" in html and "quarantine here" in html
    again = client.post(f"/returns/{return_id}/complete", data={"csrf_token": token})
    assert again.status_code == 303

    assert db.session.get(Return, return_id).status == ReturnStatus.DONE
    assert len(db.session.scalars(select(OutboxEvent).filter_by(kind=EventKind.REFUND_TO_ISSUE)).all()) == 1
    assert ledger_mismatches() == []


def test_bad_lines_are_refused_with_a_message(client, chain, associate, hx):
    order = bought(chain, [(chain.case, 1)])
    return_id = started(client, order)
    token = csrf(client)
    line_id = order.lines[0].id
    for fields, status in [
        ({"order_line_id": line_id, "quantity": "2", "reason": "x", "condition": "as_new",
          "disposition": "quarantine"}, 409),
        ({"order_line_id": line_id, "quantity": "abc", "reason": "x", "condition": "as_new",
          "disposition": "quarantine"}, 422),
        ({"order_line_id": line_id, "quantity": "1", "reason": "", "condition": "as_new",
          "disposition": "quarantine"}, 422),
        ({"order_line_id": "999999", "quantity": "1", "reason": "x", "condition": "as_new",
          "disposition": "quarantine"}, 404),
        ({"order_line_id": line_id, "quantity": "1", "reason": "x", "condition": "as_new",
          "disposition": "seller_process"}, 409),
    ]:
        response = client.post(f"/returns/{return_id}/lines", headers=hx, data={"csrf_token": token, **fields})
        assert response.status_code == status, fields
        assert 'class="toast' in response.get_data(as_text=True)
    assert client.post(f"/returns/{return_id}/complete", headers=hx,
                       data={"csrf_token": token}).status_code == 409


def test_remove_a_line_and_cancel(client, db, chain, associate, hx):
    order = bought(chain, [(chain.case, 1)])
    return_id = started(client, order)
    token = csrf(client)
    client.post(f"/returns/{return_id}/lines", data={
        "csrf_token": token, "order_line_id": order.lines[0].id, "quantity": "1", "reason": "x",
        "condition": "as_new", "disposition": "quarantine"})
    line_id = db.session.get(Return, return_id).lines[0].id
    removed = client.post(f"/returns/{return_id}/lines/{line_id}/remove", headers=hx, data={"csrf_token": token})
    assert removed.status_code == 200 and "Items coming back" not in removed.get_data(as_text=True)
    cancelled = client.post(f"/returns/{return_id}/cancel", headers=hx, data={"csrf_token": token})
    assert "was cancelled" in cancelled.get_data(as_text=True)


def test_another_stores_return_does_not_exist_here(client, db, chain, login, hx):
    order = bought(chain, [(chain.case, 1)])
    login(Role.ASSOCIATE, chain.bastille)
    theirs = started(client, order)
    login(Role.ASSOCIATE, chain.rivoli)
    token = csrf(client)
    assert client.get(f"/returns/{theirs}").status_code == 404
    assert client.get(f"/returns/{theirs}", headers=hx).status_code == 404
    for action in ("complete", "cancel", "lines"):
        assert client.post(f"/returns/{theirs}/{action}", data={"csrf_token": token}).status_code == 404


def test_search_and_return_page_cost_the_same_queries_for_one_or_many(client, db, chain, associate, hx):
    bought(chain, [(chain.case, 1)], email="durand.0@test.example")
    small = bought(chain, [(chain.case, 1)], email="small@test.example")
    small_return = started(client, small)
    with counted_statements() as one_search:
        client.get("/returns/", query_string={"q": "durand"}, headers=hx)
    with counted_statements() as one_line:
        client.get(f"/returns/{small_return}", headers=hx)

    for n in range(1, 6):
        bought(chain, [(chain.case, 1)], email=f"durand.{n}@test.example")
    products = [factories.product() for _ in range(5)]
    for product in products:
        factories.stock(chain.bastille, product, 2)
    big = bought(chain, [(p, 1) for p in products], email="big@test.example")
    big_return = started(client, big)
    token = csrf(client)
    for line in big.lines[:3]:
        client.post(f"/returns/{big_return}/lines", data={
            "csrf_token": token, "order_line_id": line.id, "quantity": "1", "reason": "x",
            "condition": "as_new", "disposition": "quarantine"})
    with counted_statements() as many_search:
        html = client.get("/returns/", query_string={"q": "durand"}, headers=hx).get_data(as_text=True)
    with counted_statements() as many_lines:
        client.get(f"/returns/{big_return}", headers=hx)
    assert html.count('class="order-result card"') == 6
    assert len(many_search) == len(one_search)
    assert len(many_lines) == len(one_line)
