"""Customer links and hand-overs confirmed by the customer: security, privacy, the loop."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from omni_store.core.clock import utcnow
from omni_store.counter import confirmations, tokens
from omni_store.counter import services as counter
from omni_store.counter.ledger import broken_records
from omni_store.counter.models import ConfirmationStatus, Handover, PickupToken, TokenPurpose
from omni_store.extensions import limiter
from omni_store.notify.messages import render
from omni_store.orders.models import Order, OrderStatus
from omni_store.outbox.models import EventKind, OutboxEvent
from tests import factories
from tests.counter.conftest import link_row, ready_order


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def text(html: str) -> str:
    """What the page reads: tags removed, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def scan_all(order, actor_id=None):
    for line in order.lines:
        for n in range(line.quantity):
            counter.scan_out(order, line.product.ean, f"t-{line.id}-{n}", actor_id)
    return counter.pending_scans(order.id)


def private_order(shop):
    return ready_order(shop, [(shop.phone, 1), (shop.case, 2)], first_name="Camille",
                       last_name="Zorglub", email="camille.zorglub@test.example",
                       phone="+33612345678")


# --- the customer's page ---------------------------------------------------------------


def test_the_customer_page_shows_the_order_and_no_personal_data_beyond_the_first_name(
        db, shop, phone):
    order = private_order(shop)
    link = tokens.customer_link(order)
    code = tokens.pickup_code(order)
    db.session.commit()

    response = phone.get(path_of(link))
    html = response.get_data(as_text=True)

    assert link.startswith("http://127.0.0.1:5000/p/")
    assert response.status_code == 200
    assert "Camille" in html and order.number in html
    assert "1 × Phone A" in text(html) and "2 × Phone case" in text(html)
    assert shop.store.name in html and "<svg" in html and 'class="qr"' in html
    assert code in html and re.fullmatch(r"\d{6}", code)
    for private in ("Zorglub", "camille.zorglub", "+33612345678", "612345678"):
        assert private not in html
    assert "<script" not in html
    assert response.headers["Cache-Control"] == "no-store"


def test_the_same_link_is_shown_again_and_only_hashes_are_stored(db, shop):
    order = ready_order(shop, [(shop.case, 1)])
    first, again = tokens.customer_link(order), tokens.customer_link(order)
    (row,) = db.session.scalars(select(PickupToken)).all()

    assert link_row(first) == link_row(again) == row
    assert first.rsplit("/", 1)[1] not in (row.token_hash, row.nonce)
    assert row.code_hash and len(row.code_hash) == 64


def test_altered_unknown_and_expired_links_get_the_same_plain_404(db, shop, phone):
    order = ready_order(shop, [(shop.case, 1)])
    good = path_of(tokens.customer_link(order))
    expired_order = ready_order(shop, [(shop.case, 1)], email="other@test.example")
    expired = path_of(tokens.customer_link(expired_order))
    db.session.execute(update(PickupToken).where(PickupToken.order_id == expired_order.id)
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    altered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    signed_but_unknown = "/p/" + tokens._serializer().dumps("no-such-token")

    responses = [phone.get(url) for url in (altered, signed_but_unknown, expired, "/p/x")]

    assert phone.get(good).status_code == 200
    assert {r.status_code for r in responses} == {404}
    assert len({r.get_data() for r in responses}) == 1
    body = responses[0].get_data(as_text=True)
    assert shop.store.name not in body and "omni-store" not in body


def test_a_link_opens_only_what_it_was_made_for(db, shop, associate, phone):
    order = ready_order(shop, [(shop.case, 1)])
    view_link = path_of(tokens.customer_link(order))
    confirmation = confirmations.propose_confirmation(order, scan_all(order), {}, associate.id)
    confirm_link = "/p/" + tokens.link_token(confirmation.token)
    db.session.commit()

    assert phone.get(view_link + "/confirm").status_code == 404
    assert phone.get(confirm_link).status_code == 404
    assert phone.get(confirm_link + "/confirm").status_code == 200


def test_the_ready_for_pickup_message_carries_the_link_and_the_code(db, shop, phone):
    order = ready_order(shop, [(shop.case, 1)])  # isolating its last units told the customer
    db.session.commit()

    event = db.session.scalar(select(OutboxEvent).filter_by(kind=EventKind.READY_FOR_PICKUP))
    body = render(event).body
    link = re.search(r"Show this page at the counter: (\S+)", body).group(1)

    assert link_row(link) is not None and link_row(link) == link_row(tokens.customer_link(order))
    assert f"Give this code at the counter: {tokens.pickup_code(order)}" in body
    assert phone.get(path_of(link)).status_code == 200


def test_the_customer_page_reads_a_fixed_number_of_statements(db, shop, phone):
    small = ready_order(shop, [(shop.case, 1)])
    products = [factories.product() for _n in range(6)]
    for product in products:
        factories.stock(shop.store, product, 3)
    big = ready_order(shop, [(p, 1) for p in products], email="big@test.example")
    links = [path_of(tokens.customer_link(o)) for o in (small, big)]
    db.session.commit()

    counts = []
    for link in links:
        with factories.counted_statements() as statements:
            assert phone.get(link).status_code == 200
        counts.append(len(statements))

    assert counts[0] == counts[1]


# --- confirmation on the customer's phone ------------------------------------------------


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_customer_confirms_on_their_phone_and_the_counter_sees_it(
        db, shop, associate, client, phone, hx):
    order = ready_order(shop, [(shop.phone, 1), (shop.case, 2)])
    scan_all(order, associate.id)
    db.session.commit()
    csrf = factories.csrf_token(client, f"/counter/orders/{order.id}")

    asked = client.post(f"/counter/orders/{order.id}/customer-confirmation",
                        data={"csrf_token": csrf, "progress": 0}, headers=hx)
    asked_html = asked.get_data(as_text=True)
    confirm_url = re.search(r'data-confirm-url="([^"]+)"', asked_html).group(1)
    waiting = client.get(f"/counter/orders/{order.id}/customer-confirmation", headers=hx)
    page = phone.get(path_of(confirm_url))
    page_html = page.get_data(as_text=True)
    done = phone.post(path_of(confirm_url), data={"csrf_token": csrf_of(page_html)})
    again = phone.post(path_of(confirm_url), data={"csrf_token": csrf_of(page_html)})
    final = client.get(f"/counter/orders/{order.id}/customer-confirmation", headers=hx)

    assert asked.status_code == 200 and 'hx-trigger="every 2s"' in asked_html
    assert "<svg" in asked_html and 'id="code"' not in asked_html  # scanning is frozen
    assert waiting.get_data(as_text=True).lstrip().startswith('<section id="customer-confirmation"')
    assert "1 × Phone A" in text(page_html) and "2 × Phone case" in text(page_html)
    assert done.status_code == 303
    assert again.status_code == 303
    assert "you confirmed receiving these items" in phone.get(again.location).get_data(as_text=True)
    final_html = final.get_data(as_text=True)
    assert final.headers["HX-Retarget"] == "#counter-order"
    assert "Handed over" in final_html and "every 2s" not in final_html
    assert "confirmed on their phone" in final_html
    order = db.session.get(Order, order.id)
    db.session.refresh(order)
    assert order.status == OrderStatus.HANDED_OVER
    (record,) = db.session.scalars(select(Handover)).all()
    assert (record.method, record.associate_id) == ("customer_qr", associate.id)
    assert sorted(i["handed"] for i in record.items) == [1, 2]


def test_a_confirmation_works_once_and_not_after_it_expires(db, shop, associate):
    order = ready_order(shop, [(shop.case, 1)])
    confirmation = confirmations.propose_confirmation(order, scan_all(order), {}, associate.id)
    confirmations.confirm_by_customer(confirmation)

    with pytest.raises(confirmations.ConfirmationClosed, match="already confirmed"):
        confirmations.confirm_by_customer(confirmation)

    other = ready_order(shop, [(shop.case, 1)], email="x@test.example")
    late = confirmations.propose_confirmation(other, scan_all(other), {}, associate.id)
    late.token.expires_at = utcnow() - timedelta(seconds=1)
    assert tokens.resolve(tokens.link_token(late.token), TokenPurpose.HANDOVER_CONFIRM,
                          allow_used=True) is None
    assert not confirmations.is_waiting(late)


def test_asking_again_cancels_the_previous_code(db, shop, associate, phone):
    order = ready_order(shop, [(shop.case, 1)])
    scanned = scan_all(order)
    first = confirmations.propose_confirmation(order, scanned, {}, associate.id)
    second = confirmations.propose_confirmation(order, scanned, {}, associate.id)
    db.session.refresh(first)

    assert (first.status, second.status) == (ConfirmationStatus.CANCELLED,
                                             ConfirmationStatus.PENDING)
    with pytest.raises(confirmations.ConfirmationClosed):
        confirmations.confirm_by_customer(first)


def test_nothing_scanned_nothing_to_confirm(db, shop, associate):
    order = ready_order(shop, [(shop.case, 1)])
    with pytest.raises(Exception, match="Scan the items"):
        confirmations.propose_confirmation(order, {}, {}, associate.id)


# --- pickup code (no phone) ----------------------------------------------------------


def test_the_right_pickup_code_hands_over_and_is_recorded_as_such(db, shop, associate, client):
    order = ready_order(shop, [(shop.case, 1)])
    scan_all(order, associate.id)
    code = tokens.pickup_code(order)
    db.session.commit()
    csrf = factories.csrf_token(client, f"/counter/orders/{order.id}")

    response = client.post(f"/counter/orders/{order.id}/pickup-code",
                           data={"csrf_token": csrf, "pickup_code": code, "progress": 0})

    assert response.status_code == 303
    record = db.session.scalar(select(Handover))
    assert record.method == "pickup_code"
    assert db.session.get(Order, order.id).status == OrderStatus.HANDED_OVER


def test_guessing_pickup_codes_is_rate_limited_then_locked(db, shop, associate, client, hx):
    order = ready_order(shop, [(shop.case, 1)])
    scan_all(order, associate.id)
    code = tokens.pickup_code(order)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    db.session.commit()
    csrf = factories.csrf_token(client, f"/counter/orders/{order.id}")

    def attempt(value):
        return client.post(f"/counter/orders/{order.id}/pickup-code", headers=hx,
                           data={"csrf_token": csrf, "pickup_code": value})

    wrongs = [attempt(wrong) for _n in range(5)]
    limited = attempt(code)
    limiter.reset()
    locked = attempt(code)

    assert [r.status_code for r in wrongs] == [422] * 5
    assert "Wrong pickup code" in wrongs[0].get_data(as_text=True)
    assert limited.status_code == 429
    assert locked.status_code == 423 and "Too many wrong pickup codes" in locked.get_data(as_text=True)
    assert db.session.get(Order, order.id).status == OrderStatus.READY


# --- the tamper-evident ledger ---------------------------------------------------------


def test_the_handover_chain_verifies_and_detects_tampering(db, shop):
    orders = [ready_order(shop, [(shop.case, 1)], email=f"c{n}@test.example") for n in range(3)]
    for order in orders:
        counter.hand_over(order, scan_all(order), {}, None)
    records = db.session.scalars(select(Handover).order_by(Handover.id)).all()

    assert broken_records(shop.store.id) == []
    assert [r.previous_hash for r in records[1:]] == [r.hash for r in records[:-1]]

    db.session.execute(update(Handover).where(Handover.id == records[1].id)
                       .values(items=[{"sku": shop.case.sku, "handed": 5, "refused": 0}]))
    db.session.expire_all()
    assert broken_records(shop.store.id) == [records[1].id]

    db.session.execute(Handover.__table__.delete().where(Handover.id == records[1].id))
    db.session.expire_all()
    assert broken_records(shop.store.id) == [records[2].id]


def test_every_hand_over_method_is_recorded_in_the_ledger(db, shop, associate):
    by_associate = ready_order(shop, [(shop.case, 1)], email="a@test.example")
    counter.hand_over(by_associate, scan_all(by_associate), {}, associate.id)

    (record,) = db.session.scalars(select(Handover)).all()
    assert (record.method, record.associate_id, record.order_id) == (
        "associate_scan", associate.id, by_associate.id)
    assert record.items == [{"sku": shop.case.sku, "handed": 1, "refused": 0}]


def test_customer_confirmations_are_rate_limited(db, shop, associate, phone, app):
    order = ready_order(shop, [(shop.case, 1)])
    confirmation = confirmations.propose_confirmation(order, scan_all(order), {}, associate.id)
    url = f"/p/{tokens.link_token(confirmation.token)}/confirm"
    db.session.commit()
    app.config["PICKUP_CONFIRM_RATE_LIMIT"] = "2 per minute"
    try:
        csrf = csrf_of(phone.get(url).get_data(as_text=True))
        statuses = [phone.post(url, data={"csrf_token": csrf}).status_code for _n in range(3)]
    finally:
        app.config["PICKUP_CONFIRM_RATE_LIMIT"] = "10 per minute"

    assert statuses == [303, 303, 429]  # confirmed, "already confirmed", then refused
    assert confirmations.latest_confirmation(order.id).status == ConfirmationStatus.CONFIRMED


def test_an_e_reservation_page_shows_its_appointment_until_it_ends(db, shop, phone):
    order = private_order(shop)
    order.appointment_at = utcnow().replace(hour=17, minute=30) + timedelta(days=2)
    link = path_of(tokens.customer_link(order))
    db.session.commit()
    assert "Your advice appointment:" in text(phone.get(link).get_data(as_text=True))
    order.status = OrderStatus.CANCELLED
    db.session.commit()
    assert "advice appointment" not in phone.get(link).get_data(as_text=True)
