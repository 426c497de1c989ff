"""The OpenAPI document describes every route of the API, and its schemas are whole."""
from jsonschema import Draft202012Validator

from omni_store.api.openapi import openapi_document
from omni_store.catalog.models import Product
from omni_store.core.forms import column_length
from omni_store.core.hooks import DATABASE_RETRY_AFTER_SECONDS
from omni_store.demo import catalog_data as demo_catalog
from omni_store.demo import network_data as demo_network
from omni_store.demo import stock_data as demo_stock
from omni_store.inventory.models import StockMovement
from omni_store.network.models import Location
from omni_store.orders.models import Customer, Order
from tests.api.test_orders import order_body
from tests.core.test_database_unavailable import database_down  # noqa: F401 (a fixture)


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


def _operations():
    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_its_405_allow_and_503_retry_after():
    for path, method, operation in _operations():
        responses = operation["responses"]
        assert responses["405"]["headers"]["Allow"]["required"], (path, method)
        assert responses["503"]["headers"]["Retry-After"]["required"], (path, method)
        if method == "post":
            assert "Idempotency-Key" in {p["name"] for p in operation["parameters"]}
            assert "Retry-After" in responses["409"]["headers"], path
            assert {"400", "404", "409", "422"} <= set(responses), path


def test_text_bounds_are_those_of_the_columns_the_values_land_in():
    schemas = openapi_document()["components"]["schemas"]
    customer = schemas["OrderRequest"]["properties"]["customer"]["properties"]
    pickup = schemas["OrderRequest"]["properties"]["delivery"]["oneOf"][0]["properties"]
    movement = schemas["StockMovementBatch"]["properties"]["movements"]["items"]["oneOf"][0]
    bounds = [
        (customer["email"], Customer.email), (customer["first_name"], Customer.first_name),
        (customer["last_name"], Customer.last_name), (customer["phone"], Customer.phone),
        (pickup["store"], Location.code), (pickup["address"], Order.ship_address),
        (schemas["OrderLineRequest"]["properties"]["sku"], Product.sku),
        (movement["properties"]["location"], Location.code),
        (schemas["CancelRequest"]["properties"]["reason"], StockMovement.note),
    ]
    for schema, column in bounds:
        assert schema["maxLength"] == column_length(column), column


def test_every_operation_answers_503_as_documented_while_the_database_is_down(
        client, db, auth, contract, database_down):  # noqa: F811 (the fixture imported)
    down, _up = database_down
    down()
    for path, method, operation in _operations():
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        url = "/api/v1" + path.format(number="W000001", code="PAR-RIV")
        response = client.open(url, method=method.upper(), headers=auth, json=body.get("example"))
        assert contract(response, path, method) and response.status_code == 503, (path, method)
        assert response.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)


def _examples(node, key=None):
    """(name, value) of every example value in the document: parameter and body examples,
    named by their parameter or field."""
    if isinstance(node, dict):
        if "example" in node:
            yield from _example_values(node["example"], node.get("name"))
        for name, value in node.items():
            if name != "example":
                yield from _examples(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _examples(value, key)


def _example_values(example, name):
    if isinstance(example, dict):
        for field, value in example.items():
            yield from _example_values(value, field)
    elif isinstance(example, list):
        for value in example:
            yield from _example_values(value, name)
    else:
        yield name, example


def test_the_examples_name_the_demo_chain_so_they_work_against_a_demo_server():
    """The API does not import the demo: its examples are literals, checked here."""
    examples = set(_examples(openapi_document()))
    skus = {value for name, value in examples if name == "sku"}
    stores = {value for name, value in examples if name in ("store", "code", "location")}
    assert skus and stores
    assert skus <= {row.sku for row in demo_catalog.products()}
    assert stores <= {row.code for row in demo_network.STORES}
    order = openapi_document()["paths"]["/orders"]["post"]["requestBody"]["content"][
        "application/json"]["example"]
    (line,) = order["lines"]
    store = order["delivery"]["store"]
    assert demo_stock.AT_LEAST[line["sku"]][store] >= line["qty"]  # a pickup the demo can take
