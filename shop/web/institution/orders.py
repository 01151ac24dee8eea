"""Institution orders: checkout from the cart (invoice or corporate card), the order list, one order
with its shipments, inspection (검수), completion, cancellation and the 거래명세서."""
from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from shop.cart.basket import INSTITUTION_MAX_QTY_PER_LINE, price_member_cart
from shop.core.korea import kst_today
from shop.institutions import settings as institution_settings
from shop.orders import services as orders
from shop.orders.couriers import courier_name, tracking_url
from shop.orders.models import Order, PaymentMethod, Shipment, ShipmentStatus
from shop.orders.services import Delivery, NothingToOrder, OrderError
from shop.payments import services as payments
from shop.procurement import documents, invoice_orders
from shop.procurement.forms import InspectionForm, InspectionRejectForm, InstitutionCheckoutForm, ReasonForm
from shop.web.checkout import empty_cart_redirect, go_pay
from shop.web.downloads import pdf_response
from shop.web.institution import bp, institution_id
from shop.web.params import page_number, whole_number


def address_choices(form_field) -> list:
    saved = institution_settings.addresses(institution_id())
    form_field.choices = [SelectChoice("", "배송지를 고르세요")] + [
        SelectChoice(str(a.id),
                     f"{a.label} — {a.department} {a.contact_name} ({a.postcode}) {a.address1} {a.address2}".strip())
        for a in saved
    ]
    if request.method == "GET" and saved and not form_field.data:
        form_field.data = str(saved[0].id)
    return saved


def delivery_from(address_id: str | None, memo: str = "", saved: list | None = None) -> Delivery | None:
    """The chosen institution address as a delivery, or None when it is not one of the institution's.
    `saved` is the institution's address list when the page has already loaded it."""
    number = whole_number(address_id)
    if number is None:
        return None
    if saved is not None:
        address = next((a for a in saved if a.id == number), None)
    else:
        address = institution_settings.find_address(institution_id(), number)
    if address is None:
        return None
    return Delivery(address.contact_name, address.contact_phone, address.postcode, address.address1,
                    address.address2, memo, address.department)


def _place(delivery: Delivery, method: PaymentMethod, key: str):
    """(the order of the whole cart, its card payment when written with it)."""
    if method is PaymentMethod.CARD:
        return payments.place_card_order(current_user, orders.WHOLE_CART, delivery, key, today=kst_today())
    return orders.place_order(current_user, orders.WHOLE_CART, delivery, key, today=kst_today(),
                              payment_method=method), None


@bp.route("/checkout", methods=["GET", "POST"])
def checkout():
    form = InstitutionCheckoutForm()
    saved = address_choices(form.address_id)
    if request.method == "GET":
        form.idempotency_key.data = secrets.token_urlsafe(24)
    delivery = delivery_from(form.address_id.data, form.memo.data or "", saved)
    basket = price_member_cart(current_user.id, today=kst_today(), postcode=delivery.postcode if delivery else None,
                               max_qty=INSTITUTION_MAX_QTY_PER_LINE)
    if basket.is_empty:
        return empty_cart_redirect()
    if request.method == "GET":
        return render_template("institution/checkout.html", form=form, basket=basket, saved=saved)
    error = None
    if form.validate():
        if delivery is None:
            form.address_id.errors.append("기관 배송지 목록에서 골라 주세요.")
        else:
            try:
                order, payment = _place(delivery, PaymentMethod(form.payment_method.data), form.idempotency_key.data)
            except NothingToOrder:
                return empty_cart_redirect()
            except OrderError as exc:
                error = str(exc)
            else:
                if order.payment_method is PaymentMethod.CARD:
                    return go_pay(order, payment)
                flash("주문이 접수되었습니다. 입점기업이 주문을 승인하면 납품이 시작됩니다.", "success")
                return redirect(url_for("institution.order_detail", number=order.number), code=303)
    return render_template("institution/checkout.html", form=form, basket=basket, saved=saved, error=error), 400


@bp.get("")
def home():
    from shop.procurement import quotes

    iid = institution_id()
    return render_template("institution/home.html", orders=orders.institution_orders(iid, per_page=5),
                           quotes=quotes.institution_quotes(iid, limit=5), institution=current_user.institution)


@bp.get("/orders")
def order_list():
    page = page_number(request.args.get("page"))
    return render_template("institution/orders.html", orders=orders.institution_orders(institution_id(), page=page),
                           page=page)


def _order(number: str) -> Order:
    order = orders.institution_order(institution_id(), number)
    if order is None:
        abort(404)
    orders.expire_if_overdue(order)
    return order


def _shipment(order: Order, shipment_id: int) -> Shipment:
    shipment = next((s for s in order.shipments if s.id == shipment_id), None)
    if shipment is None:
        abort(404)
    return shipment


@bp.get("/orders/<number>")
def order_detail(number: str):
    return _detail(_order(number))


def _detail(order: Order, status: int = 200, failed_shipment: int | None = None, inspection_form=None,
            reject_form=None, error: str | None = None):
    records = (invoice_orders.records_of(order.shipments) if order.payment_method is PaymentMethod.INVOICE
               else {})
    forms = {s.id: (inspection_form if failed_shipment == s.id and inspection_form else InspectionForm(formdata=None),
                    reject_form if failed_shipment == s.id and reject_form else InspectionRejectForm(formdata=None))
             for s in order.shipments}
    for inspect_form, reject in forms.values():
        inspect_form.inspected_on.data = inspect_form.inspected_on.data or kst_today()
        reject.inspected_on.data = reject.inspected_on.data or kst_today()
        if not inspect_form.inspector_name.data:
            inspect_form.inspector_name.data = reject.inspector_name.data = current_user.name
    return render_template("institution/order.html", order=order, records=records, forms=forms, error=error,
                           courier_name=courier_name, tracking_url=tracking_url,
                           cancellable=orders.cancellable(order), ShipmentStatus=ShipmentStatus,
                           accepted_values=request.form if failed_shipment else {}), status


@bp.post("/orders/<number>/cancel")
def cancel(number: str):
    order = _order(number)
    try:
        if order.payment_method is PaymentMethod.INVOICE:
            invoice_orders.cancel_order(order, current_user)
            flash("주문을 취소했습니다. 잡혀 있던 재고는 입점기업에 돌아갔습니다.", "success")
        else:
            from shop.payments import services as payments

            flash(payments.cancel_order(order, current_user), "success")
    except OrderError as exc:
        return _detail(order, 409, error=str(exc))
    return redirect(url_for("institution.order_detail", number=number), code=303)


def _accepted_quantities(shipment: Shipment) -> dict[int, int]:
    quantities = {}
    for item in shipment.items:
        accepted = whole_number(request.form.get(f"accepted_{item.id}"), max_digits=6)
        if accepted is None:
            raise OrderError(f"{item.product_name}: 합격 수량을 숫자로 입력해 주세요.", f"accepted_{item.id}")
        quantities[item.id] = accepted
    return quantities


@bp.post("/orders/<number>/shipments/<int:shipment_id>/inspect")
def inspect(number: str, shipment_id: int):
    order = _order(number)
    shipment = _shipment(order, shipment_id)
    form = InspectionForm()
    if not form.validate():
        return _detail(order, 400, shipment.id, inspection_form=form, error="검수 내용을 다시 확인해 주세요.")
    try:
        invoice_orders.inspect(shipment, current_user, inspected_on=form.inspected_on.data,
                               inspector_name=form.inspector_name.data,
                               accepted_quantities=_accepted_quantities(shipment),
                               note=form.note.data or "", today=kst_today())
    except OrderError as exc:
        if exc.field in form:
            form[exc.field].errors.append(str(exc))
        return _detail(order, 400, shipment.id, inspection_form=form, error=str(exc))
    flash(f"{shipment.enterprise.name} 납품의 검수를 마쳤습니다. 입점기업이 세금계산서를 발행합니다.", "success")
    return redirect(url_for("institution.order_detail", number=number), code=303)


@bp.post("/orders/<number>/shipments/<int:shipment_id>/reject")
def reject(number: str, shipment_id: int):
    order = _order(number)
    shipment = _shipment(order, shipment_id)
    form = InspectionRejectForm()
    if not form.validate():
        return _detail(order, 400, shipment.id, reject_form=form, error="검수 반려 내용을 다시 확인해 주세요.")
    try:
        invoice_orders.reject_inspection(shipment, current_user, inspected_on=form.inspected_on.data,
                                         inspector_name=form.inspector_name.data, reason=form.reason.data,
                                         today=kst_today())
    except OrderError as exc:
        return _detail(order, 400, shipment.id, reject_form=form, error=str(exc))
    flash("검수 반려를 기록했습니다. 입점기업이 물품을 회수하고 다시 납품합니다.", "success")
    return redirect(url_for("institution.order_detail", number=number), code=303)


@bp.post("/orders/<number>/shipments/<int:shipment_id>/complete")
def complete(number: str, shipment_id: int):
    order = _order(number)
    try:
        invoice_orders.complete(_shipment(order, shipment_id), current_user)
    except OrderError as exc:
        return _detail(order, 409, error=str(exc))
    flash("거래를 완료했습니다.", "success")
    return redirect(url_for("institution.order_detail", number=number), code=303)


@bp.post("/orders/<number>/shipments/<int:shipment_id>/give-up")
def give_up(number: str, shipment_id: int):
    """After a failed inspection: cancel this delivery instead of waiting for a new one."""
    order = _order(number)
    form = ReasonForm()
    try:
        invoice_orders.cancel_after_rejection(_shipment(order, shipment_id), current_user, reason=form.reason.data)
    except OrderError as exc:
        return _detail(order, 400, error=str(exc))
    flash("해당 납품을 취소했습니다.", "success")
    return redirect(url_for("institution.order_detail", number=number), code=303)




@bp.get("/orders/<number>/shipments/<int:shipment_id>/statement.pdf")
def statement(number: str, shipment_id: int):
    order = _order(number)
    shipment = _shipment(order, shipment_id)
    if shipment.status in (ShipmentStatus.DECLINED, ShipmentStatus.CANCELLED):
        abort(404)
    content = documents.statement_pdf(shipment, current_user.institution, today=kst_today())
    return pdf_response(content, f"거래명세서_{order.number}_{shipment.enterprise.name}.pdf")
