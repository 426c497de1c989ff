"""The JSON API v1 for the e-commerce front, the ERP, the WMS and suppliers.

Thin views: parse and validate the JSON, call one query or service, answer JSON.
Errors are problem details (RFC 9457) naming the field when there is one.
"""
from contextlib import contextmanager

from flask import Blueprint, g, jsonify, request, url_for
from flask_babel import gettext as _

from omni_store.api import parsing, queries
from omni_store.api.auth import authenticate_client
from omni_store.api.idempotency import idempotent
from omni_store.api.imports import offers_cli, stock_cli
from omni_store.api.openapi import QUERY_PARAMETERS, openapi_document
from omni_store.api.parsing import (
    ADDRESS_LENGTH,
    CODE_PATTERN,
    DEFAULT_LOCATIONS,
    EMAIL_LENGTH,
    EXPERTISE_LENGTH,
    LOCATION_CODE_LENGTH,
    MAX_LOCATIONS,
    MAX_ORDER_LINES,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_QUERY_LENGTH,
    MOVEMENT_QUANTITIES,
    NAME_LENGTH,
    ORDER_NUMBER_LENGTH,
    PHONE_LENGTH,
    REASON_LENGTH,
    SKU_LENGTH,
    SKU_QUANTITY_LENGTH,
    SKU_QUANTITY_PATTERN,
)
from omni_store.api.representations import (
    availability_json,
    order_detail_json,
    order_json,
    product_json,
    slot_offer_json,
    stock_movements_json,
)
from omni_store.api.stock_feed import MAX_BATCH_ROWS, FeedKind, FeedRow, apply_stock_feed
from omni_store.appointments import services as appointments
from omni_store.appointments.models import Booking
from omni_store.appointments.queries import booking_of
from omni_store.catalog.models import Product
from omni_store.catalog.read_models import product_facts, products_by_sku
from omni_store.core.clock import utcnow
from omni_store.core.errors import DomainError, InvalidInput, NotFound
from omni_store.core.forms import whole_number
from omni_store.extensions import db
from omni_store.fulfilment.cancellation import cancel_order
from omni_store.fulfilment.placing import place_order
from omni_store.network.models import LocationKind
from omni_store.orders.intake import MAX_LINE_QUANTITY, OrderRequest
from omni_store.orders.models import STORE_DELIVERY_METHODS, DeliveryMethod, Order

# cli_group=None: the API's feed commands sit at the top level (`flask stock import`).
bp = Blueprint("api", __name__, url_prefix="/api/v1", cli_group=None)
bp.cli.add_command(stock_cli)
bp.cli.add_command(offers_cli)

OPTIONS_PER_METHOD = 3
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})


@bp.before_request
def require_api_key():
    if request.endpoint not in PUBLIC_ENDPOINTS:
        authenticate_client()
        _refuse_unknown_parameters()
        if request.method == "POST":
            parsing.read_body()


def _refuse_unknown_parameters() -> None:
    """A parameter the operation does not read is a mistake (a typo, an old name) that
    would otherwise go unnoticed."""
    path = request.url_rule.rule.removeprefix(bp.url_prefix).replace("<", "{").replace(">", "}")
    known = QUERY_PARAMETERS.get((path, request.method.lower()))
    if known is None:  # OPTIONS, or a method the path does not take: answered as such
        return
    if unknown := sorted(set(request.args) - known):
        raise parsing.field_error(unknown[0][:40], _("Unknown parameter: %(name)s",
                                                     name=unknown[0][:40]))


@bp.errorhandler(DomainError)
def problem(error: DomainError):
    db.session.rollback()
    body = {"type": "about:blank", "title": _title(error.status_code),
            "status": error.status_code, "detail": str(error.message)}
    if "field" in error.details:
        body["errors"] = [{"field": error.details["field"], "message": str(error.message)}
                          | ({"index": error.details["index"]} if "index" in error.details else {})]
    response = jsonify(body)
    response.status_code = error.status_code
    response.mimetype = "application/problem+json"
    if error.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="omni-store"'
    return response


def _title(status: int) -> str:
    titles = {
        400: _("Bad request"),
        401: _("Authentication required"),
        403: _("Forbidden"),
        404: _("Not found"),
        409: _("Conflict"),
        422: _("Invalid request"),
    }
    return titles.get(status, _("Request refused"))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/products")
def products():
    query = parsing.query_text("q", MAX_QUERY_LENGTH) or ""
    page = parsing.query_int("page", 1, 1, MAX_PAGE)
    per_page = parsing.query_int("per_page", 20, 1, MAX_PER_PAGE)
    found = queries.search_catalogue(query, page, per_page)
    return jsonify({
        "items": [product_json(entry.product, entry.web_atp) for entry in found.entries],
        "page": found.page,
        "per_page": found.per_page,
        "total": found.total,
    })


@bp.get("/availability")
def availability():
    sku = parsing.query_text("sku", SKU_LENGTH, parsing.FILLED_PATTERN)
    if sku is None:
        raise parsing.required("sku")
    latitude = parsing.query_float("lat", -90, 90)
    longitude = parsing.query_float("lon", -180, 180)
    if (latitude is None) != (longitude is None):
        raise parsing.field_error("lat" if latitude is None else "lon",
                                  _("lat and lon go together."))
    limit = parsing.query_int("limit", DEFAULT_LOCATIONS, 1, MAX_LOCATIONS)
    store = None
    unknown_store = _("Unknown store: %(code)s",
                      code=request.args.get("store", "")[:LOCATION_CODE_LENGTH])
    if (store_code := parsing.query_text("store", LOCATION_CODE_LENGTH, CODE_PATTERN,
                                         unknown_store)) is not None:
        store = queries.store_site(store_code)
        if store is None:
            raise NotFound(unknown_store, field="store")
    product = product_facts(sku)
    if product is None:
        raise NotFound(_("Unknown SKU: %(skus)s", skus=sku), field="sku")
    found = queries.availability(product, store, latitude, longitude, limit, OPTIONS_PER_METHOD)
    return jsonify(availability_json(found, store, latitude, longitude))


@bp.get("/stores/<code>/appointment-slots")
def appointment_slots(code: str):
    store = queries.store_by_code(code) if _is_code(code, LOCATION_CODE_LENGTH) else None
    if store is None or store.kind != LocationKind.STORE:
        raise NotFound(_("Unknown store: %(code)s", code=code[:LOCATION_CODE_LENGTH]))
    expertise = parsing.query_text("expertise", EXPERTISE_LENGTH) or ""
    items = _items_to_see()
    if items:
        offers = appointments.slots_for_items(store, items, expertise)
    else:
        offers = appointments.open_slots(store, utcnow(), expertise)
    return jsonify({"store": store.code, "slots": [slot_offer_json(offer) for offer in offers]})


def _is_code(value: str, max_length: int) -> bool:
    """A path's code or number as the document states it; anything else names no row."""
    return len(value) <= max_length and parsing.matches(CODE_PATTERN, value)


def _items_to_see() -> dict[Product, int]:
    """The repeated `sku` parameters: one unit each, or `CODE:quantity`."""
    wanted: dict[str, int] = {}
    for value in parsing.query_values("sku", MAX_ORDER_LINES):
        parsing.checked_text(value, "sku", SKU_QUANTITY_LENGTH, SKU_QUANTITY_PATTERN, _(
            "Each sku is a SKU, or a SKU and a quantity from 1 to %(max)d such as PHN-A:2; "
            "“%(value)s” is neither.", max=MAX_LINE_QUANTITY, value=value[:40]))
        sku, colon, quantity = (part.strip() for part in value.partition(":"))
        number = whole_number(quantity, "sku", 1, MAX_LINE_QUANTITY) if colon else 1
        wanted[sku.upper()] = wanted.get(sku.upper(), 0) + number
    products = products_by_sku(list(wanted))
    unknown = [sku for sku in wanted if sku not in products]
    if unknown:
        raise NotFound(_("Unknown SKU: %(skus)s", skus=", ".join(unknown)), field="sku")
    return {products[sku]: quantity for sku, quantity in wanted.items()}


@contextmanager
def _chain_refusals():
    """The request was read whole before: what a service refuses now is the chain's state
    (a store closed or without pickup, a slot passed or at another store), a 409; an
    unknown SKU, store or slot is a 404."""
    try:
        yield
    except InvalidInput as refused:
        raise DomainError(refused.message) from None


@bp.post("/orders")
@idempotent
def create_order():
    body = parsing.json_object()
    order_request, slot_id = _order_request(body)
    with _chain_refusals():
        if slot_id is None:
            order = place_order(order_request)
        else:
            order = appointments.reserve_with_appointment(order_request, slot_id).order
    response = jsonify(order_json(order))
    response.status_code = 201
    response.headers["Location"] = url_for("api.order_detail", number=order.number)
    return response


def _order_request(body: dict) -> tuple[OrderRequest, int | None]:
    """The order and the appointment slot it books, if any."""
    customer = parsing.object_at(body, "customer", "customer")
    delivery = parsing.object_at(body, "delivery", "delivery")
    lines = [(parsing.filled_text_at(line, "sku", f"{path}.sku", SKU_LENGTH),
              parsing.integer_at(line, "qty", f"{path}.qty", 1, MAX_LINE_QUANTITY))
             for _index, path, line in parsing.objects_at(body, "lines", "lines",
                                                         MAX_ORDER_LINES)]
    email = parsing.filled_text_at(customer, "email", "customer.email", EMAIL_LENGTH,
                                   parsing.EMAIL_PATTERN, _("Please enter a valid email address."))
    first_name = parsing.filled_text_at(customer, "first_name", "customer.first_name",
                                        NAME_LENGTH)
    method = parsing.choice_at(delivery, "method", "delivery.method", list(DeliveryMethod))
    at_store = method in STORE_DELIVERY_METHODS
    # What the method needs is required; what it does not use is still read, and bounded.
    store_text = parsing.filled_text_at if at_store else parsing.text_at
    address_text = parsing.text_at if at_store else parsing.filled_text_at
    store = store_text(delivery, "store", "delivery.store", LOCATION_CODE_LENGTH)
    address = address_text(delivery, "address", "delivery.address", ADDRESS_LENGTH)
    position = {name: parsing.number_at(delivery, name, f"delivery.{name}", -bound, bound)
                for name, bound in (("latitude", 90), ("longitude", 180))}
    missing = next((name for name, value in position.items() if value is None), None)
    if not at_store and missing:
        raise parsing.required(f"delivery.{missing}")
    if delivery.get("appointment_at") is not None:
        raise parsing.field_error("delivery.appointment_at", _(
            "An appointment must be a published slot: book one with delivery.appointment_slot "
            "(see GET /stores/{code}/appointment-slots)."))
    slot_id = parsing.optional_id_at(delivery, "appointment_slot", "delivery.appointment_slot")
    if slot_id is not None and method != DeliveryMethod.RESERVE:
        raise parsing.field_error("delivery.appointment_slot",
                                  _("Only an e-reservation comes with an advice appointment."))
    return OrderRequest(
        email=email,
        first_name=first_name,
        last_name=parsing.text_at(customer, "last_name", "customer.last_name", NAME_LENGTH),
        phone=parsing.text_at(customer, "phone", "customer.phone", PHONE_LENGTH),
        lines=lines,
        delivery_method=method,
        pickup_store_code=store or None,
        ship_address=address,
        ship_latitude=position["latitude"],
        ship_longitude=position["longitude"],
    ), slot_id


def _order_or_404(number: str) -> Order:
    order = queries.order_by_number(number) if _is_code(number, ORDER_NUMBER_LENGTH) else None
    if order is None:
        raise NotFound(_("Unknown order: %(number)s", number=number[:ORDER_NUMBER_LENGTH]))
    return order


@bp.get("/orders/<number>")
def order_detail(number: str):
    return jsonify(order_detail_json(_order_or_404(number)))


@bp.post("/orders/<number>/cancel")
@idempotent
def cancel(number: str):
    order = _order_or_404(number)
    reason = _reason()
    cancel_order(order, actor_id=None, reason=reason or _("cancelled through the API"))
    return jsonify(order_json(order))


def _reason() -> str:
    """The optional `reason` of a cancellation; the body itself may be left out."""
    return parsing.text_at(parsing.optional_json_object(), "reason", "reason", REASON_LENGTH)


def _booking_of(order: Order) -> Booking:
    booking = booking_of(order)
    if booking is None:
        raise DomainError(_("This order has no appointment; book one when reserving."))
    return booking


@bp.post("/orders/<number>/appointment")
@idempotent
def move_appointment(number: str):
    order = _order_or_404(number)
    slot_id = parsing.id_at(parsing.json_object(), "slot", "slot")
    booking = _booking_of(order)
    with _chain_refusals():
        try:
            appointments.move_booking(booking, slot_id)
        except NotFound as unknown:  # the order was found: the slot in the body was not
            raise NotFound(unknown.message, field="slot") from None
    return jsonify(order_json(booking.order))


@bp.post("/orders/<number>/appointment/cancel")
@idempotent
def cancel_appointment(number: str):
    order = _order_or_404(number)
    reason = _reason()
    booking = _booking_of(order)
    with _chain_refusals():
        appointments.cancel_booking(booking, actor_id=None, reason=reason)
    return jsonify(order_json(booking.order))


@bp.post("/orders/<number>/lines")
@idempotent
def add_order_line(number: str):
    """A product to compare at the appointment, brought to the store in time for it."""
    order = _order_or_404(number)
    body = parsing.json_object()
    sku = parsing.filled_text_at(body, "sku", "sku", SKU_LENGTH)
    quantity = parsing.integer_at(body, "qty", "qty", 1, MAX_LINE_QUANTITY)
    booking = _booking_of(order)
    with _chain_refusals():
        try:
            appointments.add_product(booking, sku, quantity, actor_id=None)
        except NotFound as unknown:  # the order was found: the SKU in the body was not
            raise NotFound(unknown.message, field="sku") from None
    response = jsonify(order_json(booking.order))
    response.status_code = 201
    response.headers["Location"] = url_for("api.order_detail", number=number)
    return response


@bp.post("/stock/movements")
@idempotent
def stock_movements():
    body = parsing.json_object()
    rows = []
    for index, path, row in parsing.objects_at(body, "movements", "movements", MAX_BATCH_ROWS):
        try:
            kind = parsing.choice_at(row, "kind", f"{path}.kind", list(FeedKind))
            rows.append(FeedRow(
                location_code=parsing.filled_text_at(row, "location", f"{path}.location",
                                                     LOCATION_CODE_LENGTH),
                sku=parsing.filled_text_at(row, "sku", f"{path}.sku", SKU_LENGTH),
                kind=kind,
                quantity=parsing.integer_at(row, "quantity", f"{path}.quantity",
                                            *MOVEMENT_QUANTITIES[kind]),
            ))
        except InvalidInput as refused:  # say which row, as the feed's own checks do
            raise parsing.field_error(refused.details["field"], refused.message,
                                      index=index) from None
    applied = apply_stock_feed(rows, reference=f"api-client:{g.api_client_id}")
    response = jsonify(stock_movements_json(applied))
    response.status_code = 201
    return response

