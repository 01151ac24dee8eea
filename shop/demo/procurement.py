"""The demo institution buyer's history: a quotation waiting for the enterprise, one waiting for the
buyer's decision, an invoice order delivered and waiting for inspection, and a completed one that
shows in the purchase report. Made through the same services a real buyer and seller use."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from shop.accounts.models import User
from shop.catalog.models import Product, ProductStatus, Variant
from shop.extensions import db
from shop.institutions.models import InstitutionAddress
from shop.orders import services as orders
from shop.orders.models import PaymentMethod
from shop.orders.services import Delivery
from shop.procurement import invoice_orders, quotes
from shop.procurement.quotes import QuoteRequest


def institution_address(institution, department: str, contact: User) -> InstitutionAddress:
    """The institution's main building as its default delivery point."""
    return InstitutionAddress(institution_id=institution.id, label="본관", department=department,
                              contact_name=contact.name, contact_phone=institution.phone or contact.phone,
                              postcode=institution.postcode, address1=institution.address,
                              address2=institution.address_detail or "1층 민원실 옆 물품 수령처", is_default=True)


def _seller_variants(enterprise_id: int, count: int) -> list[Variant]:
    return list(db.session.scalars(
        sa.select(Variant).join(Product)
        .where(Product.enterprise_id == enterprise_id, Product.status == ProductStatus.ACTIVE, Variant.stock >= 200)
        .order_by(Product.id, Variant.id).limit(count)
    ))


def seed_procurement_history(buyer: User, seller: User, today: date) -> None:
    variants = _seller_variants(seller.enterprise_id, 3)
    if len(variants) < 3:
        return
    address = db.session.scalar(sa.select(InstitutionAddress).where(
        InstitutionAddress.institution_id == buyer.institution_id, InstitutionAddress.is_default.is_(True)))
    delivery = Delivery(address.contact_name, address.contact_phone, address.postcode, address.address1,
                        address.address2, "", address.department)

    def ask(variant: Variant, qty: int, note: str):
        return quotes.request_quotes(buyer, QuoteRequest([(variant.id, qty)], today + timedelta(days=14), delivery,
                                                         note), today=today)[0]

    def answer(quote, discount_percent: int) -> None:
        prices = {line.id: line.list_price_krw * (100 - discount_percent) // 100 // 10 * 10 for line in quote.lines}
        quotes.answer(quote, seller, unit_prices=prices, shipping_fee_krw=0, valid_until=today + timedelta(days=30),
                      note="기관 대량 구매 단가입니다. 납품 일정은 협의 가능합니다.", today=today)

    ask(variants[0], 80, "직원 간담회 다과용, 개별 포장 부탁드립니다.")
    answer(ask(variants[1], 120, "연말 행사 기념품으로 사용 예정입니다."), 7)

    completed = ask(variants[2], 60, "부서 회의용 간식")
    answer(completed, 5)
    order = quotes.accept(completed, buyer, payment_method=PaymentMethod.INVOICE.value, today=today)
    shipment = order.shipments[0]
    invoice_orders.accept(shipment, seller)
    orders.ship(shipment, seller, courier="cj", tracking_number="612300000001")
    orders.mark_delivered(shipment, seller)
    invoice_orders.inspect(shipment, buyer, inspected_on=today, inspector_name=buyer.name,
                           accepted_quantities={item.id: item.quantity for item in shipment.items}, today=today)
    amounts = invoice_orders.accepted_amounts(shipment)
    invoice_orders.record_tax_invoice(shipment, seller, issued_on=today,
                                      approval_number=f"{today:%Y%m%d}4100000000000001",
                                      supply_krw=amounts.supply_krw, vat_krw=amounts.vat_krw,
                                      total_krw=amounts.total_krw, today=today)
    invoice_orders.record_settlement(shipment, seller, paid_on=today, method="bank_transfer", today=today)
    invoice_orders.complete(shipment, buyer)

    waiting = orders.place_order(buyer, [(variants[0].id, 40)], delivery, "demo-invoice-order-0000001", today=today,
                                 payment_method=PaymentMethod.INVOICE)
    shipment = waiting.shipments[0]
    invoice_orders.accept(shipment, seller)
    orders.ship(shipment, seller, courier="epost", tracking_number="6865000000001")
    orders.mark_delivered(shipment, seller)
