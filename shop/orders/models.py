"""An order, the shipments it splits into (one per enterprise), its frozen items and its timeline."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.accounts.models import User
from shop.catalog.models import TaxType
from shop.enterprises.models import Enterprise
from shop.extensions import db
from shop.models_base import LabelledEnum, enum_type, utcnow


class OrderChannel(LabelledEnum):
    CONSUMER = "consumer", "일반 구매"
    INSTITUTION = "institution", "공공기관 구매"


class PaymentMethod(LabelledEnum):
    CARD = "card", "카드 결제"
    INVOICE = "invoice", "후불(세금계산서)"


class OrderStatus(LabelledEnum):
    PENDING_PAYMENT = "pending_payment", "결제대기"
    PAID = "paid", "결제완료"
    ORDERED = "ordered", "주문접수(후불)"  # an invoice order: nothing is paid up front
    CANCELLED = "cancelled", "주문취소"
    EXPIRED = "expired", "결제기한 만료"


class ShipmentStatus(LabelledEnum):
    AWAITING_PAYMENT = "awaiting_payment", "결제대기"
    PAID = "paid", "결제완료"
    PREPARING = "preparing", "상품준비중"
    SHIPPED = "shipped", "배송중"
    DELIVERED = "delivered", "배송완료"
    CONFIRMED = "confirmed", "구매확정"
    RETURN_REQUESTED = "return_requested", "반품요청"
    RETURNED = "returned", "반품완료"
    CANCELLED = "cancelled", "취소"
    # An institution's invoice order (후불) instead: accepted, delivered, inspected, invoiced, paid.
    ORDERED = "ordered", "주문접수"
    ACCEPTED = "accepted", "주문승인"
    DECLINED = "declined", "주문거절"
    INSPECTED = "inspected", "검수완료"
    INSPECTION_REJECTED = "inspection_rejected", "검수반려"
    INVOICED = "invoiced", "세금계산서 발행"
    SETTLED = "settled", "대금지급 완료"
    COMPLETED = "completed", "거래완료"


class ReturnReason(LabelledEnum):
    CHANGE_OF_MIND = "change_of_mind", "단순 변심"
    DEFECTIVE = "defective", "상품 불량·파손"
    WRONG_ITEM = "wrong_item", "오배송·구성품 누락"
    NOT_AS_DESCRIBED = "not_as_described", "상품 정보와 다름"

    @property
    def buyer_pays_return_fee(self) -> bool:
        return self is ReturnReason.CHANGE_OF_MIND


class Order(db.Model):
    __tablename__ = "orders"  # "order" is an SQL keyword
    __table_args__ = (
        sa.UniqueConstraint("buyer_id", "idempotency_key", name="uq_order_buyer_idempotency_key"),
        sa.CheckConstraint("items_total_krw > 0", name="items_total_positive"),
        sa.CheckConstraint("shipping_total_krw >= 0", name="shipping_total_not_negative"),
        sa.CheckConstraint("total_krw = items_total_krw + shipping_total_krw", name="total_adds_up"),
        sa.CheckConstraint("vat_krw >= 0 AND vat_krw <= total_krw", name="vat_within_total"),
        sa.Index("ix_order_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    institution_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("institution.id", ondelete="RESTRICT"), index=True
    )
    channel: Mapped[OrderChannel] = mapped_column(enum_type(OrderChannel, "order_channel"))
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_type(PaymentMethod, "payment_method"))
    status: Mapped[OrderStatus] = mapped_column(
        enum_type(OrderStatus, "order_status"), default=OrderStatus.PENDING_PAYMENT
    )
    idempotency_key: Mapped[str] = mapped_column(sa.String(64))
    # The accepted quotation this order was made from; unique, so accepting twice makes one order.
    quote_id: Mapped[int | None] = mapped_column(sa.ForeignKey("quote.id", ondelete="RESTRICT"), unique=True)

    recipient_name: Mapped[str] = mapped_column(sa.String(50))
    recipient_phone: Mapped[str] = mapped_column(sa.String(20))
    recipient_department: Mapped[str] = mapped_column(sa.String(80), default="")
    postcode: Mapped[str] = mapped_column(sa.String(5))
    address1: Mapped[str] = mapped_column(sa.String(200))
    address2: Mapped[str] = mapped_column(sa.String(200), default="")
    delivery_memo: Mapped[str] = mapped_column(sa.String(100), default="")

    items_total_krw: Mapped[int]
    shipping_total_krw: Mapped[int]
    total_krw: Mapped[int]
    vat_krw: Mapped[int]

    placed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    buyer: Mapped[User] = relationship()
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Shipment.id"
    )
    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.id"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )

    @property
    def supply_value_krw(self) -> int:
        return self.total_krw - self.vat_krw


class Shipment(db.Model):
    """What one enterprise delivers of an order, with its own fee, state and tracking."""

    __table_args__ = (
        sa.UniqueConstraint("order_id", "enterprise_id", name="uq_shipment_order_enterprise"),
        sa.CheckConstraint("items_total_krw > 0", name="items_total_positive"),
        sa.CheckConstraint("shipping_fee_krw >= 0", name="shipping_fee_not_negative"),
        sa.CheckConstraint("return_fee_krw >= 0", name="return_fee_not_negative"),
        sa.Index("ix_shipment_enterprise_status", "enterprise_id", "status"),
        sa.Index("ix_shipment_status_delivered", "status", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="RESTRICT"), index=True)
    status: Mapped[ShipmentStatus] = mapped_column(
        enum_type(ShipmentStatus, "shipment_status"), default=ShipmentStatus.AWAITING_PAYMENT
    )
    items_total_krw: Mapped[int]
    shipping_fee_krw: Mapped[int]
    return_fee_krw: Mapped[int] = mapped_column(default=0)  # the enterprise's fee for a change-of-mind return
    courier: Mapped[str | None] = mapped_column(sa.String(20))
    tracking_number: Mapped[str | None] = mapped_column(sa.String(30))
    shipped_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    return_reason: Mapped[ReturnReason | None] = mapped_column(enum_type(ReturnReason, "return_reason"))
    return_detail: Mapped[str | None] = mapped_column(sa.String(500))
    return_requested_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    return_rejection_reason: Mapped[str | None] = mapped_column(sa.String(500))
    decline_reason: Mapped[str | None] = mapped_column(sa.String(500))  # an invoice order the enterprise refused

    order: Mapped[Order] = relationship(back_populates="shipments")
    enterprise: Mapped[Enterprise] = relationship()
    items: Mapped[list[OrderItem]] = relationship(back_populates="shipment", order_by="OrderItem.id")

    @property
    def total_krw(self) -> int:
        return self.items_total_krw + self.shipping_fee_krw


class OrderItem(db.Model):
    """A line as it was bought: names and prices are copied so later catalog edits change nothing."""

    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price_krw > 0", name="unit_price_positive"),
        sa.CheckConstraint("line_total_krw = unit_price_krw * quantity", name="line_total_adds_up"),
        sa.CheckConstraint("accepted_quantity >= 0 AND accepted_quantity <= quantity", name="accepted_within_quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    shipment_id: Mapped[int] = mapped_column(sa.ForeignKey("shipment.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product.id", ondelete="SET NULL"), index=True)
    variant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("variant.id", ondelete="SET NULL"), index=True)
    product_name: Mapped[str] = mapped_column(sa.String(120))
    option_name: Mapped[str] = mapped_column(sa.String(100))
    sku: Mapped[str] = mapped_column(sa.String(64))
    regular_price_krw: Mapped[int]
    unit_price_krw: Mapped[int]
    quantity: Mapped[int]
    line_total_krw: Mapped[int]
    tax_type: Mapped[TaxType] = mapped_column(enum_type(TaxType, "tax_type"))
    stock_tracked: Mapped[bool]
    accepted_quantity: Mapped[int | None]  # set by an institution's inspection (검수)

    order: Mapped[Order] = relationship(back_populates="items")
    shipment: Mapped[Shipment] = relationship(back_populates="items")


class OrderEvent(db.Model):
    """The timeline: every state change of an order or one of its shipments, who made it and when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shipment.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(40))
    to_status: Mapped[str] = mapped_column(sa.String(40))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(50))  # "구매자", "입점기업", "시스템", "결제사" ...
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")


class SavedAddress(db.Model):
    """A delivery address a member keeps to pick at checkout."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(sa.String(30))
    recipient_name: Mapped[str] = mapped_column(sa.String(50))
    recipient_phone: Mapped[str] = mapped_column(sa.String(20))
    postcode: Mapped[str] = mapped_column(sa.String(5))
    address1: Mapped[str] = mapped_column(sa.String(200))
    address2: Mapped[str] = mapped_column(sa.String(200), default="")
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
