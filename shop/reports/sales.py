"""Which order lines count as sales, as one SQL subquery to group by, for any report of a year.

The rule is the institution purchase report's (shop.procurement.reports), so no two figures of the mall
disagree about an order line:
- card orders: paid orders whose shipment is paid, preparing, shipped, delivered or confirmed, or has a
  return requested but not yet accepted; the whole ordered quantity, in the month of payment (KST);
- invoice orders: shipments that passed inspection (검수완료 and after); the accepted quantity, in the
  month of the latest accepted inspection;
- never cancelled, declined or returned lines, nor delivery fees (products sold, not postage).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from shop.catalog.models import Product
from shop.enterprises.models import Enterprise
from shop.orders.models import Order, OrderItem, OrderStatus, PaymentMethod, Shipment
from shop.procurement.models import Inspection
from shop.procurement.reports import CARD_COUNTED, INVOICE_COUNTED, KST

MONTHS = range(1, 13)


def kst_midnight_utc(day: date) -> datetime:
    """00:00 in Seoul on `day`, as an aware UTC time to compare timestamp columns with."""
    return datetime.combine(day, time(), KST).astimezone(UTC)


def month_starts(year: int) -> list[date]:
    """The first day of every month of the year, and 1 January of the next one (13 days)."""
    return [date(year, month, 1) for month in MONTHS] + [date(year + 1, 1, 1)]


def month_of(column, starts: list) -> sa.Case:
    """The month (1..12) a value of `column` falls in, given month_starts (or their UTC midnights) of its
    year; the caller keeps values inside the year."""
    return sa.case(*((column < starts[month], month) for month in MONTHS[:-1]), else_=12)


def counted_lines(year: int, *, enterprise_id: int | None = None) -> sa.Select:
    """One row per counted order line of `year` (of one enterprise, or of every enterprise): month,
    channel, order_id, enterprise_id, enterprise_name, enterprise_type, product_id, product_name (the
    product's name now, or the one it was sold under once deleted), quantity and amount (won, VAT
    included). Make it a subquery and group by its columns: PostgreSQL does not match the bound
    parameters of the same CASE in SELECT and GROUP BY."""
    starts = month_starts(year)
    utc_starts = [kst_midnight_utc(day) for day in starts]
    inspection = aliased(Inspection)
    latest_accepted = (
        sa.select(sa.func.max(Inspection.id))
        .where(Inspection.shipment_id == Shipment.id, Inspection.accepted.is_(True))
        .correlate(Shipment).scalar_subquery()
    )
    is_invoice = Order.payment_method == PaymentMethod.INVOICE
    card = sa.and_(
        Order.payment_method == PaymentMethod.CARD, Order.status == OrderStatus.PAID,
        Shipment.status.in_(CARD_COUNTED), Order.paid_at >= utc_starts[0], Order.paid_at < utc_starts[-1],
    )
    invoice = sa.and_(
        is_invoice, Shipment.status.in_(INVOICE_COUNTED), OrderItem.accepted_quantity > 0,
        inspection.inspected_on >= starts[0], inspection.inspected_on < starts[-1],
    )
    quantity = sa.case((is_invoice, OrderItem.accepted_quantity), else_=OrderItem.quantity)
    amount = sa.case((is_invoice, OrderItem.unit_price_krw * OrderItem.accepted_quantity),
                     else_=OrderItem.line_total_krw)
    query = (
        sa.select(
            sa.case((is_invoice, month_of(inspection.inspected_on, starts)),
                    else_=month_of(Order.paid_at, utc_starts)).label("month"),
            Order.channel.label("channel"),
            Order.id.label("order_id"),
            Enterprise.id.label("enterprise_id"),
            Enterprise.name.label("enterprise_name"),
            Enterprise.enterprise_type.label("enterprise_type"),
            OrderItem.product_id.label("product_id"),
            sa.func.coalesce(Product.name, OrderItem.product_name).label("product_name"),
            quantity.label("quantity"),
            amount.label("amount"),
        )
        .join(Order, OrderItem.order_id == Order.id)
        .join(Shipment, OrderItem.shipment_id == Shipment.id)
        .join(Enterprise, Shipment.enterprise_id == Enterprise.id)
        .outerjoin(Product, OrderItem.product_id == Product.id)
        .outerjoin(inspection, inspection.id == latest_accepted)
        .where(sa.or_(card, invoice))
    )
    if enterprise_id is not None:
        query = query.where(Shipment.enterprise_id == enterprise_id)
    return query
