"""The OpenAPI document describes every route of the API, and its schemas are whole."""
from jsonschema import Draft202012Validator

from omni_store.api.openapi import openapi_document
from tests.api.test_orders import order_body


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_api_route_is_documented(app):
    document = openapi_document()
    routes = {
        (rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}"), method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes - {("/openapi.json", "get")} == documented


def test_every_reference_resolves_and_every_schema_is_valid():
    document = openapi_document()
    schemas = document["components"]["schemas"]
    for ref in _refs(document):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)


def test_every_operation_answers_401_and_documents_its_errors():
    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            assert "401" in operation["responses"], (path, method)
            for status, response in operation["responses"].items():
                (media_type,) = response["content"]
                expected = "application/json" if status < "400" else "application/problem+json"
                assert media_type == expected, (path, method, status)


def test_request_bodies_the_tests_send_match_the_document():
    document = openapi_document()

    def valid(schema_name, body):
        schema = {"$ref": f"#/components/schemas/{schema_name}",
                  "components": document["components"]}
        return not list(Draft202012Validator(schema).iter_errors(body))

    assert valid("OrderRequest", order_body())
    assert valid("OrderRequest", order_body(method="home", store=None, address="1 rue X",
                                            latitude=48.8, longitude=2.3))
    assert not valid("OrderRequest", order_body(method="teleport"))
    assert not valid("OrderRequest", order_body() | {"lines": []})
    assert valid("OrderRequest", order_body(method="reserve", appointment_slot=7))
    assert not valid("OrderRequest", order_body(method="reserve",
                                                appointment_at="2030-01-01T18:00:00+01:00"))
    assert valid("MoveAppointmentRequest", {"slot": 7})
    assert not valid("MoveAppointmentRequest", {"slot": "7"})
    assert valid("OrderLineRequest", {"sku": "PHN-B", "qty": 1})
    assert not valid("OrderLineRequest", {"sku": "PHN-B", "qty": 0})
    assert valid("StockMovementBatch", {"movements": [
        {"location": "PAR-RIV", "sku": "PH-A", "kind": "count", "quantity": 0}]})
    assert not valid("StockMovementBatch", {"movements": [
        {"location": "PAR-RIV", "sku": "PH-A", "kind": "theft", "quantity": 1}]})
