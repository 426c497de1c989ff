"""What the counter does when an order moves (orders.events.order_moved, same transaction)."""
from sqlalchemy import select

from omni_store.counter.tokens import order_view_token
from omni_store.extensions import db
from omni_store.orders.events import order_moved
from omni_store.orders.models import Hold, HoldStatus, Order, OrderStatus
from omni_store.outbox.models import EventKind
from omni_store.outbox.services import record_event


@order_moved.connect
def tell_customer_ready(order: Order, **_move) -> None:
    """The order waits in its slot: the customer gets their link and pickup code (once:
    the event's key is the order's number)."""
    if order.status != OrderStatus.READY:
        return
    hold = db.session.scalar(
        select(Hold).where(Hold.order_id == order.id, Hold.status == HoldStatus.ACTIVE)
        .order_by(Hold.id.desc())
    )
    store = order.pickup_location
    record_event(EventKind.READY_FOR_PICKUP, f"ready_for_pickup:{order.number}", {
        "order": order.number,
        "email": order.customer.email,
        "first_name": order.customer.first_name,
        "store": store.code,
        "store_name": store.name,
        "slot": hold.zone.code if hold else None,
        "expires_at": hold.expires_at.isoformat() if hold else None,
        # The customer's page (QR code) and pickup code, rebuilt from this stored link when
        # the message is sent: the payload keeps no secret.
        "pickup_token": order_view_token(order).id,
    })
