"""Advice appointments in store: the coming ones with where each reserved item stands,
one booking with what can still be done, and the manager's calendar of slots.

Every action is a POST that parses its fields, calls one service, commits, and goes back
to the page it came from (HX-Redirect for htmx, a 303 otherwise). A refused action is a
toast: the form keeps what was typed.
"""
from datetime import date, datetime, timedelta

from flask import Blueprint, abort, url_for
from flask_babel import gettext as _
from flask_login import current_user

from omni_store.appointments import queries, services
from omni_store.appointments.forms import (
    coordinate_field,
    day_field,
    quantity_field,
    time_field,
)
from omni_store.appointments.models import AppointmentSlot, Booking
from omni_store.auth.models import MANAGING_ROLES, STAFF_ROLES
from omni_store.auth.scoping import current_store, get_scoped_or_404, roles_required
from omni_store.catalog import queries as catalog
from omni_store.core.clock import as_utc, local, utcnow
from omni_store.core.errors import InvalidInput, NotFound
from omni_store.core.forms import form_id, form_number, form_text, optional_form_id, query_number
from omni_store.core.web import go_to, render_page
from omni_store.extensions import db
from omni_store.network.models import Location

bp = Blueprint("appointments", __name__, url_prefix="/appointments")


# In a list (the board's day), a word or two.

# What the publish form proposes: tomorrow evening, half-hour slots for one customer.
PUBLISH_DEFAULTS = dict(first="17:00", last="19:00", length_minutes=30, capacity=1,
                        expertise="smartphones")




@bp.get("")
@roles_required(*STAFF_ROLES)
def upcoming():
    store, now = current_store(), utcnow()
    return render_page("appointments/list.html", "appointments/_list.html", store=store,
                       days=queries.upcoming_appointments(store, now), **_day_names(store, now))


@bp.get("/<int:booking_id>")
@roles_required(*STAFF_ROLES)
def booking(booking_id: int):
    store, now = current_store(), utcnow()
    found = queries.appointment(booking_id, store, now)
    if found is None:
        abort(404)
    started = as_utc(found.booking.slot.starts_at) <= now
    before = found.is_open and not started
    after = found.is_open and started
    return render_page(
        "appointments/booking.html", "appointments/_booking.html", store=store, found=found,
        before=before, after=after,
        moves=services.slots_to_move_to(found.booking, now) if before else [],
        offers=queries.offers_for(found.booking.order.lines) if after else {})


@bp.post("/<int:booking_id>/move")
@roles_required(*STAFF_ROLES)
def move(booking_id: int):
    booking_ = get_scoped_or_404(Booking, booking_id)
    services.move_booking(booking_, form_id("slot_id", _("Choose a time from the list.")))
    db.session.commit()
    return _back_to(booking_id)


@bp.post("/<int:booking_id>/products")
@roles_required(*STAFF_ROLES)
def add_product(booking_id: int):
    booking_ = get_scoped_or_404(Booking, booking_id)
    sku = _sku(form_text("code", 64))
    services.add_product(booking_, sku, quantity_field(), current_user.id)
    db.session.commit()
    return _back_to(booking_id)


@bp.post("/<int:booking_id>/cancel")
@roles_required(*STAFF_ROLES)
def cancel(booking_id: int):
    services.cancel_booking(get_scoped_or_404(Booking, booking_id), current_user.id)
    db.session.commit()
    return _back_to(booking_id)


@bp.post("/<int:booking_id>/home-delivery")
@roles_required(*STAFF_ROLES)
def home_delivery(booking_id: int):
    booking_ = get_scoped_or_404(Booking, booking_id)
    delivery = services.HomeDelivery(
        line_id=form_id("line_id", _("Choose the item to deliver.")),
        offer_id=optional_form_id("offer_id", _("Choose who sells it from the list.")),
        address=form_text("address", 300),
        latitude=coordinate_field("latitude", _("The latitude"), 90),
        longitude=coordinate_field("longitude", _("The longitude"), 180))
    services.turn_into_home_delivery(booking_, delivery, current_user.id)
    db.session.commit()
    return _back_to(booking_id)


@bp.post("/<int:booking_id>/release")
@roles_required(*STAFF_ROLES)
def release(booking_id: int):
    services.release_items(get_scoped_or_404(Booking, booking_id), current_user.id)
    db.session.commit()
    return _back_to(booking_id)


# --- the manager's calendar --------------------------------------------------------------


@bp.get("/slots")
@roles_required(*MANAGING_ROLES)
def slots():
    store, now = current_store(), utcnow()
    return render_page(
        "appointments/slots.html", "appointments/_slots.html", store=store,
        days=queries.calendar(store, now), published=query_number("published", "published"),
        defaults=dict(PUBLISH_DEFAULTS, day=local(now, store.timezone).date() + timedelta(days=1)),
        limits=dict(minutes=services.SLOT_MINUTES, capacity=services.MAX_CAPACITY,
                    expertise=services.MAX_EXPERTISE_LENGTH),
        **_day_names(store, now))


@bp.post("/slots")
@roles_required(*MANAGING_ROLES)
def publish():
    published = services.publish_slots(
        current_store(), day_field("day"), time_field("first", _("The first start")),
        time_field("last", _("The last start")), form_number("length_minutes", _("The length")),
        form_number("capacity", _("The number of customers")),
        form_text("expertise", services.MAX_EXPERTISE_LENGTH))
    db.session.commit()
    return go_to(url_for(".slots", published=len(published)))


@bp.post("/slots/<int:slot_id>/withdraw")
@roles_required(*MANAGING_ROLES)
def withdraw(slot_id: int):
    services.withdraw_slot(get_scoped_or_404(AppointmentSlot, slot_id))
    db.session.commit()
    return go_to(url_for(".slots"))


# --- helpers -------------------------------------------------------------------------


def _back_to(booking_id: int):
    return go_to(url_for(".booking", booking_id=booking_id))


def _sku(code: str) -> str:
    """A scanned barcode (13 digits) is looked up; anything else is taken as the SKU."""
    if not code:
        raise InvalidInput(_("Type the product's SKU or scan its barcode."))
    if not catalog.looks_like_ean13(code):
        return code
    found = catalog.products_with_barcode(code)
    if not found:
        raise NotFound(_("No product has the barcode %(code)s.", code=code))
    return found[0].sku


@bp.app_template_filter("store_day")
def store_day(moment: datetime, store: Location) -> date:
    return local(moment, store.timezone).date()


def _day_names(store: Location, now: datetime) -> dict:
    today = local(now, store.timezone).date()
    return dict(today=today, tomorrow=today + timedelta(days=1))
