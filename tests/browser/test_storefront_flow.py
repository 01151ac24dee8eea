"""A shopper's walk through the demo mall in Chromium: home → category → product → Korean search,
on a desktop and on a 360px phone; every public page passes axe and fits a phone screen."""
from __future__ import annotations

import re

import pytest

from shop.demo.seed import seed_demo
from tests.browser.conftest import (
    assert_no_horizontal_scroll,
    screenshot,
    serious_axe_violations,
)


@pytest.fixture
def demo_mall(app):
    seed_demo()


def check_page(page, name: str) -> None:
    screenshot(page, name)
    assert serious_axe_violations(page) == []
    broken = page.evaluate(
        "[...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)"
    )
    assert broken == [], f"images that did not load: {broken}"


def walk_home_category_product_search(page, live_server: str, device: str) -> None:
    page.goto(live_server + "/")
    assert "함께장터" in page.title()
    assert page.locator("footer").get_by_text("사업자등록번호").count() >= 1
    check_page(page, f"{device}-01-home")

    page.goto(live_server + "/categories")
    page.locator("a.category-top", has_text="식품").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("식품")
    cards = page.locator(".product-card")
    assert cards.count() >= 10
    check_page(page, f"{device}-02-category")

    first_name = cards.first.locator(".card-title").inner_text()
    cards.first.locator("a").click()
    page.wait_for_load_state()
    assert page.locator("h1#product-title").inner_text() == first_name
    assert re.search(r"[\d,]+원", page.locator("main").inner_text())
    check_page(page, f"{device}-03-product")

    search_box = page.get_by_role("searchbox", name="상품·기업 검색")
    search_box.fill("현미")
    search_box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert "현미" in page.locator("h1").inner_text()
    titles = page.locator(".product-card .card-title").all_inner_texts()
    assert titles and all("현미" in title for title in titles[:5]), titles[:5]
    check_page(page, f"{device}-04-search")


def test_shopper_walks_the_mall_on_desktop(demo_mall, live_server, page):
    walk_home_category_product_search(page, live_server, "desktop")
    assert page.console_errors == []


def test_shopper_walks_the_mall_on_a_phone(demo_mall, live_server, phone_page):
    walk_home_category_product_search(phone_page, live_server, "phone")
    for path in ("/", "/categories", "/search?q=%ED%98%84%EB%AF%B8"):
        phone_page.goto(live_server + path)
        assert_no_horizontal_scroll(phone_page)


def test_search_with_no_match_says_so_in_korean(demo_mall, live_server, page):
    page.goto(live_server + "/search?q=%EC%97%86%EB%8A%94%EB%A7%90%EC%9E%85%EB%8B%88%EB%8B%A4")
    assert page.locator(".product-card").count() == 0
    assert "없습니다" in page.locator("main").inner_text()


PUBLIC_PAGES = [
    "/enterprises", "/exhibitions", "/art-collabs", "/about", "/terms", "/privacy", "/withdrawal",
    "/login", "/register", "/register/enterprise", "/register/institution",
]


def test_every_public_page_is_accessible_and_fits_a_phone(demo_mall, live_server, browser, page):
    page.goto(live_server + "/enterprises")
    page.locator(".card a").first.click()
    page.wait_for_load_state()
    detail_pages = [page.url.removeprefix(live_server)]
    for listing in ("/exhibitions", "/art-collabs"):
        page.goto(live_server + listing)
        page.locator("main .card a").first.click()
        page.wait_for_load_state()
        detail_pages.append(page.url.removeprefix(live_server))

    phone = browser.new_context(viewport={"width": 360, "height": 780}, locale="ko-KR", is_mobile=True)
    phone_tab = phone.new_page()
    try:
        for path in PUBLIC_PAGES + detail_pages:
            name = path.strip("/").replace("/", "-") or "home"
            page.goto(live_server + path)
            check_page(page, f"desktop-page-{name}")
            phone_tab.goto(live_server + path)
            assert_no_horizontal_scroll(phone_tab)
            screenshot(phone_tab, f"phone-page-{name}")
    finally:
        phone.close()
    assert page.console_errors == []


def test_members_sign_in_and_staff_see_approvals(demo_mall, live_server, page):
    page.goto(live_server + "/login")
    page.get_by_label("이메일").fill("consumer@demo.hamkke.kr")
    page.get_by_label("비밀번호").fill("wrong-password")
    page.get_by_role("button", name="로그인").click()
    assert "이메일 또는 비밀번호" in page.locator("main").inner_text()

    page.get_by_label("비밀번호").fill("hamkke-demo-2026")
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()
    page.goto(live_server + "/account")
    assert "consumer@demo.hamkke.kr" in page.locator("main").inner_text()
    check_page(page, "desktop-account")
    page.get_by_role("button", name="로그아웃").click()
    page.wait_for_load_state()

    page.goto(live_server + "/login")
    page.get_by_label("이메일").fill("admin@demo.hamkke.kr")
    page.get_by_label("비밀번호").fill("hamkke-demo-2026")
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()
    page.goto(live_server + "/admin/approvals")
    assert "승인" in page.locator("h1").inner_text()
    assert page.locator("main").get_by_text("대기").count() >= 1
    check_page(page, "desktop-admin-approvals")
