"""An enterprise's own social value records (사회적 가치): what it created in a year in one area, in won,
and who measured it.

Records the center verified (issue 6, `verified=True`) are shown but never changed here: an enterprise
adds, edits and deletes only its own unverified records, and every lookup is scoped by its id. One
record per year and area: the database holds that for all records, so a year and area the center has
already verified cannot get a second, self-reported figure either.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shop.core.errors import RuleError
from shop.core.transactions import write_transaction
from shop.enterprises.models import SocialValueArea, SocialValueRecord
from shop.extensions import db

FIRST_YEAR = 2010
MAX_AMOUNT_KRW = 100_000_000_000  # 1,000억 원
MAX_SOURCE_LENGTH = 50
MAX_NOTE_LENGTH = 300
SOURCE_EXAMPLES = ("SPC(사회성과인센티브)", "자체 측정", "외부 평가기관")

AMOUNT_MESSAGE = f"금액은 0원 이상 {MAX_AMOUNT_KRW:,}원 이하로 입력해 주세요."
AMOUNT_FORMAT_MESSAGE = "금액은 원 단위 숫자로 입력해 주세요. 예: 12,000,000"
NOT_FOUND_MESSAGE = "고칠 수 있는 사회적 가치 기록이 아닙니다. 센터가 검증한 기록은 센터만 고칠 수 있습니다."

_WHITESPACE = re.compile(r"\s+")


class SocialValueError(RuleError):
    """A refused record; `field` names the form input the message belongs to, if any."""


class RecordNotFound(SocialValueError):
    """Not one of this enterprise's own unverified records (another's, a verified one, or gone)."""

    def __init__(self) -> None:
        super().__init__(NOT_FOUND_MESSAGE)


# --- the fields, one check each (the form shows every field's message at once) ----------------------


def check_year(value: object, *, today: date) -> int:
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().removesuffix("년")
        if not text:
            raise SocialValueError("연도를 골라 주세요.", "year")
        if not (text.isascii() and text.isdigit() and len(text) == 4):
            raise SocialValueError("연도는 2024처럼 네 자리 숫자로 입력해 주세요.", "year")
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int) or not FIRST_YEAR <= value <= today.year:
        raise SocialValueError(f"연도는 {FIRST_YEAR}년부터 {today.year}년 사이로 골라 주세요.", "year")
    return value


def check_area(value: object) -> SocialValueArea:
    if isinstance(value, SocialValueArea):
        return value
    try:
        return SocialValueArea((value or "").strip() if isinstance(value, str) else value)
    except ValueError:
        raise SocialValueError("분야를 목록에서 골라 주세요.", "area") from None


def parse_amount_krw(value: object) -> int:
    """A won amount typed as `1,200,000원`, `₩ 1200000` or `1 200 000` -> 1200000, from 0 to 1,000억.
    Not shop.core.money.parse_krw: that stops at 100억, social value may go higher."""
    if isinstance(value, bool):
        raise SocialValueError(AMOUNT_FORMAT_MESSAGE, "amount")
    if isinstance(value, int):
        amount = value
    else:
        if value is not None and not isinstance(value, str):
            raise SocialValueError(AMOUNT_FORMAT_MESSAGE, "amount")
        text = _WHITESPACE.sub("", unicodedata.normalize("NFKC", value or ""))
        if not text:
            raise SocialValueError("금액을 입력해 주세요.", "amount")
        text = text.removeprefix("₩").removesuffix("원").replace(",", "")
        if text.startswith("-"):
            raise SocialValueError(AMOUNT_MESSAGE, "amount")
        if not (text.isascii() and text.isdigit()):
            raise SocialValueError(AMOUNT_FORMAT_MESSAGE, "amount")
        if len(text.lstrip("0")) > len(str(MAX_AMOUNT_KRW)):  # bounded before int(): no huge numbers
            raise SocialValueError(AMOUNT_MESSAGE, "amount")
        amount = int(text)
    if not 0 <= amount <= MAX_AMOUNT_KRW:
        raise SocialValueError(AMOUNT_MESSAGE, "amount")
    return amount


def _one_line(value: object) -> str:
    return " ".join(unicodedata.normalize("NFC", value if isinstance(value, str) else "").split())


def check_source(value: object) -> str:
    text = _one_line(value)
    if not text:
        raise SocialValueError("측정 주체(출처)를 입력해 주세요. 예: SPC, 자체 측정", "measured_by")
    if len(text) > MAX_SOURCE_LENGTH:
        raise SocialValueError(f"측정 주체(출처)는 {MAX_SOURCE_LENGTH}자 이하로 입력해 주세요.", "measured_by")
    return text


def check_note(value: object) -> str:
    text = unicodedata.normalize("NFC", value if isinstance(value, str) else "").strip()
    text = "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()
    if len(text) > MAX_NOTE_LENGTH:
        raise SocialValueError(f"비고는 {MAX_NOTE_LENGTH}자 이하로 입력해 주세요.", "note")
    return text


@dataclass
class SocialValueInput:
    """A record as the enterprise typed it (strings from a form, or ints and enums from code)."""

    year: object
    area: object
    amount: object
    measured_by: object
    note: object = ""


@dataclass(frozen=True)
class CheckedRecord:
    year: int
    area: SocialValueArea
    amount_krw: int
    measured_by: str
    note: str


def checked(data: SocialValueInput, *, today: date) -> CheckedRecord:
    """The record trimmed and typed, or SocialValueError naming the first bad field."""
    return CheckedRecord(check_year(data.year, today=today), check_area(data.area), parse_amount_krw(data.amount),
                         check_source(data.measured_by), check_note(data.note))


# --- reading -----------------------------------------------------------------------------------------


def _scoped(enterprise_id: int):
    return sa.select(SocialValueRecord).where(SocialValueRecord.enterprise_id == enterprise_id)


def records(enterprise_id: int) -> list[SocialValueRecord]:
    """All of the enterprise's records, verified and its own: newest year first, areas in their order."""
    area_order = sa.case({area: index for index, area in enumerate(SocialValueArea)},
                         value=SocialValueRecord.area, else_=len(SocialValueArea))
    return list(db.session.scalars(
        _scoped(enterprise_id).order_by(SocialValueRecord.year.desc(), area_order, SocialValueRecord.id)
    ))


def editable_record(enterprise_id: int, record_id: int) -> SocialValueRecord | None:
    """The record if it is this enterprise's own unverified one; anything else is None."""
    return db.session.scalar(
        _scoped(enterprise_id).where(SocialValueRecord.id == record_id, SocialValueRecord.verified.is_(False))
    )


@dataclass(frozen=True)
class YearTotal:
    year: int
    verified_krw: int  # the center's verified figures
    reported_krw: int  # the enterprise's own, not yet verified

    @property
    def total_krw(self) -> int:
        return self.verified_krw + self.reported_krw


def yearly_totals(items: list[SocialValueRecord]) -> list[YearTotal]:
    """Per year (newest first): verified and self-reported amounts, from records already loaded."""
    years: dict[int, list[int]] = {}
    for record in items:
        pair = years.setdefault(record.year, [0, 0])
        pair[0 if record.verified else 1] += record.amount_krw
    return [YearTotal(year, *years[year]) for year in sorted(years, reverse=True)]


# --- writing -----------------------------------------------------------------------------------------


def _duplicate_message(existing: SocialValueRecord | None, data: CheckedRecord) -> str:
    what = f"{data.year}년 '{data.area.label}'"
    if existing is not None and existing.verified:
        return f"{what} 분야는 센터가 검증한 기록이 이미 있어 따로 입력할 수 없습니다."
    return f"{what} 분야 기록이 이미 있습니다. 목록에서 그 기록을 수정해 주세요."


def _refuse_duplicate(enterprise_id: int, data: CheckedRecord, *, except_id: int | None = None) -> None:
    stmt = _scoped(enterprise_id).where(SocialValueRecord.year == data.year, SocialValueRecord.area == data.area)
    if except_id is not None:
        stmt = stmt.where(SocialValueRecord.id != except_id)
    existing = db.session.scalar(stmt.limit(1))
    if existing is not None:
        raise SocialValueError(_duplicate_message(existing, data), "area")


def _lock_editable(enterprise_id: int, record_id: int) -> SocialValueRecord:
    record = db.session.scalar(
        _scoped(enterprise_id)
        .where(SocialValueRecord.id == record_id, SocialValueRecord.verified.is_(False))
        .with_for_update()
    )
    if record is None:
        raise RecordNotFound()
    return record


def _fill(record: SocialValueRecord, data: CheckedRecord) -> None:
    record.year, record.area, record.amount_krw = data.year, data.area, data.amount_krw
    record.measured_by, record.note = data.measured_by, data.note or None


def add_record(enterprise_id: int, data: SocialValueInput, *, today: date) -> SocialValueRecord:
    """Add the enterprise's own (unverified) record for a year and area it has none for yet."""
    values = checked(data, today=today)
    try:
        with write_transaction():
            _refuse_duplicate(enterprise_id, values)
            record = SocialValueRecord(enterprise_id=enterprise_id, verified=False)
            _fill(record, values)
            db.session.add(record)
            db.session.flush()
    except IntegrityError:  # the same year and area added at the same moment by a colleague
        raise SocialValueError(_duplicate_message(None, values), "area") from None
    return record


def update_record(enterprise_id: int, record_id: int, data: SocialValueInput, *, today: date) -> SocialValueRecord:
    """Change one of the enterprise's own unverified records; RecordNotFound for anything else."""
    values = checked(data, today=today)
    try:
        with write_transaction():
            record = _lock_editable(enterprise_id, record_id)
            _refuse_duplicate(enterprise_id, values, except_id=record_id)
            _fill(record, values)
            db.session.flush()
    except IntegrityError:
        raise SocialValueError(_duplicate_message(None, values), "area") from None
    return record


def delete_record(enterprise_id: int, record_id: int) -> None:
    """Delete one of the enterprise's own unverified records; RecordNotFound for anything else."""
    with write_transaction():
        db.session.delete(_lock_editable(enterprise_id, record_id))
