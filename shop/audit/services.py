"""The audit log: every staff action and every price, state and approval change, written in the same
transaction as the change itself (so a change that rolls back leaves no entry, and none is missing),
and read back by staff with filters."""
from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.accounts.models import Role, User
from shop.audit.models import AuditEntry
from shop.core.korea import KST
from shop.extensions import db
from shop.models_base import utcnow

ACTIONS = {
    "enterprise.approved": "입점 승인",
    "enterprise.rejected": "입점 반려",
    "enterprise.suspended": "퇴점·정지",
    "enterprise.reinstated": "정지 해제",
    "institution.approved": "기관 승인",
    "institution.rejected": "기관 반려",
    "membership.approved": "구매담당자 소속 승인",
    "membership.rejected": "구매담당자 소속 반려",
    "product.approved": "상품 승인",
    "product.rejected": "상품 반려",
    "product.changes_approved": "상품 변경 승인",
    "product.changes_rejected": "상품 변경 반려",
    "product.suspended": "상품 판매중지(센터)",
    "product.reinstated": "판매중지 해제(센터)",
    "product.status": "상품 상태 변경",
    "variant.price": "가격 변경",
    "variant.tiers": "대량구매가 변경",
    "order.status": "주문 상태 변경",
    "shipment.status": "배송 상태 변경",
    "quote.status": "견적 상태 변경",
    "exhibition.created": "기획전 생성",
    "exhibition.updated": "기획전 수정",
    "exhibition.published": "기획전 공개",
    "exhibition.unpublished": "기획전 비공개",
    "exhibition.price": "기획전 특가 변경",
    "collaboration.saved": "아트콜라보 저장",
    "collaboration.published": "아트콜라보 공개",
    "collaboration.unpublished": "아트콜라보 비공개",
    "artist.saved": "작가 정보 저장",
    "social_value.verified": "사회적 가치 검증 기록",
    "social_value.removed": "사회적 가치 검증 기록 삭제",
    "category.saved": "카테고리 저장",
    "settings.saved": "사이트 설정 변경",
}
SUBJECTS = {
    "enterprise": "입점기업", "institution": "기관", "user": "회원", "product": "상품", "variant": "옵션",
    "order": "주문", "shipment": "배송", "quote": "견적", "exhibition": "기획전", "collaboration": "아트콜라보", "artist": "작가",
    "social_value": "사회적 가치", "category": "카테고리", "settings": "사이트 설정",
}
PER_PAGE = 50
# The Korean names of the fields entries record (a key not listed here is shown as it is).
FIELD_LABELS = {
    "status": "상태", "price_krw": "가격", "membership_approved": "소속 승인", "institution": "기관",
    "changed": "바뀐 항목", "special_price_krw": "특가", "amount_krw": "금액", "incentive_krw": "인센티브",
    "source": "출처", "verified": "검증", "name": "이름", "parent": "상위 카테고리", "position": "순서",
    "slug": "주소", "title": "제목", "organizer": "주최", "kind": "종류", "period": "기간",
    "summary": "한 줄 소개", "description": "소개글", "banner": "배너", "banner_alt": "배너 설명",
    "is_published": "공개", "product": "상품", "special_prices": "특가",
}


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def field_label(key: str) -> str:
    """`operator.phone` and `policy.terms` (site settings) are named by the settings they are."""
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    if key.startswith(("operator.", "policy.")):
        from shop.site.settings import OPERATOR_FIELDS, POLICIES

        kind, name = key.split(".", 1)
        return OPERATOR_FIELDS[name][0] if kind == "operator" and name in OPERATOR_FIELDS else POLICIES.get(name, key)
    return key


def is_money(key: str) -> bool:
    """Whether a recorded number is won (prices, amounts, and bulk prices keyed like `10개 이상`)."""
    return key.endswith(("_krw", "이상"))


def actor_label(actor: User | None) -> str:
    if actor is None:
        return "시스템"
    if actor.role is Role.ADMIN:
        return f"지원센터 · {actor.name}"
    if actor.role is Role.ENTERPRISE and actor.enterprise is not None:
        return f"{actor.enterprise.name} · {actor.name}"
    if actor.role is Role.INSTITUTION and actor.institution is not None:
        return f"{actor.institution.name} · {actor.name}"
    return f"회원 · {actor.name}"


def _plain(values: Mapping | None) -> dict | None:
    """JSON-safe copies: enums by value, dates as ISO text."""
    if values is None:
        return None
    out = {}
    for key, value in values.items():
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, (date, datetime)):
            value = value.isoformat()
        out[key] = value
    return out


def record(actor: User | None, action: str, subject_type: str, subject_id: int | None, subject_label: str, *,
           before: Mapping | None = None, after: Mapping | None = None, reason: str | None = None,
           actor_text: str | None = None) -> AuditEntry:
    """Add an entry to the session; it is saved by the caller's commit, with the change it describes."""
    entry = AuditEntry(**entry_values(actor, action, subject_type, subject_id, subject_label, before=before,
                                      after=after, reason=reason, actor_text=actor_text))
    db.session.add(entry)
    return entry


def entry_values(actor: User | None, action: str, subject_type: str, subject_id: int | None, subject_label: str, *,
                 before: Mapping | None = None, after: Mapping | None = None, reason: str | None = None,
                 actor_text: str | None = None) -> dict:
    """The columns of the entry `record` adds, for a caller that writes it with its own rows."""
    assert action in ACTIONS, f"unknown audit action {action}"
    return {
        "created_at": utcnow(), "actor_id": actor.id if actor else None,
        "actor_label": (actor_text or actor_label(actor))[:120], "actor_is_staff": bool(actor and actor.role is Role.ADMIN),
        "action": action, "subject_type": subject_type, "subject_id": subject_id,
        "subject_label": (subject_label or "")[:200], "before": _plain(before), "after": _plain(after),
        "reason": (reason or None) and reason[:500],
    }


# --- reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    subject_type: str = ""
    action: str = ""
    staff_only: bool = False
    actor: str = ""  # part of a name or email
    q: str = ""  # part of the subject's name
    since: date | None = None
    until: date | None = None
    page: int = 1


@dataclass
class AuditPage:
    items: list[AuditEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _kst_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=KST)


def entries(filters: AuditFilters, per_page: int = PER_PAGE) -> AuditPage:
    query = sa.select(AuditEntry)
    if filters.subject_type:
        query = query.where(AuditEntry.subject_type == filters.subject_type)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.staff_only:
        query = query.where(AuditEntry.actor_is_staff.is_(True))
    if filters.actor:
        query = query.where(AuditEntry.actor_label.ilike(_like(filters.actor), escape="\\"))
    if filters.q:
        query = query.where(AuditEntry.subject_label.ilike(_like(filters.q), escape="\\"))
    if filters.since:
        query = query.where(AuditEntry.created_at >= _kst_midnight(filters.since))
    if filters.until:
        query = query.where(AuditEntry.created_at < _kst_midnight(filters.until + timedelta(days=1)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page = max(1, min(filters.page, math.ceil(total / per_page) or 1))
    items = db.session.scalars(
        query.options(selectinload(AuditEntry.actor)).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return AuditPage(list(items), total, page, per_page)


def history_of(subject_type: str, subject_id: int, limit: int = 20) -> list[AuditEntry]:
    return list(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)
    ))
