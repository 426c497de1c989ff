"""`Idempotency-Key` on API writes (DESIGN §9).

The key row is inserted and committed first, in its own short transaction, marked in
flight; the write then runs in the request's transaction, which also stores the
response and marks the key completed, so the write and its remembered answer commit
together. A refused write deletes the key (nothing was written: retrying is fine); a
process that died mid-write leaves an in-flight row that a retry takes over once the
lease is over.
"""
import hashlib
import json
from datetime import timedelta
from functools import wraps

from flask import Response, g, make_response, request
from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from omni_store.api.models import IdempotencyKey, IdempotencyStatus
from omni_store.core.clock import as_utc, utcnow
from omni_store.core.errors import DomainError, InvalidInput
from omni_store.extensions import db

MAX_KEY_LENGTH = 255
# Longer than any write takes; an older in-flight key belongs to a process that died.
IN_FLIGHT_LEASE = timedelta(minutes=5)


class KeyInFlight(DomainError):
    status_code = 409


def request_hash() -> str:
    """The same JSON written differently (spacing, key order) hashes the same."""
    body = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True,
                               separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n"
                          + canonical).hexdigest()


def idempotent(view):
    """Replay, refuse or run `view` according to the request's Idempotency-Key."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return _run_and_commit(view, args, kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise InvalidInput(_("The Idempotency-Key is longer than %(max)d characters.",
                                 max=MAX_KEY_LENGTH))
        fingerprint = request_hash()
        replay = _claim(key, fingerprint)
        if replay is not None:
            return replay
        try:
            response = view(*args, **kwargs)
        except Exception:
            db.session.rollback()
            _release(key)
            raise
        response = _as_response(response)
        if response.status_code >= 400:
            db.session.rollback()
            _release(key)
            return response
        db.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.client_id == g.api_client_id, IdempotencyKey.key == key)
            .values(status=IdempotencyStatus.COMPLETED, response_status=response.status_code,
                    response_body=response.get_data(as_text=True))
        )
        db.session.commit()
        return response

    return wrapper


def _run_and_commit(view, args, kwargs):
    response = _as_response(view(*args, **kwargs))
    if response.status_code < 400:
        db.session.commit()
    return response


def _as_response(result) -> Response:
    return make_response(result)


def _claim(key: str, fingerprint: str) -> Response | None:
    """Insert the key in flight (committed at once); or the stored answer to replay."""
    client_id = g.api_client_id
    try:
        db.session.add(IdempotencyKey(client_id=client_id, key=key, request_hash=fingerprint,
                                      status=IdempotencyStatus.IN_FLIGHT, created_at=utcnow()))
        db.session.commit()
        return None
    except IntegrityError:
        db.session.rollback()
    existing = db.session.scalar(select(IdempotencyKey).filter_by(client_id=client_id, key=key))
    if existing is None:  # released by a refused first request in the meantime
        return _claim(key, fingerprint)
    if existing.request_hash != fingerprint:
        raise InvalidInput(_("This Idempotency-Key was already used with a different request."))
    if existing.status == IdempotencyStatus.COMPLETED:
        return _replay(existing)
    if _take_over_abandoned(existing):
        return None
    raise KeyInFlight(_("A request with this Idempotency-Key is still being processed; "
                        "retry in a moment."))


def _take_over_abandoned(existing: IdempotencyKey) -> bool:
    """A key in flight for longer than the lease: its process died; start again."""
    now = utcnow()
    lease_start = now - IN_FLIGHT_LEASE
    if as_utc(existing.created_at) > lease_start:
        return False
    # Conditional, so that of two retries taking over at once only one proceeds.
    taken = db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == existing.id,
               IdempotencyKey.status == IdempotencyStatus.IN_FLIGHT,
               IdempotencyKey.created_at <= lease_start)
        .values(created_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return taken.rowcount == 1


def _replay(stored: IdempotencyKey) -> Response:
    response = Response(stored.response_body, status=stored.response_status,
                        mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _release(key: str) -> None:
    db.session.execute(
        delete(IdempotencyKey)
        .where(IdempotencyKey.client_id == g.api_client_id, IdempotencyKey.key == key,
               IdempotencyKey.status == IdempotencyStatus.IN_FLIGHT)
    )
    db.session.commit()

