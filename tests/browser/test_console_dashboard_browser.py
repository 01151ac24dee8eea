"""An enterprise member in Chromium: the dashboard with its monthly chart and work to do, then a social value
record added (after a refused try) and edited next to the center's verified one; axe and phone width."""
from __future__ import annotations

from shop.accounts.models import Role
from shop.enterprises.models import SocialValueArea
from shop.orders import services as orders
from shop.payments import services as payments
from shop.procurement import invoice_orders
from tests.browser.conftest import (
    PHONE,
    assert_no_horizontal_scroll,
    checked,
    sign_in,
)
from tests.services import test_purchase_reports as purchases
from tests.services.order_helpers import SEOUL, new_key
from tests.services.test_purchase_reports import (
    TODAY,
    inspected_invoice_order,
    invoice_order,
)

scene = purchases.scene  # the fixture, where pytest looks for it


def test_dashboard_and_social_value_in_the_browser(live_server, page, browser, scene, make_user,
                                                   make_product, make_social_value):
    make_user(Role.ENTERPRISE, enterprise=scene.coop, email="seller@neulbom.example.kr", name="한농부")
    consumers = [make_user(Role.CONSUMER, name=f"시민{n}") for n in range(3)]
    jam = make_product(name="유기농 딸기잼 선물세트", enterprise=scene.coop, variants=[("2병", 18_000, 200)])
    for n, consumer in enumerate(consumers):
        order = orders.place_order(consumer, [(jam.variants[0].id, n + 1), (scene.snack.id, 2)], SEOUL, new_key(),
                                   today=TODAY)
        payments.pay_in_test_mode(order, consumer)
    inspected_invoice_order(scene, [(scene.rice, 12)], {scene.rice.id: 10})
    accepted = invoice_order(scene.buyer, [(scene.rice, 2)])
    invoice_orders.accept(accepted.shipments[0], scene.coop_seller)
    invoice_order(scene.buyer, [(scene.snack, 5)])
    make_social_value(scene.coop, year=TODAY.year - 2, area=SocialValueArea.EMPLOYMENT, amount=310_000_000,
                      measured_by="SPC", verified=True, note="사회성과인센티브 측정")

    sign_in(page, live_server, "seller@neulbom.example.kr")
    page.goto(live_server + "/console")
    main = page.locator("main")
    assert "지금 처리할 일" in main.inner_text()
    assert page.locator("svg[role=img] .chart-bar").count() == 1
    assert page.locator("#top-products tbody tr").first.inner_text().split("\t")[1] == "유기농 현미"
    checked(page, "desktop-console-dashboard")

    page.get_by_role("navigation", name="판매자 센터 메뉴").get_by_role("link", name="사회적 가치").click()
    page.wait_for_load_state()
    assert "검증됨" in main.inner_text() and "310,000,000원" in main.inner_text()
    page.get_by_label("연도", exact=True).select_option(str(TODAY.year - 1))
    page.get_by_label("분야", exact=True).select_option("environment")
    page.get_by_label("사회적 가치 금액 (원)").fill("12만원")
    page.get_by_label("측정 주체(출처)").fill("자체 측정")
    page.get_by_role("button", name="기록 추가").click()
    page.wait_for_load_state()
    assert "금액은 원 단위 숫자로 입력해 주세요" in main.inner_text()
    checked(page, "desktop-console-social-value-refused")
    page.get_by_label("사회적 가치 금액 (원)").fill("48,500,000원")
    page.get_by_label("비고 (측정 방법 등, 선택)").fill("재활용 원료 사용으로 줄인 탄소 배출량 환산")
    page.get_by_role("button", name="기록 추가").click()
    page.wait_for_load_state()
    assert "48,500,000원을 추가했습니다" in main.inner_text()
    row = page.locator(".sv-card", has_text="48,500,000원")
    assert "자체 보고" in row.inner_text()
    checked(page, "desktop-console-social-value")

    row.get_by_role("link", name="수정").click()
    page.wait_for_load_state()
    page.get_by_label("사회적 가치 금액 (원)").fill("51,000,000")
    checked(page, "desktop-console-social-value-edit")
    page.get_by_role("button", name="기록 저장").click()
    page.wait_for_load_state()
    assert "51,000,000원" in page.locator("#records").inner_text()

    phone = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True,
                                storage_state=page.context.storage_state())
    tab = phone.new_page()
    for path, name in (("/console", "phone-console-dashboard"), ("/console/social-value", "phone-console-social-value"),
                       (f"/console?year={TODAY.year - 1}", "phone-console-dashboard-empty-year")):
        tab.goto(live_server + path)
        assert_no_horizontal_scroll(tab)
        checked(tab, name)
    tab.goto(live_server + "/console/social-value")
    tab.locator(".sv-card a", has_text="수정").first.click()
    tab.wait_for_load_state()
    assert_no_horizontal_scroll(tab)
    checked(tab, "phone-console-social-value-edit")
    phone.close()
