"""`flask jobs run`: each job's effect, a second run changes nothing, two runs at once
do what one does."""
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from omni_store.inventory.models import StockLevel
from omni_store.inventory.queries import ledger_mismatches
from omni_store.jobs.runner import run_jobs
from omni_store.tasks.services import ESCALATED, ESCALATION_PRIORITY_STEP
from omni_store.network.models import ZoneKind
from omni_store.orders.models import DeliveryMethod, Hold, HoldStatus, Order, OrderStatus
from omni_store.fulfilment.placing import place_order
from omni_store.outbox.models import EventKind, OutboxEvent
from omni_store.shuttles.models import Parcel, ParcelKind, ParcelStatus
from omni_store.shuttles.runs import runs_for
from omni_store.tasks.models import Task, TaskEvent, TaskKind, TaskStatus
from tests import factories

NOTHING = {"holds expired": 0, "hold reminders": 0, "tasks escalated": 0,
           "parcels rolled over": 0, "appointment reminders": 0}


def _store_with_slot(db):
    store = factories.store(name="Paris Rivoli")
    slot = factories.zone(store, ZoneKind.HOLD, name="Slot 01", slot_number=1, capacity=10)
    phone = factories.product(name="Phone A")
    factories.stock(store, phone, 5)
    return store, slot, phone


def _level(db, store, product):
    level = db.session.scalar(select(StockLevel).filter_by(location_id=store.id,
                                                          product_id=product.id))
    db.session.refresh(level)
    return level.on_hand, level.allocated


def _count(db, model, **filters):
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**filters))


def _events(db, kind):
    return list(db.session.scalars(select(OutboxEvent).filter_by(kind=kind)))


def test_an_uncollected_order_expires_its_stock_goes_back_and_the_customer_is_told(db):
    store, slot, phone = _store_with_slot(db)
    order = factories.ready_order(store, slot, [(phone, 2)], first_name="Camille")
    hold = db.session.scalar(select(Hold).filter_by(order_id=order.id))
    db.session.commit()
    after_expiry = hold.expires_at + timedelta(minutes=1)

    counts = run_jobs(after_expiry)

    db.session.refresh(order)
    db.session.refresh(hold)
    assert counts["holds expired"] == 1
    assert order.status == OrderStatus.EXPIRED
    assert (hold.status, hold.ended_at is not None) == (HoldStatus.RELEASED, True)
    assert _level(db, store, phone) == (5, 0)
    restock = db.session.scalars(select(Task).filter_by(order_id=order.id,
                                                        kind=TaskKind.RESTOCK)).all()
    assert [(t.location_id, t.product_id, t.quantity, t.status) for t in restock] == [
        (store.id, phone.id, 2, TaskStatus.OPEN)]
    assert _count(db, Task, order_id=order.id, status=TaskStatus.OPEN) == 1  # only the restock
    [event] = _events(db, EventKind.HOLD_EXPIRED)
    assert event.payload["email"] == order.customer.email
    assert event.payload["first_name"] == "Camille"
    assert ledger_mismatches() == []

    assert run_jobs(after_expiry) == NOTHING
    assert _count(db, Task, kind=TaskKind.RESTOCK) == 1
    assert len(_events(db, EventKind.HOLD_EXPIRED)) == 1


def test_a_hold_not_yet_expired_and_a_collected_order_are_left_alone(db):
    store, slot, phone = _store_with_slot(db)
    waiting = factories.ready_order(store, slot, [(phone, 1)])
    collected = factories.handed_over_order(store, slot, [(phone, 1)])
    hold = db.session.scalar(select(Hold).filter_by(order_id=waiting.id))
    db.session.commit()

    run_jobs(hold.expires_at - timedelta(minutes=1))
    run_jobs(hold.expires_at + timedelta(days=30))

    db.session.refresh(collected)
    assert collected.status == OrderStatus.HANDED_OVER
    assert ledger_mismatches() == []


def test_the_customer_is_reminded_once_the_day_before_the_hold_expires(db):
    store, slot, phone = _store_with_slot(db)
    order = factories.ready_order(store, slot, [(phone, 1)])
    hold = db.session.scalar(select(Hold).filter_by(order_id=order.id))
    [ready] = _events(db, EventKind.READY_FOR_PICKUP)  # written when the order was isolated
    db.session.commit()

    two_days_before = run_jobs(hold.expires_at - timedelta(days=2))
    day_before = run_jobs(hold.expires_at - timedelta(hours=20))
    again = run_jobs(hold.expires_at - timedelta(hours=2))

    assert (two_days_before["hold reminders"], day_before["hold reminders"],
            again["hold reminders"]) == (0, 1, 0)
    [reminder] = _events(db, EventKind.HOLD_EXPIRY_REMINDER)
    assert reminder.dedup_key == f"hold_expiry_reminder:hold:{hold.id}"
    assert reminder.payload["pickup_token"] == ready.payload["pickup_token"]
    assert reminder.payload["expires_at"] == hold.expires_at.isoformat()


def test_late_open_tasks_are_escalated_once(db, app):
    store = factories.store()
    threshold = app.config["ESCALATE_TASKS_LATE_BY"]
    very_late = factories.task(store, due_in=-(threshold + timedelta(minutes=5)))
    slightly_late = factories.task(store, due_in=-(threshold - timedelta(minutes=5)))
    done_late = factories.task(store, due_in=-(threshold * 3))
    done_late.status = TaskStatus.DONE
    db.session.commit()

    first = run_jobs()
    second = run_jobs()

    assert (first["tasks escalated"], second["tasks escalated"]) == (1, 0)
    for task in (very_late, slightly_late, done_late):
        db.session.refresh(task)
    assert (very_late.priority, slightly_late.priority, done_late.priority) == (
        ESCALATION_PRIORITY_STEP, 0, 0)
    assert _count(db, TaskEvent, task_id=very_late.id, note=ESCALATED) == 1


def _sealed_parcel_on_the_morning_run(db):
    """Bastille → Rivoli at 11:00 and 16:00 Paris time; a parcel sealed for the 11:00 van."""
    bastille, rivoli = factories.store("PAR-BAS"), factories.store("PAR-RIV")
    route = factories.shuttle_route(bastille, rivoli, ("11:00", "16:00"), cutoff_minutes=30)
    morning, afternoon = runs_for(route, datetime(2026, 3, 10).date())
    parcel = Parcel(code="P-000001", kind=ParcelKind.SHUTTLE, status=ParcelStatus.SEALED,
                    origin_id=bastille.id, destination_id=rivoli.id, run_id=morning.id)
    db.session.add(parcel)
    db.session.commit()
    return parcel, morning, afternoon


def test_a_sealed_parcel_whose_van_left_without_it_goes_on_the_next_run(db):
    parcel, morning, afternoon = _sealed_parcel_on_the_morning_run(db)

    before_departure = run_jobs(datetime(2026, 3, 10, 9, 55, tzinfo=UTC))
    assert before_departure["parcels rolled over"] == 0
    after_departure = run_jobs(datetime(2026, 3, 10, 10, 5, tzinfo=UTC))
    again = run_jobs(datetime(2026, 3, 10, 10, 6, tzinfo=UTC))

    db.session.refresh(parcel)
    assert (after_departure["parcels rolled over"], again["parcels rolled over"]) == (1, 0)
    assert (parcel.run_id, parcel.rolled_over, parcel.status) == (
        afternoon.id, True, ParcelStatus.SEALED)


def _reservation(store, phone, appointment_at):
    return place_order(factories.order_request([(phone, 1)], method=DeliveryMethod.RESERVE,
                                               store_loc=store, appointment_at=appointment_at))


def test_appointments_in_the_next_24_hours_are_reminded_once_per_time(db):
    store, _slot, phone = _store_with_slot(db)
    now = datetime.now(UTC)
    tomorrow = _reservation(store, phone, now + timedelta(hours=20))
    _reservation(store, phone, now + timedelta(hours=30))  # reminded by a later run
    db.session.commit()

    first, second = run_jobs(now), run_jobs(now)
    tomorrow.appointment_at = now + timedelta(hours=22)  # moved: a new reminder
    db.session.commit()
    moved = run_jobs(now)

    assert [c["appointment reminders"] for c in (first, second, moved)] == [1, 0, 1]
    reminders = _events(db, EventKind.APPOINTMENT_REMINDER)
    assert {r.payload["appointment_at"] for r in reminders} == {
        (now + timedelta(hours=20)).isoformat(), (now + timedelta(hours=22)).isoformat()}
    assert {r.payload["order"] for r in reminders} == {tomorrow.number}


def test_two_runners_at_once_do_what_one_does(app, db):
    store, slot, phone = _store_with_slot(db)
    orders = [factories.ready_order(store, slot, [(phone, 1)]) for _ in range(3)]
    late_tasks = [factories.task(store, due_in=-timedelta(hours=2)) for _ in range(3)]
    parcel, morning, _afternoon = _sealed_parcel_on_the_morning_run(db)
    hold_expiry = max(h.expires_at for h in db.session.scalars(select(Hold)))
    now = max(hold_expiry + timedelta(minutes=1), datetime(2026, 3, 10, 10, 5, tzinfo=UTC))
    order_ids, task_ids = [o.id for o in orders], [t.id for t in late_tasks]
    db.session.commit()

    start = threading.Barrier(2)
    results, errors = [], []

    def runner():
        start.wait()
        try:
            with app.app_context():
                results.append(run_jobs(now))
        except Exception as error:  # surfaced below: a thread must not fail silently
            errors.append(error)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    combined = {name: sum(r[name] for r in results) for name in NOTHING}
    assert combined["holds expired"] == 3
    # Escalated: the three late tasks, and the restock tasks (due long before `now`) once each.
    escalations = db.session.execute(select(TaskEvent.task_id, func.count()).where(
        TaskEvent.note == ESCALATED).group_by(TaskEvent.task_id)).all()
    assert combined["tasks escalated"] == len(escalations) == 6
    assert {count for _task, count in escalations} == {1}
    assert _count(db, Task, kind=TaskKind.RESTOCK) == 3
    assert _count(db, OutboxEvent, kind=EventKind.HOLD_EXPIRED) == 3
    assert db.session.scalar(select(func.count()).select_from(Order).where(
        Order.id.in_(order_ids), Order.status == OrderStatus.EXPIRED)) == 3
    assert {task_id for task_id, _count in escalations} >= set(task_ids)
    db.session.refresh(parcel)
    assert combined["parcels rolled over"] == 1
    assert parcel.run_id != morning.id and parcel.rolled_over
    assert _level(db, store, phone) == (5, 0)
    assert ledger_mismatches() == []


def test_the_command_prints_what_each_job_did(app, db):
    result = app.test_cli_runner().invoke(args=["jobs", "run"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("holds expired: 0, hold reminders: 0, tasks escalated: 0, "
                                     "parcels rolled over: 0, appointment reminders: 0")
