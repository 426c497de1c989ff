"""Schemathesis against the API's own document, every check on, in-process on the demo chain.

For each operation: requests the document allows (never refused as malformed: 2xx, 404 or
409), requests it forbids (always a 4xx), and what every answer must be (documented status,
media type, body, headers; 401 without the key; 405 with Allow). Then the stateful phase
follows the document's links (an order placed, read, its appointment moved, cancelled).
Derandomized: the same examples every run, so CI does not flake.
"""
from itertools import count

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from omni_store.api.idempotency import MAX_KEY_LENGTH
from omni_store.api.openapi import openapi_document
from omni_store.demo import people_data
from omni_store.extensions import db as _db
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
schema = schemathesis.openapi.from_dict(openapi_document())
schema.app = served
_fresh = count(1)


@schema.auth()
class _ApiKey:
    """The demo chain's API client, on every request (the checks take it off to see a 401)."""

    def get(self, _case, _context):
        return people_data.API_CLIENT_KEY

    def set(self, case, key, _context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {key}"}


def fresh_idempotency_key(case) -> None:
    """A client sends a fresh Idempotency-Key with each new request: generated keys repeat,
    and one sent again with another body is rightly refused (the document says so)."""
    key = (case.headers or {}).get("Idempotency-Key")
    if key and len(key) <= MAX_KEY_LENGTH:  # as long as the generated one: a bound is tested
        fresh = f"{next(_fresh)}-"
        case.headers["Idempotency-Key"] = (fresh + key)[:max(len(key), len(fresh))]


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
    fresh_idempotency_key(case)
    case.call_and_validate()


class Workflow(schema.as_state_machine()):
    def before_call(self, case):
        fresh_idempotency_key(case)


def test_workflows_along_the_links_answer_as_documented(demo_chain):
    Workflow.run(settings=settings(max_examples=25, stateful_step_count=6, **SETTINGS))
