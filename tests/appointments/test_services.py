"""Booking rules: capacity, items in time for the slot, move, add, cancel, and the three
ways an appointment ends."""
import threading
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from omni_store.appointments import services
from omni_store.appointments.models import AppointmentSlot, Booking, BookingStatus
from omni_store.core.clock import as_utc, utcnow
from omni_store.core.errors import DomainError, InvalidInput, NotAvailable
from omni_store.extensions import db
from omni_store.inventory.models import StockLevel
from omni_store.inventory.queries import ledger_mismatches
from omni_store.orders.models import AllocationStatus, OrderStatus, Transport
from omni_store.outbox.models import EventKind, OutboxEvent
from omni_store.tasks.models import Task, TaskKind, TaskStatus
from tests import factories
from tests.appointments.conftest import IN_THREE_DAYS, TONIGHT, make_slot, reservation


def level(location, product) -> StockLevel:
    return db.session.scalar(select(StockLevel).filter_by(location_id=location.id,
                                                          product_id=product.id))


def book(story, slot, lines=None, email="lea@test.example"):
    return services.reserve_with_appointment(
        reservation(story.rivoli, lines or [(story.a, 1)], email=email), slot.id)


# --- publishing ----------------------------------------------------------------------


def test_publishing_makes_back_to_back_slots_in_store_time_and_skips_existing_ones(story):
    day = (utcnow() + timedelta(days=2)).date()
    first = services.publish_slots(story.rivoli, day, time(17, 0), time(18, 30), 30, 2,
                                   " smartphones ")
    again = services.publish_slots(story.rivoli, day, time(17, 0), time(19, 0), 30, 2,
                                   "smartphones")
    local_starts = [as_utc(s.starts_at).astimezone(services.ZoneInfo("Europe/Paris")).strftime("%H:%M")
                    for s in first + again]
    assert local_starts == ["17:00", "17:30", "18:00", "18:30", "19:00"]
    assert {s.expertise for s in first} == {"smartphones"}


@pytest.mark.parametrize("change, message", [
    (dict(length_minutes=5), "from 10 to 240 minutes"),
    (dict(capacity=0), "from 1 to 20 customers"),
    (dict(last=time(16, 0)), "cannot start before the first"),
    (dict(days=-1), "in the future"),
    (dict(length_minutes=10, last=time(23, 50), first=time(8, 0)), "publish 48 at most"),
])
def test_publishing_refuses_what_makes_no_sense(story, change, message):
    args = dict(first=time(17, 0), last=time(18, 0), length_minutes=30, capacity=2)
    days = change.pop("days", 2)
    args.update(change)
    with pytest.raises(InvalidInput, match=message):
        services.publish_slots(story.rivoli, (utcnow() + timedelta(days=days)).date(),
                               expertise="smartphones", **args)
    assert db.session.scalar(select(AppointmentSlot)) is None


def test_a_booked_slot_cannot_be_withdrawn_a_free_one_can(story):
    booked, free = make_slot(story.rivoli, TONIGHT), make_slot(story.rivoli, IN_THREE_DAYS)
    book(story, booked)
    with pytest.raises(DomainError, match="Customers booked this slot"):
        services.withdraw_slot(booked)
    services.withdraw_slot(free)
    assert db.session.scalars(select(AppointmentSlot.id)).all() == [booked.id]


# --- items must be there before the slot --------------------------------------------------


def test_only_slots_every_item_can_make_are_offered(story):
    tonight = make_slot(story.rivoli, TONIGHT)
    later = make_slot(story.rivoli, IN_THREE_DAYS)
    other_store = make_slot(story.meaux, IN_THREE_DAYS)
    offered = lambda quantities: [o.slot.id for o in services.slots_for_items(story.rivoli, quantities)]  # noqa: E731
    assert offered({story.a: 1}) == [tonight.id, later.id]
    assert offered({story.a: 1, story.b: 1, story.c: 1}) == [later.id]
    assert offered({story.a: 4}) == []  # three in the whole chain
    assert other_store.id not in offered({story.a: 1})


def test_booking_a_slot_the_items_cannot_make_is_refused_and_leaves_nothing(story):
    tonight = make_slot(story.rivoli, TONIGHT)
    with pytest.raises(NotAvailable, match="Phone C can be in the store .* after this appointment"):
        book(story, tonight, [(story.a, 1), (story.c, 1)])
    assert db.session.scalar(select(Booking)) is None
    assert level(story.rivoli, story.a).allocated == 0
    assert ledger_mismatches() == []


def test_sourcing_takes_only_sources_in_time_for_the_slot(story):
    """B is also at a warehouse, nearer than Meaux but two days away by carrier: for an
    appointment tomorrow evening only the Meaux shuttle makes it."""
    warehouse = factories.warehouse("WH-GEN", 48.9333, 2.3000)
    factories.stock(warehouse, story.b, 5)
    slot = make_slot(story.rivoli, timedelta(hours=40))
    booking = book(story, slot, [(story.b, 1)])
    (allocation,) = booking.order.lines[0].allocations
    assert (allocation.location.code, allocation.transport) == ("MEA-CTR", Transport.SHUTTLE)
    assert as_utc(booking.order.promised_at) <= as_utc(slot.starts_at)
    assert as_utc(booking.order.appointment_at) == as_utc(slot.starts_at)


# --- capacity -----------------------------------------------------------------------------


def test_a_full_slot_is_refused_and_no_longer_offered(story):
    slot = make_slot(story.rivoli, TONIGHT, capacity=1)
    book(story, slot)
    with pytest.raises(services.SlotFull, match="fully booked"):
        book(story, slot, email="other@test.example")
    assert services.slots_for_items(story.rivoli, {story.a: 1}) == []
    assert level(story.rivoli, story.a).allocated == 1  # the refused one allocated nothing


def test_a_cancelled_booking_frees_its_place(story):
    slot = make_slot(story.rivoli, TONIGHT, capacity=1)
    services.cancel_booking(book(story, slot), actor_id=None)
    assert book(story, slot, email="other@test.example").status == BookingStatus.BOOKED


def test_two_customers_racing_for_the_last_place_get_one_booking(app, story):
    slot = make_slot(story.rivoli, TONIGHT, capacity=1)
    slot_id = slot.id
    db.session.commit()  # the threads must see the slot; nothing may hold a lock now
    start = threading.Barrier(2)
    outcomes, errors = [], []

    def take(email):
        start.wait()
        try:
            with app.app_context():
                request = factories.OrderRequest(
                    email=email, first_name="Léa", lines=[("PHN-A", 1)],
                    delivery_method="reserve", pickup_store_code="PAR-RIV")
                try:
                    services.reserve_with_appointment(request, slot_id)
                    db.session.commit()
                    outcomes.append("booked")
                except services.SlotFull:
                    db.session.rollback()
                    outcomes.append("full")
        except Exception as error:  # surfaced below: a thread must not fail silently
            errors.append(error)

    threads = [threading.Thread(target=take, args=(f"c{n}@test.example",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(outcomes) == ["booked", "full"]
    assert db.session.scalar(select(db.func.count()).select_from(Booking)) == 1


# --- moving and adding products -----------------------------------------------------------


def test_the_story_move_to_tomorrow_evening_and_add_b_and_c(story):
    tonight = make_slot(story.rivoli, TONIGHT)
    later = make_slot(story.rivoli, IN_THREE_DAYS)
    booking = book(story, tonight)
    assert [o.slot.id for o in services.slots_to_move_to(booking)] == [later.id]

    services.move_booking(booking, later.id)
    services.add_product(booking, "PHN-B", 1, actor_id=None)
    services.add_product(booking, "PHN-C", 1, actor_id=None)

    order = booking.order
    assert as_utc(order.appointment_at) == as_utc(later.starts_at)
    assert as_utc(order.promised_at) <= as_utc(later.starts_at)
    work = {(t.location.code, t.kind) for t in db.session.scalars(select(Task).filter_by(order_id=order.id))}
    assert {("MEA-CTR", TaskKind.PICK), ("MEA-CTR", TaskKind.PACK),
            ("PAR-RIV", TaskKind.RECEIVE)} <= work
    confirmations = db.session.scalars(select(OutboxEvent.payload).filter_by(
        kind=EventKind.APPOINTMENT_BOOKED)).all()
    assert [c["appointment_at"] for c in confirmations] == [
        as_utc(tonight.starts_at).isoformat(), as_utc(later.starts_at).isoformat()]
    assert ledger_mismatches() == []


def test_a_move_to_a_slot_before_the_items_are_ready_is_refused(story):
    later = make_slot(story.rivoli, IN_THREE_DAYS)
    tonight = make_slot(story.rivoli, TONIGHT)
    booking = book(story, later, [(story.c, 1)])
    with pytest.raises(NotAvailable, match="after this appointment"):
        services.move_booking(booking, tonight.id)
    assert booking.slot_id == later.id
    assert services.slots_to_move_to(booking) == []


def test_a_product_that_cannot_arrive_in_time_is_not_added(story):
    booking = book(story, make_slot(story.rivoli, TONIGHT))
    with pytest.raises(NotAvailable, match="Phone B"):
        services.add_product(booking, "PHN-B", 1, actor_id=None)
    assert [line.product.sku for line in booking.order.lines] == ["PHN-A"]
    assert level(story.meaux, story.b).allocated == 0


def test_the_same_product_twice_is_refused(story):
    booking = book(story, make_slot(story.rivoli, TONIGHT))
    with pytest.raises(InvalidInput, match="already part of order"):
        services.add_product(booking, "PHN-A", 1, actor_id=None)


def test_a_product_added_after_isolation_is_isolated_with_the_others(story, db):
    """A ready reservation goes back to preparing; the new units join the same slot."""
    from omni_store.tasks.isolating import isolate_order, propose_slot

    associate = factories.user(store_loc=story.rivoli)
    factories.stock(story.rivoli, story.c, 1)  # a C on the shelf here too
    booking = book(story, make_slot(story.rivoli, IN_THREE_DAYS))
    order = booking.order
    _finish_picks(order, associate)
    (first,) = _open(order, TaskKind.ISOLATE)
    isolate_order(first, "PAR-RIV-H1", associate.id)
    assert order.status == OrderStatus.READY

    services.add_product(booking, "PHN-C", 1, actor_id=associate.id)
    assert order.status == OrderStatus.PICKING
    _finish_picks(order, associate)
    (second,) = _open(order, TaskKind.ISOLATE)
    assert second.quantity == 1 and propose_slot(second).code == "PAR-RIV-H1"
    isolate_order(second, "PAR-RIV-H1", associate.id)
    assert order.status == OrderStatus.READY


def _open(order, kind):
    return db.session.scalars(select(Task).filter_by(order_id=order.id, kind=kind,
                                                     status=TaskStatus.OPEN)).all()


def _finish_picks(order, associate):
    from omni_store.fulfilment.progress import advance
    from omni_store.tasks.services import complete_task, start_working

    for task in _open(order, TaskKind.PICK):
        start_working(task, associate.id)
        complete_task(task, associate.id)
    advance(order, associate.id)


# --- cancelling and after the appointment ---------------------------------------------------


def test_cancelling_gives_the_items_back_and_stops_the_reminders(story):
    booking = book(story, make_slot(story.rivoli, TONIGHT))
    services.cancel_booking(booking, actor_id=None)
    services.cancel_booking(booking, actor_id=None)  # twice is harmless
    assert (booking.status, booking.order.status) == (BookingStatus.CANCELLED, OrderStatus.CANCELLED)
    assert level(story.rivoli, story.a).allocated == 0
    with pytest.raises(DomainError, match="closed"):
        services.move_booking(booking, make_slot(story.rivoli, IN_THREE_DAYS).id)


def test_released_after_the_appointment_items_go_back_with_a_restock_task(story):
    associate = factories.user(store_loc=story.rivoli)
    booking = book(story, make_slot(story.rivoli, TONIGHT))
    _finish_picks(booking.order, associate)  # picked: off the shelf
    services.release_items(booking, associate.id)
    assert booking.status == BookingStatus.RELEASED
    assert level(story.rivoli, story.a).allocated == 0
    (restock,) = _open(booking.order, TaskKind.RESTOCK)
    assert restock.quantity == 1
    assert ledger_mismatches() == []


def test_turned_into_a_marketplace_home_delivery(story):
    offer = factories.marketplace_offer(story.a, "SELL-1", price_cents=17900, lead_time_days=3)
    booking = book(story, make_slot(story.rivoli, TONIGHT))
    line = booking.order.lines[0]
    home = services.turn_into_home_delivery(booking, services.HomeDelivery(
        line.id, "3 rue de la Paix, Paris", 48.8686, 2.3314, offer.id), actor_id=None)
    assert booking.status == BookingStatus.HOME_DELIVERY and booking.follow_up_order == home
    assert (home.lines[0].offer_id, home.customer) == (offer.id, booking.order.customer)
    assert booking.order.status == OrderStatus.CANCELLED
    assert level(story.rivoli, story.a).allocated == 0 and offer.stock == 4


def test_a_failed_home_delivery_keeps_the_reservation(story):
    booking = book(story, make_slot(story.rivoli, TONIGHT))
    line = booking.order.lines[0]
    with pytest.raises(InvalidInput, match="delivery address"):
        services.turn_into_home_delivery(booking, services.HomeDelivery(line.id, "", None, None),
                                         actor_id=None)
    db.session.refresh(booking.order)
    assert booking.status == BookingStatus.BOOKED
    assert booking.order.status == OrderStatus.SOURCED
    assert [a.status for a in line.allocations] == [AllocationStatus.ACTIVE]
    assert level(story.rivoli, story.a).allocated == 1


def test_an_expired_reservation_ends_its_booking_as_released(story):
    from omni_store.jobs.services import expire_order
    from omni_store.orders.models import Hold, HoldStatus

    booking = book(story, make_slot(story.rivoli, TONIGHT))
    zone = db.session.scalar(select(factories.Zone).filter_by(code="PAR-RIV-H1"))
    db.session.add(Hold(order_id=booking.order.id, zone_id=zone.id, quantity=1,
                        status=HoldStatus.ACTIVE, expires_at=utcnow() - timedelta(minutes=1)))
    db.session.flush()
    assert expire_order(booking.order, utcnow())
    assert booking.status == BookingStatus.RELEASED


def test_bought_at_the_counter_ends_the_booking_as_bought(story):
    from omni_store.counter.services import hand_over, scan_out
    from omni_store.tasks.isolating import isolate_order

    associate = factories.user(store_loc=story.rivoli)
    booking = book(story, make_slot(story.rivoli, TONIGHT))
    order = booking.order
    _finish_picks(order, associate)
    (isolate,) = _open(order, TaskKind.ISOLATE)
    isolate_order(isolate, "PAR-RIV-H1", associate.id)
    line = order.lines[0]
    scan_out(order, story.a.barcodes[0].code, "scan-1", associate.id)
    hand_over(order, {line.id: 1}, {}, associate.id)
    assert (order.status, booking.status) == (OrderStatus.HANDED_OVER, BookingStatus.BOUGHT)
    assert level(story.rivoli, story.a).on_hand == 2


def test_a_chosen_source_that_cannot_make_the_slot_is_named_as_the_problem(story):
    from omni_store.orders.resourcing import only_from

    factories.stock(story.supplier, story.a, 5)
    tonight = make_slot(story.rivoli, TONIGHT)
    with pytest.raises(NotAvailable, match="chosen source cannot get the items here in time"):
        services.reserve_with_appointment(reservation(story.rivoli, [(story.a, 1)]), tonight.id,
                                          rules=only_from(story.supplier.id))
    assert db.session.scalar(select(Booking)) is None


@pytest.mark.parametrize("slot_id, refusal", [
    (0, services.NotFound), (-3, services.NotFound), (2**31, services.NotFound),
    (10**30, services.NotFound), ("7", InvalidInput), (True, InvalidInput),
])
def test_a_slot_id_no_row_can_have_is_refused_plainly(story, slot_id, refusal):
    with pytest.raises(refusal):
        services.reserve_with_appointment(reservation(story.rivoli, [(story.a, 1)]), slot_id)


def test_a_move_is_offered_to_slots_of_the_same_expertise(story):
    booking = book(story, make_slot(story.rivoli, TONIGHT))
    make_slot(story.rivoli, IN_THREE_DAYS, expertise="computers")
    phones = make_slot(story.rivoli, IN_THREE_DAYS, expertise="smartphones")
    assert [offer.slot.id for offer in services.slots_to_move_to(booking)] == [phones.id]
