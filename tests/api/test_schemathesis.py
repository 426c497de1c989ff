"""Schemathesis against the API's own document, every check on, in-process on the demo chain.

For each operation: requests the document allows (never refused as malformed: 2xx, 404 or
409), requests it forbids (always a 4xx), and what every answer must be (documented status,
media type, body, headers; 401 without the key; 405 with Allow). Then the stateful phase
follows the document's links (an order placed, read, its appointment moved, cancelled).
Derandomized: the same examples every run, so CI does not flake.
"""
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import func, select

from omni_store.api.openapi import openapi_document
from omni_store.extensions import db as _db
from omni_store.orders.models import Order
from tests.api import schemathesis_hooks  # noqa: F401 (registers them)
from tests.conftest import empty_all_tables

SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


class _SessionApp:
    """The tests' app as a WSGI app, known once its fixture ran: schemathesis wants one
    when the module is imported, and the app's database is made per test session."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


served = _SessionApp()
# The demo's API key and the hooks, as for a run against a server.
CONFIG = schemathesis.Config.from_path(Path(__file__).with_name("schemathesis.toml"))
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)
schema.app = served


@pytest.fixture(scope="module")
def demo_chain(app):
    """The demo chain (its SKUs, stores, slots and orders), shared by the module's tests:
    what they write stays for the next, as on a real server; emptied at the end."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    served.app = app
    yield app
    with app.app_context():
        _db.session.remove()
        empty_all_tables()


def test_the_served_document_is_the_one_tested(demo_chain):
    served_document = demo_chain.test_client().get("/api/v1/openapi.json").get_json()
    assert served_document == openapi_document()


@schema.parametrize()
@settings(max_examples=25, **SETTINGS)
def test_every_operation_answers_as_documented(case, demo_chain):
    case.call_and_validate()


def _orders(app) -> int:
    with app.app_context():
        return _db.session.scalar(select(func.count()).select_from(Order))


def test_workflows_along_the_links_answer_as_documented(demo_chain):
    before = _orders(demo_chain)
    schema.as_state_machine().run(
        settings=settings(max_examples=25, stateful_step_count=6, **SETTINGS))
    assert _orders(demo_chain) > before  # authenticated, and past the checks to the chain
