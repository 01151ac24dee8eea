"""Center staff move shipments and decide returns until the enterprise console exists."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shop.orders import services as orders
from shop.orders.couriers import courier_choices, courier_name, tracking_url
from shop.orders.models import Shipment, ShipmentStatus
from shop.orders.services import OrderError
from shop.payments import services as payments
from shop.web.guards import admin_required

bp = Blueprint("admin_orders", __name__, url_prefix="/admin/orders")


@bp.get("")
@admin_required
def order_list():
    return render_template("admin/orders.html", orders=orders.recent_orders())


@bp.get("/<number>")
@admin_required
def order(number: str):
    return _page(number)


def _page(number: str, status: int = 200):
    found = orders.order_by_number(number) or abort(404)
    return render_template("admin/order.html", order=found, couriers=courier_choices(), courier_name=courier_name,
                           tracking_url=tracking_url, Status=ShipmentStatus), status


def _shipment(number: str, shipment_id: int) -> Shipment:
    found = orders.order_by_number(number) or abort(404)
    return next((s for s in found.shipments if s.id == shipment_id), None) or abort(404)


@bp.post("/<number>/shipments/<int:shipment_id>/<action>")
@admin_required
def move(number: str, shipment_id: int, action: str):
    shipment = _shipment(number, shipment_id)
    form = request.form
    actions = {
        "prepare": lambda: orders.start_preparing(shipment, current_user),
        "ship": lambda: orders.ship(shipment, current_user, courier=form.get("courier", ""),
                                    tracking_number=form.get("tracking_number", "")),
        "deliver": lambda: orders.mark_delivered(shipment, current_user),
        "approve-return": lambda: payments.approve_return(shipment, current_user),
        "reject-return": lambda: orders.reject_return(shipment, current_user, reason=form.get("reason", "")),
    }
    if action not in actions:
        abort(404)
    try:
        actions[action]()
    except OrderError as exc:
        flash(str(exc), "error")
        return _page(number, 409 if exc.field is None else 400)
    flash("배송 상태를 바꿨습니다.", "success")
    return redirect(url_for("admin_orders.order", number=number), code=303)
