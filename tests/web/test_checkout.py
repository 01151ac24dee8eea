"""Checkout through the web: the order form, the demo's 테스트 결제, the order pages, cancelling."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.cart.models import Cart, CartItem
from shop.catalog.models import Variant
from shop.extensions import db
from shop.orders.models import Order, OrderStatus, ShipmentStatus
from shop.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.conftest import csrf_from

ADDRESS = {
    "recipient_name": "김서울", "recipient_phone": "010-2345-6789", "postcode": "04524",
    "address1": "서울특별시 중구 세종대로 110", "address2": "3층", "memo": "문 앞", "agree": "y",
}


@pytest.fixture
def shopper(make_user, login):
    user = make_user(Role.CONSUMER, name="박시민")
    login(user)
    return user


@pytest.fixture
def in_cart(shopper, make_enterprise, make_product):
    """Two enterprises' goods in the shopper's cart."""
    soap_co = make_enterprise(name="민화비누공방", shipping_base_fee_krw=3000, free_shipping_threshold_krw=50000)
    tea_co = make_enterprise(name="초록찻잎 마을기업", shipping_base_fee_krw=2500, free_shipping_threshold_krw=20000)
    soap = make_product(enterprise=soap_co, name="민화 수제비누", variants=[("모란", 9000, 10)]).variants[0]
    tea = make_product(enterprise=tea_co, name="유기농 녹차", variants=[("50g", 12000, 10)]).variants[0]
    cart = Cart(token="t" * 32, user_id=shopper.id)
    cart.items = [CartItem(variant_id=soap.id, quantity=2), CartItem(variant_id=tea.id, quantity=2)]
    db.session.add(cart)
    db.session.commit()
    return soap, tea


def place(client, **overrides):
    page = client.get("/checkout")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', html).group(1)
    data = {"csrf_token": csrf_from(html), "idempotency_key": key, **ADDRESS, **overrides}
    return client.post("/checkout", data=data), data


def test_checkout_needs_a_login(client):
    response = client.get("/checkout")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_order_form_shows_each_shipment_the_vat_and_the_withdrawal_notice(client, in_cart):
    html = client.get("/checkout").get_data(as_text=True)
    assert "민화비누공방" in html and "초록찻잎 마을기업" in html
    assert "3,000원" in html  # soap: under its free-delivery threshold
    assert "부가세 포함" in html and "청약철회" in html
    assert "45,000원" in html  # 18,000 + 3,000 + 24,000 (tea delivered free)


def test_placing_and_paying_in_test_mode_shows_paid(client, in_cart, shopper):
    soap, tea = in_cart
    response, _ = place(client)
    assert response.status_code == 303
    assert "/payments/test/" in response.headers["Location"]
    order = db.session.scalar(sa.select(Order))
    assert order.total_krw == 45000 and order.status is OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CartItem)) == 0

    pay_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "테스트 결제" in pay_page and "45,000원" in pay_page
    paid = client.post(response.headers["Location"], data={"csrf_token": csrf_from(pay_page)}, follow_redirects=True)
    html = paid.get_data(as_text=True)
    assert paid.status_code == 200 and "결제완료" in html and order.number in html
    db.session.expire_all()
    assert db.session.get(Order, order.id).status is OrderStatus.PAID
    assert {s.status for s in db.session.get(Order, order.id).shipments} == {ShipmentStatus.PAID}
    assert db.session.scalar(sa.select(Payment)).status is PaymentStatus.PAID
    listing = client.get("/account/orders").get_data(as_text=True)
    assert order.number in listing and "결제완료" in listing


def test_prices_typed_into_the_form_are_ignored(client, in_cart):
    response, _ = place(client, price="1", unit_price_krw="1", total_krw="100", items_total_krw="1")
    assert response.status_code == 303
    assert db.session.scalar(sa.select(Order)).total_krw == 45000


def test_resubmitting_the_same_form_makes_one_order(client, in_cart):
    first, data = place(client)
    again = client.post("/checkout", data=data)
    assert first.status_code == 303
    # The cart is empty now, so the page sends the buyer back to it; no second order either way.
    assert again.status_code in (302, 303)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1


@pytest.mark.parametrize("field, value, message", [
    ("recipient_phone", "02-123-4567", "휴대전화"), ("postcode", "abcde", "우편번호"),
    ("agree", "", "결제에 동의"), ("address1", "", "주소를 입력"),
])
def test_bad_order_forms_are_refused_in_korean_and_create_nothing(client, in_cart, field, value, message):
    overrides = {field: value}
    response, _ = place(client, **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CartItem)) == 2


def test_submitting_after_the_cart_was_emptied_in_another_tab_goes_back_to_the_cart(client, in_cart):
    page = client.get("/checkout").get_data(as_text=True)
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page).group(1)
    db.session.execute(sa.delete(CartItem))
    db.session.commit()

    answer = client.post("/checkout", data={"csrf_token": csrf_from(page), "idempotency_key": key, **ADDRESS})

    assert answer.status_code == 302 and answer.headers["Location"].endswith("/cart")
    assert "장바구니가 비어 있습니다. 상품을 담은 뒤 주문해 주세요." in client.get("/cart").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_too_many_for_the_stock_is_refused_and_nothing_is_taken(client, in_cart):
    soap, _ = in_cart
    db.session.execute(sa.update(Variant).where(Variant.id == soap.id).values(stock=1))
    db.session.commit()
    response, _ = place(client)
    assert response.status_code == 400 and "재고" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Variant, soap.id).stock == 1


def test_a_paid_order_cancelled_before_shipping_is_refunded_and_restocked(client, in_cart):
    soap, _ = in_cart
    response, _ = place(client)
    pay_page = client.get(response.headers["Location"]).get_data(as_text=True)
    client.post(response.headers["Location"], data={"csrf_token": csrf_from(pay_page)})
    order = db.session.scalar(sa.select(Order))
    detail = client.get(f"/account/orders/{order.number}").get_data(as_text=True)
    cancelled = client.post(f"/account/orders/{order.number}/cancel", data={"csrf_token": csrf_from(detail)},
                            follow_redirects=True)
    assert "주문취소" in cancelled.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Variant, soap.id).stock == 10
    refund = db.session.scalar(sa.select(Refund))
    assert (refund.amount_krw, refund.status) == (45000, RefundStatus.SUCCEEDED)
    again = client.post(f"/account/orders/{order.number}/cancel", data={"csrf_token": csrf_from(detail)})
    assert again.status_code == 409 and "취소할 수 없는" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 1


def test_another_member_cannot_see_or_pay_my_order(client, in_cart, make_user, login):
    response, _ = place(client)
    number = db.session.scalar(sa.select(Order.number))
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/account").get_data(as_text=True))})
    login(make_user(Role.CONSUMER))
    assert client.get(f"/account/orders/{number}").status_code == 404
    assert client.get(f"/payments/test/{number}").status_code == 404


def test_the_test_payment_page_is_gone_when_stripe_is_configured(client, in_cart, app, monkeypatch):
    place(client)
    number = db.session.scalar(sa.select(Order.number))
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_configured")
    assert client.get(f"/payments/test/{number}").status_code == 404


def test_the_webhook_is_not_there_without_a_secret(client):
    assert client.post("/payments/stripe/webhook", data=b"{}").status_code == 404


def test_adding_to_the_cart_and_ordering_take_a_fixed_few_queries(app, client, shopper, make_product, count_queries):
    """A buyer's add-to-cart and order, as the benchmark's order run sends them: each request in a context of
    its own (as in a server), the member's login session from the cache. Counts include SQLite's BEGIN."""
    products = [(p.slug, p.variants[0].id) for p in (make_product(variants=[("기본", 9000 + n, 50)]) for n in range(3))]
    counts = []
    for slug, variant_id in products:
        with app.app_context():
            token = csrf_from(client.get(f"/products/{slug}").get_data(as_text=True))
        with app.app_context(), count_queries() as added:
            answer = client.post("/cart/items", data={"csrf_token": token, "variant_id": str(variant_id),
                                                      "quantity": "1"})
        assert answer.status_code == 302
        with app.app_context():
            page = client.get("/checkout").get_data(as_text=True)
        key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page).group(1)
        with app.app_context(), count_queries() as ordered:
            answer = client.post("/checkout", data={"csrf_token": csrf_from(page), "idempotency_key": key, **ADDRESS})
        assert answer.status_code == 303 and "/payments/test/" in answer.headers["Location"]
        counts.append((len(added), len(ordered)))
    assert counts[1] == counts[2], counts  # the first addition also made the member's cart
    add, order = counts[2]
    assert add <= 4, added  # the cart locked; the option with this cart's line of it; the line written
    # the cart's lines with their options priced; stock; order, shipment, items; timeline, audit entry, payment;
    # cart lines removed
    assert order <= 10, ordered
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 3
