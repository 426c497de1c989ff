"""The associate's day: the store's open tasks, live."""
from datetime import timedelta
from typing import NamedTuple

from flask import Blueprint
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from omni_store.auth.models import STAFF_ROLES
from omni_store.auth.scoping import roles_required
from omni_store.core.clock import utcnow
from omni_store.core.web import render_page
from omni_store.tasks import queries
from omni_store.tasks.models import TaskKind

bp = Blueprint("tasks", __name__)

TASK_KIND_LABELS = {
    TaskKind.PICK: _l("Pick"),
    TaskKind.ISOLATE: _l("Put in hold zone"),
    TaskKind.PACK: _l("Pack"),
    TaskKind.RECEIVE: _l("Receive"),
    TaskKind.HANDOVER: _l("Hand over"),
    TaskKind.RETURN_INSPECT: _l("Inspect return"),
    TaskKind.RESTOCK: _l("Restock"),
    TaskKind.COUNT: _l("Count"),
}

SOON = timedelta(minutes=30)


class Due(NamedTuple):
    label: str  # "in 25 min", "late by 1 h 10"
    urgency: str  # "late" | "soon" | "later": the colour of the chip


@bp.get("/")
@roles_required(*STAFF_ROLES)
def today():
    return render_page("tasks/today.html", "tasks/_today_list.html",
                       groups=queries.open_tasks_by_kind(), now=utcnow())


@bp.app_template_global()
def due_in(remaining: timedelta) -> Due:
    minutes = round(abs(remaining.total_seconds()) / 60)
    if minutes == 0:
        return Due(_("due now"), "soon")
    if remaining < timedelta(0):
        return Due(_("late by %(duration)s", duration=_duration(minutes)), "late")
    urgency = "soon" if remaining <= SOON else "later"
    return Due(_("in %(duration)s", duration=_duration(minutes)), urgency)


def _duration(minutes: int) -> str:
    """25 min · 1 h 10 · 3 h · 2 days: short enough for a chip, precise where it matters."""
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return _("%(minutes)d min", minutes=rest)
    if hours >= 24:
        days = round(minutes / (24 * 60))
        return ngettext("%(num)d day", "%(num)d days", days)
    if rest == 0:
        return _("%(hours)d h", hours=hours)
    return _("%(hours)d h %(minutes)02d", hours=hours, minutes=rest)


@bp.app_template_global()
def task_kind_label(kind: str) -> str:
    return str(TASK_KIND_LABELS.get(kind, kind))
