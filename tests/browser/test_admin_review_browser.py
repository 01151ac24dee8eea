"""Center staff in Chromium: approve an enterprise's application and its first product from the review
queue, stop another product's sale with a reason, record a verified social value that /impact then
shows, and find all of it in the audit log; axe on every page and the pages at phone width."""
from __future__ import annotations

from shop.accounts.models import Role
from shop.catalog import review
from shop.models_base import ApprovalStatus
from tests.browser.conftest import PHONE, assert_no_horizontal_scroll, checked, sign_in
from tests.services.test_catalog_editing import new_draft


def test_staff_approve_review_suspend_and_audit(live_server, page, browser, make_enterprise, make_user,
                                                 make_category):
    applicant = make_enterprise(name="도봉 마을부엌", status=ApprovalStatus.PENDING)
    make_user(Role.ENTERPRISE, enterprise=applicant, enterprise_owner=True, name="신청인")
    bakery = make_enterprise(name="햇살 베이커리 협동조합")
    seller = make_user(Role.ENTERPRISE, enterprise=bakery, enterprise_owner=True)
    category = make_category("잼·청", parent=make_category("식품"))
    waiting = new_draft(seller, category, name="유기농 딸기잼 300g")
    review.submit_product(bakery.id, waiting.id, seller)
    selling = new_draft(seller, category, name="무가당 사과청 500g")
    review.submit_product(bakery.id, selling.id, seller)
    staff = make_user(Role.ADMIN, email="staff@hamkke.example", name="심사담당")
    review.approve_product(selling, staff)
    main = page.locator("main")

    sign_in(page, live_server, "staff@hamkke.example")
    page.goto(live_server + "/admin/approvals")
    card = page.locator(".approval-card", has_text="도봉 마을부엌")
    card.get_by_role("button", name="승인").click()
    page.wait_for_load_state()
    assert "'도봉 마을부엌' 입점을 승인했습니다" in main.inner_text()
    checked(page, "desktop-admin-approvals")

    page.get_by_role("link", name="상품 심사", exact=True).click()
    page.wait_for_load_state()
    checked(page, "desktop-admin-review-queue")
    page.get_by_role("link", name="유기농 딸기잼 300g").click()
    page.wait_for_load_state()
    checked(page, "desktop-admin-product-review")
    page.get_by_role("button", name="판매 승인").click()
    page.wait_for_load_state()
    assert "판매를 승인했습니다" in main.inner_text()

    page.get_by_role("link", name="전체 상품", exact=True).click()
    page.wait_for_load_state()
    page.get_by_role("link", name="무가당 사과청 500g").click()
    page.wait_for_load_state()
    page.locator("summary", has_text="판매 중지하기").click()
    page.get_by_label("사유").fill("당류 표시가 실제와 다르다는 신고를 확인하고 있습니다.")
    page.get_by_role("button", name="판매 중지", exact=True).click()
    page.wait_for_load_state()
    assert "판매를 중지했습니다" in main.inner_text() and "당류 표시가 실제와 다르다는" in main.inner_text()
    checked(page, "desktop-admin-product-suspended")

    page.locator("nav.section-nav").get_by_role("link", name="사회적 가치", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label("입점기업").select_option(label="햇살 베이커리 협동조합")
    page.get_by_label("연도", exact=True).select_option("2025")
    page.get_by_label("분야").select_option("employment")
    page.get_by_label("검증된 사회적 가치 (원)").fill("310,000,000")
    page.get_by_label("지급 인센티브 (원, 선택)").fill("31,000,000")
    page.get_by_role("button", name="검증 값 기록").click()
    page.wait_for_load_state()
    assert "310,000,000원을 기록했습니다" in main.inner_text()
    checked(page, "desktop-admin-social-value")

    page.goto(live_server + "/impact")
    assert "310,000,000원" in main.inner_text() and "31,000,000원" in main.inner_text()
    checked(page, "desktop-impact")

    page.goto(live_server + "/admin/audit")
    log = main.inner_text()
    assert "입점 승인" in log and "상품 승인" in log and "상품 판매중지(센터)" in log and "사회적 가치 검증 기록" in log
    page.get_by_label("처리", exact=True).select_option("product.suspended")
    page.get_by_role("search", name="감사 로그 검색").get_by_role("button", name="검색").click()
    page.wait_for_load_state()
    assert page.locator(".audit-table tbody tr").count() == 1
    checked(page, "desktop-admin-audit")

    phone = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True,
                                storage_state=page.context.storage_state())
    tab = phone.new_page()
    for path, name in (("/admin/products/review", "phone-admin-review-queue"),
                       (f"/admin/products/{selling.id}", "phone-admin-product"),
                       ("/admin/enterprises", "phone-admin-enterprises"),
                       (f"/admin/enterprises/{bakery.id}", "phone-admin-enterprise"),
                       ("/admin/social-value", "phone-admin-social-value"),
                       ("/admin/audit", "phone-admin-audit"), ("/impact", "phone-impact")):
        tab.goto(live_server + path)
        assert_no_horizontal_scroll(tab)
        checked(tab, name)
    phone.close()
