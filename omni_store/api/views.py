"""The JSON API v1 for the e-commerce front, the ERP, the WMS and suppliers.

Thin views: parse and validate the JSON, call one query or service, answer JSON.
Errors are problem details (RFC 9457) naming the field when there is one.
"""
from flask import Blueprint, g, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from omni_store.api import parsing, queries
from omni_store.api.auth import authenticate_client
from omni_store.api.idempotency import idempotent
from omni_store.api.imports import offers_cli, stock_cli
from omni_store.api.openapi import openapi_document
from omni_store.api.representations import (
    delivery_option_json,
    offer_json,
    order_detail_json,
    order_json,
    product_json,
    slot_offer_json,
)
from omni_store.api.stock_feed import MAX_BATCH_ROWS, FeedRow, apply_stock_feed
from omni_store.appointments import services as appointments
from omni_store.appointments.models import Booking
from omni_store.appointments.queries import booking_of
from omni_store.catalog.models import Product
from omni_store.catalog.read_models import product_facts, products_by_sku
from omni_store.core.clock import utcnow
from omni_store.core.errors import DomainError, InvalidInput, NotFound
from omni_store.extensions import db
from omni_store.network.models import LocationKind
from omni_store.orders.models import DeliveryMethod, Order
from omni_store.orders.services import MAX_LINE_QUANTITY, OrderRequest, cancel_order, place_order

# cli_group=None: the API's feed commands sit at the top level (`flask stock import`).
bp = Blueprint("api", __name__, url_prefix="/api/v1", cli_group=None)
bp.cli.add_command(stock_cli)
bp.cli.add_command(offers_cli)

MAX_ORDER_LINES = 100
# Availability lists the nearest locations and the best ways of each method: what a
# product page shows, and what keeps the answer small at 300 locations.
DEFAULT_LOCATIONS = 20
MAX_LOCATIONS = 500
OPTIONS_PER_METHOD = 3
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})


@bp.before_request
def require_api_key():
    if request.endpoint not in PUBLIC_ENDPOINTS:
        authenticate_client()


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
    query = request.args.get("q", "").strip()
    if len(query) > 100:
        raise parsing.field_error("q", _("q is longer than 100 characters."))
    page = parsing.query_int("page", 1, 1, 10_000)
    per_page = parsing.query_int("per_page", 20, 1, 100)
    found = queries.search_catalogue(query, page, per_page)
    return jsonify({
        "items": [product_json(entry.product, entry.web_atp) for entry in found.entries],
        "page": found.page,
        "per_page": found.per_page,
        "total": found.total,
    })


@bp.get("/availability")
def availability():
    sku = request.args.get("sku", "").strip()
    if not sku:
        raise parsing.field_error("sku", _("sku is required."))
    latitude = parsing.query_float("lat", -90, 90)
    longitude = parsing.query_float("lon", -180, 180)
    if (latitude is None) != (longitude is None):
        raise parsing.field_error("lat" if latitude is None else "lon",
                                  _("lat and lon go together."))
    limit = parsing.query_int("limit", DEFAULT_LOCATIONS, 1, MAX_LOCATIONS)
    store = None
    if store_code := request.args.get("store", "").strip():
        store = queries.store_site(store_code)
        if store is None:
            raise parsing.field_error("store", _("Unknown store: %(code)s", code=store_code))
    product = product_facts(sku)
    if product is None:
        raise NotFound(_("Unknown SKU: %(skus)s", skus=sku))
    found = queries.availability(product, store, latitude, longitude, limit, OPTIONS_PER_METHOD)
    origin = None
    if store is not None:
        origin = {"latitude": store.latitude, "longitude": store.longitude, "store": store.code}
    elif latitude is not None:
        origin = {"latitude": latitude, "longitude": longitude, "store": None}
    return jsonify({
        "product": product_json(product, found.web_atp),
        "origin": origin,
        "locations": [
            {"code": row.location.code, "name": row.location.name, "kind": str(row.location.kind),
             "city": row.location.city, "on_hand": row.on_hand, "web_atp": row.web_atp,
             "distance_km": row.distance_km}
            for row in found.locations
        ],
        "locations_total": found.locations_total,
        "offers": [offer_json(offer, seller) for offer, seller in found.offers],
        "delivery_options": [delivery_option_json(option) for option in found.options],
    })


@bp.get("/stores/<code>/appointment-slots")
def appointment_slots(code: str):
    store = queries.store_by_code(code)
    if store is None or store.kind != LocationKind.STORE:
        raise NotFound(_("Unknown store: %(code)s", code=code))
    expertise = request.args.get("expertise", "").strip()
    if len(expertise) > appointments.MAX_EXPERTISE_LENGTH:
        raise parsing.field_error("expertise", _(
            "expertise is longer than %(max)d characters.", max=appointments.MAX_EXPERTISE_LENGTH))
    items = _items_to_see()
    if items:
        offers = appointments.slots_for_items(store, items, expertise)
    else:
        offers = appointments.open_slots(store, utcnow(), expertise)
    return jsonify({"store": store.code, "slots": [slot_offer_json(offer) for offer in offers]})


def _items_to_see() -> dict[Product, int]:
    """The repeated `sku` parameters: one unit each, or `CODE:quantity`."""
    wanted: dict[str, int] = {}
    values = request.args.getlist("sku")
    if len(values) > MAX_ORDER_LINES:
        raise parsing.field_error("sku", _("sku is repeated more than %(max)d times.",
                                           max=MAX_ORDER_LINES))
    for value in values:
        sku, colon, quantity = (part.strip() for part in value.partition(":"))
        sku = sku.upper()
        if not sku or (colon and not (quantity.isdecimal()
                                      and 1 <= int(quantity) <= MAX_LINE_QUANTITY)):
            raise parsing.field_error("sku", _(
                "Each sku is a SKU, or a SKU and a quantity from 1 to %(max)d such as "
                "PHN-A:2; “%(value)s” is neither.", max=MAX_LINE_QUANTITY, value=value[:40]))
        wanted[sku] = wanted.get(sku, 0) + (int(quantity) if colon else 1)
    products = products_by_sku(list(wanted))
    unknown = [sku for sku in wanted if sku not in products]
    if unknown:
        raise NotFound(_("Unknown SKU: %(skus)s", skus=", ".join(unknown)))
    return {products[sku]: quantity for sku, quantity in wanted.items()}


@bp.post("/orders")
@idempotent
def create_order():
    body = parsing.json_object()
    order_request = _order_request(body)
    slot_id = _appointment_slot(body["delivery"], order_request.delivery_method)
    try:
        if slot_id is None:
            order = place_order(order_request)
        else:
            order = appointments.reserve_with_appointment(order_request, slot_id).order
    except NotFound as unknown:  # an unknown SKU, store or slot in the body is invalid input
        raise InvalidInput(unknown.message) from None
    response = jsonify(order_json(order))
    response.status_code = 201
    response.headers["Location"] = url_for("api.order_detail", number=order.number)
    return response


def _order_request(body: dict) -> OrderRequest:
    customer = parsing.object_at(body, "customer", "customer")
    delivery = parsing.object_at(body, "delivery", "delivery")
    lines = []
    for index, line in enumerate(parsing.list_at(body, "lines", "lines", MAX_ORDER_LINES)):
        if not isinstance(line, dict):
            raise parsing.field_error(f"lines[{index}]", _("Each line must be an object."))
        lines.append((parsing.text_at(line, "sku", f"lines[{index}].sku", 32),
                      parsing.integer_at(line, "qty", f"lines[{index}].qty")))
    return OrderRequest(
        email=parsing.text_at(customer, "email", "customer.email", 254),
        first_name=parsing.text_at(customer, "first_name", "customer.first_name", 80),
        last_name=parsing.text_at(customer, "last_name", "customer.last_name", 80),
        phone=parsing.text_at(customer, "phone", "customer.phone", 32),
        lines=lines,
        delivery_method=parsing.text_at(delivery, "method", "delivery.method", 20),
        pickup_store_code=parsing.text_at(delivery, "store", "delivery.store", 16) or None,
        ship_address=parsing.text_at(delivery, "address", "delivery.address", 300),
        ship_latitude=parsing.number_at(delivery, "latitude", "delivery.latitude"),
        ship_longitude=parsing.number_at(delivery, "longitude", "delivery.longitude"),
    )


def _appointment_slot(delivery: dict, method: str) -> int | None:
    """The published slot an e-reservation books; a free-form time is no longer taken."""
    if delivery.get("appointment_at") is not None:
        raise parsing.field_error("delivery.appointment_at", _(
            "An appointment must be a published slot: book one with delivery.appointment_slot "
            "(see GET /stores/{code}/appointment-slots)."))
    if delivery.get("appointment_slot") is None:
        return None
    slot_id = parsing.id_at(delivery, "appointment_slot", "delivery.appointment_slot")
    if method != DeliveryMethod.RESERVE:
        raise parsing.field_error("delivery.appointment_slot",
                                  _("Only an e-reservation comes with an advice appointment."))
    return slot_id


def _order_or_404(number: str) -> Order:
    order = db.session.scalar(
        select(Order).filter_by(number=number)
        .options(selectinload(Order.lines), selectinload(Order.customer),
                 selectinload(Order.pickup_location))
    )
    if order is None:
        raise NotFound(_("Unknown order: %(number)s", number=number))
    return order


@bp.get("/orders/<number>")
def order_detail(number: str):
    body = order_detail_json(_order_or_404(number))
    db.session.commit()  # the customer link of an order placed elsewhere is issued on first read
    return jsonify(body)


@bp.post("/orders/<number>/cancel")
@idempotent
def cancel(number: str):
    order = _order_or_404(number)
    cancel_order(order, actor_id=None, reason=_reason() or _("cancelled through the API"))
    appointments.close_with_order(order)
    return jsonify(order_json(order))


def _reason() -> str:
    """The optional `reason` of a cancellation; the body itself may be left out."""
    body = parsing.json_object() if request.get_data() else {}
    return parsing.text_at(body, "reason", "reason", 200)


def _booking_of(order: Order) -> Booking:
    booking = booking_of(order)
    if booking is None:
        raise DomainError(_("This order has no appointment; book one when reserving."))
    return booking


@bp.post("/orders/<number>/appointment")
@idempotent
def move_appointment(number: str):
    booking = _booking_of(_order_or_404(number))
    slot_id = parsing.id_at(parsing.json_object(), "slot", "slot")
    try:
        appointments.move_booking(booking, slot_id)
    except NotFound as unknown:  # the order was found: the slot in the body was not
        raise parsing.field_error("slot", unknown.message) from None
    return jsonify(order_json(booking.order))


@bp.post("/orders/<number>/appointment/cancel")
@idempotent
def cancel_appointment(number: str):
    booking = _booking_of(_order_or_404(number))
    appointments.cancel_booking(booking, actor_id=None, reason=_reason())
    return jsonify(order_json(booking.order))


@bp.post("/orders/<number>/lines")
@idempotent
def add_order_line(number: str):
    """A product to compare at the appointment, brought to the store in time for it."""
    booking = _booking_of(_order_or_404(number))
    body = parsing.json_object()
    sku = parsing.text_at(body, "sku", "sku", 32)
    if not sku:
        raise parsing.field_error("sku", _("sku is required."))
    quantity = parsing.integer_at(body, "qty", "qty")
    try:
        appointments.add_product(booking, sku, quantity, actor_id=None)
    except NotFound as unknown:  # the order was found: the SKU in the body was not
        raise parsing.field_error("sku", unknown.message) from None
    response = jsonify(order_json(booking.order))
    response.status_code = 201
    response.headers["Location"] = url_for("api.order_detail", number=number)
    return response


@bp.post("/stock/movements")
@idempotent
def stock_movements():
    body = parsing.json_object()
    rows = []
    for index, row in enumerate(parsing.list_at(body, "movements", "movements", MAX_BATCH_ROWS)):
        path = f"movements[{index}]"
        if not isinstance(row, dict):
            raise parsing.field_error(path, _("Each movement must be an object."), index=index)
        try:
            rows.append(FeedRow(
                location_code=parsing.text_at(row, "location", f"{path}.location", 16),
                sku=parsing.text_at(row, "sku", f"{path}.sku", 32),
                kind=parsing.text_at(row, "kind", f"{path}.kind", 16),
                quantity=parsing.integer_at(row, "quantity", f"{path}.quantity"),
            ))
        except InvalidInput as refused:  # say which row, as the feed's own checks do
            raise parsing.field_error(refused.details["field"], refused.message,
                                      index=index) from None
    applied = apply_stock_feed(rows, reference=f"api-client:{g.api_client_id}")
    response = jsonify({
        "applied": len(applied),
        "movements": [
            {"index": index, "location": row.location.code, "sku": row.product.sku,
             "kind": str(row.kind), "quantity": row.quantity, "on_hand": row.on_hand}
            for index, row in enumerate(applied)
        ],
    })
    response.status_code = 201
    return response

