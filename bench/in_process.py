"""What the bench does inside the app: find its fixtures, count SQL statements per request,
time the sourcing of an order, and check the stock ledger around the order load."""
import json
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from omni_store import create_app
from omni_store.auth.models import User
from omni_store.catalog.models import Offer, Product
from omni_store.core.clock import utcnow
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.inventory.models import Channel, StockLevel, StockMovement
from omni_store.network.models import Location, LocationKind
from omni_store.orders.models import OPEN_ORDER_STATUSES, DeliveryMethod, Order, OrderStatus
from omni_store.fulfilment.placing import place_order
from omni_store.orders.intake import OrderRequest
from omni_store.orders.sourcing import Destination, plan_line
from omni_store.orders.weighted_rules import current_rules
from omni_store.counter import tokens
from tests.factories import counted_statements  # the tests' own counter: the same figures
from omni_store.counter.models import TokenPurpose
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskKind

STORE = "PAR-RIV"
ASSOCIATE = "associate@rivoli.demo"
MANAGER = "manager@rivoli.demo"
HELD_EVERYWHERE_SKU = "PHN-NOVX5-128-BLK"
API_KEY = "demo-api-key"
# Units received at the order store for each ordered SKU: the order load never runs out.
ORDER_STOCK_TOP_UP = 100_000
SOURCING_REPEATS = 30


def bench_app(url: str):
    # CSRF is checked over HTTP; here it would only stand between the test client and the view.
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "SESSION_COOKIE_SECURE": False, "WTF_CSRF_ENABLED": False})


@contextmanager
def app_for(url: str):
    app = bench_app(url)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()  # the copy is dropped after the run: no connection may stay


@dataclass(frozen=True)
class Fixtures:
    pick_task_id: int
    pick_barcode: str
    pick_units_left: int
    ready_order_id: int
    customer_token: str
    order_skus: list[str]
    order_store: str
    facts: dict

    @property
    def scan_id(self) -> str:
        # The same id every time, across runs too: the first scan counts, the rest are its repeats.
        return f"bench{self.pick_task_id}"

    def order_body(self) -> bytes:
        return json.dumps({
            "customer": {"email": "bench.customer@example.com", "first_name": "Bench",
                         "last_name": "Load"},
            "lines": [{"sku": sku, "qty": 1} for sku in self.order_skus],
            "delivery": {"method": "pickup", "store": self.order_store},
        }).encode()


def prepare(app) -> Fixtures:
    """Find what the requests need in the run's copy, make a customer link, top up order stock."""
    with app.test_request_context():
        store = db.session.scalar(select(Location).filter_by(code=STORE))
        associate = db.session.scalar(select(User).filter_by(email=ASSOCIATE))
        manager = db.session.scalar(select(User).filter_by(email=MANAGER))
        if store is None or associate is None or manager is None:
            raise SystemExit(f"The database has no {STORE} or no demo staff: is it a demo chain?")
        units_left = Task.quantity - Task.done_quantity
        pick = db.session.execute(
            select(Task, units_left)
            .where(Task.location_id == store.id, Task.kind == TaskKind.PICK,
                   Task.status.in_(OPEN_TASK_STATUSES),
                   (Task.assignee_id.is_(None)) | (Task.assignee_id == associate.id))
            .order_by(units_left.desc(), Task.id).limit(1)
        ).first()
        ready = db.session.scalar(
            select(Order).where(Order.pickup_location_id == store.id, Order.status == OrderStatus.READY)
            .order_by(Order.id).limit(1))
        if pick is None or ready is None:
            raise SystemExit(f"{STORE} has no open pick task or no ready order: the data may be "
                             "stale, rebuild it with --rebuild.")
        # Issued here, signed with the bench's SECRET_KEY: a seeded link was signed with another.
        token = tokens.link_token(tokens.issue(ready, TokenPurpose.ORDER_VIEW, utcnow() + timedelta(days=1)))
        order_store = db.session.scalar(
            select(Location).where(Location.kind == LocationKind.STORE, Location.active.is_(True),
                                   Location.does_pickup.is_(True), Location.code != STORE)
            .order_by(Location.code).limit(1))
        skus = [HELD_EVERYWHERE_SKU] + list(db.session.scalars(
            select(Product.sku).join(StockLevel).where(Product.sku != HELD_EVERYWHERE_SKU)
            .group_by(Product.id, Product.sku).order_by(func.count().desc(), Product.sku).limit(2)))
        for product in db.session.scalars(select(Product).where(Product.sku.in_(skus))):
            inventory.receive(order_store.id, product.id, ORDER_STOCK_TOP_UP, inventory.Ref("bench:top-up"))
        fixtures = Fixtures(pick[0].id, pick[0].product.barcodes[0].code, pick[1], ready.id, token, skus,
                            order_store.code, _facts())
        db.session.commit()
        return fixtures


def _facts() -> dict:
    def count(statement) -> int:
        return db.session.scalar(select(func.count()).select_from(statement.subquery()))

    return {
        "stores": count(select(Location.id).where(Location.kind == LocationKind.STORE)),
        "locations": count(select(Location.id)),
        "products": count(select(Product.id)),
        "stock_levels": count(select(StockLevel.id)),
        "open_orders": count(select(Order.id).where(Order.status.in_(OPEN_ORDER_STATUSES))),
        "offers": count(select(Offer.id)),
    }


# --- statements per request --------------------------------------------------------------


def statements_per_request(app, measured: list) -> dict[str, int | str]:
    """Statements of one request of each, after a first one (caches, first-time writes);
    what was wrong instead of a count when a request did not get its expected status."""
    clients = {}
    counts = {}
    for request in measured:
        client = clients.get(request.user)
        if client is None:
            client = clients[request.user] = app.test_client()
            if request.user:
                with app.app_context():
                    session_id = db.session.scalar(select(User).filter_by(email=request.user)).get_id()
                with client.session_transaction() as session:
                    session["_user_id"] = session_id
        for _attempt in range(2):  # the second is counted
            headers = dict(request.headers)
            if request.fresh_idempotency_key:
                headers["Idempotency-Key"] = f"count-{time.time_ns()}"
            with app.app_context(), counted_statements() as statements:
                response = client.open(request.path, method=request.method, headers=headers,
                                       data=request.body)
            if response.status_code != request.expect:
                counts[request.key] = f"answered {response.status_code}"
                break
        else:
            counts[request.key] = len(statements)
    return counts


# --- sourcing ------------------------------------------------------------------------------


def _percentiles(seconds: list[float]) -> dict:
    cuts = statistics.quantiles(seconds, n=20)
    return {"p50_ms": round(statistics.median(seconds) * 1000, 2), "p95_ms": round(cuts[18] * 1000, 2),
            "repeats": len(seconds)}


def time_sourcing(app, fixtures: Fixtures) -> dict:
    """A 3-line pickup order sourced across all locations, each try rolled back.

    plan: sourcing.plan_line for each line with the saved rules (reads only);
    place_order: the whole intake place_order does (source, allocate, promise, tasks).
    """
    results = {}
    with app.test_request_context():
        store = db.session.scalar(select(Location).filter_by(code=fixtures.order_store))
        products = list(db.session.scalars(select(Product).where(Product.sku.in_(fixtures.order_skus))))
        request = OrderRequest(email="bench.customer@example.com", first_name="Bench",
                               lines=[(sku, 1) for sku in fixtures.order_skus],
                               delivery_method=DeliveryMethod.PICKUP, pickup_store_code=store.code)

        def plan():
            rules = current_rules()
            destination = Destination.pickup_store(DeliveryMethod.PICKUP, store)
            for product in products:
                plan_line(product, 1, destination, Channel.WEB, rules)

        for name, work in (("plan_3_lines", plan), ("place_order_3_lines", lambda: place_order(request))):
            timings = []
            for _ in range(SOURCING_REPEATS + 1):
                started = time.perf_counter()
                with counted_statements() as statements:
                    work()
                timings.append(time.perf_counter() - started)
                db.session.rollback()
            results[name] = _percentiles(timings[1:]) | {"statements": len(statements)}
    return results


# --- the stock ledger around the order load ------------------------------------------------


def ledger(app, skus: list[str]) -> dict:
    """Levels above their stock, and each level of `skus` minus the sum of its movements."""
    with app.app_context():
        over_allocated = db.session.scalar(
            select(func.count()).select_from(StockLevel).where(StockLevel.allocated > StockLevel.on_hand))
        product_ids = select(Product.id).where(Product.sku.in_(skus)).scalar_subquery()
        sums = {
            (row.location_id, row.product_id): row[2:]
            for row in db.session.execute(
                select(StockMovement.location_id, StockMovement.product_id,
                       func.sum(StockMovement.delta_on_hand), func.sum(StockMovement.delta_allocated),
                       func.sum(StockMovement.delta_quarantine))
                .where(StockMovement.product_id.in_(product_ids))
                .group_by(StockMovement.location_id, StockMovement.product_id))
        }
        drift = {}
        for level in db.session.scalars(select(StockLevel).where(StockLevel.product_id.in_(product_ids))):
            moved = sums.get((level.location_id, level.product_id), (0, 0, 0))
            drift[f"{level.location_id}:{level.product_id}"] = (
                level.on_hand - moved[0], level.allocated - moved[1], level.quarantine - moved[2])
        orders = db.session.scalar(select(func.count()).select_from(Order))
        return {"over_allocated": over_allocated, "drift": drift, "orders": orders}


def oversell_check(before: dict, after: dict) -> dict:
    """Zero oversell: no level allocated beyond its stock, and every change went through the
    ledger (a level's difference from its movements is what it was before the load)."""
    changed = [key for key, value in after["drift"].items() if before["drift"].get(key, (0, 0, 0)) != value]
    return {"over_allocated_levels": after["over_allocated"], "levels_off_ledger": len(changed),
            "levels_off_ledger_before_load": sum(1 for value in before["drift"].values() if any(value)),
            "orders_created": after["orders"] - before["orders"],
            "ok": after["over_allocated"] == 0 and not changed}
