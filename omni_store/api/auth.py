"""API clients authenticate with `Authorization: Bearer <key>`, never with a session."""
from flask import g, request
from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from omni_store.auth.models import ApiClient
from omni_store.core.read_cache import KeyedReadCache
from omni_store.core.errors import DomainError
from omni_store.extensions import db, login_manager


class Unauthenticated(DomainError):
    status_code = 401


def authenticate_client() -> None:
    """Find the active client of the request's key, or refuse with 401.

    A signed-in staff session counts for nothing here: the request runs as anonymous
    whatever cookie it carries, so no store scoping or role can leak in from it.
    """
    g._login_user = login_manager.anonymous_user()
    scheme, _sep, key = request.headers.get("Authorization", "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise Unauthenticated(_("Send your API key in the header 'Authorization: Bearer <key>'."))
    client_id = _client_of_key.get(ApiClient.hash_key(key))
    if client_id is None:
        raise Unauthenticated(_("This API key is unknown or disabled."))
    g.api_client_id = client_id


_ACTIVE_CLIENT_OF_KEY = select(ApiClient.id).where(ApiClient.key_hash == bindparam("key_hash"),
                                                   ApiClient.active.is_(True))


def _load_client(key_hash: str) -> int | None:
    return db.session.scalar(_ACTIVE_CLIENT_OF_KEY, {"key_hash": key_hash})


# Renewed whenever a client is written: a disabled key is refused at the next request.
_client_of_key = KeyedReadCache("api_clients", _load_client, maxsize=1_000)
