"""/console/quotes through the web: the inbox with requests waiting for an answer first, the answer form
(prices prefilled with the mall's price, every price required), refusal, the 견적서, and isolation."""
from __future__ import annotations

import html as html_module
import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from shop.extensions import db
from shop.procurement import quotes
from shop.procurement.models import Quote, QuoteLine, QuoteStatus
from tests.conftest import csrf_from
from tests.services import procurement_helpers
from tests.services.procurement_helpers import (
    TODAY,
    answer_all,
    request_one,
)

market = procurement_helpers.market  # the fixture, where pytest looks for it


def body(response) -> str:
    return html_module.unescape(response.get_data(as_text=True))


def fresh_quote(quote_id: int) -> Quote:
    db.session.expire_all()
    return db.session.get(Quote, quote_id)


@pytest.fixture
def send(client):
    """POST a quotation form from its page, with the page's CSRF token."""

    def post(number: str, action: str, data: dict):
        token = csrf_from(client.get(f"/console/quotes/{number}").get_data(as_text=True))
        return client.post(f"/console/quotes/{number}/{action}", data={"csrf_token": token, **data})

    return post


def answer_data(quote: Quote, **overrides) -> dict:
    data = {f"price_{line.id}": "20,500" for line in quote.lines}
    data.update(shipping_fee_krw="0", valid_until=(TODAY + timedelta(days=30)).isoformat(), note="납기 5일")
    data.update(overrides)
    return data


def test_inbox_puts_requests_waiting_for_an_answer_first(client, login, market):
    answered = request_one(market, [(market.paper.id, 60)])
    answer_all(answered, market.seller, {market.paper.id: 21_000})
    waiting = request_one(market, [(market.paper.id, 100)])
    other_enterprise = request_one(market, [(market.rice.id, 20)])
    login(market.seller)

    html = body(client.get("/console/quotes"))
    assert html.index("회신 대기") < html.index(waiting.number) < html.index("지난 견적") < html.index(answered.number)
    assert other_enterprise.number not in html
    assert "서울특별시 마포구청" in html and "1,260,000원" in html

    only_answered = body(client.get("/console/quotes?status=answered"))
    assert answered.number in only_answered and waiting.number not in only_answered
    only_waiting = body(client.get("/console/quotes?status=requested"))
    assert waiting.number in only_waiting and answered.number not in only_waiting
    assert client.get("/console/quotes?status=lost").status_code == 400


def test_answer_a_quotation(client, login, send, market):
    quote = request_one(market, [(market.paper.id, 100)])
    login(market.seller)
    page = body(client.get(f"/console/quotes/{quote.number}"))
    line = quote.lines[0]
    assert "견적 회신하기" in page and "납품 시 거래명세서 동봉" in page and "총무과" in page
    assert re.search(rf'name="price_{line.id}"[^>]*value="22,000"', page, re.DOTALL)  # the bulk price, prefilled
    assert 'id="valid_until"' in page and '<label for="price-' in page
    assert client.get(f"/console/quotes/{quote.number}/quotation.pdf").status_code == 404

    missing = send(quote.number, "answer", answer_data(quote, **{f"price_{line.id}": ""}))
    assert missing.status_code == 400
    assert "친환경 복사용지 A4 (80g 2500매): 단가를 원 단위 숫자로 입력해 주세요." in body(missing)
    assert 'aria-invalid="true"' in body(missing)
    zero = send(quote.number, "answer", answer_data(quote, **{f"price_{line.id}": "0"}))
    assert zero.status_code == 400 and "단가를 1원 이상" in body(zero)
    past = send(quote.number, "answer", answer_data(quote, valid_until=(TODAY - timedelta(days=1)).isoformat()))
    assert past.status_code == 400 and "견적 유효기한은 오늘 이후 날짜로" in body(past)
    bad_fee = send(quote.number, "answer", answer_data(quote, shipping_fee_krw="무료"))
    assert bad_fee.status_code == 400 and "금액은 원 단위 숫자로" in body(bad_fee)
    assert fresh_quote(quote.id).status is QuoteStatus.REQUESTED

    done = send(quote.number, "answer", answer_data(quote, shipping_fee_krw="3,000원"))
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/console/quotes/{quote.number}")
    quote = fresh_quote(quote.id)
    assert quote.status is QuoteStatus.ANSWERED and quote.shipping_fee_krw == 3_000
    assert db.session.get(QuoteLine, line.id).unit_price_krw == 20_500
    page = body(client.get(f"/console/quotes/{quote.number}"))
    assert "견적을 회신했습니다" in page and "2,053,000원" in page and "견적 회신하기" not in page
    assert "입점기업 · 견적 회신 (유효기한" in re.sub(r"<[^>]+>", "", page)

    pdf = client.get(f"/console/quotes/{quote.number}/quotation.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "견적서" in text and "20,500" in text and "서울특별시 마포구청" in text

    again = send(quote.number, "answer", answer_data(quote))
    assert again.status_code == 409 and "'견적 도착' 상태의 견적은" in body(again)


def test_refuse_a_quotation(client, login, send, market):
    quote = request_one(market, [(market.paper.id, 100)])
    login(market.seller)
    empty = send(quote.number, "refuse", {"reason": ""})
    assert empty.status_code == 400 and "견적 불가 사유를 입력해 주세요." in body(empty)
    assert send(quote.number, "refuse", {"reason": "12월은 생산 일정이 찼습니다"}).status_code == 303
    quote = fresh_quote(quote.id)
    assert quote.status is QuoteStatus.REFUSED and quote.decision_reason == "12월은 생산 일정이 찼습니다"
    page = body(client.get(f"/console/quotes/{quote.number}"))
    assert "견적 불가: 12월은 생산 일정이 찼습니다" in page
    assert send(quote.number, "answer", answer_data(quote)).status_code == 409


def test_an_accepted_quotation_links_to_its_order(client, login, market):
    quote = request_one(market, [(market.paper.id, 100)])
    answer_all(quote, market.seller, {market.paper.id: 20_000})
    order = quotes.accept(fresh_quote(quote.id), market.buyer, today=TODAY)
    login(market.seller)
    page = body(client.get(f"/console/quotes/{quote.number}"))
    shipment_id = order.shipments[0].id
    assert f'href="/console/orders/{shipment_id}"' in page
    assert order.number in body(client.get(f"/console/orders/{shipment_id}"))


def quote_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/console/quotes")]


def test_another_enterprise_gets_404_for_every_quotation_url(app, client, login, market):
    quote = request_one(market, [(market.paper.id, 100)])
    answered = request_one(market, [(market.paper.id, 60)])
    answer_all(answered, market.seller, {market.paper.id: 21_000})
    login(market.stranger_seller)
    token = csrf_from(client.get("/console/quotes").get_data(as_text=True))
    tried = 0
    for rule in quote_rules(app):
        if "<number>" not in rule.rule:
            continue
        for number in (quote.number, answered.number):
            url = rule.rule.replace("<number>", number)
            if "POST" in rule.methods:
                data = {"csrf_token": token, "reason": "남의 견적", **answer_data(fresh_quote(quote.id))}
                response = client.post(url, data=data)
            else:
                response = client.get(url)
            assert response.status_code == 404, url
            tried += 1
    assert tried == 8
    assert fresh_quote(quote.id).status is QuoteStatus.REQUESTED
    inbox = body(client.get("/console/quotes"))
    assert quote.number not in inbox and answered.number not in inbox


@pytest.mark.parametrize("who", ["consumer", "buyer", "anonymous"])
def test_only_enterprise_members_get_in(app, client, login, market, who):
    quote = request_one(market, [(market.paper.id, 100)])
    if who != "anonymous":
        login(getattr(market, who))
    token = csrf_from(client.get("/login" if who == "anonymous" else "/").get_data(as_text=True))
    for rule in quote_rules(app):
        url = rule.rule.replace("<number>", quote.number)
        if "POST" in rule.methods:
            response = client.post(url, data={"csrf_token": token, "reason": "x", **answer_data(quote)})
        else:
            response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:
            assert response.status_code == 403, url
    assert fresh_quote(quote.id).status is QuoteStatus.REQUESTED
