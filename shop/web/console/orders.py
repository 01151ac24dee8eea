"""/console/orders: the enterprise's shipments (filters, pages, CSV), one shipment with its timeline,
and the actions its state allows — preparing, shipping, delivery, invoice-order acceptance, returns,
the tax invoice and the payment record. Views parse and call the order, payment and procurement
services; a refusal shows the page again with the service's Korean message (400 for a bad field,
409 for a state that no longer allows the action)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shop.core.documents import to_csv
from shop.core.korea import kst_today
from shop.orders import enterprise_queries as queries
from shop.orders import services as orders
from shop.orders.couriers import courier_name, tracking_url
from shop.orders.models import OrderChannel, PaymentMethod, Shipment, ShipmentStatus
from shop.orders.services import OrderError
from shop.payments import services as payments
from shop.procurement import documents, invoice_orders
from shop.web.console import bp, enterprise_id
from shop.web.console.forms_orders import (
    TODO,
    ActionForm,
    OrderFilterForm,
    ReasonForm,
    SettlementForm,
    ShipForm,
    TaxInvoiceForm,
)
from shop.web.downloads import file_response, pdf_response
from shop.web.params import page_number

CSV_TYPE = "text/csv; charset=utf-8"


# --- the list and the CSV -------------------------------------------------------------------------------


def _filters(form: OrderFilterForm) -> dict:
    """The service's keyword filters from a validated filter form."""
    status = form.status.data or None
    return {
        "status": queries.NEEDS_ACTION if status == TODO else ShipmentStatus(status) if status else None,
        "since": form.since.data,
        "until": form.until.data,
        "channel": OrderChannel(form.channel.data) if form.channel.data else None,
    }


def _asked() -> dict[str, str]:
    """The filter parameters as given, for the page links and the CSV link."""
    return {key: request.args[key].strip()[:20] for key in ("status", "since", "until", "channel")
            if request.args.get(key, "").strip()}


def _page_number() -> int:
    return page_number(request.args.get("page"), max_page=99_999)


@bp.get("/orders")
def order_list():
    form = OrderFilterForm(request.args)
    if not form.validate():
        return render_template("console/orders.html", form=form, result=None, asked=_asked(),
                               error="검색 조건을 다시 확인해 주세요."), 400
    result = queries.enterprise_shipments(enterprise_id(), page=_page_number(), **_filters(form))
    return render_template("console/orders.html", form=form, result=result, asked=_asked(), error=None)


@bp.get("/orders.csv")
def orders_csv():
    form = OrderFilterForm(request.args)
    if not form.validate():
        return render_template("console/orders.html", form=form, result=None, asked=_asked(),
                               error="검색 조건을 다시 확인해 주세요."), 400
    content = to_csv(queries.CSV_COLUMNS, queries.shipments_csv_rows(enterprise_id(), **_filters(form)))
    stamp = f"{kst_today():%Y%m%d}"
    return file_response(content, mimetype=CSV_TYPE, filename=f"주문배송_{stamp}.csv", fallback=f"orders-{stamp}.csv")


# --- one shipment -----------------------------------------------------------------------------------


def _shipment(shipment_id: int) -> Shipment:
    shipment = queries.enterprise_shipment(enterprise_id(), shipment_id)
    if shipment is None:
        abort(404)
    if shipment.status is ShipmentStatus.AWAITING_PAYMENT:
        orders.expire_if_overdue(shipment.order)  # lazy expiry: never show 결제대기 past the deadline
        shipment = queries.enterprise_shipment(enterprise_id(), shipment_id)
    return shipment


def _fresh_forms(shipment: Shipment, amounts) -> dict:
    today = kst_today()
    ship = ShipForm(formdata=None, courier=shipment.courier or "cj")
    tax = TaxInvoiceForm(formdata=None, issued_on=today)
    if amounts is not None:
        tax.supply_krw.data, tax.vat_krw.data, tax.total_krw.data = amounts.supply_krw, amounts.vat_krw, amounts.total_krw
    return {
        "action": ActionForm(formdata=None),
        queries.SHIP: ship,
        queries.DECLINE: ReasonForm(formdata=None),
        queries.REJECT_RETURN: ReasonForm(formdata=None),
        queries.TAX_INVOICE: tax,
        queries.SETTLEMENT: SettlementForm(formdata=None, paid_on=today, method="bank_transfer"),
    }


def _detail(shipment: Shipment, status: int = 200, *, error: str | None = None, failed: tuple[str, object] | None = None):
    invoice = shipment.order.payment_method is PaymentMethod.INVOICE
    records = None
    amounts = None
    if invoice:
        amounts = invoice_orders.accepted_amounts(shipment)
        records = {"inspection": invoice_orders.latest_inspection(shipment),
                   "tax_invoice": invoice_orders.tax_invoice_of(shipment),
                   "settlement": invoice_orders.settlement_of(shipment), "amounts": amounts}
    forms = _fresh_forms(shipment, amounts)
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render_template(
        "console/order.html", shipment=shipment, order=shipment.order, error=error, forms=forms,
        actions=queries.enterprise_actions(shipment), contact=queries.delivery_contact(shipment),
        buyer=queries.buyer_label(shipment), events=queries.timeline(shipment), records=records,
        refund_krw=orders.return_refund_amount(shipment) if shipment.status is ShipmentStatus.RETURN_REQUESTED else None,
        courier_name=courier_name, tracking_url=tracking_url, invoice=invoice, Status=ShipmentStatus,
        has_statement=invoice and shipment.status not in (ShipmentStatus.DECLINED, ShipmentStatus.CANCELLED),
    ), status


@bp.get("/orders/<int:shipment_id>")
def order_detail(shipment_id: int):
    return _detail(_shipment(shipment_id))


def _done(shipment: Shipment, message: str):
    flash(message, "success")
    return redirect(url_for("console.order_detail", shipment_id=shipment.id), code=303)


def _refused(shipment: Shipment, exc: OrderError, action: str | None = None, form=None):
    """The page again with the service's message; the field it names gets the message too."""
    if form is not None and exc.field and exc.field in form:
        form[exc.field].errors = [*form[exc.field].errors, str(exc)]
    failed = (action, form) if form is not None else None
    return _detail(shipment, 400 if exc.field else 409, error=str(exc), failed=failed)


def _invalid(shipment: Shipment, action: str, form):
    return _detail(shipment, 400, error="입력 내용을 다시 확인해 주세요.", failed=(action, form))


def _simple(shipment_id: int, do, message: str):
    """A button with nothing to fill in: prepare, deliver, accept, approve a return."""
    shipment = _shipment(shipment_id)
    if not ActionForm().validate():
        abort(400)
    try:
        result = do(shipment)
    except OrderError as exc:
        return _refused(shipment, exc)
    return _done(shipment, result if isinstance(result, str) else message)


@bp.post("/orders/<int:shipment_id>/prepare")
def order_prepare(shipment_id: int):
    return _simple(shipment_id, lambda s: orders.start_preparing(s, current_user),
                   "상품준비중으로 바꿨습니다. 포장이 끝나면 송장번호를 입력해 발송 처리해 주세요.")


@bp.post("/orders/<int:shipment_id>/ship")
def order_ship(shipment_id: int):
    shipment = _shipment(shipment_id)
    form = ShipForm()
    if not form.validate():
        return _invalid(shipment, queries.SHIP, form)
    try:
        orders.ship(shipment, current_user, courier=form.courier.data, tracking_number=form.tracking_number.data or "")
    except OrderError as exc:
        return _refused(shipment, exc, queries.SHIP, form)
    return _done(shipment, "발송 처리했습니다. 구매자에게 송장번호가 안내됩니다.")


@bp.post("/orders/<int:shipment_id>/deliver")
def order_deliver(shipment_id: int):
    return _simple(shipment_id, lambda s: orders.mark_delivered(s, current_user), "배송완료로 바꿨습니다.")


@bp.post("/orders/<int:shipment_id>/accept")
def order_accept(shipment_id: int):
    return _simple(shipment_id, lambda s: invoice_orders.accept(s, current_user),
                   "주문을 승인했습니다. 납품 준비가 끝나면 발송 처리해 주세요.")


@bp.post("/orders/<int:shipment_id>/decline")
def order_decline(shipment_id: int):
    shipment = _shipment(shipment_id)
    form = ReasonForm()
    if not form.validate():
        return _invalid(shipment, queries.DECLINE, form)
    try:
        invoice_orders.decline(shipment, current_user, reason=form.reason.data)
    except OrderError as exc:
        return _refused(shipment, exc, queries.DECLINE, form)
    return _done(shipment, "주문을 거절했습니다. 구매기관에 사유가 안내되고 재고는 되돌려졌습니다.")


@bp.post("/orders/<int:shipment_id>/approve-return")
def order_approve_return(shipment_id: int):
    return _simple(shipment_id, lambda s: payments.approve_return(s, current_user), "반품을 승인했습니다.")


@bp.post("/orders/<int:shipment_id>/reject-return")
def order_reject_return(shipment_id: int):
    shipment = _shipment(shipment_id)
    form = ReasonForm()
    if not form.validate():
        return _invalid(shipment, queries.REJECT_RETURN, form)
    try:
        orders.reject_return(shipment, current_user, reason=form.reason.data)
    except OrderError as exc:
        return _refused(shipment, exc, queries.REJECT_RETURN, form)
    return _done(shipment, "반품을 반려했습니다. 구매자에게 사유가 안내됩니다.")


@bp.post("/orders/<int:shipment_id>/tax-invoice")
def order_tax_invoice(shipment_id: int):
    shipment = _shipment(shipment_id)
    form = TaxInvoiceForm()
    if not form.validate():
        return _invalid(shipment, queries.TAX_INVOICE, form)
    try:
        invoice_orders.record_tax_invoice(
            shipment, current_user, issued_on=form.issued_on.data, approval_number=form.approval_number.data,
            supply_krw=form.supply_krw.data, vat_krw=form.vat_krw.data, total_krw=form.total_krw.data,
            today=kst_today())
    except OrderError as exc:
        return _refused(shipment, exc, queries.TAX_INVOICE, form)
    return _done(shipment, "세금계산서를 등록했습니다. 구매기관의 대금 지급을 기다립니다.")


@bp.post("/orders/<int:shipment_id>/settlement")
def order_settlement(shipment_id: int):
    shipment = _shipment(shipment_id)
    form = SettlementForm()
    if not form.validate():
        return _invalid(shipment, queries.SETTLEMENT, form)
    try:
        invoice_orders.record_settlement(shipment, current_user, paid_on=form.paid_on.data,
                                         method=form.method.data, today=kst_today())
    except OrderError as exc:
        return _refused(shipment, exc, queries.SETTLEMENT, form)
    return _done(shipment, "대금 지급을 기록했습니다. 구매기관이 거래를 완료하면 끝납니다.")


@bp.get("/orders/<int:shipment_id>/statement.pdf")
def order_statement(shipment_id: int):
    """The 거래명세서 of an invoice order's delivery, the same paper the institution prints."""
    shipment = _shipment(shipment_id)
    institution = queries.institution_of(shipment)
    if (shipment.order.payment_method is not PaymentMethod.INVOICE or institution is None
            or shipment.status in (ShipmentStatus.DECLINED, ShipmentStatus.CANCELLED)):
        abort(404)
    return pdf_response(documents.statement_pdf(shipment, institution, today=kst_today()),
                        f"거래명세서_{shipment.order.number}_{institution.name}.pdf")
