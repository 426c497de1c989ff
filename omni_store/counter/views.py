"""The pickup counter: finding a customer's order and handing it over."""
from uuid import uuid4

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from omni_store.auth.models import STAFF_ROLES
from omni_store.auth.scoping import current_store, roles_required
from omni_store.core.errors import InvalidInput
from omni_store.core.forms import form_number
from omni_store.core.web import go_to, render_page, wants_fragment
from omni_store.counter import confirmations, queries, services, tokens
from omni_store.counter.models import ConfirmationStatus
from omni_store.extensions import db, limiter
from omni_store.orders.models import OrderStatus

bp = Blueprint("counter", __name__, url_prefix="/counter")

MAX_FORM_QUANTITY = 999






@bp.get("/")
@roles_required(*STAFF_ROLES)
def find():
    query = queries.normalised(request.args.get("q"))
    search, error = None, queries.search_too_long(query)
    if query and not error:
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
    result = services.hand_over(
        view.order, handed=view.scanned, refused=_refused(view), actor_id=current_user.id,
        method=services.HandoverMethod.ASSOCIATE_SCAN, seen_progress=_seen_progress(),
    )
    db.session.commit()
    return _after_change(order_id, result=result)


@bp.post("/orders/<int:order_id>/pickup-code")
@roles_required(*STAFF_ROLES)
@limiter.limit(lambda: current_app.config["PICKUP_CODE_RATE_LIMIT"],
               key_func=lambda: f"{get_remote_address()}:{request.view_args.get('order_id')}")
def hand_over_with_code(order_id: int):
    """The customer has no phone: their pickup code confirms the hand-over."""
    view = _counter_order_or_404(order_id)
    right = confirmations.check_pickup_code(view.order, request.form.get("pickup_code", ""))
    db.session.commit()  # a wrong code counts even though the hand-over is refused
    if not right:
        raise InvalidInput(_("Wrong pickup code. Ask the customer to read it again."))
    result = confirmations.hand_over_with_code(view.order, view.scanned, _refused(view),
                                               current_user.id, _seen_progress())
    db.session.commit()
    return _after_change(order_id, result=result)


@bp.post("/orders/<int:order_id>/pickup-code/unlock")
@roles_required(*STAFF_ROLES)
def unlock_pickup_code(order_id: int):
    """Too many wrong codes locked the order's code; staff who checked the customer unlock it."""
    view = _counter_order_or_404(order_id)
    confirmations.unlock_pickup_code(view.order, current_user.id)
    db.session.commit()
    return _after_change(order_id)


@bp.post("/orders/<int:order_id>/customer-link")
@roles_required(*STAFF_ROLES)
def new_customer_link(order_id: int):
    """A ready order whose customer link is closed gets a new one, stored before it is shown."""
    view = _counter_order_or_404(order_id)
    tokens.open_customer_link(view.order)
    db.session.commit()
    return _after_change(order_id)


@bp.post("/orders/<int:order_id>/customer-confirmation")
@roles_required(*STAFF_ROLES)
def ask_customer(order_id: int):
    """Freeze the scanned units and show the customer a QR code to confirm them."""
    view = _counter_order_or_404(order_id)
    confirmations.propose_confirmation(view.order, view.scanned, _refused(view), current_user.id)
    db.session.commit()
    return _after_change(order_id)


@bp.post("/orders/<int:order_id>/customer-confirmation/cancel")
@roles_required(*STAFF_ROLES)
def cancel_customer_confirmation(order_id: int):
    view = _counter_order_or_404(order_id)
    confirmations.cancel_confirmation(view.order)
    db.session.commit()
    return _after_change(order_id)


@bp.get("/orders/<int:order_id>/customer-confirmation")
@roles_required(*STAFF_ROLES)
def customer_confirmation(order_id: int):
    """Polled while the customer confirms: the small panel, then the whole order once final."""
    view = _counter_order_or_404(order_id)
    confirmation = confirmations.latest_confirmation(order_id)
    if not wants_fragment():
        return redirect(url_for(".order", order_id=order_id), 303)
    if confirmations.is_waiting(confirmation):
        return render_template("counter/_customer_confirmation.html", order=view.order,
                               confirmation=confirmation,
                               confirm_url=_confirm_url(confirmation))
    response = _render_order(order_id, confirmed_by_customer=(
        confirmation is not None and confirmation.status == ConfirmationStatus.CONFIRMED))
    response.headers["HX-Retarget"] = "#counter-order"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


# --- helpers -------------------------------------------------------------------------


def _counter_order_or_404(order_id: int) -> queries.CounterOrder:
    """Only orders collected in this store exist at its counter."""
    view = queries.counter_order(order_id, current_store().id)
    if view is None:
        abort(404)
    return view


def _render_order(order_id: int, **context):
    view = _counter_order_or_404(order_id)
    ready = view.order.status == OrderStatus.READY
    confirmation = confirmations.latest_confirmation(order_id) if ready else None
    if not confirmations.is_waiting(confirmation):
        confirmation = None
    # Only a stored link is shown: this page is a GET, and commits nothing.
    link = tokens.live_order_view_token(view.order) if ready else None
    return render_page("counter/order.html", "counter/_order.html", view=view,
                       progress=services.progress(view.order), waiting=services.waiting_quantity,
                       waiting_total=sum(map(services.waiting_quantity, view.order.lines)),
                       scan_id=uuid4().hex, confirmation=confirmation,
                       confirm_url=_confirm_url(confirmation) if confirmation else None,
                       customer_link=tokens.link_of(link) if link else None,
                       customer_token=link,
                       code_locked=link is not None and confirmations.code_locked(link),
                       **context)


def _confirm_url(confirmation) -> str:
    return tokens.absolute_url("pickup.confirm_page",
                               token=tokens.link_token(confirmation.token))


def _refused(view: queries.CounterOrder) -> dict[int, tuple[int, str]]:
    """Refusals entered on the hand-over step, for the lines that have some."""
    refused = {
        line.id: (_form_quantity(f"refuse-{line.id}"),
                  request.form.get(f"reason-{line.id}", "").strip())
        for line in view.order.lines
    }
    return {line_id: entry for line_id, entry in refused.items() if entry[0]}


def _seen_progress() -> int | None:
    return _form_quantity("progress") if "progress" in request.form else None


def _after_change(order_id: int, **context):
    """htmx gets the refreshed order; a plain form post is redirected (POST-redirect-GET)."""
    if wants_fragment():
        return _render_order(order_id, **context)
    return redirect(url_for(".order", order_id=order_id), 303)


def _form_quantity(name: str) -> int:
    return form_number(name, _("Quantity"), 0, MAX_FORM_QUANTITY, default=0)

