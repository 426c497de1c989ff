"""Wrong passwords counted per account, whatever the address they come from.

The per-address limit on the login route stops one machine; this one stops many machines
guessing one account. It counts failures only, in the limiter's storage (Redis in
production, so every process shares the count), keyed on a hash of the normalised email,
whether or not an account has it (a refusal tells nothing about which emails exist).

The real user must not be locked out for long: the refusal lasts what is left of the
window (LOGIN_ACCOUNT_LIMIT, 5 minutes by default), and a browser where the account
signed in before carries a signed cookie naming it, so it is neither counted nor refused
(others guessing from elsewhere cannot lock the user out of their own tablet).
"""
import hashlib
import hmac
import math
import time
from datetime import timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse

from omni_store.extensions import limiter

SCOPE = "login-account"
KNOWN_DEVICE_COOKIE = "omni_known_device"
KNOWN_DEVICE_LIFETIME = timedelta(days=90)
KNOWN_ACCOUNTS_PER_DEVICE = 30  # a store's shared tablet: its whole team


def _account_key(email: str) -> str:
    """Names the account in the limiter's storage and in the cookie, without the email."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"login:{email}".encode(), hashlib.sha256).hexdigest()[:32]


def _limit():
    return parse(current_app.config["LOGIN_ACCOUNT_LIMIT"])


def _identifiers(email: str) -> list[str]:
    # The limiter adds RATELIMIT_KEY_PREFIX to the keys of its own limits only.
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    return [*([prefix] if prefix else []), SCOPE, _account_key(email)]


def minutes_locked(email: str) -> int:
    """0 when the account may try now, else the minutes until it may (at least 1)."""
    if limiter.limiter.test(_limit(), *_identifiers(email)):
        return 0
    reset_at = limiter.limiter.get_window_stats(_limit(), *_identifiers(email)).reset_time
    return max(1, math.ceil((reset_at - time.time()) / 60))


def count_failure(email: str) -> None:
    limiter.limiter.hit(_limit(), *_identifiers(email))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="omni-store.known-device")


def _known_accounts() -> list[str]:
    try:
        accounts = _serializer().loads(request.cookies.get(KNOWN_DEVICE_COOKIE, ""),
                                       max_age=KNOWN_DEVICE_LIFETIME.total_seconds())
    except BadSignature:
        return []
    return accounts if isinstance(accounts, list) else []


def known_device(email: str) -> bool:
    """Whether this browser signed in to the account before."""
    return _account_key(email) in _known_accounts()


def remember_device(response, email: str) -> None:
    key = _account_key(email)
    accounts = [key] + [k for k in _known_accounts() if k != key]
    config = current_app.config
    response.set_cookie(
        KNOWN_DEVICE_COOKIE, _serializer().dumps(accounts[:KNOWN_ACCOUNTS_PER_DEVICE]),
        max_age=int(KNOWN_DEVICE_LIFETIME.total_seconds()), httponly=True,
        secure=config["SESSION_COOKIE_SECURE"], samesite="Lax")
