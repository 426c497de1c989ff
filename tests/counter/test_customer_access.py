"""The customer's link and pickup code at the counter: only a stored link is shown, a new
one is issued by a POST, and a code locked by wrong tries is unlocked by the store's staff."""
import re
from datetime import timedelta

from sqlalchemy import func, select, update

from omni_store.auth.models import Role
from omni_store.core.clock import utcnow
from omni_store.counter import services as counter
from omni_store.orders.models import Order, OrderStatus
from omni_store.counter import tokens
from omni_store.counter.models import PickupToken
from tests import factories
from tests.counter.conftest import link_row, ready_order


def csrf(client, order):
    return factories.csrf_token(client, f"/counter/orders/{order.id}")


def link_on(html: str) -> str | None:
    found = re.search(r'href="https?://[^/"]+(/p/[^"]+)"[^>]*data-customer-link', html)
    return found.group(1) if found else None


def expire_links(db, order):
    db.session.execute(update(PickupToken).where(PickupToken.order_id == order.id)
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def token_rows(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(PickupToken.id)))


# --- the customer link -------------------------------------------------------------------


def test_a_ready_order_whose_link_expired_gets_a_new_one_that_opens(db, shop, associate,
                                                                     client, phone, hx):
    order = ready_order(shop, [(shop.case, 1)])
    tokens.order_view_token(order)  # issued when the order became ready
    expire_links(db, order)

    page = client.get(f"/counter/orders/{order.id}").get_data(as_text=True)
    rows_after_page = token_rows(db)
    renewed = client.post(f"/counter/orders/{order.id}/customer-link", headers=hx,
                          data={"csrf_token": csrf(client, order)})
    link = link_on(renewed.get_data(as_text=True))
    shown_again = link_on(client.get(f"/counter/orders/{order.id}").get_data(as_text=True))

    assert link_on(page) is None and "New customer link" in page
    assert rows_after_page == 1  # the page (a GET) issued nothing it could not keep
    assert renewed.status_code == 200 and link is not None
    assert shown_again == link
    assert phone.get(link).status_code == 200  # the customer's scan opens their page


def test_the_counter_shows_the_link_the_customer_received(db, shop, associate, client, phone):
    order = ready_order(shop, [(shop.case, 1)])
    sent = tokens.customer_link(order)
    db.session.commit()

    html = client.get(f"/counter/orders/{order.id}").get_data(as_text=True)

    shown = link_row(link_on(html))
    assert shown is not None and shown == link_row(sent) and "New customer link" not in html
    assert phone.get(link_on(html)).status_code == 200


def test_no_new_link_for_an_order_not_ready_nor_for_another_store(db, shop, associate, client,
                                                                   login):
    collected = factories.handed_over_order(shop.store, shop.slot, [(shop.case, 1)])
    factories.stock(shop.other, shop.case, 5)
    theirs = ready_order(shop, [(shop.case, 1)], store=shop.other, email="b@test.example")
    db.session.commit()
    links = token_rows(db)  # the one each order got when it became ready
    token = csrf(client, collected)
    refused = client.post(f"/counter/orders/{collected.id}/customer-link",
                          data={"csrf_token": token})
    elsewhere = client.post(f"/counter/orders/{theirs.id}/customer-link",
                            data={"csrf_token": token})

    assert refused.status_code == 422
    assert elsewhere.status_code == 404
    assert token_rows(db) == links == 2


# --- unlocking the pickup code -------------------------------------------------------------


def lock_the_code(db, order):
    tokens.order_view_token(order).failed_codes = 5
    db.session.commit()


def test_staff_unlock_a_locked_pickup_code_and_the_page_says_who_and_when(
        db, shop, associate, client, hx):
    order = ready_order(shop, [(shop.case, 1)])
    counter.scan_out(order, shop.case.ean, "u-1", associate.id)
    lock_the_code(db, order)
    code = tokens.pickup_code(order)
    token = csrf(client, order)

    locked_page = client.get(f"/counter/orders/{order.id}").get_data(as_text=True)
    locked = client.post(f"/counter/orders/{order.id}/pickup-code", headers=hx,
                         data={"csrf_token": token, "pickup_code": code})
    unlocked = client.post(f"/counter/orders/{order.id}/pickup-code/unlock", headers=hx,
                           data={"csrf_token": token})
    unlocked_html = unlocked.get_data(as_text=True)
    again = client.post(f"/counter/orders/{order.id}/pickup-code/unlock", headers=hx,
                        data={"csrf_token": token})
    handed = client.post(f"/counter/orders/{order.id}/pickup-code",
                         data={"csrf_token": token, "pickup_code": code, "progress": 0})

    assert "data-code-locked" in locked_page and "Unlock the pickup code" in locked_page
    assert locked.status_code == 423
    assert unlocked.status_code == 200 and "data-code-locked" not in unlocked_html
    assert f"Pickup code unlocked by {associate.name} at" in unlocked_html
    assert again.status_code == 409 and "is not locked" in again.get_data(as_text=True)
    assert handed.status_code == 303
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.HANDED_OVER
    row = db.session.scalar(select(PickupToken).filter_by(order_id=order.id))
    assert row.codes_unlocked_by_id == associate.id and row.codes_unlocked_at is not None


def test_another_stores_staff_cannot_unlock(db, shop, client, login):
    order = ready_order(shop, [(shop.case, 1)])
    lock_the_code(db, order)
    login(Role.MANAGER, shop.other)

    response = client.post(f"/counter/orders/{order.id}/pickup-code/unlock",
                           data={"csrf_token": factories.csrf_token(client, "/counter/")})

    assert response.status_code == 404
    db.session.expire_all()
    row = db.session.scalar(select(PickupToken).filter_by(order_id=order.id))
    assert row.failed_codes == 5 and row.codes_unlocked_at is None
