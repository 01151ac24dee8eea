"""Staff in Chromium: register an artist, create an art collaboration with before/after packaging images
(after a refused try), link the product that carries the new packaging and publish it; the storefront
page shows before and after side by side with their alt texts and links to the product. Every page passes
axe, at desktop width and on a 360px phone."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw

from shop.accounts.models import Role
from shop.core import storage
from shop.core.korea import kst_today
from shop.curation.models import ArtCollaboration
from shop.extensions import db
from tests.browser.conftest import PHONE, assert_no_horizontal_scroll, checked, sign_in

BEFORE_ALT = "상표 스티커만 붙은 갈색 크라프트 상자"
AFTER_ALT = "골목 풍경 그림으로 덮인 노란 선물 상자"


def packaging(after: bool) -> bytes:
    """A plain kraft box, or the same box painted with shapes: enough to tell them apart on a screenshot."""
    image = Image.new("RGB", (800, 800), (236, 230, 218))
    draw = ImageDraw.Draw(image)
    draw.rectangle((160, 220, 640, 640), fill=(255, 205, 80) if after else (181, 140, 96))
    if after:
        for i, colour in enumerate(((255, 120, 90), (90, 170, 220), (40, 160, 150))):
            draw.ellipse((200 + i * 130, 300 + (i % 2) * 120, 320 + i * 130, 420 + (i % 2) * 120), fill=colour)
    else:
        draw.rectangle((330, 390, 470, 460), fill=(245, 245, 240))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def portrait() -> bytes:
    image = Image.new("RGB", (400, 400), (90, 170, 220))
    ImageDraw.Draw(image).ellipse((120, 80, 280, 240), fill=(250, 220, 190))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


def upload(name: str, data: bytes) -> dict:
    return {"name": name, "mimeType": "image/png" if name.endswith(".png") else "image/jpeg", "buffer": data}


def test_staff_publish_an_art_collaboration_shown_side_by_side(live_server, page, browser, make_enterprise,
                                                               make_product, make_user):
    bakery = make_enterprise(name="햇살 베이커리 협동조합")
    cookies = make_product(name="우리밀 쿠키 선물상자", enterprise=bakery, price=18000)
    cookies.images[0].path = storage.save_image(packaging(after=True), "test")  # a real file for the card
    db.session.commit()
    make_product(name="포장 안 바뀐 식빵", enterprise=bakery)
    make_user(Role.ADMIN, email="art@center.example.kr", name="아트담당")
    main = page.locator("main")

    sign_in(page, live_server, "art@center.example.kr")
    page.goto(live_server + "/admin/collaborations")
    assert "아직 아트콜라보가 없습니다" in main.inner_text()
    page.get_by_role("link", name="작가 등록").click()
    page.wait_for_load_state()
    page.get_by_label("작가 이름").fill("김그림")
    page.get_by_label("작가 소개").fill("망원동 골목을 그리는 신진 일러스트레이터입니다.")
    page.get_by_label("포트폴리오·SNS 주소 (선택)").fill("https://example.kr/kim")
    page.get_by_label("작가 사진").set_input_files(upload("kim.jpg", portrait()))
    page.get_by_role("button", name="작가 등록").click()
    page.wait_for_load_state()
    assert "작가 '김그림'을(를) 등록했습니다" in main.inner_text()
    checked(page, "desktop-admin-collaborations-artist-added")

    page.get_by_role("link", name="새 아트콜라보 만들기").click()
    page.wait_for_load_state()
    page.get_by_label("제목").fill("골목을 입은 쿠키 상자")
    page.get_by_label("작가", exact=True).select_option(label="김그림")
    page.get_by_label("협업 기업 (승인된 입점기업)").select_option(label="햇살 베이커리 협동조합")
    page.get_by_label("협업 연도").fill(str(kst_today().year))
    page.get_by_label("한 줄 소개 (선택)").fill("망원동 골목 풍경을 그린 선물 상자로 다시 태어난 우리밀 쿠키")
    page.get_by_label("협업 이야기").fill("작가는 석 달 동안 작업장을 오갔습니다.\n\n그 이야기가 새 포장의 그림이 되었습니다.")
    page.get_by_label("이전 포장 이미지 (JPG").set_input_files(
        upload("fake.png", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'))
    page.get_by_label("새 포장 이미지 (JPG").set_input_files(upload("after.png", packaging(after=True)))
    page.get_by_label("새 포장 이미지 설명 (대체 텍스트)").fill(AFTER_ALT)
    page.get_by_role("button", name="아트콜라보 저장").click()
    page.wait_for_load_state()
    text = main.inner_text()
    assert "SVG 파일은 올릴 수 없습니다" in text and "이전 포장 이미지 설명(대체 텍스트)을 입력해 주세요" in text
    checked(page, "desktop-admin-collaboration-refused")

    page.get_by_label("이전 포장 이미지 (JPG").set_input_files(upload("before.png", packaging(after=False)))
    page.get_by_label("이전 포장 이미지 설명 (대체 텍스트)").fill(BEFORE_ALT)
    page.get_by_label("새 포장 이미지 (JPG").set_input_files(upload("after.png", packaging(after=True)))
    page.get_by_role("button", name="아트콜라보 저장").click()
    page.wait_for_load_state()
    assert "'골목을 입은 쿠키 상자'을(를) 저장했습니다" in main.inner_text()
    collab = db.session.scalar(db.select(ArtCollaboration))
    assert page.url.endswith(f"/admin/collaborations/{collab.id}#products")
    assert "판매 중인 상품 연결: 필요" in main.inner_text()

    page.get_by_role("button", name="장터에 공개하기").click()
    page.wait_for_load_state()
    assert "새 포장을 입은 상품을 한 개 이상 연결해야 공개할 수 있습니다" in main.inner_text()

    page.get_by_label("연결할 상품").select_option(label="우리밀 쿠키 선물상자")
    page.get_by_role("button", name="상품 연결").click()
    page.wait_for_load_state()
    assert "'우리밀 쿠키 선물상자'을(를) 연결했습니다" in main.inner_text()
    checked(page, "desktop-admin-collaboration-edit")
    page.get_by_role("button", name="장터에 공개하기").click()
    page.wait_for_load_state()
    assert "'골목을 입은 쿠키 상자'을(를) 공개했습니다" in main.inner_text()
    page.goto(live_server + "/admin/collaborations")
    assert "공개 중" in page.locator("table").first.inner_text()
    checked(page, "desktop-admin-collaborations")

    page.goto(live_server + f"/admin/collaborations/{collab.id}")
    page.get_by_role("link", name="장터의 아트콜라보 페이지 보기").click()
    page.wait_for_load_state()
    before = page.get_by_role("img", name=BEFORE_ALT)
    after = page.get_by_role("img", name=AFTER_ALT)
    left, right = before.bounding_box(), after.bounding_box()
    assert abs(left["y"] - right["y"]) < 2 and left["x"] + left["width"] <= right["x"]  # side by side
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", before.element_handle())
    products = page.locator("section[aria-labelledby=products-title]")
    assert "포장 안 바뀐 식빵" not in products.inner_text()
    checked(page, "desktop-art-collab-published")
    products.get_by_role("link", name="우리밀 쿠키 선물상자").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/products/{cookies.slug}")

    phone = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True,
                                storage_state=page.context.storage_state())
    tab = phone.new_page()
    for path, name in ((f"/art-collabs/{collab.slug}", "phone-art-collab-published"),
                       ("/admin/collaborations", "phone-admin-collaborations"),
                       (f"/admin/collaborations/{collab.id}", "phone-admin-collaboration-edit"),
                       (f"/admin/artists/{collab.artist_id}", "phone-admin-artist")):
        tab.goto(live_server + path)
        assert_no_horizontal_scroll(tab)
        checked(tab, name)
    tab.goto(live_server + f"/art-collabs/{collab.slug}")
    left = tab.get_by_role("img", name=BEFORE_ALT).bounding_box()
    right = tab.get_by_role("img", name=AFTER_ALT).bounding_box()
    assert abs(left["y"] - right["y"]) < 2 and left["x"] + left["width"] <= right["x"]  # still side by side
    phone.close()
