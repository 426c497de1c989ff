"""The OpenAPI 3.1 description of the API v1; tests check the real responses against it."""
from omni_store.api.stock_feed import MAX_BATCH_ROWS, FeedKind
from omni_store.appointments.models import BookingStatus
from omni_store.orders.models import (
    AllocationStatus,
    DeliveryMethod,
    OrderStatus,
    Transport,
)
from omni_store.shuttles.models import ParcelKind, ParcelStatus
from omni_store.tasks.models import TaskKind

DELIVERY_OPTION_METHODS = ["pickup", "ship_from_store", "home", "dropship", "marketplace"]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(type_: str, **extra) -> dict:
    return {"type": [type_, "null"], **extra}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


_INT = {"type": "integer"}
_STR = {"type": "string"}
_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TIME = _nullable("string", format="date-time")

SCHEMAS = {
    "Problem": {
        "type": "object",
        "description": "An error as problem details (RFC 9457). `detail` says what to fix.",
        "properties": {
            "type": _STR, "title": _STR, "status": _INT, "detail": _STR,
            "errors": {"type": "array", "items": _object(
                {"field": _STR, "message": _STR,
                 "index": {"type": "integer", "description": "row of a stock batch"}},
                ["field", "message"])},
        },
        "required": ["type", "title", "status"],
    },
    "Product": _object({
        "sku": _STR, "name": _STR, "brand": _STR, "category": _STR,
        "eans": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{13}$"}},
        "price_cents": _INT,
        "currency": {"type": "string", "enum": ["EUR"]},
        "web_atp": {"type": "integer", "minimum": 0,
                    "description": "units the web may promise across the chain, buffers applied"},
    }),
    "ProductPage": _object({
        "items": {"type": "array", "items": _ref("Product")},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
        "total": {"type": "integer", "minimum": 0},
    }),
    "LocationAvailability": _object({
        "code": _STR, "name": _STR,
        "kind": {"type": "string", "enum": ["store", "warehouse", "supplier"]},
        "city": _STR,
        "on_hand": {"type": "integer", "minimum": 0},
        "web_atp": {"type": "integer", "minimum": 0},
        "distance_km": _nullable("number"),
    }),
    "Offer": _object({
        "seller": _object({"code": _STR, "name": _STR,
                           "rating": {"type": "number", "minimum": 0, "maximum": 5}}),
        "condition": {"type": "string", "enum": ["new", "refurbished", "used"]},
        "price_cents": _INT, "shipping_cents": _INT, "total_cents": _INT,
        "stock": {"type": "integer", "minimum": 1},
        "lead_time_days": _INT,
    }),
    "DeliveryOption": _object({
        "method": {"type": "string", "enum": DELIVERY_OPTION_METHODS},
        "source": {"type": "string", "description": "location code or seller code"},
        "date": _TIME,
        "price_cents": _nullable("integer"),
        "explanation": {"type": "string", "description": "why the date is what it is"},
    }),
    "Availability": _object({
        "product": _ref("Product"),
        "origin": {"oneOf": [{"type": "null"}, _object(
            {"latitude": {"type": "number"}, "longitude": {"type": "number"},
             "store": _nullable("string")})]},
        "locations": {"type": "array", "items": _ref("LocationAvailability"),
                      "description": "nearest first when lat/lon or store is given (else by "
                                     "code), at most `limit` of them"},
        "locations_total": {"type": "integer", "minimum": 0,
                            "description": "how many active locations hold the product"},
        "offers": {"type": "array", "items": _ref("Offer"),
                   "description": "marketplace offers in stock, cheapest total first"},
        "delivery_options": {"type": "array", "items": _ref("DeliveryOption"),
                             "description": "the best three of each method, by date, then "
                                            "price; pickup options need a store"},
    }),
    "OrderRequest": {
        "type": "object",
        "required": ["customer", "lines", "delivery"],
        "properties": {
            "customer": _object({"email": {"type": "string", "format": "email"},
                                 "first_name": _STR, "last_name": _STR, "phone": _STR},
                                ["email", "first_name"]),
            "lines": {"type": "array", "minItems": 1, "maxItems": 100, "items": _object(
                {"sku": _STR, "qty": {"type": "integer", "minimum": 1, "maximum": 999}})},
            "delivery": _object({
                "method": {"type": "string", "enum": list(DeliveryMethod)},
                "store": _nullable("string", description="pickup and reserve: the store code"),
                "address": _nullable("string", description="home and ship_from_store"),
                "latitude": _nullable("number", minimum=-90, maximum=90),
                "longitude": _nullable("number", minimum=-180, maximum=180),
                "appointment_slot": _nullable("integer", description=(
                    "reserve only: the id of a published slot to book (GET "
                    "/stores/{code}/appointment-slots); the items are sourced to be in the "
                    "store before it, or the order is refused whole")),
                "appointment_at": {"type": "null", "deprecated": True, "description": (
                    "no longer accepted (a 422 names it): an appointment is a published slot, "
                    "booked with appointment_slot")},
            }, ["method"]),
        },
    },
    "PlanSource": _object({
        "location": _STR, "location_name": _STR, "quantity": _INT,
        "transport": {"type": "string", "enum": list(Transport)},
        "status": {"type": "string", "enum": list(AllocationStatus)},
        "distance_km": {"type": "number"},
        "expected_at": _NULLABLE_TIME,
        "explanation": {"type": "string", "description": "why this source was chosen"},
    }),
    "Order": _object({
        "number": _STR,
        "status": {"type": "string", "enum": list(OrderStatus)},
        "channel": _STR,
        "created_at": _TIME,
        "promised_at": _NULLABLE_TIME,
        "customer": _object({"email": _STR, "first_name": _STR, "last_name": _STR}),
        "delivery": _object({
            "method": {"type": "string", "enum": list(DeliveryMethod)},
            "store": _nullable("string"), "address": _nullable("string"),
            "appointment_at": _nullable("string", format="date-time", description=(
                "read-only: the start of the booked slot")),
        }),
        "appointment": {"oneOf": [{"type": "null"}, _ref("Appointment")]},
        "lines": {"type": "array", "items": _object({
            "sku": _STR, "name": _STR, "quantity": _INT, "unit_price_cents": _INT,
            "handed_over_quantity": _INT})},
        "plan": {"type": "array", "items": _object({
            "sku": _STR, "quantity": _INT,
            "sources": {"type": "array", "items": _ref("PlanSource")}})},
        "customer_link": _nullable("string", format="uri", description=(
            "pickup and reserve: the customer's page with the QR code; null otherwise")),
    }),
    "OrderDetail": {"allOf": [_ref("Order"), _object({
        "tasks": {"type": "array", "items": _object({
            "kind": {"type": "string", "enum": list(TaskKind)},
            "total": _INT, "open": _INT, "done": _INT, "exception": _INT, "cancelled": _INT})},
        "parcels": {"type": "array", "items": _object({
            "code": _STR,
            "kind": {"type": "string", "enum": list(ParcelKind)},
            "status": {"type": "string", "enum": list(ParcelStatus)},
            "origin": _STR, "destination": _nullable("string"),
            "tracking_number": _nullable("string"), "expected_at": _NULLABLE_TIME})},
    })]},
    "CancelRequest": {"type": "object", "properties": {"reason": _STR}},
    "AppointmentSlot": _object({
        "id": {"type": "integer", "description": "what delivery.appointment_slot books"},
        "starts_at": _TIME, "ends_at": _TIME,
        "length_minutes": {"type": "integer", "minimum": 1},
        "expertise": {"type": "string", "description": "e.g. smartphones; empty: general advice"},
        "places_left": {"type": "integer", "minimum": 1},
    }),
    "AppointmentSlots": _object({
        "store": _STR,
        "slots": {"type": "array", "items": _ref("AppointmentSlot"),
                  "description": "by start time; only slots with a place left"},
    }),
    "Appointment": _object({
        "slot": _INT, "starts_at": _TIME, "ends_at": _TIME, "expertise": _STR,
        "status": {"type": "string", "enum": list(BookingStatus), "description": (
            "booked until it ends: bought, home_delivery, released or cancelled")},
    }),
    "MoveAppointmentRequest": _object({"slot": {
        "type": "integer", "description": "another slot of the same store"}}),
    "OrderLineRequest": _object({
        "sku": _STR, "qty": {"type": "integer", "minimum": 1, "maximum": 999}}),
    "StockMovementBatch": _object({"movements": {
        "type": "array", "minItems": 1, "maxItems": MAX_BATCH_ROWS,
        "items": _object({
            "location": _STR, "sku": _STR,
            "kind": {"type": "string", "enum": list(FeedKind)},
            "quantity": {"type": "integer", "description": (
                "receipt: units added (>0); adjustment: units added or removed (≠0); "
                "count: the counted quantity (≥0)")},
        })}}),
    "StockMovementResult": _object({
        "applied": _INT,
        "movements": {"type": "array", "items": _object({
            "index": _INT, "location": _STR, "sku": _STR,
            "kind": {"type": "string", "enum": list(FeedKind)},
            "quantity": _INT,
            "on_hand": {"type": "integer", "description": "at the location once the whole "
                                                          "batch is applied"}})},
    }),
}


def _json(schema: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _problem(description: str) -> dict:
    return {"description": description,
            "content": {"application/problem+json": {"schema": _ref("Problem")}}}


_UNAUTHENTICATED = _problem("no, unknown or disabled API key")
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": ("Retrying with the same key and body replays the first success; the "
                    "same key with another body is a 422; while the first is running, a 409. "
                    "A refused request does not keep its key."),
}
_IDEMPOTENT_RESPONSES = {
    "409": _problem("not possible now (stock, order state) or the same key is in flight"),
    "422": _problem("invalid body (the field is named), or the key was used with another body"),
}


_NUMBER = {"name": "number", "in": "path", "required": True, "schema": _STR}


def _query(name: str, description: str, schema: dict, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


def _body(schema: str, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": _ref(schema)}}}


PATHS = {
    "/products": {"get": {
        "summary": "Search the catalogue by name, brand, SKU or EAN",
        "parameters": [
            _query("q", "text, SKU or EAN; empty lists everything", {"type": "string"}),
            _query("page", "from 1", {"type": "integer", "minimum": 1, "default": 1}),
            _query("per_page", "1 to 100", {"type": "integer", "minimum": 1, "maximum": 100,
                                            "default": 20}),
        ],
        "responses": {"200": _json("ProductPage", "one page of products"),
                      "401": _UNAUTHENTICATED, "422": _problem("bad parameter")},
    }},
    "/availability": {"get": {
        "summary": "Where a product is available to the web, on the marketplace, and when",
        "parameters": [
            _query("sku", "the product", {"type": "string"}, required=True),
            _query("lat", "customer latitude (with lon)", {"type": "number"}),
            _query("lon", "customer longitude (with lat)", {"type": "number"}),
            _query("store", "a store code instead of lat/lon", {"type": "string"}),
            _query("limit", "how many locations to list, nearest first",
                   {"type": "integer", "minimum": 1, "maximum": 500, "default": 20}),
        ],
        "responses": {"200": _json("Availability", "the product's availability"),
                      "401": _UNAUTHENTICATED, "404": _problem("unknown SKU"),
                      "422": _problem("bad parameter")},
    }},
    "/orders": {"post": {
        "summary": "Place an order: sourced, allocated and promised at once, or refused whole",
        "parameters": [_IDEMPOTENCY_KEY],
        "requestBody": _body("OrderRequest"),
        "responses": {"201": _json("Order", "the order with its plan and promise"),
                      "400": _problem("the body is not JSON"),
                      "401": _UNAUTHENTICATED, **_IDEMPOTENT_RESPONSES},
    }},
    "/orders/{number}": {"get": {
        "summary": "An order's status, lines, plan, task progress and parcels",
        "parameters": [_NUMBER],
        "responses": {"200": _json("OrderDetail", "the order"),
                      "401": _UNAUTHENTICATED, "404": _problem("unknown order")},
    }},
    "/orders/{number}/cancel": {"post": {
        "summary": "Cancel an order: allocations released, open tasks cancelled",
        "parameters": [_NUMBER, _IDEMPOTENCY_KEY],
        "requestBody": _body("CancelRequest", required=False),
        "responses": {"200": _json("Order", "the cancelled order (cancelling twice is harmless)"),
                      "401": _UNAUTHENTICATED, "404": _problem("unknown order"),
                      **_IDEMPOTENT_RESPONSES},
    }},
    "/stores/{code}/appointment-slots": {"get": {
        "summary": "The advice appointments a store offers, for some items if given",
        "description": ("With sku, only slots every item can be in the store before (by "
                        "shuttle or dropship if need be); without, every slot with a place left. "
                        "Slots are offered three weeks ahead."),
        "parameters": [
            {"name": "code", "in": "path", "required": True, "schema": _STR},
            {**_query("sku", "repeat it per product: SKU (one unit) or SKU:quantity",
                      {"type": "array", "items": {"type": "string"}}),
             "style": "form", "explode": True},
            _query("expertise", "only slots of this expertise (any case)", {"type": "string"}),
        ],
        "responses": {"200": _json("AppointmentSlots", "the slots, earliest first"),
                      "401": _UNAUTHENTICATED, "404": _problem("unknown store or SKU"),
                      "422": _problem("bad parameter")},
    }},
    "/orders/{number}/appointment": {"post": {
        "summary": "Move an e-reservation's appointment to another slot of its store",
        "description": "The items, as planned, must be ready before the new slot.",
        "parameters": [_NUMBER, _IDEMPOTENCY_KEY],
        "requestBody": _body("MoveAppointmentRequest"),
        "responses": {"200": _json("Order", "the order with its new appointment"),
                      "400": _problem("the body is not JSON"),
                      "401": _UNAUTHENTICATED, "404": _problem("unknown order"),
                      **_IDEMPOTENT_RESPONSES},
    }},
    "/orders/{number}/appointment/cancel": {"post": {
        "summary": "Call off an appointment: the e-reservation is cancelled with it",
        "parameters": [_NUMBER, _IDEMPOTENCY_KEY],
        "requestBody": _body("CancelRequest", required=False),
        "responses": {"200": _json("Order", "the cancelled order (cancelling twice is harmless)"),
                      "401": _UNAUTHENTICATED, "404": _problem("unknown order"),
                      **_IDEMPOTENT_RESPONSES},
    }},
    "/orders/{number}/lines": {"post": {
        "summary": "Add a product to compare at an e-reservation's appointment",
        "description": "Sourced to be in the store before the appointment, or refused.",
        "parameters": [_NUMBER, _IDEMPOTENCY_KEY],
        "requestBody": _body("OrderLineRequest"),
        "responses": {"201": _json("Order", "the order with the new line and its plan"),
                      "400": _problem("the body is not JSON"),
                      "401": _UNAUTHENTICATED, "404": _problem("unknown order"),
                      **_IDEMPOTENT_RESPONSES},
    }},
    "/stock/movements": {"post": {
        "summary": "Receipts, adjustments and counts from an ERP, WMS or supplier",
        "description": ("The batch is checked whole and applied in order; one bad row refuses "
                        "it (errors[0].index names the row) and nothing is written."),
        "parameters": [_IDEMPOTENCY_KEY],
        "requestBody": _body("StockMovementBatch"),
        "responses": {"201": _json("StockMovementResult", "every row applied"),
                      "400": _problem("the body is not JSON"),
                      "401": _UNAUTHENTICATED, **_IDEMPOTENT_RESPONSES},
    }},
}


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "omni-store API", "version": "1.0.0", "description": (
            "For the e-commerce front, the ERP, the WMS and suppliers. Chain-wide; "
            "authenticate with 'Authorization: Bearer <key>'. Errors are "
            "application/problem+json.")},
        "servers": [{"url": "/api/v1"}],
        "security": [{"apiKey": []}],
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": PATHS,
    }
