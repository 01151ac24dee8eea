"""The staff order screens in Chromium: shipping a parcel with a courier and tracking number; axe and phone width."""
from __future__ import annotations

from shop.accounts.models import Role
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order
from shop.payments import services as payments
from tests.browser.conftest import (
    PHONE,
    assert_no_horizontal_scroll,
    screenshot,
    serious_axe_violations,
)
from tests.services.order_helpers import SEOUL, TODAY, new_key


def test_staff_ship_an_order_from_the_browser(live_server, page, browser, make_user, make_product):
    buyer = make_user(Role.CONSUMER, name="한구매")
    staff = make_user(Role.ADMIN, email="staff@example.kr")
    variant = make_product(name="공정무역 초콜릿", variants=[("다크", 4500, 30)]).variants[0]
    order = orders.place_order(buyer, [(variant.id, 3)], SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(order, buyer)
    orders.start_preparing(db.session.get(Order, order.id).shipments[0], staff)

    page.goto(live_server + "/login")
    page.get_by_label("이메일").fill("staff@example.kr")
    page.get_by_label("비밀번호").fill("correct-horse-42")
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()
    page.goto(live_server + "/admin/orders")
    page.get_by_role("link", name=order.number).click()
    page.wait_for_load_state()
    screenshot(page, "desktop-admin-order")
    assert serious_axe_violations(page) == []
    page.get_by_label("택배사").select_option("epost")
    page.get_by_label("송장번호").fill("6865012345678")
    page.get_by_role("button", name="발송 처리").click()
    page.wait_for_load_state()
    assert "배송중" in page.locator("main").inner_text() and "우체국택배" in page.locator("main").inner_text()

    phone = browser.new_context(viewport=PHONE, locale="ko-KR", storage_state=page.context.storage_state())
    tab = phone.new_page()
    for path in ("/admin/orders", f"/admin/orders/{order.number}"):
        tab.goto(live_server + path)
        assert_no_horizontal_scroll(tab)
        assert serious_axe_violations(tab) == []
    screenshot(tab, "phone-admin-order")
    phone.close()
