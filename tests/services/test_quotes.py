"""Quotations (견적): asking, answering, accepting into an order at exactly the quoted prices, and every
move the quotation's state table allows or refuses, by whom."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.catalog.models import Product, ProductStatus, TaxType, Variant
from shop.extensions import db
from shop.orders.models import (
    Order,
    OrderChannel,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    ShipmentStatus,
)
from shop.procurement import quotes
from shop.procurement.models import Quote, QuoteLine, QuoteStatus
from shop.procurement.quotes import QUOTE_TRANSITIONS, QuoteError, QuoteRequest
from tests.services import procurement_helpers
from tests.services.procurement_helpers import (
    OFFICE,
    TODAY,
    TOMORROW,
    YESTERDAY,
    answer_all,
    count,
    fresh,
    quote_timeline,
    request_one,
    stock_of,
)

market = procurement_helpers.market  # the fixture, where pytest looks for it

QUOTED = {"rice": 16_500, "snack": 7_000}  # below the mall's 17,000 (bulk) and 8,000


def farm_lines(market):
    return [(market.rice.id, 20), (market.snack.id, 30)]


def quoted_prices(market):
    return {market.rice.id: QUOTED["rice"], market.snack.id: QUOTED["snack"]}


def answered(market, *, valid_until=None, shipping_fee_krw=5_000) -> Quote:
    quote = request_one(market, farm_lines(market))
    answer_all(quote, market.farm_seller, quoted_prices(market), shipping_fee_krw=shipping_fee_krw,
               valid_until=valid_until)
    return quote


def snapshot(market, quote_id: int):
    """Everything a refused action must leave as it was."""
    quote = fresh(Quote, quote_id)
    return (quote.status, quote_timeline(quote_id), [(line.id, line.unit_price_krw) for line in quote.lines],
            quote.shipping_fee_krw, quote.valid_until, quote.decision_reason, count(Order),
            stock_of(market.rice.id), stock_of(market.snack.id))


# --- the state table, move by move -----------------------------------------------------------------


def quote_in(market, status: QuoteStatus) -> Quote:
    """A quotation brought to `status` the way users bring it there."""
    quote = request_one(market, farm_lines(market))
    if status is QuoteStatus.REFUSED:
        quotes.refuse(quote, market.farm_seller, reason="해당 수량은 납기 내 생산이 어렵습니다.")
    elif status is QuoteStatus.WITHDRAWN:
        quotes.withdraw(quote, market.buyer, reason="사업 계획 변경")
    elif status is not QuoteStatus.REQUESTED:
        answer_all(quote, market.farm_seller, quoted_prices(market), shipping_fee_krw=5_000, valid_until=TODAY)
        if status is QuoteStatus.ACCEPTED:
            quotes.accept(quote, market.buyer, today=TODAY)
        elif status is QuoteStatus.DECLINED:
            quotes.decline(quote, market.buyer, reason="예산 부족")
        elif status is QuoteStatus.EXPIRED:
            assert quotes.expire_if_lapsed(quote, TOMORROW)
    quote = fresh(Quote, quote.id)
    assert quote.status is status
    return quote


def act(market, quote: Quote, to: QuoteStatus):
    """The public verb that moves a quotation to `to`."""
    if to is QuoteStatus.ANSWERED:
        return quotes.answer(quote, market.farm_seller, unit_prices={line.id: 15_000 for line in quote.lines},
                             shipping_fee_krw=0, valid_until=TODAY + timedelta(days=30), today=TODAY)
    if to is QuoteStatus.ACCEPTED:
        return quotes.accept(quote, market.buyer, today=TODAY)
    if to is QuoteStatus.DECLINED:
        return quotes.decline(quote, market.buyer, reason="예산 부족")
    if to is QuoteStatus.REFUSED:
        return quotes.refuse(quote, market.farm_seller, reason="재고 없음")
    if to is QuoteStatus.WITHDRAWN:
        return quotes.withdraw(quote, market.buyer, reason="중복 요청")
    if to is QuoteStatus.EXPIRED:
        return quotes.expire_if_lapsed(quote, TODAY + timedelta(days=60))
    raise AssertionError(to)


TARGETS = [s for s in QuoteStatus if any(s in allowed for allowed in QUOTE_TRANSITIONS.values())]
PAIRS = [(frm, to) for frm in QUOTE_TRANSITIONS for to in TARGETS]


def test_the_quote_table_is_the_agreed_one():
    Q = QuoteStatus
    assert QUOTE_TRANSITIONS == {
        Q.REQUESTED: {Q.ANSWERED, Q.REFUSED, Q.WITHDRAWN},
        Q.ANSWERED: {Q.ACCEPTED, Q.DECLINED, Q.WITHDRAWN, Q.EXPIRED},
        Q.ACCEPTED: set(), Q.DECLINED: set(), Q.REFUSED: set(), Q.WITHDRAWN: set(), Q.EXPIRED: set(),
    }
    assert QuoteStatus.REQUESTED not in TARGETS  # only request_quotes makes a requested quotation


@pytest.mark.parametrize("frm, to", PAIRS, ids=[f"{f.value}->{t.value}" for f, t in PAIRS])
def test_every_quote_move_is_made_or_refused_as_the_table_says(market, frm, to):
    quote = quote_in(market, frm)
    before = snapshot(market, quote.id)

    if to in QUOTE_TRANSITIONS[frm]:
        result = act(market, quote, to)
        after = fresh(Quote, quote.id)
        assert after.status is to
        assert quote_timeline(quote.id) == before[1] + [(to.value, after_label(to))]
        if to is QuoteStatus.ACCEPTED:
            assert result.quote_id == quote.id and count(Order) == 1
        if to is QuoteStatus.EXPIRED:
            assert result is True
        return

    if to is QuoteStatus.EXPIRED:  # lazy expiry touches only an answered quotation
        assert act(market, quote, to) is False
    elif (frm, to) == (QuoteStatus.ACCEPTED, QuoteStatus.ACCEPTED):  # accepting again: the same order
        assert act(market, quote, to).id == quotes.order_of(quote).id
    else:
        with pytest.raises(QuoteError, match="수 없습니다"):
            act(market, quote, to)
    assert snapshot(market, quote.id) == before


def after_label(to: QuoteStatus) -> str:
    if to is QuoteStatus.ANSWERED or to is QuoteStatus.REFUSED:
        return quotes.ENTERPRISE
    if to is QuoteStatus.EXPIRED:
        return quotes.SYSTEM
    return quotes.BUYER


# --- who may act ------------------------------------------------------------------------------------

BUYER_ACTS = {
    "withdraw": (QuoteStatus.REQUESTED, lambda q, u: quotes.withdraw(q, u, reason="중복")),
    "decline": (QuoteStatus.ANSWERED, lambda q, u: quotes.decline(q, u, reason="예산 부족")),
    "accept": (QuoteStatus.ANSWERED, lambda q, u: quotes.accept(q, u, today=TODAY)),
}
ENTERPRISE_ACTS = {
    "answer": (QuoteStatus.REQUESTED, lambda q, u: quotes.answer(
        q, u, unit_prices={line.id: 10_000 for line in q.lines}, shipping_fee_krw=0,
        valid_until=TODAY + timedelta(days=7), today=TODAY)),
    "refuse": (QuoteStatus.REQUESTED, lambda q, u: quotes.refuse(q, u, reason="생산 중단")),
}
INTRUDERS = {
    "buyer": ["outsider", "consumer", "pending_member", "farm_seller", "stranger_seller", "staff"],
    "enterprise": ["stranger_seller", "seller", "buyer", "outsider", "consumer"],
}
CASES = ([(name, who) for name in BUYER_ACTS for who in INTRUDERS["buyer"]]
         + [(name, who) for name in ENTERPRISE_ACTS for who in INTRUDERS["enterprise"]])


@pytest.mark.parametrize("action, intruder", CASES, ids=[f"{a}-by-{w}" for a, w in CASES])
def test_only_the_institution_or_the_enterprise_may_act_on_a_quotation(market, action, intruder):
    status, do = {**BUYER_ACTS, **ENTERPRISE_ACTS}[action]
    quote = quote_in(market, status)
    before = snapshot(market, quote.id)
    with pytest.raises(QuoteError, match="권한"):
        do(quote, getattr(market, intruder))
    assert snapshot(market, quote.id) == before


def test_a_colleague_may_accept_and_center_staff_may_answer_for_the_enterprise(market):
    quote = request_one(market, farm_lines(market))
    answer_all(quote, market.staff, quoted_prices(market), shipping_fee_krw=5_000)
    order = quotes.accept(quote, market.second_buyer, today=TODAY)
    assert order.buyer_id == market.second_buyer.id and order.institution_id == market.institution.id
    assert quote_timeline(quote.id) == [("requested", "구매기관"), ("answered", "지원센터"), ("accepted", "구매기관")]


def test_each_side_reads_only_its_own_quotations(market):
    paper_quote, farm_quote = quotes.request_quotes(
        market.buyer, QuoteRequest([(market.paper.id, 60), (market.rice.id, 20)], TOMORROW, OFFICE), today=TODAY)
    outsider_institution = market.outsider.institution_id

    assert [q.id for q in quotes.institution_quotes(market.institution.id)] == [farm_quote.id, paper_quote.id]
    assert quotes.institution_quotes(outsider_institution) == []
    assert quotes.institution_quote(outsider_institution, paper_quote.number) is None
    assert quotes.institution_quote(market.institution.id, paper_quote.number).id == paper_quote.id

    assert [q.id for q in quotes.enterprise_quotes(market.paper_co.id)] == [paper_quote.id]
    assert quotes.enterprise_quote(market.farm_co.id, paper_quote.number) is None
    assert quotes.enterprise_quote(market.paper_co.id, paper_quote.number).id == paper_quote.id
    assert quotes.enterprise_quotes(market.farm_co.id, status=QuoteStatus.ANSWERED) == []
    assert [q.id for q in quotes.enterprise_quotes(market.farm_co.id, status=QuoteStatus.REQUESTED)] == [farm_quote.id]


# --- asking -----------------------------------------------------------------------------------------


def test_a_request_over_two_enterprises_makes_one_quotation_each_at_the_mall_prices(market):
    request = QuoteRequest([(market.paper.id, 60), (market.rice.id, 10), (market.snack.id, 30), (market.rice.id, 15)],
                           TODAY + timedelta(days=10), OFFICE, "  납품 시 거래명세서 동봉  ")
    paper_quote, farm_quote = quotes.request_quotes(market.buyer, request, today=TODAY)

    assert (paper_quote.enterprise_id, farm_quote.enterprise_id) == (market.paper_co.id, market.farm_co.id)
    for quote in (paper_quote, farm_quote):
        quote = fresh(Quote, quote.id)
        assert quote.number.startswith("Q") and len(quote.number) == 16
        assert quote.status is QuoteStatus.REQUESTED
        assert (quote.institution_id, quote.requester_id) == (market.institution.id, market.buyer.id)
        assert quote.needed_by == TODAY + timedelta(days=10) and quote.request_note == "납품 시 거래명세서 동봉"
        assert (quote.recipient_name, quote.recipient_phone, quote.recipient_department, quote.postcode) \
            == ("박주무관", "0221331234", "총무과", "04524")
        assert quote.shipping_fee_krw is None and quote.valid_until is None and not quote.is_answered
        assert quote_timeline(quote.id) == [("requested", "구매기관")]

    lines = {line.variant_id: line for line in fresh(Quote, farm_quote.id).lines + fresh(Quote, paper_quote.id).lines}
    paper, rice, snack = lines[market.paper.id], lines[market.rice.id], lines[market.snack.id]
    assert (paper.product_name, paper.option_name, paper.sku, paper.tax_type) \
        == ("친환경 복사용지 A4", "80g 2500매", market.paper.sku, TaxType.TAXABLE)
    assert (rice.product_name, rice.tax_type) == ("유기농 현미 4kg", TaxType.EXEMPT)
    # The list price is the mall's price for that quantity: 60 sheets reach the 50+ tier; the two rice
    # lines are one line of 25, which reaches the 20+ tier that neither 10 nor 15 would.
    assert (paper.quantity, paper.list_price_krw) == (60, 22_000)
    assert (rice.quantity, rice.list_price_krw) == (25, 17_000)
    assert (snack.quantity, snack.list_price_krw) == (30, 8_000)
    assert all(line.unit_price_krw is None for line in lines.values())
    assert stock_of(market.paper.id) == 500 and stock_of(market.rice.id) == 40  # asking takes no stock


def test_a_running_exhibition_price_is_the_list_price_when_it_is_lower(market, make_exhibition):
    make_exhibition(products=[market.snack.product], special_prices={market.snack: 7_500})
    quote = request_one(market, [(market.snack.id, 5)])
    assert quote.lines[0].list_price_krw == 7_500


def test_more_than_the_stock_may_be_asked_for_the_enterprise_answers_for_it(market):
    quote = request_one(market, [(market.rice.id, 60)])
    assert quote.lines[0].quantity == 60
    answer_all(quote, market.farm_seller, {market.rice.id: 16_000})
    with pytest.raises(QuoteError, match="재고가 40개 남아"):
        quotes.accept(quote, market.buyer, today=TODAY)
    assert fresh(Quote, quote.id).status is QuoteStatus.ANSWERED and count(Order) == 0
    assert stock_of(market.rice.id) == 40


def _request(market, **changes):
    base = {"lines": [(market.rice.id, 20)], "needed_by": TOMORROW, "delivery": OFFICE, "note": ""}
    return QuoteRequest(**{**base, **changes})


@pytest.mark.parametrize("who, changes, message, field", [
    ("buyer", {"needed_by": YESTERDAY}, "납품 요청일은 오늘 이후로 골라 주세요.", "needed_by"),
    ("buyer", {"needed_by": None}, "납품 요청일을 입력해 주세요.", "needed_by"),
    ("buyer", {"lines": []}, "견적 받을 상품과 수량을 골라 주세요.", None),
    ("buyer", {"lines": [("rice", 0)]}, "견적 받을 상품과 수량을 골라 주세요.", None),
    ("buyer", {"delivery": replace(OFFICE, recipient_phone="123-45")}, "010-1234-5678 형식으로", "recipient_phone"),
    ("buyer", {"delivery": replace(OFFICE, department="", recipient_phone="02-2133-1234")}, "휴대전화 번호를",
     "recipient_phone"),  # without a department an office line is not enough
    ("buyer", {"delivery": replace(OFFICE, postcode="045")}, "우편번호 5자리", "postcode"),
    ("buyer", {"note": "가" * 1001}, "1,000자 이내", "note"),
    ("buyer", {"lines": [(999_999, 3)]}, "없는 상품이 포함되어", None),
    ("buyer", {"lines": [("rice", -3)]}, "최소 주문 수량", None),
    ("buyer", {"lines": [("rice", 1)] * 51}, "50개 품목까지", None),
    ("consumer", {}, "견적 요청은 승인된 공공기관 구매담당자만 할 수 있습니다.", None),
    ("pending_member", {}, "승인된 공공기관 구매담당자만", None),
    ("farm_seller", {}, "승인된 공공기관 구매담당자만", None),
])
def test_a_request_that_cannot_be_made_says_why_in_korean_and_saves_nothing(market, who, changes, message, field):
    if "lines" in changes:
        changes["lines"] = [(market.rice.id if vid == "rice" else vid, qty) for vid, qty in changes["lines"]]
    with pytest.raises(QuoteError, match=message) as refused:
        quotes.request_quotes(getattr(market, who), _request(market, **changes), today=TODAY)
    assert refused.value.field == field
    assert count(Quote) == 0


def test_a_product_no_longer_on_sale_cannot_be_asked_for(market):
    product = db.session.get(Product, market.snack.product_id)
    product.status = ProductStatus.HIDDEN
    db.session.commit()
    with pytest.raises(QuoteError, match="현미 누룽지 선물세트 \\(10봉\\): 지금은 판매하지 않는"):
        quotes.request_quotes(market.buyer, _request(market, lines=[(market.rice.id, 20), (market.snack.id, 1)]),
                              today=TODAY)
    assert count(Quote) == 0


# --- answering --------------------------------------------------------------------------------------


@pytest.mark.parametrize("prices, shipping, valid_days, message, field", [
    ({"rice": 16_000}, 0, 30, "누룽지 선물세트: 단가를 1원 이상", "snack"),  # a line left without a price
    ({"rice": 16_000, "snack": 0}, 0, 30, "단가를 1원 이상 100,000,000원 이하로", "snack"),
    ({"rice": -500, "snack": 7_000}, 0, 30, "유기농 현미 4kg: 단가를", "rice"),
    ({"rice": 16_000.5, "snack": 7_000}, 0, 30, "단가를", "rice"),
    ({"rice": 100_000_001, "snack": 7_000}, 0, 30, "단가를", "rice"),
    ({"rice": 16_000, "snack": 7_000}, -1, 30, "배송비를 0원 이상으로", "shipping_fee_krw"),
    ({"rice": 16_000, "snack": 7_000}, 0, -1, "견적 유효기한은 오늘 이후 날짜로", "valid_until"),
    ({"rice": 16_000, "snack": 7_000}, 0, None, "견적 유효기한은", "valid_until"),
])
def test_an_incomplete_or_impossible_answer_is_refused(market, prices, shipping, valid_days, message, field):
    quote = request_one(market, farm_lines(market))
    line_of = {line.variant_id: line.id for line in quote.lines}
    by_name = {"rice": market.rice.id, "snack": market.snack.id}
    before = snapshot(market, quote.id)
    with pytest.raises(QuoteError, match=message) as refused:
        quotes.answer(quote, market.farm_seller,
                      unit_prices={line_of[by_name[name]]: price for name, price in prices.items()},
                      shipping_fee_krw=shipping, today=TODAY,
                      valid_until=None if valid_days is None else TODAY + timedelta(days=valid_days))
    expected_field = f"price_{line_of[by_name[field]]}" if field in by_name else field
    assert refused.value.field == expected_field
    assert snapshot(market, quote.id) == before


def test_an_answer_fixes_prices_fee_and_validity_on_the_quotation(market):
    quote = answered(market, valid_until=TODAY + timedelta(days=10))
    quote = fresh(Quote, quote.id)
    assert quote.status is QuoteStatus.ANSWERED and quote.is_answered
    assert {line.variant_id: line.unit_price_krw for line in quote.lines} == quoted_prices(market)
    assert (quote.shipping_fee_krw, quote.valid_until, quote.answered_by_id) \
        == (5_000, TODAY + timedelta(days=10), market.farm_seller.id)
    assert quote.items_total_krw == 20 * 16_500 + 30 * 7_000 and quote.total_krw == 545_000
    assert quote.answered_at is not None and quote.answer_note == "부가세 포함, 납기 5일"


# --- accepting --------------------------------------------------------------------------------------


def test_accepting_makes_an_invoice_order_at_exactly_the_quoted_prices(market):
    quote = answered(market, shipping_fee_krw=5_000)
    order = quotes.accept(quote, market.buyer, today=TODAY)
    order = fresh(Order, order.id)

    assert (order.quote_id, order.buyer_id, order.institution_id) == (quote.id, market.buyer.id, market.institution.id)
    assert (order.channel, order.payment_method) == (OrderChannel.INSTITUTION, PaymentMethod.INVOICE)
    assert order.status is OrderStatus.ORDERED and order.expires_at is None
    items = {item.variant_id: item for item in order.items}
    # quoted, not the list prices (17,000 bulk and 8,000) nor the option prices
    assert (items[market.rice.id].unit_price_krw, items[market.rice.id].regular_price_krw) == (16_500, 19_000)
    assert (items[market.snack.id].unit_price_krw, items[market.snack.id].line_total_krw) == (7_000, 210_000)
    assert items[market.rice.id].tax_type is TaxType.EXEMPT
    (shipment,) = order.shipments
    assert (shipment.enterprise_id, shipment.status) == (market.farm_co.id, ShipmentStatus.ORDERED)
    assert (shipment.items_total_krw, shipment.shipping_fee_krw) == (540_000, 5_000)  # the quoted fee, not 4,000
    assert (order.items_total_krw, order.shipping_total_krw, order.total_krw) == (540_000, 5_000, 545_000)
    assert order.vat_krw == 19_545  # 10/110 of the taxable 210,000 and the 5,000 delivery; rice is 면세
    assert order.supply_value_krw == 545_000 - 19_545
    assert (order.recipient_department, order.recipient_phone) == ("총무과", "0221331234")
    assert quote.number in order.delivery_memo
    assert stock_of(market.rice.id) == 20 and stock_of(market.snack.id) == 70
    assert fresh(Quote, quote.id).status is QuoteStatus.ACCEPTED
    assert quotes.order_of(quote).id == order.id
    assert [(e.to_status, e.actor_label, e.note) for e in order.events] == [("ordered", "구매자", "견적 수락으로 주문")]


def test_accepting_twice_or_by_a_colleague_gives_back_the_same_order(market):
    quote = answered(market)
    first = quotes.accept(quote, market.buyer, today=TODAY)
    again = quotes.accept(fresh(Quote, quote.id), market.buyer, today=TODAY)
    colleague = quotes.accept(fresh(Quote, quote.id), market.second_buyer, today=TODAY)
    assert first.id == again.id == colleague.id
    assert count(Order) == 1 and count(OrderItem) == 2
    assert stock_of(market.rice.id) == 20
    assert [s for s, _ in quote_timeline(quote.id)].count("accepted") == 1


def test_a_lapsed_quotation_expires_when_accepted_and_makes_no_order(market):
    quote = answered(market, valid_until=TODAY)
    assert quotes.accept(quote, market.buyer, today=TODAY).quote_id == quote.id  # the last valid day still counts

    lapsed = answered(market, valid_until=TODAY)
    with pytest.raises(QuoteError, match=f"견적 유효기한\\({TODAY:%Y-%m-%d}\\)이 지나 수락할 수 없습니다"):
        quotes.accept(lapsed, market.buyer, today=TOMORROW)
    assert fresh(Quote, lapsed.id).status is QuoteStatus.EXPIRED
    assert quote_timeline(lapsed.id)[-1] == ("expired", "시스템")
    assert quotes.order_of(lapsed) is None and count(Order) == 1
    assert stock_of(market.rice.id) == 20  # only the first quotation's order took stock
    with pytest.raises(QuoteError, match="'유효기한 만료' 상태의 견적은 수락할 수 없습니다"):
        quotes.accept(fresh(Quote, lapsed.id), market.buyer, today=TOMORROW)


def test_the_scheduler_expires_every_lapsed_answer_once(market):
    short = answered(market, valid_until=TODAY)
    long = answered(market, valid_until=TOMORROW)
    waiting = request_one(market, farm_lines(market))
    assert quotes.expire_lapsed_quotes(TODAY) == 0
    assert quotes.expire_lapsed_quotes(TOMORROW) == 1
    assert quotes.expire_lapsed_quotes(TOMORROW) == 0
    assert quotes.expire_lapsed_quotes(TOMORROW + timedelta(days=1)) == 1
    assert [fresh(Quote, q.id).status for q in (short, long, waiting)] \
        == [QuoteStatus.EXPIRED, QuoteStatus.EXPIRED, QuoteStatus.REQUESTED]


def test_expiry_leaves_alone_a_quotation_someone_else_just_decided(market):
    """The scheduler read it as answered; the buyer declined it a moment later (another session)."""
    quote = answered(market, valid_until=TODAY)
    stale = fresh(Quote, quote.id)
    with db.engine.begin() as other_session:
        other_session.execute(sa.update(Quote).where(Quote.id == quote.id).values(status=QuoteStatus.DECLINED))
    assert stale.status is QuoteStatus.ANSWERED  # what this session still believes
    assert quotes.expire_if_lapsed(stale, TOMORROW) is False
    assert fresh(Quote, quote.id).status is QuoteStatus.DECLINED
    assert [s for s, _ in quote_timeline(quote.id)] == ["requested", "answered"]


def test_an_option_taken_off_sale_after_the_answer_cannot_be_ordered(market):
    quote = answered(market)
    product = db.session.get(Product, market.snack.product_id)
    product.status = ProductStatus.HIDDEN
    db.session.commit()
    with pytest.raises(QuoteError, match="판매하지 않는"):
        quotes.accept(fresh(Quote, quote.id), market.buyer, today=TODAY)
    assert fresh(Quote, quote.id).status is QuoteStatus.ANSWERED and count(Order) == 0


def test_an_option_deleted_after_the_request_cannot_be_ordered(market):
    quote = answered(market)
    db.session.execute(sa.update(QuoteLine).where(QuoteLine.variant_id == market.snack.id).values(variant_id=None))
    db.session.commit()
    with pytest.raises(QuoteError, match="더 이상 판매하지 않는 상품"):
        quotes.accept(fresh(Quote, quote.id), market.buyer, today=TODAY)
    assert stock_of(market.rice.id) == 40


def test_an_unknown_payment_method_is_refused(market):
    quote = answered(market)
    with pytest.raises(QuoteError, match="결제 방법") as refused:
        quotes.accept(quote, market.buyer, payment_method="bitcoin", today=TODAY)
    assert refused.value.field == "payment_method"
    assert fresh(Quote, quote.id).status is QuoteStatus.ANSWERED and stock_of(market.snack.id) == 100


def test_quoted_prices_hold_even_when_the_catalog_price_changes_later(market):
    quote = answered(market)
    db.session.get(Variant, market.snack.id).price_krw = 5_000
    db.session.commit()
    order = quotes.accept(fresh(Quote, quote.id), market.buyer, today=TODAY)
    assert {i.variant_id: i.unit_price_krw for i in fresh(Order, order.id).items}[market.snack.id] == 7_000
