"""Quotations, and the inspection, tax-invoice and settlement records of invoice-order shipments."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.accounts.models import User
from shop.catalog.models import TaxType
from shop.enterprises.models import Enterprise
from shop.extensions import db
from shop.institutions.models import Institution
from shop.models_base import LabelledEnum, enum_type, utcnow


class QuoteStatus(LabelledEnum):
    REQUESTED = "requested", "견적 요청"
    ANSWERED = "answered", "견적 도착"
    ACCEPTED = "accepted", "수락(주문 전환)"
    DECLINED = "declined", "구매기관 거절"
    REFUSED = "refused", "견적 불가"
    WITHDRAWN = "withdrawn", "요청 취소"
    EXPIRED = "expired", "유효기한 만료"


class Quote(db.Model):
    """One institution's request to one enterprise, and the enterprise's answer on the same row."""

    __table_args__ = (
        sa.CheckConstraint("shipping_fee_krw >= 0", name="shipping_fee_not_negative"),
        sa.Index("ix_quote_institution_created", "institution_id", "created_at"),
        sa.Index("ix_quote_enterprise_status", "enterprise_id", "status"),
        sa.Index("ix_quote_status_valid_until", "status", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institution.id", ondelete="RESTRICT"))
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id", ondelete="RESTRICT"))
    status: Mapped[QuoteStatus] = mapped_column(enum_type(QuoteStatus, "quote_status"), default=QuoteStatus.REQUESTED)

    needed_by: Mapped[date]
    recipient_name: Mapped[str] = mapped_column(sa.String(50))
    recipient_phone: Mapped[str] = mapped_column(sa.String(20))
    recipient_department: Mapped[str] = mapped_column(sa.String(80), default="")
    postcode: Mapped[str] = mapped_column(sa.String(5))
    address1: Mapped[str] = mapped_column(sa.String(200))
    address2: Mapped[str] = mapped_column(sa.String(200), default="")
    request_note: Mapped[str] = mapped_column(sa.String(1000), default="")

    shipping_fee_krw: Mapped[int | None]
    valid_until: Mapped[date | None]
    answer_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    answered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decision_reason: Mapped[str | None] = mapped_column(sa.String(500))  # why declined, refused or withdrawn
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    institution: Mapped[Institution] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    enterprise: Mapped[Enterprise] = relationship()
    lines: Mapped[list[QuoteLine]] = relationship(
        back_populates="quote", cascade="all, delete-orphan", order_by="QuoteLine.id"
    )
    events: Mapped[list[QuoteEvent]] = relationship(
        back_populates="quote", cascade="all, delete-orphan", order_by="QuoteEvent.id"
    )

    @property
    def is_answered(self) -> bool:
        return self.shipping_fee_krw is not None and all(line.unit_price_krw is not None for line in self.lines)

    @property
    def items_total_krw(self) -> int | None:
        if not self.is_answered:
            return None
        return sum(line.line_total_krw for line in self.lines)

    @property
    def total_krw(self) -> int | None:
        items = self.items_total_krw
        return None if items is None else items + self.shipping_fee_krw


class QuoteLine(db.Model):
    """A requested option and quantity; the product is copied so later catalog edits change nothing."""

    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price_krw > 0", name="unit_price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(sa.ForeignKey("quote.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product.id", ondelete="SET NULL"))
    variant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("variant.id", ondelete="SET NULL"), index=True)
    product_name: Mapped[str] = mapped_column(sa.String(120))
    option_name: Mapped[str] = mapped_column(sa.String(100))
    sku: Mapped[str] = mapped_column(sa.String(64))
    tax_type: Mapped[TaxType] = mapped_column(enum_type(TaxType, "tax_type"))
    quantity: Mapped[int]
    list_price_krw: Mapped[int]  # the mall's unit price for this quantity when the request was made
    unit_price_krw: Mapped[int | None]  # the enterprise's quoted unit price

    quote: Mapped[Quote] = relationship(back_populates="lines")

    @property
    def line_total_krw(self) -> int:
        return (self.unit_price_krw or 0) * self.quantity


class QuoteEvent(db.Model):
    """The quotation's timeline: every state change, who made it and when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(sa.ForeignKey("quote.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(40))
    to_status: Mapped[str] = mapped_column(sa.String(40))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(sa.String(50))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    quote: Mapped[Quote] = relationship(back_populates="events")


class Inspection(db.Model):
    """검수 of a delivered invoice-order shipment: accepted (per-line quantities live on the order
    items) or rejected and sent back. A shipment delivered again after a rejection is inspected again."""

    __table_args__ = (sa.Index("ix_inspection_shipment", "shipment_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(sa.ForeignKey("shipment.id", ondelete="CASCADE"))
    accepted: Mapped[bool]
    inspected_on: Mapped[date]
    inspector_name: Mapped[str] = mapped_column(sa.String(50))
    note: Mapped[str] = mapped_column(sa.String(500), default="")  # the rejection or shortfall reason
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class TaxInvoice(db.Model):
    """The 세금계산서 the enterprise issued for an inspected shipment; its amounts match the shipment."""

    __table_args__ = (
        sa.CheckConstraint("supply_krw >= 0 AND vat_krw >= 0", name="amounts_not_negative"),
        sa.CheckConstraint("total_krw = supply_krw + vat_krw", name="total_adds_up"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(sa.ForeignKey("shipment.id", ondelete="CASCADE"), unique=True)
    issued_on: Mapped[date]
    approval_number: Mapped[str] = mapped_column(sa.String(24), unique=True)  # 국세청 승인번호, digits only
    supply_krw: Mapped[int]
    vat_krw: Mapped[int]
    total_krw: Mapped[int]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class SettlementMethod(LabelledEnum):
    BANK_TRANSFER = "bank_transfer", "계좌이체"
    CORPORATE_CARD = "corporate_card", "법인카드"
    OTHER = "other", "기타"


class Settlement(db.Model):
    """The institution paid the invoice (대금지급), recorded by the enterprise or staff."""

    __table_args__ = (sa.CheckConstraint("amount_krw > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(sa.ForeignKey("shipment.id", ondelete="CASCADE"), unique=True)
    paid_on: Mapped[date]
    method: Mapped[SettlementMethod] = mapped_column(enum_type(SettlementMethod, "settlement_method"))
    amount_krw: Mapped[int]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
