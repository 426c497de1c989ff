"""Chain stock: reserving for the customer in front of the associate with an advice
appointment the items can be here for."""
import re
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from sqlalchemy import func, select

from omni_store.appointments import services
from omni_store.appointments.models import Booking, BookingStatus
from omni_store.auth.models import Role
from omni_store.core.clock import as_utc
from omni_store.extensions import db
from omni_store.orders.models import Order
from tests import factories
from tests.appointments import conftest as appointments_conftest
from tests.appointments.conftest import IN_THREE_DAYS, TONIGHT, make_slot, reservation

story = appointments_conftest.story


@pytest.fixture
def associate(login, story):
    return login(Role.ASSOCIATE, story.rivoli)


def offered_slots(client, sku) -> list[str]:
    html = client.get("/stock", query_string={"q": sku}).get_data(as_text=True)
    select_html = re.search(r'<select name="slot">(.*?)</select>', html, re.S)
    return re.findall(r'<option value="([^"]*)"', select_html.group(1)) if select_html else []


def reserve(client, sku="PHN-A", source="PAR-RIV", **fields):
    form = {"csrf_token": factories.csrf_token(client, f"/stock?q={sku}"), "sku": sku,
            "source": source, "first_name": "Léa", "email": "lea@test.example",
            "quantity": "1", **fields}
    return client.post("/stock/reserve", data=form)


def orders() -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def store_time(slot, store) -> str:
    return format_datetime(as_utc(slot.starts_at), "EEE d MMM HH:mm",
                           tzinfo=ZoneInfo(store.timezone), locale="en")


def test_the_form_offers_only_slots_the_product_can_be_here_for(client, associate, story):
    tonight = make_slot(story.rivoli, TONIGHT, capacity=3)
    later = make_slot(story.rivoli, IN_THREE_DAYS, expertise="")
    make_slot(story.meaux, IN_THREE_DAYS)  # another store's
    db.session.commit()

    assert offered_slots(client, "PHN-A") == ["", str(tonight.id), str(later.id)]
    assert offered_slots(client, "PHN-C") == ["", str(later.id)]  # two days from the supplier
    html = client.get("/stock", query_string={"q": "PHN-A"}).get_data(as_text=True)
    assert (f"{store_time(tonight, story.rivoli)} · smartphones · 3 places left" in html
            and "No appointment" in html and "general advice · 2 places left" in html)


def test_without_a_slot_the_item_can_make_the_form_says_so(client, associate, story):
    make_slot(story.rivoli, TONIGHT)
    db.session.commit()

    html = client.get("/stock", query_string={"q": "PHN-C"}).get_data(as_text=True)

    assert offered_slots(client, "PHN-C") == []
    assert "No advice appointment this item can be here for." in html


def test_reserving_with_a_slot_books_it(client, associate, story):
    slot = make_slot(story.rivoli, TONIGHT)
    db.session.commit()

    response = reserve(client, slot=str(slot.id))

    assert response.status_code == 303
    booking = db.session.scalar(select(Booking))
    order = booking.order
    assert (booking.slot_id, booking.status) == (slot.id, BookingStatus.BOOKED)
    assert as_utc(order.appointment_at) == as_utc(slot.starts_at)
    assert [a.location.code for a in order.lines[0].allocations] == ["PAR-RIV"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (f"Order {order.number} placed, appointment {store_time(slot, story.rivoli)}."
            in html)
    assert f'href="/appointments/{booking.id}"' in html


def test_reserving_without_a_slot_books_nothing(client, associate, story):
    make_slot(story.rivoli, TONIGHT)
    db.session.commit()

    response = reserve(client, slot="")

    assert response.status_code == 303
    order = db.session.scalar(select(Order))
    assert (order.appointment_at, db.session.scalar(select(Booking))) == (None, None)
    assert f"Order {order.number} placed." in client.get(response.headers["Location"]).get_data(
        as_text=True)


@pytest.mark.parametrize("slot, status, message", [
    ("full", 409, "fully booked: choose another time"),
    ("meaux", 422, "This appointment is at MEA-CTR: reserve the items there."),
    ("tonight", 409, "after this appointment"),  # C cannot be here tonight
    ("soon", 422, "Choose an appointment slot from the list."),
    ("999999", 404, "This appointment slot does not exist."),
])
def test_a_slot_that_cannot_be_booked_says_why_and_places_nothing(client, associate, story, hx,
                                                                  slot, status, message):
    full = make_slot(story.rivoli, IN_THREE_DAYS, capacity=1)
    services.reserve_with_appointment(reservation(story.rivoli, [(story.a, 1)],
                                                  email="first@test.example"), full.id)
    slots = {"full": full.id, "meaux": make_slot(story.meaux, IN_THREE_DAYS).id,
             "tonight": make_slot(story.rivoli, TONIGHT).id}
    db.session.commit()
    sku = "PHN-C" if slot == "tonight" else "PHN-A"
    source = "SUP-TEL" if sku == "PHN-C" else "PAR-RIV"

    response = reserve(client, sku, source, slot=str(slots.get(slot, slot)), **hx)

    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert orders() == 1  # only the first customer's
