"""A known day at Paris Rivoli, written row by row with known times.

'Now' is Tuesday 10 March 2026, 14:00 in Paris (13:00 UTC). Each figure the board shows
for this day is spelled out in the tests.
"""
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask_login import login_user

from omni_store.auth.models import Role
from omni_store.extensions import db as _db
from omni_store.inventory import services as inventory
from omni_store.inventory.models import Channel, MovementReason, StockMovement
from omni_store.network.models import ZoneKind
from omni_store.orders.models import DeliveryMethod, Hold, OrderStatus
from omni_store.returns.models import Return, ReturnStatus
from omni_store.shuttles.models import Parcel, ParcelKind, ParcelStatus, ShuttleRun
from omni_store.tasks.models import TaskKind, TaskStatus
from tests import factories

NOW = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)
YESTERDAY = date(2026, 3, 9)
OPEN_9_TO_8 = {day: [["09:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def paris(hour: int, minute: int = 0, days: int = 0) -> datetime:
    """A Paris wall-clock time on the test day (CET: UTC+1)."""
    return datetime(2026, 3, 10, hour - 1, minute, tzinfo=UTC) + timedelta(days=days)


@pytest.fixture
def clock(clock):
    clock.moment = NOW
    return clock


@pytest.fixture
def day(db, clock):
    rivoli = factories.store("PAR-RIV", name="Paris Rivoli", opening_hours=OPEN_9_TO_8)
    bastille = factories.store("PAR-BAS", 48.8532, 2.3691, name="Paris Bastille",
                               opening_hours=OPEN_9_TO_8)
    alice = factories.user(Role.ASSOCIATE, rivoli, email="alice@test.example")
    bob = factories.user(Role.ASSOCIATE, rivoli, email="bob@test.example")
    manager = factories.user(Role.MANAGER, rivoli, email="boss@test.example")
    factories.user(Role.ASSOCIATE, bastille, email="elsewhere@test.example")

    def task(kind, created, due, *steps, **fields):
        return factories.task_with_history(rivoli, kind, created, due, steps, **fields)

    done, working, stopped, cancelled = (TaskStatus.DONE, TaskStatus.IN_PROGRESS,
                                         TaskStatus.EXCEPTION, TaskStatus.CANCELLED)
    tasks = SimpleNamespace(
        # alice: two picks, 20 and 40 minutes from claim to done
        pick_a=task(TaskKind.PICK, paris(8), paris(10, 30), (working, alice, paris(10)),
                    (done, alice, paris(10, 20))),
        pick_b=task(TaskKind.PICK, paris(8), paris(11, 30), (working, alice, paris(11)),
                    (done, alice, paris(11, 40))),
        # bob: one isolate in 10 minutes, and a pack he is on, already late
        isolate=task(TaskKind.ISOLATE, paris(9), paris(12, 30), (working, bob, paris(12)),
                     (done, bob, paris(12, 10))),
        pack=task(TaskKind.PACK, paris(9), paris(13, 50), (working, bob, paris(13, 30)),
                  counterpart_location_id=bastille.id),
        restock=task(TaskKind.RESTOCK, paris(10), paris(14, 20)),  # at risk
        count=task(TaskKind.COUNT, paris(10), paris(18)),  # later: not an alert
        short=task(TaskKind.PICK, paris(8), paris(9, 30), (stopped, alice, paris(9, 15))),
        dropped=task(TaskKind.RECEIVE, paris(9), paris(15), (cancelled, None, paris(9, 5))),
        yesterday=task(TaskKind.PICK, paris(8, days=-1), paris(10, days=-1),
                       (working, alice, paris(9, days=-1)), (done, alice, paris(9, 45, days=-1))),
        elsewhere=factories.task_with_history(bastille, TaskKind.PICK, paris(9), paris(13)),
    )

    slot = factories.zone(rivoli, ZoneKind.HOLD, code="PAR-RIV-H07", slot_number=7)
    ready = factories.bare_order(rivoli, OrderStatus.READY, number="W-READY")
    _db.session.add(Hold(order_id=ready.id, zone_id=slot.id, quantity=1, expires_at=paris(19, days=2)))
    promised = factories.bare_order(rivoli, OrderStatus.PICKING, number="W-PROMISE",
                                    promised_at=paris(14, 15))
    soon_appointment = factories.bare_order(rivoli, OrderStatus.PICKING, DeliveryMethod.RESERVE,
                                            number="W-APPT1", appointment_at=paris(14, 10))
    evening_appointment = factories.bare_order(rivoli, OrderStatus.READY, DeliveryMethod.RESERVE,
                                               number="W-APPT2", appointment_at=paris(17))

    route = factories.shuttle_route(rivoli, bastille, ("14:20", "16:00"), cutoff_minutes=30)
    evening_run = ShuttleRun(route_id=route.id, departure_at=paris(16), cutoff_at=paris(15, 30))
    _db.session.add(evening_run)
    _db.session.flush()
    for code, status in (("P1", ParcelStatus.SEALED), ("P2", ParcelStatus.SEALED),
                         ("P3", ParcelStatus.LOADED)):
        _db.session.add(Parcel(code=code, kind=ParcelKind.SHUTTLE, status=status, origin_id=rivoli.id,
                               destination_id=bastille.id, run_id=evening_run.id))

    returned = factories.bare_order(rivoli, OrderStatus.HANDED_OVER, number="W-RETURNED")
    _db.session.add_all([
        Return(number="R000001", order_id=returned.id, location_id=rivoli.id,
               status=ReturnStatus.DONE, created_at=paris(11, 30)),
        Return(number="R000000", order_id=returned.id, location_id=rivoli.id,
               status=ReturnStatus.DONE, created_at=paris(16, days=-1)),
    ])

    # A short pick of 1 unit at Rivoli at 12:30, re-sourced at Bastille right after; the
    # allocation at Bastille from the morning is the original plan, not the re-sourcing.
    phone = factories.product("PHONE-A", "Phone A")
    factories.stock(rivoli, phone, 3)
    factories.stock(bastille, phone, 3)
    reference = inventory.Ref("order:W-SHORT")
    inventory.allocate(bastille.id, phone, 1, Channel.WEB, reference)
    inventory.allocate(rivoli.id, phone, 1, Channel.WEB, reference)
    inventory.remove_allocated(rivoli.id, phone.id, 1, MovementReason.SHORT_PICK, reference)
    inventory.allocate(bastille.id, phone, 1, Channel.WEB, reference)
    times = iter([paris(9), paris(9), paris(12, 30), paris(12, 31)])
    for movement in _db.session.scalars(
        _db.select(StockMovement).where(StockMovement.reference == "order:W-SHORT")
        .order_by(StockMovement.id)
    ):
        movement.created_at = next(times)
    _db.session.commit()
    return SimpleNamespace(rivoli=rivoli, bastille=bastille, alice=alice, bob=bob, manager=manager,
                           tasks=tasks, ready=ready, promised=promised, slot=slot,
                           soon_appointment=soon_appointment,
                           evening_appointment=evening_appointment, route=route,
                           evening_run=evening_run, phone=phone)


@pytest.fixture
def as_manager(app, day):
    """The known day, read by the board's query functions as its store manager."""
    with app.test_request_context():
        login_user(day.manager)
        yield day
