"""The institution's buyer through the web: quotation from a product page, acceptance into an invoice
order, inspection with a shortfall, the documents, and ordering on invoice straight from the cart."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from shop.cart import services as carts
from shop.core.korea import kst_today
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus, ShipmentStatus
from shop.procurement import invoice_orders, quotes
from shop.procurement.models import Quote, QuoteStatus

TODAY = kst_today()
KEY = "institution-order-key-0001"


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def request_quote(client, form_post, p, qty: int = 100) -> Quote:
    variant = p.product.variants[0]
    page = f"/institution/quotes/new?variant_id={variant.id}&quantity={qty}"
    html = client.get(page).get_data(as_text=True)
    assert "친환경 복사용지 A4" in html and f'value="{qty}"' in html
    response = form_post("/institution/quotes/new", {
        f"qty_{variant.id}": str(qty), "address_id": str(p.address.id),
        "needed_by": (TODAY + timedelta(days=10)).isoformat(), "note": "12월 둘째 주 납품 희망"}, page=page)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return db.session.scalar(db.select(Quote))


def test_quotation_to_inspected_invoice_order(client, login, form_post, procurement):
    p = procurement
    login(p.buyer)
    quote = request_quote(client, form_post, p)
    assert quote.status is QuoteStatus.REQUESTED and quote.lines[0].list_price_krw == 22_000  # bulk tier
    assert quote.recipient_department == "총무과"

    quotes.answer(quote, p.seller, unit_prices={quote.lines[0].id: 20_500}, shipping_fee_krw=0,
                  valid_until=TODAY + timedelta(days=30), note="행사 단가입니다.", today=TODAY)
    html = client.get(f"/institution/quotes/{quote.number}").get_data(as_text=True)
    assert "2,050,000원" in html and "견적 수락하고 주문하기" in html

    text = pdf_text(client.get(f"/institution/quotes/{quote.number}/quotation.pdf"))
    for expected in ("견적서", "마포 함께 협동조합", "서울특별시 마포구청", "친환경 복사용지 A4", "2,050,000",
                     "20,500"):
        assert expected in text

    response = form_post(f"/institution/quotes/{quote.number}/accept", {"payment_method": "invoice"},
                         page=f"/institution/quotes/{quote.number}")
    assert response.status_code == 303
    order = db.session.scalar(db.select(Order))
    assert response.headers["Location"].endswith(f"/institution/orders/{order.number}")
    assert order.status is OrderStatus.ORDERED and order.total_krw == 2_050_000 and order.quote_id == quote.id

    shipment = order.shipments[0]
    invoice_orders.accept(shipment, p.seller)
    orders.ship(shipment, p.seller, courier="cj", tracking_number="612345678901")
    orders.mark_delivered(shipment, p.seller)

    page = f"/institution/orders/{order.number}"
    item = shipment.items[0]
    short = {f"accepted_{item.id}": "98", "inspected_on": TODAY.isoformat(), "inspector_name": "박검수", "note": ""}
    refused = form_post(f"{page}/shipments/{shipment.id}/inspect", short, page=page)
    assert refused.status_code == 400
    assert "사유를 비고에 적어 주세요" in refused.get_data(as_text=True)
    db.session.refresh(shipment)
    assert shipment.status is ShipmentStatus.DELIVERED

    accepted = form_post(f"{page}/shipments/{shipment.id}/inspect", {**short, "note": "2박스 파손"}, page=page)
    assert accepted.status_code == 303
    db.session.refresh(shipment)
    assert shipment.status is ShipmentStatus.INSPECTED
    html = client.get(page).get_data(as_text=True)
    assert "2,009,000원" in html  # 98 × 20,500: what will be invoiced

    text = pdf_text(client.get(f"{page}/shipments/{shipment.id}/statement.pdf"))
    for expected in ("거래명세서", order.number, "마포 함께 협동조합", "서울특별시 마포구청", "2,009,000", "98"):
        assert expected in text

    amounts = invoice_orders.accepted_amounts(shipment)
    invoice_orders.record_tax_invoice(shipment, p.seller, issued_on=TODAY,
                                      approval_number=f"{TODAY:%Y%m%d}-41000000-00000001",
                                      supply_krw=amounts.supply_krw, vat_krw=amounts.vat_krw,
                                      total_krw=amounts.total_krw, today=TODAY)
    invoice_orders.record_settlement(shipment, p.seller, paid_on=TODAY, method="bank_transfer", today=TODAY)
    done = form_post(f"{page}/shipments/{shipment.id}/complete", {}, page=page)
    assert done.status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert "거래완료" in html and "세금계산서" in html and "계좌이체" in html


def test_invoice_order_straight_from_the_cart(client, login, form_post, procurement):
    p = procurement
    login(p.buyer)
    carts.add_to_member_cart(p.buyer, p.product.variants[0].id, 60)
    assert client.get("/checkout").headers["Location"].endswith("/institution/checkout")
    html = client.get("/institution/checkout").get_data(as_text=True)
    assert "총무과" in html and "1,320,000원" in html  # 60 × the 22,000 bulk price

    missing = form_post("/institution/checkout", {"address_id": str(p.address.id), "payment_method": "invoice"},
                        page="/institution/checkout")
    assert missing.status_code == 400 and "주문 내용 확인이 필요합니다." in missing.get_data(as_text=True)

    response = form_post("/institution/checkout", {"address_id": str(p.address.id), "payment_method": "invoice",
                                                   "idempotency_key": KEY, "agree": "y"}, page="/institution/checkout")
    assert response.status_code == 303
    order = db.session.scalar(db.select(Order))
    assert order.payment_method.value == "invoice" and order.status is OrderStatus.ORDERED
    assert order.recipient_department == "총무과" and order.expires_at is None
    assert db.session.get(type(p.product.variants[0]), p.product.variants[0].id).stock == 440

    cancel = form_post(f"/institution/orders/{order.number}/cancel", {}, page=f"/institution/orders/{order.number}")
    assert cancel.status_code == 303
    db.session.expire_all()
    assert db.session.get(Order, order.id).status is OrderStatus.CANCELLED
    assert db.session.get(type(p.product.variants[0]), p.product.variants[0].id).stock == 500


def test_another_institutions_address_cannot_be_used(client, login, form_post, procurement, make_institution):
    from tests.procurement_fixtures import add_address

    p = procurement
    elsewhere = add_address(make_institution(name="다른 기관"), label="남의 주소")
    login(p.buyer)
    carts.add_to_member_cart(p.buyer, p.product.variants[0].id, 5)
    response = form_post("/institution/checkout", {"address_id": str(elsewhere.id), "payment_method": "invoice",
                                                   "idempotency_key": KEY, "agree": "y"}, page="/institution/checkout")
    assert response.status_code == 400 and "기관 배송지 목록에서 골라 주세요." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0


@pytest.mark.parametrize("path", ["/institution", "/institution/quotes", "/institution/orders"])
def test_pages_list_what_the_colleagues_did(client, login, procurement, make_user, path):
    p = procurement
    colleague = make_user(p.buyer.role, institution=p.institution, membership_approved=True)
    login(colleague)
    assert client.get(path).status_code == 200


def test_an_institution_may_put_more_in_one_line_than_a_household(client, login, form_post, procurement,
                                                                  make_product):
    """A household stops at 9,999 per line (tests/services/test_cart.py); a district office does not."""
    variant_id = make_product(name="행사용 생수 500ml", variants=[("1병", 500, 50_000)]).variants[0].id
    login(procurement.buyer)
    added = form_post("/cart/items", {"variant_id": str(variant_id), "quantity": "12000"}, page="/cart")
    assert added.status_code in (302, 303)
    assert "6,000,000원" in client.get("/institution/checkout").get_data(as_text=True)
    too_many = form_post("/cart/items", {"variant_id": str(variant_id), "quantity": "100000"}, page="/cart")
    assert too_many.status_code == 400 and "99,999개까지" in too_many.get_data(as_text=True)


def test_corporate_card_order_goes_through_the_card_payment(client, login, form_post, procurement):
    p = procurement
    login(p.buyer)
    carts.add_to_member_cart(p.buyer, p.product.variants[0].id, 4)
    response = form_post("/institution/checkout", {"address_id": str(p.address.id), "payment_method": "card",
                                                   "idempotency_key": KEY, "agree": "y"},
                         page="/institution/checkout")
    order = db.session.scalar(db.select(Order))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/payments/test/{order.number}")
    assert order.status is OrderStatus.PENDING_PAYMENT and order.channel.value == "institution"
    paid = form_post(f"/payments/test/{order.number}", {}, page=f"/payments/test/{order.number}")
    assert paid.status_code == 303
    db.session.expire_all()
    assert db.session.get(Order, order.id).status is OrderStatus.PAID
    html = client.get(f"/institution/orders/{order.number}").get_data(as_text=True)
    assert "결제완료" in html and "거래명세서 PDF" not in html  # card orders get the card receipt, not a statement


def test_a_request_can_be_withdrawn_and_an_answer_declined(client, login, form_post, procurement):
    p = procurement
    login(p.buyer)
    first = request_quote(client, form_post, p, qty=10)
    page = f"/institution/quotes/{first.number}"
    assert form_post(f"{page}/withdraw", {"reason": "예산 조정"}, page=page).status_code == 303
    db.session.refresh(first)
    assert first.status is QuoteStatus.WITHDRAWN and first.decision_reason == "예산 조정"
    again = form_post(f"{page}/decline", {"reason": ""}, page=page)
    assert again.status_code == 409 and "상태의 견적" in again.get_data(as_text=True)
