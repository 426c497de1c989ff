"""Request-wide behaviour: transactions, security headers and error rendering."""
import sqlite3

import psycopg
from flask import Flask, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from omni_store.core.database import write_intent
from omni_store.core.errors import DomainError
from omni_store.core.forms import refuse_unstorable_characters
from omni_store.core.web import wants_fragment
from omni_store.extensions import db, login_manager

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A restarted or failed-over database is back within seconds (the pool reconnects alone).
DATABASE_RETRY_AFTER_SECONDS = 5
# SQLite's own words for a file it cannot use now (a writer held the lock past busy_timeout).
SQLITE_UNAVAILABLE = ("database is locked", "database table is locked",
                      "unable to open database file", "disk I/O error")


def register_hooks(app: Flask) -> None:
    app.before_request(refuse_unstorable_characters)

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
        # Staff screens and API answers are one user's data: never kept by a shared cache
        # nor on the tablet's disk. A response that chose its caching keeps it (static
        # files revalidate by ETag; customer pages say no-store themselves).
        response.headers.setdefault("Cache-Control", "private, no-store")
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
        response = make_response(error_response(error.code or 500,
                                                messages.get(error.code, error.description)))
        # What the exception's own response says besides its HTML (the Allow of a 405).
        for name, value in error.get_headers():
            if name != "Content-Type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if database_unreachable(error):
            return database_unavailable(app, error)
        db.session.rollback()
        app.logger.exception("unhandled error")
        return error_response(500, _("Something went wrong on our side. Nothing was saved."))


def database_unreachable(error: BaseException) -> bool:
    """The database cannot answer now: down, restarting, cut off, or locked too long.

    Not a bug of ours and not the client's: the same request succeeds once it is back.
    """
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, (InterfaceError, PoolTimeout)):
        return True
    cause = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(cause, (psycopg.OperationalError, psycopg.InterfaceError)):
        return True
    return isinstance(cause, sqlite3.OperationalError) and str(cause).startswith(SQLITE_UNAVAILABLE)


def database_unavailable(app: Flask, error: BaseException):
    """503 with Retry-After; the request's transaction is dropped uncommitted.

    (Only a connection lost during COMMIT itself may have saved it: an API retry with its
    Idempotency-Key then replays that answer.)
    """
    # The connection may be broken: close it rather than hand it back to the pool (the next
    # checkout pings or reconnects), and leave teardown no transaction to roll back.
    db.session().invalidate()
    # Drawing the page must not ask the database again for the signed-in user.
    g.setdefault("_login_user", login_manager.anonymous_user())
    cause = error.orig if isinstance(error, DBAPIError) else error
    # One line, without the statement and its parameters (a traceback a second helps no one).
    app.logger.warning("database unreachable: %s %s: %s: %s", request.method, request.path,
                       type(cause).__name__, str(cause).strip().partition("\n")[0])
    response = make_response(error_response(
        503, _("The store system is unreachable right now. Nothing was saved; "
               "try again in a moment."), title=_("Service unavailable")))
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def error_response(status: int, message: str, title: str | None = None):
    """The same error as JSON (API), a toast fragment (htmx) or a page.

    `title` names the kind of problem in the API's JSON, whose detail is then `message`.
    """
    if request.path.startswith("/api/"):
        body = {"type": "about:blank", "title": title or message, "status": status}
        if title:
            body["detail"] = message
        response = jsonify(body)
        response.status_code = status
        response.mimetype = "application/problem+json"
        return response
    if wants_fragment():
        response = render_template("_error_toast.html", message=message, status=status), status
        return response
    return render_template("error.html", message=message, status=status), status
