"""Migration 0013: links and codes written into outbox payloads before it are removed."""
import flask_migrate
from sqlalchemy import text

from omni_store import create_app
from omni_store.extensions import db
from tests.test_migrations import empty_database_url  # noqa: F401  (a fresh database)

LEGACY = ('{"order": "W1", "email": "c@test.example", "link": "https://x.example/p/SECRET", '
          '"pickup_code": "123456"}')


def test_old_payloads_lose_their_link_and_code_and_unsent_ones_name_no_secret(
        empty_database_url):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "t"})
    with app.app_context():
        flask_migrate.upgrade(revision="0012")
        with db.engine.begin() as conn:
            for key, sent in (("ready_for_pickup:sent", "CURRENT_TIMESTAMP"),
                              ("ready_for_pickup:unsent", "NULL")):
                conn.execute(text(
                    "INSERT INTO outbox_event (kind, dedup_key, payload, created_at, sent_at, "
                    f"attempts, last_error) VALUES ('ready_for_pickup', :key, :payload, "
                    f"CURRENT_TIMESTAMP, {sent}, 0, '')"), {"key": key, "payload": LEGACY})
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            payloads = dict(conn.execute(text(
                "SELECT dedup_key, CAST(payload AS TEXT) FROM outbox_event")).all())
        db.engine.dispose()

    assert all("SECRET" not in p and "123456" not in p for p in payloads.values())
    assert '"email": "c@test.example"' in payloads["ready_for_pickup:sent"]
    assert '"pickup_token": null' in payloads["ready_for_pickup:unsent"]  # no link was stored
