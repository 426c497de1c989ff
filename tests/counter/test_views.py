"""The counter screens through the client: pages, fragments, scoping, bad input, query counts."""
import re

from sqlalchemy import select

from omni_store.inventory.models import StockLevel
from omni_store.inventory.queries import ledger_mismatches
from omni_store.orders.models import Order, OrderStatus
from tests import factories
from tests.counter.conftest import ready_order


def token(client, order):
    return factories.csrf_token(client, f"/counter/orders/{order.id}")


def scan_id(html: str) -> str:
    return re.search(r'name="scan_id" value="([0-9a-f]+)"', html).group(1)


def test_signed_out_users_are_sent_to_sign_in(client, shop):
    assert client.get("/counter/").status_code == 302


def test_find_page_and_its_fragment(client, shop, associate, hx):
    page = client.get("/counter/")
    fragment = client.get("/counter/", headers=hx)
    assert page.status_code == fragment.status_code == 200
    assert "<html" in page.get_data(as_text=True) and 'id="q"' in page.get_data(as_text=True)
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="counter-results"')
    assert 'aria-current="page"' in page.get_data(as_text=True)


def test_a_scanned_order_number_goes_straight_to_the_order(client, shop, associate, hx):
    order = ready_order(shop, [(shop.case, 1)])
    plain = client.get("/counter/", query_string={"q": f" {order.number.lower()} "})
    htmx = client.get("/counter/", query_string={"q": order.number}, headers=hx)
    assert plain.status_code == 303 and plain.location.endswith(f"/counter/orders/{order.id}")
    assert htmx.status_code == 200 and htmx.headers["HX-Redirect"] == f"/counter/orders/{order.id}"


def test_search_by_name_or_email_lists_only_this_stores_orders(client, shop, associate, hx):
    mine = ready_order(shop, [(shop.case, 1)], first_name="Camille", email="camille@test.example")
    factories.stock(shop.other, shop.case, 5)
    theirs = ready_order(shop, [(shop.case, 1)], store=shop.other, email="camille.b@test.example")
    html = client.get("/counter/", query_string={"q": "camille"}, headers=hx).get_data(as_text=True)
    assert mine.number in html and theirs.number not in html
    by_email = client.get("/counter/", query_string={"q": "CAMILLE@test"}).get_data(as_text=True)
    assert mine.number in by_email and "Camille" in by_email
    number = client.get("/counter/", query_string={"q": theirs.number}, headers=hx)
    assert number.status_code == 200 and "No order to collect in this store" in number.get_data(as_text=True)


def test_an_oversized_search_is_refused_with_a_message(client, shop, associate, hx):
    response = client.get("/counter/", query_string={"q": "x" * 500}, headers=hx)
    assert response.status_code == 422 and "too long" in response.get_data(as_text=True)


def test_order_page_shows_customer_lines_and_hold_slot(client, shop, associate, hx):
    order = ready_order(shop, [(shop.phone, 1), (shop.case, 2)], first_name="Camille", last_name="Martin")
    page = client.get(f"/counter/orders/{order.id}").get_data(as_text=True)
    fragment = client.get(f"/counter/orders/{order.id}", headers=hx).get_data(as_text=True)
    for html in (page, fragment):
        assert "Camille Martin" in html and "Phone A" in html and "Phone case" in html
        assert shop.slot.code in html and "Held until" in html and "Ready to collect" in html
        assert "0 / 2 scanned" in html
    assert "<html" in page
    assert 'id="counter-order"' in fragment and "<html" not in fragment


def test_another_stores_order_does_not_exist_at_this_counter(client, db, shop, associate, hx):
    factories.stock(shop.other, shop.case, 5)
    theirs = ready_order(shop, [(shop.case, 1)], store=shop.other)
    db.session.commit()
    mine = ready_order(shop, [(shop.case, 1)], email="mine@test.example")
    csrf = token(client, mine)
    assert client.get(f"/counter/orders/{theirs.id}").status_code == 404
    assert client.get(f"/counter/orders/{theirs.id}", headers=hx).status_code == 404
    for action in ("scan", "hand-over", f"lines/{theirs.lines[0].id}/clear-scans"):
        response = client.post(f"/counter/orders/{theirs.id}/{action}",
                               data={"csrf_token": csrf, "code": shop.case.ean, "scan_id": "x1"})
        assert response.status_code == 404, action


def test_scan_then_hand_over_by_htmx(client, db, shop, associate, hx):
    order = ready_order(shop, [(shop.case, 2)])
    csrf = token(client, order)
    html = client.get(f"/counter/orders/{order.id}").get_data(as_text=True)

    first = client.post(f"/counter/orders/{order.id}/scan", headers=hx,
                        data={"csrf_token": csrf, "code": shop.case.ean, "scan_id": scan_id(html)})
    again = client.post(f"/counter/orders/{order.id}/scan", headers=hx,
                        data={"csrf_token": csrf, "code": shop.case.ean, "scan_id": scan_id(html)})
    assert first.status_code == again.status_code == 200
    assert "1 / 2 scanned" in again.get_data(as_text=True)
    assert "Scanned: Phone case" in first.get_data(as_text=True)

    second = client.post(f"/counter/orders/{order.id}/scan", headers=hx,
                         data={"csrf_token": csrf, "code": shop.case.ean,
                               "scan_id": scan_id(first.get_data(as_text=True))})
    assert "2 / 2 scanned" in second.get_data(as_text=True)
    done = client.post(f"/counter/orders/{order.id}/hand-over", headers=hx,
                       data={"csrf_token": csrf, "progress": "0"})
    assert done.status_code == 200 and "2 items handed over." in done.get_data(as_text=True)
    assert "Handed over" in done.get_data(as_text=True)
    repeat = client.post(f"/counter/orders/{order.id}/hand-over", headers=hx,
                         data={"csrf_token": csrf, "progress": "0"})
    assert repeat.status_code == 200 and "already recorded" in repeat.get_data(as_text=True)

    assert db.session.get(Order, order.id).status == OrderStatus.HANDED_OVER
    level = db.session.scalar(select(StockLevel).filter_by(location_id=shop.store.id,
                                                           product_id=shop.case.id))
    assert (level.on_hand, level.allocated) == (8, 0)
    assert ledger_mismatches() == []


def test_scan_and_hand_over_without_javascript_redirect_back_to_the_order(client, db, shop, associate):
    order = ready_order(shop, [(shop.case, 1)])
    csrf = token(client, order)
    scanned = client.post(f"/counter/orders/{order.id}/scan",
                          data={"csrf_token": csrf, "code": shop.case.ean, "scan_id": "a1"})
    handed = client.post(f"/counter/orders/{order.id}/hand-over", data={"csrf_token": csrf, "progress": "0"})
    for response in (scanned, handed):
        assert response.status_code == 303 and response.location.endswith(f"/counter/orders/{order.id}")
    assert db.session.get(Order, order.id).status == OrderStatus.HANDED_OVER


def test_a_wrong_item_is_a_toast_naming_it(client, shop, associate, hx):
    order = ready_order(shop, [(shop.case, 1)])
    csrf = token(client, order)
    response = client.post(f"/counter/orders/{order.id}/scan", headers=hx,
                           data={"csrf_token": csrf, "code": shop.phone.ean, "scan_id": "b1"})
    assert response.status_code == 409
    assert "Phone A is not in order" in response.get_data(as_text=True)
    assert 'class="toast' in response.get_data(as_text=True)


def test_a_refusal_from_the_form_and_its_bad_inputs(client, db, shop, associate, hx):
    order = ready_order(shop, [(shop.case, 2)])
    line_id = order.lines[0].id
    csrf = token(client, order)
    for fields, status in [
        ({f"refuse-{line_id}": "1"}, 422),  # no reason
        ({f"refuse-{line_id}": "-1", f"reason-{line_id}": "damaged"}, 422),
        ({f"refuse-{line_id}": "abc", f"reason-{line_id}": "damaged"}, 422),
        ({f"refuse-{line_id}": "1", f"reason-{line_id}": "<script>"}, 422),
        ({f"refuse-{line_id}": "5", f"reason-{line_id}": "damaged"}, 409),  # more than held
        ({}, 422),  # nothing scanned, nothing refused
    ]:
        response = client.post(f"/counter/orders/{order.id}/hand-over", headers=hx,
                               data={"csrf_token": csrf, "progress": "0", **fields})
        assert response.status_code == status, fields
    ok = client.post(f"/counter/orders/{order.id}/hand-over", headers=hx,
                     data={"csrf_token": csrf, "progress": "0", f"refuse-{line_id}": "1",
                           f"reason-{line_id}": "damaged"})
    assert ok.status_code == 200 and "1 item refused" in ok.get_data(as_text=True)
    assert db.session.get(Order, order.id).status == OrderStatus.READY
    assert ledger_mismatches() == []


def test_clear_scans_forgets_the_lines_scans(client, shop, associate, hx):
    order = ready_order(shop, [(shop.case, 2)])
    csrf = token(client, order)
    client.post(f"/counter/orders/{order.id}/scan", data={"csrf_token": csrf, "code": shop.case.ean,
                                                          "scan_id": "c1"})
    response = client.post(f"/counter/orders/{order.id}/lines/{order.lines[0].id}/clear-scans",
                           headers=hx, data={"csrf_token": csrf})
    assert response.status_code == 200 and "0 / 2 scanned" in response.get_data(as_text=True)


def test_search_results_cost_the_same_queries_for_one_order_or_many(client, db, shop, associate, hx):
    from tests.factories import counted_statements

    shop.slot.capacity = 50  # room for the eight orders
    ready_order(shop, [(shop.case, 1)], email="dupont.0@test.example")
    db.session.commit()
    with counted_statements() as one:
        client.get("/counter/", query_string={"q": "dupont"}, headers=hx)
    for n in range(1, 8):
        ready_order(shop, [(shop.case, 1), (shop.phone, 1)], email=f"dupont.{n}@test.example")
    with counted_statements() as many:
        html = client.get("/counter/", query_string={"q": "dupont"}, headers=hx).get_data(as_text=True)
    assert html.count('class="order-result card"') == 8
    assert len(many) == len(one)


def test_order_page_costs_the_same_queries_for_one_line_or_many(client, db, shop, associate, hx):
    from tests.factories import counted_statements

    shop.slot.capacity = 50  # room for both orders
    small = ready_order(shop, [(shop.case, 1)], email="small@test.example")
    products = [factories.product() for _ in range(6)]
    for product in products:
        factories.stock(shop.store, product, 3)
    big = ready_order(shop, [(p, 2) for p in products], email="big@test.example")
    client.post(f"/counter/orders/{big.id}/scan", data={"csrf_token": token(client, big),
                                                        "code": products[0].ean, "scan_id": "d1"})
    client.get(f"/counter/orders/{small.id}", headers=hx)  # read models loaded for both
    with counted_statements() as one:
        client.get(f"/counter/orders/{small.id}", headers=hx)
    with counted_statements() as many:
        html = client.get(f"/counter/orders/{big.id}", headers=hx).get_data(as_text=True)
    assert html.count('class="handover-line card') == 6
    assert len(many) == len(one)
