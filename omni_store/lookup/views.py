"""Product lookup (this store) and chain stock (every location, the marketplace, and
ordering for the customer in front of the associate)."""
import math

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from omni_store.appointments.services import slots_for_items
from omni_store.auth.models import STAFF_ROLES
from omni_store.auth.scoping import current_store, roles_required
from omni_store.catalog.forms import ProductLookupForm
from omni_store.core.clock import utcnow
from omni_store.core.errors import NotFound
from omni_store.core.forms import form_number, row_id
from omni_store.core.web import go_to, render_page
from omni_store.extensions import db
from omni_store.inventory.models import Channel
from omni_store.lookup import queries, services
from omni_store.orders.intake import MAX_LINE_QUANTITY, OrderRequest
from omni_store.orders.models import DeliveryMethod

bp = Blueprint("lookup", __name__)



@bp.get("/products")
@roles_required(*STAFF_ROLES)
def lookup():
    form = ProductLookupForm(request.args)
    search = queries.search_products(form.q.data) if form.q.data and form.validate() else None
    return render_page("lookup/lookup.html", "lookup/_results.html", form=form, search=search)


@bp.get("/stock")
@roles_required(*STAFF_ROLES)
def chain_stock():
    form = ProductLookupForm(request.args)
    store = current_store()
    search = None
    if form.q.data and form.validate():
        search = queries.search_chain_stock(form.q.data, store, utcnow(),
                                            all_stores=request.args.get("all") == "1")
    # The advice appointments one unit of the product shown can be here for.
    appointment_slots = (slots_for_items(store, {search.stock.product: 1})
                         if search is not None and search.stock is not None else [])
    placed = request.args.get("placed", "")[:20]
    return render_page("lookup/chain_stock.html", "lookup/_chain_stock.html", form=form,
                       search=search, appointment_slots=appointment_slots, placed=placed,
                       placed_booking=queries.booking_of_order(placed) if placed else None)


@bp.post("/stock/reserve")
@roles_required(*STAFF_ROLES)
def reserve_here():
    """An e-reservation collected here, sourced from the location the associate chose."""
    store = current_store()
    code = request.form.get("source", "").strip().upper()
    source = queries.location_by_code(code) if code else None
    if source is None:
        raise NotFound(_("Choose the location to reserve the item from."))
    reservation = _order_request(DeliveryMethod.RESERVE, pickup_store_code=store.code)
    slot = request.form.get("slot", "")
    slot_id = (row_id(slot, "slot", _("Choose an appointment slot from the list."))
               if slot.strip() else None)
    order = services.reserve_from(reservation, source, slot_id, current_user.id)
    db.session.commit()
    return _placed(order)


@bp.post("/stock/home")
@roles_required(*STAFF_ROLES)
def order_home_delivery():
    """Home delivery from the chain's own stock, or from the marketplace offer chosen."""
    address = dict(ship_address=request.form.get("address", ""),
                   ship_latitude=_coordinate("latitude"), ship_longitude=_coordinate("longitude"))
    home_order = _order_request(DeliveryMethod.HOME, **address)
    offer = request.form.get("offer", "")
    offer_id = row_id(offer, "offer", _("Choose an offer from the list.")) if offer.strip() else None
    order = services.order_home_delivery(home_order, offer_id, current_user.id)
    db.session.commit()
    return _placed(order)


def _order_request(method: DeliveryMethod, **delivery) -> OrderRequest:
    # Names and address longer than their columns are refused when the order is stored.
    form = request.form
    return OrderRequest(
        email=form.get("email", ""), first_name=form.get("first_name", ""),
        last_name=form.get("last_name", ""), phone=form.get("phone", ""),
        lines=[(form.get("sku", ""), form_number("quantity", _("Quantity"), 1, MAX_LINE_QUANTITY,
                                                 default=1))],
        delivery_method=method, channel=Channel.STORE, **delivery)


def _coordinate(name: str) -> float | None:
    """A blank or unreadable coordinate is left to the order's own check of the address."""
    try:
        value = float(request.form.get(name, "").replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _placed(order):
    sku = order.lines[0].product.sku
    return go_to(url_for(".chain_stock", q=sku, placed=order.number))

