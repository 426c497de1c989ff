"""Who a request is signed in as: Flask-Login's settings and the session's user."""
from flask import Flask
from sqlalchemy import select

from omni_store.auth.models import User
from omni_store.extensions import db, login_manager


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    # "basic": a tablet roaming between access points keeps its session (marked not fresh).
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def load_user(session_id: str) -> User | None:
    """The session names the user and their session version (User.get_id): a bumped
    version ends every session opened before it."""
    user_id, _sep, version = session_id.partition(":")
    if not user_id.isdecimal() or not version.isdecimal():
        return None
    return db.session.scalar(
        select(User).filter_by(id=int(user_id), session_version=int(version), active=True)
    )
