"""청약철회: a buyer asks within seven days of delivery, the enterprise approves or rejects; approval refunds
that shipment (less the return delivery for a change of mind) and restocks it, exactly once."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.catalog.models import Variant
from shop.extensions import db
from shop.models_base import utcnow
from shop.orders import services as orders
from shop.orders.models import Order, Shipment, ShipmentStatus
from shop.payments import services as payments
from shop.payments.models import Refund, RefundStatus
from tests.services.order_helpers import SEOUL, TODAY, new_key, race


@pytest.fixture
def delivered(make_user, make_enterprise, make_product):
    """A paid two-enterprise order whose shoe-rack shipment (paid delivery) has arrived."""
    buyer = make_user(Role.CONSUMER)
    maker = make_enterprise(name="나무공방 자활기업", shipping_base_fee_krw=3000, free_shipping_threshold_krw=100000)
    rack = make_product(enterprise=maker, name="원목 신발장", variants=[("3단", 45000, 4)]).variants[0]
    other = make_product(name="천연 수세미", variants=[("2개", 6000, 20)]).variants[0]
    order = orders.place_order(buyer, [(rack.id, 1), (other.id, 1)], SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(order, buyer)
    seller = make_user(Role.ENTERPRISE, enterprise=maker)
    shipment = next(s for s in db.session.get(Order, order.id).shipments if s.enterprise_id == maker.id)
    orders.start_preparing(shipment, seller)
    orders.ship(shipment, seller, courier="hanjin", tracking_number="420012345678")
    orders.mark_delivered(shipment, seller)
    return buyer, seller, shipment, rack


def refunds_for(shipment: Shipment) -> list[Refund]:
    return db.session.scalars(sa.select(Refund).where(Refund.shipment_id == shipment.id)).all()


def test_change_of_mind_refunds_goods_less_the_return_delivery(delivered):
    buyer, seller, shipment, rack = delivered
    assert shipment.shipping_fee_krw == 3000
    orders.request_return(shipment, buyer, reason="change_of_mind", detail="색이 집과 어울리지 않아요")
    assert shipment.status is ShipmentStatus.RETURN_REQUESTED and shipment.return_fee_krw == 3000
    payments.approve_return(shipment, seller)
    db.session.refresh(shipment)
    assert shipment.status is ShipmentStatus.RETURNED
    [refund] = refunds_for(shipment)
    # 45,000 goods: the buyer keeps paying the delivery both ways (3,000 paid + 3,000 back).
    assert (refund.amount_krw, refund.status) == (42000, RefundStatus.SUCCEEDED)
    db.session.expire_all()
    assert db.session.get(Variant, rack.id).stock == 4


def test_a_defect_refunds_everything_including_delivery(delivered):
    buyer, seller, shipment, _ = delivered
    orders.request_return(shipment, buyer, reason="defective", detail="문짝 경첩이 부러져 왔습니다")
    payments.approve_return(shipment, seller)
    assert refunds_for(shipment)[0].amount_krw == 48000


def test_returns_close_seven_days_after_delivery(app, delivered):
    buyer, _, shipment, _ = delivered
    late = utcnow() + timedelta(days=app.config["RETURN_WINDOW_DAYS"], minutes=1)
    with pytest.raises(orders.OrderError, match="7일 이내"):
        orders.request_return(shipment, buyer, reason="defective", detail="", now=late)
    with pytest.raises(orders.OrderError, match="반품 사유"):
        orders.request_return(shipment, buyer, reason="bored", detail="")


def test_only_the_buyer_asks_and_only_that_enterprise_decides(delivered, make_user, make_enterprise):
    buyer, seller, shipment, _ = delivered
    with pytest.raises(orders.OrderError, match="본인의 주문"):
        orders.request_return(shipment, make_user(Role.CONSUMER), reason="defective", detail="")
    orders.request_return(shipment, buyer, reason="defective", detail="")
    stranger = make_user(Role.ENTERPRISE, enterprise=make_enterprise())
    with pytest.raises(orders.OrderError, match="권한"):
        payments.approve_return(shipment, stranger)
    assert refunds_for(shipment) == []


def test_a_rejected_return_goes_back_to_delivered_with_the_reason(delivered):
    buyer, seller, shipment, rack = delivered
    orders.request_return(shipment, buyer, reason="change_of_mind", detail="")
    with pytest.raises(orders.OrderError, match="반려 사유"):
        orders.reject_return(shipment, seller, reason=" ")
    orders.reject_return(shipment, seller, reason="사용 흔적이 있어 반품이 어렵습니다")
    assert shipment.status is ShipmentStatus.DELIVERED
    assert shipment.return_rejection_reason == "사용 흔적이 있어 반품이 어렵습니다"
    assert refunds_for(shipment) == []


def test_approving_the_same_return_at_once_refunds_once(app, delivered):
    buyer, seller, shipment, rack = delivered
    orders.request_return(shipment, buyer, reason="defective", detail="")
    shipment_id, seller_id = shipment.id, seller.id

    def approve(_):
        return payments.approve_return(db.session.get(Shipment, shipment_id), db.session.get(User, seller_id))

    results = race(app, 4, approve)
    assert sum(isinstance(r, str) for r in results) == 1, results
    assert all(isinstance(r, (str, orders.OrderError)) for r in results), results
    db.session.expire_all()
    assert len(refunds_for(db.session.get(Shipment, shipment_id))) == 1
    assert db.session.get(Variant, rack.id).stock == 4
