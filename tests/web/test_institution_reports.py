"""/institution/reports: the purchase report page of the buyer's own institution (figures, chart, target,
the counting rule), its CSV and XLSX downloads, refusals of a bad period in Korean, who may see it, and a
number of SQL statements that does not grow with the orders."""
from __future__ import annotations

import csv
import io
import re
from html import unescape
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from shop.accounts.models import Role
from shop.extensions import db
from tests.services import test_purchase_reports as purchases
from tests.services.test_purchase_reports import (
    TODAY,
    card_order,
    inspected_invoice_order,
    invoice_order,
)

scene = purchases.scene  # the fixture, where pytest looks for it

PAGE = "/institution/reports"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def bought(scene, login):
    """The buyer's institution bought 50,000원 by card and 140,000원 on invoice; another bought too."""
    card_order(scene.buyer, [(scene.paper, 2)])  # 50,000원, 사회적기업, 사무용품
    inspected_invoice_order(scene, [(scene.rice, 7)])  # 140,000원 면세, 협동조합, 식품
    invoice_order(scene.buyer, [(scene.pen, 30)])  # not inspected: not counted
    card_order(scene.other_buyer, [(scene.snack, 9)])  # another institution's
    login(scene.buyer)
    return scene


def test_the_report_page_shows_the_figures(client, bought):
    response = client.get(PAGE)

    assert response.status_code == 200
    html = text_of(response)
    assert f"{TODAY.year}년 구매실적" in html
    assert "190,000원" in html  # the total
    assert "50,000원" in html and "140,000원" in html
    assert "72,000원" not in html  # the other institution's snacks
    assert "33,000원" not in html  # the uninspected pens
    assert "달성률 <strong id=\"target-progress-text\">19.0%</strong>" in html  # of 1,000,000원
    assert '<progress class="target-progress" max="1000000" value="190000"' in html
    for label in ("사회적기업", "예비사회적기업", "협동조합", "사회적협동조합", "마을기업", "자활기업"):
        assert f'<th scope="row">{label}</th>' in html
    assert '<th scope="row">식품</th>' in html and '<th scope="row">사무용품</th>' in html
    assert "배송비는 제품 구매가 아니므로 제외" in html
    assert "취소·반품완료" in html and "검수" in html


def test_the_monthly_chart_is_an_svg_with_a_text_alternative(client, bought):
    html = text_of(client.get(PAGE))

    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.DOTALL).group(0)
    assert 'role="img"' in svg and "aria-label=" in svg
    assert svg.count('class="chart-month"') == 12
    assert svg.count('class="chart-bar"') == 1  # one month with purchases
    assert f"{TODAY.year}년 {TODAY.month}월 190,000원" in svg
    month_table = re.search(r'<table[^>]*id="by-month".*?</table>', html, re.DOTALL).group(0)
    assert month_table.count('<th scope="row">') == 12 + 1  # and the 합계 row
    assert f'<th scope="row">{TODAY.year}년 {TODAY.month}월</th>' in month_table
    assert "<script" not in svg and "cdn" not in html.lower()


def test_the_page_lists_the_lines_with_links_to_their_orders(client, bought):
    html = text_of(client.get(PAGE))

    assert "친환경 복사용지 A4 (2500매)" in html and "유기농 현미 (4kg)" in html
    assert html.count('href="/institution/orders/') >= 2
    assert "재생 볼펜" not in html


def test_a_year_and_a_custom_period_can_be_asked_for(client, bought):
    empty_year = text_of(client.get(f"{PAGE}?year=2001"))
    period = text_of(client.get(f"{PAGE}?from={TODAY:%Y-%m-%d}&to={TODAY:%Y-%m-%d}"))

    assert "2001년 구매실적" in empty_year and "2001년에 집계된 구매가 없습니다" in empty_year
    assert '<option value="2001" selected>' in empty_year
    assert f"{TODAY:%Y.%m.%d} ~ {TODAY:%Y.%m.%d} 구매실적" in period and "190,000원" in period
    assert f'value="{TODAY:%Y-%m-%d}"' in period  # the dates stay in the form
    assert f"from={TODAY:%Y-%m-%d}" in period  # and in the download links


def test_without_a_target_the_page_points_to_the_settings(client, bought):
    bought.institution.purchase_target_krw = 0
    db.session.commit()

    html = text_of(client.get(PAGE))

    assert "연간 구매 목표액이 정해지지 않았습니다" in html
    assert "/institution/settings#target" in html
    assert "<progress" not in html


@pytest.mark.parametrize("query, message", [
    ("year=abcd", "연도를 목록에서 골라 주세요."),
    ("year=1999", "연도는 2000년부터 2100년 사이로 골라 주세요."),
    ("from=2026-01-01", "시작일과 종료일을 모두 입력해 주세요."),
    ("from=2026-02-30&to=2026-03-01", "시작일이 달력에 없는 날짜입니다"),
    ("from=31.01.2026&to=2026-03-01", "시작일은 2026-01-31 형식으로 입력해 주세요."),
    ("from=2026-03-01&to=2026-02-01", "시작일이 종료일보다 늦습니다."),
    ("from=2020-01-01&to=2026-01-01", "조회 기간은 최대 3년입니다."),
    ("from=%3Cscript%3E&to=x", "시작일은 2026-01-31 형식으로 입력해 주세요."),
])
@pytest.mark.parametrize("path", [PAGE, f"{PAGE}.csv", f"{PAGE}.xlsx"])
def test_a_bad_period_is_refused_with_a_korean_message(client, bought, path, query, message):
    response = client.get(f"{path}?{query}")

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    html = text_of(response)
    assert message in html and 'role="alert"' in html
    assert "<script>" not in response.get_data(as_text=True).split("<main", 1)[1]


def _content_disposition(response) -> str:
    return response.headers["Content-Disposition"]


def test_the_csv_download(client, bought):
    response = client.get(f"{PAGE}.csv?year={TODAY.year}")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params.get("charset") == "utf-8"
    disposition = _content_disposition(response)
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(f'사회적경제_구매실적_{TODAY.year}.csv')}" in disposition
    assert f'filename="purchase-report-{TODAY.year}.csv"' in disposition
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "구매일자" and len(rows) == 1 + 2
    assert sum(int(row[9]) for row in rows[1:]) == 190_000


def test_the_xlsx_download_of_a_custom_period(client, bought):
    start = f"{TODAY.year}-01-01"
    response = client.get(f"{PAGE}.xlsx?from={start}&to={TODAY:%Y-%m-%d}")

    assert response.status_code == 200
    assert response.mimetype == XLSX_TYPE
    name = f"사회적경제_구매실적_{TODAY.year}0101-{TODAY:%Y%m%d}.xlsx"
    assert f"filename*=UTF-8''{quote(name)}" in _content_disposition(response)
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert [row[9] for row in rows[1:-1]] and sum(row[9] for row in rows[1:-1]) == 190_000 == rows[-1][9]


def test_the_downloads_default_to_this_year(client, bought):
    response = client.get(f"{PAGE}.xlsx")

    assert f"{quote(f'사회적경제_구매실적_{TODAY.year}.xlsx')}" in _content_disposition(response)


# --- who may see it --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [PAGE, f"{PAGE}.csv", f"{PAGE}.xlsx"])
def test_an_anonymous_visitor_is_sent_to_log_in(client, scene, path):
    response = client.get(path)

    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["consumer", "enterprise member"])
@pytest.mark.parametrize("path", [PAGE, f"{PAGE}.csv", f"{PAGE}.xlsx"])
def test_a_consumer_and_an_enterprise_member_are_refused(client, scene, login, make_user, path, who):
    login(make_user(Role.CONSUMER) if who == "consumer" else scene.coop_seller)

    assert client.get(path).status_code == 403


def test_a_buyer_of_another_institution_sees_only_their_own_purchases(client, scene, login):
    mine = card_order(scene.buyer, [(scene.paper, 2)])
    theirs = card_order(scene.other_buyer, [(scene.snack, 9)])
    login(scene.other_buyer)

    html = text_of(client.get(PAGE))
    exported = client.get(f"{PAGE}.csv").data.decode("utf-8-sig")

    assert theirs.number in html and "72,000원" in html
    assert mine.number not in html and mine.number not in exported


def test_a_member_not_yet_approved_is_sent_back_to_the_account_page(client, scene, login, make_user):
    pending = make_user(Role.INSTITUTION, institution=scene.institution, membership_approved=False)
    login(pending)

    response = client.get(PAGE)

    assert response.status_code in (302, 303) and "/account" in response.headers["Location"]


# --- cost ------------------------------------------------------------------------------------------


def test_the_page_and_the_downloads_run_the_same_number_of_queries_however_many_orders(client, scene, login,
                                                                                       count_queries):
    def counted(path: str) -> list[str]:
        # The client shares the test's database session: forget what it holds, as a new request would.
        db.session.expire_all()
        with count_queries() as queries:
            assert client.get(path).status_code == 200
        return list(queries)

    card_order(scene.buyer, [(scene.pen, 1)])
    login(scene.buyer)
    client.get(PAGE)  # warm up: the first request of a session loads more
    few = {path: counted(path) for path in (PAGE, f"{PAGE}.csv", f"{PAGE}.xlsx")}
    for n in range(3):
        card_order(scene.buyer, [(scene.rice, 1 + n), (scene.snack, 1), (scene.paper, 1)])
        inspected_invoice_order(scene, [(scene.pen, 2 + n), (scene.rice, 1)])
    many = {path: counted(path) for path in (PAGE, f"{PAGE}.csv", f"{PAGE}.xlsx")}

    assert text_of(client.get(PAGE)).count('href="/institution/orders/') == 16
    assert {path: len(q) for path, q in many.items()} == {path: len(q) for path, q in few.items()}
    assert len(many[PAGE]) <= 6
