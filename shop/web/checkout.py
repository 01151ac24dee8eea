"""Checkout and payment: the order form, the redirect to Stripe Checkout (or the demo's 테스트 결제),
the success page and Stripe's webhook."""
from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from shop.cart.basket import price_member_cart
from shop.core.korea import kst_today
from shop.extensions import csrf
from shop.orders import addresses
from shop.orders import services as orders
from shop.orders.forms import CheckoutForm
from shop.orders.models import Order
from shop.orders.services import Delivery, NothingToOrder, OrderError
from shop.payments import services as payments
from shop.payments.gateway import GatewayError, stripe_enabled
from shop.payments.models import Payment, PaymentProvider
from shop.web.guards import institution_is_open

bp = Blueprint("checkout", __name__)


def _own_order(number: str) -> Order:
    order = orders.buyer_order(current_user, number)
    if order is None:
        abort(404)
    return order


def _fill_from_saved(form: CheckoutForm, saved) -> None:
    form.saved_address.choices = [SelectChoice("", "직접 입력")] + [
        SelectChoice(str(a.id), f"{a.label} — ({a.postcode}) {a.address1} {a.address2}".strip()) for a in saved
    ]
    if request.method == "GET" and saved:
        default = saved[0]
        form.saved_address.data = str(default.id)
        form.recipient_name.data, form.recipient_phone.data = default.recipient_name, default.recipient_phone
        form.postcode.data, form.address1.data, form.address2.data = default.postcode, default.address1, default.address2


def _checkout_page(form: CheckoutForm, basket, saved, status: int = 200, error: str | None = None):
    saved_json = {str(a.id): {"recipient_name": a.recipient_name, "recipient_phone": a.recipient_phone,
                              "postcode": a.postcode, "address1": a.address1, "address2": a.address2} for a in saved}
    return render_template("checkout/checkout.html", form=form, basket=basket, error=error, saved=saved,
                           saved_json=saved_json), status


@bp.route("/checkout", methods=["GET", "POST"])
@login_required
def checkout():
    if institution_is_open(current_user):
        return redirect(url_for("institution.checkout"))
    form = CheckoutForm()

    def page(status: int = 200, error: str | None = None):
        # Saved addresses and the priced cart only for drawing the form: a placed order needs neither.
        saved = addresses.saved_addresses(current_user)
        _fill_from_saved(form, saved)  # first: the default address's postcode prices the shipping
        basket = price_member_cart(current_user.id, today=kst_today(), postcode=form.postcode.data or None)
        if basket.is_empty:
            return empty_cart_redirect()
        return _checkout_page(form, basket, saved, status, error)

    if request.method == "GET":
        form.idempotency_key.data = secrets.token_urlsafe(24)
        return page()
    if not form.validate():
        return page(400)
    delivery = Delivery(form.recipient_name.data, form.recipient_phone.data, form.postcode.data,
                        form.address1.data, form.address2.data or "", form.memo.data or "")
    keep_address = (lambda _order: addresses.save_address(current_user, delivery)) if form.save_address.data else None
    try:
        order, payment = payments.place_card_order(current_user, orders.WHOLE_CART, delivery,
                                                   form.idempotency_key.data, today=kst_today(),
                                                   with_order=keep_address)
    except NothingToOrder:
        return empty_cart_redirect()
    except OrderError as exc:
        if exc.field and exc.field in form:
            form[exc.field].errors.append(str(exc))
        return page(400, error=str(exc))
    return go_pay(order, payment)


def empty_cart_redirect():
    flash("장바구니가 비어 있습니다. 상품을 담은 뒤 주문해 주세요.", "info")
    return redirect(url_for("cart.view_cart"))


def go_pay(order: Order, payment: Payment | None = None):
    """Start (or resume) the card payment of an order and send the buyer to it."""
    try:
        payment = payments.start_payment(
            order, payment=payment,
            success_url=url_for("checkout.stripe_success", number=order.number, _external=True)
            + "&session_id={CHECKOUT_SESSION_ID}",
            cancel_url=url_for("orders.order_detail", number=order.number, _external=True),
        )
    except (payments.PaymentError, GatewayError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("orders.order_detail", number=order.number))
    if payment.provider is PaymentProvider.STRIPE:
        return redirect(payment.checkout_url, code=303)
    return redirect(url_for("checkout.test_payment", number=order.number), code=303)


@bp.post("/account/orders/<number>/pay")
@login_required
def pay(number: str):
    return go_pay(_own_order(number))


@bp.route("/payments/test/<number>", methods=["GET", "POST"])
@login_required
def test_payment(number: str):
    """The demo's payment page, clearly marked; gone as soon as Stripe keys are configured."""
    if stripe_enabled():
        abort(404)
    order = _own_order(number)
    orders.expire_if_overdue(order)
    if request.method == "POST":
        try:
            flash(payments.pay_in_test_mode(order, current_user), "success")
        except payments.PaymentError as exc:
            flash(str(exc), "error")
        return redirect(url_for("orders.order_detail", number=number), code=303)
    return render_template("checkout/test_payment.html", order=order)


@bp.get("/payments/stripe/success")
@login_required
def stripe_success():
    order = _own_order(request.args.get("number", ""))
    try:
        payments.confirm_from_success_page(order, request.args.get("session_id"))
    except GatewayError as exc:
        flash(f"{exc} 결제 결과는 잠시 뒤 주문 상세에서 확인할 수 있습니다.", "info")
    return redirect(url_for("orders.order_detail", number=order.number), code=303)


@bp.post("/payments/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    """Stripe signs the raw body; nothing here trusts the payload before the signature checks out."""
    if not current_app.config.get("STRIPE_WEBHOOK_SECRET"):
        abort(404)
    try:
        result = payments.handle_stripe_webhook(request.get_data(), request.headers.get("Stripe-Signature"))
    except ValueError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(result=result), 200
