"""The buyer's order page after delivery (confirm, return) and saved delivery addresses at checkout."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.cart.models import Cart, CartItem
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order, SavedAddress, Shipment, ShipmentStatus
from shop.payments import services as payments
from tests.conftest import csrf_from
from tests.services.order_helpers import SEOUL, TODAY, new_key


@pytest.fixture
def delivered_order(make_user, make_product, login):
    buyer = make_user(Role.CONSUMER)
    staff = make_user(Role.ADMIN)
    variant = make_product(name="업사이클 에코백", variants=[("네이비", 23000, 5)]).variants[0]
    order = orders.place_order(buyer, [(variant.id, 1)], SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(order, buyer)
    shipment = db.session.get(Order, order.id).shipments[0]
    orders.start_preparing(shipment, staff)
    orders.ship(shipment, staff, courier="cj", tracking_number="612345678901")
    orders.mark_delivered(shipment, staff)
    login(buyer)
    return order.number, shipment.id


def detail(client, number: str) -> str:
    return client.get(f"/account/orders/{number}").get_data(as_text=True)


def test_a_delivered_shipment_shows_tracking_and_can_be_confirmed(client, delivered_order):
    number, shipment_id = delivered_order
    html = detail(client, number)
    assert "배송완료" in html and "CJ대한통운" in html and "612345678901" in html and "후기 쓰기" in html
    response = client.post(f"/account/orders/{number}/shipments/{shipment_id}/confirm",
                           data={"csrf_token": csrf_from(html)}, follow_redirects=True)
    assert "구매확정" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Shipment, shipment_id).status is ShipmentStatus.CONFIRMED
    again = client.post(f"/account/orders/{number}/shipments/{shipment_id}/confirm", data={"csrf_token": csrf_from(html)})
    assert again.status_code == 409


def test_a_return_is_requested_with_a_reason_and_bad_reasons_are_refused(client, delivered_order):
    number, shipment_id = delivered_order
    html = detail(client, number)
    url = f"/account/orders/{number}/shipments/{shipment_id}/return"
    refused = client.post(url, data={"csrf_token": csrf_from(html), "reason": "boredom", "detail": ""})
    assert refused.status_code == 400 and "반품 사유" in refused.get_data(as_text=True)
    done = client.post(url, data={"csrf_token": csrf_from(html), "reason": "change_of_mind", "detail": "사이즈가 작아요"},
                       follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "반품요청" in page and "3,000원" in page  # the return delivery taken off the refund
    db.session.expire_all()
    assert db.session.get(Shipment, shipment_id).status is ShipmentStatus.RETURN_REQUESTED


def test_an_unknown_or_foreign_shipment_is_not_found(client, delivered_order):
    number, shipment_id = delivered_order
    html = detail(client, number)
    response = client.post(f"/account/orders/{number}/shipments/{shipment_id + 999}/confirm",
                           data={"csrf_token": csrf_from(html)})
    assert response.status_code == 404


def test_a_saved_address_fills_the_next_order_form(client, make_user, make_product, login):
    buyer = make_user(Role.CONSUMER)
    login(buyer)
    variant = make_product(variants=[("기본", 9000, 10)]).variants[0]
    for _ in range(2):
        cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == buyer.id)) or Cart(token=new_key(), user_id=buyer.id)
        cart.items.append(CartItem(variant_id=variant.id, quantity=1))
        db.session.add(cart)
        db.session.commit()
        html = client.get("/checkout").get_data(as_text=True)
        key = html.split('name="idempotency_key"')[1].split('value="')[1].split('"')[0]
        client.post("/checkout", data={
            "csrf_token": csrf_from(html), "idempotency_key": key, "recipient_name": "정마포",
            "recipient_phone": "01056781234", "postcode": "04001", "address1": "서울특별시 마포구 월드컵로 1",
            "address2": "101동 202호", "agree": "y", "save_address": "y"})
    saved = db.session.scalars(sa.select(SavedAddress).where(SavedAddress.user_id == buyer.id)).all()
    assert len(saved) == 1 and saved[0].recipient_phone == "01056781234"  # the same address is kept once
    cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == buyer.id))
    cart.items.append(CartItem(variant_id=variant.id, quantity=1))
    db.session.commit()
    html = client.get("/checkout").get_data(as_text=True)
    assert 'value="정마포"' in html and 'value="04001"' in html and "101동 202호" in html
