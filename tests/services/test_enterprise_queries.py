"""What an enterprise reads of its orders: only its own shipments, filtered by state, date and channel,
paged in a constant number of queries; the buyer's contact only while delivery needs it; the CSV."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.orders import enterprise_queries as queries
from shop.orders import services as orders
from shop.orders.models import Order, OrderChannel, Shipment, ShipmentStatus
from shop.payments import services as payments
from shop.procurement import invoice_orders
from tests.services import procurement_helpers
from tests.services.order_helpers import SEOUL, new_key
from tests.services.procurement_helpers import (
    TODAY,
    Market,
    invoice_order,
    shipment_of,
)

market = procurement_helpers.market  # the fixture, where pytest looks for it


def paid_consumer_order(market: Market, lines: list[tuple[int, int]], buyer=None) -> Order:
    """A consumer's card order, paid in the built-in test mode."""
    buyer = buyer or market.consumer
    order = orders.place_order(buyer, lines, SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(order, buyer)
    db.session.expire_all()
    return db.session.get(Order, order.id)


def placed_on(order: Order, when: datetime) -> None:
    db.session.execute(sa.update(Order).where(Order.id == order.id).values(placed_at=when))
    db.session.commit()


def numbers(page) -> list[str]:
    return [s.order.number for s in page.items]


def test_an_enterprise_sees_only_its_own_part_of_a_shared_order(market):
    order = paid_consumer_order(market, [(market.paper.id, 2), (market.snack.id, 1)])
    paper = shipment_of(order, market.paper_co)
    farm = shipment_of(order, market.farm_co)

    page = queries.enterprise_shipments(market.paper_co.id)
    assert [s.id for s in page.items] == [paper.id] and page.total == 1
    assert [item.product_name for item in page.items[0].items] == ["친환경 복사용지 A4"]
    assert queries.enterprise_shipment(market.paper_co.id, farm.id) is None
    assert queries.enterprise_shipment(market.farm_co.id, farm.id).id == farm.id
    assert queries.enterprise_shipments(market.stranger_seller.enterprise_id).total == 0

    timeline = queries.timeline(queries.enterprise_shipment(market.paper_co.id, paper.id))
    assert {e.shipment_id for e in timeline} == {None, paper.id}  # the order's own steps and this shipment's

    rows = list(queries.shipments_csv_rows(market.paper_co.id))
    assert [row[7] for row in rows] == ["친환경 복사용지 A4"]


def test_filters_by_state_channel_and_korean_order_date(market):
    older = paid_consumer_order(market, [(market.paper.id, 1)])
    newer = paid_consumer_order(market, [(market.paper.id, 3)])
    institution = invoice_order(market.buyer, [(market.paper.id, 10)])
    # 2026-03-01 00:30 in Korea is still 28 February in UTC: the filter counts Korean days.
    placed_on(older, datetime(2026, 2, 28, 15, 30, tzinfo=UTC))
    placed_on(newer, datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
    orders.start_preparing(shipment_of(newer, market.paper_co), market.seller)
    pid = market.paper_co.id

    assert numbers(queries.enterprise_shipments(pid, status=ShipmentStatus.PREPARING)) == [newer.number]
    assert numbers(queries.enterprise_shipments(pid, status=ShipmentStatus.PAID)) == [older.number]
    assert numbers(queries.enterprise_shipments(pid, channel=OrderChannel.INSTITUTION)) == [institution.number]
    assert set(numbers(queries.enterprise_shipments(pid, channel=OrderChannel.CONSUMER))) == {older.number, newer.number}
    march_first = queries.enterprise_shipments(pid, since=datetime(2026, 3, 1).date(), until=datetime(2026, 3, 1).date())
    assert numbers(march_first) == [older.number]
    assert numbers(queries.enterprise_shipments(pid, since=datetime(2026, 3, 2).date(), until=datetime(2026, 3, 2).date())) \
        == []  # 2 March 15:30 UTC is 3 March 00:30 in Korea
    assert numbers(queries.enterprise_shipments(pid, until=datetime(2026, 3, 3).date())) == [newer.number, older.number]
    todo = queries.enterprise_shipments(pid, status=queries.NEEDS_ACTION)
    assert set(numbers(todo)) == {older.number, newer.number, institution.number}


def test_pages_in_a_constant_number_of_queries(market, count_queries):
    enterprise_id = market.paper_co.id

    def run(n: int) -> int:
        for _ in range(n):
            paid_consumer_order(market, [(market.paper.id, 1)])
        invoice_order(market.buyer, [(market.paper.id, 5)])
        db.session.expire_all()
        with count_queries() as statements:
            page = queries.enterprise_shipments(enterprise_id, per_page=50)
            for shipment in page.items:
                page.buyer(shipment), [item.sku for item in shipment.items], shipment.order.number
        return len(statements)

    few = run(1)
    many = run(8)
    assert few == many <= 5
    page = queries.enterprise_shipments(market.paper_co.id, page=2, per_page=4)
    assert page.total == 11 and page.pages == 3 and len(page.items) == 4


def test_the_recipient_is_shown_while_delivery_needs_it_and_masked_after(market):
    order = paid_consumer_order(market, [(market.paper.id, 1)])
    shipment = shipment_of(order, market.paper_co)
    contact = queries.delivery_contact(shipment)
    assert contact.shown and contact.name == "김서울" and contact.phone == "010-2345-6789"
    assert "세종대로 110" in contact.address and contact.memo == "문 앞에 놓아 주세요"

    orders.start_preparing(shipment, market.seller)
    orders.ship(shipment, market.seller, courier="cj", tracking_number="612345678901")
    orders.mark_delivered(shipment, market.seller)
    orders.confirm_purchase(shipment, market.consumer)
    contact = queries.delivery_contact(shipment)
    assert not contact.shown
    assert contact.name == "김*울" and contact.phone == "010-****-6789"
    assert "세종대로" not in contact.address and contact.address.startswith("서울특별시 중구")
    assert queries.buyer_label(shipment) == "이*비"  # the consumer's own name is never shown whole

    (row,) = queries.shipments_csv_rows(market.paper_co.id)
    assert row[3:7] == ("이*비", "김*울", "010-****-6789", contact.address)


def test_csv_has_one_row_per_item_with_the_fee_once(market):
    order = invoice_order(market.buyer, [(market.rice.id, 20), (market.snack.id, 3)])
    shipment = shipment_of(order, market.farm_co)
    rows = list(queries.shipments_csv_rows(market.farm_co.id))
    assert len(rows) == 2 and len(rows[0]) == len(queries.CSV_COLUMNS)
    first, second = rows
    assert first[1] == second[1] == order.number
    assert first[2] == "공공기관 구매" and first[3] == "서울특별시 마포구청"
    assert first[4] == "박주무관" and first[5] == "02-2133-1234"
    assert (first[7], first[10], first[11], first[12]) == ("유기농 현미 4kg", 20, 17_000, 340_000)
    assert first[13] == shipment.shipping_fee_krw and second[13] is None
    assert first[14] == "주문접수" and first[15] == "" and first[16] == ""


def test_actions_follow_the_transition_tables(market):
    order = paid_consumer_order(market, [(market.paper.id, 1)])
    shipment = shipment_of(order, market.paper_co)
    assert queries.enterprise_actions(shipment) == [queries.PREPARE]
    orders.start_preparing(shipment, market.seller)
    assert queries.enterprise_actions(shipment) == [queries.SHIP]
    orders.ship(shipment, market.seller, courier="direct", tracking_number="")
    assert queries.enterprise_actions(shipment) == [queries.DELIVER]
    orders.mark_delivered(shipment, market.seller)
    assert queries.enterprise_actions(shipment) == []
    orders.request_return(shipment, market.consumer, reason="defective", detail="찢어져 왔어요")
    assert queries.enterprise_actions(shipment) == [queries.APPROVE_RETURN, queries.REJECT_RETURN]

    invoice = shipment_of(invoice_order(market.buyer, [(market.paper.id, 10)]), market.paper_co)
    assert queries.enterprise_actions(invoice) == [queries.ACCEPT, queries.DECLINE]
    invoice_orders.accept(invoice, market.seller)
    assert queries.enterprise_actions(invoice) == [queries.SHIP]
    orders.ship(invoice, market.seller, courier="cj", tracking_number="612345678901")
    orders.mark_delivered(invoice, market.seller)
    assert queries.enterprise_actions(invoice) == []  # the institution inspects
    item = invoice.items[0]
    invoice_orders.inspect(invoice, market.buyer, inspected_on=TODAY, inspector_name="박검수",
                           accepted_quantities={item.id: 10}, today=TODAY)
    assert queries.enterprise_actions(invoice) == [queries.TAX_INVOICE]


@pytest.mark.parametrize("phone, masked", [("01023456789", "010-****-6789"), ("0221331234", "02-****-1234"),
                                           ("", "****")])
def test_phone_masking(phone, masked):
    assert queries.mask_phone(phone) == masked


def test_no_shipment_of_another_enterprise_by_id(market):
    order = paid_consumer_order(market, [(market.snack.id, 1)])
    farm = db.session.scalar(sa.select(Shipment).where(Shipment.order_id == order.id))
    assert queries.enterprise_shipment(market.paper_co.id, farm.id) is None
    assert queries.enterprise_shipment(market.paper_co.id, 999_999) is None
    assert list(queries.shipments_csv_rows(market.paper_co.id)) == []
    assert queries.enterprise_shipments(market.paper_co.id, since=TODAY - timedelta(days=1)).total == 0
