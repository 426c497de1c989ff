"""What each event says, rendered from its payload: an email for a customer, or a
record for another system (the ERP, purchasing, a marketplace seller).

A payload holds no secret: a customer's link and pickup code are rebuilt when the message
is rendered, from the stored link it names (`pickup_token`, a row that opens nothing
without the app's secret key), and the message lists them as `secrets` for the log.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from omni_store.core.clock import local
from omni_store.counter import tokens
from omni_store.outbox.models import EventKind, OutboxEvent

# Shown in customers' emails; stores of the chain are all in France.
CUSTOMER_TIMEZONE = "Europe/Paris"


@dataclass(frozen=True)
class Message:
    """An email when `to` is set, else a record for the system named by `channel`."""

    channel: str  # "customer", "erp", "purchasing", "marketplace", "logistics"
    subject: str
    body: str
    to: str | None = None
    secrets: tuple[str, ...] = ()  # in the body, and never to be written to a log


def render(event: OutboxEvent) -> Message:
    payload = event.payload or {}
    match event.kind:
        case EventKind.READY_FOR_PICKUP:
            return _customer(payload, _("Your order %(order)s is ready", order=payload["order"]),
                             _ready_body(payload), with_link=True)
        case EventKind.HOLD_EXPIRY_REMINDER:
            return _customer(payload, _("Your order %(order)s is waiting for you",
                                        order=payload["order"]),
                             _("Your order %(order)s waits for you at %(store)s until %(time)s. "
                               "After that, it goes back on the shelves.",
                               order=payload["order"], store=payload["store_name"],
                               time=_when(payload["expires_at"])), with_link=True)
        case EventKind.HOLD_EXPIRED:
            return _customer(payload, _("Your order %(order)s was not collected",
                                        order=payload["order"]),
                             _("Your order %(order)s was kept for you at %(store)s until "
                               "%(time)s. It was not collected, so it is now cancelled.",
                               order=payload["order"], store=payload["store_name"],
                               time=_when(payload["expires_at"])))
        case EventKind.APPOINTMENT_BOOKED:
            return _customer(payload, _("Your appointment at %(store)s is booked",
                                        store=payload["store_name"]),
                             _("We look forward to seeing you at %(store)s on %(time)s. "
                               "Waiting for you: %(items)s.", store=payload["store_name"],
                               time=_when(payload["appointment_at"]),
                               items=", ".join(payload["items"])))
        case EventKind.APPOINTMENT_REMINDER:
            return _customer(payload, _("Your appointment at %(store)s",
                                        store=payload["store_name"]),
                             _("See you at %(store)s on %(time)s for your appointment about "
                               "order %(order)s. Your items will be waiting for you.",
                               store=payload["store_name"], time=_when(payload["appointment_at"]),
                               order=payload["order"]))
        case EventKind.SHUTTLE_DISPATCHED:
            return _record("logistics", _("Shuttle %(origin)s → %(destination)s left",
                                          origin=payload["origin"],
                                          destination=payload["destination"]))
        case EventKind.REFUND_TO_ISSUE:
            return _record("erp", _("Refund to issue for return %(number)s",
                                    number=payload["return"]))
        case EventKind.SUPPLIER_RETURN:
            return _record("purchasing", _("Units to send back to the supplier (return "
                                           "%(number)s)", number=payload["return"]))
        case EventKind.MARKETPLACE_RETURN:
            return _record("marketplace", _("Return %(number)s for seller %(seller)s",
                                            number=payload["return"], seller=payload["seller"]))
        case EventKind.ORDER_HANDED_OVER:
            return _record("erp", _("Order %(order)s handed over", order=payload["order"]))
        case _:
            return _record("erp", str(event.kind))


def _customer(payload: dict, subject: str, text: str, with_link: bool = False) -> Message:
    greeting = _("Hello %(name)s,", name=payload["first_name"]) if payload.get("first_name") \
        else _("Hello,")
    access = tokens.customer_access(payload.get("pickup_token")) if with_link else None
    if access is not None:
        text += "\n\n" + _("Show this page at the counter: %(url)s", url=access.link)
        text += "\n" + _("No phone with you? Give this code at the counter: %(code)s",
                         code=access.code)
    return Message("customer", subject, f"{greeting}\n\n{text}\n\nMaison Omni\n",
                   to=payload.get("email"),
                   secrets=(access.token, access.code) if access else ())


def _ready_body(payload: dict) -> str:
    text = _("Your order %(order)s is ready for pickup at %(store)s.",
             order=payload["order"], store=payload["store_name"])
    if payload.get("expires_at"):
        text += " " + _("We keep it for you until %(time)s.", time=_when(payload["expires_at"]))
    return text


def _when(iso_moment: str) -> str:
    return local(datetime.fromisoformat(iso_moment), CUSTOMER_TIMEZONE).strftime("%d/%m/%Y %H:%M")


def _record(channel: str, subject: str) -> Message:
    """For another system: the payload itself is the content (the log line carries it)."""
    return Message(channel, subject, "", to=None)
