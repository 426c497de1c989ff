"""Fixtures: one schema per run, every table emptied after each test.

Set TEST_DATABASE_URL (postgresql+psycopg://...) to run the suite on PostgreSQL;
the default is a SQLite file in a temporary folder (a file, so threads share it).
"""
import os
from datetime import datetime, timedelta

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from omni_store import create_app
from omni_store.core import clock as core_clock
from omni_store.extensions import db as _db
from omni_store.extensions import limiter
from tests import factories


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    )


class FreshContextClient(FlaskClient):
    """Each request runs in its own application context, as in production.

    Otherwise requests would reuse the `db` fixture's context, and whatever Flask-Login
    or Flask-Babel cached in `g` (the signed-in user, the locale) would leak from one
    request into the next. What the test set up is committed first, as it would be
    before a real request, and the test's open transaction (which on SQLite would hold
    the write lock) ends.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            _db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
        }
    )
    app.test_client_class = FreshContextClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    return app


@pytest.fixture
def db(app):
    """An application context on an empty database; everything is wiped afterwards."""
    with app.app_context():
        yield _db
        _db.session.remove()
        empty_all_tables()
    limiter.reset()


def empty_all_tables():
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def login(client, db):
    """login(role, store) -> the signed-in user; the client carries their session."""

    def _login(role, store=None, **user_fields):
        user = factories.user(role, store, **user_fields)
        _db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return _login


class FrozenClock:
    """'now' for the whole app: every module reads core.clock.utcnow, which returns this
    moment while the test runs. A test sets `moment`, or moves it on with `advance`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, moment: datetime):
        self._monkeypatch = monkeypatch
        self.moment = moment

    @property
    def moment(self) -> datetime:
        return core_clock.frozen_at

    @moment.setter
    def moment(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the clock holds timezone-aware moments (UTC)")
        self._monkeypatch.setattr(core_clock, "frozen_at", moment)

    def advance(self, delta: timedelta | None = None, **units: float) -> datetime:
        self.moment = self.moment + (delta or timedelta(**units))
        return self.moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def clock(monkeypatch):
    """Freezes 'now' for the whole app, at the real now until the test sets another moment."""
    return FrozenClock(monkeypatch, core_clock.utcnow())


@pytest.fixture
def hx():
    """Headers of an htmx request (a fragment is expected back)."""
    return {"HX-Request": "true"}
