"""A purchase in Chromium from the demo mall: search → product → cart → checkout → 테스트 결제 → the order
page says 결제완료; desktop and 360px phone screenshots, axe-checked."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from shop.demo.seed import seed_demo
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from tests.browser.conftest import (
    PHONE,
    assert_no_horizontal_scroll,
    screenshot,
    serious_axe_violations,
)

BUYER = ("consumer@demo.hamkke.kr", "hamkke-demo-2026")


@pytest.fixture
def demo_mall(app):
    seed_demo()


def check(page, name: str) -> None:
    screenshot(page, name)
    assert serious_axe_violations(page) == []
    assert_no_horizontal_scroll(page)


def sign_in(page, live_server: str) -> None:
    page.goto(live_server + "/login")
    page.get_by_label("이메일").fill(BUYER[0])
    page.get_by_label("비밀번호").fill(BUYER[1])
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()


def buy_rice_and_pay(page, live_server: str, device: str) -> str:
    page.goto(live_server + "/")
    search = page.get_by_role("searchbox", name="상품·기업 검색")
    search.fill("현미")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    page.locator(".product-card", has_text="현미").filter(has_not_text="품절").first.locator("a").click()
    page.wait_for_load_state()
    page.get_by_label("수량", exact=True).fill("2")
    page.get_by_role("button", name="장바구니 담기").click()
    page.wait_for_load_state()

    page.goto(live_server + "/cart")
    assert page.locator("main").get_by_text("현미").count() >= 1
    page.get_by_role("link", name="주문하기").click()
    page.wait_for_url(re.compile(r"/checkout$"))
    page.get_by_label("받는 분").fill("최소비")
    page.get_by_label("휴대전화").fill("010-4567-8901")
    page.get_by_label("우편번호").fill("03154")
    page.get_by_label("주소", exact=True).fill("서울특별시 종로구 종로 1")
    page.get_by_label("상세주소").fill("12층")
    check(page, f"{device}-checkout-01-form")

    page.get_by_role("button", name=re.compile("결제하기")).click()
    page.wait_for_url(re.compile(r"/checkout$"))  # refused: the agreement was not ticked
    assert "결제에 동의" in page.locator("main").inner_text()
    getattr(page, "console_errors", []).clear()  # the browser logs that refusal's 400; nothing else may fail
    page.get_by_label(re.compile("결제에 동의합니다")).check()
    page.get_by_role("button", name=re.compile("결제하기")).click()
    page.wait_for_url(re.compile(r"/payments/test/"))
    assert "테스트 결제" in page.locator("main").inner_text()
    check(page, f"{device}-checkout-02-test-payment")

    page.get_by_role("button", name="테스트 결제 승인").click()
    page.wait_for_url(re.compile(r"/account/orders/\d{8}-[A-Z0-9]{6}$"))
    assert page.locator("#order-status").inner_text() == "결제완료"
    check(page, f"{device}-checkout-03-order-paid")
    return page.url.rsplit("/", 1)[1]


def test_a_shopper_finds_buys_and_pays_on_desktop(demo_mall, live_server, page):
    sign_in(page, live_server)
    number = buy_rice_and_pay(page, live_server, "desktop")
    db.session.expire_all()
    assert db.session.scalar(sa.select(Order.status).where(Order.number == number)) is OrderStatus.PAID
    page.goto(live_server + "/account/orders")
    assert number in page.locator("main").inner_text()
    check(page, "desktop-checkout-04-order-list")
    assert page.console_errors == []


def test_a_shopper_buys_on_a_phone(demo_mall, live_server, browser):
    context = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        sign_in(phone, live_server)
        buy_rice_and_pay(phone, live_server, "phone")
    finally:
        context.close()
