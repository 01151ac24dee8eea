"""The approval state machine shared by enterprise applications and institution registrations:
a decision is taken once, on a pending application, even when two staff decide at the same time."""
from __future__ import annotations

from sqlalchemy import update

from shop.core.errors import RuleError
from shop.extensions import db
from shop.models_base import ApprovalStatus, utcnow

ALLOWED = {
    ApprovalStatus.PENDING: {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED},
}
MAX_REASON_LENGTH = 500


def clean_reason(reason: str | None, *, required: bool, error: type[RuleError]) -> str | None:
    text = (reason or "").strip()
    if required and not text:
        raise error("반려 사유를 입력해 주세요. 신청자에게 그대로 안내됩니다.", field="reason")
    if len(text) > MAX_REASON_LENGTH:
        raise error(f"사유는 {MAX_REASON_LENGTH}자 이하로 입력해 주세요.", field="reason")
    return text or None


def move_application(row, to: ApprovalStatus, reason: str | None, *, error: type[RuleError]) -> None:
    """Conditional UPDATE of `row` (an Enterprise or Institution) to `to`; the caller commits, so it
    can change more in the same transaction. Raises `error` and rolls back when the move is refused."""
    db.session.refresh(row)
    if to not in ALLOWED.get(row.status, set()):
        raise error(f"'{row.name}' 신청은 이미 처리되었습니다 (현재 상태: {row.status.label}).")
    model = type(row)
    result = db.session.execute(
        update(model)
        .where(model.id == row.id, model.status == row.status)
        .values(status=to, decision_reason=reason, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise error(f"'{row.name}' 신청은 방금 다른 담당자가 처리했습니다.")
