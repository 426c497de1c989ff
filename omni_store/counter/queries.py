"""Finding orders at a counter (by scanned or typed number, customer name or email), and
what the customer's own pages read."""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload, selectinload

from omni_store.catalog.models import Product
from omni_store.counter.services import active_holds, pending_scans
from omni_store.extensions import db
from omni_store.orders.models import Customer, Hold, HoldStatus, Order, OrderLine

MAX_RESULTS = 20
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class OrderSearch:
    query: str
    orders: list[Order]
    truncated: bool  # more orders matched than are shown


@dataclass(frozen=True)
class CounterOrder:
    """Everything the counter screen shows about one order, loaded in a fixed few queries."""

    order: Order
    holds: list[Hold]
    scanned: dict[int, int]  # units scanned out and not handed over yet, by line id


def search_too_long(query: str) -> str | None:
    """The message for a search longer than any number or name; None when it fits."""
    if len(query) <= MAX_QUERY_LENGTH:
        return None
    return _("That search is too long: %(limit)d characters at most.", limit=MAX_QUERY_LENGTH)


def normalised(query: str | None) -> str:
    return " ".join((query or "").split())


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def order_by_number(query: str, store_id: int | None = None) -> Order | None:
    """The order whose number was scanned (its QR code holds the number) or typed."""
    statement = select(Order).where(Order.number == normalised(query).upper())
    if store_id is not None:
        statement = statement.where(Order.pickup_location_id == store_id)
    return db.session.scalar(statement)


def search_orders(query: str, store_id: int | None = None) -> OrderSearch:
    """Orders whose customer's name or email holds every word typed, newest first.

    `store_id` keeps the orders collected in that store (the counter); None searches the
    whole chain (a return can be taken in any store).
    """
    query = normalised(query)
    statement: Select = (
        select(Order).join(Order.customer)
        .options(joinedload(Order.customer), joinedload(Order.pickup_location),
                 selectinload(Order.lines))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(MAX_RESULTS + 1)
    )
    for word in query.split():
        pattern = _like(word)
        statement = statement.where(or_(
            Customer.first_name.ilike(pattern, escape="\\"),
            Customer.last_name.ilike(pattern, escape="\\"),
            Customer.email.ilike(pattern, escape="\\"),
            Order.number.ilike(pattern, escape="\\"),
        ))
    if store_id is not None:
        statement = statement.where(Order.pickup_location_id == store_id)
    orders = list(db.session.scalars(statement).unique())
    return OrderSearch(query, orders[:MAX_RESULTS], len(orders) > MAX_RESULTS)


def counter_order(order_id: int, store_id: int) -> CounterOrder | None:
    """The order as the counter of `store_id` sees it; None if it is not collected there."""
    order = db.session.scalar(
        select(Order)
        .where(Order.id == order_id, Order.pickup_location_id == store_id)
        .options(joinedload(Order.customer),
                 joinedload(Order.pickup_location),
                 selectinload(Order.lines).joinedload(OrderLine.product)
                 .selectinload(Product.barcodes))
    )
    if order is None:
        return None
    holds = active_holds(order.id)
    return CounterOrder(order, holds, pending_scans(order.id))


def customer_order(order_id: int) -> Order:
    """The order as its customer's page shows it: lines, products, customer, store."""
    return db.session.scalar(
        select(Order).where(Order.id == order_id)
        .options(selectinload(Order.lines).joinedload(OrderLine.product),
                 selectinload(Order.customer), selectinload(Order.pickup_location))
    )


def latest_active_hold(order_id: int) -> Hold | None:
    """The slot hold that expires last: when the customer must come by."""
    return db.session.scalar(
        select(Hold).where(Hold.order_id == order_id, Hold.status == HoldStatus.ACTIVE)
        .order_by(Hold.expires_at.desc()).limit(1)
    )
