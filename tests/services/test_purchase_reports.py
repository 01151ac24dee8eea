"""The social-economy purchase report: which order lines count (paid card orders, inspected invoice
orders at their accepted quantity; never cancelled, returned, unpaid, declined or uninspected ones, nor
delivery fees, nor another institution's), on which Korean day, and totals that equal the sum of their
lines — on screen, by type, month and category, and in the CSV and XLSX read back."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from shop.accounts.models import Role, User
from shop.catalog.models import TaxType, Variant
from shop.core.money import split_vat
from shop.enterprises.models import Enterprise, EnterpriseType
from shop.extensions import db
from shop.institutions.models import Institution
from shop.orders import services as orders
from shop.orders.models import Order, OrderItem, PaymentMethod, Shipment, ShipmentStatus
from shop.orders.services import Delivery
from shop.payments import services as payments
from shop.procurement import invoice_orders, reports
from shop.procurement.models import Inspection
from shop.procurement.reports import EXPORT_COLUMNS, Period, ReportError

KST = ZoneInfo("Asia/Seoul")
TODAY = datetime.now(KST).date()
THIS_YEAR = Period.calendar_year(TODAY.year)
OFFICE = Delivery("박주무관", "02-2133-1234", "04524", "서울특별시 중구 세종대로 110", "본관 3층", "", "총무과")
_keys = iter(range(10**6))


def new_key() -> str:
    return f"report-test-key-{next(_keys):08d}"


@dataclass
class Scene:
    """Two institutions buying from three enterprises of different types, in two top categories."""

    institution: Institution
    buyer: User
    other_buyer: User  # of another institution
    coop: Enterprise  # 협동조합: rice (면세) and snacks
    social: Enterprise  # 사회적기업: paper
    village: Enterprise  # 마을기업: pens
    coop_seller: User
    social_seller: User
    village_seller: User
    rice: Variant  # 식품 > 쌀·곡물, tax-exempt, 20,000원
    snack: Variant  # 식품 > 간식, taxable, 8,000원
    paper: Variant  # 사무용품 > 문구, taxable, 25,000원
    pen: Variant  # 사무용품 > 문구, taxable, 1,100원


@pytest.fixture
def scene(make_institution, make_user, make_enterprise, make_product, make_category) -> Scene:
    institution = make_institution(name="서울특별시 마포구청", purchase_target_krw=1_000_000)
    other = make_institution(name="서울특별시 은평구청", purchase_target_krw=5_000_000)
    buyer = make_user(Role.INSTITUTION, institution=institution, membership_approved=True, name="김구매")
    other_buyer = make_user(Role.INSTITUTION, institution=other, membership_approved=True, name="정타기관")
    food = make_category("식품", slug="r-food")
    office = make_category("사무용품", slug="r-office")
    grains = make_category("쌀·곡물", parent=food, slug="r-grains")
    snacks = make_category("간식", parent=food, slug="r-snacks")
    stationery = make_category("문구", parent=office, slug="r-stationery")
    coop = make_enterprise(name="늘봄 협동조합", enterprise_type=EnterpriseType.COOPERATIVE,
                           shipping_base_fee_krw=4000)
    social = make_enterprise(name="마포 재생종이", enterprise_type=EnterpriseType.SOCIAL_ENTERPRISE)
    village = make_enterprise(name="=성미산 마을기업", enterprise_type=EnterpriseType.VILLAGE_ENTERPRISE)
    rice = make_product(name="유기농 현미", enterprise=coop, category=grains, tax_type=TaxType.EXEMPT,
                        variants=[("4kg", 20_000, 1000)])
    snack = make_product(name="현미 누룽지", enterprise=coop, category=snacks, variants=[("기본", 8_000, 1000)])
    paper = make_product(name="친환경 복사용지 A4", enterprise=social, category=stationery,
                         variants=[("2500매", 25_000, 1000)])
    pen = make_product(name="재생 볼펜", enterprise=village, category=stationery, variants=[("검정", 1_100, 1000)])
    return Scene(
        institution=institution, buyer=buyer, other_buyer=other_buyer, coop=coop, social=social, village=village,
        coop_seller=make_user(Role.ENTERPRISE, enterprise=coop), social_seller=make_user(Role.ENTERPRISE, enterprise=social),
        village_seller=make_user(Role.ENTERPRISE, enterprise=village),
        rice=rice.variants[0], snack=snack.variants[0], paper=paper.variants[0], pen=pen.variants[0],
    )


# --- buying, the way the services do it ------------------------------------------------------------


def fresh(model, row_id: int):
    db.session.expire_all()
    return db.session.get(model, row_id)


def shipment_of(order: Order, enterprise: Enterprise) -> Shipment:
    return next(s for s in fresh(Order, order.id).shipments if s.enterprise_id == enterprise.id)


def seller_of(scene: Scene, shipment: Shipment) -> User:
    return {scene.coop.id: scene.coop_seller, scene.social.id: scene.social_seller,
            scene.village.id: scene.village_seller}[shipment.enterprise_id]


def card_order(buyer: User, lines: list[tuple[Variant, int]], *, pay: bool = True) -> Order:
    order = orders.place_order(buyer, [(v.id, qty) for v, qty in lines], OFFICE, new_key(), today=TODAY)
    if pay:
        payments.pay_in_test_mode(order, buyer)
    return fresh(Order, order.id)


def invoice_order(buyer: User, lines: list[tuple[Variant, int]]) -> Order:
    order = orders.place_order(buyer, [(v.id, qty) for v, qty in lines], OFFICE, new_key(), today=TODAY,
                               payment_method=PaymentMethod.INVOICE)
    return fresh(Order, order.id)


def deliver(scene: Scene, shipment: Shipment, *, invoice: bool) -> Shipment:
    seller = seller_of(scene, shipment)
    if invoice:
        invoice_orders.accept(shipment, seller)
    else:
        orders.start_preparing(shipment, seller)
    orders.ship(shipment, seller, courier="cj", tracking_number="123456789012")
    orders.mark_delivered(shipment, seller)
    return fresh(Shipment, shipment.id)


def inspect(scene: Scene, shipment: Shipment, accepted: dict[int, int] | None = None, *, buyer: User | None = None,
            note: str = "") -> Shipment:
    """Accept the delivery; `accepted` maps variant id to the accepted quantity (default: all of it)."""
    accepted = accepted or {}
    quantities = {item.id: accepted.get(item.variant_id, item.quantity) for item in shipment.items}
    invoice_orders.inspect(shipment, buyer or scene.buyer, inspected_on=TODAY, inspector_name="박주무관",
                           accepted_quantities=quantities, note=note, today=TODAY)
    return fresh(Shipment, shipment.id)


def inspected_invoice_order(scene: Scene, lines, accepted: dict[int, int] | None = None,
                            buyer: User | None = None) -> Order:
    order = invoice_order(buyer or scene.buyer, lines)
    for shipment in order.shipments:
        inspect(scene, deliver(scene, shipment, invoice=True), accepted, buyer=buyer,
                note="일부 파손" if accepted else "")
    return fresh(Order, order.id)


def report(scene: Scene, period: Period = THIS_YEAR, institution: Institution | None = None):
    return reports.purchase_report((institution or scene.institution).id, period)


def lines_of(result) -> list[tuple[str, str, int, int]]:
    """(order number, item, quantity, total) of every line, in report order."""
    return [(line.order_number, line.item, line.quantity, line.total_krw) for line in result.lines]


def kst_day(moment: datetime) -> date:
    return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(KST).date()


# --- what counts -----------------------------------------------------------------------------------


def test_a_paid_card_order_counts_every_line_at_its_ordered_quantity_on_the_day_of_payment(scene):
    order = card_order(scene.buyer, [(scene.rice, 3), (scene.snack, 2), (scene.paper, 1)])

    result = report(scene)

    assert sorted(lines_of(result)) == sorted([
        (order.number, "유기농 현미 (4kg)", 3, 60_000),
        (order.number, "현미 누룽지", 2, 16_000),
        (order.number, "친환경 복사용지 A4 (2500매)", 1, 25_000),
    ])
    by_item = {line.item: line for line in result.lines}
    assert (by_item["유기농 현미 (4kg)"].supply_krw, by_item["유기농 현미 (4kg)"].vat_krw) == (60_000, 0)  # 면세
    assert (by_item["현미 누룽지"].supply_krw, by_item["현미 누룽지"].vat_krw) == split_vat(16_000, taxable=True)
    assert {line.purchased_on for line in result.lines} == {kst_day(order.paid_at)}
    assert {line.status for line in result.lines} == {ShipmentStatus.PAID}
    assert by_item["현미 누룽지"].enterprise_type is EnterpriseType.COOPERATIVE
    assert by_item["현미 누룽지"].business_number == scene.coop.business_number
    assert (result.order_count, result.enterprise_count) == (1, 2)


def test_delivery_fees_are_not_purchases_of_products(scene):
    order = card_order(scene.buyer, [(scene.paper, 1), (scene.rice, 1)])
    assert order.shipping_total_krw == 3_000 + 4_000  # both under the free-shipping threshold

    result = report(scene)

    assert result.totals.total_krw == 45_000 == order.total_krw - order.shipping_total_krw


def test_card_lines_count_while_shipped_delivered_confirmed_or_a_return_is_only_requested(scene):
    order = card_order(scene.buyer, [(scene.rice, 1), (scene.paper, 1), (scene.pen, 10)])
    rice_box = shipment_of(order, scene.coop)
    orders.start_preparing(rice_box, scene.coop_seller)
    paper_box = deliver(scene, shipment_of(order, scene.social), invoice=False)
    orders.confirm_purchase(paper_box, scene.buyer)
    pen_box = deliver(scene, shipment_of(order, scene.village), invoice=False)
    orders.request_return(pen_box, scene.buyer, reason="defective", detail="잉크가 나오지 않음")

    result = report(scene)

    assert {line.item: line.status for line in result.lines} == {
        "유기농 현미 (4kg)": ShipmentStatus.PREPARING,
        "친환경 복사용지 A4 (2500매)": ShipmentStatus.CONFIRMED,
        "재생 볼펜 (검정)": ShipmentStatus.RETURN_REQUESTED,
    }
    assert result.totals.total_krw == 20_000 + 25_000 + 11_000


def test_a_returned_shipment_drops_out_and_the_rest_of_the_order_stays(scene):
    order = card_order(scene.buyer, [(scene.paper, 1), (scene.pen, 10)])
    pen_box = deliver(scene, shipment_of(order, scene.village), invoice=False)
    orders.request_return(pen_box, scene.buyer, reason="defective", detail="잉크가 나오지 않음")
    payments.approve_return(fresh(Shipment, pen_box.id), scene.village_seller)

    result = report(scene)

    assert fresh(Shipment, pen_box.id).status is ShipmentStatus.RETURNED
    assert lines_of(result) == [(order.number, "친환경 복사용지 A4 (2500매)", 1, 25_000)]


def test_unpaid_and_cancelled_card_orders_do_not_count(scene):
    card_order(scene.buyer, [(scene.paper, 1)], pay=False)
    cancelled = card_order(scene.buyer, [(scene.rice, 2)])
    payments.cancel_order(cancelled, scene.buyer)
    kept = card_order(scene.buyer, [(scene.pen, 5)])

    result = report(scene)

    assert fresh(Order, cancelled.id).status.value == "cancelled"
    assert lines_of(result) == [(kept.number, "재생 볼펜 (검정)", 5, 5_500)]


def test_an_invoice_order_counts_only_once_inspected_and_then_at_the_accepted_quantity(scene):
    order = invoice_order(scene.buyer, [(scene.rice, 10), (scene.snack, 4)])
    shipment = deliver(scene, order.shipments[0], invoice=True)
    assert report(scene).lines == []  # delivered, not yet inspected

    inspect(scene, shipment, {scene.rice.id: 7, scene.snack.id: 0}, note="현미 3포 파손, 누룽지 전량 반품")

    result = report(scene)
    assert lines_of(result) == [(order.number, "유기농 현미 (4kg)", 7, 140_000)]  # the 0-accepted line is left out
    (line,) = result.lines
    assert (line.status, line.purchased_on, line.payment_method) == (ShipmentStatus.INSPECTED, TODAY,
                                                                      PaymentMethod.INVOICE)


def test_invoice_shipments_keep_counting_through_invoice_settlement_and_completion(scene):
    order = inspected_invoice_order(scene, [(scene.paper, 4)])
    shipment = order.shipments[0]
    amounts = invoice_orders.accepted_amounts(shipment)
    invoice_orders.record_tax_invoice(shipment, scene.social_seller, issued_on=TODAY,
                                      approval_number=f"{TODAY:%Y%m%d}-41000000-00000001",
                                      supply_krw=amounts.supply_krw, vat_krw=amounts.vat_krw,
                                      total_krw=amounts.total_krw, today=TODAY)
    invoice_orders.record_settlement(fresh(Shipment, shipment.id), scene.social_seller, paid_on=TODAY,
                                     method="bank_transfer", today=TODAY)
    invoice_orders.complete(fresh(Shipment, shipment.id), scene.buyer)

    result = report(scene)

    assert lines_of(result) == [(order.number, "친환경 복사용지 A4 (2500매)", 4, 100_000)]
    assert result.lines[0].status is ShipmentStatus.COMPLETED
    assert result.totals.total_krw == amounts.total_krw - shipment.shipping_fee_krw  # the invoice less delivery


def test_ordered_accepted_declined_shipped_and_rejected_invoice_shipments_do_not_count(scene):
    invoice_order(scene.buyer, [(scene.rice, 1)])  # ordered
    accepted = invoice_order(scene.buyer, [(scene.snack, 1)])
    invoice_orders.accept(accepted.shipments[0], scene.coop_seller)
    declined = invoice_order(scene.buyer, [(scene.paper, 1)])
    invoice_orders.decline(declined.shipments[0], scene.social_seller, reason="재고 부족")
    shipped = invoice_order(scene.buyer, [(scene.pen, 1)])
    invoice_orders.accept(shipped.shipments[0], scene.village_seller)
    orders.ship(fresh(Shipment, shipped.shipments[0].id), scene.village_seller, courier="cj",
                tracking_number="123456789012")
    rejected = invoice_order(scene.buyer, [(scene.paper, 2)])
    box = deliver(scene, rejected.shipments[0], invoice=True)
    invoice_orders.reject_inspection(box, scene.buyer, inspected_on=TODAY, inspector_name="박주무관",
                                     reason="포장 훼손", today=TODAY)
    cancelled = invoice_order(scene.buyer, [(scene.rice, 2)])
    invoice_orders.cancel_order(cancelled, scene.buyer)

    assert report(scene).lines == []


def test_after_a_rejection_the_day_is_that_of_the_accepted_inspection(scene):
    order = invoice_order(scene.buyer, [(scene.paper, 2)])
    box = deliver(scene, order.shipments[0], invoice=True)
    invoice_orders.reject_inspection(box, scene.buyer, inspected_on=TODAY, inspector_name="박주무관",
                                     reason="포장 훼손", today=TODAY)
    orders.ship(fresh(Shipment, box.id), scene.social_seller, courier="cj", tracking_number="223456789012")
    orders.mark_delivered(fresh(Shipment, box.id), scene.social_seller)
    inspect(scene, fresh(Shipment, box.id))
    # Move the refused inspection a day back, so the two dates differ.
    db.session.execute(sa.update(Inspection).where(Inspection.shipment_id == box.id, Inspection.accepted.is_(False))
                       .values(inspected_on=TODAY - timedelta(days=1)))
    db.session.commit()

    (line,) = report(scene).lines

    assert (line.purchased_on, line.quantity, line.total_krw) == (TODAY, 2, 50_000)


def test_only_the_institutions_own_orders_count(scene):
    mine = card_order(scene.buyer, [(scene.pen, 10)])
    card_order(scene.other_buyer, [(scene.paper, 3)])
    inspected_invoice_order(scene, [(scene.rice, 5)], buyer=scene.other_buyer)

    result = report(scene)
    theirs = report(scene, institution=scene.other_buyer.institution)

    assert lines_of(result) == [(mine.number, "재생 볼펜 (검정)", 10, 11_000)]
    assert theirs.totals.total_krw == 75_000 + 100_000
    assert result.institution_name == "서울특별시 마포구청"


def test_a_consumer_order_of_the_same_goods_is_not_the_institutions(scene, make_user):
    consumer = make_user(Role.CONSUMER)
    order = orders.place_order(consumer, [(scene.paper.id, 1)],
                               Delivery("이소비", "010-2345-6789", "04524", "서울특별시 중구 세종대로 110"),
                               new_key(), today=TODAY)
    payments.pay_in_test_mode(order, consumer)

    assert report(scene).lines == []


# --- the period ------------------------------------------------------------------------------------


def _set_paid_at(order: Order, moment: datetime) -> None:
    db.session.execute(sa.update(Order).where(Order.id == order.id).values(paid_at=moment))
    db.session.commit()


def _set_inspected_on(order: Order, day: date) -> None:
    shipment_ids = [s.id for s in order.shipments]
    db.session.execute(sa.update(Inspection).where(Inspection.shipment_id.in_(shipment_ids)).values(inspected_on=day))
    db.session.commit()


def test_the_year_runs_from_midnight_to_midnight_in_korea(scene):
    new_year_eve = card_order(scene.buyer, [(scene.pen, 1)])
    new_year_day = card_order(scene.buyer, [(scene.pen, 2)])
    # 23:59 on 31 December in Seoul is 14:59 UTC; 00:30 on 1 January in Seoul is 15:30 UTC the day before.
    _set_paid_at(new_year_eve, datetime(2025, 12, 31, 14, 59, tzinfo=UTC))
    _set_paid_at(new_year_day, datetime(2025, 12, 31, 15, 30, tzinfo=UTC))
    last_invoice = inspected_invoice_order(scene, [(scene.paper, 1)])
    _set_inspected_on(last_invoice, date(2025, 12, 31))

    last_year = report(scene, Period.calendar_year(2025))
    this_year = report(scene, Period.calendar_year(2026))

    assert sorted(lines_of(last_year)) == sorted([(new_year_eve.number, "재생 볼펜 (검정)", 1, 1_100),
                                                  (last_invoice.number, "친환경 복사용지 A4 (2500매)", 1, 25_000)])
    assert lines_of(this_year) == [(new_year_day.number, "재생 볼펜 (검정)", 2, 2_200)]
    assert this_year.lines[0].purchased_on == date(2026, 1, 1)


def test_a_custom_period_includes_both_of_its_days_and_reports_every_month_it_touches(scene):
    march = card_order(scene.buyer, [(scene.pen, 1)])
    april = inspected_invoice_order(scene, [(scene.paper, 1)])
    may = card_order(scene.buyer, [(scene.pen, 3)])
    _set_paid_at(march, datetime(2026, 3, 14, 15, 0, tzinfo=UTC))  # 15 March 00:00 KST
    _set_inspected_on(april, date(2026, 4, 20))
    _set_paid_at(may, datetime(2026, 5, 20, 15, 0, tzinfo=UTC))  # 21 May, the day after the end

    result = report(scene, Period(date(2026, 3, 15), date(2026, 5, 20)))

    assert [line.order_number for line in result.lines] == [march.number, april.number]
    assert [(m.label, m.total_krw) for m in result.by_month] == [
        ("2026년 3월", 1_100), ("2026년 4월", 25_000), ("2026년 5월", 0)]
    assert result.target_year == 2026


def test_a_year_has_twelve_months_and_a_period_over_new_year_is_measured_against_the_year_it_ends_in():
    assert [m.month for m in Period.calendar_year(2026).months()] == list(range(1, 13))
    period = Period(date(2025, 11, 10), date(2026, 2, 3))
    assert period.months() == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert (period.target_year, period.label, period.slug) == (2026, "2025.11.10 ~ 2026.02.03", "20251110-20260203")
    assert (Period.calendar_year(2026).label, Period.calendar_year(2026).slug) == ("2026년", "2026")


@pytest.mark.parametrize("year, start, end, expected", [
    (None, None, None, Period.calendar_year(2026)),
    ("2024", None, None, Period.calendar_year(2024)),
    (" 2024 ", "", "", Period.calendar_year(2024)),
    ("2024", "2026-01-01", "2026-03-31", Period(date(2026, 1, 1), date(2026, 3, 31))),  # dates win
    (None, "2026-02-01", "2026-02-01", Period(date(2026, 2, 1), date(2026, 2, 1))),
])
def test_the_period_asked_for(year, start, end, expected):
    assert reports.period_from(year, start, end, today=date(2026, 6, 1)) == expected


@pytest.mark.parametrize("year, start, end, message", [
    ("abcd", None, None, "연도를 목록에서 골라 주세요."),
    ("1999", None, None, "연도는 2000년부터 2100년 사이로 골라 주세요."),
    ("20266", None, None, "연도를 목록에서 골라 주세요."),
    (None, "2026-01-01", None, "시작일과 종료일을 모두 입력해 주세요."),
    (None, None, "2026-01-01", "시작일과 종료일을 모두 입력해 주세요."),
    (None, "2026/01/01", "2026-02-01", "시작일은 2026-01-31 형식으로 입력해 주세요."),
    (None, "2026-01-01", "2026-02-30", "종료일이 달력에 없는 날짜입니다"),
    (None, "2026-13-01", "2026-12-31", "시작일이 달력에 없는 날짜입니다"),
    (None, "2026-03-01", "2026-02-01", "시작일이 종료일보다 늦습니다."),
    (None, "2020-01-01", "2026-01-01", "조회 기간은 최대 3년입니다."),
    (None, "1999-12-31", "2000-01-31", "시작일은 2000년부터 2100년 사이로 입력해 주세요."),
    (None, "<script>", "2026-01-01", "시작일은 2026-01-31 형식으로 입력해 주세요."),
])
def test_a_period_that_cannot_be_reported_is_refused_in_korean(year, start, end, message):
    with pytest.raises(ReportError) as refused:
        reports.period_from(year, start, end, today=date(2026, 6, 1))
    assert message in str(refused.value)


# --- totals ----------------------------------------------------------------------------------------


@pytest.fixture
def busy_year(scene):
    """Card and invoice orders across types, months and categories, with noise that must not count."""
    card_order(scene.buyer, [(scene.rice, 3), (scene.snack, 7), (scene.paper, 2)])
    card_order(scene.buyer, [(scene.pen, 13)])
    inspected_invoice_order(scene, [(scene.paper, 11), (scene.rice, 9)], accepted={scene.rice.id: 8})
    inspected_invoice_order(scene, [(scene.snack, 3), (scene.pen, 7)])
    card_order(scene.buyer, [(scene.paper, 5)], pay=False)
    card_order(scene.other_buyer, [(scene.paper, 9)])
    invoice_order(scene.buyer, [(scene.pen, 100)])
    return scene


def test_every_breakdown_adds_up_to_the_totals_and_the_totals_to_the_lines(busy_year):
    result = report(busy_year)
    totals = result.totals

    assert totals.total_krw == sum(line.total_krw for line in result.lines)
    assert totals.supply_krw == sum(line.supply_krw for line in result.lines)
    assert totals.vat_krw == sum(line.vat_krw for line in result.lines)
    assert totals.supply_krw + totals.vat_krw == totals.total_krw
    for line in result.lines:
        assert line.supply_krw + line.vat_krw == line.total_krw
    for breakdown in (result.by_type, result.by_month, result.by_category):
        assert sum(s.total_krw for s in breakdown) == totals.total_krw
        assert sum(s.supply_krw for s in breakdown) == totals.supply_krw
        assert sum(s.vat_krw for s in breakdown) == totals.vat_krw
        assert sum(s.line_count for s in breakdown) == len(result.lines) == totals.line_count
    # 60,000 + 56,000 + 50,000 + 14,300 + 275,000 + 160,000 + 24,000 + 7,700
    assert totals.total_krw == 647_000


def test_all_six_enterprise_types_are_listed_in_order_with_zeros(busy_year):
    result = report(busy_year)

    assert [s.key for s in result.by_type] == list(EnterpriseType)
    assert {s.label: s.total_krw for s in result.by_type} == {
        "사회적기업": 50_000 + 275_000, "예비사회적기업": 0, "협동조합": 60_000 + 56_000 + 160_000 + 24_000,
        "사회적협동조합": 0, "마을기업": 14_300 + 7_700, "자활기업": 0,
    }


def test_categories_are_reported_by_their_top_level(busy_year):
    result = report(busy_year)

    assert [(s.label, s.total_krw) for s in result.by_category] == [  # largest first
        ("사무용품", 50_000 + 14_300 + 275_000 + 7_700), ("식품", 60_000 + 56_000 + 160_000 + 24_000)]


def test_a_line_whose_product_was_removed_is_reported_as_uncategorised(scene):
    order = card_order(scene.buyer, [(scene.pen, 2)])
    db.session.execute(sa.update(OrderItem).where(OrderItem.order_id == order.id).values(product_id=None))
    db.session.commit()

    result = report(scene)

    assert [(s.label, s.total_krw) for s in result.by_category] == [("미분류", 2_200)]
    assert result.lines[0].item == "재생 볼펜 (검정)"  # from the order's own copy of the name


def test_progress_against_the_annual_target(busy_year):
    result = report(busy_year)  # 647,000 of 1,000,000

    assert (result.target_krw, result.progress_percent, result.remaining_krw) == (1_000_000, Decimal("64.7"), 353_000)
    assert result.share_percent(result.by_type[0]) == Decimal("50.2")  # 325,000 of 647,000, rounded down


def test_no_target_means_no_progress(scene):
    scene.institution.purchase_target_krw = 0
    db.session.commit()
    card_order(scene.buyer, [(scene.pen, 1)])

    result = report(scene)

    assert (result.target_krw, result.progress_percent) == (0, None)


def test_an_empty_year_reports_zeros_everywhere(scene):
    result = report(scene, Period.calendar_year(2001))

    assert (result.lines, result.by_category, result.order_count) == ([], [], 0)
    assert [s.total_krw for s in result.by_type] == [0] * 6
    assert [s.total_krw for s in result.by_month] == [0] * 12
    assert result.progress_percent == Decimal("0.0")
    assert result.share_percent(result.by_type[0]) == Decimal("0.0")


# --- the exports -----------------------------------------------------------------------------------

HEADERS = ["구매일자", "주문번호", "기업명", "사업자등록번호", "기업유형", "품목", "수량", "공급가액", "부가세",
           "합계금액", "상태"]


def test_the_csv_has_one_row_per_line_and_its_amounts_add_up_to_the_totals(busy_year):
    result = report(busy_year)

    content = reports.export_csv(result)

    assert content.startswith(b"\xef\xbb\xbf")  # BOM: Excel in Korea reads it as UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS == [column.header for column in EXPORT_COLUMNS]
    body = rows[1:]
    assert len(body) == len(result.lines)
    assert sum(int(row[9]) for row in body) == result.totals.total_krw
    assert sum(int(row[7]) for row in body) == result.totals.supply_krw
    assert sum(int(row[8]) for row in body) == result.totals.vat_krw
    index, line = next((i, line) for i, line in enumerate(result.lines) if line.enterprise_name == "늘봄 협동조합")
    assert body[index] == [line.purchased_on.isoformat(), line.order_number, "늘봄 협동조합",
                           line.business_number_display, "협동조합", line.item, str(line.quantity),
                           str(line.supply_krw), str(line.vat_krw), str(line.total_krw), line.status.label]
    assert all(len(row[3]) == 12 and row[3][3] == "-" for row in body)  # 123-45-67890


def test_the_xlsx_has_typed_cells_that_add_up_to_its_totals_row(busy_year):
    result = report(busy_year)

    sheet = load_workbook(io.BytesIO(reports.export_xlsx(result))).active

    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    body, totals_row = rows[1:-1], rows[-1]
    assert len(body) == len(result.lines)
    assert sum(row[9] for row in body) == result.totals.total_krw == totals_row[9]
    assert sum(row[7] for row in body) == result.totals.supply_krw == totals_row[7]
    assert sum(row[8] for row in body) == result.totals.vat_krw == totals_row[8]
    assert totals_row[0] == "합계"
    assert all(isinstance(row[0], datetime | date) and isinstance(row[6], int) for row in body)
    assert sheet.title == f"구매실적 {TODAY.year}"


def test_an_enterprise_name_that_looks_like_a_formula_stays_text_in_both_files(scene):
    card_order(scene.buyer, [(scene.pen, 1)])  # from "=성미산 마을기업"
    result = report(scene)

    csv_rows = list(csv.reader(io.StringIO(reports.export_csv(result).decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(reports.export_xlsx(result))).active

    assert csv_rows[1][2] == "'=성미산 마을기업"
    assert sheet.cell(row=2, column=3).value == "'=성미산 마을기업"
    assert sheet.cell(row=2, column=3).data_type == "s"


def test_file_names_name_the_period():
    assert reports.export_filename(Period.calendar_year(2026), "xlsx") == "사회적경제_구매실적_2026.xlsx"
    assert reports.export_filename(Period(date(2026, 1, 1), date(2026, 3, 31)), "csv") == \
        "사회적경제_구매실적_20260101-20260331.csv"


# --- cost ------------------------------------------------------------------------------------------


def test_the_report_runs_two_queries_however_many_orders(scene, count_queries):
    institution_id = scene.institution.id
    card_order(scene.buyer, [(scene.pen, 1)])
    db.session.expire_all()
    with count_queries() as small:
        reports.purchase_report(institution_id, THIS_YEAR)
    for n in range(3):
        card_order(scene.buyer, [(scene.rice, 1 + n), (scene.snack, 1), (scene.paper, 1)])
        inspected_invoice_order(scene, [(scene.pen, 2 + n), (scene.rice, 1)])
    db.session.expire_all()

    with count_queries() as large:
        result = reports.purchase_report(institution_id, THIS_YEAR)
        reports.export_csv(result)
        reports.export_xlsx(result)

    assert len(result.lines) == 1 + 3 * 5
    assert len(small) == len(large) == 2
