"""API fixtures: a client key, and the contract check against the served OpenAPI document."""
import pytest
from jsonschema import Draft202012Validator

from omni_store.api.openapi import openapi_document
from omni_store.auth.models import ApiClient

API_KEY = "test-api-key"


@pytest.fixture
def api_client_row(db):
    client = ApiClient(name="e-commerce front", key_hash=ApiClient.hash_key(API_KEY))
    db.session.add(client)
    db.session.flush()
    return client


@pytest.fixture
def auth(api_client_row):
    """Headers of an authenticated API call."""
    return {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture
def contract(client):
    """contract(response, "/orders", "post") checks status, media type and body against the
    OpenAPI document the API serves."""
    document = client.get("/api/v1/openapi.json").get_json()
    assert document == openapi_document()

    def check(response, path: str, method: str):
        operation = document["paths"][path][method]
        declared = operation["responses"]
        status = str(response.status_code)
        assert status in declared, f"{method.upper()} {path} answered {status}, not documented"
        (media_type, content), = declared[status]["content"].items()
        assert response.mimetype == media_type
        schema = content["schema"] | {"components": document["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(response.get_json()),
                        key=str)
        assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
        return response.get_json()

    return check
