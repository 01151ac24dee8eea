from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models_base import LabelledEnum, enum_type, utcnow

if TYPE_CHECKING:
    from shop.accounts.models import User
    from shop.enterprises.models import Enterprise


class TaxType(LabelledEnum):
    TAXABLE = "taxable", "과세"
    EXEMPT = "exempt", "면세"


class ProductStatus(LabelledEnum):
    DRAFT = "draft", "작성 중"
    PENDING_REVIEW = "pending_review", "심사 대기"
    ACTIVE = "active", "판매 중"
    HIDDEN = "hidden", "숨김"
    SUSPENDED = "suspended", "판매중지(센터)"


class Category(db.Model):
    """A two-level tree: a top category (parent_id NULL) and its sub-categories."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent", order_by="Category.position")


class Product(db.Model):
    __tablename__ = "product"
    __table_args__ = (
        sa.CheckConstraint("min_order_qty >= 1", name="min_order_qty_positive"),
        sa.CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),
        sa.CheckConstraint("price_krw > 0", name="price_positive"),
        sa.CheckConstraint("sales_count >= 0", name="sales_not_negative"),
        # Listing pages filter on status and sort by one of these; each sort has its index.
        sa.Index("ix_product_status_created", "status", "created_at"),
        sa.Index("ix_product_status_price", "status", "price_krw"),
        sa.Index("ix_product_status_sales", "status", "sales_count"),
        sa.Index("ix_product_category_status_created", "category_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(140), unique=True)
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    tax_type: Mapped[TaxType] = mapped_column(enum_type(TaxType, "tax_type"), default=TaxType.TAXABLE)
    status: Mapped[ProductStatus] = mapped_column(
        enum_type(ProductStatus, "product_status"), default=ProductStatus.DRAFT
    )
    min_order_qty: Mapped[int] = mapped_column(default=1)
    lead_time_days: Mapped[int] = mapped_column(default=2)
    origin: Mapped[str] = mapped_column(sa.String(80), default="국내산")
    # Kept in step with the variants by catalog.services.refresh_listing(), so listings sort and
    # filter on indexed columns instead of aggregating options per row.
    price_krw: Mapped[int] = mapped_column(default=1)
    in_stock: Mapped[bool] = mapped_column(default=True)
    sales_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    enterprise: Mapped[Enterprise] = relationship(back_populates="products")
    category: Mapped[Category] = relationship()
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", order_by="Variant.position", cascade="all, delete-orphan"
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", order_by="ProductImage.position", cascade="all, delete-orphan"
    )
    # The review (shop.catalog.review): when the product was last sent to staff, and why staff last
    # sent it back (shown to the enterprise in the console until it is sent again).
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    review_reason: Mapped[str | None] = mapped_column(sa.String(500))
    suspension_reason: Mapped[str | None] = mapped_column(sa.String(500))  # why staff stopped its sale
    revision: Mapped[ProductRevision | None] = relationship(
        back_populates="product", cascade="all, delete-orphan", uselist=False
    )

    @property
    def is_active(self) -> bool:
        return self.status is ProductStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"


class Variant(db.Model):
    """An option of a product (e.g. 500g, 1kg); every product has at least one."""

    __tablename__ = "variant"
    __table_args__ = (
        sa.CheckConstraint("price_krw > 0", name="price_positive"),
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="기본")
    sku: Mapped[str] = mapped_column(sa.String(64), unique=True)
    price_krw: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)
    track_stock: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="variants")
    price_tiers: Mapped[list[PriceTier]] = relationship(
        back_populates="variant", order_by="PriceTier.min_qty", cascade="all, delete-orphan"
    )

    @property
    def available(self) -> bool:
        # Column defaults apply only at INSERT, so an unsaved option reads None: treat it as tracked.
        return self.track_stock is False or (self.stock or 0) > 0


class PriceTier(db.Model):
    """Bulk price: from min_qty units on, each unit costs unit_price_krw."""

    __tablename__ = "price_tier"
    __table_args__ = (
        sa.UniqueConstraint("variant_id", "min_qty", name="uq_price_tier_variant_min_qty"),
        sa.CheckConstraint("min_qty >= 2", name="min_qty_at_least_two"),
        sa.CheckConstraint("unit_price_krw > 0", name="unit_price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("variant.id", ondelete="CASCADE"), index=True)
    min_qty: Mapped[int]
    unit_price_krw: Mapped[int]

    variant: Mapped[Variant] = relationship(back_populates="price_tiers")


class ProductImage(db.Model):
    __tablename__ = "product_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(sa.String(255))
    alt: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="images")


class RevisionStatus(LabelledEnum):
    DRAFT = "draft", "변경 작성 중"
    PENDING = "pending", "변경 심사 대기"
    REJECTED = "rejected", "변경 반려"


class ProductRevision(db.Model):
    """Changes to the name, summary, description or images of a product that has been approved, kept
    apart until staff approve them: the live product keeps selling as it was meanwhile. At most one per
    product; approving it copies it onto the product and deletes it (shop.catalog.review)."""

    __tablename__ = "product_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), unique=True)
    status: Mapped[RevisionStatus] = mapped_column(
        enum_type(RevisionStatus, "revision_status"), default=RevisionStatus.DRAFT
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    review_reason: Mapped[str | None] = mapped_column(sa.String(500))
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship(back_populates="revision")
    images: Mapped[list[RevisionImage]] = relationship(
        back_populates="revision", order_by="RevisionImage.position", cascade="all, delete-orphan"
    )


class RevisionImage(db.Model):
    """An image of a revision: the same files as the live images where unchanged, new uploads otherwise."""

    __tablename__ = "product_revision_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("product_revision.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(sa.String(255))
    alt: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)

    revision: Mapped[ProductRevision] = relationship(back_populates="images")


class ProductEventKind(LabelledEnum):
    CREATED = "created", "등록"
    SUBMITTED = "submitted", "심사 요청"
    WITHDRAWN = "withdrawn", "심사 요청 취소"
    APPROVED = "approved", "승인"
    REJECTED = "rejected", "반려"
    HIDDEN = "hidden", "숨김"
    SHOWN = "shown", "다시 판매"
    CHANGES_SUBMITTED = "changes_submitted", "변경 심사 요청"
    CHANGES_WITHDRAWN = "changes_withdrawn", "변경 심사 요청 취소"
    CHANGES_APPROVED = "changes_approved", "변경 승인"
    CHANGES_REJECTED = "changes_rejected", "변경 반려"
    CHANGES_DISCARDED = "changes_discarded", "변경 취소"
    PRICE_CHANGED = "price_changed", "가격 변경"
    STOCK_SET = "stock_set", "재고 변경"
    OPTION_ADDED = "option_added", "옵션 추가"
    OPTION_REMOVED = "option_removed", "옵션 삭제"
    SUSPENDED = "suspended", "판매중지(센터)"
    REINSTATED = "reinstated", "판매 재개(센터)"


class ProductEvent(db.Model):
    """A product's history: review decisions, status changes, price and stock changes; who and when."""

    __tablename__ = "product_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ProductEventKind] = mapped_column(enum_type(ProductEventKind, "product_event_kind"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(50))  # "입점기업", "지원센터"
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    actor: Mapped[User | None] = relationship()
