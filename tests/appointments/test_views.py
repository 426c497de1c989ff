"""The appointment screens through the client: the store's coming appointments with where
each item is, one booking and what can be done with it, and the manager's slots."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from omni_store.appointments import services
from omni_store.appointments.models import AppointmentSlot, Booking, BookingStatus
from omni_store.auth.models import Role
from omni_store.core.clock import local, utcnow
from omni_store.extensions import db
from omni_store.network.models import Zone
from omni_store.orders.models import AllocationStatus, Hold, OrderStatus
from omni_store.shuttles.models import Parcel, ParcelKind, ParcelLine, ParcelStatus
from tests import factories
from tests.appointments.conftest import IN_THREE_DAYS, TONIGHT, make_slot, reservation


def book(story, slot, lines, email="lea@test.example", last_name="Moreau"):
    return services.reserve_with_appointment(
        reservation(slot.location, lines, email=email, last_name=last_name), slot.id)


def csrf(client):
    return factories.csrf_token(client, "/appointments/slots")


def page(client, path, **kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def text(html):
    """What a person reads: tags dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def started(booking, ago=timedelta(minutes=10)):
    """The appointment's time has come (set up directly: a slot is booked in the future)."""
    booking.slot.starts_at = utcnow() - ago
    db.session.commit()


@pytest.fixture
def manager(login, story):
    return login(Role.MANAGER, story.rivoli)


# --- the list of coming appointments ----------------------------------------------------


def test_the_list_says_where_each_reserved_item_is(client, story, login):
    login(Role.ASSOCIATE, story.rivoli)
    slot = make_slot(story.rivoli, IN_THREE_DAYS)
    booking = book(story, slot, [(story.a, 1), (story.b, 1), (story.c, 1)])
    order = booking.order

    html = text(page(client, "/appointments"))

    starts = local(slot.starts_at, "Europe/Paris")
    assert f"{starts:%H:%M}–{starts + timedelta(minutes=30):%H:%M}" in html
    assert "Léa Moreau" in html and f"Order {order.number}" in html and "smartphones" in html
    assert "Phone A × 1 here" in html
    assert re.search(r"Phone B × 1 being prepared at MEA-CTR, shuttle \w{3} \d+ \w+ 08:00 → 09:30", html)
    assert re.search(r"Phone C × 1 at the supplier SUP-TEL, expected \w{3} \d+ \w+ \d\d:\d\d", html)
    assert f'href="/orders/{order.number}"' in page(client, "/appointments")


def test_isolated_units_parcels_on_the_way_and_a_late_order_are_told(client, story, login):
    login(Role.ASSOCIATE, story.rivoli)
    booking = book(story, make_slot(story.rivoli, IN_THREE_DAYS),
                   [(story.a, 1), (story.b, 1)])
    line_a, line_b = booking.order.lines
    db.session.add(Hold(order_id=booking.order_id, quantity=1, expires_at=utcnow() + IN_THREE_DAYS,
                        zone_id=db.session.scalar(select(Zone.id).filter_by(code="PAR-RIV-H1"))))
    (travelling,) = line_b.allocations
    travelling.status = AllocationStatus.IN_TRANSIT
    db.session.add(Parcel(code="P-MEA-0042", kind=ParcelKind.SHUTTLE, status=ParcelStatus.IN_TRANSIT,
                          origin_id=story.meaux.id, destination_id=story.rivoli.id,
                          expected_at=travelling.expected_at,
                          lines=[ParcelLine(product_id=story.b.id, quantity=1,
                                            allocation_id=travelling.id)]))
    db.session.commit()

    html = text(page(client, "/appointments"))
    assert "Phone A × 1 isolated in slot PAR-RIV-H1" in html
    assert "Phone B × 1 in a parcel on the way (P-MEA-0042), arrives" in html
    assert "Items ready" not in html and "Not all items isolated yet" not in html

    started(booking, ago=timedelta(hours=-1))  # in an hour: B will be late
    assert re.search(r"Items ready \w{3} \d+ \w+ \d\d:\d\d, after the appointment",
                     text(page(client, "/appointments")))
    booking.order.promised_at = utcnow() - timedelta(minutes=5)  # B in time, still not ready
    db.session.commit()
    html = text(page(client, "/appointments"))
    assert "Not all items isolated yet" in html and "after the appointment" not in html


def test_an_empty_list_says_so_and_shows_managers_where_to_publish(client, story, login):
    login(Role.ASSOCIATE, story.rivoli)
    html = page(client, "/appointments")
    assert "No appointments coming up in this store." in html and "/appointments/slots" not in html
    login(Role.MANAGER, story.rivoli)
    assert 'href="/appointments/slots"' in page(client, "/appointments")


def test_another_stores_booking_is_a_404_and_not_on_the_list(client, story, login):
    factories.stock(story.meaux, story.a, 1)
    theirs = book(story, make_slot(story.meaux, IN_THREE_DAYS), [(story.a, 1)],
                  email="paul@test.example", last_name="Theirs")
    ours = book(story, make_slot(story.rivoli, IN_THREE_DAYS), [(story.a, 1)])
    login(Role.ASSOCIATE, story.rivoli)

    assert "Léa Moreau" in page(client, f"/appointments/{ours.id}")
    assert client.get(f"/appointments/{theirs.id}").status_code == 404
    assert "Theirs" not in page(client, "/appointments")
    token = csrf_of_booking(client, ours)
    for action in ("cancel", "release", "move"):
        assert client.post(f"/appointments/{theirs.id}/{action}",
                           data={"csrf_token": token, "slot_id": "1"}).status_code == 404
    assert db.session.get(Booking, theirs.id).status == BookingStatus.BOOKED


def test_the_list_runs_as_many_statements_for_three_bookings_as_for_one(client, story, login):
    login(Role.ASSOCIATE, story.rivoli)
    factories.stock(story.rivoli, story.a, 10)
    slot = make_slot(story.rivoli, IN_THREE_DAYS, capacity=5)

    def statements():
        with factories.counted_statements() as seen:
            client.get("/appointments", headers={"HX-Request": "true"})
        return len(seen)

    book(story, slot, [(story.a, 1), (story.b, 1), (story.c, 1)])
    db.session.commit()
    with_one = statements()
    for n in range(2):
        book(story, slot, [(story.a, 1), (story.c, 1)], email=f"c{n}@test.example")
    db.session.commit()
    assert statements() == with_one


def test_htmx_gets_the_fragment_and_a_plain_request_the_page(client, story, login, hx):
    login(Role.ASSOCIATE, story.rivoli)
    booking = book(story, make_slot(story.rivoli, IN_THREE_DAYS), [(story.a, 1)])
    for path, root in (("/appointments", '<section id="appointments"'),
                       (f"/appointments/{booking.id}", '<section id="appointment"')):
        fragment = client.get(path, headers=hx)
        html = fragment.get_data(as_text=True)
        assert fragment.status_code == 200 and "<html" not in html and root in html
        assert "HX-Request" in fragment.headers["Vary"]
        assert "<html" in page(client, path)


# --- one booking, before the appointment -------------------------------------------------


def csrf_of_booking(client, booking):
    return factories.csrf_token(client, f"/appointments/{booking.id}")


def test_move_add_and_cancel_through_the_booking_page(client, story, login, hx):
    login(Role.ASSOCIATE, story.rivoli)
    tonight = make_slot(story.rivoli, TONIGHT)
    later = make_slot(story.rivoli, IN_THREE_DAYS)
    booking = book(story, tonight, [(story.a, 1)])
    url = f"/appointments/{booking.id}"
    token = csrf_of_booking(client, booking)
    later_time = f"{local(later.starts_at, 'Europe/Paris'):%H:%M}"
    assert re.search(rf'<option value="{later.id}">[^<]*{later_time} · smartphones · 2 places left',
                     page(client, url))

    moved = client.post(f"{url}/move", data={"csrf_token": token, "slot_id": str(later.id)})
    assert moved.status_code == 303 and moved.location == url
    assert text(page(client, url)).count(later_time) >= 1
    assert db.session.get(Booking, booking.id).slot_id == later.id

    refused = client.post(f"{url}/products", headers=hx,
                          data={"csrf_token": token, "code": " ", "quantity": "1"})
    assert refused.status_code == 422 and "SKU or scan its barcode" in refused.get_data(as_text=True)
    for quantity in ("two", "²"):  # '²' is a digit to str.isdigit, not to int()
        bad_quantity = client.post(f"{url}/products", data={"csrf_token": token, "code": "PHN-B",
                                                            "quantity": quantity})
        assert bad_quantity.status_code == 422
        assert "whole number from 1 to 999" in bad_quantity.get_data(as_text=True)
    added = client.post(f"{url}/products", headers=hx,
                        data={"csrf_token": token, "code": story.b.ean, "quantity": "1"})
    assert added.status_code == 200 and added.headers["HX-Redirect"] == url
    assert "Phone B × 1 being prepared at MEA-CTR" in text(page(client, url))

    cancelled = client.post(f"{url}/cancel", data={"csrf_token": token})
    assert cancelled.status_code == 303
    html = text(page(client, url))
    assert "Cancelled before the appointment, with its reservation." in html
    assert "Move the appointment" not in html and "Cancel the appointment" not in html
    assert "Léa Moreau" not in text(page(client, "/appointments"))


def test_a_bad_slot_id_or_a_move_refused_by_the_rules_changes_nothing(client, story, login, hx):
    login(Role.ASSOCIATE, story.rivoli)
    later = make_slot(story.rivoli, IN_THREE_DAYS)
    tonight = make_slot(story.rivoli, TONIGHT)
    booking = book(story, later, [(story.c, 1)])  # C cannot be here tonight
    url = f"/appointments/{booking.id}"
    token = csrf_of_booking(client, booking)
    assert "No other time has a place left once the items are ready." in text(page(client, url))

    not_a_number = client.post(f"{url}/move", headers=hx, data={"csrf_token": token, "slot_id": "x"})
    assert not_a_number.status_code == 422
    assert "Choose a time from the list." in not_a_number.get_data(as_text=True)
    too_early = client.post(f"{url}/move", headers=hx,
                            data={"csrf_token": token, "slot_id": str(tonight.id)})
    assert too_early.status_code == 409 and "choose a later one" in too_early.get_data(as_text=True)
    assert "<html" not in too_early.get_data(as_text=True)  # a toast; the form is left as typed
    assert db.session.get(Booking, booking.id).slot_id == later.id


def test_csrf_is_required_to_change_a_booking(client, story, login):
    login(Role.ASSOCIATE, story.rivoli)
    booking = book(story, make_slot(story.rivoli, TONIGHT), [(story.a, 1)])
    response = client.post(f"/appointments/{booking.id}/cancel")
    assert response.status_code == 400 and "This form has expired" in response.get_data(as_text=True)
    assert db.session.get(Booking, booking.id).status == BookingStatus.BOOKED


# --- at or after the appointment ----------------------------------------------------------


def test_after_the_appointment_the_counter_is_linked_once_the_items_are_isolated(client, story, login):
    login(Role.ASSOCIATE, story.rivoli)
    booking = book(story, make_slot(story.rivoli, TONIGHT), [(story.a, 1)])
    started(booking)
    url = f"/appointments/{booking.id}"
    html = text(page(client, url))
    assert "The items are not all isolated in the hold zone yet" in html
    assert "Move the appointment" not in html and "Put the items back" in html

    booking.order.status = OrderStatus.READY
    db.session.commit()
    assert f'href="/counter/orders/{booking.order_id}"' in page(client, url)


def test_nothing_bought_puts_the_items_back(client, story, login):
    login(Role.ASSOCIATE, story.rivoli)
    booking = book(story, make_slot(story.rivoli, TONIGHT), [(story.a, 1)])
    started(booking)
    url = f"/appointments/{booking.id}"
    response = client.post(f"{url}/release", data={"csrf_token": csrf_of_booking(client, booking)})
    assert response.status_code == 303
    html = text(page(client, url))
    assert "Nothing bought: the items went back on the shelves." in html
    assert "Put the items back" not in html and "here" not in html
    assert db.session.get(Booking, booking.id).status == BookingStatus.RELEASED


def test_home_delivery_instead_from_a_marketplace_seller(client, story, login, hx):
    login(Role.ASSOCIATE, story.rivoli)
    offer = factories.marketplace_offer(story.a, "BEST", 45900, shipping_cents=500, lead_time_days=3)
    booking = book(story, make_slot(story.rivoli, TONIGHT), [(story.a, 1)])
    started(booking)
    url = f"/appointments/{booking.id}"
    token = csrf_of_booking(client, booking)
    html = text(page(client, url))
    assert "Seller BEST · €464.00 incl. shipping · 3 days" in html
    line_id = booking.order.lines[0].id
    fields = {"csrf_token": token, "line_id": str(line_id), "offer_id": str(offer.id),
              "address": "12 rue de la Paix, Paris", "latitude": "48.869", "longitude": "2.331"}

    wrong = client.post(f"{url}/home-delivery", headers=hx, data={**fields, "latitude": "north"})
    assert wrong.status_code == 422
    assert "The latitude must be a number from -90 to 90" in wrong.get_data(as_text=True)
    assert db.session.get(Booking, booking.id).status == BookingStatus.BOOKED

    done = client.post(f"{url}/home-delivery", data=fields)
    assert done.status_code == 303
    db.session.expire_all()
    closed = db.session.get(Booking, booking.id)
    assert closed.status == BookingStatus.HOME_DELIVERY
    html = text(page(client, url))
    assert "The customer chose home delivery instead." in html
    assert f"Home-delivery order: {closed.follow_up_order.number}" in html
    assert "Order for home delivery" not in html


# --- the manager's slots -----------------------------------------------------------------


def test_associates_cannot_see_or_publish_slots(client, story, login):
    login(Role.ASSOCIATE, story.rivoli)
    assert client.get("/appointments/slots").status_code == 403
    token = factories.csrf_token(client, "/appointments")
    assert client.post("/appointments/slots", data={"csrf_token": token}).status_code == 403
    assert 'href="/appointments/slots"' not in page(client, "/appointments")


def test_publishing_from_the_form_and_a_bad_time(client, story, manager, hx):
    form = page(client, "/appointments/slots")
    tomorrow = (local(utcnow(), "Europe/Paris") + timedelta(days=1)).date().isoformat()
    assert f'name="day" value="{tomorrow}"' in form and 'value="17:00"' in form
    fields = {"csrf_token": csrf(client), "day": tomorrow, "first": "17:00", "last": "19:00",
              "length_minutes": "30", "capacity": "2", "expertise": "smartphones"}

    bad = client.post("/appointments/slots", headers=hx, data={**fields, "last": "19h"})
    assert bad.status_code == 422
    assert "The last start must be a time such as 17:30." in bad.get_data(as_text=True)
    bad_day = client.post("/appointments/slots", data={**fields, "day": "14/03"})
    assert bad_day.status_code == 422 and "YYYY-MM-DD" in bad_day.get_data(as_text=True)
    assert db.session.scalar(select(AppointmentSlot)) is None

    published = client.post("/appointments/slots", data=fields)
    assert published.status_code == 303
    html = text(page(client, published.location))
    assert "5 slots published" in html and "Tomorrow" in html
    assert html.count("0 / 2 booked") == 5 and "17:00–17:30" in html and "19:00–19:30" in html
    again = client.post("/appointments/slots", data=fields)
    assert "No new slot: these times were already published." in page(client, again.location)


def test_a_slot_nobody_booked_can_be_withdrawn_a_booked_one_cannot(client, story, manager, hx):
    free = make_slot(story.rivoli, IN_THREE_DAYS)
    booked = make_slot(story.rivoli, TONIGHT)
    book(story, booked, [(story.a, 1)])
    theirs = make_slot(story.meaux, IN_THREE_DAYS)
    html = page(client, "/appointments/slots")
    assert f"/appointments/slots/{free.id}/withdraw" in html
    assert f"/appointments/slots/{booked.id}/withdraw" not in html and "1 / 2 booked" in html
    token = csrf(client)

    refused = client.post(f"/appointments/slots/{booked.id}/withdraw", headers=hx,
                          data={"csrf_token": token})
    assert refused.status_code == 409 and "Customers booked this slot" in refused.get_data(as_text=True)
    assert client.post(f"/appointments/slots/{theirs.id}/withdraw",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"/appointments/slots/{free.id}/withdraw",
                       data={"csrf_token": token}).status_code == 303
    assert {s.id for s in db.session.scalars(select(AppointmentSlot))} == {booked.id, theirs.id}


# --- the order page -------------------------------------------------------------------------


def test_the_order_page_leads_to_the_appointment_and_tells_the_far_store_why(client, story, login):
    booking = book(story, make_slot(story.rivoli, IN_THREE_DAYS), [(story.a, 1), (story.b, 1)])
    number = booking.order.number
    db.session.commit()
    when = f"{local(booking.slot.starts_at, 'Europe/Paris'):%H:%M}"

    login(Role.ASSOCIATE, story.rivoli)
    html = page(client, f"/orders/{number}")
    assert f'href="/appointments/{booking.id}"' in html and "Advice appointment" in html

    client.post("/logout", data={"csrf_token": factories.csrf_token(client, f"/orders/{number}")})
    login(Role.ASSOCIATE, story.meaux)  # picks B for it
    html = page(client, f"/orders/{number}")
    assert "Advice appointment at PAR-RIV" in text(html) and when in text(html)
    assert "/appointments/" not in html
