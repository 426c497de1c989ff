"""`Idempotency-Key` on API writes (DESIGN §9).

The key row is inserted and committed first, in its own short transaction, marked in
flight with attempt 1; the write then runs in the request's transaction, which also
stores the response and marks the key completed, so the write and its remembered answer
commit together. A refused write deletes the key (nothing was written: retrying is fine).

A process that died mid-write leaves an in-flight row: a retry after the lease takes it
over by raising its attempt. The request that held it may only have been slow, so its
"completed" update is conditional on the attempt it claimed: of the two transactions
one wins (on PostgreSQL the second UPDATE waits for the first's row lock, then finds
the row changed) and the loser rolls its write back and answers like any retry.
"""
import hashlib
import json
import math
from datetime import timedelta
from functools import wraps

from flask import Response, after_this_request, g, make_response, request
from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from omni_store.api.models import IdempotencyKey, IdempotencyStatus
from omni_store.core.clock import as_utc, utcnow
from omni_store.core.database import compare_and_set
from omni_store.core.errors import DomainError, InvalidInput
from omni_store.extensions import db

MAX_KEY_LENGTH = 255
# Longer than the slowest real write: an order waits at most SQLite's 15 s busy timeout
# for the write lock, then takes well under a second. A key in flight for longer belongs
# to a process that died; the lease only delays that retry, it never lets a write twice.
IN_FLIGHT_LEASE = timedelta(seconds=30)


class KeyInFlight(DomainError):
    status_code = 409


def request_hash() -> str:
    """The same JSON written differently (spacing, key order) hashes the same."""
    body = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True,
                               separators=(",", ":")).encode()
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
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
        claim = _claim(key, fingerprint)
        if isinstance(claim, Response):
            return claim
        try:
            response = make_response(view(*args, **kwargs))
            if response.status_code < 400 and _complete(key, claim, response):
                db.session.commit()
                return response
        except Exception:
            _release(key, claim)
            raise
        if response.status_code >= 400:
            _release(key, claim)
            return response
        # A retry took the key over while this request ran: its write is the one that
        # counts (or will); this one is rolled back and answers as a retry would.
        db.session.rollback()
        return _answer_retry(_key_row(key))

    return wrapper


def _run_and_commit(view, args, kwargs):
    response = make_response(view(*args, **kwargs))
    if response.status_code < 400:
        db.session.commit()
    return response


def _key_row(key: str) -> IdempotencyKey | None:
    return db.session.scalar(
        select(IdempotencyKey).filter_by(client_id=g.api_client_id, key=key)
        .execution_options(populate_existing=True))


def _claim(key: str, fingerprint: str) -> int | Response:
    """Insert the key in flight (committed at once): the attempt this request owns; or
    the stored answer to replay."""
    try:
        db.session.add(IdempotencyKey(client_id=g.api_client_id, key=key,
                                      request_hash=fingerprint, attempt=1,
                                      status=IdempotencyStatus.IN_FLIGHT, created_at=utcnow()))
        db.session.commit()
        return 1
    except IntegrityError:
        db.session.rollback()
    existing = _key_row(key)
    if existing is None:  # released by a refused first request in the meantime
        return _claim(key, fingerprint)
    if existing.request_hash != fingerprint:
        raise InvalidInput(_("This Idempotency-Key was already used with a different request."))
    if existing.status == IdempotencyStatus.IN_FLIGHT and _lease_left(existing) <= 0:
        if (attempt := _take_over(existing)) is not None:
            return attempt
        return _claim(key, fingerprint)  # another retry took it over, or the first finished
    return _answer_retry(existing)


def _lease_left(row: IdempotencyKey) -> float:
    """Seconds before the key's lease ends (the lease starts at the claim or take-over)."""
    return (as_utc(row.created_at) + IN_FLIGHT_LEASE - utcnow()).total_seconds()


def _take_over(existing: IdempotencyKey) -> int | None:
    """A key in flight past its lease: its process died (or is very late); start again."""
    attempt = existing.attempt + 1
    # Conditional, so that of two retries taking over at once only one proceeds, and a
    # late first request that completed meanwhile is not taken over.
    taken = compare_and_set(existing, IdempotencyKey.status == IdempotencyStatus.IN_FLIGHT,
                            IdempotencyKey.attempt == existing.attempt, refresh=False,
                            created_at=utcnow(), attempt=attempt)
    db.session.commit()
    return attempt if taken else None


def _complete(key: str, attempt: int, response: Response) -> bool:
    """Store the answer with the write, if this request still owns the key.

    By client and key, not compare_and_set on a row: the claim's commit expired the row, and
    reloading it would cost a query and fail if a take-over's refused write deleted it."""
    stored = db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.client_id == g.api_client_id, IdempotencyKey.key == key,
               IdempotencyKey.status == IdempotencyStatus.IN_FLIGHT,
               IdempotencyKey.attempt == attempt)
        .values(status=IdempotencyStatus.COMPLETED, response_status=response.status_code,
                response_body=response.get_data(as_text=True))
        .execution_options(synchronize_session=False)
    )
    return stored.rowcount == 1


def _answer_retry(existing: IdempotencyKey | None) -> Response:
    """What a retry gets: the stored answer, or 409 while the key is in flight."""
    if existing is not None and existing.status == IdempotencyStatus.COMPLETED:
        return _replay(existing)
    # Gone: the owner was refused and released it just now; retrying at once is fine.
    wait = max(math.ceil(_lease_left(existing)), 1) if existing is not None else 1

    @after_this_request
    def retry_after(response):
        response.headers["Retry-After"] = str(wait)
        return response

    raise KeyInFlight(_("A request with this Idempotency-Key is still being processed; "
                        "retry in a moment."))


def _replay(stored: IdempotencyKey) -> Response:
    response = Response(stored.response_body, status=stored.response_status,
                        mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _release(key: str, attempt: int) -> None:
    """The write was refused or failed: forget the key, unless another request owns it now."""
    try:
        db.session.rollback()
        db.session.execute(
            delete(IdempotencyKey)
            .where(IdempotencyKey.client_id == g.api_client_id, IdempotencyKey.key == key,
                   IdempotencyKey.status == IdempotencyStatus.IN_FLIGHT,
                   IdempotencyKey.attempt == attempt)
        )
        db.session.commit()
    except SQLAlchemyError:
        # The database itself failed (the error the caller goes on to report): the key
        # stays in flight and a retry takes it over when its lease ends.
        db.session().invalidate()
