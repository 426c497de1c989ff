"""Benchmarks: allocation throughput and the cost of the associate's Today screen.

    .venv/bin/python bench/stock_and_today.py            # SQLite file (the embedded default)
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/omni_bench \
        .venv/bin/python bench/stock_and_today.py

Figures depend on the machine; the ratios printed in one run are what to compare.
"""
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from omni_store import create_app  # noqa: E402
from omni_store.auth.models import Role  # noqa: E402
from omni_store.catalog.models import Product  # noqa: E402
from omni_store.extensions import db  # noqa: E402
from omni_store.inventory import services as inventory  # noqa: E402
from omni_store.inventory.models import Channel, StockLevel  # noqa: E402
from tests import factories  # noqa: E402

ALLOCATIONS = 400
THREADS = 4


def make_app():
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "SESSION_COOKIE_SECURE": False, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def allocate_many(app, product_ids, store_id, count):
    """One request-sized transaction per allocation, as the API and screens do."""
    with app.app_context():
        for i in range(count):
            product = db.session.get(Product, product_ids[i % len(product_ids)])
            assert inventory.allocate(store_id, product, 1, Channel.WEB)
            db.session.commit()


def bench_allocations(app):
    with app.app_context():
        store = factories.store()
        products = [factories.product() for _ in range(THREADS)]
        for p in products:
            factories.stock(store, p, ALLOCATIONS * 2)
        db.session.commit()
        store_id, product_ids = store.id, [p.id for p in products]

    started = time.perf_counter()
    allocate_many(app, product_ids, store_id, ALLOCATIONS)
    sequential = ALLOCATIONS / (time.perf_counter() - started)

    def run_threads(ids_for_thread):
        threads = [threading.Thread(target=allocate_many,
                                    args=(app, ids_for_thread(n), store_id, ALLOCATIONS // THREADS))
                   for n in range(THREADS)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return ALLOCATIONS / (time.perf_counter() - started)

    same_product = run_threads(lambda n: product_ids[:1])
    own_product = run_threads(lambda n: [product_ids[n]])
    with app.app_context():
        allocated = sum(lv.allocated for lv in db.session.query(StockLevel))
    assert allocated == 3 * ALLOCATIONS, allocated  # every allocation counted exactly once
    print(f"allocations/s  sequential {sequential:7.0f} | {THREADS} threads, one hot product "
          f"{same_product:7.0f} | {THREADS} threads, own product {own_product:7.0f}")
    print(f"ratio hot/own product: {same_product / own_product:.2f}")


def bench_today(app):
    """Time and statement count of GET / for an associate, with few and many open tasks."""
    results = {}
    statements = []

    def count(*_args):
        statements.append(1)

    for task_count in (10, 200):
        with app.app_context():
            store = factories.store()
            zone = factories.zone(store)
            user = factories.user(Role.ASSOCIATE, store)
            for i in range(task_count):
                factories.task(store, due_in=timedelta(minutes=i), product_id=factories.product().id,
                               zone_id=zone.id, quantity=1)
            db.session.commit()
            session_id = user.get_id()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
        timings = []
        for _ in range(20):
            statements.clear()
            started = time.perf_counter()
            response = client.get("/")
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", count)
        results[task_count] = (statistics.median(timings) * 1000, len(statements))
        print(f"Today with {task_count:3d} tasks: {results[task_count][0]:6.1f} ms median, "
              f"{results[task_count][1]} SQL statements")
    print(f"ratio 200/10 tasks: time {results[200][0] / results[10][0]:.1f}x, "
          f"statements {results[200][1] / results[10][1]:.1f}x")


if __name__ == "__main__":
    bench_app = make_app()
    print(f"database: {bench_app.config['SQLALCHEMY_DATABASE_URI'].split('://')[0]}")
    bench_allocations(bench_app)
    bench_today(bench_app)
