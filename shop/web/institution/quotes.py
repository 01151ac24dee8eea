"""Quotations: request from a product page or from the cart, follow them, accept or decline the
enterprise's answer, and print the 견적서."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shop.cart import services as carts
from shop.cart.basket import INSTITUTION_MAX_QTY_PER_LINE, load_variants
from shop.core.korea import kst_today
from shop.curation.editing import on_sale
from shop.procurement import documents, quotes
from shop.procurement.forms import QuoteAcceptForm, QuoteRequestForm, ReasonForm
from shop.procurement.models import Quote, QuoteStatus
from shop.procurement.quotes import QuoteError, QuoteRequest
from shop.web.downloads import pdf_response
from shop.web.institution import bp, institution_id
from shop.web.institution.orders import address_choices, delivery_from
from shop.web.params import whole_number


def _requested_lines() -> list[tuple[int, int]]:
    """(variant id, quantity) from the form (qty_<id> fields), the product page link or the cart."""
    if request.method == "POST":
        lines = []
        for key, raw in request.form.items():
            variant_id = whole_number(key[4:]) if key.startswith("qty_") else None
            if variant_id is None:
                continue
            quantity = whole_number(raw)
            if quantity is None or quantity > INSTITUTION_MAX_QTY_PER_LINE:
                raise QuoteError(f"수량은 0~{INSTITUTION_MAX_QTY_PER_LINE:,} 사이의 숫자로 입력해 주세요.")
            lines.append((variant_id, quantity))
        return lines
    if request.args.get("from") == "cart":
        cart = carts.find_member_cart(current_user)
        return [(item.variant_id, item.quantity) for item in cart.items] if cart else []
    variant = whole_number(request.args.get("variant") or request.args.get("variant_id"))  # the product page's form
    qty = whole_number(request.args.get("qty") or request.args.get("quantity"))
    if variant is not None:
        return [(variant, qty if qty and qty <= INSTITUTION_MAX_QTY_PER_LINE else 1)]
    return []


def _request_page(form, lines, saved, status=200, error=None):
    variants = load_variants(vid for vid, _ in lines)
    # An option id is anyone's to type: a listing shoppers cannot see (in review, hidden) is not shown here either.
    rows = [(variants[vid], qty) for vid, qty in lines if vid in variants and on_sale(variants[vid].product)]
    return render_template("institution/quote_new.html", form=form, rows=rows, saved=saved, error=error), status


@bp.route("/quotes/new", methods=["GET", "POST"])
def new_quote():
    form = QuoteRequestForm()
    saved = address_choices(form.address_id)
    try:
        lines = _requested_lines()
    except QuoteError as exc:
        return _request_page(form, [], saved, 400, str(exc))
    if request.method == "GET":
        if not lines:
            flash("견적 받을 상품을 상품 페이지나 장바구니에서 골라 주세요.", "info")
            return redirect(url_for("institution.quote_list"))
        form.needed_by.data = kst_today() + timedelta(days=14)
        return _request_page(form, lines, saved)
    if not form.validate():
        return _request_page(form, lines, saved, 400, "입력 내용을 다시 확인해 주세요.")
    delivery = delivery_from(form.address_id.data)
    if delivery is None:
        form.address_id.errors.append("기관 배송지 목록에서 골라 주세요.")
        return _request_page(form, lines, saved, 400, "입력 내용을 다시 확인해 주세요.")
    try:
        made = quotes.request_quotes(current_user, QuoteRequest(lines, form.needed_by.data, delivery,
                                                                form.note.data or ""), today=kst_today())
    except QuoteError as exc:
        if exc.field in form:
            form[exc.field].errors.append(str(exc))
        return _request_page(form, lines, saved, 400, str(exc))
    names = ", ".join(q.enterprise.name for q in made)
    flash(f"견적을 요청했습니다 ({len(made)}건: {names}). 입점기업의 회신을 기다려 주세요.", "success")
    if len(made) == 1:
        return redirect(url_for("institution.quote_detail", number=made[0].number), code=303)
    return redirect(url_for("institution.quote_list"), code=303)


@bp.get("/quotes")
def quote_list():
    return render_template("institution/quotes.html", quotes=quotes.institution_quotes(institution_id()))


def _quote(number: str) -> Quote:
    quote = quotes.institution_quote(institution_id(), number)
    if quote is None:
        abort(404)
    quotes.expire_if_lapsed(quote, kst_today())
    return quote


def _detail(quote: Quote, status: int = 200, error: str | None = None):
    return render_template("institution/quote.html", quote=quote, accept_form=QuoteAcceptForm(formdata=None),
                           reason_form=ReasonForm(formdata=None), order=quotes.order_of(quote), error=error,
                           QuoteStatus=QuoteStatus), status


@bp.get("/quotes/<number>")
def quote_detail(number: str):
    return _detail(_quote(number))


@bp.post("/quotes/<number>/accept")
def accept_quote(number: str):
    quote = _quote(number)
    form = QuoteAcceptForm()
    if not form.validate():
        return _detail(quote, 400, "결제 방법을 골라 주세요.")
    try:
        order = quotes.accept(quote, current_user, payment_method=form.payment_method.data, today=kst_today())
    except QuoteError as exc:
        return _detail(quote, 409, str(exc))
    if order.status.value == "pending_payment":
        from shop.web.checkout import go_pay

        return go_pay(order)
    flash(f"견적을 수락해 주문 {order.number}이(가) 접수되었습니다.", "success")
    return redirect(url_for("institution.order_detail", number=order.number), code=303)


def _close(number: str, close, done: str):
    """Decline an answer or withdraw a request, with an optional reason for the enterprise."""
    quote = _quote(number)
    form = ReasonForm()
    try:
        if not form.validate():
            raise QuoteError("사유는 500자 이하로 입력해 주세요.")
        close(quote, current_user, reason=form.reason.data or "")
    except QuoteError as exc:
        return _detail(quote, 409, str(exc))
    flash(done, "success")
    return redirect(url_for("institution.quote_detail", number=number), code=303)


@bp.post("/quotes/<number>/decline")
def decline_quote(number: str):
    return _close(number, quotes.decline, "견적을 거절했습니다.")


@bp.post("/quotes/<number>/withdraw")
def withdraw_quote(number: str):
    return _close(number, quotes.withdraw, "견적 요청을 취소했습니다.")


@bp.get("/quotes/<number>/quotation.pdf")
def quotation_pdf(number: str):
    quote = _quote(number)
    if not quote.is_answered:
        abort(404)
    return pdf_response(documents.quotation_pdf(quote, today=kst_today()),
                        f"견적서_{quote.number}_{quote.enterprise.name}.pdf")
