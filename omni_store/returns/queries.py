"""What the returns screens show, loaded in a fixed few queries."""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from omni_store.catalog.models import Offer, Product
from omni_store.extensions import db
from omni_store.orders.models import Order, OrderLine
from omni_store.returns.models import Return, ReturnLine
from omni_store.returns.services import refund_total, returnable_quantities, returned_quantities
from omni_store.shuttles.models import Parcel, ParcelBucket, ParcelLine


@dataclass(frozen=True)
class ReturnableOrder:
    order: Order
    returned: dict[int, int]  # units back in completed returns, by order line id
    returnable: dict[int, int]  # units that may still come back, by order line id


@dataclass(frozen=True)
class ReturnSheet:
    return_: Return
    returnable: dict[int, int]  # what may still be added, by order line id
    parcels: list[Parcel]  # returned units on their way to a warehouse

    @property
    def choosable(self) -> list[OrderLine]:
        """Lines of which units may still be added."""
        return [line for line in self.return_.order.lines if self.returnable[line.id]]

    @property
    def refund_cents(self) -> int:
        return refund_total(self.return_)


def _order_options():
    return (joinedload(Order.customer), joinedload(Order.pickup_location),
            selectinload(Order.lines).joinedload(OrderLine.product).selectinload(Product.barcodes),
            selectinload(Order.lines).joinedload(OrderLine.offer).joinedload(Offer.seller))


def returnable_order(order_id: int) -> ReturnableOrder | None:
    """Any store's order: a return can be taken anywhere."""
    order = db.session.scalar(select(Order).where(Order.id == order_id).options(*_order_options()))
    if order is None:
        return None
    return ReturnableOrder(order, returned_quantities(order.id), returnable_quantities(order))


def return_sheet(return_id: int, store_id: int) -> ReturnSheet | None:
    """A return taken in `store_id`; another store's return is as good as missing."""
    return_ = db.session.scalar(
        select(Return).where(Return.id == return_id, Return.location_id == store_id)
        .options(joinedload(Return.order).options(*_order_options()),
                 selectinload(Return.lines).joinedload(ReturnLine.order_line))
    )
    if return_ is None:
        return None
    parcels = list(db.session.scalars(
        select(Parcel).join(Parcel.lines)
        .where(Parcel.order_id == return_.order_id, Parcel.origin_id == store_id,
               ParcelLine.bucket == ParcelBucket.QUARANTINE)
        .options(joinedload(Parcel.destination)).order_by(Parcel.id)
    ).unique())
    return ReturnSheet(return_, returnable_quantities(return_.order, in_progress=return_), parcels)
