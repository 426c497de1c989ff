"""Customer links: random, signed, expiring tokens, stored hashed (DESIGN §9).

A link carries `URLSafeTimedSerializer(SECRET_KEY).dumps(random token)`: an altered
link fails the signature check before any database lookup. The database keeps the
token's sha256 and a random nonce from which the token is derived with the secret key,
so the counter and the API can show the same link again, while the database alone
opens nothing.
"""
import hashlib
import hmac
import re
import secrets
from base64 import urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import qrcode
import qrcode.image.svg
from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from sqlalchemy import select

from omni_store.core.clock import utcnow
from omni_store.core.errors import InvalidInput
from omni_store.counter.models import PickupToken, TokenPurpose
from omni_store.extensions import db
from omni_store.orders.models import Hold, HoldStatus, Order, OrderStatus

SALT = "omni-store.customer-link"
MAX_TOKEN_LENGTH = 200
CONFIRMATION_LIFETIME = timedelta(minutes=10)
# The customer's page stays open one day past the hold, to read "collected" or "expired".
ORDER_VIEW_GRACE = timedelta(days=1)
PICKUP_CODE_DIGITS = 6
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"  # `make run`, when PUBLIC_BASE_URL is unset


def _secret() -> bytes:
    return current_app.config["SECRET_KEY"].encode()


def _derive(nonce: str, use: str) -> bytes:
    return hmac.new(_secret(), f"{use}:{nonce}".encode(), hashlib.sha256).digest()


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _raw_token(row: PickupToken) -> str:
    # 192 bits derived from a 128-bit random nonce and the secret key.
    return urlsafe_b64encode(_derive(row.nonce, "token")[:24]).decode().rstrip("=")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(order: Order, purpose: TokenPurpose, expires_at: datetime) -> PickupToken:
    row = PickupToken(nonce=secrets.token_urlsafe(16), purpose=purpose, order_id=order.id,
                      expires_at=expires_at, failed_codes=0)
    row.token_hash = _sha256(_raw_token(row))
    if purpose == TokenPurpose.ORDER_VIEW:
        row.code_hash = code_hash(row, pickup_code_of(row))
    db.session.add(row)
    db.session.flush()
    return row


def link_token(row: PickupToken) -> str:
    """What the URL carries: the random token and its signature."""
    return _serializer().dumps(_raw_token(row))


def resolve(signed: str, purpose: TokenPurpose, allow_used: bool = False) -> PickupToken | None:
    """The live token behind a link; None when altered, unknown, expired or used."""
    if not signed or len(signed) > MAX_TOKEN_LENGTH:
        return None
    try:
        raw = _serializer().loads(signed)
    except BadSignature:
        return None
    if not isinstance(raw, str):
        return None
    row = db.session.scalar(select(PickupToken).filter_by(token_hash=_sha256(raw), purpose=purpose))
    if row is None or row.expires_at <= utcnow() or (row.used_at and not allow_used):
        return None
    return row


def pickup_code_of(row: PickupToken) -> str:
    number = int.from_bytes(_derive(row.nonce, "code")[:8], "big") % 10**PICKUP_CODE_DIGITS
    return f"{number:0{PICKUP_CODE_DIGITS}d}"


def code_hash(row: PickupToken, code: str) -> str:
    return _sha256(f"{row.nonce}:{code}")


def live_order_view_token(order: Order) -> PickupToken | None:
    """The order's stored customer link still open, if any (the latest)."""
    return db.session.scalar(
        select(PickupToken)
        .where(PickupToken.order_id == order.id, PickupToken.purpose == TokenPurpose.ORDER_VIEW,
               PickupToken.expires_at > utcnow())
        .order_by(PickupToken.id.desc()).limit(1)
    )


def order_view_token(order: Order) -> PickupToken:
    """The order's live customer link, created the first time it is needed (the caller
    commits: a link shown before its row is stored opens nothing)."""
    return live_order_view_token(order) or issue(order, TokenPurpose.ORDER_VIEW,
                                                 _order_view_expiry(order))


def open_customer_link(order: Order) -> PickupToken:
    """The counter gives a ready order whose link closed a new one (the caller commits)."""
    if order.status != OrderStatus.READY:
        raise InvalidInput(_("Only an order ready to collect has a customer link."))
    return order_view_token(order)


def _order_view_expiry(order: Order) -> datetime:
    hold_expiry = db.session.scalar(
        select(Hold.expires_at).where(Hold.order_id == order.id, Hold.status == HoldStatus.ACTIVE)
        .order_by(Hold.expires_at.desc()).limit(1)
    )
    return (hold_expiry or utcnow() + timedelta(days=current_app.config["HOLD_DAYS"])) \
        + ORDER_VIEW_GRACE


def absolute_url(endpoint: str, **values) -> str:
    """A URL the customer can open: from PUBLIC_BASE_URL whenever it is set (never from a
    request's Host header), else from the request (development), else the local server."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base or DEVELOPMENT_BASE_URL)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path.rstrip("/") or "/",
                                       url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def customer_link(order: Order) -> str:
    """The absolute URL of the order's customer page (GET /p/<token>)."""
    return link_of(order_view_token(order))


def link_of(row: PickupToken) -> str:
    """The absolute URL of a stored order-view link."""
    return absolute_url("pickup.order_page", token=link_token(row))


@dataclass(frozen=True)
class CustomerAccess:
    """What opens an order for its customer: never stored, rebuilt when a message is sent."""

    link: str
    token: str  # the signed token inside the link
    code: str


def customer_access(token_id: int | None) -> CustomerAccess | None:
    """The link and pickup code of a stored order-view link while it is open."""
    row = db.session.get(PickupToken, token_id) if token_id else None
    if row is None or row.purpose != TokenPurpose.ORDER_VIEW or row.expires_at <= utcnow():
        return None
    token = link_token(row)
    return CustomerAccess(absolute_url("pickup.order_page", token=token), token,
                          pickup_code_of(row))


def pickup_code(order: Order) -> str:
    """The 6-digit code the customer gives at the counter when they have no phone."""
    return pickup_code_of(order_view_token(order))


def qr_svg(data: str, label: str) -> Markup:
    """An inline SVG QR code, sized by CSS (class "qr")."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"',
                 f'<svg class="qr" role="img" aria-label="{Markup.escape(label)}"', svg)
    return Markup(svg)
