"""What one enterprise sees of its orders: its own shipments, filtered and paged, one shipment with its
timeline, the actions its state allows, and the CSV export. Every read takes the enterprise id and
filters on it here, so a member of one enterprise never reaches another's shipments.

The buyer's personal data is shown only as far as delivery needs it: the recipient's name, phone and
address while a parcel is still to be sent, on its way or may come back; masked before payment and
once the shipment is finished. A consumer buyer's own name is always masked; an institution is named.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from shop.core.documents import Column
from shop.core.documents.spreadsheet import DATE, INT
from shop.core.korea import digits_only, format_phone
from shop.extensions import db
from shop.institutions.models import Institution
from shop.models_base import as_utc
from shop.orders.couriers import courier_name
from shop.orders.models import (
    Order,
    OrderChannel,
    OrderEvent,
    PaymentMethod,
    Shipment,
    ShipmentStatus,
)
from shop.orders.services import SHIPMENT_TRANSITIONS, transitions_for
from shop.reviews.services import mask_name

KST = ZoneInfo("Asia/Seoul")
PER_PAGE = 20
CSV_BATCH = 500

# The states in which the enterprise still has to send, follow or take back the parcel.
CONTACT_VISIBLE = frozenset({
    ShipmentStatus.PAID, ShipmentStatus.PREPARING, ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED,
    ShipmentStatus.RETURN_REQUESTED, ShipmentStatus.ORDERED, ShipmentStatus.ACCEPTED,
    ShipmentStatus.INSPECTION_REJECTED,
})
# The states that wait for the enterprise (the "처리할 주문" filter and the dashboard's to-do count).
NEEDS_ACTION = frozenset({
    ShipmentStatus.PAID, ShipmentStatus.PREPARING, ShipmentStatus.RETURN_REQUESTED, ShipmentStatus.ORDERED,
    ShipmentStatus.ACCEPTED, ShipmentStatus.INSPECTION_REJECTED, ShipmentStatus.INSPECTED,
    ShipmentStatus.INVOICED,
})


# --- actions ---------------------------------------------------------------------------------------

PREPARE, SHIP, DELIVER, ACCEPT, DECLINE = "prepare", "ship", "deliver", "accept", "decline"
APPROVE_RETURN, REJECT_RETURN, TAX_INVOICE, SETTLEMENT = "approve-return", "reject-return", "tax-invoice", "settlement"


def enterprise_actions(shipment: Shipment) -> list[str]:
    """The actions the enterprise may take on the shipment now, read from the order's transition table
    (the services check again when one is taken)."""
    status = shipment.status
    allowed = transitions_for(shipment.order).get(status, set())
    invoice = shipment.order.payment_method is PaymentMethod.INVOICE
    actions = []
    if status is ShipmentStatus.PAID and ShipmentStatus.PREPARING in allowed:
        actions.append(PREPARE)
    if invoice and ShipmentStatus.ACCEPTED in allowed:
        actions += [ACCEPT, DECLINE]
    if ShipmentStatus.SHIPPED in allowed:
        actions.append(SHIP)
    if status is ShipmentStatus.SHIPPED and ShipmentStatus.DELIVERED in allowed:
        actions.append(DELIVER)
    if status is ShipmentStatus.RETURN_REQUESTED and ShipmentStatus.RETURNED in allowed:
        actions += [APPROVE_RETURN, REJECT_RETURN]
    if invoice and ShipmentStatus.INVOICED in allowed:
        actions.append(TAX_INVOICE)
    if invoice and ShipmentStatus.SETTLED in allowed:
        actions.append(SETTLEMENT)
    return actions


def status_choices() -> list[ShipmentStatus]:
    """Every state a shipment can be in, consumer flow first, then the invoice flow's own."""
    consumer = list(SHIPMENT_TRANSITIONS)
    return consumer + [s for s in ShipmentStatus if s not in consumer]


# --- filters and pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShipmentFilters:
    """status: one state or several (e.g. NEEDS_ACTION); since/until: order dates in Korea, inclusive."""

    status: ShipmentStatus | frozenset[ShipmentStatus] | None = None
    since: date | None = None
    until: date | None = None
    channel: OrderChannel | None = None


@dataclass
class ShipmentPage:
    items: list[Shipment]
    total: int
    page: int
    per_page: int
    institution_names: dict[int, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def buyer(self, shipment: Shipment) -> str:
        return _buyer_label(shipment.order, self.institution_names)


def _kst_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(), KST).astimezone(UTC)


def _filtered(enterprise_id: int, filters: ShipmentFilters):
    stmt = sa.select(Shipment).join(Shipment.order).where(Shipment.enterprise_id == enterprise_id)
    if isinstance(filters.status, ShipmentStatus):
        stmt = stmt.where(Shipment.status == filters.status)
    elif filters.status:
        stmt = stmt.where(Shipment.status.in_(sorted(filters.status)))
    if filters.since is not None:
        stmt = stmt.where(Order.placed_at >= _kst_midnight_utc(filters.since))
    if filters.until is not None:
        stmt = stmt.where(Order.placed_at < _kst_midnight_utc(filters.until + timedelta(days=1)))
    if filters.channel is not None:
        stmt = stmt.where(Order.channel == filters.channel)
    return stmt


def _with_details(stmt):
    return stmt.options(contains_eager(Shipment.order).selectinload(Order.buyer), selectinload(Shipment.items))


def _institution_names(shipments: Iterable[Shipment]) -> dict[int, str]:
    ids = {s.order.institution_id for s in shipments if s.order.institution_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Institution.id, Institution.name).where(Institution.id.in_(ids))).all())


def enterprise_shipments(enterprise_id: int, *, status=None, since: date | None = None, until: date | None = None,
                         channel: OrderChannel | None = None, page: int = 1, per_page: int = PER_PAGE) -> ShipmentPage:
    """One page of the enterprise's shipments, newest order first, each with its order, buyer and items:
    five queries whatever the page holds."""
    filters = ShipmentFilters(status, since, until, channel)
    base = _filtered(enterprise_id, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.order_by(None).subquery())) or 0
    page = max(1, page)
    items = list(db.session.scalars(
        _with_details(base).order_by(Order.placed_at.desc(), Shipment.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ))
    return ShipmentPage(items, total, page, per_page, _institution_names(items))


def enterprise_shipment(enterprise_id: int, shipment_id: int) -> Shipment | None:
    """The enterprise's own shipment with its order and items, or None (another enterprise's too)."""
    return db.session.scalar(_with_details(
        sa.select(Shipment).join(Shipment.order)
        .where(Shipment.id == shipment_id, Shipment.enterprise_id == enterprise_id)
    ))


def timeline(shipment: Shipment) -> list[OrderEvent]:
    """The order's own steps (placed, paid, cancelled) and this shipment's; never another enterprise's."""
    return list(db.session.scalars(
        sa.select(OrderEvent)
        .where(OrderEvent.order_id == shipment.order_id,
               sa.or_(OrderEvent.shipment_id.is_(None), OrderEvent.shipment_id == shipment.id))
        .order_by(OrderEvent.id)
    ))


def institution_of(shipment: Shipment) -> Institution | None:
    if shipment.order.institution_id is None:
        return None
    return db.session.get(Institution, shipment.order.institution_id)


# --- the buyer and the recipient, as far as delivery needs them -------------------------------------


def _buyer_label(order: Order, institution_names: dict[int, str]) -> str:
    if order.institution_id is not None:
        return institution_names.get(order.institution_id, "공공기관")
    return mask_name(order.buyer.name)


def buyer_label(shipment: Shipment) -> str:
    institution = institution_of(shipment)
    return _buyer_label(shipment.order, {institution.id: institution.name} if institution else {})


def mask_phone(phone: str | None) -> str:
    """010-1234-5678 → 010-****-5678."""
    digits = digits_only(phone)
    if len(digits) < 8:
        return "****"
    try:
        first, middle, last = format_phone(digits).split("-")
    except ValueError:
        return "*" * (len(digits) - 4) + digits[-4:]
    return f"{first}-{'*' * len(middle)}-{last}"


@dataclass(frozen=True)
class Contact:
    """Where the parcel goes. `shown` is False when the details are masked."""

    name: str
    phone: str
    department: str
    address: str
    memo: str
    shown: bool


def delivery_contact(shipment: Shipment) -> Contact:
    order = shipment.order
    if shipment.status in CONTACT_VISIBLE:
        try:
            phone = format_phone(order.recipient_phone)
        except ValueError:
            phone = order.recipient_phone
        address = f"({order.postcode}) {order.address1} {order.address2}".strip()
        return Contact(order.recipient_name, phone, order.recipient_department, address, order.delivery_memo, True)
    region = " ".join(order.address1.split()[:2])
    return Contact(mask_name(order.recipient_name), mask_phone(order.recipient_phone), order.recipient_department,
                   f"{region} (이하 생략)" if region else "", "", False)


# --- CSV ------------------------------------------------------------------------------------------------

CSV_COLUMNS = [
    Column("주문일", DATE), Column("주문번호"), Column("구매 구분"), Column("구매자/기관명"), Column("받는 분"),
    Column("연락처"), Column("주소"), Column("상품"), Column("옵션"), Column("SKU"), Column("수량", INT),
    Column("단가", INT), Column("금액", INT), Column("배송비", INT), Column("상태"), Column("택배사"),
    Column("송장번호"),
]


def _kst_date(moment: datetime) -> date:
    return as_utc(moment).astimezone(KST).date()


def shipments_csv_rows(enterprise_id: int, *, status=None, since: date | None = None, until: date | None = None,
                       channel: OrderChannel | None = None) -> Iterator[tuple]:
    """One row per item of every matching shipment (CSV_COLUMNS), newest order first. The delivery fee
    is on the shipment's first row only, so the column sums to what was charged."""
    filters = ShipmentFilters(status, since, until, channel)
    base = _filtered(enterprise_id, filters).order_by(Order.placed_at.desc(), Shipment.id.desc())
    offset = 0
    while True:
        batch = list(db.session.scalars(_with_details(base).limit(CSV_BATCH).offset(offset)))
        names = _institution_names(batch)
        for shipment in batch:
            order, contact = shipment.order, delivery_contact(shipment)
            head = (_kst_date(order.placed_at), order.number, order.channel.label, _buyer_label(order, names),
                    contact.name, contact.phone, contact.address)
            tail = (shipment.status.label, courier_name(shipment.courier), shipment.tracking_number or "")
            for index, item in enumerate(shipment.items):
                yield head + (item.product_name, item.option_name, item.sku, item.quantity, item.unit_price_krw,
                              item.line_total_krw, shipment.shipping_fee_krw if index == 0 else None) + tail
        if len(batch) < CSV_BATCH:
            return
        offset += CSV_BATCH
