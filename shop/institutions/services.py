"""Public-institution registrations, their buyers' memberships, and the staff decisions on both."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from shop.accounts.models import Role, User
from shop.audit import services as audit
from shop.core.approval import clean_reason, move_application
from shop.core.cache import member, touching
from shop.core.errors import RuleError
from shop.core.korea import digits_only, is_valid_business_number, is_valid_postcode
from shop.extensions import db
from shop.institutions.models import Institution, InstitutionKind
from shop.models_base import ApprovalStatus


class InstitutionError(RuleError):
    """A refused institution action; `field` names the input the message belongs to, if any."""


@dataclass
class InstitutionApplication:
    """An institution as its buyer typed it on the sign-up form."""

    name: str
    kind: str
    business_number: str
    postcode: str
    address: str
    address_detail: str = ""


def _text(value: str | None, what: str, field: str, max_length: int, required: bool = True) -> str:
    """Whitespace-collapsed text; `what` names it with its particle for the message (e.g. "이름을")."""
    text = " ".join((value or "").split())
    if required and not text:
        raise InstitutionError(f"{what} 입력해 주세요.", field=field)
    if len(text) > max_length:
        raise InstitutionError(f"{max_length}자 이하로 입력해 주세요.", field=field)
    return text


def buys_for(user: User, institution_id: int | None = None) -> bool:
    """Whether `user` may buy for an institution (for `institution_id`, when given): an approved buyer
    of an approved institution."""
    institution = user.institution if user.role is Role.INSTITUTION else None
    return (institution is not None and institution.is_approved and user.membership_approved
            and (institution_id is None or institution.id == institution_id))


def find_by_business_number(business_number: str) -> Institution | None:
    return db.session.scalar(select(Institution).where(Institution.business_number == business_number))


def institution_for_application(application: InstitutionApplication) -> tuple[Institution, bool]:
    """The registered institution with this number (and True), or a new pending, unsaved one (and
    False). A refused or suspended institution cannot be joined."""
    if not is_valid_business_number(application.business_number):
        raise InstitutionError(
            "올바른 사업자등록번호(고유번호)가 아닙니다. 숫자 10자리와 검증번호를 확인해 주세요.",
            field="business_number",
        )
    business_number = digits_only(application.business_number)
    existing = find_by_business_number(business_number)
    if existing is not None:
        if existing.status in (ApprovalStatus.REJECTED, ApprovalStatus.SUSPENDED):
            raise InstitutionError(
                f"이 번호로 등록된 기관은 현재 '{existing.status.label}' 상태라 가입할 수 없습니다. "
                "지원센터에 문의해 주세요.",
                field="business_number",
            )
        return existing, True
    name = _text(application.name, "기관명을", "institution_name", 100)
    try:
        kind = InstitutionKind(application.kind)
    except ValueError:
        raise InstitutionError("기관 유형을 선택해 주세요.", field="kind") from None
    if not is_valid_postcode(application.postcode):
        raise InstitutionError("우편번호는 숫자 5자리로 입력해 주세요.", field="postcode")
    institution = Institution(
        name=name,
        kind=kind,
        business_number=business_number,
        postcode=application.postcode.strip(),
        address=_text(application.address, "주소를", "address", 200),
        address_detail=_text(application.address_detail, "상세주소를", "address_detail", 200, required=False),
        status=ApprovalStatus.PENDING,
    )
    db.session.add(institution)
    return institution, False


# --- staff decisions on institutions -----------------------------------------------------------


def get(institution_id: int) -> Institution | None:
    return db.session.get(Institution, institution_id)


def pending_institutions() -> list[Institution]:
    """Registrations waiting for a decision, oldest first, with their buyers."""
    return list(
        db.session.scalars(
            select(Institution)
            .where(Institution.status == ApprovalStatus.PENDING)
            .options(selectinload(Institution.members))
            .order_by(Institution.created_at, Institution.id)
        )
    )


def _reason(reason: str | None, required: bool) -> str | None:
    return clean_reason(reason, required=required, error=InstitutionError)


def first_member(institution: Institution) -> User | None:
    """The buyer who registered the institution."""
    return db.session.scalar(
        select(User).where(User.institution_id == institution.id).order_by(User.created_at, User.id).limit(1)
    )


def _decide(institution: Institution, to: ApprovalStatus, reason: str | None, staff: User | None) -> None:
    was = institution.status
    move_application(institution, to, reason, error=InstitutionError)
    audit.record(staff, f"institution.{to.value}", "institution", institution.id, institution.name,
                 before={"status": was}, after={"status": to}, reason=reason)
    if to is ApprovalStatus.APPROVED:
        member = first_member(institution)
        if member is not None:
            member.membership_approved = True
    db.session.commit()
    db.session.refresh(institution)


def approve(institution: Institution, *, reason: str | None = None, staff: User | None = None) -> None:
    """Open institution buying; the buyer who registered it is approved with it."""
    _decide(institution, ApprovalStatus.APPROVED, _reason(reason, required=False), staff)


def reject(institution: Institution, *, reason: str, staff: User | None = None) -> None:
    """Refuse the registration; the reason is shown to its buyers on their account page."""
    _decide(institution, ApprovalStatus.REJECTED, _reason(reason, required=True), staff)


# --- staff decisions on memberships ------------------------------------------------------------


def get_member(user_id: int) -> User | None:
    user = db.session.get(User, user_id)
    return user if user is not None and user.role is Role.INSTITUTION else None


def pending_memberships() -> list[User]:
    """Buyers waiting to join an approved institution (buyers of a pending institution are decided
    with it, or here once it is approved)."""
    return list(
        db.session.scalars(
            select(User)
            .join(Institution, User.institution_id == Institution.id)
            .where(
                User.role == Role.INSTITUTION,
                User.membership_approved.is_(False),
                Institution.status == ApprovalStatus.APPROVED,
            )
            .options(selectinload(User.institution))
            .order_by(User.created_at, User.id)
        )
    )


def _pending_membership(user: User) -> Institution:
    db.session.refresh(user)
    institution = user.institution
    if user.role is not Role.INSTITUTION or institution is None:
        raise InstitutionError(f"{user.name}님은 소속 신청 중인 기관이 없습니다.")
    if user.membership_approved:
        raise InstitutionError(f"{user.name}님의 소속은 이미 승인되었습니다.")
    if not institution.is_approved:
        raise InstitutionError(f"'{institution.name}' 기관이 먼저 승인되어야 구매담당자를 승인할 수 있습니다.")
    return institution


def _change_membership(user: User, institution: Institution, action: str, staff: User | None,
                       reason: str | None = None, **values) -> None:
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, User.institution_id == institution.id, User.membership_approved.is_(False))
        .values(**values)
        .execution_options(synchronize_session=False, **touching(member(user.id)))
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise InstitutionError(f"{user.name}님의 소속 신청은 방금 다른 담당자가 처리했습니다.")
    audit.record(staff, action, "user", user.id, f"{user.name} ({institution.name})",
                 before={"institution": institution.name, "membership_approved": False},
                 after={"institution": institution.name if values.get("membership_approved") else None,
                        "membership_approved": bool(values.get("membership_approved"))}, reason=reason)
    db.session.commit()
    db.session.refresh(user)


def approve_membership(user: User, *, staff: User | None = None) -> None:
    """Let a buyer order for the (approved) institution they joined."""
    institution = _pending_membership(user)
    _change_membership(user, institution, "membership.approved", staff, membership_approved=True,
                       membership_decision_reason=None)


def reject_membership(user: User, *, reason: str, staff: User | None = None) -> None:
    """Refuse a buyer's request to join; they leave the institution and read the reason on their account page."""
    reason = _reason(reason, required=True)
    institution = _pending_membership(user)
    _change_membership(user, institution, "membership.rejected", staff, reason, institution_id=None,
                       membership_decision_reason=f"{institution.name}: {reason}")
