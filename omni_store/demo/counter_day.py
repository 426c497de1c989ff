"""At the PAR-RIV counter: orders waiting in hold slots, and orders already collected.

So that the counter has something to hand over and the returns desk something to take
back: two of the day's picked orders are put in hold slots, and two more orders are
placed, picked, isolated and handed over, all through the real services. Idempotent:
nothing changes once the store has a ready or collected order.
"""
import unicodedata

from sqlalchemy import select

from omni_store.auth.models import User
from omni_store.catalog.models import Product
from omni_store.counter.services import hand_over, pending_scans, scan_out
from omni_store.demo import network_data, people_data
from omni_store.demo.catalog_data import PHONE_A_SKU, STORY_CASE_SKU, STORY_PC_SKU
from omni_store.demo.orders_data import CUSTOMER_MAIL_DOMAIN
from omni_store.extensions import db
from omni_store.inventory.models import StockLevel
from omni_store.network.models import Location
from omni_store.fulfilment.progress import advance
from omni_store.orders.models import Customer, DeliveryMethod, Order, OrderStatus
from omni_store.fulfilment.placing import place_order
from omni_store.orders.intake import OrderRequest
from omni_store.tasks.isolating import isolate_order, propose_slot
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskKind
from omni_store.tasks.services import claim_task, complete_task

COUNTER_STORE = "PAR-RIV"
# Cheap, plentiful items the acceptance story does not need.
COUNTER_CATEGORIES = ("accessories", "phone_cases", "books")
STORY_SKUS = (PHONE_A_SKU, STORY_CASE_SKU, STORY_PC_SKU)
# Picked this morning (see orders_data): now waiting in a hold slot for their customer.
READY_CUSTOMERS = (("Camille", "Martin"), ("Lucas", "Bernard"))
# Collected yesterday: (first name, last name, how many different items).
COLLECTED_CUSTOMERS = (
    ("Antoine", "Gauthier", 4),  # four items: one return can show every disposition
    ("Nina", "Perrin", 2),
)


def seed_counter_day(locations: dict[str, Location], users: dict[str, User]) -> None:
    store = locations[COUNTER_STORE]
    if db.session.scalar(select(Order.id).where(
        Order.pickup_location_id == store.id,
        Order.status.in_((OrderStatus.READY, OrderStatus.HANDED_OVER)),
    ).limit(1)):
        return
    row = next(s for s in network_data.STORES if s.code == COUNTER_STORE)
    associate_id = users[people_data.associate_email(row)].id
    for first_name, last_name in READY_CUSTOMERS:
        order = db.session.scalar(select(Order).join(Order.customer).where(
            Customer.email == _email(first_name, last_name)))
        _pick_and_isolate(order, associate_id)
    skus = _plentiful_skus(store, sum(items for _f, _l, items in COLLECTED_CUSTOMERS))
    for first_name, last_name, items in COLLECTED_CUSTOMERS:
        lines, skus = skus[:items], skus[items:]
        order = place_order(OrderRequest(
            email=_email(first_name, last_name),
            first_name=first_name, last_name=last_name, lines=[(sku, 1) for sku in lines],
            delivery_method=DeliveryMethod.PICKUP, pickup_store_code=COUNTER_STORE,
        ), actor_id=associate_id)
        _pick_and_isolate(order, associate_id)
        _collect(order, associate_id)


def _email(first_name: str, last_name: str) -> str:
    local_part = unicodedata.normalize("NFKD", f"{first_name}.{last_name}".lower())
    return f"{local_part.encode('ascii', 'ignore').decode()}@{CUSTOMER_MAIL_DOMAIN}"


def _plentiful_skus(store: Location, count: int) -> list[str]:
    """The SKUs the store has most units of, free to promise, in a fixed order."""
    return list(db.session.scalars(
        select(Product.sku).join(StockLevel, StockLevel.product_id == Product.id)
        .where(StockLevel.location_id == store.id, Product.category.in_(COUNTER_CATEGORIES),
               Product.sku.not_in(STORY_SKUS))
        .order_by((StockLevel.on_hand - StockLevel.allocated).desc(), Product.sku)
        .limit(count)
    ))


def _open_tasks(order: Order, kind: TaskKind) -> list[Task]:
    return list(db.session.scalars(select(Task).where(
        Task.order_id == order.id, Task.kind == kind, Task.status.in_(OPEN_TASK_STATUSES)
    ).order_by(Task.id)))


def _pick_and_isolate(order: Order, associate_id: int) -> None:
    for pick in _open_tasks(order, TaskKind.PICK):
        claim_task(pick, associate_id)
        complete_task(pick, associate_id)
    advance(order, associate_id)
    for isolate in _open_tasks(order, TaskKind.ISOLATE):
        isolate_order(isolate, propose_slot(isolate).code, associate_id)
    if order.status != OrderStatus.READY:
        raise RuntimeError(f"demo order {order.number} did not reach the hold zone")


def _collect(order: Order, associate_id: int) -> None:
    for line in order.lines:
        for unit in range(line.quantity):
            scan_out(order, line.product.ean, f"demo-{order.number}-{line.id}-{unit}", associate_id)
    hand_over(order, pending_scans(order.id), {}, associate_id)
