"""The sourcing admin screen: admins only, validated weights, a simulation that writes nothing."""
import pytest
from sqlalchemy import func, select

from omni_store.auth.models import Role
from omni_store.inventory.models import StockLevel, StockMovement
from omni_store.orders.models import Allocation, Order, SourcingSettings
from omni_store.orders.weighted_rules import SETTING_FIELDS
from tests import factories
from tests.orders.conftest import shelve


def valid_form(**overrides):
    form = {field.name: "0" for field in SETTING_FIELDS}
    form.update(distance_weight="1", carbon_kg_per_km="0.15", target_cover_days="30",
                daily_demand_units="0.5")
    form.update(overrides)
    return form


@pytest.mark.parametrize("role", [Role.ASSOCIATE, Role.MANAGER])
def test_only_an_admin_reaches_the_screen(client, login, chain, db, role):
    login(role, chain.rivoli)

    token = factories.csrf_token(client, "/")  # a valid form: refused for the role alone
    page = client.get("/admin/sourcing")
    saved = client.post("/admin/sourcing", data=valid_form(transport_weight="9", csrf_token=token))
    simulated = client.get("/admin/sourcing/simulate?lines=PHONE-A&store=PAR-RIV")

    for response in (page, saved, simulated):
        assert response.status_code == 403
        assert "You are not allowed to see this page." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SourcingSettings)) == 0


def test_the_nav_shows_sourcing_to_admins_only(client, login, chain):
    login(Role.MANAGER, chain.rivoli)
    assert "/admin/sourcing" not in client.get("/").get_data(as_text=True)

    login(Role.ADMIN)
    page = client.get("/admin/sourcing").get_data(as_text=True)
    assert 'href="/admin/sourcing"' in page
    assert 'value="1.0"' in page  # the default distance weight, before anything is saved


def test_an_admin_saves_the_weights(client, login, chain, db):
    login(Role.ADMIN)
    token = factories.csrf_token(client, "/admin/sourcing")

    response = client.post("/admin/sourcing",
                           data=valid_form(transport_weight="12,5", csrf_token=token))

    assert response.status_code == 303
    saved = db.session.scalar(select(SourcingSettings))
    assert saved.transport_weight == 12.5
    assert "Sourcing rules saved." in client.get(response.location).get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [
    ("distance_weight", "lots", "Distance (per km): please enter a number."),
    ("carbon_weight", "-1", "Carbon (per kg CO2e): enter a number from 0 to 1000."),
    ("daily_demand_units", "0", "enter a number above 0 and up to 10000."),
    ("split_weight", "nan", "enter a number from 0 to 1000."),
])
def test_bad_weights_are_refused_and_nothing_is_saved(client, login, chain, db, hx, field, value,
                                                       message):
    login(Role.ADMIN)
    token = factories.csrf_token(client, "/admin/sourcing")

    response = client.post("/admin/sourcing", headers=hx,
                           data=valid_form(**{field: value, "csrf_token": token}))

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SourcingSettings)) == 0


def row_counts(db):
    return (
        db.session.scalar(select(func.count()).select_from(Allocation)),
        db.session.scalar(select(func.count()).select_from(Order)),
        db.session.scalar(select(func.count()).select_from(StockMovement)),
        db.session.scalar(select(func.sum(StockLevel.allocated))),
    )


def test_simulate_explains_the_choice_and_writes_nothing(client, login, chain, db, hx):
    chain.rivoli.does_pickup = True
    shelve(db, chain.bastille, chain.phone, 5)
    shelve(db, chain.defense, chain.phone, 5)
    db.session.add(SourcingSettings())
    db.session.commit()
    login(Role.ADMIN)
    before = row_counts(db)

    response = client.get("/admin/sourcing/simulate?lines=PHONE-A+2&store=PAR-RIV", headers=hx)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "PAR-BAS chosen: 1.8 km, shuttle, 0.3 kg CO2e; runner-up PAR-DEF" in page
    assert row_counts(db) == before


@pytest.mark.parametrize("query, message", [
    ("lines=PHONE-A+two&store=PAR-RIV", "Write one SKU and a quantity per line"),
    ("lines=NOPE+1&store=PAR-RIV", "Unknown SKU: NOPE"),
    ("lines=&store=PAR-RIV", "An order needs at least one line."),
    ("lines=PHONE-A+1&store=XX", "Unknown store: XX"),
])
def test_simulate_refuses_bad_input_clearly(client, login, chain, db, hx, query, message):
    login(Role.ADMIN)

    response = client.get(f"/admin/sourcing/simulate?{query}", headers=hx)

    assert 400 <= response.status_code < 500
    assert message in response.get_data(as_text=True)
