"""Won amounts: display, parsing and the VAT included in a price.

Money is always an `int` of won (KRW has no minor unit), so there is no float rounding anywhere;
prices are VAT-inclusive, and the VAT part is derived the way tax invoices do it.
"""
from __future__ import annotations

import re
import unicodedata

MAX_PARSED_KRW = 10_000_000_000
_WHITESPACE = re.compile(r"\s+")


def _require_int(amount: object) -> int:
    # bool is an int subclass; True won is a bug, not a price.
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"금액은 원 단위 정수여야 합니다 (받은 값: {type(amount).__name__}).")
    return amount


def format_krw(amount: int) -> str:
    """`12,000원`; negatives (refunds, discounts) as `-3,000원`."""
    return f"{_require_int(amount):,}원"


def vat_of(total: int) -> int:
    """The VAT inside a VAT-inclusive `total` (10/110 of it), rounded half up, in integers."""
    total = _require_int(total)
    if total < 0:
        return -vat_of(-total)
    return (total * 10 + 55) // 110


def supply_value_of(total: int) -> int:
    """The supply value (공급가액): what is left of a VAT-inclusive total after its VAT."""
    return _require_int(total) - vat_of(total)


def split_vat(total: int, *, taxable: bool) -> tuple[int, int]:
    """(supply value, VAT) of a VAT-inclusive total; tax-exempt (면세) goods carry no VAT."""
    total = _require_int(total)
    if not taxable:
        return total, 0
    vat = vat_of(total)
    return total - vat, vat


def parse_krw(text: str | None) -> int:
    """A won amount typed by a person: `12,000`, `12000원`, ` 12 000 `, `₩12,000` -> 12000."""
    if text is not None and not isinstance(text, str):
        raise TypeError("금액은 문자열로 전달해야 합니다.")
    cleaned = _WHITESPACE.sub("", unicodedata.normalize("NFKC", text or ""))
    if not cleaned:
        raise ValueError("금액을 입력해 주세요.")
    cleaned = cleaned.removeprefix("₩").removesuffix("원").replace(",", "")
    if cleaned.startswith("-"):
        raise ValueError("금액은 0원 이상이어야 합니다.")
    if not re.fullmatch(r"[0-9]+", cleaned):
        raise ValueError("금액은 원 단위 숫자로 입력해 주세요. 예: 12,000")
    amount = int(cleaned)
    if amount > MAX_PARSED_KRW:
        raise ValueError(f"금액은 {MAX_PARSED_KRW:,}원을 넘을 수 없습니다.")
    return amount
