"""The OpenAPI 3.1 description of the API v1; tests check the real responses against it,
and schemathesis checks that the API refuses exactly what it forbids (tests/api).

The paths are here, the bodies in openapi_schemas.py. Every bound of a request comes from
the constants parsing.py reads it with.
"""
from omni_store.api.openapi_schemas import SCHEMAS, ref, text_schema, whole_schema
from omni_store.api.parsing import (
    CODE_PATTERN,
    DEFAULT_LOCATIONS,
    EXPERTISE_LENGTH,
    LOCATION_CODE_LENGTH,
    MAX_LOCATIONS,
    MAX_ORDER_LINES,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_QUERY_LENGTH,
    ORDER_NUMBER_LENGTH,
    SKU_LENGTH,
    SKU_QUANTITY_LENGTH,
    SKU_QUANTITY_PATTERN,
    TEXT_PATTERN,
)
from omni_store.core.hooks import DATABASE_RETRY_AFTER_SECONDS
from omni_store.orders.intake import MAX_LINE_QUANTITY


def _header(description: str, schema: dict, required: bool = False) -> dict:
    return {"description": description, "required": required, "schema": schema}


_RETRY_AFTER = {"type": "string", "pattern": "^[0-9]+$"}
_LOCATION = _header("the order's URL (not on a replayed answer)", {"type": "string"})
_REPLAYED = _header("true: the stored answer to the first request with this Idempotency-Key",
                    {"type": "string", "enum": ["true"]})


def _json(schema: str, description: str, **headers) -> dict:
    response = {"description": description,
                "content": {"application/json": {"schema": ref(schema)}}}
    return response | ({"headers": headers} if headers else {})


def _problem(description: str, **headers) -> dict:
    response = {"description": description,
                "content": {"application/problem+json": {"schema": ref("Problem")}}}
    return response | ({"headers": headers} if headers else {})


# What every operation may answer, whatever it is asked.
_ANY_OPERATION = {
    "401": _problem("no, unknown or disabled API key", **{"WWW-Authenticate": _header(
        "the scheme to authenticate with", {"type": "string"}, required=True)}),
    "405": _problem("a method this path does not take", Allow=_header(
        "the methods it takes", {"type": "string"}, required=True)),
    "503": _problem("the store system cannot reach its database right now; nothing was "
                    "saved, and the same request succeeds once it is back", **{
                        "Retry-After": _header(
                            f"seconds to wait ({DATABASE_RETRY_AFTER_SECONDS})",
                            _RETRY_AFTER, required=True)}),
}
_BAD_PARAMETER = {"422": _problem("a parameter the document does not allow (the field is "
                                  "named)")}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": ("Retrying with the same key and body replays the first success; the "
                    "same key with another body is a 422; while the first is running, a 409 "
                    "with Retry-After. A refused request does not keep its key."),
}


def _write_responses(not_found: str, refused: str) -> dict:
    """An idempotent write: a body to read, things it names, the chain's state to obey."""
    return {
        "400": _problem("the body is not JSON: not UTF-8, not JSON (a NaN, a U+0000 outside "
                        "a string), or nested too deep to read"),
        "404": _problem(not_found),
        "409": _problem(refused + "; or the same Idempotency-Key is in flight", **{
            "Retry-After": _header("in flight: seconds before retrying", _RETRY_AFTER)}),
        "422": _problem("a body the document does not allow (the field is named), or the "
                        "Idempotency-Key was used with another body"),
    }


_NUMBER = {"name": "number", "in": "path", "required": True,
           "schema": {"type": "string", "maxLength": ORDER_NUMBER_LENGTH,
                      "pattern": CODE_PATTERN}, "example": "W000015"}
_ORDER_LINKS = {
    "GetOrder": {"operationId": "getOrder", "parameters": {"number": "$response.body#/number"}},
    "CancelOrder": {"operationId": "cancelOrder",
                    "parameters": {"number": "$response.body#/number"}},
    "MoveAppointment": {"operationId": "moveAppointment",
                        "parameters": {"number": "$response.body#/number"}},
    "CancelAppointment": {"operationId": "cancelAppointment",
                          "parameters": {"number": "$response.body#/number"}},
    "AddOrderLine": {"operationId": "addOrderLine",
                     "parameters": {"number": "$response.body#/number"}},
}


def _query(name: str, description: str, schema: dict, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


def _body(schema: str, example: dict, required: bool = True) -> dict:
    return {"required": required,
            "content": {"application/json": {"schema": ref(schema), "example": example}}}


# The examples name the demo chain's (`flask demo seed`), so they work against a demo server
# (tests/api/test_openapi.py checks they are in the demo data): phone A is in stock at the
# store, phone B only at another.
_STORE_EXAMPLE = "PAR-RIV"
_SKU_EXAMPLE = "PHN-NOVX5-128-BLK"
_OTHER_SKU_EXAMPLE = "PHN-PIX8-128-GRY"
_ORDER_EXAMPLE = {
    "customer": {"email": "camille.martin@example.com", "first_name": "Camille",
                 "last_name": "Martin", "phone": "+33612345678"},
    "lines": [{"sku": _SKU_EXAMPLE, "qty": 1}],
    "delivery": {"method": "pickup", "store": _STORE_EXAMPLE},
}


def _operation(operation_id: str, summary: str, responses: dict, **fields) -> dict:
    return {"operationId": operation_id, "summary": summary, **fields,
            "responses": responses | _ANY_OPERATION}


_CANCEL_BODY = _body("CancelRequest", {"reason": "the customer changed their mind"},
                     required=False)


def _order_write(operation_id: str, summary: str, body: dict, success: dict, refused: str,
                 **fields) -> dict:
    """A write on an order: its number in the path, an Idempotency-Key, a body."""
    not_found = "unknown order, or what the body names" if body["required"] else "unknown order"
    return _operation(operation_id, summary, {**success, **_write_responses(not_found, refused)},
                      parameters=[_NUMBER, _IDEMPOTENCY_KEY], requestBody=body, **fields)


PATHS = {
    "/products": {"get": _operation(
        "searchProducts", "Search the catalogue by name, brand, SKU or EAN",
        {"200": _json("ProductPage", "one page of products", links={"Availability": {
            "operationId": "getAvailability",
            "parameters": {"sku": "$response.body#/items/0/sku"}}}), **_BAD_PARAMETER},
        parameters=[
            _query("q", "text, SKU or EAN; empty lists everything",
                   {"type": "string", "maxLength": MAX_QUERY_LENGTH, "pattern": TEXT_PATTERN}),
            _query("page", "from 1", whole_schema(1, MAX_PAGE, default=1)),
            _query("per_page", f"1 to {MAX_PER_PAGE}", whole_schema(1, MAX_PER_PAGE, default=20)),
        ])},
    "/availability": {"get": _operation(
        "getAvailability", "Where a product is available to the web, on the marketplace, and when",
        {"200": _json("Availability", "the product's availability", links={"Slots": {
            "operationId": "getAppointmentSlots",
            "parameters": {"code": "$response.body#/locations/0/code"}}}),
         "404": _problem("unknown SKU or store"), **_BAD_PARAMETER},
        description="lat and lon go together: one without the other is a 422.",
        parameters=[
            _query("sku", "the product", text_schema(SKU_LENGTH), required=True)
            | {"example": _SKU_EXAMPLE},
            {"name": "position", "in": "query", "style": "form", "explode": True,
             "description": "the customer's position: lat and lon, both or neither",
             "schema": {"type": "object", "required": ["lat", "lon"],
                        "additionalProperties": False, "properties": {
                 "lat": {"type": "number", "minimum": -90, "maximum": 90},
                 "lon": {"type": "number", "minimum": -180, "maximum": 180}}}},
            _query("store", "a store code instead of lat/lon",
                   {"type": "string", "maxLength": LOCATION_CODE_LENGTH,
                    "pattern": CODE_PATTERN}) | {"example": _STORE_EXAMPLE},
            _query("limit", "how many locations to list, nearest first",
                   whole_schema(1, MAX_LOCATIONS, default=DEFAULT_LOCATIONS)),
        ])},
    "/orders": {"post": _operation(
        "placeOrder", "Place an order: sourced, allocated and promised at once, or refused whole",
        {"201": _json("Order", "the order with its plan and promise", Location=_LOCATION,
                      **{"Idempotent-Replayed": _REPLAYED}) | {"links": _ORDER_LINKS},
         **_write_responses("an unknown SKU, store or appointment slot",
                            "the chain cannot take it now: not enough stock, a store closed "
                            "or without pickup, a slot full, passed or at another store, more "
                            f"than {MAX_LINE_QUANTITY} of one SKU over several lines")},
        parameters=[_IDEMPOTENCY_KEY], requestBody=_body("OrderRequest", _ORDER_EXAMPLE))},
    "/orders/{number}": {"get": _operation(
        "getOrder", "An order's status, lines, plan, task progress and parcels",
        {"200": _json("OrderDetail", "the order") | {"links": _ORDER_LINKS},
         "404": _problem("unknown order")},
        parameters=[_NUMBER])},
    "/orders/{number}/cancel": {"post": _order_write(
        "cancelOrder", "Cancel an order: allocations released, open tasks cancelled",
        _CANCEL_BODY,
        {"200": _json("Order", "the cancelled order (cancelling twice is harmless)",
                      **{"Idempotent-Replayed": _REPLAYED})},
        "the order is closed (handed over)")},
    "/stores/{code}/appointment-slots": {"get": _operation(
        "getAppointmentSlots", "The advice appointments a store offers, for some items if given",
        {"200": _json("AppointmentSlots", "the slots, earliest first"),
         "404": _problem("unknown store or SKU"), **_BAD_PARAMETER},
        description=("With sku, only slots every item can be in the store before (by "
                     "shuttle or dropship if need be); without, every slot with a place left. "
                     "Slots are offered three weeks ahead."),
        parameters=[
            {"name": "code", "in": "path", "required": True, "example": _STORE_EXAMPLE,
             "schema": {"type": "string", "maxLength": LOCATION_CODE_LENGTH,
                        "pattern": CODE_PATTERN}},
            {**_query("sku", "repeat it per product: SKU (one unit) or SKU:quantity",
                      {"type": "array", "maxItems": MAX_ORDER_LINES, "items": {
                          "type": "string", "maxLength": SKU_QUANTITY_LENGTH,
                          "pattern": SKU_QUANTITY_PATTERN}}),
             "style": "form", "explode": True},
            _query("expertise", "only slots of this expertise (any case)",
                   {"type": "string", "maxLength": EXPERTISE_LENGTH, "pattern": TEXT_PATTERN}),
        ])},
    "/orders/{number}/appointment": {"post": _order_write(
        "moveAppointment", "Move an e-reservation's appointment to another slot of its store",
        _body("MoveAppointmentRequest", {"slot": 12}),
        {"200": _json("Order", "the order with its new appointment",
                      **{"Idempotent-Replayed": _REPLAYED})},
        "the order has no appointment or it is closed, the slot is full, passed or of another "
        "store, or the items cannot be ready before it",
        description="The items, as planned, must be ready before the new slot.")},
    "/orders/{number}/appointment/cancel": {"post": _order_write(
        "cancelAppointment", "Call off an appointment: the e-reservation is cancelled with it",
        _CANCEL_BODY,
        {"200": _json("Order", "the cancelled order (cancelling twice is harmless)",
                      **{"Idempotent-Replayed": _REPLAYED})},
        "the order has no appointment, or it is closed")},
    "/orders/{number}/lines": {"post": _order_write(
        "addOrderLine", "Add a product to compare at an e-reservation's appointment",
        _body("OrderLineRequest", {"sku": _OTHER_SKU_EXAMPLE, "qty": 1}),
        {"201": _json("Order", "the order with the new line and its plan", Location=_LOCATION,
                      **{"Idempotent-Replayed": _REPLAYED})},
        "the order has no appointment or it is closed or started, the product is already in "
        "it, or it cannot be in the store in time",
        description="Sourced to be in the store before the appointment, or refused.")},
    "/stock/movements": {"post": _operation(
        "postStockMovements", "Receipts, adjustments and counts from an ERP, WMS or supplier",
        {"201": _json("StockMovementResult", "every row applied",
                      **{"Idempotent-Replayed": _REPLAYED}),
         **_write_responses("a row names an unknown location or SKU (errors[0].index)",
                            "a row the stock refuses (a location not active, fewer units than "
                            "it removes, a count below what orders hold)")},
        description=("The batch is checked whole and applied in order; one bad row refuses "
                     "it (errors[0].index names the row) and nothing is written."),
        parameters=[_IDEMPOTENCY_KEY], requestBody=_body("StockMovementBatch", {"movements": [
            {"location": _STORE_EXAMPLE, "sku": _SKU_EXAMPLE, "kind": "receipt", "quantity": 2}]}))},
}


def _query_names(parameter: dict) -> list[str]:
    if parameter["schema"].get("type") == "object":  # exploded: its properties are the names
        return list(parameter["schema"]["properties"])
    return [parameter["name"]]


# The query parameters each operation reads, by path and method: any other is refused.
QUERY_PARAMETERS = {
    (path, method): frozenset(name for parameter in operation.get("parameters", [])
                              if parameter["in"] == "query" for name in _query_names(parameter))
    for path, item in PATHS.items() for method, operation in item.items()
}


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "omni-store API", "version": "1.0.0", "description": (
            "For the e-commerce front, the ERP, the WMS and suppliers. Chain-wide; "
            "authenticate with 'Authorization: Bearer <key>'. Errors are "
            "application/problem+json naming the field: 400 for a body that is not JSON, 422 "
            "for a request this document does not allow (a query parameter it does not list "
            "too), 404 for something unknown it names, 409 for what the chain refuses now.")},
        "servers": [{"url": "/api/v1"}],
        "security": [{"apiKey": []}],
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": PATHS,
    }
