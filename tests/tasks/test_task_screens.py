"""Task screens through the client: pages, fragments, actions, store scoping, query counts."""
import re

import pytest
from sqlalchemy import select

from omni_store.auth.models import Role
from omni_store.extensions import db as _db
from omni_store.inventory.queries import ledger_mismatches
from omni_store.orders.models import OrderStatus
from omni_store.tasks import picking
from omni_store.tasks.models import Task, TaskKind, TaskStatus
from omni_store.tasks.services import claim_task
from tests import factories
from tests.tasks.conftest import order_at, pick_task, task_of


def sign_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    _db.session.commit()


def csrf(client, task):
    return factories.csrf_token(client, f"/tasks/{task.id}")


def scan_id_in(html):
    return re.search(r'name="scan_id" value="([0-9a-f]+)"', html).group(1)


def reload(task):
    _db.session.expire_all()
    return _db.session.get(Task, task.id)


@pytest.fixture
def pick(db, floor, client):
    order = order_at(floor.rivoli, (floor.phone, 2))
    sign_in(client, floor.alice)
    return pick_task(db, order)


def test_the_pick_screen_shows_what_where_and_how_many(client, floor, pick, hx):
    page = client.get(f"/tasks/{pick.id}")
    fragment = client.get(f"/tasks/{pick.id}", headers=hx)

    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    for fact in ("Phone A", "PHONE-A", floor.phone.ean, "High-tech", "PAR-RIV-S1", "0</strong> / 2"):
        assert fact in html
    assert 'autofocus data-scan-field' in html
    assert "wasm-unsafe-eval" in page.headers["Content-Security-Policy"]
    assert "vendor/barcode-detector-3.2.2/zxing_reader-3.1.3.wasm" in html
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="task-screen"') and "<html" not in body
    assert "HX-Request" in fragment.headers["Vary"]
    assert "without scanning" not in html


def test_scanning_with_htmx_counts_once_and_finishing_shows_the_next_task(client, floor, pick, hx):
    html = client.get(f"/tasks/{pick.id}").get_data(as_text=True)
    token, scan_id = csrf(client, pick), scan_id_in(html)
    form = {"csrf_token": token, "barcode": floor.phone.ean, "scan_id": scan_id}

    first = client.post(f"/tasks/{pick.id}/pick/scan", data=form, headers=hx)
    twice = client.post(f"/tasks/{pick.id}/pick/scan", data=form, headers=hx)
    assert (first.status_code, twice.status_code) == (303, 303)
    assert first.headers["Location"].endswith(f"/tasks/{pick.id}")
    assert reload(pick).done_quantity == 1

    screen = client.get(f"/tasks/{pick.id}", headers=hx).get_data(as_text=True)
    client.post(f"/tasks/{pick.id}/pick/scan", headers=hx,
                data={**form, "scan_id": scan_id_in(screen)})
    done = client.get(f"/tasks/{pick.id}", headers=hx).get_data(as_text=True)

    assert reload(pick).status == TaskStatus.DONE
    isolate = task_of(_db, pick.order, TaskKind.ISOLATE)
    assert f'href="/tasks/{isolate.id}"' in done and "Next: Put in hold zone" in done
    assert ledger_mismatches() == []


def test_a_wrong_barcode_is_a_toast_naming_both_products(client, floor, pick, hx):
    token = csrf(client, pick)
    wrong = client.post(f"/tasks/{pick.id}/pick/scan", headers=hx, data={
        "csrf_token": token, "barcode": floor.case.ean, "scan_id": "abc"})
    unknown = client.post(f"/tasks/{pick.id}/pick/scan", headers=hx, data={
        "csrf_token": token, "barcode": "12345", "scan_id": "abd"})
    empty = client.post(f"/tasks/{pick.id}/pick/scan", headers=hx, data={
        "csrf_token": token, "barcode": "", "scan_id": "abe"})
    huge = client.post(f"/tasks/{pick.id}/pick/scan", headers=hx, data={
        "csrf_token": token, "barcode": "9" * 500, "scan_id": "abf"})

    assert wrong.status_code == 409
    assert "you scanned Case A (CASE-A), this task needs Phone A (PHONE-A)" in wrong.get_data(
        as_text=True)
    assert unknown.status_code == 404 and "Unknown barcode 12345" in unknown.get_data(as_text=True)
    assert (empty.status_code, huge.status_code) == (422, 422)
    assert reload(pick).done_quantity == 0


def test_without_javascript_a_scan_posts_and_redirects_to_the_page(client, floor, pick):
    html = client.get(f"/tasks/{pick.id}").get_data(as_text=True)
    response = client.post(f"/tasks/{pick.id}/pick/scan", follow_redirects=True, data={
        "csrf_token": csrf(client, pick), "barcode": floor.phone.ean, "scan_id": scan_id_in(html)})

    assert response.status_code == 200 and "<html" in response.get_data(as_text=True)
    assert "1</strong> / 2" in response.get_data(as_text=True)


def test_a_short_pick_from_the_screen_needs_a_reason(client, floor, pick, hx):
    token = csrf(client, pick)
    no_reason = client.post(f"/tasks/{pick.id}/pick/short", headers=hx,
                            data={"csrf_token": token, "missing": "2"})
    bad_number = client.post(f"/tasks/{pick.id}/pick/short", headers=hx,
                             data={"csrf_token": token, "missing": "two", "reason": "damaged"})
    ok = client.post(f"/tasks/{pick.id}/pick/short", headers=hx,
                     data={"csrf_token": token, "missing": "2", "reason": "damaged"})

    assert (no_reason.status_code, bad_number.status_code, ok.status_code) == (422, 422, 303)
    assert reload(pick).status == TaskStatus.EXCEPTION
    assert ledger_mismatches() == []


def test_claim_from_the_list_and_the_loser_gets_a_toast(client, db, floor, hx):
    task = factories.task(floor.rivoli, product_id=floor.phone.id, quantity=1)
    sign_in(client, floor.alice)
    token = factories.csrf_token(client, "/")
    claimed = client.post(f"/tasks/{task.id}/claim", headers=hx,
                          data={"csrf_token": token, "next": "/?show=mine"})
    assert claimed.status_code == 303 and claimed.headers["Location"].endswith("/?show=mine")
    mine = client.get("/?show=mine", headers=hx).get_data(as_text=True)
    assert f'id="task-{task.id}"' in mine and "Give back" in mine

    sign_in(client, floor.bob)
    token = factories.csrf_token(client, "/")
    lost = client.post(f"/tasks/{task.id}/claim", headers=hx, data={"csrf_token": token})
    assert lost.status_code == 409
    assert "Someone else took this task first" in lost.get_data(as_text=True)
    assert f'id="task-{task.id}"' not in client.get("/?show=unassigned").get_data(as_text=True)
    assert f'id="task-{task.id}"' not in client.get("/?show=mine").get_data(as_text=True)


def test_a_manager_assigns_and_the_assignee_sees_it_as_mine(client, db, floor, hx):
    task = factories.task(floor.rivoli, product_id=floor.phone.id, quantity=1)
    sign_in(client, floor.manager)
    html = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Give to" in html and floor.bob.name in html and floor.outsider.name not in html
    response = client.post(f"/tasks/{task.id}/assign", headers=hx, data={
        "csrf_token": csrf(client, task), "assignee_id": str(floor.bob.id)})
    assert response.status_code == 303

    sign_in(client, floor.bob)
    assert f'id="task-{task.id}"' in client.get("/?show=mine").get_data(as_text=True)
    sign_in(client, floor.alice)
    assert "Give to" not in client.get(f"/tasks/{task.id}").get_data(as_text=True)
    refused = client.post(f"/tasks/{task.id}/assign", headers=hx, data={
        "csrf_token": csrf(client, task), "assignee_id": str(floor.alice.id)})
    assert refused.status_code == 403


def test_isolate_count_and_restock_screens_render_as_page_and_fragment(client, db, floor, hx):
    order = order_at(floor.rivoli, (floor.phone, 1))
    picking.record_pick_scan(pick_task(db, order), floor.phone.ean, floor.alice.id, "s1")
    isolate = task_of(db, order, TaskKind.ISOLATE)
    count = factories.task(floor.rivoli, TaskKind.COUNT, product_id=floor.phone.id,
                           zone_id=floor.shelf.id)
    restock = factories.task(floor.rivoli, TaskKind.RESTOCK, product_id=floor.case.id, quantity=3)
    sign_in(client, floor.alice)

    for task, expected in ((isolate, "PAR-RIV-H01"), (count, "Step 1: scan the zone label"),
                           (restock, "Step 1: scan the item")):
        page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
        fragment = client.get(f"/tasks/{task.id}", headers=hx).get_data(as_text=True)
        assert expected in page and "<html" in page
        assert expected in fragment and "<html" not in fragment


def test_isolating_from_the_screen_shows_the_slot_on_the_order(client, db, floor, hx):
    order = order_at(floor.rivoli, (floor.phone, 1))
    picking.record_pick_scan(pick_task(db, order), floor.phone.ean, floor.alice.id, "s1")
    isolate = task_of(db, order, TaskKind.ISOLATE)
    sign_in(client, floor.alice)

    response = client.post(f"/tasks/{isolate.id}/isolate", headers=hx,
                           data={"csrf_token": csrf(client, isolate), "slot": "PAR-RIV-H01"})
    order_page = client.get(f"/orders/{order.number}").get_data(as_text=True)

    assert response.status_code == 303
    assert "Waiting in slot" in order_page and "PAR-RIV-H01" in order_page
    assert "PAR-RIV: pickup store" in order_page
    _db.session.expire_all()
    assert order.status == OrderStatus.READY


def test_counting_from_the_screen(client, db, floor, hx):
    task = factories.task(floor.rivoli, TaskKind.COUNT, product_id=floor.phone.id,
                          zone_id=floor.shelf.id)
    sign_in(client, floor.alice)
    token = csrf(client, task)

    client.post(f"/tasks/{task.id}/count/zone", headers=hx,
                data={"csrf_token": token, "zone": "PAR-RIV-S1"})
    step2 = client.get(f"/tasks/{task.id}", headers=hx).get_data(as_text=True)
    client.post(f"/tasks/{task.id}/count/scan", headers=hx, data={
        "csrf_token": token, "barcode": floor.phone.ean, "scan_id": scan_id_in(step2)})
    posted = client.post(f"/tasks/{task.id}/count/submit", headers=hx,
                         data={"csrf_token": token, "counted": "5"})
    bad = client.post(f"/tasks/{task.id}/count/submit", headers=hx,
                      data={"csrf_token": token, "counted": "-3"})

    assert "Step 2" in step2 and posted.status_code == 303
    assert reload(task).status == TaskStatus.DONE and reload(task).done_quantity == 5
    assert bad.status_code == 422


def test_restocking_from_the_screen_and_the_lookup_shows_the_backroom(client, db, floor, hx):
    task = factories.task(floor.rivoli, TaskKind.RESTOCK, product_id=floor.case.id, quantity=3)
    sign_in(client, floor.alice)
    lookup = client.get("/products?q=CASE-A").get_data(as_text=True)
    assert "3 waiting to be put back (backroom)" in lookup
    token = csrf(client, task)

    client.post(f"/tasks/{task.id}/restock/item", headers=hx,
                data={"csrf_token": token, "barcode": floor.case.ean})
    client.post(f"/tasks/{task.id}/restock/zone", headers=hx,
                data={"csrf_token": token, "zone": "PAR-RIV-S1"})

    assert reload(task).status == TaskStatus.DONE
    assert "waiting to be put back" not in client.get("/products?q=CASE-A").get_data(as_text=True)


def test_pack_and_receive_tasks_lead_to_the_shuttle_screens_or_say_they_are_missing(
        app, client, db, floor):
    pack = factories.task(floor.rivoli, TaskKind.PACK, counterpart_location_id=floor.bastille.id)
    sign_in(client, floor.alice)

    response = client.get(f"/tasks/{pack.id}")

    if "shuttles.pack_task" in app.view_functions:
        assert response.status_code == 302
    else:
        assert "not available yet" in response.get_data(as_text=True)


def test_store_settings_are_for_managers_and_allow_confirming_without_scan(client, db, floor, pick):
    assert client.get("/store/settings").status_code == 403
    sign_in(client, floor.manager)
    token = factories.csrf_token(client, "/store/settings")
    client.post("/store/settings", data={"csrf_token": token, "allow_pick_without_scan": "on"})
    created = client.post("/store/counts", data={"csrf_token": token, "product": "CASE-A",
                                                  "zone": ""})
    unknown = client.post("/store/counts", data={"csrf_token": token, "product": "NOPE"})

    _db.session.expire_all()
    assert floor.rivoli.allow_pick_without_scan is True
    assert created.status_code == 303 and unknown.status_code == 404
    count = _db.session.scalar(select(Task).filter_by(kind=TaskKind.COUNT))
    assert (count.product_id, count.zone_id) == (floor.case.id, floor.shelf.id)

    sign_in(client, floor.alice)
    html = client.get(f"/tasks/{pick.id}").get_data(as_text=True)
    assert "Confirm 2 units without scanning" in html
    client.post(f"/tasks/{pick.id}/pick/confirm",
                data={"csrf_token": csrf(client, pick), "scan_id": scan_id_in(html)})
    assert reload(pick).status == TaskStatus.DONE


ROUTES = [
    ("get", "/tasks/{id}"),
    ("post", "/tasks/{id}/claim"),
    ("post", "/tasks/{id}/release"),
    ("post", "/tasks/{id}/assign"),
    ("post", "/tasks/{id}/pick/scan"),
    ("post", "/tasks/{id}/pick/confirm"),
    ("post", "/tasks/{id}/pick/short"),
    ("post", "/tasks/{id}/isolate"),
    ("post", "/tasks/{id}/count/zone"),
    ("post", "/tasks/{id}/count/scan"),
    ("post", "/tasks/{id}/count/submit"),
    ("post", "/tasks/{id}/restock/item"),
    ("post", "/tasks/{id}/restock/zone"),
    ("get", "/orders/{number}"),
]


@pytest.mark.parametrize("method, route", ROUTES)
def test_another_stores_task_or_order_is_a_404(client, db, floor, method, route):
    order = order_at(floor.rivoli, (floor.phone, 1))
    task = pick_task(db, order)
    outsider_manager = factories.user(Role.MANAGER, floor.bastille)
    sign_in(client, outsider_manager)
    token = factories.csrf_token(client, "/")
    data = {"csrf_token": token, "barcode": floor.phone.ean, "scan_id": "abc", "slot": "x",
            "zone": "x", "counted": "1", "missing": "1", "reason": "damaged",
            "assignee_id": str(outsider_manager.id)}

    url = route.format(id=task.id, number=order.number)
    response = client.get(url) if method == "get" else client.post(url, data=data)

    assert response.status_code == 404
    _db.session.expire_all()
    assert (task.status, task.done_quantity) == (TaskStatus.OPEN, 0)


def statements(client, url):
    with factories.counted_statements() as run:
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    return len(run)


def test_filtered_lists_and_the_order_page_do_not_grow_with_tasks(client, db, floor):
    sign_in(client, floor.alice)

    def add_orders(count):
        orders = []
        for _n in range(count):
            order = order_at(floor.rivoli, (floor.case, 1))
            claim_task(pick_task(db, order), floor.alice.id)
            factories.task(floor.rivoli, TaskKind.RESTOCK, product_id=floor.case.id, quantity=1)
            orders.append(order)
        _db.session.commit()
        return orders

    (first,) = add_orders(1)
    before = {url: statements(client, url) for url in
              ("/?show=mine", "/?show=unassigned", f"/orders/{first.number}", "/products?q=Case")}
    add_orders(9)
    after = {url: statements(client, url) for url in before}

    assert after == before
    assert client.get("/?show=mine").get_data(as_text=True).count('data-kind="pick"') == 10
