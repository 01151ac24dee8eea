"""The enterprise dashboard's figures on realistic orders: what counts as a sale (paid card orders while not
cancelled or returned, inspected invoice orders at their accepted quantity — the purchase report's rule),
in which Korean month, consumers against institutions, the top products, what waits for the enterprise,
never another enterprise's orders, and a number of queries that does not grow with the orders."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.enterprises import dashboard as figures
from shop.enterprises.dashboard import ActionCounts, DashboardError
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import (
    Order,
    OrderChannel,
    OrderItem,
    Shipment,
    ShipmentStatus,
)
from shop.orders.services import Delivery
from shop.payments import services as payments
from shop.procurement import invoice_orders, quotes
from shop.procurement.models import Inspection
from shop.procurement.quotes import QuoteRequest
from tests.services import test_purchase_reports as purchases
from tests.services.test_purchase_reports import (
    OFFICE,
    TODAY,
    card_order,
    deliver,
    fresh,
    inspected_invoice_order,
    invoice_order,
    new_key,
    shipment_of,
)

scene = purchases.scene  # the fixture: 늘봄 협동조합 (rice 20,000원 면세, snack 8,000원), paper, pen of others
HOME = Delivery("이소비", "010-2345-6789", "04524", "서울특별시 중구 세종대로 110", "3층", "")
YEAR = TODAY.year


def consumer_order(buyer, lines, *, pay: bool = True) -> Order:
    order = orders.place_order(buyer, [(v.id, qty) for v, qty in lines], HOME, new_key(), today=TODAY)
    if pay:
        payments.pay_in_test_mode(order, buyer)
    return fresh(Order, order.id)


def board(scene, enterprise=None, year: int = YEAR):
    db.session.expire_all()
    return figures.dashboard((enterprise or scene.coop).id, year=year, today=TODAY)


def month_totals(result) -> dict[int, tuple[int, int]]:
    """{month: (total, orders)} of the months that sold anything."""
    return {m.month: (m.total_krw, m.order_count) for m in result.months if m.total_krw or m.order_count}


def set_paid_at(order: Order, moment: datetime) -> None:
    db.session.execute(sa.update(Order).where(Order.id == order.id).values(paid_at=moment))
    db.session.commit()


@pytest.fixture
def sold(scene, make_user):
    """늘봄 협동조합's year: a paid consumer order, a cancelled one, a returned one, a return only requested,
    an unpaid one, an institution's corporate-card order and an inspected invoice order accepted in part;
    and other enterprises' sales in the same orders and beside them."""
    consumer = make_user(Role.CONSUMER, name="이소비")
    other_consumer = make_user(Role.CONSUMER, name="박시민")
    paid = consumer_order(consumer, [(scene.rice, 2), (scene.snack, 3), (scene.paper, 1)])  # 40,000 + 24,000 coop
    cancelled = consumer_order(consumer, [(scene.rice, 1)])
    payments.cancel_order(cancelled, consumer)
    returned = consumer_order(other_consumer, [(scene.snack, 5)])
    box = deliver(scene, shipment_of(returned, scene.coop), invoice=False)
    orders.request_return(box, other_consumer, reason="defective", detail="봉지가 터져서 왔어요")
    payments.approve_return(fresh(Shipment, box.id), scene.coop_seller)
    asked_back = consumer_order(other_consumer, [(scene.snack, 1)])  # 8,000: counts until the return is accepted
    box = deliver(scene, shipment_of(asked_back, scene.coop), invoice=False)
    orders.request_return(box, other_consumer, reason="change_of_mind", detail="")
    consumer_order(consumer, [(scene.rice, 4)], pay=False)  # never paid
    corporate_card = card_order(scene.buyer, [(scene.rice, 1)])  # 20,000, the institution's card
    partial = inspected_invoice_order(scene, [(scene.rice, 10), (scene.snack, 4)],
                                      {scene.rice.id: 7, scene.snack.id: 0})  # 140,000 accepted
    # Other enterprises, and another institution buying elsewhere.
    consumer_order(consumer, [(scene.paper, 3)])
    inspected_invoice_order(scene, [(scene.pen, 50)], buyer=scene.other_buyer)
    return {"paid": paid, "cancelled": cancelled, "returned": returned, "asked_back": asked_back,
            "corporate_card": corporate_card, "partial": partial, "consumer": consumer}


# --- what counts -----------------------------------------------------------------------------------


def test_the_year_counts_paid_and_inspected_lines_and_nothing_else(scene, sold):
    result = board(scene)

    assert fresh(Order, sold["cancelled"].id).status.value == "cancelled"
    assert shipment_of(sold["returned"], scene.coop).status is ShipmentStatus.RETURNED
    assert result.total_krw == 64_000 + 8_000 + 20_000 + 140_000
    assert result.order_count == 4
    assert month_totals(result) == {TODAY.month: (232_000, 4)}
    assert len(result.months) == 12 and [m.month for m in result.months] == list(range(1, 13))


def test_consumers_and_institutions_are_split_by_the_orders_channel(scene, sold):
    result = board(scene)

    consumer, institution = result.channels
    assert (consumer.channel, consumer.total_krw, consumer.order_count) == (OrderChannel.CONSUMER, 72_000, 2)
    assert (institution.channel, institution.total_krw, institution.order_count) == (
        OrderChannel.INSTITUTION, 160_000, 2)
    assert (consumer.label, institution.label) == ("일반 소비자", "공공기관")
    assert str(result.share_percent(consumer)) == "31.0"  # 72,000 / 232,000 = 31.03%, rounded down
    assert str(result.share_percent(institution)) == "68.9"


def test_top_products_are_by_amount_with_the_counted_quantity(scene, sold):
    result = board(scene)

    assert [(p.name, p.quantity, p.total_krw) for p in result.top_products] == [
        ("유기농 현미", 2 + 1 + 7, 200_000),  # the invoice order's accepted 7 of 10
        ("현미 누룽지", 3 + 1, 32_000),  # the returned 5 and the refused 4 are not sold
    ]
    assert {p.product_id for p in result.top_products} == {scene.rice.product_id, scene.snack.product_id}


def test_what_needs_action_now(scene, sold, market_for_actions):
    result = board(scene)

    # To ship: the paid consumer order and the corporate-card order (paid), plus one accepted invoice order.
    # To accept: one invoice order just placed. Returns: the one only requested. Quotations: one.
    # Tax invoices: the inspected invoice order.
    assert result.actions == ActionCounts(to_accept=1, to_ship=3, returns=1, quotes=1, tax_invoices=1)
    assert result.actions.total == 7


@pytest.fixture
def market_for_actions(scene, sold):
    """Orders and quotations that wait for 늘봄 협동조합, and one that waits for someone else."""
    invoice_order(scene.buyer, [(scene.snack, 2)])  # ordered: to accept
    accepted = invoice_order(scene.buyer, [(scene.rice, 3)])
    invoice_orders.accept(accepted.shipments[0], scene.coop_seller)  # accepted: to ship
    started = consumer_order(sold["consumer"], [(scene.paper, 1)])  # another enterprise's, preparing
    orders.start_preparing(started.shipments[0], scene.social_seller)
    for variant in (scene.rice, scene.paper):  # one quotation for each enterprise
        quotes.request_quotes(scene.buyer, QuoteRequest([(variant.id, 30)], TODAY + timedelta(days=10), OFFICE),
                              today=TODAY)


def test_another_enterprise_sees_only_its_own(scene, sold):
    paper = board(scene, scene.social)
    pens = board(scene, scene.village)

    assert paper.total_krw == 25_000 + 75_000  # in the paid mixed order, and its own order of three
    assert [(p.name, p.quantity) for p in paper.top_products] == [("친환경 복사용지 A4", 4)]
    assert pens.total_krw == 55_000 and pens.channels[1].order_count == 1  # another institution's invoice order
    assert pens.actions == ActionCounts(tax_invoices=1)


def test_a_year_without_sales_is_twelve_empty_months(scene, sold):
    result = board(scene, year=YEAR - 1)

    assert result.total_krw == 0 and result.order_count == 0
    assert [m.total_krw for m in result.months] == [0] * 12
    assert result.top_products == [] and result.best_month is None
    assert str(result.share_percent(result.channels[0])) == "0.0"


# --- which month -----------------------------------------------------------------------------------


def test_card_sales_fall_in_the_korean_month_of_payment(scene, make_user):
    consumer = make_user(Role.CONSUMER)
    new_year = consumer_order(consumer, [(scene.rice, 1)])
    late_january = consumer_order(consumer, [(scene.snack, 1)])
    last_year = consumer_order(consumer, [(scene.snack, 2)])
    # 31 Dec 15:30 UTC is 1 Jan 00:30 in Seoul; 31 Jan 15:00 UTC is 1 Feb 00:00; 31 Dec 14:59 UTC is still December.
    set_paid_at(new_year, datetime(YEAR - 1, 12, 31, 15, 30, tzinfo=UTC))
    set_paid_at(late_january, datetime(YEAR, 1, 31, 15, 0, tzinfo=UTC))
    set_paid_at(last_year, datetime(YEAR - 1, 12, 31, 14, 59, tzinfo=UTC))

    assert month_totals(board(scene)) == {1: (20_000, 1), 2: (8_000, 1)}
    assert month_totals(board(scene, year=YEAR - 1)) == {12: (16_000, 1)}


def test_invoice_sales_fall_in_the_month_of_the_accepted_inspection(scene):
    order = inspected_invoice_order(scene, [(scene.rice, 5)])
    db.session.execute(sa.update(Inspection).where(Inspection.shipment_id == order.shipments[0].id)
                       .values(inspected_on=date(YEAR, 3, 31)))
    db.session.commit()

    assert month_totals(board(scene)) == {3: (100_000, 1)}
    assert board(scene).best_month.label == "3월"


def test_a_deleted_product_keeps_its_sales_under_the_name_it_was_sold_under(scene, make_user):
    consumer = make_user(Role.CONSUMER)
    consumer_order(consumer, [(scene.snack, 2)])
    db.session.execute(sa.update(OrderItem).where(OrderItem.variant_id == scene.snack.id).values(product_id=None))
    db.session.commit()

    (top,) = board(scene).top_products

    assert (top.product_id, top.name, top.total_krw) == (None, "현미 누룽지", 16_000)


def test_only_five_top_products_largest_first(scene, make_user, make_product):
    consumer = make_user(Role.CONSUMER)
    goods = [make_product(name=f"수제 잼 {n}", enterprise=scene.coop, variants=[("기본", 1_000 * n, 100)]).variants[0]
             for n in range(1, 8)]
    consumer_order(consumer, [(variant, 1) for variant in goods])

    result = board(scene)

    assert [p.name for p in result.top_products] == ["수제 잼 7", "수제 잼 6", "수제 잼 5", "수제 잼 4", "수제 잼 3"]
    assert result.total_krw == sum(range(1, 8)) * 1_000


# --- the year asked for, and the cost --------------------------------------------------------------


@pytest.mark.parametrize("year", [2009, YEAR + 1, "20x6", "", True, None, "99999"])
def test_a_year_outside_the_range_is_refused_in_korean(scene, year):
    with pytest.raises(DashboardError) as refused:
        figures.dashboard(scene.coop.id, year=year, today=TODAY)

    assert refused.value.field == "year"
    assert "연도" in str(refused.value)


def test_a_year_may_come_as_text(scene):
    assert figures.dashboard(scene.coop.id, year=f" {YEAR} ", today=TODAY).year == YEAR


def test_the_number_of_queries_does_not_grow_with_the_orders(scene, make_user, count_queries):
    consumer = make_user(Role.CONSUMER)
    consumer_order(consumer, [(scene.rice, 1)])
    coop_id = scene.coop.id
    with count_queries() as few:
        figures.dashboard(coop_id, year=YEAR, today=TODAY)

    for n in range(6):
        consumer_order(consumer, [(scene.rice, 1), (scene.snack, n + 1)])
    inspected_invoice_order(scene, [(scene.rice, 3), (scene.snack, 2)])
    with count_queries() as many:
        result = figures.dashboard(coop_id, year=YEAR, today=TODAY)

    assert len(few) == len(many) == 3
    assert result.order_count == 8
