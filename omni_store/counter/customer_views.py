"""Customer pages reached by a signed link: order status, QR code, handover confirmation.

Public (no account): the token is the only key. Any bad token gets the same plain 404,
which says nothing about the order, the store or why.
"""
from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from omni_store.core.errors import DomainError
from omni_store.counter import confirmations, queries, tokens
from omni_store.counter.models import ConfirmationStatus, TokenPurpose
from omni_store.extensions import db, limiter
from omni_store.network.models import WEEKDAYS

# Still named "pickup" (it was the pickup package's): its endpoints (pickup.order_page,
# pickup.confirm_page) build the links already sent to customers and the templates' url_for.
bp = Blueprint("pickup", __name__)

DAY_NAMES = {
    "mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"), "thu": _l("Thursday"),
    "fri": _l("Friday"), "sat": _l("Saturday"), "sun": _l("Sunday"),
}


@bp.after_request
def private_page(response):
    # The URL is the key: keep the page out of shared caches and the browser's disk cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def not_found():
    return render_template("pickup/not_found.html"), 404


@bp.get("/p/<token>")
def order_page(token: str):
    row = tokens.resolve(token, TokenPurpose.ORDER_VIEW)
    if row is None:
        return not_found()
    order = queries.customer_order(row.order_id)
    store = order.pickup_location
    hours = [(DAY_NAMES[day], store.opening_hours.get(day, [])) for day in WEEKDAYS]
    return render_template("pickup/order.html", order=order, store=store,
                           hold=queries.latest_active_hold(order.id),
                           hours=hours, code=tokens.pickup_code_of(row),
                           items=[(line, line.quantity) for line in order.lines])


@bp.get("/p/<token>/confirm")
def confirm_page(token: str):
    confirmation = _confirmation_or_none(token)
    if confirmation is None:
        return not_found()
    return _render_confirmation(confirmation)


@bp.post("/p/<token>/confirm")
@limiter.limit(lambda: current_app.config["PICKUP_CONFIRM_RATE_LIMIT"])
def confirm(token: str):
    confirmation = _confirmation_or_none(token)
    if confirmation is None:
        return not_found()
    if confirmation.status == ConfirmationStatus.PENDING:
        try:
            confirmations.confirm_by_customer(confirmation)
        except DomainError as error:  # shown on the customer's page, not as a staff toast
            db.session.rollback()
            return _render_confirmation(confirmation, error=str(error.message), status=409)
        db.session.commit()
    return redirect(url_for(".confirm_page", token=token), 303)


def _confirmation_or_none(token: str):
    row = tokens.resolve(token, TokenPurpose.HANDOVER_CONFIRM, allow_used=True)
    return confirmations.confirmation_for_token(row) if row else None


def _render_confirmation(confirmation, error: str | None = None, status: int = 200):
    order = queries.customer_order(confirmation.order_id)
    lines = {line.id: line for line in order.lines}
    items = [(lines[int(line_id)], units) for line_id, units in confirmation.handed.items()]
    refused = [(lines[int(line_id)], units) for line_id, (units, _r) in confirmation.refused.items()]
    return render_template("pickup/confirm.html", order=order, confirmation=confirmation,
                           items=items, refused=refused, error=error), status
