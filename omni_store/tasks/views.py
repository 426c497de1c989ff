"""The associate's day: the store's open tasks, live, and the screen of each task.

Every action is a POST that calls one service, commits, and redirects (303) to the
screen it came from: a plain form gets the page back, htmx follows the redirect and
swaps the fragment. A refused action is a toast.
"""
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import get_timezone, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from omni_store.auth.models import MANAGING_ROLES, STAFF_ROLES
from omni_store.auth.scoping import current_store, roles_required
from omni_store.core.clock import utcnow
from omni_store.core.forms import form_id, form_number, form_text
from omni_store.core.i18n import translated
from omni_store.core.views import redirect_back
from omni_store.core.web import render_page
from omni_store.extensions import db
from omni_store.network.services import set_pick_without_scan
from omni_store.orders.queries import order_plan, uncovered_units
from omni_store.tasks import counting, isolating, picking, queries, restocking
from omni_store.tasks.models import TASK_KIND_LABELS, TaskKind, TaskStatus
from omni_store.tasks.services import assign_task, claim_task, release_task

bp = Blueprint("tasks", __name__)

# Screens of other teams' task kinds, by endpoint; linked to once they exist.
OTHER_SCREENS = {TaskKind.PACK: "shuttles.pack_task", TaskKind.RECEIVE: "shuttles.receive_task"}
# The camera's barcode reader compiles a WebAssembly module: allowed on task screens only.
TASK_SCREEN_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'; form-action 'self'"
)



SOON = timedelta(minutes=30)


class Due(NamedTuple):
    label: str  # "in 25 min", "late by 1 h 10"
    urgency: str  # "late" | "soon" | "later": the colour of the chip


@bp.get("/")
@roles_required(*STAFF_ROLES)
def today():
    try:
        show = queries.Show(request.args.get("show", queries.Show.ALL))
    except ValueError:
        show = queries.Show.ALL
    # The groups opened past their first tasks ("N more"), e.g. ?more=pick&more=receive.
    asked = request.args.getlist("more")
    opened = [kind for kind in queries.KIND_ORDER if kind in asked]
    now, zone = utcnow(), ZoneInfo(str(get_timezone()))  # the viewer's store time, as in |timeformat
    listed = queries.today_list(show, current_user.id, frozenset(opened))
    return render_page("tasks/today.html", "tasks/_today_list.html", today=listed,
                       cards=_today_cards(listed, now, zone), kind_labels=translated(TASK_KIND_LABELS), opened=opened,
                       now=now, show=show, show_labels=queries.SHOW_LABELS)


class TodayCard(NamedTuple):
    """One task of Today, worded and linked in Python: the template only places these values
    (plain attributes, the quickest for it to read)."""

    id: int
    url: str  # the task's screen
    due: str  # "late by 1 h 10"
    urgency: str  # the due chip's colour
    due_time: str  # HH:MM, the viewer's store time
    product: str | None
    quantity: int
    order: str | None  # "Order W-000123"
    zone_name: str | None
    zone_code: str | None
    counterpart: str | None  # "to PAR-BAS · Paris Bastille"
    priority: bool
    on_it: str | None  # "Alice is on it"; nobody is on it yet when None
    action: str | None  # where its button posts: take it (nobody on it), give back (mine)
    mine: bool


def _today_cards(listed: queries.TodayList, now: datetime, zone: tzinfo) -> dict[str, list[TodayCard]]:
    """The cards of every listed task in one pass: each phrase translated once, each route
    built once, then only filled in."""
    due_words = DueWords()
    order, on_it = _("Order %(number)s"), _("%(name)s is on it")
    to_place, from_place = _("to %(place)s"), _("from %(place)s")
    screen, claim_url, release_url = (_task_urls(endpoint) for endpoint in
                                      ("tasks.task_screen", "tasks.claim", "tasks.release"))
    me = current_user.id
    cards = {}
    for group in listed.groups:
        place = from_place if group.kind == TaskKind.RECEIVE else to_place
        cards[group.kind] = [
            TodayCard(
                task.id, screen(task.id), *due_words.chip(task.due_at - now),
                _hours_minutes(task.due_at.astimezone(zone)), task.product_name, task.quantity,
                order % {"number": task.order_number} if task.order_number else None,
                task.zone_name, task.zone_code,
                place % {"place": f"{task.counterpart_code} · {task.counterpart_name}"}
                if task.counterpart_code else None,
                task.priority > 0,
                on_it % {"name": task.assignee_name} if task.assignee_name else None,
                claim_url(task.id) if task.assignee_id is None
                else release_url(task.id) if task.assignee_id == me else None,
                task.assignee_id == me,
            )
            for task in group.rows
        ]
    return cards


def _hours_minutes(moment: datetime) -> str:
    return "%02d:%02d" % (moment.hour, moment.minute)  # strftime costs three times as much


# Stands for the task id while a route is built once for a whole list; no other part of
# a task URL holds these digits.
_ANY_TASK_ID = 987654321


def _task_urls(endpoint: str) -> Callable[[int], str]:
    """url_for(endpoint, task_id=...) for many tasks: the route is built once, each id put in."""
    head, tail = url_for(endpoint, task_id=_ANY_TASK_ID).split(str(_ANY_TASK_ID))
    return lambda task_id: f"{head}{task_id}{tail}"


@bp.post("/tasks/<int:task_id>/claim")
@roles_required(*STAFF_ROLES)
def claim(task_id: int):
    claim_task(queries.task_for_screen(task_id), current_user.id)
    db.session.commit()
    return redirect_back(), 303


@bp.post("/tasks/<int:task_id>/release")
@roles_required(*STAFF_ROLES)
def release(task_id: int):
    release_task(queries.task_for_screen(task_id), current_user.id)
    db.session.commit()
    return redirect_back(), 303


@bp.post("/tasks/<int:task_id>/assign")
@roles_required(*MANAGING_ROLES)
def assign(task_id: int):
    assignee_id = form_id("assignee_id", _("Choose who does this task."))
    assign_task(queries.task_for_screen(task_id), assignee_id, current_user.id)
    db.session.commit()
    return _back_to(task_id)


# --- the screen of one task ------------------------------------------------------------


@bp.get("/tasks/<int:task_id>")
@roles_required(*STAFF_ROLES)
def task_screen(task_id: int):
    task = queries.task_for_screen(task_id)
    if task.kind in OTHER_SCREENS and OTHER_SCREENS[task.kind] in current_app.view_functions:
        return redirect(url_for(OTHER_SCREENS[task.kind], task_id=task.id))
    context = dict(task=task, now=utcnow(), next_task=None, staff=[])
    if current_user.is_manager and task.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS):
        context["staff"] = queries.store_staff()
    if task.status in (TaskStatus.DONE, TaskStatus.EXCEPTION):
        context["next_task"] = queries.next_task_of_order(task)
    match task.kind:
        case TaskKind.PICK:
            context.update(shelf=queries.product_zone(task) or task.zone,
                           short_reasons=picking.SHORT_PICK_REASONS)
        case TaskKind.ISOLATE:
            context.update(hold=isolating.hold_of(task),
                           proposed=isolating.propose_slot(task)
                           if task.status != TaskStatus.DONE else None)
        case TaskKind.COUNT:
            context.update(state=counting.count_state(task), shelf=queries.product_zone(task))
        case TaskKind.RESTOCK:
            context.update(shelf=restocking.home_zone(task))
    response = render_page("tasks/task.html", "tasks/_task_screen.html", **context)
    response.headers["Content-Security-Policy"] = TASK_SCREEN_CSP
    return response


def _back_to(task_id: int):
    return redirect(url_for("tasks.task_screen", task_id=task_id), 303)


def _scan_id() -> str:
    return form_text("scan_id", 64)


@bp.post("/tasks/<int:task_id>/pick/scan")
@roles_required(*STAFF_ROLES)
def pick_scan(task_id: int):
    picking.record_pick_scan(queries.task_for_screen(task_id), form_text("barcode", 64),
                             current_user.id, _scan_id())
    db.session.commit()
    return _back_to(task_id)


@bp.post("/tasks/<int:task_id>/pick/confirm")
@roles_required(*STAFF_ROLES)
def pick_confirm(task_id: int):
    picking.confirm_pick_quantity(queries.task_for_screen(task_id), current_user.id, _scan_id())
    db.session.commit()
    return _back_to(task_id)


@bp.post("/tasks/<int:task_id>/pick/short")
@roles_required(*STAFF_ROLES)
def pick_short(task_id: int):
    missing = form_number("missing", _("The missing quantity"))
    picking.report_short_pick(queries.task_for_screen(task_id), missing, form_text("reason", 40),
                              current_user.id, detail=form_text("detail", 200))
    db.session.commit()
    return _back_to(task_id)


@bp.post("/tasks/<int:task_id>/isolate")
@roles_required(*STAFF_ROLES)
def isolate(task_id: int):
    isolating.isolate_order(queries.task_for_screen(task_id), form_text("slot", 64),
                            current_user.id)
    db.session.commit()
    return _back_to(task_id)


@bp.post("/tasks/<int:task_id>/count/zone")
@roles_required(*STAFF_ROLES)
def count_zone(task_id: int):
    counting.confirm_count_zone(queries.task_for_screen(task_id), form_text("zone", 64),
                                current_user.id)
    db.session.commit()
    return _back_to(task_id)


@bp.post("/tasks/<int:task_id>/count/scan")
@roles_required(*STAFF_ROLES)
def count_scan(task_id: int):
    counting.record_count_scan(queries.task_for_screen(task_id), form_text("barcode", 64),
                               current_user.id, _scan_id())
    db.session.commit()
    return _back_to(task_id)


@bp.post("/tasks/<int:task_id>/count/submit")
@roles_required(*STAFF_ROLES)
def count_submit(task_id: int):
    counted = form_number("counted", _("The count"))
    counting.submit_count(queries.task_for_screen(task_id), counted, current_user.id)
    db.session.commit()
    return _back_to(task_id)


@bp.post("/tasks/<int:task_id>/restock/item")
@roles_required(*STAFF_ROLES)
def restock_item(task_id: int):
    restocking.take_restock_items(queries.task_for_screen(task_id), form_text("barcode", 64),
                                  current_user.id)
    db.session.commit()
    return _back_to(task_id)


@bp.post("/tasks/<int:task_id>/restock/zone")
@roles_required(*STAFF_ROLES)
def restock_zone(task_id: int):
    restocking.put_back(queries.task_for_screen(task_id), form_text("zone", 64), current_user.id)
    db.session.commit()
    return _back_to(task_id)


# --- an order, the store's settings ------------------------------------------------------


@bp.get("/orders/<number>")
@roles_required(*STAFF_ROLES)
def order_detail(number: str):
    found = queries.order_for_store(number[:20])
    return render_page("tasks/order.html", "tasks/_order.html", found=found,
                       plan=order_plan(found.order), gaps=uncovered_units(found.order),
                       booking=found.order.booking, store=current_store(), now=utcnow())


@bp.get("/store/settings")
@roles_required(*MANAGING_ROLES)
def store_settings():
    return render_page("tasks/store_settings.html", "tasks/_store_settings.html",
                       store=current_store())


@bp.post("/store/settings")
@roles_required(*MANAGING_ROLES)
def save_store_settings():
    set_pick_without_scan(current_store(), request.form.get("allow_pick_without_scan") == "on")
    db.session.commit()
    return redirect(url_for("tasks.store_settings"), 303)


@bp.post("/store/counts")
@roles_required(*MANAGING_ROLES)
def request_count():
    task = counting.request_count(current_store().id, form_text("product", 64),
                                  form_text("zone", 64), current_user.id)
    db.session.commit()
    return _back_to(task.id)


def new_scan_id() -> str:
    """Each rendered scan form carries its own id: submitting it twice counts once."""
    return secrets.token_hex(16)


class DueWords:
    """The words of due chips, translated once for a whole list of tasks."""

    def __init__(self):
        self.due_now = _("due now")
        self.late_by = _("late by %(duration)s")
        self.within = _("in %(duration)s")
        self.minutes = _("%(minutes)d min")
        self.hours = _("%(hours)d h")
        self.hours_minutes = _("%(hours)d h %(minutes)02d")
        self._days: dict[int, str] = {}  # the plural form depends on the number

    def chip(self, remaining: timedelta) -> Due:
        minutes = round(abs(remaining.total_seconds()) / 60)
        if minutes == 0:
            return Due(self.due_now, "soon")
        if remaining < timedelta(0):
            return Due(self.late_by % {"duration": self.duration(minutes)}, "late")
        urgency = "soon" if remaining <= SOON else "later"
        return Due(self.within % {"duration": self.duration(minutes)}, urgency)

    def duration(self, minutes: int) -> str:
        """25 min · 1 h 10 · 3 h · 2 days: short enough for a chip, precise where it matters."""
        hours, rest = divmod(minutes, 60)
        if hours == 0:
            return self.minutes % {"minutes": rest}
        if hours >= 24:
            days = round(minutes / (24 * 60))
            if days not in self._days:
                self._days[days] = ngettext("%(num)d day", "%(num)d days", days)
            return self._days[days]
        if rest == 0:
            return self.hours % {"hours": hours}
        return self.hours_minutes % {"hours": hours, "minutes": rest}


def due_in(remaining: timedelta) -> Due:
    return DueWords().chip(remaining)



