"""Staff run an exhibition in Chromium: a refused first try, then a new exhibition with a banner and a period
covering today, a product found by search, a special price below the regular one, publishing. The
storefront's exhibition and product pages then show the special price with the regular one struck
through. Axe and a screenshot on every page; the pages at phone width do not scroll sideways."""
from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import quote

from shop.accounts.models import Role
from shop.core import storage
from shop.core.korea import kst_today
from shop.curation.models import Exhibition
from shop.demo import images
from shop.extensions import db
from tests.browser.conftest import PHONE, assert_no_horizontal_scroll, checked, sign_in

TODAY = kst_today()
DAY = timedelta(days=1)


def png(picture) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def with_real_photo(product, colour, motif: str) -> None:
    """make_product points at a picture that does not exist; store a drawn one instead."""
    product.images[0].path = storage.save_image(images.product_image(product.name, colour, motif, product.id),
                                                "products")
    db.session.commit()


def test_staff_create_curate_price_and_publish_an_exhibition(live_server, page, browser, make_user,
                                                            make_enterprise, make_product, tmp_path):
    make_user(Role.ADMIN, email="curator@example.kr", name="기획담당")
    farm = make_enterprise(name="마포 햇살농장 협동조합", district="마포구")
    jam = make_product(name="유기농 딸기잼 300g", enterprise=farm,
                       variants=[("300g", 12_000, 20), ("600g 선물세트", 21_000, 8)])
    with_real_photo(jam, (220, 60, 80), "bottle")
    tea = make_product(name="마포 매실청 500ml", enterprise=farm, variants=[("500ml", 15_000, 10)])
    with_real_photo(tea, (90, 150, 70), "bottle")
    with_real_photo(make_product(name="마포 유자차 1kg", enterprise=farm, variants=[("1kg", 18_000, 5)]),
                    (240, 190, 60), "cup")
    banner = tmp_path / "banner.png"
    banner.write_bytes(png(images.banner_image("마포구 공공구매 기획전", "마포구 · 사회적경제 제품 특가",
                                               (40, 120, 160), 7)))
    main = page.locator("main")

    sign_in(page, live_server, "curator@example.kr")
    page.goto(live_server + "/admin/exhibitions")
    assert "아직 기획전이 없습니다" in main.inner_text()
    page.get_by_role("link", name="새 기획전 만들기").click()
    page.wait_for_load_state()

    page.get_by_label("기획전 제목").fill("마포구 공공구매 기획전")
    page.get_by_label("주최 구분").select_option(label="자치구")
    page.get_by_label("주최 기관 이름").fill("강남")
    page.get_by_role("button", name="기획전 만들기").click()
    page.wait_for_load_state()
    text = main.inner_text()
    assert "주최 자치구를 '마포구'처럼 서울의 구 이름으로 입력해 주세요." in text
    assert "기획전 종류를 골라 주세요." in text and "시작일을 입력해 주세요." in text
    checked(page, "desktop-admin-exhibition-refused")

    page.get_by_label("주최 기관 이름").fill("마포구")
    page.get_by_label("기획전 종류").select_option(label="공공판로 기획전")
    page.get_by_label("시작일").fill((TODAY - DAY).isoformat())
    page.get_by_label("종료일").fill((TODAY + 20 * DAY).isoformat())
    page.get_by_label("한 줄 소개").fill("마포구 부서와 동 주민센터가 바로 살 수 있는 사회적경제기업 제품")
    page.get_by_label("소개글").fill("마포의 사회적경제기업 제품을 모았습니다.\n\n기간 중에는 표시된 특가로 살 수 있습니다.")
    page.get_by_label("배너 이미지 (선택").set_input_files(str(banner))
    page.get_by_label("배너 이미지 설명 (대체 텍스트)").fill("마포구 공공구매 기획전 — 사회적경제 제품 특가")
    page.get_by_role("button", name="기획전 만들기").click()
    page.wait_for_load_state()
    assert "'마포구 공공구매 기획전' 기획전을 만들었습니다." in main.inner_text()
    exhibition = db.session.query(Exhibition).one()

    page.get_by_label("상품명·기업명·상품 번호로 검색").fill("햇살농장")
    page.get_by_role("button", name="상품 검색").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="추가: 유기농 딸기잼 300g").click()
    page.wait_for_load_state()
    assert "'유기농 딸기잼 300g'을(를) 기획전에 추가했습니다." in main.inner_text()
    page.get_by_label("상품 번호", exact=True).fill(str(tea.id))
    page.get_by_role("button", name="번호로 추가").click()
    page.wait_for_load_state()

    page.get_by_label("300g", exact=True).fill("12,000")
    page.get_by_role("button", name="특가 저장: 유기농 딸기잼 300g").click()
    page.wait_for_load_state()
    assert "'300g' 특가(12,000원)는 정가 12,000원보다 낮아야 합니다." in page.locator(".error-summary").inner_text()
    assert page.get_by_label("300g", exact=True).get_attribute("aria-invalid") == "true"
    checked(page, "desktop-admin-exhibition-price-refused")
    page.get_by_label("300g", exact=True).fill("9,900")
    page.get_by_label("600g 선물세트").fill("18,000")
    page.get_by_role("button", name="특가 저장: 유기농 딸기잼 300g").click()
    page.wait_for_load_state()
    assert "기획전 특가를 저장했습니다" in main.inner_text()

    page.get_by_role("button", name="공개하기").click()
    page.wait_for_load_state()
    assert "기획전을 공개했습니다." in main.inner_text()
    page.locator(".banner-current img").scroll_into_view_if_needed()
    checked(page, "desktop-admin-exhibition")

    page.get_by_role("navigation", name="지원센터 메뉴").get_by_role("link", name="기획전").click()
    page.wait_for_load_state()
    row = page.get_by_role("row", name="마포구 공공구매 기획전")
    assert page.url.endswith("/admin/exhibitions")
    assert "진행 중" in row.inner_text() and "공개" in row.inner_text() and "2개 · 2개" in row.inner_text()
    checked(page, "desktop-admin-exhibitions")

    page.goto(live_server + "/exhibitions/" + quote(exhibition.slug))
    banner_img = page.get_by_role("img", name="마포구 공공구매 기획전 — 사회적경제 제품 특가")
    assert banner_img.evaluate("img => img.complete && img.naturalWidth > 0")
    card = page.locator(".product-card", has_text="유기농 딸기잼 300g")
    assert card.locator("del").inner_text() == "12,000원" and "9,900원" in card.locator(".sale").inner_text()
    assert "15,000원" in page.locator(".product-card", has_text="마포 매실청").inner_text()
    checked(page, "desktop-exhibition-storefront")

    card.get_by_role("link").click()
    page.wait_for_load_state()
    summary = page.locator(".product-summary")
    assert summary.locator(".product-price del").inner_text() == "12,000원"
    assert summary.locator(".product-price .sale").inner_text() == "9,900원"
    options = summary.locator("table.options").inner_text()
    assert "18,000원" in options and "21,000원" in options
    assert "마포구 공공구매 기획전" in summary.locator(".exhibition-note").inner_text()
    checked(page, "desktop-product-exhibition-price")

    phone = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True,
                                storage_state=page.context.storage_state())
    tab = phone.new_page()
    for path, name in (("/admin/exhibitions", "phone-admin-exhibitions"),
                       (f"/admin/exhibitions/{exhibition.id}?q=햇살농장", "phone-admin-exhibition"),
                       ("/admin/exhibitions/new", "phone-admin-exhibition-new"),
                       ("/exhibitions/" + quote(exhibition.slug), "phone-exhibition-storefront"),
                       ("/products/" + quote(jam.slug), "phone-product-exhibition-price")):
        tab.goto(live_server + path)
        if tab.locator(".banner-current img").count():  # decoded, so the full-page screenshot shows it
            tab.locator(".banner-current img").scroll_into_view_if_needed()
        assert_no_horizontal_scroll(tab)
        checked(tab, name)
    phone.close()
