"""A staff member in Chromium: the dashboard at /admin with its two monthly charts and their tables, the waiting
work linking to the approvals page, another year from the menu and a refused one; axe, and a phone's width."""
from __future__ import annotations

from datetime import UTC, datetime

from shop.accounts.models import Role
from shop.models_base import ApprovalStatus
from shop.orders.models import Order
from tests.browser.conftest import (
    PHONE,
    assert_no_horizontal_scroll,
    checked,
    sign_in,
)
from tests.services import test_mall_figures as mall_tests
from tests.services import test_purchase_reports as purchases
from tests.services.test_mall_figures import set_values
from tests.services.test_purchase_reports import TODAY, card_order

scene, sold, people = purchases.scene, mall_tests.sold, mall_tests.people  # the fixtures, where pytest looks
YEAR = TODAY.year


def test_the_staff_dashboard_in_the_browser(live_server, page, browser, scene, sold, people, make_user,
                                            make_enterprise):
    make_user(Role.ADMIN, email="staff@example.kr", name="현황담당")
    make_enterprise(name="도봉 마을부엌", status=ApprovalStatus.PENDING)
    for month in range(1, TODAY.month):  # a consumer's order in every earlier month of the year
        order = card_order(sold["consumer"], [(scene.snack, month)])
        set_values(Order, order.id, paid_at=datetime(YEAR, month, 10, 3, 0, tzinfo=UTC))

    sign_in(page, live_server, "staff@example.kr")
    page.goto(live_server + "/admin")
    main = page.locator("main")
    assert "지금 처리할 일" in main.inner_text() and f"{YEAR}년 실적" in main.inner_text()
    sales_chart = page.locator("svg[role=img]").first
    assert sales_chart.locator(".chart-part.series-1").count() == 1  # institutions bought this month only
    assert sales_chart.locator(".chart-part.series-0").count() == TODAY.month  # consumers every month
    fills = [sales_chart.locator(f".chart-part.series-{n}").first.evaluate("e => getComputedStyle(e).fill")
             for n in (0, 1)]
    assert fills == ["rgb(11, 110, 79)", "rgb(26, 63, 143)"]  # no style sheet paints over the series colours
    assert page.locator("#top-enterprises tbody tr").first.inner_text().split("\t")[1].startswith("늘봄 협동조합")
    year_total = 335_000 + sum(8_000 * month for month in range(1, TODAY.month))
    assert page.locator("#sales-by-month tfoot").inner_text().split("\t")[3] == f"{year_total:,}원"
    checked(page, "desktop-admin-dashboard")

    page.get_by_label("연도", exact=True).select_option(str(YEAR - 1))
    page.get_by_role("button", name="조회").click()
    page.wait_for_load_state()
    assert f"{YEAR - 1}년 실적" in main.inner_text() and "60,000원" in main.inner_text()
    checked(page, "desktop-admin-dashboard-last-year")

    page.get_by_role("link", name="입점 신청").click()
    page.wait_for_load_state()
    assert page.url.endswith("/admin/approvals#pending-enterprises") and "도봉 마을부엌" in main.inner_text()

    phone = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True,
                                storage_state=page.context.storage_state())
    tab = phone.new_page()
    for path, name in (("/admin", "phone-admin-dashboard"), (f"/admin?year={YEAR - 2}", "phone-admin-dashboard-empty"),
                       ("/admin?year=abc", "phone-admin-dashboard-refused")):
        tab.goto(live_server + path)
        assert_no_horizontal_scroll(tab)
        checked(tab, name)
    assert "연도를 목록에서 골라 주세요" in tab.locator("main").inner_text()
    phone.close()
