"""Sign-in, sign-out and the admin's store switcher."""
from functools import cache
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.exceptions import Forbidden, SecurityError
from werkzeug.security import check_password_hash, generate_password_hash

from omni_store.auth import throttle
from omni_store.auth.forms import LoginForm
from omni_store.auth.models import STAFF_ROLES, Role, User
from omni_store.auth.scoping import ADMIN_STORE_KEY, current_store, roles_required
from omni_store.core.errors import NotFound
from omni_store.core.views import current_path, redirect_back
from omni_store.extensions import db, limiter, login_manager
from omni_store.network.models import Location, LocationKind

bp = Blueprint("auth", __name__)



@bp.app_errorhandler(SecurityError)
def untrusted_host(_error):
    """A Host header not in TRUSTED_HOSTS: no page of ours (links, forms) is built for it."""
    return "Unknown host.", 400, {"Content-Type": "text/plain; charset=utf-8"}


@login_manager.unauthorized_handler
def send_to_login():
    target = url_for("auth.login", next=_page_to_return_to())
    if request.htmx:
        # A poll or a swap must not paste the sign-in page into a list: htmx reloads instead.
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def _page_to_return_to() -> str:
    """For htmx, the page the user was on rather than the fragment it asked for."""
    if request.htmx and request.htmx.current_url:
        parts = urlsplit(request.htmx.current_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return current_path()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect_back()
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        email = form.email.data
        known = throttle.known_device(email)
        if not known and (minutes := throttle.minutes_locked(email)):
            # Even the right password waits: else the limit would not stop a guess.
            error = ngettext("Too many wrong passwords for this account. Wait %(num)d minute "
                             "or ask your manager.",
                             "Too many wrong passwords for this account. Wait %(num)d minutes "
                             "or ask your manager.", minutes)
            status = 429
        elif (user := _user_with_password(email, form.password.data)) is None:
            if not known:
                throttle.count_failure(email)
            error = _("Wrong email or password.")
        elif not user.active:
            error = _("This account is disabled. Ask your store manager.")
        else:
            login_user(user)
            session.permanent = True  # lives PERMANENT_SESSION_LIFETIME: a shift and a half
            response = redirect_back()
            throttle.remember_device(response, email)
            return response
    return render_template("auth/login.html", form=form, error=error), status


@cache
def _unused_password_hash() -> str:
    return generate_password_hash("no account has this password")


def _user_with_password(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        # Hash anyway so that response time does not tell which emails have an account.
        check_password_hash(_unused_password_hash(), password)
        return None
    return user if user.check_password(password) else None


@bp.post("/logout")
@roles_required(*STAFF_ROLES)
def logout():
    # The version is part of the session id: bumping it makes any copy of the cookie useless.
    current_user.session_version = User.session_version + 1
    db.session.commit()
    logout_user()
    session.pop(ADMIN_STORE_KEY, None)
    return redirect(url_for("auth.login"))


@bp.post("/store")
@roles_required(Role.ADMIN)
def switch_store():
    store_id = request.form.get("store_id", type=int)
    store = db.session.get(Location, store_id) if store_id else None
    if store is None or not store.is_store or not store.active:
        raise NotFound(_("This store does not exist."))
    session[ADMIN_STORE_KEY] = store.id
    return redirect_back()


def viewed_store() -> Location | None:
    """The store shown in the top bar; None for a user who has no store to work in."""
    try:
        return current_store()
    except Forbidden:
        return None


def switchable_stores() -> list[Location]:
    return db.session.scalars(
        select(Location).filter_by(kind=LocationKind.STORE, active=True).order_by(Location.code)
    ).all()

