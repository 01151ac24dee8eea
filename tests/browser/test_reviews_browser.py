"""Reviews in Chromium: the buyer of a delivered item logs in, opens 내 후기, writes a 5-star review
and sees it listed; on a desktop and a 360px phone, axe-checked, with no sideways scrolling. The
product page's 구매 후기 partial is shown on its own (the product page includes it once wired)."""
from __future__ import annotations

import re

import pytest
from flask import render_template_string

from shop.accounts.models import Role
from shop.reviews import services as reviews
from tests.browser.conftest import (
    PHONE,
    assert_no_horizontal_scroll,
    screenshot,
    serious_axe_violations,
)
from tests.factories import PASSWORD
from tests.services.test_reviews import GOOD_BODY, bought, png_bytes

REVIEW_TEXT = "향이 은은하고 거품이 부드러워요.\n선물용 포장도 예뻐서 부모님께 하나 더 보내 드렸습니다."


@pytest.fixture
def delivered(make_user, make_enterprise, make_product):
    """A buyer whose order of two soaps and a towel has been delivered."""
    buyer = make_user(Role.CONSUMER, name="김민수", email="minsu@example.kr")
    staff = make_user(Role.ADMIN, name="지원센터")
    maker = make_enterprise(name="민화비누공방 사회적협동조합")
    soap = make_product(enterprise=maker, name="민화 수제비누 선물세트 (모란·연꽃·매화 3종)",
                        variants=[("모란", 9000, 50), ("연꽃", 9000, 50)])
    towel = make_product(name="유기농 면 수건", variants=[("40×80cm 2장", 12000, 20)])
    order = bought(buyer, staff, [*soap.variants, towel.variants[0]])
    return buyer, order, soap


def check(page, name: str) -> None:
    screenshot(page, name)
    assert serious_axe_violations(page) == []
    assert_no_horizontal_scroll(page)
    broken = page.evaluate("[...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)")
    assert broken == [], f"images that did not load: {broken}"


def sign_in(page, live_server: str, email: str) -> None:
    page.goto(live_server + "/login")
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()


def write_five_stars(page, live_server: str, device: str, product_name: str, *, photo: bool) -> None:
    page.goto(live_server + "/account/reviews")
    assert "후기를 기다리는 상품" in page.locator("main").inner_text()
    check(page, f"{device}-reviews-01-waiting")

    page.get_by_role("link", name=re.compile(f"^{re.escape(product_name)}.* 후기 쓰기$")).first.click()
    page.wait_for_url(re.compile(r"/account/reviews/new/\d+$"))
    page.get_by_role("button", name="후기 등록").click()  # nothing chosen: refused with the reasons
    page.wait_for_url(re.compile(r"/account/reviews/new/\d+$"))
    main = page.locator("main").inner_text()
    assert "별점을" in main and "후기 내용을 입력해 주세요" in main
    check(page, f"{device}-reviews-02-form-errors")
    getattr(page, "console_errors", []).clear()  # the browser logs that refusal's 400; nothing else may fail

    page.get_by_role("radio", name=re.compile("^5점")).check()
    page.get_by_label("후기 내용").fill(REVIEW_TEXT)
    if photo:
        page.get_by_label("사진 (선택)").set_input_files(
            files=[{"name": "soap.png", "mimeType": "image/png", "buffer": png_bytes((900, 700), (190, 90, 120))}])
    check(page, f"{device}-reviews-03-form-filled")
    page.get_by_role("button", name="후기 등록").click()
    page.wait_for_url(re.compile(r"/account/reviews$"))

    written = page.locator(".review-list .review").first
    assert "향이 은은하고" in written.inner_text()
    assert written.get_by_role("img", name="5점 만점에 5점").count() == 1
    assert "후기를 등록했습니다" in page.locator("main").inner_text()
    if photo:
        assert written.get_by_role("img", name="구매자 후기 사진").count() == 1
    check(page, f"{device}-reviews-04-listed")


def test_the_buyer_writes_a_five_star_review_on_a_desktop(delivered, live_server, page):
    buyer, order, soap = delivered
    sign_in(page, live_server, buyer.email)
    write_five_stars(page, live_server, "desktop", "민화 수제비누", photo=True)
    assert [r.rating for r in reviews.user_reviews(buyer)] == [5]

    page.locator(".review-list .review").first.locator("summary", has_text="삭제").click()
    check(page, "desktop-reviews-05-delete-open")
    page.get_by_role("button", name="후기 삭제하기").click()
    page.wait_for_url(re.compile(r"/account/reviews$"))
    assert "후기를 삭제했습니다" in page.locator("main").inner_text()
    assert reviews.user_reviews(buyer) == []
    assert page.console_errors == []


def test_the_buyer_writes_a_five_star_review_on_a_phone(delivered, live_server, browser):
    buyer, order, soap = delivered
    context = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        sign_in(phone, live_server, buyer.email)
        write_five_stars(phone, live_server, "phone", "유기농 면 수건", photo=False)
        phone.get_by_role("link", name=re.compile("고치기")).first.click()
        phone.wait_for_url(re.compile(r"/account/reviews/\d+/edit$"))
        check(phone, "phone-reviews-05-edit")
    finally:
        context.close()
    assert [r.rating for r in reviews.user_reviews(buyer)] == [5]


PREVIEW = """{% extends "base.html" %}
{% block head %}<link rel="stylesheet" href="{{ url_for('static', filename='css/reviews.css') }}">{% endblock %}
{% block content %}<h1>{{ name }}</h1>{% include "reviews/_product_reviews.html" %}{% endblock %}"""


@pytest.mark.parametrize("device, viewport", [("desktop", None), ("phone", PHONE)])
def test_the_product_page_partial_reads_well(app, delivered, live_server, browser, device, viewport):
    """The partial in the site's layout, served from the app's origin so its CSS and photos load."""
    buyer, order, soap = delivered
    soap_items = [i for i in order.items if i.product_id == soap.id]
    reviews.write_review(buyer, soap_items[0].id, 5, REVIEW_TEXT, png_bytes((800, 800), (190, 90, 120)))
    reviews.write_review(buyer, soap_items[1].id, 4, GOOD_BODY + " 다만 배송이 하루 늦었어요.")
    with app.test_request_context("/"):
        html = render_template_string(PREVIEW, name=soap.name,
                                      review_summary=reviews.product_review_summary(soap.id),
                                      reviews=reviews.product_reviews(soap.id, 1))
    options = {"viewport": viewport, "is_mobile": True, "has_touch": True} if viewport else {}
    context = browser.new_context(locale="ko-KR", **options)
    tab = context.new_page()
    try:
        url = f"{live_server}/__review-preview"
        tab.route(url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))
        tab.goto(url)
        section = tab.locator("#reviews")
        assert section.get_by_role("img", name="5점 만점에 4.5점").count() == 1
        assert "김*수" in section.inner_text() and "김민수" not in section.inner_text()
        check(tab, f"{device}-reviews-06-product-partial")
    finally:
        context.close()
