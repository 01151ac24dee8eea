"""Payments and refunds. An order is paid only when the provider says so for the exact amount; every
path (webhook, success page, test mode) goes through `_apply_paid`, and every refund is recorded under
a unique purpose before the provider is asked, so nothing is paid or refunded twice."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from shop.accounts.models import User
from shop.core.rows import insert_loaded
from shop.core.transactions import commit_keeping_loaded, write_transaction
from shop.extensions import db
from shop.models_base import as_utc, utcnow
from shop.notifications import order_mail
from shop.orders import services as orders
from shop.orders.models import Order, OrderEvent, OrderStatus, PaymentMethod, Shipment
from shop.payments import gateway
from shop.payments.gateway import GatewayError, stripe_enabled
from shop.payments.models import (
    Payment,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundStatus,
    WebhookEvent,
)


class PaymentError(Exception):
    """A payment rule refused the request; the message is for the user."""


@dataclass
class Outcome:
    """What a unit of work decided, and what to do once it is committed (mail, provider calls)."""

    message: str
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def finish(self) -> str:
        for action in self.after_commit:
            action()
        return self.message


def payment_for(order: Order) -> Payment | None:
    return db.session.scalar(sa.select(Payment).where(Payment.order_id == order.id))


# --- starting a payment ----------------------------------------------------------------------------


def _new_payment(order: Order) -> Payment:
    """The order's payment, inserted now (a second one for the order fails here, on its unique constraint)."""
    provider = PaymentProvider.STRIPE if stripe_enabled() else PaymentProvider.TEST
    [payment] = insert_loaded(Payment, [{"order_id": order.id, "provider": provider, "amount_krw": order.total_krw,
                                         "currency": "krw"}])
    set_committed_value(payment, "order", order)
    return payment


def place_card_order(buyer: User, quantities: list[tuple[int, int]] | None, delivery: orders.Delivery,
                     idempotency_key: str, *, today: date,
                     with_order: Callable[[Order], None] | None = None) -> tuple[Order, Payment | None]:
    """orders.place_order paid by card, with the order's Payment written in the same transaction.
    The payment is None when the key names an order placed before: start_payment finds its own."""
    opened: list[Payment] = []

    def open_payment(order: Order) -> None:
        opened.append(_new_payment(order))
        if with_order is not None:
            with_order(order)

    order = orders.place_order(buyer, quantities, delivery, idempotency_key, today=today,
                               payment_method=PaymentMethod.CARD, with_order=open_payment)
    # A payment opened in a transaction that rolled back (the key had placed an order already) is not it.
    payment = opened[-1] if opened and opened[-1].order_id == order.id else None
    return order, payment


def start_payment(order: Order, *, success_url: str, cancel_url: str, payment: Payment | None = None) -> Payment:
    """The order's one Payment: a Stripe Checkout Session when keys are configured, else test mode.
    `payment`: the order's payment when the caller has it (just placed), saving the lookup."""
    orders.expire_if_overdue(order)
    if order.status is not OrderStatus.PENDING_PAYMENT:
        raise PaymentError(f"결제할 수 없는 주문입니다 (현재 상태: {order.status.label}).")
    payment = payment or payment_for(order)
    if payment is None:
        try:
            payment = _new_payment(order)
            commit_keeping_loaded()  # the buyer is sent on with the order's number: no need to reload it
        except IntegrityError:  # a second tab started the same payment first
            db.session.rollback()
            payment = payment_for(order)
    if payment.provider is PaymentProvider.STRIPE and not payment.checkout_url:
        expires_at = gateway.session_expiry(current_app.config["ORDER_PAYMENT_MINUTES"])
        session = gateway.create_checkout_session(order, success_url=success_url, cancel_url=cancel_url,
                                                  expires_at=expires_at)
        payment.checkout_session_id = session["id"]
        payment.checkout_url = session["url"]
        # The order lives as long as its session, so a buyer paying at minute 30 is not refused.
        order.expires_at = max(as_utc(order.expires_at), expires_at)
        db.session.commit()
    return payment


# --- the one way to "paid" -------------------------------------------------------------------------


def _note(order: Order, text: str) -> None:
    db.session.add(OrderEvent(order_id=order.id, from_status=None, to_status=order.status.value,
                              actor_label="결제사", note=text[:300]))


def _apply_paid(payment: Payment, *, amount: int | None, currency: str | None, payment_intent_id: str | None,
                source: str) -> Outcome:
    """Inside the caller's transaction: mark the payment and its order paid, once, for the exact amount.
    A payment for an order that expired meanwhile is refunded in full."""
    db.session.refresh(payment)
    order = db.session.get(Order, payment.order_id)
    if payment.status is PaymentStatus.PAID:
        return Outcome("이미 결제가 완료된 주문입니다.")
    if amount != payment.amount_krw or (currency or "").lower() != "krw":
        _note(order, f"결제 금액 불일치로 결제를 인정하지 않음 (주문 {payment.amount_krw:,}원, 받은 금액 {amount} {currency})")
        outcome = Outcome("결제 금액이 주문 금액과 달라 결제를 인정하지 않았습니다.")
        if payment_intent_id and isinstance(amount, int) and amount > 0:
            outcome.after_commit += _refund_unmatched(payment, payment_intent_id, amount, "금액 불일치 결제 환불")
        return outcome
    moved = db.session.execute(
        sa.update(Payment).where(Payment.id == payment.id, Payment.status.in_([PaymentStatus.PENDING, PaymentStatus.EXPIRED]))
        .values(status=PaymentStatus.PAID, paid_at=utcnow(), payment_intent_id=payment_intent_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        return Outcome("이미 결제가 완료된 주문입니다.")
    if orders.mark_paid(order.id, note=f"{payment.provider.label} 결제 확인 ({source})"):
        number = order.number
        return Outcome("결제가 완료되었습니다.", [lambda: order_mail.paid(number)])
    # The order expired or was cancelled before the money arrived: give it back at once.
    _note(order, "주문이 이미 취소·만료된 뒤 결제되어 전액 환불합니다.")
    refund = _record_refund(payment, amount=amount, purpose=f"late:{payment.id}", reason="만료된 주문의 결제 환불")
    return Outcome("주문이 만료되어 결제 금액을 환불합니다.", [lambda: issue_refund(refund.id)])


def _refund_unmatched(payment: Payment, payment_intent_id: str, amount: int, reason: str) -> list[Callable]:
    """Money taken for the wrong amount goes back; the order itself stays unpaid."""
    def refund() -> None:
        try:
            gateway.create_refund(payment_intent_id, amount, idempotency_key=f"mismatch-{payment_intent_id}",
                                  reason=reason)
        except GatewayError:
            current_app.logger.error("금액 불일치 결제 %s 환불 실패: 수동 확인 필요", payment_intent_id)
    return [refund] if stripe_enabled() else []


def apply_checkout_session(session: dict, *, source: str) -> str:
    """The success page and the webhook both land here with what Stripe says about a session."""
    payment = db.session.scalar(sa.select(Payment).where(Payment.checkout_session_id == session.get("id")))
    if payment is None:
        return "알 수 없는 결제 세션입니다."
    if session.get("status") != "complete" or session.get("payment_status") != "paid":
        return "결제가 아직 완료되지 않았습니다."
    with write_transaction():
        outcome = _apply_paid(payment, amount=session.get("amount_total"), currency=session.get("currency"),
                              payment_intent_id=session.get("payment_intent"), source=source)
    return outcome.finish()


def confirm_from_success_page(order: Order, session_id: str | None) -> None:
    """Ask Stripe directly (never trust the redirect); races the webhook harmlessly."""
    payment = payment_for(order)
    if payment is None or payment.provider is not PaymentProvider.STRIPE or payment.status is PaymentStatus.PAID:
        return
    if session_id and session_id != payment.checkout_session_id:
        return
    session = gateway.retrieve_checkout_session(payment.checkout_session_id)
    apply_checkout_session(session, source="결제 완료 페이지")


def pay_in_test_mode(order: Order, buyer: User) -> str:
    """The demo's 테스트 결제: the same state change as a real payment; refused when Stripe is configured."""
    if stripe_enabled():
        raise PaymentError("실제 결제가 설정되어 있어 테스트 결제를 사용할 수 없습니다.")
    if order.buyer_id != buyer.id:
        raise PaymentError("본인의 주문만 결제할 수 있습니다.")
    payment = start_payment(order, success_url="", cancel_url="")
    with write_transaction():
        outcome = _apply_paid(payment, amount=order.total_krw, currency="krw",
                              payment_intent_id=f"test_pi_{secrets.token_hex(8)}", source="테스트 결제")
    return outcome.finish()


def _release(payment: Payment, status: PaymentStatus, note: str) -> Outcome:
    """Inside the caller's transaction: a session expired or its payment failed; the order lets go of stock."""
    db.session.execute(
        sa.update(Payment).where(Payment.id == payment.id, Payment.status == PaymentStatus.PENDING)
        .values(status=status).execution_options(synchronize_session=False)
    )
    released = orders.release_unpaid(payment.order_id, OrderStatus.EXPIRED, actor=None, actor_label="결제사", note=note)
    return Outcome("주문을 취소하고 재고를 돌려놓았습니다." if released else "처리할 것이 없습니다.")


# --- cancelling and returning ----------------------------------------------------------------------


def cancel_order(order: Order, buyer: User) -> str:
    """The buyer cancels: before payment nothing is charged; after, a full refund, stock back."""
    if order.buyer_id != buyer.id:
        raise PaymentError("본인의 주문만 취소할 수 있습니다.")
    if order.payment_method is PaymentMethod.INVOICE:
        raise orders.OrderError("후불(세금계산서) 주문은 기관 구매 화면의 주문 상세에서 취소해 주세요.")
    orders.expire_if_overdue(order)
    if not orders.cancellable(order):
        raise orders.OrderError(f"취소할 수 없는 주문입니다 (현재 상태: {order.status.label}).")
    number = order.number
    with write_transaction():
        payment = payment_for(order)
        if orders.release_unpaid(order.id, OrderStatus.CANCELLED, actor=buyer, actor_label=orders.BUYER,
                                 note="구매자 주문 취소"):
            if payment is not None:
                db.session.execute(
                    sa.update(Payment).where(Payment.id == payment.id, Payment.status == PaymentStatus.PENDING)
                    .values(status=PaymentStatus.EXPIRED).execution_options(synchronize_session=False)
                )
            session_id = payment.checkout_session_id if payment else None
            after = [lambda: order_mail.cancelled(number)]
            if session_id:
                after.insert(0, lambda: gateway.expire_checkout_session(session_id))
            outcome = Outcome("주문을 취소했습니다.", after)
        elif orders.cancel_paid_order(order.id, actor=buyer, actor_label=orders.BUYER):
            refund = _record_refund(payment, amount=payment.amount_krw - payment.refunded_krw,
                                    purpose=f"cancel:{order.id}", reason="구매자 주문 취소")
            outcome = Outcome("주문을 취소했습니다. 결제 금액은 카드사를 통해 환불됩니다.",
                              [lambda: order_mail.cancelled(number), lambda: issue_refund(refund.id)])
        else:
            raise orders.OrderError("방금 주문 상태가 바뀌었습니다. 새로고침 후 다시 확인해 주세요.")
    return outcome.finish()


def approve_return(shipment: Shipment, actor: User) -> str:
    """The enterprise accepts a return: stock back and a refund of that shipment (less the return fee
    for a change of mind), in one transaction."""
    with write_transaction():
        db.session.refresh(shipment)
        orders.accept_return(shipment, actor)
        payment = payment_for(shipment.order)
        amount = min(orders.return_refund_amount(shipment), payment.amount_krw - payment.refunded_krw)
        refund = _record_refund(payment, amount=amount, purpose=f"return:{shipment.id}",
                                reason=f"반품 승인 ({shipment.return_reason.label})", shipment_id=shipment.id)
    return Outcome("반품을 승인하고 환불을 요청했습니다.", [lambda: issue_refund(refund.id)]).finish()


def _record_refund(payment: Payment, *, amount: int, purpose: str, reason: str, shipment_id: int | None = None) -> Refund:
    """Inside the caller's transaction. The unique purpose key makes a second refund for the same
    cancellation or return fail the whole transaction instead of paying twice."""
    refund = Refund(payment_id=payment.id, amount_krw=amount, purpose_key=purpose, reason=reason,
                    shipment_id=shipment_id, status=RefundStatus.REQUESTED)
    db.session.add(refund)
    db.session.flush()
    return refund


def issue_refund(refund_id: int) -> Refund:
    """Ask the provider for a recorded refund. Safe to repeat: Stripe's idempotency key is the purpose."""
    refund = db.session.get(Refund, refund_id)
    if refund.status is not RefundStatus.REQUESTED:
        return refund
    payment = refund.payment
    if payment.provider is PaymentProvider.TEST:
        provider_id, status = f"test_re_{refund.id}", RefundStatus.SUCCEEDED
    else:
        try:
            answer = gateway.create_refund(payment.payment_intent_id, refund.amount_krw,
                                           idempotency_key=refund.purpose_key, reason=refund.reason)
        except GatewayError:
            return refund  # stays REQUESTED; `flask retry-refunds` asks again with the same key
        provider_id, status = answer["id"], _refund_status(answer.get("status"))
    with write_transaction():
        recorded = db.session.execute(
            sa.update(Refund).where(Refund.id == refund_id, Refund.status == RefundStatus.REQUESTED)
            .values(provider_refund_id=provider_id, status=status).execution_options(synchronize_session=False)
        ).rowcount
    db.session.refresh(refund)
    if recorded and refund.status is RefundStatus.SUCCEEDED:  # else the webhook got here first and mailed
        order_mail.refunded(refund.id)
    return refund


def retry_requested_refunds() -> int:
    ids = db.session.scalars(sa.select(Refund.id).where(Refund.status == RefundStatus.REQUESTED)).all()
    return sum(issue_refund(refund_id).status is not RefundStatus.REQUESTED for refund_id in ids)


def _refund_status(value: str | None) -> RefundStatus:
    return {
        "succeeded": RefundStatus.SUCCEEDED, "pending": RefundStatus.PENDING,
        "requires_action": RefundStatus.PENDING, "failed": RefundStatus.FAILED, "canceled": RefundStatus.FAILED,
    }.get(value or "", RefundStatus.PENDING)


def _apply_refund_object(obj: dict) -> Outcome:
    """Inside the caller's transaction: bring our record of a Stripe refund to Stripe's state."""
    refund = db.session.scalar(sa.select(Refund).where(Refund.provider_refund_id == obj.get("id")))
    purpose = (obj.get("metadata") or {}).get("purpose")
    if refund is None and purpose:
        # Stripe may announce our own refund before issue_refund has stored its id.
        refund = db.session.scalar(sa.select(Refund).where(Refund.purpose_key == purpose))
        if refund is not None:
            refund.provider_refund_id = obj.get("id")
    if refund is None:
        payment = db.session.scalar(sa.select(Payment).where(Payment.payment_intent_id == obj.get("payment_intent")))
        if payment is None or not isinstance(obj.get("amount"), int):
            return Outcome("알 수 없는 환불입니다.")
        # Refunded outside the mall (Stripe dashboard): keep the books equal to Stripe's.
        refund = Refund(payment_id=payment.id, amount_krw=obj["amount"], purpose_key=f"stripe:{obj['id']}",
                        reason="결제사에서 직접 환불", provider_refund_id=obj["id"])
        db.session.add(refund)
    new_status = _refund_status(obj.get("status"))
    was_succeeded = refund.status is RefundStatus.SUCCEEDED
    refund.status = new_status
    db.session.flush()
    refund_id = refund.id
    if new_status is RefundStatus.SUCCEEDED and not was_succeeded:
        return Outcome("환불 상태를 반영했습니다.", [lambda: order_mail.refunded(refund_id)])
    return Outcome("환불 상태를 반영했습니다.")


# --- webhooks --------------------------------------------------------------------------------------


def handle_stripe_webhook(payload: bytes, signature: str | None) -> str:
    """Verify, store the event id once and apply it, all in one transaction. Raises ValueError for a bad
    signature (the view answers 400). Unknown types are stored and change nothing."""
    event = gateway.verify_webhook(payload, signature)
    try:
        with write_transaction():
            db.session.add(WebhookEvent(provider=PaymentProvider.STRIPE, event_id=str(event.get("id")),
                                        event_type=str(event.get("type"))[:100]))
            db.session.flush()
            outcome = _dispatch(event)
    except IntegrityError:
        return "이미 처리한 이벤트입니다."
    return outcome.finish()


def _dispatch(event: dict) -> Outcome:
    kind, obj = event.get("type"), event["data"].get("object") or {}
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        payment = db.session.scalar(sa.select(Payment).where(Payment.checkout_session_id == obj.get("id")))
        if payment is None or obj.get("payment_status") != "paid":
            return Outcome("결제 대기 중인 세션입니다.")
        return _apply_paid(payment, amount=obj.get("amount_total"), currency=obj.get("currency"),
                           payment_intent_id=obj.get("payment_intent"), source="Stripe 웹훅")
    if kind in ("checkout.session.expired", "checkout.session.async_payment_failed"):
        payment = db.session.scalar(sa.select(Payment).where(Payment.checkout_session_id == obj.get("id")))
        if payment is None:
            return Outcome("알 수 없는 결제 세션입니다.")
        expired = kind == "checkout.session.expired"
        return _release(payment, PaymentStatus.EXPIRED if expired else PaymentStatus.FAILED,
                        "결제 세션이 만료되었습니다." if expired else "결제가 실패했습니다.")
    if kind in ("refund.created", "refund.updated", "refund.failed"):
        return _apply_refund_object(obj)
    if kind == "charge.refunded":
        outcome = Outcome("환불 상태를 반영했습니다.")
        for refund_obj in (obj.get("refunds") or {}).get("data") or []:
            outcome.after_commit += _apply_refund_object(refund_obj).after_commit
        return outcome
    return Outcome("처리하지 않는 이벤트입니다.")
