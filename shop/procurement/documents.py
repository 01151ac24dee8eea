"""견적서 and 거래명세서 of a quotation or an invoice-order shipment, drawn by core.documents.

Unit prices include VAT, as everywhere in the mall. Each line's VAT is 10/110 of its total; where
the per-line rounding drifts from the VAT of the whole (the figure the tax invoice states), the last
taxable line absorbs the difference so that the paper and the tax invoice agree to the won.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from shop.catalog.models import TaxType
from shop.core.documents import BusinessDocument, DocumentLine, Party, render_pdf
from shop.core.korea import format_phone
from shop.core.money import split_vat, vat_of
from shop.enterprises.models import Enterprise
from shop.institutions.models import Institution
from shop.orders.models import Shipment
from shop.procurement import invoice_orders
from shop.procurement.models import Quote


def _supplier(enterprise: Enterprise) -> Party:
    return Party(enterprise.name, enterprise.business_number, enterprise.representative,
                 enterprise.address or f"서울특별시 {enterprise.district}", format_phone(enterprise.phone),
                 enterprise.email or "")


def _recipient(institution: Institution, department: str, person: str, phone: str) -> Party:
    address = f"({institution.postcode}) {institution.address} {institution.address_detail}".strip()
    contact = " · ".join(part for part in (department, person) if part)
    return Party(institution.name, institution.business_number, "", address,
                 format_phone(phone) if phone else "", contact)


def _line(name: str, option: str, quantity: int, unit_price: int, taxable: bool) -> DocumentLine:
    supply, vat = split_vat(unit_price * quantity, taxable=taxable)
    return DocumentLine(name, option, quantity, unit_price, supply, vat, "" if taxable else "면세")


def _balanced(lines: list[DocumentLine], taxable_total: int) -> list[DocumentLine]:
    """Lines whose VAT sums to the VAT of the taxable total (see the module note)."""
    drift = vat_of(taxable_total) - sum(line.vat_krw for line in lines)
    if drift:
        index = max(i for i, line in enumerate(lines) if not line.note)
        line = lines[index]
        lines[index] = replace(line, vat_krw=line.vat_krw + drift, supply_krw=line.supply_krw - drift)
    return lines


def _document(title: str, number: str, issued_on: date, supplier: Party, recipient: Party,
              lines: list[DocumentLine], facts: list[tuple[str, str]], notes: str) -> BusinessDocument:
    supply = sum(line.supply_krw for line in lines)
    vat = sum(line.vat_krw for line in lines)
    return BusinessDocument(title, number, issued_on, supplier, recipient, lines, supply, vat, supply + vat,
                            facts, notes)


def quotation_pdf(quote: Quote, *, today: date) -> bytes:
    """The enterprise's answer to a quotation request as a 견적서."""
    lines, taxable_total = [], 0
    for line in quote.lines:
        taxable = line.tax_type is TaxType.TAXABLE
        lines.append(_line(line.product_name, line.option_name, line.quantity, line.unit_price_krw, taxable))
        taxable_total += line.line_total_krw if taxable else 0
    if quote.shipping_fee_krw:
        lines.append(_line("배송비", "", 1, quote.shipping_fee_krw, True))
        taxable_total += quote.shipping_fee_krw
    facts = [("견적 요청일", f"{quote.created_at:%Y-%m-%d}"), ("납품 요청일", f"{quote.needed_by:%Y-%m-%d}"),
             ("유효기한", f"{quote.valid_until:%Y-%m-%d}"),
             ("납품 장소", f"({quote.postcode}) {quote.address1} {quote.address2}".strip())]
    notes = "단가는 부가가치세 포함 금액입니다." + (f"\n{quote.answer_note}" if quote.answer_note else "")
    issued = quote.answered_at.date() if quote.answered_at else today
    return render_pdf(_document(
        "견적서", quote.number, issued, _supplier(quote.enterprise),
        _recipient(quote.institution, quote.recipient_department, quote.recipient_name, quote.recipient_phone),
        _balanced(lines, taxable_total), facts, notes))


def statement_pdf(shipment: Shipment, institution: Institution, *, today: date) -> bytes:
    """The 거래명세서 of one enterprise's delivery: after inspection the accepted quantities (what is
    invoiced), before it the ordered ones."""
    order = shipment.order
    inspected = any(item.accepted_quantity is not None for item in shipment.items)
    lines, taxable_total = [], 0
    for item in shipment.items:
        quantity = item.accepted_quantity if inspected else item.quantity
        if not quantity:
            continue
        taxable = item.tax_type is TaxType.TAXABLE
        lines.append(_line(item.product_name, item.option_name, quantity, item.unit_price_krw, taxable))
        taxable_total += item.unit_price_krw * quantity if taxable else 0
    if shipment.shipping_fee_krw:
        lines.append(_line("배송비", "", 1, shipment.shipping_fee_krw, True))
        taxable_total += shipment.shipping_fee_krw
    facts = [("주문번호", order.number), ("주문일", f"{order.placed_at:%Y-%m-%d}"),
             ("납품 장소", f"({order.postcode}) {order.address1} {order.address2}".strip())]
    if inspected:
        inspection = invoice_orders.latest_inspection(shipment)
        facts.append(("검수", f"{inspection.inspected_on:%Y-%m-%d} {inspection.inspector_name} (합격 수량 기준)"))
    return render_pdf(_document(
        "거래명세서", order.number, today, _supplier(shipment.enterprise),
        _recipient(institution, order.recipient_department, order.recipient_name, order.recipient_phone),
        _balanced(lines, taxable_total), facts, "단가는 부가가치세 포함 금액입니다."))
