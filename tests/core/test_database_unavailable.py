"""A database that cannot answer: a clear 503 everywhere, never a 500, and the next request
once it is back works without a restart."""
import sqlite3

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from omni_store.auth.models import Role
from omni_store.core import database
from omni_store.core.hooks import DATABASE_RETRY_AFTER_SECONDS
from omni_store.orders.models import Order
from omni_store.tasks.models import Task
from tests import factories
from tests.api.test_orders import order_body

UNREACHABLE = "The store system is unreachable right now. Nothing was saved; try again in a moment."


@pytest.fixture
def database_down(db):
    """down() refuses every new connection, as a stopped server does, and drops the
    pooled ones; up() lets connections through again. Returns the pair."""
    engine = db.engine
    dbapi_error = engine.dialect.loaded_dbapi.OperationalError
    message = ("connection failed: Connection refused" if engine.dialect.name == "postgresql"
               else "unable to open database file")

    def refuse(*_args):
        raise dbapi_error(message)

    def down():
        db.session.commit()
        engine.dispose()
        event.listen(engine, "do_connect", refuse)

    def up():
        event.remove(engine, "do_connect", refuse)

    yield down, up
    if event.contains(engine, "do_connect", refuse):
        up()


def _orders(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Order))


def test_the_api_answers_503_with_retry_after_then_serves_again(client, db, auth, database_down,
                                                                caplog):
    down, up = database_down
    factories.product("PH-A")
    down()

    response = client.get("/api/v1/products", headers=auth)

    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert response.get_json() == {"type": "about:blank", "title": "Service unavailable",
                                   "status": 503, "detail": UNREACHABLE}
    warnings = [r for r in caplog.records if "database unreachable" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].exc_info is None
    up()
    assert client.get("/api/v1/products", headers=auth).status_code == 200


def test_an_order_refused_while_down_is_placed_once_by_its_retry(client, db, auth, database_down):
    down, up = database_down
    factories.stock(factories.store("PAR-RIV"), factories.product("PH-A"), 3)
    down()
    headers = auth | {"Idempotency-Key": "during-outage"}

    refused = client.post("/api/v1/orders", json=order_body(), headers=headers)

    assert refused.status_code == 503 and "Retry-After" in refused.headers
    up()
    assert _orders(db) == 0
    retried = client.post("/api/v1/orders", json=order_body(), headers=headers)
    assert retried.status_code == 201
    assert client.post("/api/v1/orders", json=order_body(), headers=headers).get_json() == (
        retried.get_json())
    assert _orders(db) == 1


def test_a_staff_screen_shows_the_clear_page_or_toast(client, db, login, hx, database_down):
    down, up = database_down
    login(Role.ASSOCIATE, factories.store())
    down()

    page = client.get("/")
    fragment = client.get("/", headers=hx)

    assert page.status_code == fragment.status_code == 503
    assert UNREACHABLE in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert 'class="toast toast-error"' in fragment.get_data(as_text=True)
    assert UNREACHABLE in fragment.get_data(as_text=True)
    up()
    assert client.get("/").status_code == 200


def test_the_clear_page_speaks_french(client, db, login, database_down, french_catalogue):
    down, _up = database_down
    login(Role.ASSOCIATE, factories.store())
    down()

    page = client.get("/", headers={"Accept-Language": "fr"})

    assert page.status_code == 503
    assert "Le système du magasin est injoignable pour le moment" in page.get_data(as_text=True)


def test_a_connection_lost_at_commit_saves_nothing_and_the_next_request_works(client, db, login):
    store = factories.store()
    login(Role.ASSOCIATE, store)
    task_id = factories.task(store).id
    token = factories.csrf_token(client, "/")
    dbapi_error = db.engine.dialect.loaded_dbapi.OperationalError

    def connection_lost(_connection):
        raise OperationalError("COMMIT", None, dbapi_error("server closed the connection"),
                               connection_invalidated=True)

    event.listen(db.engine, "commit", connection_lost)
    try:
        lost = client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token, "next": "/"})
    finally:
        event.remove(db.engine, "commit", connection_lost)

    assert lost.status_code == 503 and UNREACHABLE in lost.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Task, task_id).assignee_id is None
    again = client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token, "next": "/"})
    assert again.status_code == 303
    db.session.expire_all()
    assert db.session.get(Task, task_id).assignee_id is not None


def test_a_sqlite_file_locked_past_the_busy_timeout_is_503(client, db, login, monkeypatch):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    store = factories.store()
    login(Role.ASSOCIATE, store)
    task_id = factories.task(store).id
    token = factories.csrf_token(client, "/")
    waits = database.SQLITE_BUSY_TIMEOUT_MS
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 50)
    db.session.commit()
    db.engine.dispose()  # new connections wait 50 ms for the lock, not 15 s
    other_writer = sqlite3.connect(db.engine.url.database, isolation_level=None)
    other_writer.execute("BEGIN IMMEDIATE")
    try:
        locked = client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token, "next": "/"})
    finally:
        other_writer.rollback()
        other_writer.close()
        # Back to the real wait before any new connection: a pooled one that kept 50 ms made
        # later tests' concurrent writers fail with "database is locked" now and then.
        monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", waits)
        db.engine.dispose()

    assert locked.status_code == 503 and UNREACHABLE in locked.get_data(as_text=True)
    assert client.post(f"/tasks/{task_id}/claim",
                       data={"csrf_token": token, "next": "/"}).status_code == 303
