"""A buyer's orders: the list, one order with its shipments and timeline, cancel, confirm, return."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from shop.orders import services as orders
from shop.orders.couriers import courier_name, tracking_url
from shop.orders.forms import ReturnForm
from shop.orders.models import Order, Shipment
from shop.orders.services import OrderError
from shop.payments import services as payments
from shop.payments.models import PaymentStatus
from shop.reviews import services as reviews
from shop.web.params import page_number

bp = Blueprint("orders", __name__, url_prefix="/account/orders")


def _own_order(number: str) -> Order:
    order = orders.buyer_order(current_user, number)
    if order is None:
        abort(404)
    orders.expire_if_overdue(order)
    return order


def _own_shipment(order: Order, shipment_id: int) -> Shipment:
    shipment = next((s for s in order.shipments if s.id == shipment_id), None)
    if shipment is None:
        abort(404)
    return shipment


@bp.get("")
@login_required
def order_list():
    page = page_number(request.args.get("page"))
    return render_template("orders/list.html", orders=orders.buyer_orders(current_user, page=page), page=page)


@bp.get("/<number>")
@login_required
def order_detail(number: str):
    return _detail_page(_own_order(number))


def _detail_page(order: Order, status: int = 200, return_form: ReturnForm | None = None):
    """The order page; after a refused action it is shown again with the reason and a 4xx status."""
    payment = payments.payment_for(order)
    return render_template(
        "orders/detail.html", order=order, payment=payment, cancellable=orders.cancellable(order),
        can_return=orders.can_request_return, return_form=return_form or ReturnForm(), courier_name=courier_name,
        tracking_url=tracking_url, refunds=payment.refunds if payment else [],
        paid=payment is not None and payment.status is PaymentStatus.PAID,
        reviewable_ids={item.id for item in reviews.reviewable_items(current_user, order)},
    ), status


@bp.post("/<number>/cancel")
@login_required
def cancel(number: str):
    order = _own_order(number)
    try:
        flash(payments.cancel_order(order, current_user), "success")
    except (OrderError, payments.PaymentError) as exc:
        flash(str(exc), "error")
        return _detail_page(order, 409)
    return redirect(url_for("orders.order_detail", number=number), code=303)


@bp.post("/<number>/shipments/<int:shipment_id>/confirm")
@login_required
def confirm(number: str, shipment_id: int):
    order = _own_order(number)
    try:
        orders.confirm_purchase(_own_shipment(order, shipment_id), current_user)
        flash("구매를 확정했습니다. 후기를 남겨 주시면 다른 구매자에게 도움이 됩니다.", "success")
    except OrderError as exc:
        flash(str(exc), "error")
        return _detail_page(order, 409)
    return redirect(url_for("orders.order_detail", number=number), code=303)


@bp.post("/<number>/shipments/<int:shipment_id>/return")
@login_required
def request_return(number: str, shipment_id: int):
    order = _own_order(number)
    shipment = _own_shipment(order, shipment_id)
    form = ReturnForm()
    if not form.validate():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return _detail_page(order, 400, form)
    try:
        orders.request_return(shipment, current_user, reason=form.reason.data, detail=form.detail.data or "")
        flash("반품을 신청했습니다. 입점기업이 확인한 뒤 안내해 드립니다.", "success")
    except OrderError as exc:
        flash(str(exc), "error")
        return _detail_page(order, 409, form)
    return redirect(url_for("orders.order_detail", number=number), code=303)
