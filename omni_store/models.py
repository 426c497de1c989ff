"""Every model, imported once so that SQLAlchemy and Alembic see the whole schema."""
from omni_store.core.read_cache import CacheVersion  # noqa: F401
from omni_store.core.sequences import NumberSequence  # noqa: F401
from omni_store.api.models import IdempotencyKey  # noqa: F401
from omni_store.appointments.models import AppointmentSlot, Booking  # noqa: F401
from omni_store.auth.models import ApiClient, User  # noqa: F401
from omni_store.catalog.models import Barcode, Offer, Product, Seller  # noqa: F401
from omni_store.counter.models import Handover, HandoverConfirmation, HandoverScan, PickupToken  # noqa: F401
from omni_store.inventory.models import Buffer, StockLevel, StockMovement  # noqa: F401
from omni_store.network.models import Location, ShuttleRoute, Zone  # noqa: F401
from omni_store.orders.models import Allocation, Customer, Hold, Order, OrderEvent, OrderLine  # noqa: F401
from omni_store.orders.models import SourcingSettings  # noqa: F401
from omni_store.outbox.models import OutboxEvent  # noqa: F401
from omni_store.returns.models import Return, ReturnLine  # noqa: F401
from omni_store.shuttles.models import Parcel, ParcelLine, ShuttleRun  # noqa: F401
from omni_store.tasks.models import Task, TaskEvent  # noqa: F401
