"""Staff in Chromium: add a sub-category and move it up, try to delete a category that has products, edit
the operator's phone number (after a refused try) and see it at the foot of the storefront. Axe on every
page, and the pages at phone width."""
from __future__ import annotations

from shop.accounts.models import Role
from tests.browser.conftest import PHONE, assert_no_horizontal_scroll, checked, sign_in

TERMS = """<h3>제1조 (목적)</h3>
<p>이 약관은 함께장터의 통신판매중개 서비스 이용 조건을 정합니다.</p>
<h3>제2조 (정의)</h3>
<ol><li>“판매자”란 입점 심사를 거친 사회적경제기업을 말합니다.</li><li>“이용자”란 장터를 이용하는 회원과 비회원입니다.</li></ol>
<p><strong>부칙</strong> 이 약관은 2027년 1월 1일부터 시행합니다.</p>
<script>document.body.innerHTML = ""</script>"""


def test_staff_edit_categories_and_the_operator_details(live_server, page, browser, make_user, make_category,
                                                       make_product):
    make_user(Role.ADMIN, email="staff@hamkke.example.kr", name="박운영")
    food = make_category("식품", slug="food", position=0)
    make_category("커피·차", parent=food, slug="coffee", position=0)
    jam = make_category("잼·청", parent=food, slug="jam", position=1)
    make_category("사무용품", slug="office", position=1)
    make_product(category=jam, name="수제 딸기잼")
    main = page.locator("main")

    sign_in(page, live_server, "staff@hamkke.example.kr")
    page.goto(live_server + "/admin/approvals")
    page.get_by_role("link", name="카테고리·설정").click()
    page.wait_for_load_state()
    checked(page, "desktop-admin-categories")

    page.get_by_label("새 카테고리 이름").fill("꿀·조청")
    page.get_by_label("위치").select_option(label="식품의 하위 카테고리로")
    page.get_by_role("button", name="카테고리 추가").click()
    page.wait_for_load_state()
    assert "'식품 > 꿀·조청' 카테고리를 추가했습니다" in main.inner_text()
    honey = page.locator("li", has=page.get_by_role("link", name="꿀·조청", exact=True)).last
    assert honey.get_by_role("button", name="꿀·조청 아래로").is_disabled()  # the last of its siblings

    honey.get_by_role("button", name="꿀·조청 위로").click()
    page.wait_for_load_state()
    assert "'꿀·조청'을(를) 위로 옮겼습니다" in main.inner_text()
    subs = page.get_by_role("list", name="식품의 하위 카테고리").get_by_role("link").all_inner_texts()
    assert subs == ["커피·차", "꿀·조청", "잼·청"]
    checked(page, "desktop-admin-categories-moved")

    page.get_by_role("link", name="잼·청", exact=True).click()
    page.wait_for_load_state()
    assert "상품 1개가 있어 삭제할 수 없습니다" in main.inner_text()
    assert page.get_by_role("button", name="카테고리 삭제").count() == 0
    checked(page, "desktop-admin-category")

    page.get_by_role("link", name="카테고리·설정").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="사이트 설정").click()
    page.wait_for_load_state()
    page.get_by_label("고객센터 전화번호").fill("02-12")
    page.get_by_role("button", name="설정 저장").click()
    page.wait_for_load_state()
    assert "올바른 전화번호를 입력해 주세요" in main.inner_text()
    checked(page, "desktop-admin-settings-refused")
    page.get_by_label("고객센터 전화번호").fill("1670-0909")
    page.get_by_label("이용약관 (선택)").fill(TERMS)
    page.get_by_role("button", name="설정 저장").click()
    page.wait_for_load_state()
    assert "사이트 설정을 저장했습니다 (고객센터 전화번호, 이용약관)" in main.inner_text()
    checked(page, "desktop-admin-settings")

    page.goto(live_server + "/")
    assert "고객센터: 1670-0909" in page.locator("footer").inner_text()
    page.get_by_role("link", name="이용약관").click()
    page.wait_for_load_state()
    assert "제1조 (목적)" in main.inner_text() and "제11조" not in main.inner_text()
    assert "1670-0909" in page.locator("footer").inner_text()
    checked(page, "desktop-terms-edited")
    page.get_by_role("link", name="개인정보처리방침").click()
    page.wait_for_load_state()
    assert "1670-0909" in main.inner_text()  # the built-in text, with the new phone number

    phone = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True,
                                storage_state=page.context.storage_state())
    tab = phone.new_page()
    for path, name in (("/admin/categories", "phone-admin-categories"),
                       (f"/admin/categories/{jam.id}", "phone-admin-category"),
                       ("/admin/settings", "phone-admin-settings"), ("/terms", "phone-terms-edited")):
        tab.goto(live_server + path)
        assert_no_horizontal_scroll(tab)
        checked(tab, name)
    tab.goto(live_server + "/admin/categories")
    honey = tab.locator("li", has=tab.get_by_role("link", name="꿀·조청", exact=True)).last
    with tab.expect_navigation():
        honey.get_by_role("button", name="꿀·조청 아래로").tap()
    assert tab.get_by_role("list", name="식품의 하위 카테고리").get_by_role("link").all_inner_texts() == [
        "커피·차", "잼·청", "꿀·조청"]
    assert_no_horizontal_scroll(tab)
    checked(tab, "phone-admin-categories-moved")
    phone.close()
