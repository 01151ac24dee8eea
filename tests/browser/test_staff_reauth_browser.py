"""Staff in Chromium: a decision made long after signing in first asks for the password again, keeps the
typed reason, and goes through once the password is right; an idle session ends with a notice."""
from __future__ import annotations

from datetime import timedelta

from shop.accounts.models import Role
from shop.models_base import ApprovalStatus
from tests.browser.conftest import PHONE, assert_no_horizontal_scroll, checked, sign_in
from tests.web.test_sessions_and_reauth import age_sessions, status_of


def test_staff_confirm_their_password_before_a_late_decision(live_server, page, make_enterprise, make_user):
    applicant = make_enterprise(name="도봉 마을부엌", status=ApprovalStatus.PENDING)
    staff = make_user(Role.ADMIN, email="staff@hamkke.example", name="심사담당")
    main = page.locator("main")
    sign_in(page, live_server, "staff@hamkke.example")
    age_sessions(staff, password_confirmed_at=timedelta(hours=1))

    page.goto(live_server + "/admin/approvals")
    card = page.locator(".approval-card", has_text="도봉 마을부엌")
    card.locator("summary", has_text="반려하기").click()
    card.get_by_label("반려 사유").fill("사업자등록증 사본이 흐려 확인할 수 없습니다.")
    card.get_by_role("button", name="반려", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="비밀번호 확인").is_visible()
    assert status_of(applicant.id) is ApprovalStatus.PENDING
    checked(page, "desktop-admin-confirm-password")

    page.get_by_label("비밀번호").fill("not-my-password")
    page.get_by_role("button", name="확인하고 계속하기").click()
    page.wait_for_load_state()
    assert "비밀번호가 올바르지 않습니다" in main.inner_text()
    page.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(page)
    checked(page, "phone-admin-confirm-password-wrong")

    page.get_by_label("비밀번호").fill("correct-horse-42")
    page.get_by_role("button", name="확인하고 계속하기").click()
    page.wait_for_load_state()
    assert "입점 신청을 반려했습니다" in main.inner_text()
    assert status_of(applicant.id) is ApprovalStatus.REJECTED


def test_an_idle_session_ends_with_a_notice(live_server, page, make_user):
    member = make_user(Role.CONSUMER, email="idle@hamkke.example")
    sign_in(page, live_server, "idle@hamkke.example")
    age_sessions(member, last_seen_at=timedelta(hours=2))
    page.goto(live_server + "/account")
    assert "/login" in page.url
    assert "사용하지 않아 안전을 위해 로그아웃되었습니다" in page.locator("main").inner_text()
    checked(page, "desktop-login-after-idle")
