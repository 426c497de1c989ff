"""Everything a template may call, registered once for the whole app by create_app.

Globals are app-wide on purpose: the board prints order statuses, a return prints a sales
channel, the customer's page prints a QR code. A template must not depend on which
blueprint happens to define the words it shows, so none registers globals itself. The
words for a status or kind live beside its StrEnum, in the domain's models.
"""
from functools import partial

from flask import Flask

from omni_store.appointments.models import BOOKING_OUTCOME_LABELS, BOOKING_STATUS_LABELS
from omni_store.auth.models import ROLE_LABELS
from omni_store.auth.views import switchable_stores, viewed_store
from omni_store.core.i18n import label
from omni_store.core.views import current_language, current_path
from omni_store.counter.models import REFUSAL_REASON_LABELS
from omni_store.counter.tokens import qr_svg
from omni_store.inventory.models import CHANNEL_LABELS
from omni_store.orders.models import ORDER_STATUS_LABELS, TRANSPORT_LABELS
from omni_store.returns.models import DISPOSITION_LABELS, RETURN_CONDITION_LABELS
from omni_store.shuttles.labels import code128_svg
from omni_store.shuttles.labels import qr_svg as label_qr_svg
from omni_store.shuttles.models import PARCEL_STATUS_LABELS, RUN_STATUS_LABELS
from omni_store.shuttles.views import departure_in_origin_time
from omni_store.tasks.models import TASK_KIND_LABELS, TASK_STATUS_LABELS
from omni_store.tasks.views import due_in, new_scan_id

# name in templates -> (labels, what to show for a value without one; None: the value)
LABELS = {
    "order_status_label": (ORDER_STATUS_LABELS, None),
    "task_kind_label": (TASK_KIND_LABELS, None),
    "task_status_label": (TASK_STATUS_LABELS, None),
    "parcel_status_label": (PARCEL_STATUS_LABELS, None),
    "run_status_label": (RUN_STATUS_LABELS, None),
    "return_condition_label": (RETURN_CONDITION_LABELS, None),
    "disposition_label": (DISPOSITION_LABELS, None),
    "booking_status_label": (BOOKING_STATUS_LABELS, None),
    "booking_outcome_label": (BOOKING_OUTCOME_LABELS, ""),  # a booking still open has none
    "channel_label": (CHANNEL_LABELS, None),
    "role_label": (ROLE_LABELS, None),
    "transport_label": (TRANSPORT_LABELS, None),
}

HELPERS = {
    "current_path": current_path,
    "current_language": current_language,
    "viewed_store": viewed_store,
    "switchable_stores": switchable_stores,
    "new_scan_id": new_scan_id,
    "due_in": due_in,
    "departure_in_origin_time": departure_in_origin_time,
    "refusal_reasons": lambda: REFUSAL_REASON_LABELS,
    "qr": label_qr_svg,  # a parcel label's QR code
    "code128": code128_svg,
    "qr_svg": qr_svg,  # the customer's QR code, with its spoken label
}


def register_template_globals(app: Flask) -> None:
    for name, (labels, missing) in LABELS.items():
        app.add_template_global(partial(label, labels, missing=missing), name)
    for name, helper in HELPERS.items():
        app.add_template_global(helper, name)
