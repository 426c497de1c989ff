"""Screens and endpoints every user shares: health check, language switch."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, request, session, url_for
from flask_babel import get_locale
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from omni_store.extensions import csrf, db

bp = Blueprint("core", __name__)


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: never another host, scheme or protocol-relative URL."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def redirect_back(fallback_endpoint: str = "tasks.today"):
    """POST-redirect-GET to the page the form was on (its hidden `next` field)."""
    target = request.form.get("next") or request.args.get("next")
    return redirect(target if is_safe_next(target) else url_for(fallback_endpoint))


def current_path() -> str:
    """Where a form should send the user back to (`next`)."""
    return request.full_path.rstrip("?")


def current_language() -> str:
    return str(get_locale())


@bp.get("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        # Probed every few seconds while the database is down: one line each, no traceback.
        current_app.logger.warning("health check: database unreachable: %s",
                                   str(getattr(error, "orig", error)).strip().partition("\n")[0])
        return jsonify(status="error", db="error"), 503
    return jsonify(status="ok", db="ok")


@bp.post("/lang")
def switch_language():
    """Open to signed-out users too, so the sign-in page can be read in French."""
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect_back()
