"""The invoice order (후불) after it is placed: the enterprise accepts or declines it, the institution
inspects what was delivered (검수), the enterprise records the tax invoice (세금계산서), the payment is
recorded (대금지급) and the institution closes the transaction. Every move goes through
`orders.move_shipment`, which checks it against the invoice transition table and writes the timeline."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shop.accounts.models import Role, User
from shop.catalog.models import TaxType
from shop.core.money import vat_of
from shop.core.transactions import write_transaction
from shop.extensions import db
from shop.institutions import services as institutions
from shop.models_base import as_utc
from shop.orders import services as orders
from shop.orders.models import Order, OrderItem, PaymentMethod, Shipment, ShipmentStatus
from shop.orders.services import OrderError
from shop.procurement.models import Inspection, Settlement, SettlementMethod, TaxInvoice

KST = ZoneInfo("Asia/Seoul")
INSTITUTION = "구매기관"
APPROVAL_NUMBER = re.compile(r"\d{24}")


@dataclass(frozen=True)
class Amounts:
    """Supply value, VAT and total of what the institution accepted, as the tax invoice must state them."""

    supply_krw: int
    vat_krw: int
    total_krw: int


def _invoice_shipment(shipment: Shipment) -> None:
    if shipment.order.payment_method is not PaymentMethod.INVOICE:
        raise OrderError("후불(세금계산서) 주문이 아닙니다.")


def institution_actor_label(shipment: Shipment, actor: User) -> str:
    """A buyer of the ordering institution (approved member) or staff, or OrderError."""
    if actor.role is Role.ADMIN:
        return orders.STAFF
    if institutions.buys_for(actor, shipment.order.institution_id):
        return INSTITUTION
    raise OrderError("이 주문을 처리할 권한이 없습니다.")


def _text(value: str | None, message: str, field: str, max_length: int, required: bool = True) -> str:
    text = " ".join((value or "").split())
    if (required and not text) or len(text) > max_length:
        raise OrderError(message, field)
    return text


def _kst_date(moment: datetime | None) -> date | None:
    return as_utc(moment).astimezone(KST).date() if moment else None


def _past_date(value: date | None, field: str, what: str, *, today: date, not_before: date | None = None) -> date:
    # `what` is 검수일, 발급일 or 지급일: a final consonant, so 을/은.
    if not isinstance(value, date):
        raise OrderError(f"{what}을 입력해 주세요.", field)
    if value > today:
        raise OrderError(f"{what}은 오늘보다 늦을 수 없습니다.", field)
    if not_before is not None and value < not_before:
        raise OrderError(f"{what}은 {not_before:%Y-%m-%d} 이후여야 합니다.", field)
    return value


# --- the enterprise's answer to the order ------------------------------------------------------------


def accept(shipment: Shipment, actor: User) -> None:
    _invoice_shipment(shipment)
    label = orders.enterprise_actor_label(shipment, actor)
    orders.move_shipment(shipment, ShipmentStatus.ACCEPTED, actor=actor, actor_label=label, note="주문 승인")


def decline(shipment: Shipment, actor: User, *, reason: str) -> None:
    _invoice_shipment(shipment)
    label = orders.enterprise_actor_label(shipment, actor)
    reason = _text(reason, "거절 사유를 500자 이내로 입력해 주세요. 구매기관에 그대로 안내됩니다.", "reason", 500)
    orders.end_invoice_shipment(shipment, ShipmentStatus.DECLINED, actor=actor, actor_label=label,
                                note=f"주문 거절: {reason}"[:300], decline_reason=reason)


def cancel_after_rejection(shipment: Shipment, actor: User, *, reason: str) -> None:
    """After a failed inspection the parties may give up instead of delivering again."""
    _invoice_shipment(shipment)
    try:
        label = institution_actor_label(shipment, actor)
    except OrderError:
        label = orders.enterprise_actor_label(shipment, actor)
    reason = _text(reason, "취소 사유를 500자 이내로 입력해 주세요.", "reason", 500)
    if shipment.status is not ShipmentStatus.INSPECTION_REJECTED:
        raise OrderError("검수반려된 납품만 이 방법으로 취소할 수 있습니다.")
    orders.end_invoice_shipment(shipment, ShipmentStatus.CANCELLED, actor=actor, actor_label=label,
                                note=f"납품 취소: {reason}"[:300])


# --- inspection (검수) ----------------------------------------------------------------------------


def inspect(shipment: Shipment, actor: User, *, inspected_on: date, inspector_name: str,
            accepted_quantities: dict[int, int], note: str = "", today: date) -> None:
    """Accept the delivery, with the accepted quantity of each line; a shortfall needs a reason.
    What is accepted is what gets invoiced and counted as purchased."""
    _invoice_shipment(shipment)
    label = institution_actor_label(shipment, actor)
    inspector_name = _text(inspector_name, "검수자 이름을 50자 이내로 입력해 주세요.", "inspector_name", 50)
    inspected_on = _past_date(inspected_on, "inspected_on", "검수일", today=today,
                              not_before=_kst_date(shipment.delivered_at))
    note = _text(note, "비고는 500자 이내로 입력해 주세요.", "note", 500, required=False)
    accepted = {}
    for item in shipment.items:
        qty = accepted_quantities.get(item.id)
        if isinstance(qty, bool) or not isinstance(qty, int) or not 0 <= qty <= item.quantity:
            raise OrderError(f"{item.product_name}: 합격 수량은 0~{item.quantity:,}개로 입력해 주세요.",
                             f"accepted_{item.id}")
        accepted[item.id] = qty
    if not any(accepted.values()):
        raise OrderError("합격 수량이 하나도 없으면 '검수 반려'로 처리해 주세요.")
    shortfall = any(accepted[item.id] < item.quantity for item in shipment.items)
    if shortfall and not note:
        raise OrderError("주문 수량보다 적게 합격시키는 경우 사유를 비고에 적어 주세요.", "note")
    summary = ", ".join(f"{item.product_name} {accepted[item.id]:,}/{item.quantity:,}" for item in shipment.items)
    with write_transaction():
        db.session.refresh(shipment)
        orders.move_shipment_in_transaction(shipment, ShipmentStatus.INSPECTED, actor=actor, actor_label=label,
                                            note=f"검수 합격 ({inspector_name}): {summary}"[:300])
        for item_id, qty in accepted.items():
            db.session.execute(sa.update(OrderItem).where(OrderItem.id == item_id).values(accepted_quantity=qty)
                               .execution_options(synchronize_session=False))
        db.session.add(Inspection(shipment_id=shipment.id, accepted=True, inspected_on=inspected_on,
                                  inspector_name=inspector_name, note=note, recorded_by_id=actor.id))
    db.session.refresh(shipment)
    for item in shipment.items:
        db.session.refresh(item)


def reject_inspection(shipment: Shipment, actor: User, *, inspected_on: date, inspector_name: str,
                      reason: str, today: date) -> None:
    """Refuse the delivery; the goods go back and the enterprise may deliver again."""
    _invoice_shipment(shipment)
    label = institution_actor_label(shipment, actor)
    inspector_name = _text(inspector_name, "검수자 이름을 50자 이내로 입력해 주세요.", "inspector_name", 50)
    inspected_on = _past_date(inspected_on, "inspected_on", "검수일", today=today,
                              not_before=_kst_date(shipment.delivered_at))
    reason = _text(reason, "반려 사유를 500자 이내로 입력해 주세요. 입점기업에 그대로 안내됩니다.", "reason", 500)
    with write_transaction():
        db.session.refresh(shipment)
        orders.move_shipment_in_transaction(shipment, ShipmentStatus.INSPECTION_REJECTED, actor=actor,
                                            actor_label=label, note=f"검수 반려 ({inspector_name}): {reason}"[:300])
        db.session.add(Inspection(shipment_id=shipment.id, accepted=False, inspected_on=inspected_on,
                                  inspector_name=inspector_name, note=reason, recorded_by_id=actor.id))
    db.session.refresh(shipment)


def latest_inspection(shipment: Shipment) -> Inspection | None:
    return db.session.scalar(sa.select(Inspection).where(Inspection.shipment_id == shipment.id)
                             .order_by(Inspection.id.desc()).limit(1))


def accepted_amounts(shipment: Shipment) -> Amounts:
    """What the institution owes for the shipment: the accepted units at their frozen prices plus the
    delivery fee, with VAT on the taxable goods and on delivery."""
    items_total = sum(item.unit_price_krw * (item.accepted_quantity or 0) for item in shipment.items)
    taxable = sum(item.unit_price_krw * (item.accepted_quantity or 0)
                  for item in shipment.items if item.tax_type is TaxType.TAXABLE)
    total = items_total + shipment.shipping_fee_krw
    vat = vat_of(taxable + shipment.shipping_fee_krw)
    return Amounts(total - vat, vat, total)


# --- tax invoice (세금계산서) and payment ---------------------------------------------------------


def normalize_approval_number(value: str | None) -> str:
    """국세청 승인번호: 24 digits, usually written 8-8-8; the first eight are the issue date."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not APPROVAL_NUMBER.fullmatch(digits):
        raise OrderError("국세청 승인번호 24자리를 입력해 주세요. 예: 20261127-41000000-12345678", "approval_number")
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise OrderError("승인번호 앞 8자리는 발급일(연월일)이어야 합니다.", "approval_number") from None
    return digits


def record_tax_invoice(shipment: Shipment, actor: User, *, issued_on: date, approval_number: str,
                       supply_krw: int, vat_krw: int, total_krw: int, today: date) -> TaxInvoice:
    """The enterprise records the tax invoice it issued; its amounts must be exactly what was accepted."""
    _invoice_shipment(shipment)
    label = orders.enterprise_actor_label(shipment, actor)
    if shipment.status is not ShipmentStatus.INSPECTED:
        raise OrderError(f"검수가 끝난 납품에만 세금계산서를 등록할 수 있습니다 (현재: {shipment.status.label}).")
    inspection = latest_inspection(shipment)
    issued_on = _past_date(issued_on, "issued_on", "발급일", today=today,
                           not_before=inspection.inspected_on if inspection else None)
    number = normalize_approval_number(approval_number)
    expected = accepted_amounts(shipment)
    given = Amounts(supply_krw, vat_krw, total_krw)
    if given != expected:
        raise OrderError(
            f"세금계산서 금액이 검수 금액과 다릅니다. 공급가액 {expected.supply_krw:,}원, 세액 {expected.vat_krw:,}원, "
            f"합계 {expected.total_krw:,}원으로 발급해 주세요.", "total_krw")
    taken = OrderError("이미 등록된 승인번호입니다. 번호를 확인해 주세요.", "approval_number")
    if db.session.scalar(sa.select(TaxInvoice.id).where(TaxInvoice.approval_number == number)):
        raise taken
    invoice = TaxInvoice(shipment_id=shipment.id, issued_on=issued_on, approval_number=number,
                         supply_krw=supply_krw, vat_krw=vat_krw, total_krw=total_krw, recorded_by_id=actor.id)
    try:
        with write_transaction():
            db.session.refresh(shipment)
            orders.move_shipment_in_transaction(shipment, ShipmentStatus.INVOICED, actor=actor, actor_label=label,
                                                note=f"세금계산서 {number[:8]}-{number[8:16]}-{number[16:]} "
                                                     f"합계 {total_krw:,}원")
            db.session.add(invoice)
    except IntegrityError:  # the same number recorded for another shipment at the same moment
        raise taken from None
    db.session.refresh(shipment)
    return invoice


def tax_invoice_of(shipment: Shipment) -> TaxInvoice | None:
    return db.session.scalar(sa.select(TaxInvoice).where(TaxInvoice.shipment_id == shipment.id))


def settlement_of(shipment: Shipment) -> Settlement | None:
    return db.session.scalar(sa.select(Settlement).where(Settlement.shipment_id == shipment.id))


def records_of(shipments: list[Shipment]) -> dict[int, tuple]:
    """Per shipment id: (latest inspection, tax invoice, settlement, accepted amounts), for an order page
    with any number of shipments in two queries, not three per shipment."""
    ids = [s.id for s in shipments]
    latest = {}
    for inspection in db.session.scalars(sa.select(Inspection).where(Inspection.shipment_id.in_(ids))
                                         .order_by(Inspection.id)):
        latest[inspection.shipment_id] = inspection
    # at most one of each per shipment (unique shipment_id), so both come in one outer-joined query
    documents = {row.id: (row.TaxInvoice, row.Settlement) for row in db.session.execute(
        sa.select(Shipment.id, TaxInvoice, Settlement).where(Shipment.id.in_(ids))
        .outerjoin(TaxInvoice, TaxInvoice.shipment_id == Shipment.id)
        .outerjoin(Settlement, Settlement.shipment_id == Shipment.id))}
    return {s.id: (latest.get(s.id), *documents.get(s.id, (None, None)), accepted_amounts(s)) for s in shipments}


def record_settlement(shipment: Shipment, actor: User, *, paid_on: date, method: str, today: date) -> Settlement:
    """The institution paid the invoice; recorded by the enterprise (or staff) that received it."""
    _invoice_shipment(shipment)
    label = orders.enterprise_actor_label(shipment, actor)
    invoice = tax_invoice_of(shipment)
    if shipment.status is not ShipmentStatus.INVOICED or invoice is None:
        raise OrderError(f"세금계산서가 등록된 납품에만 대금 지급을 기록할 수 있습니다 (현재: {shipment.status.label}).")
    try:
        method_enum = SettlementMethod(method)
    except ValueError:
        raise OrderError("지급 방법을 골라 주세요.", "method") from None
    paid_on = _past_date(paid_on, "paid_on", "지급일", today=today, not_before=invoice.issued_on)
    settlement = Settlement(shipment_id=shipment.id, paid_on=paid_on, method=method_enum,
                            amount_krw=invoice.total_krw, recorded_by_id=actor.id)
    with write_transaction():
        db.session.refresh(shipment)
        orders.move_shipment_in_transaction(shipment, ShipmentStatus.SETTLED, actor=actor, actor_label=label,
                                            note=f"{method_enum.label} {invoice.total_krw:,}원 ({paid_on:%Y-%m-%d})")
        db.session.add(settlement)
    db.session.refresh(shipment)
    return settlement


def complete(shipment: Shipment, actor: User) -> None:
    """The institution (or staff) closes the transaction once the payment is recorded."""
    _invoice_shipment(shipment)
    label = institution_actor_label(shipment, actor)
    orders.move_shipment(shipment, ShipmentStatus.COMPLETED, actor=actor, actor_label=label, note="거래 완료")


def cancel_order(order: Order, actor: User) -> None:
    """The institution withdraws its whole invoice order before the enterprises have shipped."""
    if order.payment_method is not PaymentMethod.INVOICE:
        raise OrderError("후불(세금계산서) 주문이 아닙니다.")
    label = institution_actor_label(order.shipments[0], actor)
    orders.cancel_invoice_order(order, actor=actor, actor_label=label)
