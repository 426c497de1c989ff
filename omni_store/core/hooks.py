"""Request-wide behaviour: transactions, sessions, security headers and error rendering."""
from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from omni_store.auth.models import User
from omni_store.core.database import write_intent
from omni_store.core.errors import DomainError
from omni_store.core.web import wants_fragment
from omni_store.extensions import db, login_manager

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def register_hooks(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    # "basic": a tablet roaming between access points keeps its session (marked not fresh).
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _sep, version = session_id.partition(":")
        if not user_id.isdecimal() or not version.isdecimal():
            return None
        user = db.session.scalar(
            select(User).filter_by(id=int(user_id), session_version=int(version), active=True)
        )
        return user

    @app.before_request
    def declare_write_intent():
        g.write_intent_token = write_intent.set(request.method not in SAFE_METHODS)

    @app.teardown_request
    def forget_write_intent(_exc):
        # The thread goes on to serve other requests (or run a test): leave no trace.
        if token := g.pop("write_intent_token", None):
            write_intent.reset(token)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        return response

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        return error_response(error.status_code, str(error.message))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(400, _("This form has expired. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        messages = {
            403: _("You are not allowed to see this page."),
            404: _("This page does not exist, or it belongs to another store."),
            429: _("Too many attempts. Wait a minute and try again."),
        }
        return error_response(error.code or 500, messages.get(error.code, error.description))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return error_response(500, _("Something went wrong on our side. Nothing was saved."))


def error_response(status: int, message: str):
    """The same error as JSON (API), a toast fragment (htmx) or a page."""
    if request.path.startswith("/api/"):
        body = {"type": "about:blank", "title": message, "status": status}
        response = jsonify(body)
        response.status_code = status
        response.mimetype = "application/problem+json"
        return response
    if wants_fragment():
        response = render_template("_error_toast.html", message=message, status=status), status
        return response
    return render_template("error.html", message=message, status=status), status
