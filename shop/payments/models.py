"""Payments, refunds and the provider events already handled."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models_base import LabelledEnum, enum_type, utcnow
from shop.orders.models import Order


class PaymentProvider(LabelledEnum):
    STRIPE = "stripe", "Stripe 카드 결제"
    TEST = "test", "테스트 결제"


class PaymentStatus(LabelledEnum):
    PENDING = "pending", "결제 진행 중"
    PAID = "paid", "결제완료"
    FAILED = "failed", "결제 실패"
    EXPIRED = "expired", "결제기한 만료"


class RefundStatus(LabelledEnum):
    REQUESTED = "requested", "환불 요청"  # recorded here, not yet accepted by the provider
    PENDING = "pending", "환불 처리 중"
    SUCCEEDED = "succeeded", "환불완료"
    FAILED = "failed", "환불 실패"


class Payment(db.Model):
    """One card payment per order: its Checkout Session, and what the provider confirmed."""

    __table_args__ = (sa.CheckConstraint("amount_krw > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    provider: Mapped[PaymentProvider] = mapped_column(enum_type(PaymentProvider, "payment_provider"))
    status: Mapped[PaymentStatus] = mapped_column(
        enum_type(PaymentStatus, "payment_status"), default=PaymentStatus.PENDING
    )
    amount_krw: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3), default="krw")
    checkout_session_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(sa.String(2000))
    payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    order: Mapped[Order] = relationship()
    refunds: Mapped[list[Refund]] = relationship(back_populates="payment", order_by="Refund.id")

    @property
    def refunded_krw(self) -> int:
        return sum(r.amount_krw for r in self.refunds if r.status is not RefundStatus.FAILED)


class Refund(db.Model):
    """A refund is recorded under a unique purpose key before the provider is asked, so that no
    cancellation or return is ever refunded twice."""

    __table_args__ = (sa.CheckConstraint("amount_krw > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payment.id", ondelete="CASCADE"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shipment.id", ondelete="SET NULL"), index=True)
    purpose_key: Mapped[str] = mapped_column(sa.String(80), unique=True)  # "cancel:<order>", "return:<shipment>"
    amount_krw: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[RefundStatus] = mapped_column(
        enum_type(RefundStatus, "refund_status"), default=RefundStatus.REQUESTED
    )
    provider_refund_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="refunds")


class WebhookEvent(db.Model):
    """A provider event seen once: its id is unique, so a redelivery changes nothing."""

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[PaymentProvider] = mapped_column(enum_type(PaymentProvider, "payment_provider"))
    event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    event_type: Mapped[str] = mapped_column(sa.String(100))
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
