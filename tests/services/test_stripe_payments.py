"""The Stripe path end to end: the app's real stripe SDK talks HTTP to a local Stripe-compatible server
(tests/stripe_server.py), which signs and posts webhooks to the app served on a local port."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
import stripe

from shop.accounts.models import Role, User
from shop.catalog.models import Variant
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.payments import services as payments
from shop.payments.models import Payment, PaymentStatus, Refund, RefundStatus, WebhookEvent
from tests.services.order_helpers import SEOUL, TODAY, new_key, race
from tests.stripe_server import StripeServer

SECRET = "whsec_test_hamkke"


@pytest.fixture
def stripe_server(app, live_server, monkeypatch):
    with StripeServer(webhook_secret=SECRET, webhook_timing="before_response") as server:
        server.webhook_url = f"{live_server}/payments/stripe/webhook"
        monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_hamkke")
        monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", SECRET)
        monkeypatch.setitem(app.config, "STRIPE_API_BASE", server.base_url)
        yield server


@pytest.fixture
def placed(make_user, make_enterprise, make_product):
    buyer = make_user(Role.CONSUMER)
    shop = make_enterprise(name="우리동네 도시락 마을기업", shipping_base_fee_krw=3500, free_shipping_threshold_krw=None)
    lunch = make_product(enterprise=shop, name="제철 도시락", variants=[("한식", 8500, 10)]).variants[0]
    tea = make_product(name="보리차 티백", variants=[("30개입", 6000, 10)]).variants[0]
    order = orders.place_order(buyer, [(lunch.id, 2), (tea.id, 1)], SEOUL, new_key(), today=TODAY)
    return buyer, order, lunch


def start(order: Order) -> Payment:
    return payments.start_payment(order, success_url="http://127.0.0.1/payments/stripe/success?number=x",
                                  cancel_url="http://127.0.0.1/account/orders/x")


def order_state(order_id: int) -> OrderStatus:
    db.session.expire_all()
    return db.session.get(Order, order_id).status


def test_the_checkout_session_is_in_whole_won_with_item_and_delivery_lines(stripe_server, placed):
    _, order, _ = placed
    payment = start(order)
    again = start(db.session.get(Order, order.id))
    assert again.checkout_session_id == payment.checkout_session_id
    assert len(stripe_server.sessions) == 1
    session = stripe_server.sessions[payment.checkout_session_id]
    assert (session["currency"], session["amount_total"]) == ("krw", order.total_krw)
    assert session["client_reference_id"] == order.number
    lines = stripe_server.session_line_items[payment.checkout_session_id]
    amounts = sorted((line["price"]["unit_amount"], line["quantity"]) for line in lines)
    assert amounts == sorted([(8500, 2), (6000, 1), (3500, 1), (3000, 1)])
    assert payment.checkout_url.startswith(stripe_server.base_url + "/pay/")
    creates = [r for r in stripe_server.requests if r.method == "POST" and r.path == "/v1/checkout/sessions"]
    assert creates and all(r.idempotency_key == f"checkout-{order.number}" for r in creates)


def test_a_verified_completed_webhook_pays_the_order(stripe_server, placed):
    _, order, _ = placed
    payment = start(order)
    event = stripe_server.complete_session(payment.checkout_session_id)
    assert event["_delivery_status"] == 200
    assert order_state(order.id) is OrderStatus.PAID
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status is PaymentStatus.PAID
    assert db.session.get(Payment, payment.id).payment_intent_id.startswith("pi_")


def test_the_same_webhook_many_times_at_once_and_the_success_page_pay_once(app, stripe_server, placed):
    _, order, _ = placed
    payment = start(order)
    event = stripe_server.complete_session(payment.checkout_session_id, deliver=False)
    order_id, session_id = order.id, payment.checkout_session_id

    def arrive(i: int):
        if i < 6:
            return stripe_server.deliver(event)[0]
        own = db.session.get(Order, order_id)
        return payments.confirm_from_success_page(own, session_id)

    results = race(app, 8, arrive)
    assert results[:6] == [200] * 6, results
    assert results[6:] == [None, None], results
    assert order_state(order_id) is OrderStatus.PAID
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)) == 1
    paid_events = db.session.scalar(sa.select(sa.func.count()).select_from(OrderEvent).where(
        OrderEvent.order_id == order_id, OrderEvent.shipment_id.is_(None), OrderEvent.to_status == "paid"))
    assert paid_events == 1


def test_a_forged_or_stale_signature_is_refused_and_changes_nothing(stripe_server, placed):
    _, order, _ = placed
    payment = start(order)
    event = stripe_server.complete_session(payment.checkout_session_id, deliver=False)
    assert stripe_server.deliver(event, secret="whsec_someone_else") == [400]
    assert stripe_server.deliver(event, timestamp=1_700_000_000) == [400]
    assert order_state(order.id) is OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)) == 0


def test_an_amount_that_does_not_match_does_not_pay(stripe_server, placed):
    _, order, _ = placed
    payment = start(order)
    event = stripe_server.complete_session(payment.checkout_session_id, amount_total=100)
    assert event["_delivery_status"] == 200
    assert order_state(order.id) is OrderStatus.PENDING_PAYMENT
    assert db.session.get(Payment, payment.id).status is PaymentStatus.PENDING
    assert any("금액 불일치" in e.note for e in db.session.get(Order, order.id).events)
    # The wrong amount that was taken goes back to the card.
    assert [r["amount"] for r in stripe_server.refunds.values()] == [100]


def test_unknown_event_types_answer_200_and_change_nothing(stripe_server, placed):
    _, order, _ = placed
    start(order)
    event = stripe_server.build_event("customer.created", {"id": "cus_123", "object": "customer"})
    assert stripe_server.deliver(event) == [200]
    assert order_state(order.id) is OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize("ending", ["expire_session", "fail_async_payment"])
def test_an_expired_or_failed_session_gives_the_stock_back(stripe_server, placed, ending):
    _, order, lunch = placed
    payment = start(order)
    getattr(stripe_server, ending)(payment.checkout_session_id)
    assert order_state(order.id) is OrderStatus.EXPIRED
    assert db.session.get(Variant, lunch.id).stock == 10
    stripe_server.deliver(stripe_server.events[-1])  # a redelivery gives nothing back twice
    db.session.expire_all()
    assert db.session.get(Variant, lunch.id).stock == 10


def test_cancelling_a_paid_order_refunds_through_stripe_once(stripe_server, placed):
    buyer, order, lunch = placed
    payment = start(order)
    stripe_server.complete_session(payment.checkout_session_id)
    payments.cancel_order(db.session.get(Order, order.id), db.session.get(User, buyer.id))
    assert order_state(order.id) is OrderStatus.CANCELLED
    assert db.session.get(Variant, lunch.id).stock == 10
    [refund] = db.session.scalars(sa.select(Refund)).all()
    assert (refund.amount_krw, refund.status) == (order.total_krw, RefundStatus.SUCCEEDED)
    assert refund.provider_refund_id in stripe_server.refunds
    assert len(stripe_server.refunds) == 1
    payments.issue_refund(refund.id)  # asking again changes nothing
    assert payments.retry_requested_refunds() == 0
    assert len(stripe_server.refunds) == 1


def test_a_pending_refund_is_reconciled_by_its_webhook(stripe_server, placed):
    buyer, order, _ = placed
    payment = start(order)
    stripe_server.complete_session(payment.checkout_session_id)
    stripe_server.refund_status = "pending"
    payments.cancel_order(db.session.get(Order, order.id), db.session.get(User, buyer.id))
    refund = db.session.scalar(sa.select(Refund))
    assert refund.status is RefundStatus.PENDING
    stripe_server.update_refund(refund.provider_refund_id, "succeeded")
    db.session.expire_all()
    assert db.session.get(Refund, refund.id).status is RefundStatus.SUCCEEDED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 1


def test_a_refund_made_in_the_stripe_dashboard_is_recorded(stripe_server, placed):
    _, order, _ = placed
    payment = start(order)
    stripe_server.complete_session(payment.checkout_session_id)
    client = stripe.StripeClient("sk_test_dashboard", base_addresses={"api": stripe_server.base_url})
    db.session.expire_all()
    pi = db.session.get(Payment, payment.id).payment_intent_id
    client.v1.refunds.create({"payment_intent": pi, "amount": 5000})
    db.session.expire_all()
    [refund] = db.session.scalars(sa.select(Refund)).all()
    assert (refund.amount_krw, refund.status, refund.reason) == (5000, RefundStatus.SUCCEEDED, "결제사에서 직접 환불")


def test_test_mode_is_refused_when_stripe_is_configured(stripe_server, placed):
    buyer, order, _ = placed
    with pytest.raises(payments.PaymentError, match="테스트 결제"):
        payments.pay_in_test_mode(order, buyer)
