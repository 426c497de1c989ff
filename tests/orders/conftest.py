from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from omni_store.inventory.models import StockLevel
from omni_store.network.models import ZoneKind
from tests import factories

# A Tuesday, 10:00 in Paris (UTC+1 in winter).
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

RIVOLI = (48.8600, 2.3470)
BASTILLE = (48.8532, 2.3691)  # 1.8 km from Rivoli
DEFENSE = (48.8918, 2.2362)  # 8.8 km from Rivoli
LYON = (45.7640, 4.8357)  # 392 km from Rivoli
GENNEVILLIERS = (48.9333, 2.3000)  # a warehouse, 8.8 km from Rivoli
COURBEVOIE = (48.8950, 2.2500)  # a customer: 1.1 km from La Défense, 5.6 from the warehouse


@pytest.fixture(autouse=True)
def now(clock):
    """The whole app sees a fixed 'now' so that promises and due times can be asserted."""
    clock.moment = NOW
    return NOW


@pytest.fixture
def chain(db):
    """Four stores, a warehouse and a supplier; Rivoli is where customers collect."""
    return SimpleNamespace(
        rivoli=factories.store("PAR-RIV", *RIVOLI),
        bastille=factories.store("PAR-BAS", *BASTILLE),
        defense=factories.store("PAR-DEF", *DEFENSE, does_ship_from_store=False),
        lyon=factories.store("LYS-CTR", *LYON),
        warehouse=factories.warehouse("WH-GEN", *GENNEVILLIERS),
        supplier=factories.supplier("SUP-TECH", lead_time_days=3),
        phone=factories.product("PHONE-A", "Phone A"),
    )


def shelve(db, location, product, on_hand):
    """Stock on a sales-floor zone of the location; returns the zone."""
    factories.stock(location, product, on_hand)
    zone = factories.zone(location, ZoneKind.SALES_FLOOR)
    level = db.session.scalar(
        select(StockLevel).filter_by(location_id=location.id, product_id=product.id)
    )
    level.zone_id = zone.id
    db.session.flush()
    return zone
