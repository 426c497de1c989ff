"""Store settings a manager changes from the tablet."""
from datetime import date

from flask_babel import gettext as _

from omni_store.core.errors import InvalidInput
from omni_store.extensions import db
from omni_store.network.models import Location


def set_pick_without_scan(store: Location, allowed: bool) -> None:
    """Allow (or not) confirming a pick quantity without scanning every unit."""
    store.allow_pick_without_scan = bool(allowed)
    db.session.flush()


def pause_ship_from_store(store: Location, day: date) -> None:
    """Stop sourcing web orders to ship from this store for the rest of its local day."""
    if not store.does_ship_from_store:
        raise InvalidInput(_("This store does not ship web orders."))
    store.ship_from_store_paused_on = day
    db.session.flush()


def resume_ship_from_store(store: Location) -> None:
    store.ship_from_store_paused_on = None
    db.session.flush()
