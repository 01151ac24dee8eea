"""/admin, the staff dashboard: the year's figures on the page to the won (sales by channel, month and enterprise
type, top lists, orders by state, members, the waiting work with links to where it is done), the counting rule
stated, a year asked for in the menu or refused in Korean (never a 500), and a page whose number of queries
does not grow with the mall."""
from __future__ import annotations

import re
from html import unescape

import pytest

from shop.accounts.models import Role
from shop.models_base import ApprovalStatus
from tests.conftest import signed_in
from tests.services import test_mall_figures as mall_tests
from tests.services import test_purchase_reports as purchases
from tests.services.test_purchase_reports import TODAY, card_order, inspected_invoice_order

scene = purchases.scene  # the fixtures, where pytest looks for them
sold = mall_tests.sold
YEAR = TODAY.year


def visible_text(response) -> str:
    """The page's words without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", unescape(response.get_data(as_text=True))).split())


def table(response, table_id: str) -> list[str]:
    """The rows of one table, each as its cells' words joined by spaces."""
    html = unescape(response.get_data(as_text=True))
    body = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.DOTALL).group(0)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in re.findall(r"<tr.*?</tr>", body, re.DOTALL)]


@pytest.fixture
def staff(make_user, login):
    user = make_user(Role.ADMIN, name="현황담당")
    login(user)
    return user


def test_the_page_shows_the_years_sales_to_the_won(client, sold, staff):
    response = client.get("/admin")

    assert response.status_code == 200
    words = visible_text(response)
    assert f"{YEAR}년 실적" in words
    assert "판매액(부가세 포함, 배송비 제외) 335,000원" in words and "주문 4건" in words
    assert "일반 소비자 109,000원 32.5% · 주문 2건" in words
    assert "공공기관 226,000원 67.4% · 주문 2건" in words
    months = table(response, "sales-by-month")
    assert months[0] == "월 일반 소비자 공공기관 합계 주문"
    if TODAY.month != 1:
        assert months[1] == "1월 20,000원 0원 20,000원 1건"
    assert f"{TODAY.month}월 89,000원 226,000원 315,000원 3건" in months or TODAY.month == 1
    assert months[-1] == "합계 109,000원 226,000원 335,000원 4건"
    assert "협동조합 1곳 3건 224,000원 66.8%" in table(response, "sales-by-type")
    assert "예비사회적기업 0곳 0건 0원 0.0%" in table(response, "sales-by-type")
    assert table(response, "top-enterprises")[1:] == [
        "1 늘봄 협동조합 협동조합 3건 224,000원",
        "2 마포 재생종이 사회적기업 2건 100,000원",
        "3 =성미산 마을기업 마을기업 1건 11,000원",
    ]
    assert table(response, "top-products")[1] == "1 유기농 현미 늘봄 협동조합 10개 200,000원"
    assert "결제 전이거나 검수 전" in words and "공공기관 구매실적 보고서와 같은 기준" in words


def test_the_page_shows_orders_members_and_the_waiting_work(client, sold, staff, make_enterprise):
    make_enterprise(name="도봉 마을부엌", status=ApprovalStatus.PENDING)

    response = client.get("/admin")

    words = visible_text(response)
    assert "결제완료 4건" in table(response, "order-states") and "주문취소 1건" in table(response, "order-states")
    assert table(response, "order-states")[-1] == "합계 8건"
    assert "검수완료 2건" in table(response, "shipment-states") and "반품완료 1건" in table(response, "shipment-states")
    assert "일반 회원 2명" in words and "지원센터 1명" in words and "승인된 입점기업 3곳" in words
    assert "승인된 공공기관 2곳" in words
    assert f"{TODAY.month}월" in " ".join(table(response, "members-by-month"))
    assert table(response, "members-by-year")[-1].startswith(f"{YEAR}년 ")
    assert "입점 신청 1 건" in words and "새 상품 심사 0 건" in words
    html = response.get_data(as_text=True)
    assert 'href="/admin/approvals#pending-enterprises"' in html
    assert 'href="/admin/products/review#queue-new"' in html
    assert '<a href="/admin" aria-current="page">현황</a>' in html


def test_the_charts_draw_a_bar_for_each_month_with_sales(client, sold, staff):
    html = client.get("/admin").get_data(as_text=True)

    sales_svg = re.search(r'<svg[^>]*aria-label="\d{4}년 월별 판매액.*?</svg>', html, re.DOTALL).group(0)
    bars = re.findall(r'<rect class="chart-part series-(\d)"', sales_svg)
    # This month: consumers under institutions; January: consumers only (one bar if that is this month).
    assert sorted(bars) == (["0", "1"] if TODAY.month == 1 else ["0", "0", "1"])
    assert f"{YEAR}년 {TODAY.month}월 " in sales_svg and "같은 수치를 월별 판매액 표로 제공합니다" in sales_svg
    assert '<ul class="chart-legend"' in html
    members_svg = re.search(r'<svg[^>]*aria-label="\d{4}년 월별 신규 회원.*?</svg>', html, re.DOTALL).group(0)
    assert members_svg.count('class="chart-part') == 1  # everyone in the scene joined this month


def test_another_year_from_the_menu(client, sold, staff):
    response = client.get(f"/admin?year={YEAR - 1}")

    assert response.status_code == 200
    words = visible_text(response)
    assert f"{YEAR - 1}년 실적" in words and "판매액(부가세 포함, 배송비 제외) 60,000원" in words
    assert f'<option value="{YEAR - 1}" selected>' in response.get_data(as_text=True)


@pytest.mark.parametrize("asked", ["abc", "2009", str(YEAR + 1), "２０２５", "'; DROP TABLE orders;--", "9" * 200])
def test_a_bad_year_is_refused_in_korean_and_this_years_figures_shown(client, sold, staff, asked):
    response = client.get("/admin", query_string={"year": asked})

    assert response.status_code == 400
    words = visible_text(response)
    assert "연도" in words and f"{YEAR}년 실적을 보여 드립니다" in words
    assert "판매액(부가세 포함, 배송비 제외) 335,000원" in words
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_an_empty_mall_shows_zeros_not_errors(client, staff):
    response = client.get("/admin")

    assert response.status_code == 200
    words = visible_text(response)
    assert "판매액(부가세 포함, 배송비 제외) 0원" in words and "집계된 판매가 없습니다" in words
    assert "지금 처리할 일 없음" in words


@pytest.mark.parametrize("role", [Role.CONSUMER, Role.ENTERPRISE, Role.INSTITUTION])
def test_only_staff_see_it(client, login, make_user, make_enterprise, make_institution, role):
    extra = {Role.ENTERPRISE: {"enterprise": make_enterprise()},
             Role.INSTITUTION: {"institution": make_institution()}}.get(role, {})
    login(make_user(role, **extra))

    assert client.get("/admin").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def page_and_queries(app, user, count_queries):
    """/admin fetched in a fresh app context (nothing cached, as in a new request) and its SQL statements."""
    with app.app_context():
        browser, _ = signed_in(app, user)
        with count_queries() as queries:
            response = browser.get("/admin")
    assert response.status_code == 200
    return response, queries


def test_the_page_runs_the_same_number_of_queries_for_a_small_and_a_large_mall(app, scene, make_user, make_product,
                                                                               count_queries):
    staff = make_user(Role.ADMIN)
    card_order(make_user(Role.CONSUMER), [(scene.rice, 1)])
    small, few = page_and_queries(app, staff, count_queries)

    for n in range(10):
        extra = make_product(name=f"새 상품 {n}", variants=[("기본", 3_000 + n, 50)]).variants[0]
        card_order(make_user(Role.CONSUMER), [(scene.snack, n + 1), (extra, 1)])
    inspected_invoice_order(scene, [(scene.rice, 4), (scene.paper, 2)], {scene.rice.id: 3})
    large, many = page_and_queries(app, staff, count_queries)

    assert (len(table(small, "top-products")), len(table(large, "top-products"))) == (1 + 1, 1 + 10)
    print(f"\n/admin: {len(many)} queries")
    assert len(few) == len(many) <= 12, [q.split("\n")[0][:80] for q in many]
