"""The shared concurrency idioms (core.database), raced by real threads on each database."""
import threading

from sqlalchemy import func, select, update

from omni_store.core.database import compare_and_set, insert_or_ignore, lock_row
from omni_store.extensions import db as _db
from omni_store.inventory.models import StockLevel
from omni_store.tasks.models import Task, TaskStatus
from tests import factories

THREADS = 8


def _race(app, work) -> list:
    """Run `work()` in THREADS threads started together, each in its own app context."""
    start = threading.Barrier(THREADS)
    outcomes, errors = [], []

    def run():
        start.wait()
        try:
            with app.app_context():
                outcomes.append(work())
                _db.session.commit()
        except Exception as error:  # surfaced below: a thread must not fail silently
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return outcomes


def test_compare_and_set_lets_exactly_one_of_many_requests_win(app, db):
    task_id = factories.task(factories.store()).id
    db.session.commit()

    def claim():
        task = db.session.get(Task, task_id)
        return compare_and_set(task, Task.status == TaskStatus.OPEN, status=TaskStatus.IN_PROGRESS)

    assert sorted(_race(app, claim)) == [False] * (THREADS - 1) + [True]
    assert db.session.get(Task, task_id).status == TaskStatus.IN_PROGRESS


def test_compare_and_set_refreshes_the_row_it_refused(db):
    task = factories.task(factories.store())
    db.session.execute(update(Task).where(Task.id == task.id).values(status=TaskStatus.DONE))
    assert not compare_and_set(task, Task.status == TaskStatus.OPEN, status=TaskStatus.IN_PROGRESS)
    assert task.status == TaskStatus.DONE  # what is stored, not what this request last read
    assert compare_and_set(task, Task.status == TaskStatus.DONE, priority=3)
    assert task.priority == 3


def test_lock_row_serialises_a_read_then_write(app, db):
    task_id = factories.task(factories.store(), priority=0).id
    db.session.commit()

    def raise_priority():
        lock_row(Task, task_id)
        task = db.session.get(Task, task_id)
        task.priority += 1  # read, then write: without the lock two would write the same value
        return task.priority

    assert sorted(_race(app, raise_priority)) == list(range(1, THREADS + 1))
    db.session.expire_all()
    assert db.session.get(Task, task_id).priority == THREADS


def test_insert_or_ignore_creates_the_row_once(app, db):
    store, phone = factories.store(), factories.product()
    store_id, phone_id = store.id, phone.id
    db.session.commit()

    def create_level():
        return insert_or_ignore(StockLevel, ["location_id", "product_id"], location_id=store_id,
                                product_id=phone_id, on_hand=0, allocated=0, quarantine=0)

    assert sorted(_race(app, create_level)) == [False] * (THREADS - 1) + [True]
    assert db.session.scalar(select(func.count(StockLevel.id))) == 1
