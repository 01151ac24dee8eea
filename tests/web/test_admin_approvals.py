"""/admin/approvals: who may see it, and approving or rejecting what waits there."""
from __future__ import annotations

import pytest

from shop.accounts.models import Role
from shop.extensions import db
from shop.models_base import ApprovalStatus


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, name="센터담당")


@pytest.fixture
def applicant(make_user, make_enterprise):
    """An enterprise member whose application waits for staff."""
    enterprise = make_enterprise(name="도봉 마을부엌", status=ApprovalStatus.PENDING)
    return make_user(Role.ENTERPRISE, enterprise=enterprise, name="신청인")


@pytest.fixture
def buyer(make_user, make_institution):
    """The buyer who registered an institution that waits for staff."""
    institution = make_institution(name="서울시 도봉구청", status=ApprovalStatus.PENDING)
    return make_user(Role.INSTITUTION, institution=institution, membership_approved=False, name="구매담당")


def decide(form_post, action: str, reason: str | None = None):
    data = {} if reason is None else {"reason": reason}
    return form_post(action, data, page="/admin/approvals", follow_redirects=True)


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/admin/approvals")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fadmin%2Fapprovals"


@pytest.mark.parametrize("role", [Role.CONSUMER, Role.ENTERPRISE, Role.INSTITUTION])
def test_members_other_than_staff_are_refused(client, login, make_user, role):
    login(make_user(role))
    response = client.get("/admin/approvals")
    assert response.status_code == 403
    assert "접근할 권한이 없습니다" in page(response)


@pytest.mark.parametrize("role", [Role.CONSUMER, Role.ENTERPRISE])
def test_members_other_than_staff_cannot_post_decisions(client, form_post, login, make_user, applicant, role):
    login(make_user(role))
    response = form_post(f"/admin/enterprises/{applicant.enterprise_id}/approve", {}, page="/account")
    assert response.status_code == 403
    db.session.expire_all()
    assert applicant.enterprise.status is ApprovalStatus.PENDING


def test_staff_see_everything_that_waits(client, login, admin, applicant, buyer, make_user, make_institution):
    joining = make_user(Role.INSTITUTION, institution=make_institution(name="서울교통공사"),
                        membership_approved=False, name="새담당", department="구매팀")
    login(admin)
    html = page(client.get("/admin/approvals"))
    assert "<h1>승인 관리</h1>" in html
    assert "도봉 마을부엌" in html and "신청인" in html
    assert "서울시 도봉구청" in html and "구매담당" in html
    assert "서울교통공사" in html and joining.name in html
    assert html.count('name="reason"') == 3
    assert html.count('name="csrf_token"') >= 7  # logout + approve and reject for each of three


def test_an_empty_queue_says_so(client, login, admin):
    login(admin)
    html = page(client.get("/admin/approvals"))
    assert "대기 중인 입점 신청이 없습니다" in html and "대기 중인 기관 등록 신청이 없습니다" in html


def test_approving_an_enterprise_opens_it(client, form_post, login, admin, applicant):
    login(admin)
    response = decide(form_post, f"/admin/enterprises/{applicant.enterprise_id}/approve")
    assert "&#39;도봉 마을부엌&#39; 입점을 승인했습니다." in page(response)
    assert "대기 중인 입점 신청이 없습니다" in page(response)
    db.session.expire_all()
    assert applicant.enterprise.status is ApprovalStatus.APPROVED


def test_rejection_reason_is_shown_to_the_applicant(client, form_post, login, admin, applicant):
    login(admin)
    decide(form_post, f"/admin/enterprises/{applicant.enterprise_id}/reject",
           "사회적기업 인증서 사본이 첨부되지 않았습니다.")
    form_post("/logout", {}, page="/account")
    login(applicant)
    html = page(client.get("/account"))
    assert "반려 사유" in html
    assert "사회적기업 인증서 사본이 첨부되지 않았습니다." in html
    assert "status-rejected" in html


def test_rejecting_without_a_reason_is_refused(client, form_post, login, admin, applicant):
    login(admin)
    response = decide(form_post, f"/admin/enterprises/{applicant.enterprise_id}/reject", "   ")
    assert "반려 사유를 입력해 주세요" in page(response)
    db.session.expire_all()
    assert applicant.enterprise.status is ApprovalStatus.PENDING


def test_approving_twice_is_refused_with_a_message(client, form_post, login, admin, applicant):
    login(admin)
    decide(form_post, f"/admin/enterprises/{applicant.enterprise_id}/approve")
    response = decide(form_post, f"/admin/enterprises/{applicant.enterprise_id}/approve")
    assert response.status_code == 200
    assert "이미 처리되었습니다 (현재 상태: 승인)" in page(response)
    response = decide(form_post, f"/admin/enterprises/{applicant.enterprise_id}/reject", "늦은 반려")
    assert "이미 처리되었습니다" in page(response)
    db.session.expire_all()
    assert applicant.enterprise.status is ApprovalStatus.APPROVED
    assert applicant.enterprise.decision_reason is None


def test_approving_an_institution_approves_its_buyer(client, form_post, login, admin, buyer):
    login(admin)
    response = decide(form_post, f"/admin/institutions/{buyer.institution_id}/approve")
    assert "기관 등록을 승인했습니다" in page(response)
    db.session.expire_all()
    assert buyer.institution.status is ApprovalStatus.APPROVED and buyer.membership_approved
    form_post("/logout", {}, page="/account")
    login(buyer)
    html = page(client.get("/account"))
    assert "기관 구매를 이용할 수 있습니다." in html


def test_institution_rejection_reason_is_shown_to_its_buyer(client, form_post, login, admin, buyer):
    login(admin)
    decide(form_post, f"/admin/institutions/{buyer.institution_id}/reject", "고유번호증 사본을 보내 주세요.")
    form_post("/logout", {}, page="/account")
    login(buyer)
    html = page(client.get("/account"))
    assert "고유번호증 사본을 보내 주세요." in html and "기관 반려" in html


def test_a_second_buyer_is_approved_separately(client, form_post, login, admin, make_user, make_institution):
    institution = make_institution()
    joining = make_user(Role.INSTITUTION, institution=institution, membership_approved=False)
    login(admin)
    response = decide(form_post, f"/admin/memberships/{joining.id}/approve")
    assert "기관 소속을 승인했습니다" in page(response)
    response = decide(form_post, f"/admin/memberships/{joining.id}/approve")
    assert "이미 승인되었습니다" in page(response)
    db.session.expire_all()
    assert joining.membership_approved


def test_rejecting_a_second_buyer_takes_them_out(client, form_post, login, admin, make_user, make_institution):
    joining = make_user(Role.INSTITUTION, institution=make_institution(), membership_approved=False)
    login(admin)
    response = decide(form_post, f"/admin/memberships/{joining.id}/reject", "소속 확인 불가")
    assert "기관 소속 신청을 반려했습니다" in page(response)
    form_post("/logout", {}, page="/account")
    login(joining)
    assert "기관 소속 신청 반려 사유" in page(client.get("/account")) and "소속 확인 불가" in page(client.get("/account"))


@pytest.mark.parametrize("action", [
    "/admin/enterprises/999/approve", "/admin/institutions/999/reject", "/admin/memberships/999/approve",
])
def test_unknown_applications_are_404(form_post, login, admin, action):
    login(admin)
    assert form_post(action, {"reason": "x"}, page="/admin/approvals").status_code == 404


def test_a_consumer_is_not_a_membership(form_post, login, admin, make_user):
    consumer = make_user(Role.CONSUMER)
    login(admin)
    assert form_post(f"/admin/memberships/{consumer.id}/approve", {}, page="/admin/approvals").status_code == 404


def test_decisions_need_post_and_a_csrf_token(client, login, admin, applicant):
    login(admin)
    action = f"/admin/enterprises/{applicant.enterprise_id}/approve"
    assert client.get(action).status_code == 405
    assert client.post(action).status_code == 400
    db.session.expire_all()
    assert applicant.enterprise.status is ApprovalStatus.PENDING


def test_pending_enterprise_sees_the_state_of_its_application(client, login, applicant):
    login(applicant)
    html = page(client.get("/account"))
    assert "도봉 마을부엌" in html and "승인 대기" in html and "검토하고 있습니다" in html
