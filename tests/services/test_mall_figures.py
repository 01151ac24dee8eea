"""The mall's figures for staff on realistic orders and members: sales counted by the purchase report's rule
(paid card orders, inspected invoice orders at their accepted quantity; never cancelled, returned, unpaid,
uninspected or other-year lines) to the won, by channel and Korean month, by enterprise type, the top ten
enterprises and products; orders by state; members by type and new members by month and year; the work
waiting for staff; and eight queries whatever the size of the mall."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.catalog import editing, review
from shop.enterprises.models import EnterpriseType
from shop.extensions import db
from shop.institutions import services as institutions
from shop.institutions.models import InstitutionKind
from shop.models_base import ApprovalStatus
from shop.orders import services as orders
from shop.orders.models import Order, OrderChannel, OrderItem, OrderStatus, Shipment, ShipmentStatus
from shop.payments import services as payments
from shop.procurement.models import Inspection
from shop.reports import mall
from shop.reports.mall import DashboardError, Waiting
from tests.services import test_purchase_reports as purchases
from tests.services.test_catalog_editing import details, new_draft
from tests.services.test_purchase_reports import (
    TODAY,
    card_order,
    deliver,
    fresh,
    inspected_invoice_order,
    invoice_order,
    shipment_of,
)

scene = purchases.scene  # the fixture: 늘봄 협동조합 (rice 20,000원 면세, snack 8,000원), 마포 재생종이 (paper 25,000원),
#                          =성미산 마을기업 (pen 1,100원); two institutions with one buyer each
YEAR = TODAY.year
NEW_YEAR_IN_SEOUL = datetime(YEAR - 1, 12, 31, 15, 30, tzinfo=UTC)  # 1 January 00:30 KST
OLD_YEARS_EVE = datetime(YEAR - 1, 12, 31, 14, 59, tzinfo=UTC)  # 31 December 23:59 KST, last year


def board(year: int = YEAR):
    db.session.expire_all()
    return mall.figures(year=year, today=TODAY)


def set_values(model, row_id: int, **values) -> None:
    db.session.execute(sa.update(model).where(model.id == row_id).values(**values))
    db.session.commit()


def months_sold(result) -> dict[int, tuple[int, int, int, int]]:
    """{month: (consumer won, institution won, consumer orders, institution orders)} of months with sales."""
    return {m.month: (m.consumer_krw, m.institution_krw, m.consumer_orders, m.institution_orders)
            for m in result.sales_by_month if m.total_krw or m.order_count}


def add_months(*parts: dict[int, tuple]) -> dict[int, tuple]:
    """Months of several orders put together (two of them may fall in the same month)."""
    total: dict[int, tuple] = {}
    for part in parts:
        for month, values in part.items():
            total[month] = tuple(a + b for a, b in zip(total.get(month, (0,) * len(values)), values))
    return total


@pytest.fixture
def sold(scene, make_user):
    """This year: a paid consumer order (coop 64,000 + paper 25,000), a consumer order paid at 00:30 on
    1 January in Seoul (rice 20,000), the institution's card order (pens 11,000) and an invoice order
    inspected with part accepted (rice 7 of 10 = 140,000, paper 3 of 4 = 75,000). Not counted: a
    cancelled order, a returned one, an unpaid one, an invoice order not inspected yet, one paid at
    23:59 on New Year's Eve last year and an invoice order inspected last year."""
    consumer = make_user(Role.CONSUMER, name="이소비")
    other = make_user(Role.CONSUMER, name="박시민")
    paid = card_order(consumer, [(scene.rice, 2), (scene.snack, 3), (scene.paper, 1)])
    new_year = card_order(consumer, [(scene.rice, 1)])
    set_values(Order, new_year.id, paid_at=NEW_YEAR_IN_SEOUL)
    pens = card_order(scene.buyer, [(scene.pen, 10)])
    partial = inspected_invoice_order(scene, [(scene.rice, 10), (scene.paper, 4)],
                                      {scene.rice.id: 7, scene.paper.id: 3})

    cancelled = card_order(consumer, [(scene.rice, 1)])
    payments.cancel_order(cancelled, consumer)
    returned = card_order(other, [(scene.snack, 5)])
    box = deliver(scene, shipment_of(returned, scene.coop), invoice=False)
    orders.request_return(box, other, reason="defective", detail="봉지가 터져서 왔어요")
    payments.approve_return(fresh(Shipment, box.id), scene.coop_seller)
    unpaid = card_order(other, [(scene.paper, 2)], pay=False)
    waiting_inspection = invoice_order(scene.buyer, [(scene.snack, 6)])
    last_year = card_order(consumer, [(scene.snack, 2)])
    set_values(Order, last_year.id, paid_at=OLD_YEARS_EVE, placed_at=OLD_YEARS_EVE)
    inspected_last_year = inspected_invoice_order(scene, [(scene.pen, 40)], buyer=scene.other_buyer)
    db.session.execute(sa.update(Inspection).where(Inspection.shipment_id == inspected_last_year.shipments[0].id)
                       .values(inspected_on=date(YEAR - 1, 6, 30)))
    set_values(Order, inspected_last_year.id, placed_at=datetime(YEAR - 1, 6, 1, 1, 0, tzinfo=UTC))
    return {"paid": paid, "new_year": new_year, "pens": pens, "partial": partial, "cancelled": cancelled,
            "returned": returned, "unpaid": unpaid, "waiting_inspection": waiting_inspection,
            "last_year": last_year, "inspected_last_year": inspected_last_year, "consumer": consumer}


# --- sales -------------------------------------------------------------------------------------------


def test_sales_count_paid_and_inspected_lines_by_channel_to_the_won(scene, sold):
    result = board()

    assert fresh(Order, sold["cancelled"].id).status is OrderStatus.CANCELLED
    assert shipment_of(sold["returned"], scene.coop).status is ShipmentStatus.RETURNED
    consumer, institution = result.channels
    assert (consumer.channel, consumer.total_krw, consumer.order_count) == (OrderChannel.CONSUMER, 109_000, 2)
    assert (institution.channel, institution.total_krw, institution.order_count) == (
        OrderChannel.INSTITUTION, 11_000 + 140_000 + 75_000, 2)
    assert (result.total_krw, result.order_count) == (335_000, 4)
    assert str(result.share_percent(consumer.total_krw)) == "32.5"  # 109,000 / 335,000 = 32.53%, rounded down
    assert str(result.share_percent(institution.total_krw)) == "67.4"


def test_sales_fall_in_the_korean_month_of_payment_or_inspection(scene, sold):
    result = board()

    assert months_sold(result) == add_months(
        {TODAY.month: (89_000, 11_000 + 215_000, 1, 2)},  # the paid order, the pens and the invoice order
        {1: (20_000, 0, 1, 0)},  # paid at 00:30 on 1 January in Seoul (still 31 December in UTC)
    )
    assert [m.month for m in result.sales_by_month] == list(range(1, 13))
    assert sum(m.total_krw for m in result.sales_by_month) == result.total_krw
    last_year = board(YEAR - 1)
    assert months_sold(last_year) == {6: (0, 44_000, 0, 1), 12: (16_000, 0, 1, 0)}
    assert (last_year.total_krw, last_year.order_count) == (60_000, 2)
    assert result.best_month.month == TODAY.month


def test_sales_by_enterprise_type_cover_all_six_types(scene, sold):
    result = board()

    assert [t.enterprise_type for t in result.by_type] == list(EnterpriseType)
    by_type = {t.enterprise_type: (t.total_krw, t.order_count, t.enterprise_count) for t in result.by_type}
    assert by_type == {
        EnterpriseType.SOCIAL_ENTERPRISE: (25_000 + 75_000, 2, 1),
        EnterpriseType.PRELIMINARY_SOCIAL_ENTERPRISE: (0, 0, 0),
        EnterpriseType.COOPERATIVE: (64_000 + 20_000 + 140_000, 3, 1),
        EnterpriseType.SOCIAL_COOPERATIVE: (0, 0, 0),
        EnterpriseType.VILLAGE_ENTERPRISE: (11_000, 1, 1),
        EnterpriseType.SELF_SUFFICIENCY_ENTERPRISE: (0, 0, 0),
    }
    assert sum(t.total_krw for t in result.by_type) == result.total_krw
    assert result.selling_enterprises == 3


def test_top_enterprises_and_products_by_amount(scene, sold):
    result = board()

    assert [(e.enterprise_id, e.name, e.enterprise_type, e.order_count, e.total_krw)
            for e in result.top_enterprises] == [
        (scene.coop.id, "늘봄 협동조합", EnterpriseType.COOPERATIVE, 3, 224_000),
        (scene.social.id, "마포 재생종이", EnterpriseType.SOCIAL_ENTERPRISE, 2, 100_000),
        (scene.village.id, "=성미산 마을기업", EnterpriseType.VILLAGE_ENTERPRISE, 1, 11_000),
    ]
    assert [(p.name, p.enterprise_name, p.quantity, p.total_krw) for p in result.top_products] == [
        ("유기농 현미", "늘봄 협동조합", 2 + 1 + 7, 200_000),  # the invoice order's accepted 7 of 10
        ("친환경 복사용지 A4", "마포 재생종이", 1 + 3, 100_000),
        ("현미 누룽지", "늘봄 협동조합", 3, 24_000),  # the returned 5 and the 6 not inspected are not sold
        ("재생 볼펜", "=성미산 마을기업", 10, 11_000),
    ]
    assert result.top_products[0].product_id == scene.rice.product_id


def test_only_ten_enterprises_and_products_make_the_top_lists(scene, make_user, make_product):
    consumer = make_user(Role.CONSUMER)
    goods = [make_product(name=f"수제 잼 {n:02d}", variants=[("기본", 1_000 * n, 100)]).variants[0] for n in range(1, 13)]
    card_order(consumer, [(variant, 1) for variant in goods])

    result = board()

    assert [p.name for p in result.top_products] == [f"수제 잼 {n:02d}" for n in range(12, 2, -1)]
    assert [e.total_krw for e in result.top_enterprises] == [1_000 * n for n in range(12, 2, -1)]
    assert result.total_krw == sum(range(1, 13)) * 1_000 and result.order_count == 1


def test_a_deleted_product_keeps_its_sales_under_the_name_it_was_sold_under(scene, make_user):
    card_order(make_user(Role.CONSUMER), [(scene.snack, 2)])
    db.session.execute(sa.update(OrderItem).where(OrderItem.variant_id == scene.snack.id).values(product_id=None))
    db.session.commit()

    (top,) = board().top_products

    assert (top.product_id, top.name, top.enterprise_name, top.total_krw) == (None, "현미 누룽지", "늘봄 협동조합", 16_000)


def test_a_year_without_sales_is_twelve_empty_months(scene, sold):
    result = board(YEAR - 2)

    assert (result.total_krw, result.order_count) == (0, 0)
    assert [m.total_krw for m in result.sales_by_month] == [0] * 12
    assert result.top_enterprises == [] and result.top_products == [] and result.best_month is None
    assert all(t.total_krw == 0 for t in result.by_type)
    assert str(result.share_percent(0)) == "0.0"


# --- orders by state -------------------------------------------------------------------------------


def test_orders_placed_in_the_year_by_their_state_now(scene, sold):
    result = board()

    orders_by = {t.key: t.count for t in result.order_states if t.count}
    assert orders_by == {
        OrderStatus.PAID: 4,  # the paid one, the one paid on 1 January, the pens, the returned one
        OrderStatus.CANCELLED: 1,
        OrderStatus.PENDING_PAYMENT: 1,
        OrderStatus.ORDERED: 2,  # the inspected invoice order and the one waiting for inspection
    }
    assert [t.key for t in result.order_states] == list(OrderStatus)
    shipments_by = {t.key: t.count for t in result.shipment_states if t.count}
    assert shipments_by == {
        ShipmentStatus.PAID: 4,  # two of the paid order, the 1 January one, the pens
        ShipmentStatus.CANCELLED: 1,
        ShipmentStatus.RETURNED: 1,
        ShipmentStatus.AWAITING_PAYMENT: 1,
        ShipmentStatus.INSPECTED: 2,
        ShipmentStatus.ORDERED: 1,
    }
    assert (result.orders_placed, result.shipments_placed) == (8, 10)
    last_year = board(YEAR - 1)
    assert {t.key: t.count for t in last_year.order_states if t.count} == {OrderStatus.PAID: 1, OrderStatus.ORDERED: 1}
    assert {t.key: t.count for t in last_year.shipment_states if t.count} == {
        ShipmentStatus.PAID: 1, ShipmentStatus.INSPECTED: 1}


# --- members ---------------------------------------------------------------------------------------


@pytest.fixture
def people(scene, make_user, make_enterprise, make_institution):
    """On top of the scene's 2 institution buyers and 3 enterprise members (joined today): consumers who
    joined today, at 00:30 on 1 January in Seoul, on New Year's Eve last year, four years ago and five
    years ago; one deactivated since; staff; a pending and a suspended enterprise; a pending institution."""
    today = [make_user(Role.CONSUMER) for _ in range(3)]
    make_user(Role.CONSUMER, is_active_member=False)  # joined today, deactivated since
    joined = {moment: make_user(Role.CONSUMER) for moment in (
        NEW_YEAR_IN_SEOUL, OLD_YEARS_EVE, datetime(YEAR - 4, 7, 1, tzinfo=UTC),
        datetime(YEAR - 5, 12, 31, 14, 59, tzinfo=UTC))}
    for moment, user in joined.items():
        set_values(User, user.id, created_at=moment)
    make_user(Role.ADMIN)
    make_user(Role.ADMIN, created_at=NEW_YEAR_IN_SEOUL)
    make_user(Role.ENTERPRISE, enterprise=make_enterprise(status=ApprovalStatus.PENDING,
                                                          enterprise_type=EnterpriseType.SOCIAL_COOPERATIVE))
    make_enterprise(status=ApprovalStatus.SUSPENDED, enterprise_type=EnterpriseType.COOPERATIVE)
    make_enterprise(enterprise_type=EnterpriseType.SELF_SUFFICIENCY_ENTERPRISE)
    make_institution(status=ApprovalStatus.PENDING)
    make_institution(kind=InstitutionKind.SCHOOL)
    return today


def test_members_by_type_count_active_accounts_and_approved_organisations(people):
    result = board()

    assert (result.members.consumers, result.members.institution_buyers, result.members.enterprise_members,
            result.members.staff) == (3 + 4, 2, 3 + 1, 2)
    assert result.members.members == 7 + 2 + 4
    assert {t.key: t.count for t in result.enterprises_by_type} == {
        EnterpriseType.SOCIAL_ENTERPRISE: 1, EnterpriseType.PRELIMINARY_SOCIAL_ENTERPRISE: 0,
        EnterpriseType.COOPERATIVE: 1, EnterpriseType.SOCIAL_COOPERATIVE: 0,
        EnterpriseType.VILLAGE_ENTERPRISE: 1, EnterpriseType.SELF_SUFFICIENCY_ENTERPRISE: 1,
    }
    assert [t.key for t in result.enterprises_by_type] == list(EnterpriseType)
    assert result.approved_enterprises == 4
    assert {t.key: t.count for t in result.institutions_by_kind if t.count} == {
        InstitutionKind.DISTRICT_OFFICE: 2, InstitutionKind.SCHOOL: 1}
    assert result.approved_institutions == 3


def test_new_members_by_korean_month_and_by_year_without_staff(people):
    result = board()

    by_month = {m.period: (m.consumers, m.institution_buyers, m.enterprise_members)
                for m in result.new_by_month if m.total}
    assert by_month == add_months({TODAY.month: (4, 2, 4)}, {1: (1, 0, 0)})  # the deactivated one joined too
    assert [m.label for m in result.new_by_month][:2] == ["1월", "2월"]
    assert [(y.period, y.total) for y in result.new_by_year] == [
        (YEAR - 4, 1), (YEAR - 3, 0), (YEAR - 2, 0), (YEAR - 1, 1), (YEAR, 11)]
    assert result.new_members.total == sum(m.total for m in result.new_by_month) == 11
    assert result.busiest_month.period == TODAY.month
    earlier = board(YEAR - 1)
    assert {m.period: m.total for m in earlier.new_by_month if m.total} == {12: 1}
    assert [(y.period, y.total) for y in earlier.new_by_year] == [
        (YEAR - 5, 1), (YEAR - 4, 1), (YEAR - 3, 0), (YEAR - 2, 0), (YEAR - 1, 1)]
    assert board(YEAR - 2).busiest_month is None


# --- waiting work ----------------------------------------------------------------------------------


def test_what_waits_for_staff_matches_the_approvals_and_review_pages(people, scene, make_user, make_category,
                                                                    make_institution):
    seller = scene.coop_seller
    jam = make_category("잼·청", parent=make_category("식품"))
    for n in range(2):
        review.submit_product(seller.enterprise_id, new_draft(seller, jam, name=f"딸기잼 {n}").id, seller)
    new_draft(seller, jam, name="아직 초안")  # a draft waits for nobody
    selling = new_draft(seller, jam, name="판매 중인 잼")
    review.submit_product(seller.enterprise_id, selling.id, seller)
    review.approve_product(selling, make_user(Role.ADMIN))
    editing.update_details(seller.enterprise_id, selling.id, details(jam, name="설탕 줄인 잼"), seller)
    review.submit_changes(seller.enterprise_id, selling.id, seller)
    make_user(Role.INSTITUTION, institution=scene.institution, membership_approved=False)
    make_user(Role.INSTITUTION, institution=make_institution(status=ApprovalStatus.PENDING),
              membership_approved=False)  # decided with its institution, not as a membership

    waiting = board().waiting

    new, changed = review.awaiting_review()
    assert waiting == Waiting(enterprise_applications=1, institution_registrations=2, memberships=1,
                              new_products=2, changed_products=1)
    assert (waiting.new_products, waiting.changed_products) == (len(new), len(changed))
    assert waiting.memberships == len(institutions.pending_memberships())
    assert waiting.institution_registrations == len(institutions.pending_institutions())
    assert (waiting.approvals, waiting.products, waiting.total) == (4, 3, 7)


# --- the year asked for, and the cost --------------------------------------------------------------


@pytest.mark.parametrize("year", [2009, YEAR + 1, "20x6", "", "abc", True, None, "99999"])
def test_a_year_outside_the_range_is_refused_in_korean(app, year):
    with pytest.raises(DashboardError) as refused:
        mall.figures(year=year, today=TODAY)

    assert refused.value.field == "year" and "연도" in str(refused.value)


def test_a_year_may_come_as_text(app):
    assert mall.figures(year=f" {YEAR - 1} ", today=TODAY).year == YEAR - 1


def test_the_number_of_queries_does_not_grow_with_the_mall(scene, make_user, make_product, count_queries):
    consumer = make_user(Role.CONSUMER)
    card_order(consumer, [(scene.rice, 1)])
    with count_queries() as few:
        small = mall.figures(year=YEAR, today=TODAY)

    for n in range(8):
        shopper = make_user(Role.CONSUMER)
        extra = make_product(name=f"새 상품 {n}", variants=[("기본", 2_000 + n, 50)]).variants[0]
        card_order(shopper, [(scene.rice, 1), (scene.snack, n + 1), (extra, 2)])
    inspected_invoice_order(scene, [(scene.rice, 3), (scene.paper, 2)], {scene.rice.id: 2})
    card_order(consumer, [(scene.pen, 3)], pay=False)
    db.session.expire_all()
    with count_queries() as many:
        large = mall.figures(year=YEAR, today=TODAY)

    assert len(few) == len(many) == 8
    assert (small.order_count, large.order_count) == (1, 10)
    assert large.members.consumers == small.members.consumers + 8
    assert {s.key: s.count for s in large.order_states if s.count} == {
        OrderStatus.PAID: 9, OrderStatus.ORDERED: 1, OrderStatus.PENDING_PAYMENT: 1}
