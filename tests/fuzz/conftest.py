"""The demo chain, seeded once for each module, and what the fuzz tests watch."""
import re

import pytest
from sqlalchemy import event, select

from omni_store.auth.models import User
from omni_store.extensions import db as _db
from tests.conftest import empty_all_tables
from tests.factories import csrf_token

STORE = "PAR-RIV"
MANAGER, ADMIN = "manager@rivoli.demo", "admin@omni.demo"


@pytest.fixture(scope="module")
def seeded_chain(app):
    with app.app_context():
        seeded = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert seeded.exit_code == 0, seeded.output
        _db.session.remove()
        yield
        _db.session.remove()
        empty_all_tables()


def signed_in(app, email: str):
    """A client signed in as the demo user `email`, and its CSRF token."""
    client = app.test_client()
    with app.app_context():
        user = _db.session.scalar(select(User).filter_by(email=email))
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user.get_id(), True
        _db.session.remove()
    return client, csrf_token(client, "/admin/sourcing" if email == ADMIN else "/board/")


class CommittedWrites:
    """The tables that INSERT, UPDATE or DELETE statements wrote and then committed."""

    WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)

    def __init__(self, engine):
        self.engine, self.pending, self.committed = engine, set(), set()

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "rollback", self._rollback)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)

    def _statement(self, _conn, _cursor, statement, _params, _context, _many):
        if found := self.WRITE.match(statement):
            self.pending.add(found.group(2).lower())

    def _commit(self, _conn):
        self.committed |= self.pending
        self.pending = set()

    def _rollback(self, _conn):
        self.pending = set()
