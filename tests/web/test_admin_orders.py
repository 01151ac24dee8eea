"""Center staff drive shipments and returns from /admin/orders; nobody else may."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order, Shipment, ShipmentStatus
from shop.payments import services as payments
from shop.payments.models import Refund
from tests.conftest import csrf_from
from tests.services.order_helpers import SEOUL, TODAY, new_key


@pytest.fixture
def paid(make_user, make_product):
    buyer = make_user(Role.CONSUMER)
    variant = make_product(name="친환경 주방세제", variants=[("1L", 7000, 10)]).variants[0]
    order = orders.place_order(buyer, [(variant.id, 2)], SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(order, buyer)
    shipment = db.session.get(Order, order.id).shipments[0]
    return buyer, order.number, shipment.id


def act(client, number, shipment_id, action, **data):
    html = client.get(f"/admin/orders/{number}").get_data(as_text=True)
    return client.post(f"/admin/orders/{number}/shipments/{shipment_id}/{action}",
                       data={"csrf_token": csrf_from(html), **data})


def status(shipment_id):
    db.session.expire_all()
    return db.session.get(Shipment, shipment_id).status


def test_staff_ship_deliver_and_settle_a_return(client, login, make_user, paid):
    buyer, number, shipment_id = paid
    login(make_user(Role.ADMIN))
    assert number in client.get("/admin/orders").get_data(as_text=True)
    assert act(client, number, shipment_id, "prepare").status_code == 303
    bad = act(client, number, shipment_id, "ship", courier="cj", tracking_number="12")
    assert bad.status_code == 400 and "송장번호" in bad.get_data(as_text=True)
    assert act(client, number, shipment_id, "ship", courier="cj", tracking_number="612345678901").status_code == 303
    assert act(client, number, shipment_id, "deliver").status_code == 303
    assert status(shipment_id) is ShipmentStatus.DELIVERED
    orders.request_return(db.session.get(Shipment, shipment_id), buyer, reason="defective", detail="뚜껑이 깨져 왔어요")
    assert act(client, number, shipment_id, "approve-return").status_code == 303
    assert status(shipment_id) is ShipmentStatus.RETURNED
    assert db.session.scalar(sa.select(Refund.amount_krw)) == 14000 + 3000
    refused = act(client, number, shipment_id, "approve-return")
    assert refused.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 1


def test_others_cannot_use_the_staff_screen(client, login, paid):
    buyer, number, _ = paid
    login(buyer)
    assert client.get(f"/admin/orders/{number}").status_code == 403
    assert client.get("/admin/orders").status_code == 403
