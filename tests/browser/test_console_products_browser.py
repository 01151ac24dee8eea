"""An enterprise member in Chromium: creates a product with an image from the console, previews the
description, submits it for review; staff approve it; the member changes its price at once and its name
through review. Every console page passes axe and fits a 360px phone."""
from __future__ import annotations

from shop.accounts.models import Role
from shop.catalog import review
from shop.catalog.models import Product, ProductStatus
from shop.extensions import db
from tests.browser.conftest import (
    PHONE,
    assert_no_horizontal_scroll,
    checked,
    screenshot,
    serious_axe_violations,
    sign_in,
)
from tests.services.test_storage import camera_exif, image_bytes


def test_a_member_creates_a_product_with_an_image_and_submits_it_for_review(
        live_server, page, browser, tmp_path, make_enterprise, make_user, make_category):
    food = make_category("식품")
    make_category("잼·청", parent=food)
    make_category("커피·차", parent=food)
    enterprise = make_enterprise(name="햇살 베이커리 협동조합")
    make_user(Role.ENTERPRISE, enterprise=enterprise, email="seller@haetsal.example.kr", name="김햇살")
    staff = make_user(Role.ADMIN)
    photo = tmp_path / "strawberry-jam.jpg"
    photo.write_bytes(image_bytes("JPEG", size=(1200, 900), exif=camera_exif()))

    sign_in(page, live_server, "seller@haetsal.example.kr")
    page.goto(live_server + "/console/products")
    assert "아직 등록한 상품이 없습니다" in page.locator("main").inner_text()
    page.get_by_role("link", name="새 상품 등록").click()
    page.wait_for_load_state()
    page.get_by_label("카테고리").select_option(label="잼·청")
    page.get_by_label("상품명", exact=True).fill("유기농 딸기잼 300g")
    page.get_by_label("한 줄 소개").fill("양평 유기농 딸기로 끓인 저당 잼")
    page.get_by_label("상세 설명").fill("딸기와 비정제 설탕만 넣고 졸였습니다.\n\n개봉 후에는 냉장 보관해 주세요.")
    page.get_by_label("출고 소요일 (일)").fill("3")
    page.get_by_label("원산지").fill("국내산(경기 양평)")
    page.get_by_label("옵션 이름").fill("300g")
    page.get_by_label("판매가 (원, 부가세 포함)").fill("8,500")
    page.get_by_label("재고 (개)").fill("40")
    page.get_by_label("대표 이미지").set_input_files(str(photo))
    page.get_by_label("이미지 설명 (대체 텍스트)").fill("유리병에 담긴 딸기잼과 식빵")
    checked(page, "desktop-console-product-new")

    page.get_by_role("button", name="설명 미리보기").click()
    page.wait_for_load_state()
    assert "개봉 후에는 냉장 보관해 주세요." in page.locator("#preview").inner_text()
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 0
    page.get_by_label("대표 이미지").set_input_files(str(photo))  # a file input is never refilled
    page.get_by_role("button", name="임시 저장").click()
    page.wait_for_load_state()
    assert "임시 저장했습니다" in page.locator("main").inner_text()
    product = db.session.scalar(db.select(Product))
    assert page.url.endswith(f"/console/products/{product.id}/edit")
    image = page.locator("#images img").first
    assert image.get_attribute("alt") == "유리병에 담긴 딸기잼과 식빵"
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    checked(page, "desktop-console-product-draft")

    page.get_by_role("button", name="심사 요청").click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "심사를 요청했습니다" in text and "심사 대기" in text
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert product.status is ProductStatus.PENDING_REVIEW
    checked(page, "desktop-console-product-pending")

    review.approve_product(product, staff)
    page.reload()
    page.get_by_label("판매가 (원)").first.fill("7,900")
    page.get_by_role("button", name="옵션 저장").click()
    page.wait_for_load_state()
    assert "가격과 재고는 바로 반영됩니다" in page.locator("main").inner_text()
    page.get_by_label("상품명", exact=True).fill("저당 딸기잼 300g")
    page.get_by_role("button", name="저장", exact=True).click()
    page.wait_for_load_state()
    assert "심사 전 변경사항이 있습니다" in page.locator("main").inner_text()
    checked(page, "desktop-console-product-changes")
    page.goto(f"{live_server}/products/{product.slug}")
    assert "유기농 딸기잼 300g" in page.locator("main").inner_text() and "7,900원" in page.locator("main").inner_text()

    page.goto(live_server + "/console/products")
    checked(page, "desktop-console-products")

    phone = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True,
                                storage_state=page.context.storage_state())
    tab = phone.new_page()
    for name, path in (("products", "/console/products"), ("product-new", "/console/products/new"),
                       ("product-edit", f"/console/products/{product.id}/edit")):
        tab.goto(live_server + path)
        assert_no_horizontal_scroll(tab)
        assert serious_axe_violations(tab) == [], path
        screenshot(tab, f"phone-console-{name}")
    phone.close()
