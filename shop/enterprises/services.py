"""Enterprise applications (입점 신청) and the staff decision on them."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from shop.accounts.models import Role, User
from shop.audit import services as audit
from shop.core.approval import clean_reason, move_application
from shop.core.errors import RuleError
from shop.core.korea import (
    SEOUL_DISTRICTS,
    digits_only,
    is_valid_business_number,
    is_valid_phone,
    normalize_phone,
)
from shop.core.text import first_free_slug, slugify
from shop.enterprises.models import Enterprise, EnterpriseType
from shop.extensions import db
from shop.models_base import ApprovalStatus, utcnow

SLUG_MAX_LENGTH = 100


class EnterpriseError(RuleError):
    """A refused enterprise action; `field` names the input the message belongs to, if any."""


@dataclass
class EnterpriseApplication:
    """An enterprise as its member typed it on the sign-up form."""

    name: str
    business_number: str
    representative: str
    enterprise_type: str
    district: str
    phone: str
    certificate_number: str | None = None
    email: str | None = None


def _text(value: str | None, what: str, field: str, max_length: int, required: bool = True) -> str:
    """Whitespace-collapsed text; `what` names it with its particle for the message (e.g. "이름을")."""
    text = " ".join((value or "").split())
    if required and not text:
        raise EnterpriseError(f"{what} 입력해 주세요.", field=field)
    if len(text) > max_length:
        raise EnterpriseError(f"{max_length}자 이하로 입력해 주세요.", field=field)
    return text


def check_business_number_free(business_number: str) -> None:
    taken = db.session.scalar(
        select(func.count()).select_from(Enterprise).where(Enterprise.business_number == business_number)
    )
    if taken:
        raise EnterpriseError(
            "이미 입점 신청된 사업자등록번호입니다. 같은 기업의 담당자라면 지원센터에 문의해 주세요.",
            field="business_number",
        )


def unique_slug(name: str) -> str:
    """slugify(name), with -2, -3 ... appended when an enterprise already uses it."""
    base = slugify(name, max_length=SLUG_MAX_LENGTH - 6)
    used = set(
        db.session.scalars(
            select(Enterprise.slug).where((Enterprise.slug == base) | Enterprise.slug.like(f"{base}-%"))
        )
    )
    return first_free_slug(base, used)


def new_application(application: EnterpriseApplication) -> Enterprise:
    """A pending, unsaved Enterprise after checking the application (the caller commits)."""
    name = _text(application.name, "기업명을", "enterprise_name", 100)
    if not is_valid_business_number(application.business_number):
        raise EnterpriseError(
            "올바른 사업자등록번호가 아닙니다. 숫자 10자리와 검증번호를 확인해 주세요.", field="business_number"
        )
    business_number = digits_only(application.business_number)
    try:
        enterprise_type = EnterpriseType(application.enterprise_type)
    except ValueError:
        raise EnterpriseError("기업 유형을 선택해 주세요.", field="enterprise_type") from None
    if application.district not in SEOUL_DISTRICTS:
        raise EnterpriseError("서울시 자치구를 목록에서 선택해 주세요.", field="district")
    if not is_valid_phone(application.phone):
        raise EnterpriseError("올바른 대표 전화번호를 입력해 주세요. 예: 02-123-4567", field="enterprise_phone")
    check_business_number_free(business_number)
    return Enterprise(
        name=name,
        slug=unique_slug(name),
        business_number=business_number,
        representative=_text(application.representative, "대표자명을", "representative", 50),
        enterprise_type=enterprise_type,
        certificate_number=_text(
            application.certificate_number, "인증·지정번호를", "certificate_number", 50, required=False
        ) or None,
        district=application.district,
        phone=normalize_phone(application.phone),
        email=(application.email or "").strip().lower() or None,
        status=ApprovalStatus.PENDING,
    )


# --- staff decisions ---------------------------------------------------------------------------


def get(enterprise_id: int) -> Enterprise | None:
    return db.session.get(Enterprise, enterprise_id)


def pending_applications() -> list[Enterprise]:
    """Applications waiting for a decision, oldest first, with their members."""
    return list(
        db.session.scalars(
            select(Enterprise)
            .where(Enterprise.status == ApprovalStatus.PENDING)
            .options(selectinload(Enterprise.members))
            .order_by(Enterprise.created_at, Enterprise.id)
        )
    )


def _decide(enterprise: Enterprise, to: ApprovalStatus, reason: str | None, staff: User | None) -> None:
    """Move a pending application to `to` exactly once, even when two staff decide at the same time."""
    was = enterprise.status
    move_application(enterprise, to, reason, error=EnterpriseError)
    audit.record(staff, f"enterprise.{to.value}", "enterprise", enterprise.id, enterprise.name,
                 before={"status": was}, after={"status": to}, reason=reason)
    db.session.commit()
    db.session.refresh(enterprise)


def _reason(reason: str | None, required: bool) -> str | None:
    return clean_reason(reason, required=required, error=EnterpriseError)


def approve(enterprise: Enterprise, *, reason: str | None = None, staff: User | None = None) -> None:
    """Open the enterprise console to its members."""
    _decide(enterprise, ApprovalStatus.APPROVED, _reason(reason, required=False), staff)


def reject(enterprise: Enterprise, *, reason: str, staff: User | None = None) -> None:
    """Refuse the application; the reason is shown to the applicant on their account page."""
    _decide(enterprise, ApprovalStatus.REJECTED, _reason(reason, required=True), staff)


# --- suspension (퇴점) ------------------------------------------------------------------------------

SUSPENSION_MOVES = {ApprovalStatus.APPROVED: ApprovalStatus.SUSPENDED, ApprovalStatus.SUSPENDED: ApprovalStatus.APPROVED}


def _move_open_state(enterprise: Enterprise, to: ApprovalStatus, reason: str | None, staff: User,
                     action: str) -> None:
    """approved ⇄ suspended, once, even when two staff act at the same moment."""
    if staff is None or staff.role is not Role.ADMIN:
        raise EnterpriseError("입점기업 퇴점·정지는 지원센터 담당자만 할 수 있습니다.")
    db.session.refresh(enterprise)
    was = enterprise.status
    if SUSPENSION_MOVES.get(was) is not to:
        raise EnterpriseError(f"'{enterprise.name}'은(는) 지금 {was.label} 상태라 {to.label}(으)로 바꿀 수 없습니다.")
    moved = db.session.execute(
        update(Enterprise).where(Enterprise.id == enterprise.id, Enterprise.status == was)
        .values(status=to, decision_reason=reason, decided_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        db.session.rollback()
        raise EnterpriseError(f"'{enterprise.name}'의 상태를 방금 다른 담당자가 바꿨습니다.")
    audit.record(staff, action, "enterprise", enterprise.id, enterprise.name, before={"status": was},
                 after={"status": to}, reason=reason)
    db.session.commit()
    db.session.refresh(enterprise)


def suspend(enterprise: Enterprise, *, staff: User, reason: str) -> None:
    """퇴점·정지: the enterprise's products leave the shop and its console closes; the reason is shown to
    its members. Orders already placed stay as they are."""
    _move_open_state(enterprise, ApprovalStatus.SUSPENDED, _reason(reason, required=True), staff,
                     "enterprise.suspended")


def reinstate(enterprise: Enterprise, *, staff: User, reason: str | None = None) -> None:
    _move_open_state(enterprise, ApprovalStatus.APPROVED, _reason(reason, required=False), staff,
                     "enterprise.reinstated")


def list_for_staff(*, status: str = "", q: str = "", page: int = 1, per_page: int = 30):
    """Every enterprise, for staff: by state and by part of the name or business number."""
    stmt = select(Enterprise)
    if status in {s.value for s in ApprovalStatus}:
        stmt = stmt.where(Enterprise.status == ApprovalStatus(status))
    q = " ".join((q or "").split())[:100]
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        condition = Enterprise.name.icontains(q, autoescape=True)
        if len(digits) >= 3:
            condition = condition | Enterprise.business_number.contains(digits)
        stmt = stmt.where(condition)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(stmt.order_by(Enterprise.name, Enterprise.id).offset((page - 1) * per_page)
                               .limit(per_page)).all()
    return list(items), total
