"""The schemas of the OpenAPI document (openapi.py): the bodies the API reads and answers.

Every bound of a request comes from the constants parsing.py reads it with; every list of
values from the StrEnum the code stores.
"""
from enum import StrEnum

from omni_store.api.parsing import (
    ADDRESS_LENGTH,
    EMAIL_LENGTH,
    EMAIL_PATTERN,
    FILLED_PATTERN,
    LOCATION_CODE_LENGTH,
    MAX_ORDER_LINES,
    MOVEMENT_QUANTITIES,
    NAME_LENGTH,
    PHONE_LENGTH,
    REASON_LENGTH,
    SKU_LENGTH,
    TEXT_PATTERN,
)
from omni_store.api.representations import CURRENCY
from omni_store.api.stock_feed import MAX_BATCH_ROWS, FeedKind
from omni_store.appointments.models import BookingStatus
from omni_store.catalog.models import OfferCondition
from omni_store.core.database import MAX_ROW_ID
from omni_store.network.models import LocationKind
from omni_store.orders.intake import MAX_LINE_QUANTITY
from omni_store.orders.models import (
    STORE_DELIVERY_METHODS,
    AllocationStatus,
    DeliveryMethod,
    OrderStatus,
    Transport,
)
from omni_store.orders.delivery_options import OptionMethod
from omni_store.shuttles.models import ParcelKind, ParcelStatus
from omni_store.tasks.models import TaskKind


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _one_of(values: type[StrEnum], **extra) -> dict:
    """A text holding one of the enum's values, as the code stores them."""
    return {"type": "string", "enum": [member.value for member in values], **extra}


def _nullable(type_: str, **extra) -> dict:
    return {"type": [type_, "null"], **extra}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


def text_schema(max_length: int, pattern: str = FILLED_PATTERN, **extra) -> dict:
    """A text the request must give, with something in it: never longer than its column,
    never holding U+0000 (the API matches `pattern` as JSON Schema does)."""
    return {"type": "string", "maxLength": max_length, "pattern": pattern, **extra}


def optional_text_schema(max_length: int, **extra) -> dict:
    """Left out, null or empty: the same."""
    return {"type": ["string", "null"], "maxLength": max_length, "pattern": TEXT_PATTERN,
            **extra}


def whole_schema(low: int, high: int, **extra) -> dict:
    return {"type": "integer", "minimum": low, "maximum": high, **extra}


_ID = whole_schema(1, MAX_ROW_ID)
_QUANTITY = whole_schema(1, MAX_LINE_QUANTITY)


def _delivery(method: DeliveryMethod) -> dict:
    """What each method needs: a store for pickup and reserve, an address and its position
    for the others; a field the method does not use may be sent, within its bounds."""
    at_store = method in STORE_DELIVERY_METHODS
    properties = {
        "method": {"const": str(method)},
        "store": (text_schema if at_store else optional_text_schema)(
            LOCATION_CODE_LENGTH, description="pickup and reserve: the store code"),
        "address": (optional_text_schema if at_store else text_schema)(
            ADDRESS_LENGTH, description="home and ship_from_store"),
        "latitude": {"type": ["number", "null"] if at_store else "number",
                     "minimum": -90, "maximum": 90},
        "longitude": {"type": ["number", "null"] if at_store else "number",
                      "minimum": -180, "maximum": 180},
        "appointment_slot": ({"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ROW_ID,
                              "description": (
                                  "the id of a published slot to book (GET "
                                  "/stores/{code}/appointment-slots); the items are sourced to "
                                  "be in the store before it, or the order is refused whole")}
                             if method == DeliveryMethod.RESERVE else
                             {"type": "null", "description": "reserve only"}),
        "appointment_at": {"type": "null", "deprecated": True, "description": (
            "no longer accepted (a 422 names it): an appointment is a published slot, "
            "booked with appointment_slot")},
    }
    needed = ["store"] if at_store else ["address", "latitude", "longitude"]
    return {"type": "object", "title": str(method), "properties": properties,
            "required": ["method", *needed]}


def _movement(kind: FeedKind) -> dict:
    low, high = MOVEMENT_QUANTITIES[kind]
    quantity = {
        FeedKind.RECEIPT: {**whole_schema(low, high), "description": "units added"},
        FeedKind.COUNT: {**whole_schema(low, high), "description": "the counted quantity"},
        FeedKind.ADJUSTMENT: {"type": "integer", "description": "units added or removed",
                              "anyOf": [whole_schema(low, -1), whole_schema(1, high)]},
    }[kind]
    return _object({"location": text_schema(LOCATION_CODE_LENGTH), "sku": text_schema(SKU_LENGTH),
                    "kind": {"const": str(kind)}, "quantity": quantity})


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
        "currency": {"type": "string", "enum": [CURRENCY]},
        "web_atp": {"type": "integer", "minimum": 0,
                    "description": "units the web may promise across the chain, buffers applied"},
    }),
    "ProductPage": _object({
        "items": {"type": "array", "items": ref("Product")},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
        "total": {"type": "integer", "minimum": 0},
    }),
    "LocationAvailability": _object({
        "code": _STR, "name": _STR,
        "kind": _one_of(LocationKind),
        "city": _STR,
        "on_hand": {"type": "integer", "minimum": 0},
        "web_atp": {"type": "integer", "minimum": 0},
        "distance_km": _nullable("number"),
    }),
    "Offer": _object({
        "seller": _object({"code": _STR, "name": _STR,
                           "rating": {"type": "number", "minimum": 0, "maximum": 5}}),
        "condition": _one_of(OfferCondition),
        "price_cents": _INT, "shipping_cents": _INT, "total_cents": _INT,
        "stock": {"type": "integer", "minimum": 1},
        "lead_time_days": _INT,
    }),
    "DeliveryOption": _object({
        "method": _one_of(OptionMethod),
        "source": {"type": "string", "description": "location code or seller code"},
        "date": _TIME,
        "price_cents": _nullable("integer"),
        "explanation": {"type": "string", "description": "why the date is what it is"},
    }),
    "Availability": _object({
        "product": ref("Product"),
        "origin": {"oneOf": [{"type": "null"}, _object(
            {"latitude": {"type": "number"}, "longitude": {"type": "number"},
             "store": _nullable("string")})]},
        "locations": {"type": "array", "items": ref("LocationAvailability"),
                      "description": "nearest first when lat/lon or store is given (else by "
                                     "code), at most `limit` of them"},
        "locations_total": {"type": "integer", "minimum": 0,
                            "description": "how many active locations hold the product"},
        "offers": {"type": "array", "items": ref("Offer"),
                   "description": "marketplace offers in stock, cheapest total first"},
        "delivery_options": {"type": "array", "items": ref("DeliveryOption"),
                             "description": "the best three of each method, by date, then "
                                            "price; pickup options need a store"},
    }),
    "OrderRequest": {
        "type": "object",
        "required": ["customer", "lines", "delivery"],
        "properties": {
            "customer": _object({
                "email": text_schema(EMAIL_LENGTH, EMAIL_PATTERN),
                "first_name": text_schema(NAME_LENGTH, FILLED_PATTERN),
                "last_name": optional_text_schema(NAME_LENGTH),
                "phone": optional_text_schema(PHONE_LENGTH)}, ["email", "first_name"]),
            "lines": {"type": "array", "minItems": 1, "maxItems": MAX_ORDER_LINES,
                      "items": ref("OrderLineRequest")},
            "delivery": {"oneOf": [_delivery(method) for method in DeliveryMethod]},
        },
    },
    "PlanSource": _object({
        "location": _STR, "location_name": _STR, "quantity": _INT,
        "transport": _one_of(Transport),
        "status": _one_of(AllocationStatus),
        "distance_km": {"type": "number"},
        "expected_at": _NULLABLE_TIME,
        "explanation": {"type": "string", "description": "why this source was chosen"},
    }),
    "Order": _object({
        "number": _STR,
        "status": _one_of(OrderStatus),
        "channel": _STR,
        "created_at": _TIME,
        "promised_at": _NULLABLE_TIME,
        "customer": _object({"email": _STR, "first_name": _STR, "last_name": _STR}),
        "delivery": _object({
            "method": _one_of(DeliveryMethod),
            "store": _nullable("string"), "address": _nullable("string"),
            "appointment_at": _nullable("string", format="date-time", description=(
                "read-only: the start of the booked slot")),
        }),
        "appointment": {"oneOf": [{"type": "null"}, ref("Appointment")]},
        "lines": {"type": "array", "items": _object({
            "sku": _STR, "name": _STR, "quantity": _INT, "unit_price_cents": _INT,
            "handed_over_quantity": _INT})},
        "plan": {"type": "array", "items": _object({
            "sku": _STR, "quantity": _INT,
            "sources": {"type": "array", "items": ref("PlanSource")}})},
        "customer_link": _nullable("string", format="uri", description=(
            "pickup and reserve: the customer's page with the QR code; null otherwise")),
    }),
    "OrderDetail": {"allOf": [ref("Order"), _object({
        "tasks": {"type": "array", "items": _object({
            "kind": _one_of(TaskKind),
            "total": _INT, "open": _INT, "done": _INT, "exception": _INT, "cancelled": _INT})},
        "parcels": {"type": "array", "items": _object({
            "code": _STR,
            "kind": _one_of(ParcelKind),
            "status": _one_of(ParcelStatus),
            "origin": _STR, "destination": _nullable("string"),
            "tracking_number": _nullable("string"), "expected_at": _NULLABLE_TIME})},
    })]},
    "CancelRequest": {"type": "object", "properties": {"reason": optional_text_schema(
        REASON_LENGTH, description="kept with the stock movements; empty: a default reason")}},
    "AppointmentSlot": _object({
        "id": {"type": "integer", "description": "what delivery.appointment_slot books"},
        "starts_at": _TIME, "ends_at": _TIME,
        "length_minutes": {"type": "integer", "minimum": 1},
        "expertise": {"type": "string", "description": "e.g. smartphones; empty: general advice"},
        "places_left": {"type": "integer", "minimum": 1},
    }),
    "AppointmentSlots": _object({
        "store": _STR,
        "slots": {"type": "array", "items": ref("AppointmentSlot"),
                  "description": "by start time; only slots with a place left"},
    }),
    "Appointment": _object({
        "slot": _INT, "starts_at": _TIME, "ends_at": _TIME, "expertise": _STR,
        "status": _one_of(BookingStatus, description=(
            "booked until it ends: bought, home_delivery, released or cancelled")),
    }),
    "MoveAppointmentRequest": _object({"slot": {
        **_ID, "description": "another slot of the same store"}}),
    "OrderLineRequest": _object({"sku": text_schema(SKU_LENGTH), "qty": _QUANTITY}),
    "StockMovementBatch": _object({"movements": {
        "type": "array", "minItems": 1, "maxItems": MAX_BATCH_ROWS,
        "items": {"oneOf": [_movement(kind) for kind in FeedKind]}}}),
    "StockMovementResult": _object({
        "applied": _INT,
        "movements": {"type": "array", "items": _object({
            "index": _INT, "location": _STR, "sku": _STR,
            "kind": _one_of(FeedKind),
            "quantity": _INT,
            "on_hand": {"type": "integer", "description": "at the location once the whole "
                                                          "batch is applied"}})},
    }),
}
