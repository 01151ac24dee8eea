"""An enterprise owner in Chromium: edits the enterprise's details (after a refused try), delivery fees and
settlement account; invites a colleague, who joins through the emailed link in another browser; makes an
API key that is shown once. Axe on every page, and the pages at phone width."""
from __future__ import annotations

import re

from shop.accounts.models import Role
from tests.browser.conftest import PHONE, assert_no_horizontal_scroll, checked, sign_in


def test_owner_runs_the_profile_members_and_api_keys(live_server, page, browser, make_enterprise, make_user,
                                                      outbox):
    enterprise = make_enterprise(name="늘봄 협동조합")
    make_user(Role.ENTERPRISE, enterprise=enterprise, enterprise_owner=True, email="owner@neulbom.example.kr",
              name="김대표")
    make_user(Role.ENTERPRISE, enterprise=enterprise, email="staff@neulbom.example.kr", name="이직원")
    main = page.locator("main")

    sign_in(page, live_server, "owner@neulbom.example.kr")
    page.goto(live_server + "/console")
    page.get_by_role("link", name="기업 정보", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label("대표 전화번호").fill("1234")
    page.get_by_role("button", name="기업 소개 저장").click()
    page.wait_for_load_state()
    assert "올바른 대표 전화번호를 입력해 주세요" in main.inner_text()
    checked(page, "desktop-console-profile-refused")
    page.get_by_label("대표 전화번호").fill("02-336-1234")
    page.get_by_label("한 줄 소개").fill("발달장애 청년과 함께 굽는 우리밀 과자")
    page.get_by_role("button", name="기업 소개 저장").click()
    page.wait_for_load_state()
    assert "기업 정보를 저장했습니다" in main.inner_text()

    page.get_by_label("무료배송 기준 금액 (원, 선택)").fill("30,000")
    page.get_by_role("button", name="배송비 정책 저장").click()
    page.wait_for_load_state()
    assert page.get_by_label("무료배송 기준 금액 (원, 선택)").input_value() == "30,000"

    page.get_by_label("은행").select_option("신한은행")
    page.get_by_label("계좌번호").fill("110-123-456789")
    page.get_by_role("button", name="정산 계좌 저장").click()
    page.wait_for_load_state()
    assert "정산 계좌를 저장했습니다" in main.inner_text()
    checked(page, "desktop-console-profile")

    page.get_by_role("link", name="구성원", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label("초대할 동료의 이메일").fill("newcomer@neulbom.example.kr")
    page.get_by_role("button", name="초대 메일 보내기").click()
    page.wait_for_load_state()
    assert "newcomer@neulbom.example.kr로 초대 메일을 보냈습니다" in main.inner_text()
    checked(page, "desktop-console-members")
    link = re.search(r"https?://\S+/join/[\w-]+", outbox[-1].get_content()).group(0)

    invited = browser.new_context(locale="ko-KR")
    newcomer = invited.new_page()
    newcomer.goto(live_server + link[link.index("/join/"):])
    assert newcomer.get_by_label("이메일 (로그인 아이디)").input_value() == "newcomer@neulbom.example.kr"
    checked(newcomer, "desktop-join-invitation")
    newcomer.get_by_label("이름").fill("박새내")
    newcomer.get_by_label("비밀번호", exact=True).fill("long-enough-pw-1")
    newcomer.get_by_label("비밀번호 확인").fill("long-enough-pw-1")
    newcomer.get_by_label("휴대전화 번호").fill("010-2222-3333")
    newcomer.get_by_label("이용약관에 동의합니다.").check()
    newcomer.get_by_label("개인정보 수집·이용에 동의합니다.").check()
    newcomer.get_by_role("button", name="계정 만들고 시작하기").click()
    newcomer.wait_for_load_state()
    assert newcomer.url.endswith("/console") and "판매자 센터에 오신 것을 환영합니다" in newcomer.inner_text("main")
    invited.close()

    page.reload()
    assert "박새내" in page.locator("table").inner_text()

    page.get_by_role("link", name="API 키", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label("키 이름").fill("재고 연동 서버")
    page.get_by_role("button", name="키 만들기").click()
    page.wait_for_load_state()
    key = page.get_by_label("API 키", exact=True).input_value()
    assert key.startswith("hkm_") and "이 화면을 벗어나면 키를 다시 볼 수 없습니다" in main.inner_text()
    checked(page, "desktop-console-api-key-issued")

    phone = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True,
                                storage_state=page.context.storage_state())
    tab = phone.new_page()
    for path, name in (("/console/profile", "phone-console-profile"), ("/console/members", "phone-console-members"),
                       ("/console/api-keys", "phone-console-api-keys")):
        tab.goto(live_server + path)
        assert key not in tab.content()
        assert_no_horizontal_scroll(tab)
        checked(tab, name)
    phone.close()
