from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omni_store.core.read_cache import watch
from omni_store.extensions import db


class OfferCondition(StrEnum):
    NEW = "new"
    REFURBISHED = "refurbished"
    USED = "used"


class Product(db.Model):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(160), index=True)
    brand: Mapped[str] = mapped_column(String(80), default="")
    category: Mapped[str] = mapped_column(String(40), index=True)
    price_cents: Mapped[int] = mapped_column(Integer)

    barcodes: Mapped[list["Barcode"]] = relationship(
        back_populates="product", order_by="Barcode.id", cascade="all, delete-orphan"
    )

    @property
    def ean(self) -> str | None:
        return self.barcodes[0].code if self.barcodes else None

    @property
    def eans(self) -> list[str]:
        return [barcode.code for barcode in self.barcodes]

    def __repr__(self) -> str:
        return f"<Product {self.sku}>"


class Barcode(db.Model):
    """An EAN-13 printed on the product; a product may carry several."""

    __tablename__ = "barcode"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    code: Mapped[str] = mapped_column(String(13), unique=True)

    product: Mapped[Product] = relationship(back_populates="barcodes")


class Seller(db.Model):
    """A third-party marketplace seller."""

    __tablename__ = "seller"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    rating: Mapped[float] = mapped_column(Float, default=0.0)  # out of 5


class Offer(db.Model):
    __tablename__ = "offer"
    __table_args__ = (UniqueConstraint("seller_id", "product_id", "condition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("seller.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    condition: Mapped[OfferCondition] = mapped_column(String(16), default=OfferCondition.NEW)
    price_cents: Mapped[int] = mapped_column(Integer)
    shipping_cents: Mapped[int] = mapped_column(Integer, default=0)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    lead_time_days: Mapped[int] = mapped_column(Integer, default=3)

    seller: Mapped[Seller] = relationship()
    product: Mapped[Product] = relationship()

    @property
    def total_cents(self) -> int:
        return self.price_cents + self.shipping_cents


# Read models of this process (core/read_cache) renewed when these tables change.
watch("catalog", "product", "barcode")
watch("marketplace", "offer", "seller")
