"""The center's verified social value (e.g. measured by SPC): staff record per enterprise, year and area
the amount in won, the incentive paid and the source. A verified record is the center's figure: public
pages show only these, and the enterprise cannot change them.

One record per enterprise, year and area (the database holds it). When the enterprise had reported a
figure of its own for that year and area, the center's figure takes its place; the audit log keeps
what it said."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.accounts.models import Role, User
from shop.audit import services as audit
from shop.core.transactions import write_transaction
from shop.enterprises.models import Enterprise, SocialValueRecord
from shop.enterprises.social_value import (
    SocialValueError,
    check_area,
    check_note,
    check_source,
    check_year,
    parse_amount_krw,
)
from shop.extensions import db
from shop.models_base import ApprovalStatus, utcnow


class VerifiedRecordNotFound(LookupError):
    pass


@dataclass
class VerifiedInput:
    enterprise_id: object
    year: object
    area: object
    amount: object
    incentive: object = ""
    source: object = "SPC"
    note: object = ""


def _incentive(value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_amount_krw(value)
    except SocialValueError as exc:
        raise SocialValueError(str(exc).replace("금액", "인센티브 금액"), "incentive") from None


def _enterprise(value: object) -> Enterprise:
    digits = isinstance(value, str) and value.isascii() and value.isdigit()  # int() refuses digits such as "²"
    enterprise_id = int(value) if digits and len(value) < 10 else value
    enterprise = db.session.get(Enterprise, enterprise_id) if isinstance(enterprise_id, int) else None
    if enterprise is None or enterprise.status not in (ApprovalStatus.APPROVED, ApprovalStatus.SUSPENDED):
        raise SocialValueError("입점기업을 목록에서 골라 주세요.", "enterprise_id")
    return enterprise


def _require_staff(actor: User) -> None:
    if actor is None or actor.role is not Role.ADMIN:
        raise SocialValueError("검증된 사회적 가치는 지원센터 담당자만 기록할 수 있습니다.")


def _snapshot(record: SocialValueRecord) -> dict:
    return {"amount_krw": record.amount_krw, "incentive_krw": record.incentive_krw, "source": record.measured_by,
            "verified": record.verified}


def record_verified(data: VerifiedInput, staff: User, *, today: date) -> SocialValueRecord:
    """Add or replace the center's figure for an enterprise, year and area."""
    _require_staff(staff)
    enterprise = _enterprise(data.enterprise_id)
    year, area = check_year(data.year, today=today), check_area(data.area)
    amount, incentive = parse_amount_krw(data.amount), _incentive(data.incentive)
    source, note = check_source(data.source), check_note(data.note)
    with write_transaction():
        record = db.session.scalar(
            sa.select(SocialValueRecord).where(SocialValueRecord.enterprise_id == enterprise.id,
                                               SocialValueRecord.year == year, SocialValueRecord.area == area)
            .with_for_update())
        before = _snapshot(record) if record is not None else None
        if record is None:
            record = SocialValueRecord(enterprise_id=enterprise.id, year=year, area=area)
            db.session.add(record)
        record.amount_krw, record.incentive_krw, record.measured_by = amount, incentive, source
        record.note, record.verified, record.verified_by_id, record.verified_at = note or None, True, staff.id, utcnow()
        db.session.flush()
        audit.record(staff, "social_value.verified", "social_value", record.id,
                     f"{enterprise.name} {year}년 {area.label}", before=before, after=_snapshot(record))
    return record


def remove_verified(record_id: int, staff: User) -> None:
    _require_staff(staff)
    with write_transaction():
        record = db.session.scalar(
            sa.select(SocialValueRecord).where(SocialValueRecord.id == record_id, SocialValueRecord.verified.is_(True))
            .options(selectinload(SocialValueRecord.enterprise)).with_for_update())
        if record is None:
            raise VerifiedRecordNotFound(record_id)
        audit.record(staff, "social_value.removed", "social_value", record.id,
                     f"{record.enterprise.name} {record.year}년 {record.area.label}", before=_snapshot(record))
        db.session.delete(record)


def verified_records(*, year: int | None = None, enterprise_id: int | None = None) -> list[SocialValueRecord]:
    stmt = (sa.select(SocialValueRecord).where(SocialValueRecord.verified.is_(True))
            .options(selectinload(SocialValueRecord.enterprise)))
    if year:
        stmt = stmt.where(SocialValueRecord.year == year)
    if enterprise_id:
        stmt = stmt.where(SocialValueRecord.enterprise_id == enterprise_id)
    return list(db.session.scalars(stmt.order_by(SocialValueRecord.year.desc(), SocialValueRecord.enterprise_id,
                                                 SocialValueRecord.area)))


def verified_record(record_id: int) -> SocialValueRecord | None:
    return db.session.scalar(sa.select(SocialValueRecord).where(SocialValueRecord.id == record_id,
                                                                SocialValueRecord.verified.is_(True)))


def enterprises_for_choice() -> list[Enterprise]:
    return list(db.session.scalars(
        sa.select(Enterprise).where(Enterprise.status.in_([ApprovalStatus.APPROVED, ApprovalStatus.SUSPENDED]))
        .order_by(Enterprise.name)))
