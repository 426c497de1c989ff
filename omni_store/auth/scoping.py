"""The one rule every query of store data goes through (DESIGN §9).

Each store is a tenant: a user sees and changes only their store's tasks, orders and
stock screens. An admin has no home store and picks the store they look at.
"""
from functools import wraps

from flask import abort, session
from flask_login import current_user
from sqlalchemy import Select, select

from omni_store.auth.models import Role
from omni_store.extensions import db
from omni_store.network.models import Location, LocationKind

ADMIN_STORE_KEY = "admin_store_id"


def current_store() -> Location:
    """The store the signed-in user works in; 403 if they have none to work in."""
    store_id = current_user.store_id
    if current_user.role == Role.ADMIN:
        store_id = session.get(ADMIN_STORE_KEY) or store_id
        if store_id is None:
            store_id = db.session.scalar(
                select(Location.id).filter_by(kind=LocationKind.STORE, active=True).order_by(Location.code)
            )
    store = db.session.get(Location, store_id) if store_id else None
    if store is None or store.kind != LocationKind.STORE:
        abort(403)
    return store


def scoped(statement: Select, model) -> Select:
    """Restrict a query of a store-owned model to the current store."""
    return statement.where(model.location_id == current_store().id)


def get_scoped_or_404(model, object_id: int):
    """Load one store-owned row; another store's row is as good as missing."""
    found = db.session.scalar(scoped(select(model).where(model.id == object_id), model))
    if found is None:
        abort(404)
    return found


def roles_required(*roles: Role):
    """Route guard, checked server-side on pages and fragments alike."""

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                from omni_store.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorator
