"""Hand-overs confirmed by the customer: on their phone (QR code) or with their pickup code."""
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from omni_store.core.clock import utcnow
from omni_store.core.database import compare_and_set
from omni_store.core.errors import DomainError, InvalidInput
from omni_store.counter import services as counter
from omni_store.counter import tokens
from omni_store.counter.models import (
    ConfirmationStatus,
    HandoverConfirmation,
    PickupToken,
    TokenPurpose,
)
from omni_store.extensions import db
from omni_store.orders.models import Order


class ConfirmationClosed(DomainError):
    status_code = 409


class PickupCodeLocked(DomainError):
    status_code = 423


class PickupCodeNotLocked(DomainError):
    status_code = 409


def propose_confirmation(order: Order, handed: dict[int, int],
                         refused: dict[int, tuple[int, str]],
                         actor_id: int | None) -> HandoverConfirmation:
    """Freeze the units scanned (and refused) for the customer to confirm on their phone."""
    counter.require_ready(order)
    counter.check_refusal_reasons(refused)
    if not any(handed.values()):
        raise InvalidInput(_("Scan the items the customer takes before asking them to confirm."))
    cancel_confirmation(order)
    token = tokens.issue(order, TokenPurpose.HANDOVER_CONFIRM,
                         utcnow() + tokens.CONFIRMATION_LIFETIME)
    confirmation = HandoverConfirmation(
        order_id=order.id, token_id=token.id, progress=counter.progress(order),
        handed={str(line_id): units for line_id, units in handed.items() if units},
        refused={str(line_id): list(entry) for line_id, entry in refused.items()},
        proposed_by_id=actor_id, status=ConfirmationStatus.PENDING,
    )
    db.session.add(confirmation)
    db.session.flush()
    return confirmation


def cancel_confirmation(order: Order) -> None:
    """The associate takes the question back (or asks again): the open QR code stops working."""
    db.session.execute(
        update(HandoverConfirmation)
        .where(HandoverConfirmation.order_id == order.id,
               HandoverConfirmation.status == ConfirmationStatus.PENDING)
        .values(status=ConfirmationStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )


def latest_confirmation(order_id: int) -> HandoverConfirmation | None:
    return db.session.scalar(
        select(HandoverConfirmation).where(HandoverConfirmation.order_id == order_id)
        .order_by(HandoverConfirmation.id.desc()).limit(1)
    )


def is_waiting(confirmation: HandoverConfirmation | None) -> bool:
    """Still shown as a QR code at the counter: pending and its token not expired."""
    return (confirmation is not None and confirmation.status == ConfirmationStatus.PENDING
            and confirmation.token.expires_at > utcnow())


def confirmation_for_token(token_row) -> HandoverConfirmation | None:
    return db.session.scalar(select(HandoverConfirmation).filter_by(token_id=token_row.id))


def confirm_by_customer(confirmation: HandoverConfirmation) -> counter.HandoverResult:
    """The customer's tap: hand the frozen units over, once."""
    now = utcnow()
    if not compare_and_set(confirmation, HandoverConfirmation.status == ConfirmationStatus.PENDING,
                           status=ConfirmationStatus.CONFIRMED, confirmed_at=now):
        raise ConfirmationClosed(_("This hand-over is already confirmed or was cancelled."))
    confirmation.token.used_at = now
    result = counter.hand_over(
        confirmation.order,
        handed={int(line_id): units for line_id, units in confirmation.handed.items()},
        refused={int(line_id): (units, reason)
                 for line_id, (units, reason) in confirmation.refused.items()},
        actor_id=confirmation.proposed_by_id, method=counter.HandoverMethod.CUSTOMER_QR,
        seen_progress=confirmation.progress,
    )
    if result.already_recorded:
        raise ConfirmationClosed(_("The order changed at the counter meanwhile. "
                                   "Ask the associate to show a new code."))
    return result


def check_pickup_code(order: Order, code: str) -> bool:
    """Whether `code` is the order's pickup code; a wrong one is counted (the caller commits)."""
    code = (code or "").strip()
    if not code.isdecimal() or len(code) != tokens.PICKUP_CODE_DIGITS:
        raise InvalidInput(_("The pickup code has %(digits)d digits.",
                             digits=tokens.PICKUP_CODE_DIGITS))
    token = tokens.order_view_token(order)
    if code_locked(token):
        raise PickupCodeLocked(_("Too many wrong pickup codes for order %(number)s: "
                                 "ask the customer to show their pickup page on their phone.",
                                 number=order.number))
    if tokens.code_hash(token, code) == token.code_hash:
        return True
    token.failed_codes += 1
    db.session.flush()
    return False


def code_locked(token: PickupToken) -> bool:
    return token.failed_codes >= current_app.config["PICKUP_CODE_MAX_FAILURES"]


def unlock_pickup_code(order: Order, actor_id: int) -> PickupToken:
    """Staff checked who the customer is: the wrong codes start again from zero, and who
    unlocked it, when, is kept on the link (the caller commits)."""
    token = tokens.live_order_view_token(order)
    if token is None or not code_locked(token):
        raise PickupCodeNotLocked(_("The pickup code of order %(number)s is not locked.",
                                    number=order.number))
    token.failed_codes = 0
    token.codes_unlocked_by_id = actor_id
    token.codes_unlocked_at = utcnow()
    db.session.flush()
    return token


def hand_over_with_code(order: Order, handed: dict[int, int],
                        refused: dict[int, tuple[int, str]], actor_id: int | None,
                        seen_progress: int | None) -> counter.HandoverResult:
    """The customer has no phone: the right pickup code confirms the hand-over."""
    return counter.hand_over(order, handed, refused, actor_id,
                             method=counter.HandoverMethod.PICKUP_CODE,
                             seen_progress=seen_progress)
