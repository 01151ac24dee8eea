"""Quotations and invoice orders under real concurrency, on whichever database the suite runs on: one
order per quotation however many buyers accept it at once, stock given back exactly once however a
decline and a cancellation collide, and a clear refusal (never a crash) for whoever comes second."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.accounts.models import User
from shop.extensions import db
from shop.orders.models import Order, OrderStatus, Shipment, ShipmentStatus
from shop.orders.services import OrderError
from shop.procurement import invoice_orders, quotes
from shop.procurement.models import Quote, QuoteStatus
from shop.procurement.quotes import QuoteError
from tests.services import procurement_helpers
from tests.services.order_helpers import race
from tests.services.procurement_helpers import (
    TODAY,
    TOMORROW,
    answer_all,
    count,
    fresh,
    invoice_order,
    order_timeline,
    quote_timeline,
    request_one,
    shipment_of,
    stock_of,
)

market = procurement_helpers.market  # the fixture, where pytest looks for it


def answered_quote(market, *, valid_until=None) -> int:
    quote = request_one(market, [(market.rice.id, 20), (market.snack.id, 30)])
    answer_all(quote, market.farm_seller, {market.rice.id: 16_500, market.snack.id: 7_000}, shipping_fee_krw=5_000,
               valid_until=valid_until)
    return quote.id


def unexpected(results) -> list:
    """Anything but a result or a refusal the user can read."""
    return [r for r in results if isinstance(r, BaseException) and not isinstance(r, (QuoteError, OrderError))]


@pytest.mark.parametrize("threads", [2, 6])
def test_buyers_accepting_one_quotation_at_once_make_exactly_one_order(app, market, threads):
    quote_id = answered_quote(market)
    buyer_ids = [market.buyer.id, market.second_buyer.id]

    def accept(i: int):
        buyer = db.session.get(User, buyer_ids[i % 2])
        return quotes.accept(db.session.get(Quote, quote_id), buyer, today=TODAY).id

    results = race(app, threads, accept)
    assert unexpected(results) == []
    orders_made = {r for r in results if isinstance(r, int)}
    refused = [r for r in results if isinstance(r, QuoteError)]
    assert len(orders_made) == 1, results  # everyone who got an order got the same one
    assert sum(isinstance(r, int) for r in results) + len(refused) == threads
    assert all("견적" in str(r) for r in refused)

    assert count(Order) == 1
    order = fresh(Order, orders_made.pop())
    assert order.quote_id == quote_id and order.status is OrderStatus.ORDERED
    assert stock_of(market.rice.id) == 40 - 20 and stock_of(market.snack.id) == 100 - 30  # taken once
    assert fresh(Quote, quote_id).status is QuoteStatus.ACCEPTED
    assert [s for s, _ in quote_timeline(quote_id)].count("accepted") == 1


def test_one_buyer_accepting_while_a_colleague_declines_leaves_one_clear_outcome(app, market):
    quote_id = answered_quote(market)
    buyer_ids = [market.buyer.id, market.second_buyer.id]

    def decide(i: int):
        quote, buyer = db.session.get(Quote, quote_id), db.session.get(User, buyer_ids[i % 2])
        if i % 2:
            return quotes.decline(quote, buyer, reason="예산 삭감")
        return quotes.accept(quote, buyer, today=TODAY).id

    results = race(app, 4, decide)
    assert unexpected(results) == []
    status = fresh(Quote, quote_id).status
    assert status in (QuoteStatus.ACCEPTED, QuoteStatus.DECLINED)
    decisions = [s for s, _ in quote_timeline(quote_id) if s in ("accepted", "declined")]
    assert decisions == [status.value]
    if status is QuoteStatus.ACCEPTED:
        assert count(Order) == 1 and stock_of(market.rice.id) == 20
    else:
        assert count(Order) == 0 and stock_of(market.rice.id) == 40


def test_the_scheduler_and_a_late_acceptance_expire_a_lapsed_quotation_once(app, market):
    quote_id = answered_quote(market, valid_until=TODAY)
    buyer_id = market.buyer.id

    def collide(i: int):
        if i % 2:
            return quotes.expire_lapsed_quotes(TOMORROW)
        return quotes.accept(db.session.get(Quote, quote_id), db.session.get(User, buyer_id), today=TOMORROW)

    results = race(app, 6, collide)
    assert unexpected(results) == []
    expirer_counts = [r for i, r in enumerate(results) if i % 2]
    assert all(isinstance(r, int) for r in expirer_counts), results  # the scheduler's run never breaks off
    assert all(isinstance(r, QuoteError) for i, r in enumerate(results) if not i % 2), results
    assert fresh(Quote, quote_id).status is QuoteStatus.EXPIRED
    assert [s for s, _ in quote_timeline(quote_id)].count("expired") == 1
    assert count(Order) == 0 and stock_of(market.rice.id) == 40


@pytest.mark.parametrize("threads", [2, 6])
def test_a_decline_and_a_cancellation_at_once_give_the_stock_back_once(app, market, threads):
    order = invoice_order(market.buyer, [(market.rice.id, 10), (market.snack.id, 5)])
    order_id, shipment_id = order.id, order.shipments[0].id
    buyer_id, seller_id = market.buyer.id, market.farm_seller.id
    assert stock_of(market.rice.id) == 30

    def collide(i: int):
        if i % 2:
            shipment = db.session.get(Shipment, shipment_id)
            return invoice_orders.decline(shipment, db.session.get(User, seller_id), reason="납기 불가")
        return invoice_orders.cancel_order(db.session.get(Order, order_id), db.session.get(User, buyer_id))

    results = race(app, threads, collide)
    assert unexpected(results) == []
    assert sum(r is None for r in results) == 1, results  # one of them ended it, the others were told why
    assert stock_of(market.rice.id) == 40 and stock_of(market.snack.id) == 100
    assert fresh(Shipment, shipment_id).status in (ShipmentStatus.DECLINED, ShipmentStatus.CANCELLED)
    assert fresh(Order, order_id).status is OrderStatus.CANCELLED
    ends = [status for sid, status, _ in order_timeline(order_id) if sid == shipment_id and status != "ordered"]
    assert len(ends) == 1 and [s for sid, s, _ in order_timeline(order_id) if sid is None] == ["ordered", "cancelled"]


def test_a_cancellation_racing_one_enterprise_decline_keeps_every_unit_accounted_for(app, market):
    order = invoice_order(market.buyer, [(market.paper.id, 60), (market.rice.id, 10)])
    order_id = order.id
    farm_part = shipment_of(order, market.farm_co).id
    paper_part = shipment_of(order, market.paper_co).id
    buyer_id, seller_id = market.buyer.id, market.farm_seller.id

    def collide(i: int):
        if i:
            return invoice_orders.decline(db.session.get(Shipment, farm_part), db.session.get(User, seller_id),
                                          reason="납기 불가")
        return invoice_orders.cancel_order(db.session.get(Order, order_id), db.session.get(User, buyer_id))

    results = race(app, 2, collide)
    assert unexpected(results) == []
    assert stock_of(market.rice.id) == 40  # the rice part ended one way or the other, given back once
    paper_status = fresh(Shipment, paper_part).status
    assert paper_status in (ShipmentStatus.ORDERED, ShipmentStatus.CANCELLED)
    assert stock_of(market.paper.id) == (500 if paper_status is ShipmentStatus.CANCELLED else 440)
    expected_order = OrderStatus.CANCELLED if paper_status is ShipmentStatus.CANCELLED else OrderStatus.ORDERED
    assert fresh(Order, order_id).status is expected_order
    ended = db.session.scalars(sa.select(Shipment.status).where(Shipment.id == farm_part)).one()
    assert ended in (ShipmentStatus.DECLINED, ShipmentStatus.CANCELLED)
