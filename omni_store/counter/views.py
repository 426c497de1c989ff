"""The pickup counter: finding a customer's order and handing it over."""
from uuid import uuid4

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from omni_store.auth.models import STAFF_ROLES
from omni_store.auth.scoping import current_store, roles_required
from omni_store.core.errors import InvalidInput
from omni_store.core.web import render_page, wants_fragment
from omni_store.counter import queries, services
from omni_store.extensions import db
from omni_store.orders.models import OrderStatus

bp = Blueprint("counter", __name__, url_prefix="/counter")

MAX_FORM_QUANTITY = 999

ORDER_STATUS_LABELS = {
    OrderStatus.SOURCED: _l("Being prepared"),
    OrderStatus.PICKING: _l("Being picked"),
    OrderStatus.READY: _l("Ready to collect"),
    OrderStatus.HANDED_OVER: _l("Handed over"),
    OrderStatus.SHIPPED: _l("Shipped"),
    OrderStatus.EXPIRED: _l("Expired"),
    OrderStatus.CANCELLED: _l("Cancelled"),
}

# Why a customer leaves an item at the counter; the code is what gets recorded.
REFUSAL_REASONS = {
    "changed_mind": _l("Changed their mind"),
    "damaged": _l("Item damaged"),
    "wrong_item": _l("Not the item ordered"),
    "not_as_described": _l("Not as described"),
}


@bp.app_template_global()
def order_status_label(status: str) -> str:
    return str(ORDER_STATUS_LABELS.get(status, status))


@bp.app_template_global()
def refusal_reasons() -> dict:
    return REFUSAL_REASONS


@bp.get("/")
@roles_required(*STAFF_ROLES)
def find():
    query = queries.normalised(request.args.get("q"))
    search, error = None, None
    if len(query) > queries.MAX_QUERY_LENGTH:
        error = _("That search is too long: %(limit)d characters at most.",
                  limit=queries.MAX_QUERY_LENGTH)
    elif query:
        store = current_store()
        found = queries.order_by_number(query, store.id)
        if found is not None:  # a scanned QR code or a typed number: straight to the order
            return go_to(url_for(".order", order_id=found.id))
        search = queries.search_orders(query, store.id)
    return render_page("counter/find.html", "counter/_results.html",
                       query=query, search=search, error=error, status=422 if error else 200)


@bp.get("/orders/<int:order_id>")
@roles_required(*STAFF_ROLES)
def order(order_id: int):
    return _render_order(order_id)


@bp.post("/orders/<int:order_id>/scan")
@roles_required(*STAFF_ROLES)
def scan(order_id: int):
    view = _counter_order_or_404(order_id)
    line = services.scan_out(view.order, request.form.get("code", ""),
                             request.form.get("scan_id", ""), current_user.id)
    db.session.commit()
    return _after_change(order_id, last_scanned=line.product.name)


@bp.post("/orders/<int:order_id>/lines/<int:line_id>/clear-scans")
@roles_required(*STAFF_ROLES)
def clear_scans(order_id: int, line_id: int):
    view = _counter_order_or_404(order_id)
    services.clear_scans(view.order, line_id)
    db.session.commit()
    return _after_change(order_id)


@bp.post("/orders/<int:order_id>/hand-over")
@roles_required(*STAFF_ROLES)
def hand_over(order_id: int):
    view = _counter_order_or_404(order_id)
    refused = {
        line.id: (_form_quantity(f"refuse-{line.id}"),
                  _refusal_reason(request.form.get(f"reason-{line.id}", "")))
        for line in view.order.lines
    }
    result = services.hand_over(
        view.order, handed=view.scanned,
        refused={line_id: entry for line_id, entry in refused.items() if entry[0]},
        actor_id=current_user.id, method=services.HandoverMethod.ASSOCIATE_SCAN,
        seen_progress=_form_quantity("progress") if "progress" in request.form else None,
    )
    db.session.commit()
    return _after_change(order_id, result=result)


# --- helpers -------------------------------------------------------------------------


def _counter_order_or_404(order_id: int) -> queries.CounterOrder:
    """Only orders collected in this store exist at its counter."""
    view = queries.counter_order(order_id, current_store().id)
    if view is None:
        abort(404)
    return view


def _render_order(order_id: int, **context):
    view = _counter_order_or_404(order_id)
    return render_page("counter/order.html", "counter/_order.html", view=view,
                       progress=services.progress(view.order), waiting=services.waiting_quantity,
                       waiting_total=sum(map(services.waiting_quantity, view.order.lines)),
                       scan_id=uuid4().hex, **context)


def _after_change(order_id: int, **context):
    """htmx gets the refreshed order; a plain form post is redirected (POST-redirect-GET)."""
    if wants_fragment():
        return _render_order(order_id, **context)
    return redirect(url_for(".order", order_id=order_id), 303)


def go_to(url: str):
    """Navigate to another page: htmx follows HX-Redirect, a plain form a 303."""
    if wants_fragment():
        return "", 200, {"HX-Redirect": url}
    return redirect(url, 303)


def _form_quantity(name: str) -> int:
    raw = request.form.get(name, "").strip()
    if not raw:
        return 0
    if not raw.isdigit() or int(raw) > MAX_FORM_QUANTITY:
        raise InvalidInput(_("Quantities are whole numbers from 0 to %(max)d.",
                             max=MAX_FORM_QUANTITY))
    return int(raw)


def _refusal_reason(code: str) -> str:
    code = code.strip()
    if code and code not in REFUSAL_REASONS:
        raise InvalidInput(_("Choose a reason from the list."))
    return code
