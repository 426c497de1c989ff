"""Carriers for ship from store: a small adapter so that a real carrier's API can plug in.

The built-in "neutral" carrier prints a carrier-neutral label and takes tracking numbers
from the range configured in CARRIER_TRACKING_RANGE.
"""
from typing import Protocol

from flask import current_app
from flask_babel import gettext as _

from omni_store.core.errors import InvalidInput
from omni_store.core.sequences import next_code


class Carrier(Protocol):
    code: str

    def book(self, parcel) -> tuple[str, str]:
        """Book the parcel for the next pickup: (tracking number, the carrier's service name
        as it is printed on the label, at most 40 characters)."""


class NeutralCarrier:
    code = "neutral"

    def book(self, parcel) -> tuple[str, str]:
        first, last = current_app.config["CARRIER_TRACKING_RANGE"]
        prefix = current_app.config["CARRIER_TRACKING_PREFIX"]
        number = next_code("carrier-tracking", pattern=prefix + "{:09d}", first=first, last=last)
        return number, "Neutral · Standard 48h"  # a carrier's product name, not translated


CARRIERS: dict[str, type] = {NeutralCarrier.code: NeutralCarrier}


def configured_carrier() -> Carrier:
    code = current_app.config["CARRIER"]
    if code not in CARRIERS:
        raise InvalidInput(_("Unknown carrier %(code)s in the settings.", code=code))
    return CARRIERS[code]()
