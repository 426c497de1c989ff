"""Admin screen for the sourcing rules: weights, and a simulation that allocates nothing."""
from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _

from omni_store.auth.models import Role
from omni_store.auth.scoping import roles_required
from omni_store.core.errors import InvalidInput
from omni_store.core.forms import whole_number
from omni_store.core.web import render_page
from omni_store.extensions import db
from omni_store.orders.intake import MAX_LINE_QUANTITY
from omni_store.orders.queries import simulate_order
from omni_store.orders.weighted_rules import (
    SETTING_FIELDS,
    save_sourcing_settings,
    sourcing_settings,
)

bp = Blueprint("orders_admin", __name__)

MAX_SIMULATED_LINES = 20


@bp.get("/admin/sourcing")
@roles_required(Role.ADMIN)
def sourcing():
    return _sourcing_page()


@bp.post("/admin/sourcing")
@roles_required(Role.ADMIN)
def save_sourcing():
    save_sourcing_settings(request.form.to_dict())
    db.session.commit()
    return redirect(url_for("orders_admin.sourcing", saved=1), 303)


@bp.get("/admin/sourcing/simulate")
@roles_required(Role.ADMIN)
def simulate():
    lines_text = request.args.get("lines", "")
    store_code = request.args.get("store", "")
    simulation = simulate_order(_parse_lines(lines_text), store_code)
    return _sourcing_page(simulation=simulation, lines_text=lines_text, store_code=store_code)


def _sourcing_page(**context):
    return render_page("orders/sourcing.html", "orders/_sourcing.html",
                       settings=sourcing_settings(), fields=SETTING_FIELDS,
                       saved=request.args.get("saved") == "1",
                       **context)


def _parse_lines(text: str) -> list[tuple[str, int]]:
    """'SKU quantity' on each line; a SKU alone means one unit."""
    lines = []
    for row in text.splitlines():
        words = row.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and not words[1].isdecimal()):
            raise InvalidInput(_("Write one SKU and a quantity per line, e.g. PHONE-A 2."))
        quantity = whole_number(words[1], words[0], 1, MAX_LINE_QUANTITY) if len(words) == 2 else 1
        lines.append((words[0], quantity))
    if len(lines) > MAX_SIMULATED_LINES:
        raise InvalidInput(_("Simulate %(max)d lines at most.", max=MAX_SIMULATED_LINES))
    return lines
