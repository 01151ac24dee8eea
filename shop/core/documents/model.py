"""What a Korean business document (견적서, 거래명세서) says, independent of how it is drawn.

Amounts are integers of won. A document whose totals do not add up is refused before anything is
drawn, so a wrong figure can never reach an institution on paper.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shop.core.korea import format_business_number


@dataclass(frozen=True)
class Party:
    """공급자 or 공급받는자."""

    name: str
    business_number: str  # 10 digits; printed as 123-45-67890
    representative: str = ""
    address: str = ""
    phone: str = ""
    contact: str = ""  # 담당자 (department · person)

    @property
    def business_number_display(self) -> str:
        """`123-45-67890`, or empty for a party without one (an individual)."""
        return format_business_number(self.business_number) if self.business_number else ""


@dataclass(frozen=True)
class DocumentLine:
    """One row of the item table; the caller decides what 단가 means (VAT included or not)."""

    name: str  # 품목
    option: str  # 규격/옵션
    quantity: int
    unit_price_krw: int
    supply_krw: int  # 공급가액
    vat_krw: int  # 세액
    note: str = ""  # e.g. 면세


@dataclass(frozen=True)
class BusinessDocument:
    """A 견적서 or 거래명세서. Charges counted in the total (shipping too) must be lines;
    `facts` are printed for information only and take no part in the sums."""

    title: str  # "견적서" or "거래명세서"
    number: str
    issued_on: date
    supplier: Party
    recipient: Party
    lines: list[DocumentLine]
    supply_total_krw: int
    vat_total_krw: int
    total_krw: int
    facts: list[tuple[str, str]] = ()  # ("유효기한", "2026-12-31"), ("납기 요청일", ...)
    notes: str = ""  # free text at the bottom, may be multi-line


def _require_int(value: object, what: str) -> int:
    # bool is an int subclass and a float is a rounding bug waiting to happen: refuse both.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what}은(는) 원 단위 정수여야 합니다 (받은 값: {type(value).__name__}).")
    return value


def validate(document: BusinessDocument) -> None:
    """Raise ValueError unless the totals are exactly the sums of the lines."""
    if not document.lines:
        raise ValueError("품목이 없는 문서는 만들 수 없습니다.")
    for number, line in enumerate(document.lines, start=1):
        for field in ("quantity", "unit_price_krw", "supply_krw", "vat_krw"):
            _require_int(getattr(line, field), f"{number}번 품목의 {field}")
    for field in ("supply_total_krw", "vat_total_krw", "total_krw"):
        _require_int(getattr(document, field), field)

    supply = sum(line.supply_krw for line in document.lines)
    vat = sum(line.vat_krw for line in document.lines)
    if document.supply_total_krw != supply:
        raise ValueError(f"공급가액 합계 {document.supply_total_krw:,}원이 품목 합 {supply:,}원과 다릅니다.")
    if document.vat_total_krw != vat:
        raise ValueError(f"세액 합계 {document.vat_total_krw:,}원이 품목 합 {vat:,}원과 다릅니다.")
    if document.total_krw != supply + vat:
        raise ValueError(f"합계금액 {document.total_krw:,}원이 공급가액+세액 {supply + vat:,}원과 다릅니다.")
    if document.total_krw < 0:
        raise ValueError("합계금액은 0원 이상이어야 합니다.")
    # Formats (and so checks) both business numbers now rather than halfway through drawing.
    _ = [party.business_number_display for party in (document.supplier, document.recipient)]
