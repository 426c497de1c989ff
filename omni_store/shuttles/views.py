"""Shuttle screens: pack and label, the dock, receiving, the carrier pickup."""
from uuid import uuid4

from flask import Blueprint, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from omni_store.auth.models import STAFF_ROLES
from omni_store.auth.scoping import current_store, roles_required
from omni_store.core.clock import utcnow
from omni_store.core.web import render_page, wants_fragment
from omni_store.extensions import db
from omni_store.shuttles import counting, labels, queries, receiving
from omni_store.shuttles.dispatch import dispatch_run, hand_to_carrier, load_parcel
from omni_store.shuttles.errors import ShuttleError
from omni_store.shuttles.models import ParcelStatus
from omni_store.shuttles.packing import normalised_code, pack_task_item
from omni_store.shuttles.sealing import seal_parcel
from omni_store.tasks.models import TaskKind

bp = Blueprint("shuttles", __name__, url_prefix="/shuttles")

staff_only = roles_required(*STAFF_ROLES)



def _after_change(url: str, page: str, fragment: str, **context):
    """htmx gets the updated fragment; a plain form post is redirected (POST-redirect-GET)."""
    if wants_fragment():
        return render_page(page, fragment, **context)
    return redirect(url, 303)


def _go_to(url: str):
    """Leave the screen after a change: htmx follows HX-Redirect, a plain post a 303."""
    if wants_fragment():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


# --- pack ------------------------------------------------------------------------------


def _pack_context(task):
    parcel = task.parcel
    return dict(task=task, parcel=parcel, pack_tasks=queries.pack_tasks_of(parcel) or [task],
                scan_id=uuid4().hex)


@bp.route("/pack/<int:task_id>", methods=["GET", "POST"])
@staff_only
def pack_task(task_id: int):
    task = queries.store_task_or_404(task_id, TaskKind.PACK)
    if request.method == "POST":
        pack_task_item(task, request.form.get("barcode", ""), current_user.id,
                       request.form.get("scan_id", ""))
        db.session.commit()
        return _after_change(url_for(".pack_task", task_id=task.id), "shuttles/pack.html",
                             "shuttles/_pack.html", **_pack_context(task))
    return render_page("shuttles/pack.html", "shuttles/_pack.html", **_pack_context(task))


@bp.post("/pack/<int:task_id>/seal")
@staff_only
def seal_pack(task_id: int):
    task = queries.store_task_or_404(task_id, TaskKind.PACK)
    if task.parcel is None:
        raise ShuttleError(_("Nothing is packed in this parcel yet."))
    seal_parcel(task.parcel, current_user.id, at_location_id=current_store().id)
    db.session.commit()
    return _go_to(url_for(".label", code=task.parcel.code))


# --- parcels and labels ----------------------------------------------------------------


@bp.get("/parcels/<code>")
@staff_only
def parcel(code: str):
    found = queries.parcel_here_or_404(code)
    return render_page("shuttles/parcel.html", "shuttles/_parcel.html", parcel=found,
                       from_here=found.origin_id == current_store().id)


@bp.post("/parcels/<code>/seal")
@staff_only
def seal(code: str):
    found = queries.parcel_here_or_404(code)
    seal_parcel(found, current_user.id, at_location_id=current_store().id)
    db.session.commit()
    return _go_to(url_for(".label", code=found.code))


@bp.get("/parcels/<code>/label")
@staff_only
def label(code: str):
    found = queries.parcel_here_or_404(code)
    return render_page("shuttles/label.html", "shuttles/_label.html", parcel=found,
                       label=labels.label_data(found))


@bp.get("/parcels/<code>/label.zpl")
@staff_only
def label_zpl(code: str):
    found = queries.parcel_here_or_404(code)
    if found.status == ParcelStatus.OPEN:
        raise ShuttleError(_("Seal the parcel before printing its label."))
    data = labels.label_data(found)
    texts = {
        "contents": ngettext("%(num)d item", "%(num)d items", data.units),
        "rolled_over": _("ROLLED OVER TO THE NEXT RUN"),
    }
    response = make_response(labels.zpl(data, texts))
    response.mimetype = "application/zpl"
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="label-{found.code}.zpl"'
    return response


# --- dock ------------------------------------------------------------------------------


@bp.get("/dock")
@staff_only
def dock():
    runs = queries.dock_runs(queries.today_at(current_store()))
    return render_page("shuttles/dock.html", "shuttles/_dock.html", runs=runs,
                       next_departures=[] if runs else queries.next_departures(),
                       to_seal=queries.parcels_to_seal(), now=utcnow())


def _run_context(run):
    return dict(run=run, parcels=queries.run_parcels(run))


@bp.route("/runs/<int:run_id>", methods=["GET", "POST"])
@staff_only
def run(run_id: int):
    found = queries.run_here_or_404(run_id)
    if request.method == "POST":
        load_parcel(found, request.form.get("code", ""), current_user.id)
        db.session.commit()
        return _after_change(url_for(".run", run_id=found.id), "shuttles/run.html",
                             "shuttles/_run.html", **_run_context(found))
    return render_page("shuttles/run.html", "shuttles/_run.html", **_run_context(found))


@bp.post("/runs/<int:run_id>/dispatch")
@staff_only
def dispatch(run_id: int):
    found = queries.run_here_or_404(run_id)
    dispatch_run(found, current_user.id)
    db.session.commit()
    return _after_change(url_for(".run", run_id=found.id), "shuttles/run.html",
                         "shuttles/_run.html", **_run_context(found))


# --- receive ---------------------------------------------------------------------------


@bp.get("/receive")
@staff_only
def receive():
    if code := request.args.get("code", "").strip():
        return _go_to(url_for(".receive_parcel", code=normalised_code(code)))
    return render_page("shuttles/receive.html", "shuttles/_receive.html",
                       incoming=queries.incoming_parcels())


def _counting(pairs):
    """Expected units by product and the running count the form carries (POST) or zero."""
    expected = counting.expected_by_product(pairs)
    counts = {product.id: 0 for product in expected}
    if request.method == "POST":
        counts = counting.read_counts(request.form, expected)
    return expected, counts


def _count_screen(page: str, expected, counts, **context):
    if request.method == "POST":
        counts = counting.apply_counting_action(request.form, expected, counts)
    return render_page(page, "shuttles/_count.html", lines=counting.count_lines(expected, counts),
                       **context)


@bp.route("/receive/parcels/<code>", methods=["GET", "POST"])
@staff_only
def receive_parcel(code: str):
    found = queries.parcel_here_or_404(code)
    if found.destination_id != current_store().id:
        raise ShuttleError(_("Parcel %(code)s leaves from this store: it is received at "
                             "%(destination)s.", code=found.code,
                             destination=found.destination.code if found.destination
                             else _("the customer's address")))
    expected, counts = _counting([(line.product, line.quantity) for line in found.lines])
    if request.method == "POST" and request.form.get("confirm"):
        receiving.receive_parcel(found.code, counts, current_user.id, current_store().id)
        db.session.commit()
        return _go_to(url_for(".received", code=found.code))
    return _count_screen("shuttles/receive_parcel.html", expected, counts, parcel=found,
                         post_url=url_for(".receive_parcel", code=found.code))


@bp.get("/receive/parcels/<code>/received")
@staff_only
def received(code: str):
    found = queries.parcel_here_or_404(code)
    return render_page("shuttles/received.html", "shuttles/_received.html", parcel=found)


@bp.route("/receive/<int:task_id>", methods=["GET", "POST"])
@staff_only
def receive_task(task_id: int):
    task = queries.store_task_or_404(task_id, TaskKind.RECEIVE)
    source = task.counterpart_location
    if source is not None and source.is_store:
        incoming = queries.parcel_of_allocation(task.allocation_id)
        if incoming is not None and incoming.status == ParcelStatus.IN_TRANSIT and \
                incoming.destination_id == task.location_id:
            return redirect(url_for(".receive_parcel", code=incoming.code), 303)
        return render_page("shuttles/receive_task.html", "shuttles/_receive_task.html",
                           task=task, parcel=incoming)
    expected, counts = _counting([(task.product, task.quantity)])
    if request.method == "POST" and request.form.get("confirm"):
        delivery = receiving.receive_delivery(task, counts, current_user.id)
        db.session.commit()
        return _go_to(url_for(".received", code=delivery.code))
    return _count_screen("shuttles/receive_delivery.html", expected, counts, task=task,
                         post_url=url_for(".receive_task", task_id=task.id))


# --- carrier ---------------------------------------------------------------------------


@bp.get("/carrier-manifest")
@staff_only
def carrier_manifest():
    return render_page("shuttles/carrier_manifest.html", "shuttles/_carrier_manifest.html",
                       manifest=queries.carrier_manifest(queries.today_at(current_store())))


@bp.post("/carrier-manifest/pickup")
@staff_only
def carrier_pickup():
    hand_to_carrier(current_store().id, current_user.id)
    db.session.commit()
    return _after_change(url_for(".carrier_manifest"), "shuttles/carrier_manifest.html",
                         "shuttles/_carrier_manifest.html",
                         manifest=queries.carrier_manifest(queries.today_at(current_store())))


def departure_in_origin_time(run) -> str:
    return labels.departure_text(run.departure_at, run.route.origin.timezone)




