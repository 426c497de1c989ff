"""The Host header a request names never reaches a customer: links start at PUBLIC_BASE_URL,
and a host the deployment does not serve is refused before any page is built."""
import pytest
from sqlalchemy import select

from omni_store import create_app
from omni_store.counter import tokens
from omni_store.notify.messages import render
from omni_store.orders.models import Order, OrderStatus
from omni_store.outbox.models import EventKind, OutboxEvent
from omni_store.tasks import picking
from omni_store.tasks.models import TaskKind
from tests import factories
from tests.tasks.conftest import floor, order_at, pick_task, task_of  # noqa: F401


def isolate(client, db, floor, host):  # noqa: F811
    order = order_at(floor.rivoli, (floor.phone, 1))
    picking.record_pick_scan(pick_task(db, order), floor.phone.ean, floor.alice.id, "s1")
    task = task_of(db, order, TaskKind.ISOLATE)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = floor.alice.get_id()
    csrf = factories.csrf_token(client, f"/tasks/{task.id}")
    response = client.post(f"/tasks/{task.id}/isolate", headers={"Host": host},
                           data={"csrf_token": csrf, "slot": "PAR-RIV-H01"})
    db.session.expire_all()
    return response, db.session.get(Order, order.id)


def test_an_unknown_host_is_refused_and_changes_nothing(client, db, floor):  # noqa: F811
    response, order = isolate(client, db, floor, "evil.example")

    assert response.status_code == 400
    assert response.get_data(as_text=True) == "Unknown host."
    assert order.status != OrderStatus.READY
    assert db.session.scalars(select(OutboxEvent)).all() == []


def test_the_ready_email_links_to_the_public_site_whatever_host_the_request_named(
        client, db, floor, app, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://store.example")

    response, order = isolate(client, db, floor, "localhost:8000")  # a trusted, other host
    event = db.session.scalar(select(OutboxEvent).filter_by(kind=EventKind.READY_FOR_PICKUP))
    body = render(event).body

    assert response.status_code == 303 and order.status == OrderStatus.READY
    assert f"https://store.example/p/{tokens.link_token(tokens.order_view_token(order))}" in body
    assert "localhost" not in body


def test_links_inside_a_request_follow_public_base_url_when_it_is_set(app, db, monkeypatch):
    with app.test_request_context("/", base_url="http://localhost:8000"):
        assert tokens.absolute_url("pickup.order_page", token="t") == "http://localhost:8000/p/t"
        monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://store.example/shop/")
        assert tokens.absolute_url("pickup.order_page", token="t") == \
            "https://store.example/shop/p/t"


@pytest.mark.parametrize("environment, trusted", [
    ({}, ["localhost", "127.0.0.1"]),
    ({"PUBLIC_BASE_URL": "https://store.example"}, ["localhost", "127.0.0.1", "store.example"]),
    ({"TRUSTED_HOSTS": " app.internal , 10.0.0.5", "PUBLIC_BASE_URL": "https://store.example"},
     ["app.internal", "10.0.0.5", "store.example"]),
])
def test_trusted_hosts_come_from_the_environment(monkeypatch, environment, trusted):
    for name in ("TRUSTED_HOSTS", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("omni_store.config.Config.PUBLIC_BASE_URL",
                        environment.get("PUBLIC_BASE_URL", ""))

    app = create_app({"SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    client = app.test_client()

    assert app.config["TRUSTED_HOSTS"] == trusted
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"Host": f"{trusted[-1]}:8443"}).status_code == 200
