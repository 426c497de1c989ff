"""Order intake: a request checked, then the order and its allocations (DESIGN §4, §5).

Everything is validated before anything is written. The order, its lines, their
allocations and the promise are written here; the store work that follows (tasks) is
fulfilment's, inside the same SAVEPOINT (omni_store.fulfilment.placing).
"""
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from omni_store.catalog.models import Product
from omni_store.core.clock import as_utc
from omni_store.core.errors import DomainError, InvalidInput, NotFound
from omni_store.extensions import db
from omni_store.inventory.models import Channel
from omni_store.network.models import Location, LocationKind
from omni_store.network.snapshot import network
from omni_store.orders.allocating import Sourced, allocate_line
from omni_store.orders.models import (
    OPEN_ORDER_STATUSES,
    STORE_DELIVERY_METHODS,
    Customer,
    DeliveryMethod,
    Order,
    OrderLine,
)
from omni_store.orders.promise import promise
from omni_store.orders.resourcing import arriving_by
from omni_store.orders.sourcing import Destination, SourcingRules
from omni_store.orders.weighted_rules import current_rules

MAX_LINE_QUANTITY = 999
ORDER_NUMBER_PREFIXES = {Channel.WEB: "W", Channel.STORE: "S", Channel.MARKETPLACE: "M"}


@dataclass(frozen=True, kw_only=True)
class OrderRequest:
    """An order as the e-commerce front, an associate or the API sends it."""

    email: str
    first_name: str
    last_name: str = ""
    phone: str = ""
    lines: list[tuple[str, int]]  # (SKU, quantity); the same SKU twice is merged
    delivery_method: DeliveryMethod
    pickup_store_code: str | None = None  # pickup and e-reservation
    ship_address: str = ""  # home and ship from store
    ship_latitude: float | None = None
    ship_longitude: float | None = None
    appointment_at: datetime | None = None
    channel: Channel = Channel.WEB


@dataclass(frozen=True)
class ValidOrder:
    """A request that passed every check, with its products looked up."""

    method: DeliveryMethod
    channel: Channel
    email: str
    quantities: dict[Product, int]  # in the order the customer listed them
    destination: Destination
    ship_address: str


# --- checking a request ------------------------------------------------------------------


def validate(request: OrderRequest, now: datetime) -> ValidOrder:
    method = _member(DeliveryMethod, request.delivery_method, _("Unknown delivery method."))
    channel = _member(Channel, request.channel, _("Unknown sales channel."))
    email = _text(request.email).lower()
    if "@" not in email or " " in email or len(email) > 254:
        raise InvalidInput(_("Please enter a valid email address."))
    if not _text(request.first_name):
        raise InvalidInput(_("Please enter the customer's first name."))
    quantities = products_and_quantities(request.lines)
    if request.appointment_at is not None:
        if request.appointment_at.tzinfo is None:
            raise InvalidInput(_("The appointment time must include its timezone."))
        if request.appointment_at <= now:
            raise InvalidInput(_("The appointment must be in the future."))
        if method != DeliveryMethod.RESERVE:
            raise InvalidInput(_("Only an e-reservation comes with an advice appointment."))
    destination = _destination(method, request)
    ship_address = "" if destination.store else _text(request.ship_address)
    return ValidOrder(method, channel, email, quantities, destination, ship_address)


def _text(value: str | None) -> str:
    return (value or "").strip()


def _member(enum, value, message):
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput(message) from None


def products_and_quantities(lines: list[tuple[str, int]]) -> dict[Product, int]:
    """Each requested SKU's product and its quantity, duplicates merged; refuses unknown SKUs."""
    if not lines:
        raise InvalidInput(_("An order needs at least one line."))
    requested: dict[str, int] = {}
    for raw_sku, quantity in lines:
        sku = _text(raw_sku)
        if not sku:
            raise InvalidInput(_("Every line needs a SKU."))
        requested[sku] = requested.get(sku, 0) + _valid_quantity(sku, quantity)
        _valid_quantity(sku, requested[sku])  # merged duplicates obey the same limit
    products = {
        p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(requested)))
    }
    unknown = [sku for sku in requested if sku not in products]
    if unknown:
        raise NotFound(_("Unknown SKU: %(skus)s", skus=", ".join(unknown)))
    return {products[sku]: quantity for sku, quantity in requested.items()}


def _valid_quantity(sku: str, quantity) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not (
        1 <= quantity <= MAX_LINE_QUANTITY
    ):
        raise InvalidInput(_("The quantity of %(sku)s must be a whole number from 1 to %(max)d.",
                             sku=sku, max=MAX_LINE_QUANTITY))
    return quantity


def _destination(method: DeliveryMethod, request: OrderRequest) -> Destination:
    if method in STORE_DELIVERY_METHODS:
        return Destination.pickup_store(method, pickup_store(request.pickup_store_code))
    latitude, longitude = request.ship_latitude, request.ship_longitude
    if not _text(request.ship_address):
        raise InvalidInput(_("Please enter the delivery address."))
    if not (_is_number(latitude) and -90 <= latitude <= 90
            and _is_number(longitude) and -180 <= longitude <= 180):
        raise InvalidInput(_("The delivery address needs valid coordinates (latitude, longitude)."))
    return Destination.address(method, latitude, longitude)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def pickup_store(code: str | None) -> Location:
    """The active store with this code that hands orders over; refuses any other."""
    code = _text(code).upper()
    if not code:
        raise InvalidInput(_("Please choose the store where the customer collects the order."))
    store = db.session.scalar(select(Location).filter_by(code=code))
    if store is None or store.kind != LocationKind.STORE:
        raise NotFound(_("Unknown store: %(code)s", code=code))
    if not store.active:
        raise InvalidInput(_("Store %(code)s does not take orders at the moment.", code=code))
    if not store.does_pickup:
        raise InvalidInput(_("Store %(code)s does not offer in-store pickup.", code=code))
    return store


def sourcing_rules(appointment_at: datetime | None, destination: Destination, now: datetime,
                   rules: SourcingRules | None = None) -> SourcingRules:
    """The retailer's saved rules (or `rules`), kept to sources in time for an appointment."""
    rules = rules or current_rules()
    if appointment_at is None:
        return rules
    return arriving_by(as_utc(appointment_at), destination, now, rules)


# --- writing the order -------------------------------------------------------------------


def take_order(request: OrderRequest, valid: ValidOrder, rules: SourcingRules, now: datetime,
               actor_id: int | None) -> tuple[Order, list[Sourced]]:
    """The order with every line allocated and its promise; NotAvailable if a line cannot
    be covered (the caller's SAVEPOINT undoes what was written)."""
    order = create_order(request, valid, now)
    sourced = [
        entry
        for line in order.lines
        for entry in allocate_line(order, line, valid.destination, rules, now, actor_id)
    ]
    order.promised_at = promise(valid.destination, [entry.allocation for entry in sourced],
                                network())
    return order, sourced


def create_order(request: OrderRequest, valid: ValidOrder, now: datetime) -> Order:
    """The order and its lines, nothing allocated yet."""
    destination = valid.destination
    order = Order(
        number=f"tmp-{uuid4().hex[:16]}",  # replaced below once the id is known
        channel=valid.channel,
        delivery_method=valid.method,
        customer=_customer(request, valid.email),
        pickup_location=destination.store,
        ship_address=valid.ship_address,
        ship_latitude=None if destination.store else destination.latitude,
        ship_longitude=None if destination.store else destination.longitude,
        appointment_at=request.appointment_at,
        created_at=now,
        # Each line with an empty plan: sourcing appends to it without loading it first.
        lines=[OrderLine(product=product, quantity=quantity, unit_price_cents=product.price_cents,
                         allocations=[])
               for product, quantity in valid.quantities.items()],
    )
    db.session.add(order)
    db.session.flush()
    # Derived from the id, the number is unique however many orders land at once.
    order.number = f"{ORDER_NUMBER_PREFIXES[valid.channel]}{order.id:06d}"
    db.session.flush()
    return order


def _customer(request: OrderRequest, email: str) -> Customer:
    """The customer with this email, created on their first order."""
    existing = db.session.scalar(select(Customer).filter_by(email=email))
    if existing is not None:
        return existing
    customer = Customer(email=email, first_name=_text(request.first_name),
                        last_name=_text(request.last_name), phone=_text(request.phone))
    try:
        with db.session.begin_nested():
            db.session.add(customer)
            db.session.flush()
    except IntegrityError:  # the same new customer's other order got in first
        return db.session.scalar(select(Customer).filter_by(email=email))
    return customer


# --- another line for an open order --------------------------------------------------------


def validate_new_line(order: Order, sku: str, quantity: int) -> tuple[Product, int]:
    """The product and quantity of another line for this open store order (read fresh)."""
    if order.status not in OPEN_ORDER_STATUSES or order.pickup_location is None:
        raise DomainError(_("Order %(number)s can no longer take new items.", number=order.number))
    ((product, quantity),) = products_and_quantities([(sku, quantity)]).items()
    if any(line.product_id == product.id for line in order.lines):
        raise InvalidInput(_("%(name)s is already part of order %(number)s.",
                             name=product.name, number=order.number))
    return product, quantity


def take_line(order: Order, product: Product, quantity: int, destination: Destination,
              rules: SourcingRules, now: datetime,
              actor_id: int | None) -> tuple[OrderLine, list[Sourced]]:
    """The new line, allocated; NotAvailable if it cannot be covered."""
    line = OrderLine(product=product, quantity=quantity, unit_price_cents=product.price_cents)
    order.lines.append(line)
    db.session.flush()
    return line, allocate_line(order, line, destination, rules, now, actor_id)
