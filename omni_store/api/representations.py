"""The JSON shapes of the API, as documented in openapi_schemas.py."""
from collections import defaultdict
from datetime import datetime

from omni_store.api import queries
from omni_store.api.queries import Availability
from omni_store.api.stock_feed import AppliedRow
from omni_store.appointments.queries import booking_of
from omni_store.appointments.services import SlotOffer
from omni_store.catalog.models import Offer, Product, Seller
from omni_store.core.clock import as_utc
from omni_store.core.database import write_intent
from omni_store.counter import tokens
from omni_store.network.snapshot import Site
from omni_store.orders.models import (
    STORE_DELIVERY_METHODS,
    Allocation,
    Order,
    OrderStatus,
)
from omni_store.orders.queries import order_plan
from omni_store.tasks.models import OPEN_TASK_STATUSES, TaskStatus

CURRENCY = "EUR"


def timestamp(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def product_json(product: Product, web_atp: int) -> dict:
    return {
        "sku": product.sku,
        "name": product.name,
        "brand": product.brand,
        "category": product.category,
        "eans": list(product.eans),
        "price_cents": product.price_cents,
        "currency": CURRENCY,
        "web_atp": web_atp,
    }


def offer_json(offer: Offer, seller: Seller) -> dict:
    return {
        "seller": {"code": seller.code, "name": seller.name, "rating": seller.rating},
        "condition": str(offer.condition),
        "price_cents": offer.price_cents,
        "shipping_cents": offer.shipping_cents,
        "total_cents": offer.total_cents,
        "stock": offer.stock,
        "lead_time_days": offer.lead_time_days,
    }


def delivery_option_json(option) -> dict:
    return {
        "method": str(option.method),
        "source": option.source,
        "date": timestamp(option.date),
        "price_cents": option.price_cents,
        "explanation": str(option.explanation),
    }


def availability_json(found: Availability, store: Site | None, latitude: float | None,
                      longitude: float | None) -> dict:
    """The product's availability, and the origin its distances are measured from."""
    origin = None
    if store is not None:
        origin = {"latitude": store.latitude, "longitude": store.longitude, "store": store.code}
    elif latitude is not None:
        origin = {"latitude": latitude, "longitude": longitude, "store": None}
    return {
        "product": product_json(found.product, found.web_atp),
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
    }


def stock_movements_json(applied: list[AppliedRow]) -> dict:
    return {
        "applied": len(applied),
        "movements": [
            {"index": index, "location": row.location.code, "sku": row.product.sku,
             "kind": str(row.kind), "quantity": row.quantity, "on_hand": row.on_hand}
            for index, row in enumerate(applied)
        ],
    }


def slot_offer_json(offer: SlotOffer) -> dict:
    slot = offer.slot
    return {
        "id": slot.id,
        "starts_at": timestamp(slot.starts_at),
        "ends_at": timestamp(slot.ends_at),
        "length_minutes": slot.length_minutes,
        "expertise": slot.expertise,
        "places_left": offer.places_left,
    }


def customer_link(order: Order) -> str | None:
    """The customer's own page of a pickup or e-reservation (QR, pickup confirmation).

    A write issues it with the order; a read shows only a stored one (a read commits
    nothing, so a link issued there would open nothing).
    """
    if order.delivery_method not in STORE_DELIVERY_METHODS:
        return None
    row = tokens.order_view_token(order) if write_intent.get() else tokens.live_order_view_token(order)
    return tokens.link_of(row) if row else None


def order_json(order: Order) -> dict:
    """What the caller sees right after placing or cancelling an order."""
    return {
        "number": order.number,
        "status": str(order.status),
        "channel": str(order.channel),
        "created_at": timestamp(order.created_at),
        "promised_at": timestamp(order.promised_at),
        "customer": {"email": order.customer.email, "first_name": order.customer.first_name,
                     "last_name": order.customer.last_name},
        "delivery": {
            "method": str(order.delivery_method),
            "store": order.pickup_location.code if order.pickup_location else None,
            "address": order.ship_address or None,
            "appointment_at": timestamp(order.appointment_at),
        },
        "appointment": _appointment_json(order),
        "lines": [
            {"sku": line.product.sku, "name": line.product.name, "quantity": line.quantity,
             "unit_price_cents": line.unit_price_cents,
             "handed_over_quantity": line.handed_over_quantity}
            for line in order.lines
        ],
        "plan": [
            {"sku": plan.line.product.sku, "quantity": plan.line.quantity,
             "sources": [_allocation_json(allocation) for allocation in plan.allocations]}
            # A cancelled order shows what it had, each source marked released.
            for plan in order_plan(order, include_released=order.status == OrderStatus.CANCELLED)
        ],
        "customer_link": customer_link(order),
    }


def _appointment_json(order: Order) -> dict | None:
    booking = booking_of(order)
    if booking is None:
        return None
    slot = booking.slot
    return {"slot": slot.id, "starts_at": timestamp(slot.starts_at),
            "ends_at": timestamp(slot.ends_at), "expertise": slot.expertise,
            "status": str(booking.status)}


def _allocation_json(allocation: Allocation) -> dict:
    return {
        "location": allocation.location.code,
        "location_name": allocation.location.name,
        "quantity": allocation.quantity,
        "transport": str(allocation.transport),
        "status": str(allocation.status),
        "distance_km": allocation.distance_km,
        "expected_at": timestamp(allocation.expected_at),
        "explanation": allocation.explanation,
    }


def order_detail_json(order: Order) -> dict:
    """The order with the work it caused: tasks per kind and the parcels carrying it."""
    return order_json(order) | {"tasks": _task_progress(order), "parcels": _parcels(order)}


def _task_progress(order: Order) -> list[dict]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind, status, number in queries.task_counts(order):
        counts[str(kind)][str(status)] += number
    return [
        {
            "kind": kind,
            "total": sum(by_status.values()),
            "open": sum(by_status[str(status)] for status in OPEN_TASK_STATUSES),
            "done": by_status[str(TaskStatus.DONE)],
            "exception": by_status[str(TaskStatus.EXCEPTION)],
            "cancelled": by_status[str(TaskStatus.CANCELLED)],
        }
        for kind, by_status in sorted(counts.items())
    ]


def _parcels(order: Order) -> list[dict]:
    return [
        {
            "code": parcel.code,
            "kind": str(parcel.kind),
            "status": str(parcel.status),
            "origin": parcel.origin.code,
            "destination": parcel.destination.code if parcel.destination else None,
            "tracking_number": parcel.tracking_number,
            "expected_at": timestamp(parcel.expected_at),
        }
        for parcel in queries.parcels_of(order)
    ]
