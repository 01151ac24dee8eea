"""The enterprise's dashboard: its sales of one year by month, consumers against institutions, its five
best-selling products, and what is waiting for it right now.

Sales are the order lines shop.reports.sales.counted_lines counts, the rule of an institution's purchase
report and of the mall's own figures, so no two figures disagree about an order line.

Three queries whatever the number of orders: the sales by month and channel, the top products, and
the counts of what needs action.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

import sqlalchemy as sa

from shop.core.errors import RuleError
from shop.extensions import db
from shop.orders.models import (
    OrderChannel,
    Shipment,
    ShipmentStatus,
)
from shop.procurement.models import Quote, QuoteStatus
from shop.reports.sales import MONTHS, counted_lines

FIRST_YEAR = 2010
TOP_PRODUCTS = 5

# What needs the enterprise's hand now, by shipment state.
TO_ACCEPT = (ShipmentStatus.ORDERED,)  # invoice orders waiting to be accepted or declined
TO_SHIP = (ShipmentStatus.PAID, ShipmentStatus.PREPARING, ShipmentStatus.ACCEPTED)
RETURNS = (ShipmentStatus.RETURN_REQUESTED,)
TO_INVOICE = (ShipmentStatus.INSPECTED,)  # inspected: the tax invoice is the enterprise's to issue


class DashboardError(RuleError):
    """The year asked for cannot be shown; the message is for the user."""


@dataclass(frozen=True)
class MonthSales:
    month: int  # 1..12
    total_krw: int = 0
    order_count: int = 0

    @property
    def label(self) -> str:
        return f"{self.month}월"


@dataclass(frozen=True)
class ChannelSales:
    channel: OrderChannel
    total_krw: int = 0
    order_count: int = 0

    @property
    def label(self) -> str:
        return "일반 소비자" if self.channel is OrderChannel.CONSUMER else "공공기관"


@dataclass(frozen=True)
class TopProduct:
    product_id: int | None  # None once the product was deleted: then the name it was sold under
    name: str
    quantity: int
    total_krw: int


@dataclass(frozen=True)
class ActionCounts:
    to_accept: int = 0  # invoice orders to accept or decline
    to_ship: int = 0  # paid, preparing or accepted shipments
    returns: int = 0  # return requests to approve or reject
    quotes: int = 0  # quotation requests to answer
    tax_invoices: int = 0  # inspected invoice shipments whose tax invoice is still to be recorded

    @property
    def total(self) -> int:
        return self.to_accept + self.to_ship + self.returns + self.quotes + self.tax_invoices


@dataclass(frozen=True)
class Dashboard:
    enterprise_id: int
    year: int
    months: list[MonthSales]  # all twelve, zeros included
    channels: list[ChannelSales]  # consumer, then institution, zeros included
    top_products: list[TopProduct]  # at most TOP_PRODUCTS, largest amount first
    actions: ActionCounts

    @property
    def total_krw(self) -> int:
        return sum(m.total_krw for m in self.months)

    @property
    def order_count(self) -> int:
        return sum(m.order_count for m in self.months)

    @property
    def best_month(self) -> MonthSales | None:
        best = max(self.months, key=lambda m: m.total_krw)
        return best if best.total_krw else None

    def share_percent(self, channel: ChannelSales) -> Decimal:
        """The channel's share of the year's sales, to 0.1% (rounded down)."""
        if self.total_krw <= 0:
            return Decimal("0.0")
        tenths = channel.total_krw * 1000 // self.total_krw
        return (Decimal(tenths) / 10).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)


def check_year(year: object, *, today: date) -> int:
    """The year as an int from FIRST_YEAR to this year, or DashboardError."""
    if isinstance(year, str):
        year = year.strip()
        if not (len(year) == 4 and year.isascii() and year.isdigit()):
            raise DashboardError("연도를 목록에서 골라 주세요.", "year")
        year = int(year)
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= today.year:
        raise DashboardError(f"연도는 {FIRST_YEAR}년부터 {today.year}년 사이로 골라 주세요.", "year")
    return year


def _sales(counted) -> tuple[list[MonthSales], list[ChannelSales]]:
    rows = db.session.execute(
        sa.select(counted.c.month, counted.c.channel, sa.func.sum(counted.c.amount),
                  sa.func.count(sa.distinct(counted.c.order_id)))
        .group_by(counted.c.month, counted.c.channel)
    ).all()
    by_month: dict[int, list[int]] = {m: [0, 0] for m in MONTHS}
    by_channel: dict[OrderChannel, list[int]] = {c: [0, 0] for c in OrderChannel}
    for month, channel, total, orders in rows:
        channel = OrderChannel(channel)
        # An order's lines of one enterprise are one shipment: one month, one channel, so counts add up.
        for bucket in (by_month[int(month)], by_channel[channel]):
            bucket[0] += int(total or 0)
            bucket[1] += int(orders or 0)
    return ([MonthSales(m, *by_month[m]) for m in MONTHS],
            [ChannelSales(c, *by_channel[c]) for c in OrderChannel])


def _top_products(counted) -> list[TopProduct]:
    total = sa.func.sum(counted.c.amount)
    rows = db.session.execute(
        sa.select(counted.c.product_id, counted.c.product_name, sa.func.sum(counted.c.quantity), total)
        .group_by(counted.c.product_id, counted.c.product_name)
        .order_by(total.desc(), counted.c.product_name, counted.c.product_id)
        .limit(TOP_PRODUCTS)
    ).all()
    return [TopProduct(product_id, name, int(quantity or 0), int(amount or 0))
            for product_id, name, quantity, amount in rows]


def _actions(enterprise_id: int) -> ActionCounts:
    def shipments_in(states) -> sa.ScalarSelect:
        return (sa.select(sa.func.count(Shipment.id))
                .where(Shipment.enterprise_id == enterprise_id, Shipment.status.in_(states)).scalar_subquery())

    quotes = (sa.select(sa.func.count(Quote.id))
              .where(Quote.enterprise_id == enterprise_id, Quote.status == QuoteStatus.REQUESTED).scalar_subquery())
    row = db.session.execute(sa.select(shipments_in(TO_ACCEPT), shipments_in(TO_SHIP), shipments_in(RETURNS),
                                       quotes, shipments_in(TO_INVOICE))).one()
    return ActionCounts(*(int(value or 0) for value in row))


def dashboard(enterprise_id: int, *, year: int, today: date) -> Dashboard:
    """The enterprise's own figures for `year` (never another enterprise's), and what waits for it today."""
    year = check_year(year, today=today)
    counted = counted_lines(year, enterprise_id=enterprise_id).subquery("counted")
    months, channels = _sales(counted)
    return Dashboard(enterprise_id=enterprise_id, year=year, months=months, channels=channels,
                     top_products=_top_products(counted), actions=_actions(enterprise_id))
