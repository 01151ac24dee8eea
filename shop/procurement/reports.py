"""The social-economy purchase report (사회적경제기업 제품 우선구매 실적) of one institution: what it
bought from social-economy enterprises in a period, line by line, with totals by enterprise type, month
and category against its annual target, and the same lines as CSV and XLSX.

What counts (and the page says so):
- card orders (카드 결제): paid orders whose shipment is paid, preparing, shipped, delivered or confirmed,
  or has a return requested but not yet accepted; the whole ordered quantity, on the day of payment (KST);
- invoice orders (후불): shipments that passed inspection (검수완료 and after); the accepted quantity,
  on the day of the latest accepted inspection;
- never cancelled, declined or returned lines, nor delivery fees (they are not purchases of products).

Each line's amount is its unit price times the counted quantity; the VAT is 10/110 of it for taxable
goods and 0 for tax-exempt ones. Totals are sums of the lines, so the report and its exports agree to
the won. Two queries whatever the size: the institution, and the lines with everything they show.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from shop.catalog.models import Category, Product, TaxType
from shop.core.documents import Column, to_csv, to_xlsx
from shop.core.documents.spreadsheet import DATE, INT
from shop.core.errors import RuleError
from shop.core.korea import format_business_number
from shop.core.money import split_vat
from shop.enterprises.models import Enterprise, EnterpriseType
from shop.extensions import db
from shop.institutions.models import Institution
from shop.models_base import as_utc
from shop.orders.models import (
    Order,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    Shipment,
    ShipmentStatus,
)
from shop.procurement.models import Inspection

KST = ZoneInfo("Asia/Seoul")
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_PERIOD_DAYS = 3 * 366  # the monthly chart stays readable (36 bars at most)
UNCATEGORISED = "미분류"
DEFAULT_OPTION = "기본"

CARD_COUNTED = (ShipmentStatus.PAID, ShipmentStatus.PREPARING, ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED,
                ShipmentStatus.CONFIRMED, ShipmentStatus.RETURN_REQUESTED)
INVOICE_COUNTED = (ShipmentStatus.INSPECTED, ShipmentStatus.INVOICED, ShipmentStatus.SETTLED,
                   ShipmentStatus.COMPLETED)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"\d{4}")


class ReportError(RuleError):
    """The period asked for cannot be reported; the message is for the user."""


# --- the period ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both included, in Korean days."""

    start: date
    end: date

    @classmethod
    def calendar_year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def is_calendar_year(self) -> bool:
        return self == Period.calendar_year(self.start.year)

    @property
    def target_year(self) -> int:
        """The year whose annual target the period is measured against: the year it ends in."""
        return self.end.year

    @property
    def label(self) -> str:
        if self.is_calendar_year:
            return f"{self.start.year}년"
        return f"{self.start:%Y.%m.%d} ~ {self.end:%Y.%m.%d}"

    @property
    def slug(self) -> str:
        """For file names: `2026` or `20260101-20260331`."""
        return str(self.start.year) if self.is_calendar_year else f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"

    def months(self) -> list[date]:
        """The first day of every month the period touches, in order."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        return months

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00 KST, the day after end 00:00 KST) as aware UTC times, for timestamp columns."""
        return (datetime.combine(self.start, time(), KST).astimezone(UTC),
                datetime.combine(self.end + timedelta(days=1), time(), KST).astimezone(UTC))


def year_period(year: int) -> Period:
    """The calendar year (1 January to 31 December, KST), or ReportError outside the years reported."""
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ReportError(f"연도는 {FIRST_YEAR}년부터 {LAST_YEAR}년 사이로 골라 주세요.", "year")
    return Period.calendar_year(year)


def _parse_day(text: str, field: str, what: str) -> date:
    if not _ISO_DATE.fullmatch(text):
        raise ReportError(f"{what}은 2026-01-31 형식으로 입력해 주세요.", field)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ReportError(f"{what}이 달력에 없는 날짜입니다: {text}", field) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ReportError(f"{what}은 {FIRST_YEAR}년부터 {LAST_YEAR}년 사이로 입력해 주세요.", field)
    return day


def period_from(year: str | None = None, start: str | None = None, end: str | None = None, *,
                today: date) -> Period:
    """The period a person asked for: a start and an end date (YYYY-MM-DD) if either is given, else a
    year, else this year. ReportError with a Korean message for anything else."""
    start, end, year = (start or "").strip(), (end or "").strip(), (year or "").strip()
    if start or end:
        if not (start and end):
            raise ReportError("기간으로 조회하려면 시작일과 종료일을 모두 입력해 주세요.", "start" if not start else "end")
        first, last = _parse_day(start, "start", "시작일"), _parse_day(end, "end", "종료일")
        if first > last:
            raise ReportError("시작일이 종료일보다 늦습니다. 기간을 확인해 주세요.", "start")
        if (last - first).days + 1 > MAX_PERIOD_DAYS:
            raise ReportError("조회 기간은 최대 3년입니다. 기간을 줄여 주세요.", "start")
        return Period(first, last)
    if year:
        if not _YEAR.fullmatch(year):
            raise ReportError("연도를 목록에서 골라 주세요.", "year")
        return year_period(int(year))
    return Period.calendar_year(today.year)


# --- the report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportLine:
    """One counted order line, as the exports show it."""

    purchased_on: date  # the day of payment (card) or of the accepted inspection (invoice), KST
    order_number: str
    enterprise_name: str
    business_number: str  # ten digits
    enterprise_type: EnterpriseType
    item: str  # product name and option
    category: str  # the top-level category
    payment_method: PaymentMethod
    status: ShipmentStatus
    quantity: int
    supply_krw: int
    vat_krw: int
    total_krw: int

    @property
    def business_number_display(self) -> str:
        try:
            return format_business_number(self.business_number)
        except ValueError:
            return self.business_number


@dataclass(frozen=True)
class Subtotal:
    """Lines grouped under one key (an enterprise type, a month, a category) or all of them."""

    key: Hashable
    label: str
    supply_krw: int = 0
    vat_krw: int = 0
    total_krw: int = 0
    line_count: int = 0


@dataclass(frozen=True)
class PurchaseReport:
    institution_name: str
    period: Period
    lines: list[ReportLine]
    totals: Subtotal
    by_type: list[Subtotal]  # all six types, in EnterpriseType order, zeros included
    by_month: list[Subtotal]  # every month of the period, key = its first day
    by_category: list[Subtotal]  # top-level categories, largest first
    target_krw: int  # the institution's annual target (0: none set)
    order_count: int
    enterprise_count: int

    @property
    def target_year(self) -> int:
        return self.period.target_year

    @property
    def progress_percent(self) -> Decimal | None:
        """The period's total as a share of the annual target, to 0.1% (rounded down), or None."""
        if self.target_krw <= 0:
            return None
        tenths = self.totals.total_krw * 1000 // self.target_krw
        return (Decimal(tenths) / 10).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)

    @property
    def remaining_krw(self) -> int:
        return max(self.target_krw - self.totals.total_krw, 0)

    def share_percent(self, subtotal: Subtotal) -> Decimal:
        """The subtotal's share of the period's total, to 0.1% (rounded down)."""
        if self.totals.total_krw <= 0:
            return Decimal("0.0")
        return (Decimal(subtotal.total_krw * 1000 // self.totals.total_krw) / 10).quantize(Decimal("0.1"))


def _lines_query(institution_id: int, period: Period):
    parent = aliased(Category)
    category = aliased(Category)
    inspection = aliased(Inspection)
    latest_accepted = (
        sa.select(sa.func.max(Inspection.id))
        .where(Inspection.shipment_id == Shipment.id, Inspection.accepted.is_(True))
        .correlate(Shipment).scalar_subquery()
    )
    paid_from, paid_until = period.utc_bounds()
    card = sa.and_(
        Order.payment_method == PaymentMethod.CARD, Order.status == OrderStatus.PAID,
        Shipment.status.in_(CARD_COUNTED), Order.paid_at >= paid_from, Order.paid_at < paid_until,
    )
    invoice = sa.and_(
        Order.payment_method == PaymentMethod.INVOICE, Shipment.status.in_(INVOICE_COUNTED),
        OrderItem.accepted_quantity > 0, inspection.inspected_on.between(period.start, period.end),
    )
    return (
        sa.select(
            OrderItem.id, OrderItem.product_name, OrderItem.option_name, OrderItem.unit_price_krw,
            OrderItem.quantity, OrderItem.accepted_quantity, OrderItem.tax_type,
            Order.id.label("order_id"), Order.number, Order.payment_method, Order.paid_at,
            Shipment.status, Enterprise.id.label("enterprise_id"), Enterprise.name.label("enterprise_name"),
            Enterprise.business_number, Enterprise.enterprise_type,
            sa.func.coalesce(parent.name, category.name).label("category"),
            inspection.inspected_on,
        )
        .join(Order, OrderItem.order_id == Order.id)
        .join(Shipment, OrderItem.shipment_id == Shipment.id)
        .join(Enterprise, Shipment.enterprise_id == Enterprise.id)
        .outerjoin(Product, OrderItem.product_id == Product.id)
        .outerjoin(category, Product.category_id == category.id)
        .outerjoin(parent, category.parent_id == parent.id)
        .outerjoin(inspection, inspection.id == latest_accepted)
        .where(Order.institution_id == institution_id, sa.or_(card, invoice))
    )


def _line(row) -> ReportLine:
    invoice = row.payment_method is PaymentMethod.INVOICE
    quantity = row.accepted_quantity if invoice else row.quantity
    purchased_on = row.inspected_on if invoice else as_utc(row.paid_at).astimezone(KST).date()
    total = row.unit_price_krw * quantity
    supply, vat = split_vat(total, taxable=row.tax_type is TaxType.TAXABLE)
    option = (row.option_name or "").strip()
    item = row.product_name if option in ("", DEFAULT_OPTION) else f"{row.product_name} ({option})"
    return ReportLine(purchased_on, row.number, row.enterprise_name, row.business_number, row.enterprise_type,
                      item, row.category or UNCATEGORISED, row.payment_method, row.status, quantity,
                      supply, vat, total)


def _subtotal(key: Hashable, label: str, lines: list[ReportLine]) -> Subtotal:
    return Subtotal(key, label, sum(line.supply_krw for line in lines), sum(line.vat_krw for line in lines),
                    sum(line.total_krw for line in lines), len(lines))


def _grouped(lines: list[ReportLine], key) -> dict[Hashable, list[ReportLine]]:
    groups: dict[Hashable, list[ReportLine]] = defaultdict(list)
    for line in lines:
        groups[key(line)].append(line)
    return groups


def purchase_report(institution_id: int, period: Period) -> PurchaseReport:
    """The institution's own counted purchases in the period (never another institution's)."""
    institution = db.session.execute(
        sa.select(Institution.name, Institution.purchase_target_krw).where(Institution.id == institution_id)
    ).one()
    rows = db.session.execute(_lines_query(institution_id, period)).all()
    counted = sorted(((_line(row), row) for row in rows),
                     key=lambda pair: (pair[0].purchased_on, pair[1].number, pair[1].id))
    lines = [line for line, _ in counted]

    by_type = _grouped(lines, lambda line: line.enterprise_type)
    by_month = _grouped(lines, lambda line: line.purchased_on.replace(day=1))
    by_category = _grouped(lines, lambda line: line.category)
    categories = [_subtotal(name, name, group) for name, group in by_category.items()]
    categories.sort(key=lambda s: (-s.total_krw, s.label))
    return PurchaseReport(
        institution_name=institution.name,
        period=period,
        lines=lines,
        totals=_subtotal(None, "합계", lines),
        by_type=[_subtotal(t, t.label, by_type.get(t, [])) for t in EnterpriseType],
        by_month=[_subtotal(m, f"{m.year}년 {m.month}월", by_month.get(m, [])) for m in period.months()],
        by_category=categories,
        target_krw=institution.purchase_target_krw or 0,
        order_count=len({row.order_id for _, row in counted}),
        enterprise_count=len({row.enterprise_id for _, row in counted}),
    )


# --- the exports -----------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    Column("구매일자", DATE),
    Column("주문번호"),
    Column("기업명"),
    Column("사업자등록번호"),
    Column("기업유형"),
    Column("품목"),
    Column("수량", INT),
    Column("공급가액", INT),
    Column("부가세", INT),
    Column("합계금액", INT),
    Column("상태"),
]


def export_rows(report: PurchaseReport) -> list[tuple]:
    """One row per counted order line, in the order of EXPORT_COLUMNS."""
    return [
        (line.purchased_on, line.order_number, line.enterprise_name, line.business_number_display,
         line.enterprise_type.label, line.item, line.quantity, line.supply_krw, line.vat_krw, line.total_krw,
         line.status.label)
        for line in report.lines
    ]


def export_csv(report: PurchaseReport) -> bytes:
    """The lines only (no totals row), so the file can be summed or imported as it is."""
    return to_csv(EXPORT_COLUMNS, export_rows(report))


def export_xlsx(report: PurchaseReport) -> bytes:
    """The lines and a bold 합계 row under them."""
    totals = report.totals
    totals_row = ("합계", f"{report.order_count:,}건 주문", None, None, None, f"{totals.line_count:,}개 품목",
                  None, totals.supply_krw, totals.vat_krw, totals.total_krw, None)
    return to_xlsx(EXPORT_COLUMNS, export_rows(report), sheet_title=f"구매실적 {report.period.slug}",
                   totals=totals_row)


def export_filename(period: Period, extension: str) -> str:
    """`사회적경제_구매실적_2026.xlsx`, or with the dates of a custom period."""
    return f"사회적경제_구매실적_{period.slug}.{extension}"
