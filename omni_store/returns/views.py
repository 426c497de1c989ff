"""Customer returns: find the order, inspect line by line, complete with the refund."""
from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from omni_store.auth.models import STAFF_ROLES
from omni_store.auth.scoping import current_store, roles_required
from omni_store.core.forms import MAX_TYPED_NUMBER, form_id, form_number
from omni_store.core.web import go_to, render_page, wants_fragment
from omni_store.counter import queries as order_search
from omni_store.extensions import db
from omni_store.returns import queries, services
from omni_store.returns.models import Disposition, ReturnCondition

bp = Blueprint("returns", __name__, url_prefix="/returns")



OWN_STOCK_CHOICES = [d for d in Disposition if d != Disposition.SELLER_PROCESS]




@bp.get("/")
@roles_required(*STAFF_ROLES)
def find():
    query = order_search.normalised(request.args.get("q"))
    search, error = None, order_search.search_too_long(query)
    if query and not error:
        found = order_search.order_by_number(query)
        if found is not None:  # the receipt's or the order's QR code holds its number
            return go_to(url_for(".order", order_id=found.id))
        search = order_search.search_orders(query)
    return render_page("returns/find.html", "returns/_results.html",
                       query=query, search=search, error=error, status=422 if error else 200)


@bp.get("/orders/<int:order_id>")
@roles_required(*STAFF_ROLES)
def order(order_id: int):
    view = queries.returnable_order(order_id)
    if view is None:
        abort(404)
    return render_page("returns/order.html", "returns/_order.html", view=view,
                       returnable_statuses=services.RETURNABLE_ORDER_STATUSES)


@bp.post("/orders/<int:order_id>/start")
@roles_required(*STAFF_ROLES)
def start(order_id: int):
    view = queries.returnable_order(order_id)
    if view is None:
        abort(404)
    return_ = services.start_return(view.order, current_store().id, current_user.id)
    db.session.commit()
    return go_to(url_for(".sheet", return_id=return_.id))


@bp.get("/<int:return_id>")
@roles_required(*STAFF_ROLES)
def sheet(return_id: int):
    return _render_sheet(return_id)


@bp.post("/<int:return_id>/lines")
@roles_required(*STAFF_ROLES)
def add_line(return_id: int):
    sheet_ = _sheet_or_404(return_id)
    services.add_return_line(
        sheet_.return_, form_id("order_line_id", _("Choose the item from the order.")),
        form_number("quantity", _("Quantity"), 1, MAX_TYPED_NUMBER),
        request.form.get("reason", ""), request.form.get("condition", ""),
        request.form.get("disposition", ""),
    )
    db.session.commit()
    return _after_change(return_id)


@bp.post("/<int:return_id>/lines/<int:line_id>/remove")
@roles_required(*STAFF_ROLES)
def remove_line(return_id: int, line_id: int):
    services.remove_return_line(_sheet_or_404(return_id).return_, line_id)
    db.session.commit()
    return _after_change(return_id)


@bp.post("/<int:return_id>/complete")
@roles_required(*STAFF_ROLES)
def complete(return_id: int):
    services.complete_return(_sheet_or_404(return_id).return_, current_user.id)
    db.session.commit()
    return _after_change(return_id)


@bp.post("/<int:return_id>/cancel")
@roles_required(*STAFF_ROLES)
def cancel(return_id: int):
    services.cancel_return(_sheet_or_404(return_id).return_)
    db.session.commit()
    return _after_change(return_id)


# --- helpers -------------------------------------------------------------------------


def _sheet_or_404(return_id: int) -> queries.ReturnSheet:
    sheet_ = queries.return_sheet(return_id, current_store().id)
    if sheet_ is None:
        abort(404)
    return sheet_


def _render_sheet(return_id: int):
    return render_page("returns/sheet.html", "returns/_sheet.html", sheet=_sheet_or_404(return_id),
                       conditions=list(ReturnCondition), own_stock_choices=OWN_STOCK_CHOICES)


def _after_change(return_id: int):
    """htmx gets the refreshed return; a plain form post is redirected (POST-redirect-GET)."""
    if wants_fragment():
        return _render_sheet(return_id)
    return redirect(url_for(".sheet", return_id=return_id), 303)
