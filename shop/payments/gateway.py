"""The Stripe calls the mall makes, through the official SDK. STRIPE_API_BASE points it at a
Stripe-compatible server (tests start one; stripe-mock works too)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import stripe
from flask import current_app

from shop.orders.models import Order


class GatewayError(Exception):
    """Stripe refused or could not be reached; the message is for the user."""


def stripe_enabled() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def _client() -> stripe.StripeClient:
    config = current_app.config
    base = config.get("STRIPE_API_BASE") or None
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        base_addresses={"api": base} if base else None,
        max_network_retries=2,  # retried with the same idempotency key, so never twice
    )


def _call(action, *args, **kwargs):
    try:
        return action(*args, **kwargs)
    except stripe.StripeError as exc:
        current_app.logger.warning("Stripe 요청 실패: %s", exc)
        raise GatewayError("결제사와 통신하지 못했습니다. 잠시 후 다시 시도해 주세요.") from exc


def create_checkout_session(order: Order, *, success_url: str, cancel_url: str, expires_at: datetime) -> dict:
    """A KRW Checkout Session: one line per item plus one per paid delivery; amounts are whole won."""
    line_items = [
        {
            "quantity": item.quantity,
            "price_data": {
                "currency": "krw",
                "unit_amount": item.unit_price_krw,
                "product_data": {"name": f"{item.product_name} ({item.option_name})"[:250]},
            },
        }
        for item in order.items
    ]
    for shipment in order.shipments:
        if shipment.shipping_fee_krw:
            line_items.append({
                "quantity": 1,
                "price_data": {
                    "currency": "krw",
                    "unit_amount": shipment.shipping_fee_krw,
                    "product_data": {"name": f"배송비 — {shipment.enterprise.name}"[:250]},
                },
            })
    params = {
        "mode": "payment",
        "line_items": line_items,
        "client_reference_id": order.number,
        "metadata": {"order_number": order.number},
        "customer_email": order.buyer.email,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": int(expires_at.timestamp()),
    }
    session = _call(_client().v1.checkout.sessions.create, params,
                    {"idempotency_key": f"checkout-{order.number}"})
    return session.to_dict()


def retrieve_checkout_session(session_id: str) -> dict:
    return _call(_client().v1.checkout.sessions.retrieve, session_id).to_dict()


def expire_checkout_session(session_id: str) -> None:
    """Best effort: a session that already completed or expired is left as it is."""
    try:
        _client().v1.checkout.sessions.expire(session_id)
    except stripe.StripeError as exc:
        current_app.logger.info("Checkout Session %s 만료 요청 거절: %s", session_id, exc)


def create_refund(payment_intent_id: str, amount_krw: int, *, idempotency_key: str, reason: str) -> dict:
    params = {
        "payment_intent": payment_intent_id,
        "amount": amount_krw,
        "metadata": {"purpose": idempotency_key, "reason": reason[:450]},
    }
    return _call(_client().v1.refunds.create, params, {"idempotency_key": f"refund-{idempotency_key}"}).to_dict()


def verify_webhook(payload: bytes, signature: str | None) -> dict:
    """The event, if the signature over the raw body is Stripe's and recent; else ValueError."""
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature or "", current_app.config["STRIPE_WEBHOOK_SECRET"],
                                              tolerance=stripe.Webhook.DEFAULT_TOLERANCE)
        event = json.loads(text)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("웹훅 서명을 확인할 수 없습니다.") from exc
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        raise ValueError("웹훅 형식이 올바르지 않습니다.")
    return event


def session_expiry(minimum_minutes: int) -> datetime:
    """Stripe accepts 30 minutes to 24 hours; a minute of slack keeps a 30-minute order valid."""
    return datetime.now(timezone.utc) + timedelta(minutes=max(minimum_minutes, 30) + 1)
