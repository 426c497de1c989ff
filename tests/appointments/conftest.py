from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from omni_store.appointments.models import AppointmentSlot
from omni_store.core.clock import utcnow
from omni_store.extensions import db
from omni_store.network.models import ZoneKind
from omni_store.orders.models import DeliveryMethod
from tests import factories

RIVOLI = (48.8600, 2.3470)
MEAUX = (48.9601, 2.8788)  # 40 km from Rivoli


@pytest.fixture
def story(db):
    """The acceptance story's chain: phone A at Rivoli (the customer's store), B only at a
    store 40 km away (shuttle at 08:00), C only at a supplier (2 days' dropship)."""
    rivoli = factories.store("PAR-RIV", *RIVOLI, name="Rivoli")
    meaux = factories.store("MEA-CTR", *MEAUX, name="Meaux")
    supplier = factories.supplier("SUP-TEL", lead_time_days=2)
    factories.shuttle_route(meaux, rivoli, departure_times=("08:00",), transit_minutes=90)
    phone_a = factories.product("PHN-A", "Phone A")
    phone_b = factories.product("PHN-B", "Phone B")
    phone_c = factories.product("PHN-C", "Phone C")
    factories.stock(rivoli, phone_a, 3)
    factories.stock(meaux, phone_b, 2)
    factories.stock(supplier, phone_c, 10)
    for store in (rivoli, meaux):
        factories.zone(store, ZoneKind.HOLD, code=f"{store.code}-H1", capacity=10)
    return SimpleNamespace(rivoli=rivoli, meaux=meaux, supplier=supplier,
                           a=phone_a, b=phone_b, c=phone_c)


def make_slot(store, starts_in: timedelta, capacity=2, expertise="smartphones",
              length_minutes=30) -> AppointmentSlot:
    slot = AppointmentSlot(location_id=store.id, starts_at=at_minute(utcnow() + starts_in),
                           length_minutes=length_minutes, capacity=capacity, expertise=expertise)
    db.session.add(slot)
    db.session.flush()
    return slot


def at_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def reservation(store, lines, email="lea@test.example", **fields):
    return factories.order_request(lines, DeliveryMethod.RESERVE, store, email=email,
                                   first_name="Léa", **fields)


TONIGHT = timedelta(hours=4)  # phone A (picked here) is ready; B and C are not
IN_THREE_DAYS = timedelta(days=3)  # every phone of the story can be there
