"""Staff decisions on enterprise applications, institution registrations and buyer memberships."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.enterprises import services as enterprises
from shop.enterprises.models import Enterprise
from shop.enterprises.services import EnterpriseError
from shop.extensions import db
from shop.institutions import services as institutions
from shop.institutions.services import InstitutionError
from shop.models_base import ApprovalStatus


@pytest.fixture
def pending_enterprise(make_enterprise):
    return make_enterprise(status=ApprovalStatus.PENDING)


@pytest.fixture
def pending_institution_with_buyers(make_institution, make_user):
    institution = make_institution(status=ApprovalStatus.PENDING)
    first = make_user(Role.INSTITUTION, institution=institution, membership_approved=False, name="첫담당")
    second = make_user(Role.INSTITUTION, institution=institution, membership_approved=False, name="둘째담당")
    return institution, first, second


def test_approving_an_enterprise_records_the_decision(pending_enterprise):
    enterprises.approve(pending_enterprise)
    assert pending_enterprise.status is ApprovalStatus.APPROVED
    assert pending_enterprise.decided_at is not None
    assert enterprises.pending_applications() == []


def test_rejecting_an_enterprise_keeps_the_reason(pending_enterprise):
    enterprises.reject(pending_enterprise, reason="  인증서 사본이 확인되지 않습니다.  ")
    db.session.expire_all()
    assert pending_enterprise.status is ApprovalStatus.REJECTED
    assert pending_enterprise.decision_reason == "인증서 사본이 확인되지 않습니다."


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_rejecting_needs_a_reason(pending_enterprise, reason):
    with pytest.raises(EnterpriseError, match="반려 사유를 입력"):
        enterprises.reject(pending_enterprise, reason=reason)
    db.session.expire_all()
    assert pending_enterprise.status is ApprovalStatus.PENDING


def test_an_overlong_reason_is_refused(pending_enterprise):
    with pytest.raises(EnterpriseError, match="500자"):
        enterprises.reject(pending_enterprise, reason="가" * 501)


@pytest.mark.parametrize(
    "first, then",
    [
        (enterprises.approve, lambda e: enterprises.approve(e)),
        (enterprises.approve, lambda e: enterprises.reject(e, reason="다시 보니 서류 미비")),
        (lambda e: enterprises.reject(e, reason="서류 미비"), lambda e: enterprises.approve(e)),
    ],
)
def test_a_decision_is_taken_once(pending_enterprise, first, then):
    first(pending_enterprise)
    decided = (pending_enterprise.status, pending_enterprise.decision_reason, pending_enterprise.decided_at)
    with pytest.raises(EnterpriseError, match="이미 처리되었습니다"):
        then(pending_enterprise)
    db.session.expire_all()
    assert (pending_enterprise.status, pending_enterprise.decision_reason, pending_enterprise.decided_at) == decided


def test_two_staff_deciding_at_once_only_one_wins(pending_enterprise, monkeypatch):
    """Another staff member rejects between our read and our write: our approval must not land."""
    enterprise_id = pending_enterprise.id
    assert pending_enterprise.status is ApprovalStatus.PENDING  # our (soon stale) copy
    with db.engine.begin() as other_staff:
        other_staff.execute(
            sa.update(Enterprise).where(Enterprise.id == enterprise_id)
            .values(status=ApprovalStatus.REJECTED, decision_reason="다른 담당자")
        )
    monkeypatch.setattr(db.session, "refresh", lambda *args, **kwargs: None)  # keep the stale copy
    with pytest.raises(EnterpriseError, match="방금 다른 담당자가 처리"):
        enterprises.approve(pending_enterprise)
    monkeypatch.undo()
    db.session.expire_all()
    assert (pending_enterprise.status, pending_enterprise.decision_reason) == (ApprovalStatus.REJECTED, "다른 담당자")


def test_a_suspended_enterprise_cannot_be_approved_here(make_enterprise):
    enterprise = make_enterprise(status=ApprovalStatus.SUSPENDED)
    with pytest.raises(EnterpriseError, match="퇴점·정지"):
        enterprises.approve(enterprise)


def test_approving_an_institution_approves_its_first_buyer_only(pending_institution_with_buyers):
    institution, first, second = pending_institution_with_buyers
    institutions.approve(institution)
    db.session.expire_all()
    assert institution.status is ApprovalStatus.APPROVED
    assert first.membership_approved is True
    assert second.membership_approved is False
    assert institutions.pending_memberships() == [second]


def test_rejecting_an_institution_keeps_the_reason_and_its_buyers_waiting(pending_institution_with_buyers):
    institution, first, _ = pending_institution_with_buyers
    institutions.reject(institution, reason="고유번호증 사본을 보내 주세요.")
    db.session.expire_all()
    assert institution.status is ApprovalStatus.REJECTED
    assert institution.decision_reason == "고유번호증 사본을 보내 주세요."
    assert first.membership_approved is False
    with pytest.raises(InstitutionError, match="이미 처리되었습니다"):
        institutions.approve(institution)


def test_pending_lists_hold_only_undecided_items(make_institution, make_user, make_enterprise):
    make_enterprise(status=ApprovalStatus.APPROVED)
    waiting = make_enterprise(status=ApprovalStatus.PENDING)
    pending = make_institution(status=ApprovalStatus.PENDING)
    make_institution(status=ApprovalStatus.REJECTED)
    approved = make_institution()
    make_user(Role.INSTITUTION, institution=pending, membership_approved=False)  # decided with its institution
    make_user(Role.INSTITUTION, institution=approved)  # already a member
    joining = make_user(Role.INSTITUTION, institution=approved, membership_approved=False)
    assert enterprises.pending_applications() == [waiting]
    assert institutions.pending_institutions() == [pending]
    assert institutions.pending_memberships() == [joining]


def test_membership_approval(make_institution, make_user):
    joining = make_user(Role.INSTITUTION, institution=make_institution(), membership_approved=False)
    institutions.approve_membership(joining)
    assert joining.membership_approved is True
    with pytest.raises(InstitutionError, match="이미 승인"):
        institutions.approve_membership(joining)


def test_membership_rejection_takes_the_buyer_out_of_the_institution(make_institution, make_user):
    joining = make_user(Role.INSTITUTION, institution=make_institution(), membership_approved=False)
    with pytest.raises(InstitutionError, match="반려 사유"):
        institutions.reject_membership(joining, reason="")
    institutions.reject_membership(joining, reason="해당 기관 소속이 확인되지 않습니다.")
    assert joining.institution_id is None and joining.membership_approved is False
    with pytest.raises(InstitutionError, match="소속 신청 중인 기관이 없습니다"):
        institutions.approve_membership(joining)


def test_a_buyer_of_a_pending_institution_waits_for_the_institution(pending_institution_with_buyers):
    _, _, second = pending_institution_with_buyers
    with pytest.raises(InstitutionError, match="기관이 먼저 승인"):
        institutions.approve_membership(second)
    assert second.membership_approved is False
