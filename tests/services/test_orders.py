"""Placing orders, expiring and cancelling them, moving shipments: the rules, one by one."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.cart.models import Cart, CartItem
from shop.catalog.models import Product, ProductStatus, TaxType, Variant
from shop.extensions import db
from shop.models_base import utcnow
from shop.orders import services as orders
from shop.orders import stock
from shop.orders.models import Order, OrderEvent, OrderStatus, ShipmentStatus
from shop.payments import services as payments
from shop.payments.models import Payment, PaymentProvider, PaymentStatus
from tests.services.order_helpers import JEJU, SEOUL, TODAY, new_key


@pytest.fixture
def buyer(make_user):
    return make_user(Role.CONSUMER, name="이구매")


@pytest.fixture
def two_enterprises(make_enterprise, make_product):
    coffee_co = make_enterprise(name="성수 공정커피 협동조합", shipping_base_fee_krw=3000,
                                free_shipping_threshold_krw=30000, shipping_island_fee_krw=4000)
    rice_co = make_enterprise(name="늘봄농부 사회적협동조합", shipping_base_fee_krw=2500,
                              free_shipping_threshold_krw=None, shipping_island_fee_krw=3000)
    coffee = make_product(enterprise=coffee_co, name="공정무역 원두 500g", variants=[("홀빈", 15000, 5)])
    rice = make_product(enterprise=rice_co, name="유기농 현미 4kg", tax_type=TaxType.EXEMPT,
                        variants=[("4kg", 19000, 3)])
    return coffee.variants[0], rice.variants[0]


def stock_of(variant_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Variant, variant_id).stock


def test_an_order_from_two_enterprises_has_two_shipments_frozen_prices_and_takes_stock(buyer, two_enterprises, outbox):
    bean, rice = two_enterprises
    order = orders.place_order(buyer, [(bean.id, 2), (rice.id, 1)], SEOUL, new_key(), today=TODAY)

    assert order.status is OrderStatus.PENDING_PAYMENT
    assert len(order.number) == 15 and order.number[8] == "-"
    by_enterprise = {s.enterprise.name: s for s in order.shipments}
    assert by_enterprise["성수 공정커피 협동조합"].items_total_krw == 30000
    assert by_enterprise["성수 공정커피 협동조합"].shipping_fee_krw == 0  # reached the free threshold
    assert by_enterprise["늘봄농부 사회적협동조합"].shipping_fee_krw == 2500
    assert order.items_total_krw == 49000 and order.shipping_total_krw == 2500 and order.total_krw == 51500
    # VAT on the taxable coffee and on delivery; the rice is tax-exempt.
    assert order.vat_krw == (30000 + 2500) * 10 // 110 + (1 if ((30000 + 2500) * 10) % 110 >= 55 else 0)
    assert stock_of(bean.id) == 3 and stock_of(rice.id) == 2
    assert [e.to_status for e in order.events] == ["pending_payment"]
    assert outbox and "접수" in outbox[-1]["Subject"]

    bean.price_krw = 99000  # a later price change does not touch the order
    db.session.commit()
    db.session.expire_all()
    item = next(i for i in db.session.get(Order, order.id).items if i.variant_id == bean.id)
    assert (item.unit_price_krw, item.line_total_krw, item.product_name) == (15000, 30000, "공정무역 원두 500g")


def test_jeju_delivery_adds_each_enterprise_island_fee(buyer, two_enterprises):
    bean, rice = two_enterprises
    order = orders.place_order(buyer, [(bean.id, 2), (rice.id, 1)], JEJU, new_key(), today=TODAY)
    fees = sorted(s.shipping_fee_krw for s in order.shipments)
    assert fees == [4000, 2500 + 3000]  # free delivery still pays the island surcharge


def test_exhibition_and_bulk_prices_are_frozen_into_the_order(buyer, make_product, make_exhibition):
    pens = make_product(name="재생 플라스틱 볼펜", variants=[("검정", 1000, 500)], tiers={0: [(100, 800)]})
    variant = pens.variants[0]
    make_exhibition(products=[pens], special_prices={variant: 900},
                    starts_on=TODAY - timedelta(days=1), ends_on=TODAY + timedelta(days=3))
    small = orders.place_order(buyer, [(variant.id, 10)], SEOUL, new_key(), today=TODAY)
    bulk = orders.place_order(buyer, [(variant.id, 100)], SEOUL, new_key(), today=TODAY)
    assert small.items[0].unit_price_krw == 900 and small.items[0].regular_price_krw == 1000
    assert bulk.items[0].unit_price_krw == 800 and bulk.items_total_krw == 80000


def test_the_same_idempotency_key_gives_the_same_single_order(buyer, two_enterprises):
    bean, _ = two_enterprises
    key = new_key()
    first = orders.place_order(buyer, [(bean.id, 1)], SEOUL, key, today=TODAY)
    second = orders.place_order(buyer, [(bean.id, 1)], SEOUL, key, today=TODAY)
    assert first.id == second.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1
    assert stock_of(bean.id) == 4


def test_a_repeated_submit_after_the_last_units_went_to_it_still_gets_its_order(buyer, two_enterprises):
    bean, _ = two_enterprises
    key = new_key()
    first = orders.place_order(buyer, [(bean.id, 5)], SEOUL, key, today=TODAY)
    assert stock_of(bean.id) == 0
    again = orders.place_order(buyer, [(bean.id, 5)], SEOUL, key, today=TODAY)  # not "재고가 부족합니다"
    assert again.id == first.id
    with pytest.raises(orders.OrderError, match="품절"):  # a new key is refused as before
        orders.place_order(buyer, [(bean.id, 5)], SEOUL, new_key(), today=TODAY)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1


def test_the_audit_entry_of_a_placed_order_names_the_order(buyer, two_enterprises):
    from shop.audit.models import AuditEntry

    order = orders.place_order(buyer, [(two_enterprises[0].id, 1)], SEOUL, new_key(), today=TODAY)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "order.status")).one()
    assert (entry.subject_type, entry.subject_id, entry.after) == ("order", order.id, {"status": "pending_payment"})


@pytest.mark.parametrize("quantity, message", [(6, "재고"), (0, "최소 주문 수량"), (-3, "최소 주문 수량"),
                                               (10_000_000, "까지 주문")])
def test_impossible_quantities_are_refused_and_change_nothing(buyer, two_enterprises, quantity, message):
    bean, _ = two_enterprises
    with pytest.raises(orders.OrderError, match=message):
        orders.place_order(buyer, [(bean.id, quantity)], SEOUL, new_key(), today=TODAY)
    assert stock_of(bean.id) == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_an_option_of_an_inactive_product_cannot_be_ordered(buyer, two_enterprises):
    bean, rice = two_enterprises
    db.session.get(Product, bean.product_id).status = ProductStatus.HIDDEN
    db.session.commit()
    with pytest.raises(orders.OrderError, match="판매하지 않는"):
        orders.place_order(buyer, [(rice.id, 1), (bean.id, 1)], SEOUL, new_key(), today=TODAY)
    assert stock_of(rice.id) == 3  # the other line was not taken either


@pytest.mark.parametrize("field, value, message", [
    ("recipient_phone", "02-123-4567", "휴대전화"), ("postcode", "1234", "우편번호"),
    ("address1", "  ", "주소"), ("recipient_name", "", "받는 분"),
])
def test_a_bad_delivery_address_is_refused_with_the_field(buyer, two_enterprises, field, value, message):
    bean, _ = two_enterprises
    bad = SEOUL.__class__(**{**SEOUL.__dict__, field: value})
    with pytest.raises(orders.OrderError, match=message) as refused:
        orders.place_order(buyer, [(bean.id, 1)], bad, new_key(), today=TODAY)
    assert refused.value.field == field


def test_placing_removes_the_ordered_lines_from_the_member_cart(buyer, two_enterprises):
    bean, rice = two_enterprises
    cart = Cart(token=new_key(), user_id=buyer.id)
    cart.items = [CartItem(variant_id=bean.id, quantity=1), CartItem(variant_id=rice.id, quantity=1)]
    db.session.add(cart)
    db.session.commit()
    orders.place_order(buyer, [(bean.id, 1)], SEOUL, new_key(), today=TODAY)
    left = db.session.scalars(sa.select(CartItem.variant_id).where(CartItem.cart_id == cart.id)).all()
    assert left == [rice.id]


def test_the_whole_cart_is_ordered_in_the_order_it_was_filled_and_emptied(buyer, two_enterprises, make_product):
    bean, rice = two_enterprises
    extra = make_product(enterprise=bean.product.enterprise, name="디카페인 원두", variants=[("분쇄", 17000, 4)])
    cart = Cart(token=new_key(), user_id=buyer.id)
    cart.items = [CartItem(variant_id=rice.id, quantity=2), CartItem(variant_id=bean.id, quantity=1),
                  CartItem(variant_id=extra.variants[0].id, quantity=3)]
    db.session.add(cart)
    db.session.commit()

    order = orders.place_order(buyer, orders.WHOLE_CART, SEOUL, new_key(), today=TODAY)

    assert [(i.variant_id, i.quantity) for i in order.items] == [(rice.id, 2), (bean.id, 1), (extra.variants[0].id, 3)]
    assert order.items_total_krw == 2 * 19000 + 15000 + 3 * 17000
    assert [s.enterprise.name for s in order.shipments] == ["늘봄농부 사회적협동조합", "성수 공정커피 협동조합"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CartItem)) == 0
    assert stock_of(extra.variants[0].id) == 1


def test_an_empty_cart_orders_nothing_and_a_resubmit_still_gets_its_order(buyer, two_enterprises):
    bean, _ = two_enterprises
    with pytest.raises(orders.NothingToOrder, match="주문할 상품이 없습니다"):
        orders.place_order(buyer, orders.WHOLE_CART, SEOUL, new_key(), today=TODAY)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0

    db.session.add(Cart(token=new_key(), user_id=buyer.id, items=[CartItem(variant_id=bean.id, quantity=1)]))
    db.session.commit()
    key = new_key()
    first = orders.place_order(buyer, orders.WHOLE_CART, SEOUL, key, today=TODAY)
    again = orders.place_order(buyer, orders.WHOLE_CART, SEOUL, key, today=TODAY)  # the cart is empty by now
    assert again.id == first.id
    assert stock_of(bean.id) == 4


def test_a_card_order_its_payment_and_its_cart_lines_are_written_together(buyer, two_enterprises, outbox):
    bean, rice = two_enterprises
    cart = Cart(token=new_key(), user_id=buyer.id)
    cart.items = [CartItem(variant_id=bean.id, quantity=2), CartItem(variant_id=rice.id, quantity=1)]
    db.session.add(cart)
    db.session.commit()

    def lines_left():
        return sorted(db.session.scalars(sa.select(CartItem.variant_id).where(CartItem.cart_id == cart.id)))

    def fails_last(_order):  # anything going wrong late in the unit: the address the buyer asked to keep
        raise RuntimeError("배송지 저장 실패")

    with pytest.raises(RuntimeError):
        payments.place_card_order(buyer, [(bean.id, 2)], SEOUL, new_key(), today=TODAY, with_order=fails_last)
    assert stock_of(bean.id) == 5 and lines_left() == sorted([bean.id, rice.id])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
    assert not outbox

    key = new_key()
    order, payment = payments.place_card_order(buyer, [(bean.id, 2)], SEOUL, key, today=TODAY)
    assert (payment.order_id, payment.amount_krw, payment.status) == (order.id, 30000, PaymentStatus.PENDING)
    assert payment.provider is PaymentProvider.TEST  # no Stripe keys in tests
    assert stock_of(bean.id) == 3 and lines_left() == [rice.id]
    again, no_new_payment = payments.place_card_order(buyer, [(bean.id, 2)], SEOUL, key, today=TODAY)
    assert again.id == order.id and no_new_payment is None
    assert payments.start_payment(again, success_url="", cancel_url="").id == payment.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    assert stock_of(bean.id) == 3


def test_a_placed_order_reads_its_lines_shipments_and_buyer_without_a_query(buyer, two_enterprises, count_queries):
    bean, rice = two_enterprises
    order = orders.place_order(buyer, [(bean.id, 2), (rice.id, 1)], SEOUL, new_key(), today=TODAY)
    with count_queries() as queries:
        seen = ([(i.product_name, i.quantity, i.shipment.enterprise.name) for i in order.items],
                sorted((s.enterprise.name, s.status, len(s.items), s.order is order) for s in order.shipments),
                order.buyer.email, order.status, order.expires_at is not None, order.paid_at)
    assert queries == []
    assert seen[0] == [("공정무역 원두 500g", 2, "성수 공정커피 협동조합"), ("유기농 현미 4kg", 1, "늘봄농부 사회적협동조합")]
    assert seen[1] == [("늘봄농부 사회적협동조합", ShipmentStatus.AWAITING_PAYMENT, 1, True),
                       ("성수 공정커피 협동조합", ShipmentStatus.AWAITING_PAYMENT, 1, True)]
    assert seen[2:] == (buyer.email, OrderStatus.PENDING_PAYMENT, True, None)
    db.session.expire_all()  # and the database holds the same
    again = db.session.get(Order, order.id)
    assert [(i.product_name, i.quantity) for i in again.items] == [("공정무역 원두 500g", 2), ("유기농 현미 4kg", 1)]
    assert sorted(s.shipping_fee_krw for s in again.shipments) == [0, 2500] and again.shipments[0].return_fee_krw == 0


def test_the_rows_of_an_order_that_rolled_back_leave_the_session(buyer, two_enterprises):
    bean, _ = two_enterprises
    held = []

    def fails_last(order):
        held.extend([order, *order.items, *order.shipments])
        raise RuntimeError("배송지 저장 실패")

    with pytest.raises(RuntimeError):
        orders.place_order(buyer, [(bean.id, 1)], SEOUL, new_key(), today=TODAY, with_order=fails_last)
    assert len(held) == 3 and not any(row in db.session for row in held)
    # SQLite hands the next order the same id; the session must not still hold the one that never was.
    order = orders.place_order(buyer, [(bean.id, 1)], SEOUL, new_key(), today=TODAY)
    assert db.session.get(Order, order.id) is order and stock_of(bean.id) == 4


def test_the_last_unit_sold_marks_the_product_sold_out_and_an_earlier_one_does_not(buyer, make_product):
    mug = make_product(name="백자 머그", variants=[("백자", 28000, 2), ("청자", 28000, 1)])
    white, celadon = mug.variants
    made_to_order = make_product(name="주문제작 도장", variants=[("기본", 30000, 0)]).variants[0]
    assert stock.take(white.id, 1, mug.id) == 1  # what is left
    db.session.execute(sa.update(Variant).where(Variant.id == made_to_order.id).values(track_stock=False))
    assert stock.take(made_to_order.id, 5, made_to_order.product_id) is None  # untracked: nothing counted
    with pytest.raises(stock.OutOfStock):
        stock.take(celadon.id, 2, mug.id)
    db.session.rollback()  # none of these takes stays

    orders.place_order(buyer, [(white.id, 2)], SEOUL, new_key(), today=TODAY)
    db.session.expire_all()
    assert db.session.get(Product, mug.id).in_stock is True  # the other option still has one
    orders.place_order(buyer, [(celadon.id, 1)], SEOUL, new_key(), today=TODAY)
    db.session.expire_all()
    assert db.session.get(Product, mug.id).in_stock is False


def test_an_unpaid_order_expires_and_gives_stock_back_exactly_once(app, buyer, two_enterprises):
    bean, _ = two_enterprises
    order = orders.place_order(buyer, [(bean.id, 2)], SEOUL, new_key(), today=TODAY)
    assert orders.expire_overdue_orders(utcnow()) == []  # not due yet
    later = utcnow() + timedelta(minutes=app.config["ORDER_PAYMENT_MINUTES"] + 1)
    assert orders.expire_overdue_orders(later) == [order.number]
    assert orders.expire_overdue_orders(later) == []
    orders.expire_if_overdue(db.session.get(Order, order.id), later)
    assert stock_of(bean.id) == 5
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status is OrderStatus.EXPIRED
    assert {s.status for s in order.shipments} == {ShipmentStatus.CANCELLED}


def test_the_expire_orders_command(app, runner, buyer, two_enterprises):
    bean, _ = two_enterprises
    order = orders.place_order(buyer, [(bean.id, 1)], SEOUL, new_key(), today=TODAY)
    order.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = runner.invoke(args=["expire-orders"])
    assert result.exit_code == 0 and order.number in result.output
    assert stock_of(bean.id) == 5


def test_the_buyer_cancels_an_unpaid_order_and_stock_returns(buyer, two_enterprises, outbox):
    bean, _ = two_enterprises
    order = orders.place_order(buyer, [(bean.id, 2)], SEOUL, new_key(), today=TODAY)
    payments.cancel_order(order, buyer)
    assert stock_of(bean.id) == 5
    with pytest.raises(orders.OrderError, match="취소할 수 없는"):
        payments.cancel_order(db.session.get(Order, order.id), buyer)
    assert stock_of(bean.id) == 5
    assert "취소" in outbox[-1]["Subject"]


def test_someone_else_cannot_cancel_or_see_the_order(buyer, make_user, two_enterprises):
    bean, _ = two_enterprises
    stranger = make_user(Role.CONSUMER)
    order = orders.place_order(buyer, [(bean.id, 1)], SEOUL, new_key(), today=TODAY)
    assert orders.buyer_order(stranger, order.number) is None
    with pytest.raises(payments.PaymentError):
        payments.cancel_order(order, stranger)


def paid_order(buyer, variant_ids_qty):
    order = orders.place_order(buyer, variant_ids_qty, SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(order, buyer)
    db.session.expire_all()
    return db.session.get(Order, order.id)


def test_shipment_moves_only_along_the_table_and_records_who_and_when(buyer, two_enterprises, make_user, outbox):
    bean, _ = two_enterprises
    order = paid_order(buyer, [(bean.id, 1)])
    shipment = order.shipments[0]
    seller = make_user(Role.ENTERPRISE, enterprise=shipment.enterprise)
    other_seller = make_user(Role.ENTERPRISE, enterprise_id=None)

    with pytest.raises(orders.OrderError, match="바꿀 수 없습니다"):
        orders.mark_delivered(shipment, seller)  # paid → delivered skips shipping
    with pytest.raises(orders.OrderError, match="권한"):
        orders.start_preparing(shipment, other_seller)
    orders.start_preparing(shipment, seller)
    with pytest.raises(orders.OrderError, match="송장번호"):
        orders.ship(shipment, seller, courier="cj", tracking_number="12")
    with pytest.raises(orders.OrderError, match="택배사"):
        orders.ship(shipment, seller, courier="fedex-mars", tracking_number="123456789012")
    orders.ship(shipment, seller, courier="cj", tracking_number="6123-4567-8901")
    assert (shipment.status, shipment.courier, shipment.tracking_number) == (ShipmentStatus.SHIPPED, "cj", "612345678901")
    assert "발송" in outbox[-1]["Subject"] and "612345678901" in outbox[-1].get_content()
    orders.mark_delivered(shipment, seller)
    orders.confirm_purchase(shipment, buyer)
    assert shipment.status is ShipmentStatus.CONFIRMED and shipment.confirmed_at is not None

    events = db.session.scalars(sa.select(OrderEvent).where(OrderEvent.shipment_id == shipment.id)
                                .order_by(OrderEvent.id)).all()
    assert [e.to_status for e in events] == ["paid", "preparing", "shipped", "delivered", "confirmed"]
    assert [e.actor_label for e in events[1:]] == ["입점기업", "입점기업", "입점기업", "구매자"]
    assert all(e.created_at is not None for e in events)


def test_purchase_confirms_itself_seven_days_after_delivery(app, buyer, two_enterprises, make_user):
    bean, _ = two_enterprises
    shipment = paid_order(buyer, [(bean.id, 1)]).shipments[0]
    staff = make_user(Role.ADMIN)
    orders.start_preparing(shipment, staff)
    orders.ship(shipment, staff, courier="epost", tracking_number="6865012345678")
    orders.mark_delivered(shipment, staff)
    assert orders.auto_confirm_deliveries(utcnow() + timedelta(days=6)) == 0
    assert orders.auto_confirm_deliveries(utcnow() + timedelta(days=7, minutes=1)) == 1
    db.session.refresh(shipment)
    assert shipment.status is ShipmentStatus.CONFIRMED


def test_stock_held_by_an_abandoned_order_is_freed_when_someone_else_needs_it(buyer, make_user, two_enterprises):
    bean, _ = two_enterprises
    abandoned = orders.place_order(buyer, [(bean.id, 5)], SEOUL, new_key(), today=TODAY)
    latecomer = make_user(Role.CONSUMER)
    with pytest.raises(orders.OrderError, match="품절"):
        orders.place_order(latecomer, [(bean.id, 1)], SEOUL, new_key(), today=TODAY)
    abandoned.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    order = orders.place_order(latecomer, [(bean.id, 1)], SEOUL, new_key(), today=TODAY)
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert db.session.get(Order, abandoned.id).status is OrderStatus.EXPIRED
    assert stock_of(bean.id) == 4


def test_a_checkout_short_of_stock_expires_only_the_overdue_orders_holding_what_it_needs(
        buyer, make_user, two_enterprises):
    bean, rice = two_enterprises
    holding_bean = orders.place_order(buyer, [(bean.id, 5)], SEOUL, new_key(), today=TODAY)
    holding_rice = orders.place_order(buyer, [(rice.id, 1)], SEOUL, new_key(), today=TODAY)
    for abandoned in (holding_bean, holding_rice):
        abandoned.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    orders.place_order(make_user(Role.CONSUMER), [(bean.id, 2)], SEOUL, new_key(), today=TODAY)

    db.session.expire_all()
    assert db.session.get(Order, holding_bean.id).status is OrderStatus.EXPIRED
    assert db.session.get(Order, holding_rice.id).status is OrderStatus.PENDING_PAYMENT  # the periodic job's
    assert (stock_of(bean.id), stock_of(rice.id)) == (3, 2)
    assert orders.expire_overdue_orders() == [holding_rice.number]
    assert stock_of(rice.id) == 3


def test_the_buyer_is_mailed_when_paid_and_when_refunded(buyer, two_enterprises, outbox):
    bean, _ = two_enterprises
    order = paid_order(buyer, [(bean.id, 1)])
    assert "결제 완료" in outbox[-1]["Subject"] and outbox[-1]["To"] == buyer.email
    payments.cancel_order(order, buyer)
    subjects = [m["Subject"] for m in outbox]
    assert any("취소" in s for s in subjects)
    assert "환불 완료" in subjects[-1] and "18,000원" in outbox[-1].get_content()
