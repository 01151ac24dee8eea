"""/console/quotes: the enterprise's inbox of quotation requests (those waiting for an answer first),
one request with the answer form (a unit price per line, the delivery fee, valid-until, a note) or the
refusal form, and the 견적서 PDF once answered. The rules are in shop.procurement.quotes."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shop.core.korea import kst_today
from shop.procurement import documents, quotes
from shop.procurement.models import Quote, QuoteStatus
from shop.procurement.quotes import QuoteError
from shop.web.console import bp, enterprise_id
from shop.web.console.forms_orders import QuoteAnswerForm, QuoteFilterForm, QuoteRefuseForm, parse_won
from shop.web.downloads import pdf_response

VALID_DAYS = 30  # the valid-until date the answer form suggests


@bp.get("/quotes")
def quote_list():
    form = QuoteFilterForm(request.args)
    if not form.validate():
        return render_template("console/quotes.html", form=form, waiting=[], others=[],
                               error="상태를 목록에서 골라 주세요."), 400
    eid = enterprise_id()
    if form.status.data:
        status = QuoteStatus(form.status.data)
        found = quotes.enterprise_quotes(eid, status=status)
        waiting, others = (found, []) if status is QuoteStatus.REQUESTED else ([], found)
    else:
        waiting = quotes.enterprise_quotes(eid, status=QuoteStatus.REQUESTED)
        others = [q for q in quotes.enterprise_quotes(eid) if q.status is not QuoteStatus.REQUESTED]
    return render_template("console/quotes.html", form=form, waiting=waiting, others=others, error=None)


def _quote(number: str) -> Quote:
    quote = quotes.enterprise_quote(enterprise_id(), number)
    if quote is None:
        abort(404)
    quotes.expire_if_lapsed(quote, kst_today())
    return quote


def _shipment_id_of(quote: Quote) -> int | None:
    """This enterprise's shipment of the order the accepted quotation became, for a link to it."""
    order = quotes.order_of(quote)
    if order is None:
        return None
    return next((s.id for s in order.shipments if s.enterprise_id == quote.enterprise_id), None)


def _detail(quote: Quote, status: int = 200, *, error: str | None = None, answer_form=None, refuse_form=None,
            prices: dict[int, str] | None = None, price_errors: dict[int, str] | None = None):
    if answer_form is None:
        answer_form = QuoteAnswerForm(formdata=None, shipping_fee_krw=0,
                                      valid_until=max(kst_today() + timedelta(days=VALID_DAYS), quote.needed_by))
    if prices is None:
        prices = {line.id: f"{line.unit_price_krw or line.list_price_krw:,}" for line in quote.lines}
    return render_template(
        "console/quote.html", quote=quote, error=error, answer_form=answer_form,
        refuse_form=refuse_form or QuoteRefuseForm(formdata=None), prices=prices, price_errors=price_errors or {},
        shipment_id=_shipment_id_of(quote) if quote.status is QuoteStatus.ACCEPTED else None,
        QuoteStatus=QuoteStatus,
    ), status


@bp.get("/quotes/<number>")
def quote_detail(number: str):
    return _detail(_quote(number))


def _unit_prices(quote: Quote) -> tuple[dict[int, int], dict[int, str], dict[int, str]]:
    """(prices by line id, what was typed, a message for each line whose price is missing or not a number)."""
    prices, typed, errors = {}, {}, {}
    for line in quote.lines:
        raw = (request.form.get(f"price_{line.id}") or "").strip()[:20]
        typed[line.id] = raw
        value = parse_won(raw)
        if value is None:
            errors[line.id] = f"{line.product_name} ({line.option_name}): 단가를 원 단위 숫자로 입력해 주세요."
        else:
            prices[line.id] = value
    return prices, typed, errors


@bp.post("/quotes/<number>/answer")
def quote_answer(number: str):
    quote = _quote(number)
    form = QuoteAnswerForm()
    prices, typed, price_errors = _unit_prices(quote)
    if not form.validate() or price_errors:
        message = next(iter(price_errors.values()), "입력 내용을 다시 확인해 주세요.")
        return _detail(quote, 400, error=message, answer_form=form, prices=typed, price_errors=price_errors)
    try:
        quotes.answer(quote, current_user, unit_prices=prices, shipping_fee_krw=form.shipping_fee_krw.data,
                      valid_until=form.valid_until.data, note=form.note.data or "", today=kst_today())
    except QuoteError as exc:
        line_errors = {}
        if exc.field and exc.field.startswith("price_") and exc.field[6:].isdigit():
            line_errors[int(exc.field[6:])] = str(exc)
        elif exc.field in form:
            form[exc.field].errors = [*form[exc.field].errors, str(exc)]
        return _detail(quote, 400 if exc.field else 409, error=str(exc), answer_form=form, prices=typed,
                       price_errors=line_errors)
    flash("견적을 회신했습니다. 구매기관이 수락하면 주문으로 들어옵니다.", "success")
    return redirect(url_for("console.quote_detail", number=quote.number), code=303)


@bp.post("/quotes/<number>/refuse")
def quote_refuse(number: str):
    quote = _quote(number)
    form = QuoteRefuseForm()
    if not form.validate():
        return _detail(quote, 400, error="견적 불가 사유를 확인해 주세요.", refuse_form=form)
    try:
        quotes.refuse(quote, current_user, reason=form.reason.data)
    except QuoteError as exc:
        if exc.field in form:
            form.reason.errors = [*form.reason.errors, str(exc)]
        return _detail(quote, 400 if exc.field else 409, error=str(exc), refuse_form=form)
    flash("견적 불가로 회신했습니다. 구매기관에 사유가 안내됩니다.", "success")
    return redirect(url_for("console.quote_detail", number=quote.number), code=303)


@bp.get("/quotes/<number>/quotation.pdf")
def quote_pdf(number: str):
    quote = _quote(number)
    if not quote.is_answered:
        abort(404)
    return pdf_response(documents.quotation_pdf(quote, today=kst_today()),
                        f"견적서_{quote.number}_{quote.institution.name}.pdf")
