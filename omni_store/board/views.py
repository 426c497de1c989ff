"""The store manager's daily mission board.

GET /board is the live day (the fragment polls itself); GET /board?day=YYYY-MM-DD reads a
past day from the history, without actions. Each action is a POST that calls one
service, commits and redirects (303) back to the board.
"""
from datetime import date, datetime

from babel.dates import format_date, format_datetime
from flask import Blueprint, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from omni_store.auth.models import MANAGING_ROLES
from omni_store.auth.scoping import current_store, get_scoped_or_404, roles_required
from omni_store.board import queries
from omni_store.board.alerts import ALERT_LABELS, Alert
from omni_store.core.clock import local
from omni_store.core.errors import InvalidInput
from omni_store.core.forms import form_id
from omni_store.core.i18n import translated
from omni_store.core.views import redirect_back
from omni_store.core.web import render_page
from omni_store.extensions import db
from omni_store.network.models import Location
from omni_store.network.services import pause_ship_from_store, resume_ship_from_store
from omni_store.orders.models import ORDER_STATUS_LABELS
from omni_store.returns.models import RETURN_STATUS_LABELS
from omni_store.shuttles.queries import today_at
from omni_store.tasks.models import TASK_KIND_LABELS, Task
from omni_store.tasks.services import MAX_PRIORITY, assign_task, raise_priority
from omni_store.tasks.views import Due, DueWords

bp = Blueprint("board", __name__, url_prefix="/board")


# The board lists the most urgent alerts first; a busy day's others wait behind "Show all".
FIRST_ALERTS = 10



def _requested_day(store: Location) -> date:
    """The day asked for (today by default); a future day has no history yet."""
    today = today_at(store)
    raw = request.args.get("day", "").strip()
    if not raw:
        return today
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(_("Give the day as YYYY-MM-DD.")) from None
    if day > today:
        raise InvalidInput(_("The board shows today or a past day."))
    return day


@bp.get("")
@roles_required(*MANAGING_ROLES)
def day():
    store = current_store()  # held: the board's queries then find it in the session
    board = queries.board_for(_requested_day(store))
    every_alert = request.args.get("alerts") == "all"
    return render_page(
        "board/page.html", "board/_board.html", board=board,
        alerts=_alerts_with_chips(board, None if every_alert else FIRST_ALERTS),
        every_alert=every_alert, first_alerts=FIRST_ALERTS, waiting=_waiting_with_until(board),
        # Whom a task can be given to: the people of the board (the store's active staff).
        staff=sorted((person.user for person in board.people), key=lambda user: user.name)
        if board.is_today else [],
        today=today_at(board.store),
        current_hour=local(board.now, board.store.timezone).hour if board.is_today else None,
        max_priority=MAX_PRIORITY, **_labels(),
    )


# A busy store's board lists many alerts and waiting orders: their words are translated
# once per request here, then only filled in per row.


def _labels() -> dict:
    return dict(
        alert_labels=translated(ALERT_LABELS), return_status_labels=translated(RETURN_STATUS_LABELS),
        kind_labels=translated(TASK_KIND_LABELS), order_status_labels=translated(ORDER_STATUS_LABELS),
        priority_labels={level: _("Priority %(level)d", level=level) for level in range(1, MAX_PRIORITY + 1)},
        minutes=_("%(minutes)d min"),
        hour_title=_("%(hour)02d:00 — %(done)d finished, %(due)d due"),
    )


def _alerts_with_chips(board: queries.Board, first: int | None) -> list[tuple[Alert, Due]]:
    words = DueWords()
    return [(alert, words.chip(alert.due_at - board.now)) for alert in board.alerts[:first]]


def _waiting_with_until(board: queries.Board) -> list[tuple[queries.WaitingOrder, str]]:
    until, days = _("until %(when)s"), {}
    waiting = []
    for entry in board.waiting:
        moment = local(entry.expires_at, board.store.timezone)
        if moment.date() not in days:  # holds expire over a few days: one date format each
            days[moment.date()] = format_date(moment.date(), "EEE d MMM", locale=get_locale())
        waiting.append((entry, until % {"when": f"{days[moment.date()]} {moment:%H:%M}"}))
    return waiting


@bp.post("/tasks/<int:task_id>/assign")
@roles_required(*MANAGING_ROLES)
def assign(task_id: int):
    assignee_id = form_id("assignee_id", _("Choose who does this task."))
    assign_task(get_scoped_or_404(Task, task_id), assignee_id, current_user.id)
    db.session.commit()
    return redirect_back("board.day"), 303


@bp.post("/tasks/<int:task_id>/priority")
@roles_required(*MANAGING_ROLES)
def priority(task_id: int):
    raise_priority(get_scoped_or_404(Task, task_id), current_user.id)
    db.session.commit()
    return redirect_back("board.day"), 303


@bp.post("/ship-from-store")
@roles_required(*MANAGING_ROLES)
def ship_from_store():
    store = current_store()
    match request.form.get("action"):
        case "pause":
            pause_ship_from_store(store, today_at(store))
        case "resume":
            resume_ship_from_store(store)
        case _:
            raise InvalidInput(_("Choose to pause or to resume shipping from the store."))
    db.session.commit()
    return redirect_back("board.day"), 303


# The board may be an admin's look at any store: its times are that store's, not the viewer's.
@bp.app_template_filter("store_time")
def store_time(moment: datetime, store: Location) -> str:
    return local(moment, store.timezone).strftime("%H:%M")


@bp.app_template_filter("store_day_time")
def store_day_time(moment: datetime, store: Location) -> str:
    return format_datetime(local(moment, store.timezone), "EEE d MMM HH:mm", locale=get_locale())
