"""A reservation closed elsewhere ends its booking (appointments.follow_ups on order_moved),
whoever moved the order; the ways through the counter, the jobs and the API are tested
where they happen (test_services, tests/api/test_appointments)."""
import pytest

from omni_store.appointments import services
from omni_store.appointments.models import BookingStatus
from omni_store.orders.models import OrderStatus
from omni_store.orders.transitions import move_order
from tests.appointments.conftest import TONIGHT, make_slot, reservation


def book(story):
    return services.reserve_with_appointment(
        reservation(story.rivoli, [(story.a, 1)]), make_slot(story.rivoli, TONIGHT).id)


@pytest.mark.parametrize(("closing", "ending"), [
    (OrderStatus.CANCELLED, BookingStatus.CANCELLED),
    (OrderStatus.EXPIRED, BookingStatus.RELEASED),
    (OrderStatus.HANDED_OVER, BookingStatus.RELEASED),  # nothing handed over: every item refused
])
def test_a_closed_reservation_ends_its_booking(story, closing, ending):
    booking = book(story)
    order = booking.order
    if closing == OrderStatus.HANDED_OVER:
        assert move_order(order, OrderStatus.READY)
        assert booking.status == BookingStatus.BOOKED  # still open: the appointment stays
    assert move_order(order, closing)
    assert (booking.status, booking.ended_at is not None) == (ending, True)


def test_the_services_own_ending_is_kept_not_overwritten_by_the_follow_up(story):
    booking = book(story)
    services.release_items(booking, actor_id=None)
    assert (booking.order.status, booking.status) == (OrderStatus.CANCELLED,
                                                      BookingStatus.RELEASED)
