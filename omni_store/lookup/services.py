"""Ordering from chain stock for the customer in front of the associate."""
from omni_store.appointments.services import reserve_with_appointment
from omni_store.fulfilment.placing import place_marketplace_order, place_order
from omni_store.network.models import Location
from omni_store.orders.intake import OrderRequest
from omni_store.orders.models import Order
from omni_store.orders.resourcing import only_from


def reserve_from(reservation: OrderRequest, source: Location, slot_id: int | None,
                 actor_id: int) -> Order:
    """An e-reservation sourced only from the location the associate chose, with the
    advice appointment picked, if any: both are placed or neither."""
    rules = only_from(source.id)
    if slot_id is None:
        return place_order(reservation, actor_id, rules=rules)
    return reserve_with_appointment(reservation, slot_id, actor_id, rules=rules).order


def order_home_delivery(request: OrderRequest, offer_id: int | None, actor_id: int) -> Order:
    """Home delivery from the chain's own stock, or from the marketplace offer chosen."""
    if offer_id is None:
        return place_order(request, actor_id)
    return place_marketplace_order(request, offer_id)
