from uuid import uuid4

import pytest

from omni_store.auth.models import Role
from omni_store.extensions import db
from omni_store.inventory.queries import ledger_mismatches
from omni_store.orders.models import DeliveryMethod
from omni_store.shuttles.dispatch import dispatch_run, load_parcel
from omni_store.shuttles.models import ParcelStatus
from omni_store.shuttles.packing import create_parcel
from omni_store.shuttles.sealing import seal_parcel
from omni_store.tasks.models import TaskKind, TaskStatus
from tests import factories
from tests.factories import counted_statements, csrf_token
from tests.shuttles.conftest import level, order_from_bastille, pack_all, pick_all, task_of


@pytest.fixture
def at_bastille(client, login, chain):
    login(Role.ASSOCIATE, chain.bastille)
    return csrf_token(client, "/shuttles/dock")


@pytest.fixture
def at_rivoli(client, login, chain):
    login(Role.ASSOCIATE, chain.rivoli)
    return csrf_token(client, "/shuttles/receive")


def sealed(chain, quantity=2, method=DeliveryMethod.PICKUP):
    order = order_from_bastille(chain, quantity=quantity, method=method)
    parcel = pack_all(order, chain)
    seal_parcel(parcel, chain.packer.id)
    return order, parcel


def dispatched(chain, quantity=2):
    order, parcel = sealed(chain, quantity)
    load_parcel(parcel.run, parcel.code, chain.packer.id)
    dispatch_run(parcel.run, chain.packer.id)
    return order, parcel


# --- pack ------------------------------------------------------------------------------


def test_pack_screen_scans_units_and_seals_to_the_label(client, chain, at_bastille, hx):
    order = order_from_bastille(chain, quantity=2)
    pick_all(order, chain.bastille, chain.packer)
    pack = task_of(order, TaskKind.PACK, chain.bastille)
    url = f"/shuttles/pack/{pack.id}"

    page = client.get(url)
    assert page.status_code == 200
    assert "<html" in page.text and "Shuttle parcel to PAR-RIV" in page.text
    fragment = client.get(url, headers=hx)
    assert fragment.text.lstrip().startswith('<section id="pack-screen"')
    assert "HX-Request" in fragment.headers["Vary"]

    scan = uuid4().hex
    answer = client.post(url, data={"barcode": chain.phone.ean, "scan_id": scan,
                                    "csrf_token": at_bastille}, headers=hx)
    assert answer.status_code == 200 and "<strong>1</strong> / 2" in answer.text
    again = client.post(url, data={"barcode": chain.phone.ean, "scan_id": scan,
                                   "csrf_token": at_bastille}, headers=hx)
    assert "<strong>1</strong> / 2" in again.text  # the same scan twice counts once
    plain = client.post(url, data={"barcode": chain.phone.ean, "scan_id": uuid4().hex,
                                   "csrf_token": at_bastille})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(url)

    sealed_answer = client.post(f"{url}/seal", data={"csrf_token": at_bastille}, headers=hx)
    parcel = task_of(order, TaskKind.PACK, chain.bastille).parcel
    assert sealed_answer.status_code == 204
    assert sealed_answer.headers["HX-Redirect"] == f"/shuttles/parcels/{parcel.code}/label"
    assert parcel.status == ParcelStatus.SEALED


def test_pack_refuses_a_wrong_product_and_bad_input_without_writing(client, chain, at_bastille, hx):
    other = factories.product("CASE-9", "Leather case")
    order = order_from_bastille(chain, quantity=1)
    pick_all(order, chain.bastille, chain.packer)
    pack = task_of(order, TaskKind.PACK, chain.bastille)
    url = f"/shuttles/pack/{pack.id}"
    wrong = client.post(url, data={"barcode": other.ean, "scan_id": uuid4().hex,
                                   "csrf_token": at_bastille}, headers=hx)
    assert wrong.status_code == 409
    assert "This is Leather case: this parcel expects Phone B" in wrong.text
    assert 'class="toast' in wrong.text
    for barcode, scan_id, status in (("", uuid4().hex, 422), ("9" * 500, uuid4().hex, 422),
                                     (chain.phone.ean, "", 422), (chain.phone.ean, "x" * 99, 422)):
        answer = client.post(url, data={"barcode": barcode, "scan_id": scan_id,
                                        "csrf_token": at_bastille}, headers=hx)
        assert answer.status_code == status, (barcode[:5], scan_id[:5])
    seal = client.post(f"{url}/seal", data={"csrf_token": at_bastille})
    assert seal.status_code == 409 and "<html" in seal.text
    db.session.refresh(pack)
    assert pack.done_quantity == 0


def test_another_stores_tasks_parcels_and_runs_are_404(client, chain, login):
    order, parcel = sealed(chain)
    pack = task_of(order, TaskKind.PACK, chain.bastille)
    receive = task_of(order, TaskKind.RECEIVE, chain.rivoli)
    elsewhere = factories.store("PAR-OPE")
    login(Role.ASSOCIATE, elsewhere)
    for url in (f"/shuttles/pack/{pack.id}", f"/shuttles/receive/{receive.id}",
                f"/shuttles/parcels/{parcel.code}", f"/shuttles/parcels/{parcel.code}/label",
                f"/shuttles/parcels/{parcel.code}/label.zpl", f"/shuttles/runs/{parcel.run_id}",
                f"/shuttles/receive/parcels/{parcel.code}"):
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, "/shuttles/dock")
    assert client.post(f"/shuttles/runs/{parcel.run_id}/dispatch",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"/shuttles/pack/{pack.id}", data={"csrf_token": token}).status_code == 404
    # A PACK task id on the receive screen (and the reverse) is not found either.
    login(Role.ASSOCIATE, chain.bastille)
    assert client.get(f"/shuttles/receive/{pack.id}").status_code == 404


def test_pages_need_a_signed_in_user(client, db):
    assert client.get("/shuttles/dock").status_code == 302


# --- label -----------------------------------------------------------------------------


def test_label_shows_destination_run_codes_and_prints_as_zpl(client, chain, at_bastille, hx):
    order, parcel = sealed(chain)
    page = client.get(f"/shuttles/parcels/{parcel.code}/label")
    assert page.status_code == 200
    html = page.text
    assert "PAR-RIV" in html and "Paris Rivoli" in html
    assert "Tue 10 Mar 11:00" in html  # the run's departure, Paris time
    assert 'class="label-qr"' in html and 'class="label-code128"' in html
    assert "2 items" in html and "Rolled over" not in html
    assert "style=" not in html.split('class="label-sheet"')[1]  # the CSP forbids inline styles
    fragment = client.get(f"/shuttles/parcels/{parcel.code}/label", headers=hx)
    assert fragment.text.lstrip().startswith('<section id="label-screen"')

    zpl = client.get(f"/shuttles/parcels/{parcel.code}/label.zpl")
    assert zpl.status_code == 200
    assert zpl.mimetype == "application/zpl"
    assert zpl.headers["Content-Disposition"] == f'attachment; filename="label-{parcel.code}.zpl"'
    body = zpl.text
    assert body.startswith("^XA\n") and body.rstrip().endswith("^XZ")
    assert "^PW812" in body and "^LL1218" in body
    assert f"^BCN,180,Y,N,N^FH^FD{parcel.code}^FS" in body
    assert f"^BQN,2,8^FH^FDQA,{parcel.code}^FS" in body
    assert "^FDPAR-RIV^FS" in body and "2 items" in body


def test_a_rolled_over_parcel_says_so_on_both_labels(client, chain, at_bastille):
    from datetime import UTC, datetime

    order = order_from_bastille(chain)
    parcel = pack_all(order, chain)
    seal_parcel(parcel, chain.packer.id, now=datetime(2026, 3, 10, 14, 45, tzinfo=UTC))
    assert parcel.rolled_over
    assert "Rolled over to the next run" in client.get(f"/shuttles/parcels/{parcel.code}/label").text
    assert "ROLLED OVER TO THE NEXT RUN" in client.get(f"/shuttles/parcels/{parcel.code}/label.zpl").text


def test_zpl_field_data_cannot_inject_commands():
    from omni_store.shuttles.labels import LabelData, zpl

    label = LabelData("P-1", "shuttle", "A^XZ~JA", "B_", "x", "y", None, 1, False, None)
    body = zpl(label, {"contents": "1", "rolled_over": "r"})
    assert "A_5EXZ_7EJA" in body and "B_5F" in body
    assert body.count("^XZ") == 1


# --- dock ------------------------------------------------------------------------------


def test_dock_lists_todays_runs_with_their_parcels(client, chain, at_bastille, hx):
    order, parcel = sealed(chain)
    order_from_bastille(chain, quantity=1)  # a second order still to pack for the 16:00 run
    page = client.get("/shuttles/dock")
    assert page.status_code == 200 and "Shuttle dock" in page.text
    fragment = client.get("/shuttles/dock", headers=hx)
    html = fragment.text
    assert html.lstrip().startswith('<section id="dock-screen"')
    assert 'hx-trigger="every 10s"' in html
    assert html.count('class="card run-card') == 2
    assert f'/shuttles/runs/{parcel.run_id}' in html


def test_on_a_day_without_a_van_the_dock_says_when_the_next_one_leaves(client, chain, at_bastille):
    chain.bastille.opening_hours = {"mon": [["10:00", "19:00"]]}  # today is a Tuesday
    db.session.commit()

    html = client.get("/shuttles/dock").text

    assert "No shuttle leaves this store today" in html
    assert "Next to PAR-RIV: Mon 16 Mar 11:00" in html


def test_dock_and_manifest_queries_do_not_grow_with_parcels(client, chain, at_bastille, hx):
    factories.stock(chain.bastille, chain.phone, 100)
    _order, first = sealed(chain, quantity=1)

    def statements(url):
        with counted_statements() as run:
            assert client.get(url, headers=hx).status_code == 200
        return len(run)

    urls = ("/shuttles/dock", f"/shuttles/runs/{first.run_id}", "/shuttles/carrier-manifest")
    with_one = [statements(url) for url in urls]
    for _ in range(6):
        sealed(chain, quantity=1)
    for _ in range(3):
        sealed(chain, quantity=1, method=DeliveryMethod.SHIP_FROM_STORE)
    assert [statements(url) for url in urls] == with_one


def test_manifest_loads_parcels_and_dispatches_the_van(client, chain, at_bastille, hx):
    order, parcel = sealed(chain)
    url = f"/shuttles/runs/{parcel.run_id}"
    page = client.get(url)
    assert page.status_code == 200 and parcel.code in page.text
    wrong = client.post(url, data={"code": "P-404404", "csrf_token": at_bastille}, headers=hx)
    assert wrong.status_code == 404 and "No parcel P-404404" in wrong.text
    loaded = client.post(url, data={"code": parcel.code.lower(), "csrf_token": at_bastille},
                         headers=hx)
    assert loaded.status_code == 200 and "loaded" in loaded.text
    gone = client.post(f"{url}/dispatch", data={"csrf_token": at_bastille})
    assert gone.status_code == 303
    db.session.refresh(parcel)
    assert parcel.status == ParcelStatus.IN_TRANSIT
    assert level(chain.bastille, chain.phone) == (3, 0, 0)
    assert "on the road" in client.get(url).text
    assert ledger_mismatches() == []


# --- receive ---------------------------------------------------------------------------


def test_receive_by_scanning_the_label_then_counting(client, chain, at_rivoli, hx):
    order, parcel = dispatched(chain, quantity=2)
    page = client.get("/shuttles/receive")
    assert page.status_code == 200 and parcel.code in page.text
    assert client.get("/shuttles/receive", headers=hx).text.lstrip().startswith('<section id="incoming"')
    opened = client.get(f"/shuttles/receive?code={parcel.code.lower()}")
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith(f"/shuttles/receive/parcels/{parcel.code}")

    url = f"/shuttles/receive/parcels/{parcel.code}"
    form = client.get(url)
    assert form.status_code == 200 and "Phone B" in form.text
    field = f"count-{chain.phone.id}"
    scanned = client.post(url, data={"barcode": chain.phone.ean, field: "0", "scan": "1",
                                     "csrf_token": at_rivoli}, headers=hx)
    assert scanned.text.lstrip().startswith('<section id="count-screen"')
    assert f'name="{field}" value="1"' in scanned.text and "1 missing" in scanned.text
    plus = client.post(url, data={"step": f"{chain.phone.id}:1", field: "1",
                                  "csrf_token": at_rivoli}, headers=hx)
    assert f'name="{field}" value="2"' in plus.text and "missing" not in plus.text
    assert parcel.status == ParcelStatus.IN_TRANSIT  # nothing written while counting

    confirmed = client.post(url, data={"confirm": "1", field: "2", "csrf_token": at_rivoli},
                            headers=hx)
    assert confirmed.status_code == 204
    assert confirmed.headers["HX-Redirect"] == f"/shuttles/receive/parcels/{parcel.code}/received"
    summary = client.get(confirmed.headers["HX-Redirect"])
    assert "Everything is there" in summary.text
    assert level(chain.rivoli, chain.phone) == (2, 2, 0)
    assert task_of(order, TaskKind.RECEIVE, chain.rivoli).status == TaskStatus.DONE
    again = client.post(url, data={"confirm": "1", field: "2", "csrf_token": at_rivoli}, headers=hx)
    assert again.status_code == 409
    assert ledger_mismatches() == []


def test_a_short_receipt_is_shown_as_a_discrepancy(client, chain, at_rivoli):
    order, parcel = dispatched(chain, quantity=2)
    url = f"/shuttles/receive/parcels/{parcel.code}"
    answer = client.post(url, data={"confirm": "1", f"count-{chain.phone.id}": "1",
                                    "csrf_token": at_rivoli})
    assert answer.status_code == 303
    summary = client.get(answer.headers["Location"])
    assert "The count differs from what was packed" in summary.text and "1 received" in summary.text


def test_receive_refuses_bad_counts_and_foreign_barcodes(client, chain, at_rivoli, hx):
    other = factories.product("CASE-7", "Blue case")
    order, parcel = dispatched(chain)
    url = f"/shuttles/receive/parcels/{parcel.code}"
    field = f"count-{chain.phone.id}"
    for data, status in (({field: "abc"}, 422), ({field: "1000"}, 422), ({field: "-1"}, 422),
                         ({"barcode": other.ean, field: "0"}, 422),
                         ({"barcode": "nope", field: "0"}, 404),
                         ({"step": "x:1", field: "0"}, 422)):
        answer = client.post(url, data=data | {"csrf_token": at_rivoli}, headers=hx)
        assert answer.status_code == status, data
    blue = client.post(url, data={"barcode": other.ean, field: "0", "csrf_token": at_rivoli},
                       headers=hx)
    assert "This is Blue case" in blue.text
    assert client.get("/shuttles/receive?code=" + "X" * 80).status_code == 422


def test_the_origin_store_cannot_receive_its_own_parcel(client, chain, at_bastille, hx):
    order, parcel = dispatched(chain)
    answer = client.get(f"/shuttles/receive/parcels/{parcel.code}", headers=hx)
    assert answer.status_code == 409


def test_receive_task_of_a_shuttle_parcel_leads_to_the_parcel(client, chain, at_rivoli, hx):
    order, parcel = sealed(chain)
    task = task_of(order, TaskKind.RECEIVE, chain.rivoli)
    waiting = client.get(f"/shuttles/receive/{task.id}")
    assert waiting.status_code == 200 and "leaves with the Tue 10 Mar 11:00 run" in waiting.text
    assert client.get(f"/shuttles/receive/{task.id}", headers=hx).text.lstrip().startswith(
        '<section id="receive-task-screen"')
    load_parcel(parcel.run, parcel.code, None)
    dispatch_run(parcel.run, None)
    moving = client.get(f"/shuttles/receive/{task.id}")
    assert moving.status_code == 303
    assert moving.headers["Location"].endswith(f"/shuttles/receive/parcels/{parcel.code}")


def test_receive_task_of_a_supplier_delivery(client, chain, at_rivoli, hx):
    supplier = factories.supplier("SUP-Y")
    tablet = factories.product("TAB-9", "Tablet Nine")
    factories.stock(supplier, tablet, 4)
    order = order_from_bastille(chain, quantity=1, product=tablet)
    task = task_of(order, TaskKind.RECEIVE, chain.rivoli)
    url = f"/shuttles/receive/{task.id}"
    page = client.get(url)
    assert page.status_code == 200 and "Tablet Nine" in page.text and "Delivery from" in page.text
    assert client.get(url, headers=hx).text.lstrip().startswith('<section id="count-screen"')
    answer = client.post(url, data={"confirm": "1", f"count-{tablet.id}": "1",
                                    "csrf_token": at_rivoli}, headers=hx)
    assert answer.status_code == 204
    assert level(chain.rivoli, tablet) == (1, 1, 0) and level(supplier, tablet) == (3, 0, 0)
    assert ledger_mismatches() == []


# --- carrier ---------------------------------------------------------------------------


def test_carrier_manifest_hands_the_days_parcels_over(client, chain, at_bastille, hx):
    order, parcel = sealed(chain, quantity=1, method=DeliveryMethod.SHIP_FROM_STORE)
    page = client.get("/shuttles/carrier-manifest")
    assert page.status_code == 200 and parcel.tracking_number in page.text
    assert client.get("/shuttles/carrier-manifest", headers=hx).text.lstrip().startswith(
        '<section id="carrier-manifest"')
    label = client.get(f"/shuttles/parcels/{parcel.code}/label").text
    assert parcel.tracking_number in label and "Neutral · Standard 48h" in label
    handed = client.post("/shuttles/carrier-manifest/pickup", data={"csrf_token": at_bastille},
                         headers=hx)
    assert handed.status_code == 200 and "Handed over today" in handed.text
    db.session.refresh(order)
    assert order.status == "shipped"
    again = client.post("/shuttles/carrier-manifest/pickup", data={"csrf_token": at_bastille})
    assert again.status_code == 409
    assert ledger_mismatches() == []


def test_the_destination_store_cannot_seal_a_parcel(client, chain, at_rivoli, hx):
    from omni_store.inventory import services as inventory
    from omni_store.shuttles.models import ParcelBucket

    inventory.to_quarantine(chain.bastille.id, chain.phone.id, 1)
    parcel = create_parcel(chain.bastille.id, chain.rivoli.id,
                           [(chain.phone.id, 1, ParcelBucket.QUARANTINE, None)])
    db.session.commit()
    refused = client.post(f"/shuttles/parcels/{parcel.code}/seal",
                          data={"csrf_token": at_rivoli}, headers=hx)
    assert refused.status_code == 409
    assert "Only the store that packed a parcel seals it." in refused.text
    db.session.refresh(parcel)
    assert parcel.status == ParcelStatus.OPEN


def test_a_return_parcel_is_sealed_from_its_page(client, chain, at_bastille, hx):
    from omni_store.inventory import services as inventory
    from omni_store.shuttles.models import ParcelBucket

    inventory.to_quarantine(chain.bastille.id, chain.phone.id, 1)
    parcel = create_parcel(chain.bastille.id, chain.rivoli.id,
                                    [(chain.phone.id, 1, ParcelBucket.QUARANTINE, None)])
    assert parcel.code in client.get("/shuttles/dock").text  # listed under "to seal"
    page = client.get(f"/shuttles/parcels/{parcel.code}")
    assert page.status_code == 200 and "Seal and print the label" in page.text
    assert client.get(f"/shuttles/parcels/{parcel.code}", headers=hx).text.lstrip().startswith(
        '<section id="parcel-screen"')
    sealed_answer = client.post(f"/shuttles/parcels/{parcel.code}/seal",
                                data={"csrf_token": at_bastille})
    assert sealed_answer.status_code == 303
    db.session.refresh(parcel)
    assert parcel.status == ParcelStatus.SEALED
