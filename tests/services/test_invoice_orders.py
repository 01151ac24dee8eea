"""Invoice orders (후불): placed without payment, accepted or declined by the enterprise, delivered,
inspected (검수), invoiced (세금계산서), settled (대금지급) and completed — every move of the invoice
state table allowed or refused, by whom, and what happens to the stock."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from shop.orders import services as orders
from shop.orders.models import (
    Order,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    Shipment,
    ShipmentStatus,
)
from shop.orders.services import (
    INVOICE_SHIPMENT_TRANSITIONS,
    SHIPMENT_TRANSITIONS,
    OrderError,
)
from shop.payments import services as payments
from shop.procurement import invoice_orders
from shop.procurement.invoice_orders import Amounts
from shop.procurement.models import Inspection, Settlement, SettlementMethod, TaxInvoice
from tests.services import procurement_helpers
from tests.services.order_helpers import SEOUL, new_key
from tests.services.procurement_helpers import (
    TODAY,
    TOMORROW,
    YESTERDAY,
    count,
    fresh,
    invoice_order,
    order_timeline,
    shipment_of,
    stock_of,
)

market = procurement_helpers.market  # the fixture, where pytest looks for it

RICE_STOCK, SNACK_STOCK = 40, 100


def approval(n: int = 1) -> str:
    """A 국세청 승인번호 as enterprises type it: the issue date, then two groups of eight digits."""
    return f"{TODAY:%Y%m%d}-41000000-{n:08d}"


def farm_order(market, rice: int = 10, snack: int = 5) -> Order:
    return invoice_order(market.buyer, [(market.rice.id, rice), (market.snack.id, snack)])


def items_by_variant(shipment: Shipment) -> dict[int, OrderItem]:
    return {item.variant_id: item for item in shipment.items}


# --- the steps, as users take them -----------------------------------------------------------------


def do_accept(m, s):
    invoice_orders.accept(s, m.farm_seller)


def do_decline(m, s):
    invoice_orders.decline(s, m.farm_seller, reason="원료 수급 문제로 납품이 어렵습니다.")


def do_cancel_order(m, s):
    invoice_orders.cancel_order(fresh(Order, s.order_id), m.buyer)


def do_cancel_after_rejection(m, s):
    invoice_orders.cancel_after_rejection(s, m.buyer, reason="재납품 대신 취소하기로 협의")


def do_ship(m, s):
    orders.ship(s, m.farm_seller, courier="cj", tracking_number="6123-4567-8901")


def do_deliver(m, s):
    orders.mark_delivered(s, m.farm_seller)


def do_inspect(m, s):
    invoice_orders.inspect(s, m.buyer, inspected_on=TODAY, inspector_name="박주무관",
                           accepted_quantities={item.id: item.quantity for item in s.items}, today=TODAY)


def do_reject(m, s):
    invoice_orders.reject_inspection(s, m.buyer, inspected_on=TODAY, inspector_name="박주무관",
                                     reason="포장 훼손 다수", today=TODAY)


def do_invoice(m, s, number: int = 1):
    amounts = invoice_orders.accepted_amounts(s)
    invoice_orders.record_tax_invoice(s, m.farm_seller, issued_on=TODAY, approval_number=approval(number),
                                      supply_krw=amounts.supply_krw, vat_krw=amounts.vat_krw,
                                      total_krw=amounts.total_krw, today=TODAY)


def do_settle(m, s):
    invoice_orders.record_settlement(s, m.farm_seller, paid_on=TODAY, method="bank_transfer", today=TODAY)


def do_complete(m, s):
    invoice_orders.complete(s, m.buyer)


S = ShipmentStatus
PATHS = {
    S.ORDERED: [],
    S.ACCEPTED: [do_accept],
    S.DECLINED: [do_decline],
    S.CANCELLED: [do_cancel_order],
    S.SHIPPED: [do_accept, do_ship],
    S.DELIVERED: [do_accept, do_ship, do_deliver],
    S.INSPECTION_REJECTED: [do_accept, do_ship, do_deliver, do_reject],
    S.INSPECTED: [do_accept, do_ship, do_deliver, do_inspect],
    S.INVOICED: [do_accept, do_ship, do_deliver, do_inspect, do_invoice],
    S.SETTLED: [do_accept, do_ship, do_deliver, do_inspect, do_invoice, do_settle],
    S.COMPLETED: [do_accept, do_ship, do_deliver, do_inspect, do_invoice, do_settle, do_complete],
}
# Every verb that could move a shipment to the status, and who it is recorded as.
VERBS = {
    S.ACCEPTED: ([do_accept], "입점기업"),
    S.DECLINED: ([do_decline], "입점기업"),
    S.CANCELLED: ([do_cancel_order, do_cancel_after_rejection], "구매기관"),
    S.SHIPPED: ([do_ship], "입점기업"),
    S.DELIVERED: ([do_deliver], "입점기업"),
    S.INSPECTED: ([do_inspect], "구매기관"),
    S.INSPECTION_REJECTED: ([do_reject], "구매기관"),
    S.INVOICED: ([lambda m, s: do_invoice(m, s, 2)], "입점기업"),
    S.SETTLED: ([do_settle], "입점기업"),
    S.COMPLETED: ([do_complete], "구매기관"),
}


def shipment_in(market, status: ShipmentStatus) -> Shipment:
    order = farm_order(market)
    shipment = order.shipments[0]
    for step in PATHS[status]:
        step(market, fresh(Shipment, shipment.id))
    shipment = fresh(Shipment, shipment.id)
    assert shipment.status is status
    return shipment


def snapshot(market, shipment_id: int):
    """Everything a refused move must leave as it was."""
    shipment = fresh(Shipment, shipment_id)
    return (shipment.status, shipment.order.status, order_timeline(shipment.order_id),
            stock_of(market.rice.id), stock_of(market.snack.id),
            [item.accepted_quantity for item in fresh(Shipment, shipment_id).items],
            count(Inspection), count(TaxInvoice), count(Settlement))


def test_the_invoice_table_is_the_agreed_one():
    assert INVOICE_SHIPMENT_TRANSITIONS == {
        S.ORDERED: {S.ACCEPTED, S.DECLINED, S.CANCELLED},
        S.ACCEPTED: {S.SHIPPED, S.CANCELLED},
        S.SHIPPED: {S.DELIVERED},
        S.DELIVERED: {S.INSPECTED, S.INSPECTION_REJECTED},
        S.INSPECTION_REJECTED: {S.SHIPPED, S.CANCELLED},
        S.INSPECTED: {S.INVOICED},
        S.INVOICED: {S.SETTLED},
        S.SETTLED: {S.COMPLETED},
        S.DECLINED: set(),
        S.CANCELLED: set(),
        S.COMPLETED: set(),
    }
    assert set(PATHS) == set(INVOICE_SHIPMENT_TRANSITIONS)
    assert set(VERBS) == set().union(*INVOICE_SHIPMENT_TRANSITIONS.values())


PAIRS = [(frm, to) for frm in INVOICE_SHIPMENT_TRANSITIONS for to in VERBS]


@pytest.mark.parametrize("frm, to", PAIRS, ids=[f"{f.value}->{t.value}" for f, t in PAIRS])
def test_every_invoice_shipment_move_is_made_or_refused_as_the_table_says(market, frm, to):
    shipment = shipment_in(market, frm)
    before = snapshot(market, shipment.id)
    verbs, label = VERBS[to]

    if to in INVOICE_SHIPMENT_TRANSITIONS[frm]:
        verb = do_cancel_after_rejection if (frm, to) == (S.INSPECTION_REJECTED, S.CANCELLED) else verbs[0]
        verb(market, fresh(Shipment, shipment.id))
        assert fresh(Shipment, shipment.id).status is to
        timeline = order_timeline(shipment.order_id)
        assert timeline[:len(before[2])] == before[2]
        assert timeline[len(before[2])] == (shipment.id, to.value, label)
        return

    for verb in verbs:
        with pytest.raises(OrderError):
            verb(market, fresh(Shipment, shipment.id))
        assert snapshot(market, shipment.id) == before, verb.__name__


# --- the whole way through -------------------------------------------------------------------------


def test_an_invoice_order_is_placed_without_payment_and_holds_its_stock(market):
    order = invoice_order(market.buyer, [(market.paper.id, 60), (market.rice.id, 10), (market.snack.id, 5)])
    order = fresh(Order, order.id)
    assert (order.payment_method, order.status, order.expires_at) == (PaymentMethod.INVOICE, OrderStatus.ORDERED, None)
    assert order.institution_id == market.institution.id and order.recipient_department == "총무과"
    assert [s.status for s in order.shipments] == [S.ORDERED, S.ORDERED]
    assert orders.transitions_for(order) is INVOICE_SHIPMENT_TRANSITIONS
    assert order_timeline(order.id) == [(None, "ordered", "구매자")]
    assert (stock_of(market.paper.id), stock_of(market.rice.id), stock_of(market.snack.id)) == (440, 30, 95)
    # No payment deadline: the expiry run leaves it alone however late it is.
    assert orders.expire_overdue_orders(order.placed_at + timedelta(days=365)) == []
    assert fresh(Order, order.id).status is OrderStatus.ORDERED and stock_of(market.rice.id) == 30


def test_only_an_approved_institution_buyer_may_order_on_invoice(market):
    with pytest.raises(OrderError, match="후불\\(세금계산서\\) 결제는 승인된 공공기관 구매담당자만"):
        orders.place_order(market.consumer, [(market.rice.id, 1)], SEOUL, new_key(), today=TODAY,
                           payment_method=PaymentMethod.INVOICE)
    assert count(Order) == 0 and stock_of(market.rice.id) == RICE_STOCK


def test_invoice_order_from_acceptance_to_completion(market):
    order = farm_order(market, rice=10, snack=5)  # 190,000 면세 + 40,000 과세 + 4,000 delivery
    shipment = order.shipments[0]
    sid = shipment.id
    assert (order.total_krw, order.vat_krw) == (234_000, 4_000)

    invoice_orders.accept(shipment, market.farm_seller)
    orders.ship(shipment, market.farm_seller, courier="cj", tracking_number="6123-4567-8901")
    assert (shipment.courier, shipment.tracking_number) == ("cj", "612345678901")
    orders.mark_delivered(shipment, market.farm_seller)
    assert shipment.status is S.DELIVERED and shipment.delivered_at is not None

    rice, snack = (items_by_variant(shipment)[v.id] for v in (market.rice, market.snack))
    partial = {rice.id: 10, snack.id: 3}
    with pytest.raises(OrderError, match="사유를 비고에") as refused:
        invoice_orders.inspect(shipment, market.buyer, inspected_on=TODAY, inspector_name="박주무관",
                               accepted_quantities=partial, today=TODAY)
    assert refused.value.field == "note" and fresh(Shipment, sid).status is S.DELIVERED
    invoice_orders.inspect(shipment, market.buyer, inspected_on=TODAY, inspector_name="박주무관",
                           accepted_quantities=partial, note="누룽지 2세트 파손", today=TODAY)
    shipment = fresh(Shipment, sid)
    assert shipment.status is S.INSPECTED
    assert {i.variant_id: i.accepted_quantity for i in shipment.items} == {market.rice.id: 10, market.snack.id: 3}
    inspection = invoice_orders.latest_inspection(shipment)
    assert (inspection.accepted, inspection.inspected_on, inspection.inspector_name, inspection.note) \
        == (True, TODAY, "박주무관", "누룽지 2세트 파손")

    # What is owed: 190,000 (면세) + 3 × 8,000 (과세) + 4,000 delivery; VAT only on 24,000 + 4,000.
    expected = Amounts(supply_krw=215_455, vat_krw=2_545, total_krw=218_000)
    assert invoice_orders.accepted_amounts(shipment) == expected

    def tax_invoice(approval_number=None, issued_on=TODAY, **amounts):
        figures = {"supply_krw": 215_455, "vat_krw": 2_545, "total_krw": 218_000, **amounts}
        return invoice_orders.record_tax_invoice(fresh(Shipment, sid), market.farm_seller, issued_on=issued_on,
                                                 approval_number=approval_number or approval(), today=TODAY,
                                                 **figures)

    ordered_figures = {"supply_krw": 230_000, "vat_krw": 4_000, "total_krw": 234_000}  # what was ordered
    all_taxable = {"supply_krw": 198_182, "vat_krw": 19_818, "total_krw": 218_000}  # right total, wrong VAT
    for wrong in (ordered_figures, all_taxable):
        with pytest.raises(OrderError, match="공급가액 215,455원, 세액 2,545원, 합계 218,000원으로 발급해 주세요"):
            tax_invoice(**wrong)
    with pytest.raises(OrderError, match="승인번호 24자리") as refused:
        tax_invoice(approval_number="2026-1234")
    assert refused.value.field == "approval_number"
    with pytest.raises(OrderError, match="앞 8자리는 발급일"):
        tax_invoice(approval_number="20261399-41000000-00000001")
    with pytest.raises(OrderError, match="발급일은 오늘보다 늦을 수 없습니다"):
        tax_invoice(issued_on=TOMORROW)
    with pytest.raises(OrderError, match=f"발급일은 {TODAY:%Y-%m-%d} 이후여야"):  # before the inspection
        tax_invoice(issued_on=YESTERDAY)
    with pytest.raises(OrderError, match="권한"):
        invoice_orders.record_tax_invoice(fresh(Shipment, sid), market.buyer, issued_on=TODAY,
                                          approval_number=approval(), today=TODAY, **expected.__dict__)
    assert fresh(Shipment, sid).status is S.INSPECTED and count(TaxInvoice) == 0

    invoice = tax_invoice(approval_number=approval())
    assert (invoice.approval_number, invoice.total_krw) == (f"{TODAY:%Y%m%d}4100000000000001", 218_000)
    assert fresh(Shipment, sid).status is S.INVOICED

    def settle(paid_on=TODAY, method="bank_transfer"):
        return invoice_orders.record_settlement(fresh(Shipment, sid), market.farm_seller, paid_on=paid_on,
                                                method=method, today=TODAY)

    with pytest.raises(OrderError, match=f"지급일은 {TODAY:%Y-%m-%d} 이후여야 합니다"):  # before the tax invoice
        settle(paid_on=YESTERDAY)
    with pytest.raises(OrderError, match="지급일은 오늘보다"):
        settle(paid_on=TOMORROW)
    with pytest.raises(OrderError, match="지급 방법을 골라"):
        settle(method="cash")
    with pytest.raises(OrderError, match="'세금계산서 발행' 상태에서는 '거래완료'"):  # not before the payment
        invoice_orders.complete(fresh(Shipment, sid), market.buyer)
    assert fresh(Shipment, sid).status is S.INVOICED and count(Settlement) == 0
    settlement = settle()
    assert (settlement.amount_krw, settlement.method, settlement.paid_on) \
        == (218_000, SettlementMethod.BANK_TRANSFER, TODAY)

    with pytest.raises(OrderError, match="권한"):
        invoice_orders.complete(fresh(Shipment, sid), market.outsider)
    invoice_orders.complete(fresh(Shipment, sid), market.buyer)
    assert fresh(Shipment, sid).status is S.COMPLETED

    assert order_timeline(order.id) == [
        (None, "ordered", "구매자"),
        (sid, "accepted", "입점기업"),
        (sid, "shipped", "입점기업"),
        (sid, "delivered", "입점기업"),
        (sid, "inspected", "구매기관"),
        (sid, "invoiced", "입점기업"),
        (sid, "settled", "입점기업"),
        (sid, "completed", "구매기관"),
    ]
    notes = [e.note for e in fresh(Order, order.id).events]
    assert notes[2] == "CJ대한통운 612345678901"
    assert notes[4] == "검수 합격 (박주무관): 유기농 현미 4kg 10/10, 현미 누룽지 선물세트 3/5"
    assert notes[5] == f"세금계산서 {TODAY:%Y%m%d}-41000000-00000001 합계 218,000원"
    assert notes[6] == f"계좌이체 218,000원 ({TODAY:%Y-%m-%d})"
    # Inspection does not give back what was not accepted: the goods were delivered.
    assert stock_of(market.rice.id) == RICE_STOCK - 10 and stock_of(market.snack.id) == SNACK_STOCK - 5


def test_a_taxable_only_shipment_owes_vat_on_goods_and_delivery(market):
    order = invoice_order(market.buyer, [(market.paper.id, 10)])  # 250,000 + 3,000 delivery, all taxable
    shipment = order.shipments[0]
    paper_side = replace(market, farm_seller=market.seller)
    for step in (do_accept, do_ship, do_deliver):
        step(paper_side, fresh(Shipment, shipment.id))
    paper = shipment.items[0]
    invoice_orders.inspect(fresh(Shipment, shipment.id), market.buyer, inspected_on=TODAY, inspector_name="박주무관",
                           accepted_quantities={paper.id: 4}, note="6박스 반품", today=TODAY)
    # 4 × 25,000 + 3,000 = 103,000; VAT 10/110 = 9,363.6 → 9,364
    assert invoice_orders.accepted_amounts(fresh(Shipment, shipment.id)) == Amounts(93_636, 9_364, 103_000)


def test_the_same_approval_number_cannot_be_recorded_twice(market):
    first, second = shipment_in(market, S.INSPECTED), shipment_in(market, S.INSPECTED)
    do_invoice(market, first, 7)
    with pytest.raises(OrderError, match="이미 등록된 승인번호"):
        do_invoice(market, fresh(Shipment, second.id), 7)
    assert fresh(Shipment, second.id).status is S.INSPECTED and count(TaxInvoice) == 1


@pytest.mark.parametrize("quantities, note, message", [
    ({"rice": 11, "snack": 5}, "", "유기농 현미 4kg: 합격 수량은 0~10개로"),
    ({"rice": -1, "snack": 5}, "", "합격 수량은 0~10개로"),
    ({"snack": 5}, "", "합격 수량은 0~10개로"),  # a line left out
    ({"rice": 10, "snack": 2.5}, "", "합격 수량은 0~5개로"),
    ({"rice": 0, "snack": 0}, "전량 불량", "'검수 반려'로 처리해"),
])
def test_accepted_quantities_must_be_whole_numbers_within_what_was_delivered(market, quantities, note, message):
    shipment = shipment_in(market, S.DELIVERED)
    items = items_by_variant(shipment)
    by_name = {"rice": items[market.rice.id].id, "snack": items[market.snack.id].id}
    before = snapshot(market, shipment.id)
    with pytest.raises(OrderError, match=message):
        invoice_orders.inspect(shipment, market.buyer, inspected_on=TODAY, inspector_name="박주무관",
                               accepted_quantities={by_name[k]: v for k, v in quantities.items()}, note=note,
                               today=TODAY)
    assert snapshot(market, shipment.id) == before


@pytest.mark.parametrize("inspected_on, inspector, message", [
    (TOMORROW, "박주무관", "검수일은 오늘보다 늦을 수 없습니다"),
    (YESTERDAY, "박주무관", f"검수일은 {TODAY:%Y-%m-%d} 이후여야"),  # before the delivery
    (None, "박주무관", "검수일을 입력해 주세요"),
    (TODAY, "  ", "검수자 이름을"),
])
def test_an_inspection_needs_a_date_since_delivery_and_an_inspector(market, inspected_on, inspector, message):
    shipment = shipment_in(market, S.DELIVERED)
    before = snapshot(market, shipment.id)
    for inspect in (
        lambda: invoice_orders.inspect(shipment, market.buyer, inspected_on=inspected_on, inspector_name=inspector,
                                       accepted_quantities={i.id: i.quantity for i in shipment.items}, today=TODAY),
        lambda: invoice_orders.reject_inspection(shipment, market.buyer, inspected_on=inspected_on,
                                                 inspector_name=inspector, reason="불량", today=TODAY),
    ):
        with pytest.raises(OrderError, match=message):
            inspect()
        assert snapshot(market, shipment.id) == before


# --- who may act ------------------------------------------------------------------------------------

ENTERPRISE_STEPS = {S.ORDERED: [do_accept, do_decline], S.ACCEPTED: [do_ship], S.SHIPPED: [do_deliver],
                    S.INSPECTED: [do_invoice], S.INVOICED: [do_settle]}
INSTITUTION_STEPS = {S.DELIVERED: [do_inspect, do_reject], S.SETTLED: [do_complete], S.ORDERED: [do_cancel_order],
                     S.INSPECTION_REJECTED: [do_cancel_after_rejection]}


def _as(market, who: str):
    """The same market with someone else in the seat of the acting buyer and the acting seller."""
    intruder = getattr(market, who)
    return replace(market, buyer=intruder, farm_seller=intruder)


STEP_CASES = ([(status, step.__name__, who) for status, steps in ENTERPRISE_STEPS.items() for step in steps
               for who in ("stranger_seller", "seller", "buyer", "consumer")]
              + [(status, step.__name__, who) for status, steps in INSTITUTION_STEPS.items() for step in steps
                 for who in ("outsider", "pending_member", "consumer", "stranger_seller")])
STEPS = {step.__name__: step for steps in (*ENTERPRISE_STEPS.values(), *INSTITUTION_STEPS.values()) for step in steps}


@pytest.mark.parametrize("status, step, who", STEP_CASES, ids=[f"{s.value}-{st}-by-{w}" for s, st, w in STEP_CASES])
def test_only_the_shipment_enterprise_or_the_ordering_institution_may_act(market, status, step, who):
    shipment = shipment_in(market, status)
    before = snapshot(market, shipment.id)
    with pytest.raises(OrderError, match="권한"):
        STEPS[step](_as(market, who), fresh(Shipment, shipment.id))
    assert snapshot(market, shipment.id) == before


def test_the_inspecting_enterprise_may_not_inspect_its_own_delivery(market):
    shipment = shipment_in(market, S.DELIVERED)
    with pytest.raises(OrderError, match="권한"):
        do_inspect(_as(market, "farm_seller"), shipment)
    assert fresh(Shipment, shipment.id).status is S.DELIVERED


def test_a_colleague_inspects_and_center_staff_may_act_for_either_side(market):
    shipment = shipment_in(market, S.ORDERED)
    staff = _as(market, "staff")
    do_accept(staff, shipment)
    do_ship(staff, fresh(Shipment, shipment.id))
    do_deliver(staff, fresh(Shipment, shipment.id))
    do_inspect(_as(market, "second_buyer"), fresh(Shipment, shipment.id))
    do_invoice(staff, fresh(Shipment, shipment.id))
    do_settle(staff, fresh(Shipment, shipment.id))
    do_complete(staff, fresh(Shipment, shipment.id))
    labels = [label for sid, _, label in order_timeline(shipment.order_id) if sid == shipment.id]
    assert labels == ["지원센터", "지원센터", "지원센터", "구매기관", "지원센터", "지원센터", "지원센터"]


# --- card orders and invoice orders keep to their own tables -----------------------------------------


def delivered_card_shipment(market) -> Shipment:
    order = orders.place_order(market.consumer, [(market.snack.id, 2)], SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(order, market.consumer)
    shipment = fresh(Order, order.id).shipments[0]
    orders.start_preparing(shipment, market.farm_seller)
    do_ship(market, shipment)
    do_deliver(market, shipment)
    assert orders.transitions_for(shipment.order) is SHIPMENT_TRANSITIONS
    return fresh(Shipment, shipment.id)


@pytest.mark.parametrize("step", [do_accept, do_decline, do_inspect, do_reject, do_invoice, do_settle, do_complete,
                                  do_cancel_order, do_cancel_after_rejection], ids=lambda step: step.__name__)
def test_a_card_order_shipment_is_not_inspected_invoiced_or_settled(market, step):
    shipment = delivered_card_shipment(market)
    before = snapshot(market, shipment.id)
    with pytest.raises(OrderError, match="후불\\(세금계산서\\) 주문이 아닙니다"):
        step(market, shipment)
    assert snapshot(market, shipment.id) == before


def test_an_invoice_order_is_not_prepared_confirmed_or_returned(market):
    accepted = shipment_in(market, S.ACCEPTED)
    with pytest.raises(OrderError, match="바꿀 수 없습니다"):
        orders.start_preparing(accepted, market.farm_seller)
    delivered = shipment_in(market, S.DELIVERED)
    before = snapshot(market, delivered.id)
    with pytest.raises(OrderError, match="'배송완료' 상태에서는 '구매확정'"):
        orders.confirm_purchase(delivered, market.buyer)
    with pytest.raises(OrderError, match="바꿀 수 없습니다"):
        orders.request_return(fresh(Shipment, delivered.id), market.buyer, reason="defective", detail="파손")
    assert orders.auto_confirm_deliveries(delivered.delivered_at + timedelta(days=30)) == 0
    assert snapshot(market, delivered.id) == before


# --- declining, cancelling and rejecting: what happens to the stock ---------------------------------


def test_a_declined_shipment_gives_its_stock_back_and_the_order_ends_when_nothing_is_left(market):
    order = invoice_order(market.buyer, [(market.paper.id, 60), (market.rice.id, 10)])
    paper_part, farm_part = shipment_of(order, market.paper_co), shipment_of(order, market.farm_co)
    assert (stock_of(market.paper.id), stock_of(market.rice.id)) == (440, 30)

    with pytest.raises(OrderError, match="거절 사유를"):
        invoice_orders.decline(farm_part, market.farm_seller, reason=" ")
    invoice_orders.decline(farm_part, market.farm_seller, reason="현미 수확이 늦어 납기를 맞출 수 없습니다.")
    farm_part = fresh(Shipment, farm_part.id)
    assert (farm_part.status, farm_part.decline_reason) == (S.DECLINED, "현미 수확이 늦어 납기를 맞출 수 없습니다.")
    assert stock_of(market.rice.id) == RICE_STOCK and stock_of(market.paper.id) == 440
    assert fresh(Order, order.id).status is OrderStatus.ORDERED  # the paper is still coming

    invoice_orders.decline(fresh(Shipment, paper_part.id), market.seller, reason="용지 단종")
    assert stock_of(market.paper.id) == 500 and stock_of(market.rice.id) == RICE_STOCK
    assert fresh(Order, order.id).status is OrderStatus.CANCELLED
    assert order_timeline(order.id)[-1] == (None, "cancelled", "입점기업")


def test_the_buyer_cancels_what_is_left_after_one_enterprise_declined(market):
    order = invoice_order(market.buyer, [(market.paper.id, 60), (market.rice.id, 10)])
    do_decline(market, shipment_of(order, market.farm_co))
    invoice_orders.accept(shipment_of(order, market.paper_co), market.seller)

    invoice_orders.cancel_order(fresh(Order, order.id), market.buyer)
    assert [s.status for s in fresh(Order, order.id).shipments] == [S.CANCELLED, S.DECLINED]
    assert fresh(Order, order.id).status is OrderStatus.CANCELLED
    assert (stock_of(market.paper.id), stock_of(market.rice.id)) == (500, RICE_STOCK)  # each given back once
    assert order_timeline(order.id)[-2:] == [(shipment_of(order, market.paper_co).id, "cancelled", "구매기관"),
                                             (None, "cancelled", "구매기관")]
    with pytest.raises(OrderError, match="취소할 수 없습니다"):
        invoice_orders.cancel_order(fresh(Order, order.id), market.buyer)
    assert (stock_of(market.paper.id), stock_of(market.rice.id)) == (500, RICE_STOCK)


def test_an_order_with_a_shipment_on_its_way_cannot_be_cancelled(market):
    order = invoice_order(market.buyer, [(market.paper.id, 60), (market.rice.id, 10)])
    do_accept(market, shipment_of(order, market.farm_co))
    do_ship(market, shipment_of(order, market.farm_co))
    before = snapshot(market, shipment_of(order, market.paper_co).id)
    with pytest.raises(OrderError, match="이미 발송되었거나"):
        invoice_orders.cancel_order(fresh(Order, order.id), market.buyer)
    assert snapshot(market, shipment_of(order, market.paper_co).id) == before
    assert stock_of(market.paper.id) == 440
    assert {s.status for s in fresh(Order, order.id).shipments} == {S.ORDERED, S.SHIPPED}


def test_another_institution_cannot_cancel_the_order(market):
    order = farm_order(market)
    with pytest.raises(OrderError, match="권한"):
        invoice_orders.cancel_order(order, market.outsider)
    assert fresh(Order, order.id).status is OrderStatus.ORDERED and stock_of(market.rice.id) == RICE_STOCK - 10


def test_a_rejected_delivery_is_not_restocked_and_may_be_delivered_again(market):
    shipment = shipment_in(market, S.INSPECTION_REJECTED)
    assert stock_of(market.rice.id) == RICE_STOCK - 10 and stock_of(market.snack.id) == SNACK_STOCK - 5
    rejection = invoice_orders.latest_inspection(shipment)
    assert (rejection.accepted, rejection.note) == (False, "포장 훼손 다수")

    for step in (do_ship, do_deliver, do_inspect):
        step(market, fresh(Shipment, shipment.id))
    assert fresh(Shipment, shipment.id).status is S.INSPECTED
    assert invoice_orders.latest_inspection(shipment).accepted is True and count(Inspection) == 2
    assert [status for sid, status, _ in order_timeline(shipment.order_id) if sid == shipment.id] == [
        "accepted", "shipped", "delivered", "inspection_rejected", "shipped", "delivered", "inspected"]


def test_giving_up_after_a_rejection_cancels_the_order_without_restocking(market):
    shipment = shipment_in(market, S.INSPECTION_REJECTED)
    with pytest.raises(OrderError, match="취소 사유를"):
        invoice_orders.cancel_after_rejection(shipment, market.buyer, reason="")
    invoice_orders.cancel_after_rejection(fresh(Shipment, shipment.id), market.farm_seller, reason="재납품 불가")
    assert fresh(Shipment, shipment.id).status is S.CANCELLED
    assert fresh(Order, shipment.order_id).status is OrderStatus.CANCELLED
    # the goods came back damaged: the enterprise checks them before they are for sale again
    assert stock_of(market.rice.id) == RICE_STOCK - 10 and stock_of(market.snack.id) == SNACK_STOCK - 5


def test_accepting_an_order_takes_no_more_stock_and_cancelling_it_gives_it_back_once(market):
    shipment = shipment_in(market, S.ACCEPTED)
    assert stock_of(market.rice.id) == RICE_STOCK - 10
    invoice_orders.cancel_order(fresh(Order, shipment.order_id), market.buyer)
    assert stock_of(market.rice.id) == RICE_STOCK and stock_of(market.snack.id) == SNACK_STOCK
    assert fresh(Order, shipment.order_id).status is OrderStatus.CANCELLED
    assert fresh(Order, shipment.order_id).cancelled_at is not None
