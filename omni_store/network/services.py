"""Store settings a manager changes from the tablet."""
from omni_store.extensions import db
from omni_store.network.models import Location


def set_pick_without_scan(store: Location, allowed: bool) -> None:
    """Allow (or not) confirming a pick quantity without scanning every unit."""
    store.allow_pick_without_scan = bool(allowed)
    db.session.flush()
