"""Korean identifiers: Seoul districts, 사업자등록번호, phone numbers and postcodes.

Validation lives here rather than in forms so that services, imports and demo data all apply
the same rules.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")

SEOUL_DISTRICTS: tuple[str, ...] = (
    "종로구", "중구", "용산구", "성동구", "광진구", "동대문구", "중랑구", "성북구", "강북구",
    "도봉구", "노원구", "은평구", "서대문구", "마포구", "양천구", "강서구", "구로구", "금천구",
    "영등포구", "동작구", "관악구", "서초구", "강남구", "송파구", "강동구",
)

# Characters people type around the digits of a number; anything else (letters) makes it invalid.
_BUSINESS_NUMBER_CHARS = re.compile(r"[0-9\s\-]*")
_PHONE_CHARS = re.compile(r"\+?[0-9\s\-.()]*")

_BUSINESS_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)

_MOBILE = re.compile(r"010\d{8}|01[16789]\d{7,8}")
_SEOUL = re.compile(r"02\d{7,8}")
_AREA_CODES = (
    "031", "032", "033", "041", "042", "043", "044", "051", "052", "053", "054", "055",
    "061", "062", "063", "064",
)
_AREA = re.compile(r"(?:%s|070)\d{7,8}" % "|".join(_AREA_CODES))
_REPRESENTATIVE = re.compile(r"1[568]\d{6}")

_POSTCODE = re.compile(r"[0-6][0-9]{4}")

# Jeju and the islands Korean couriers charge extra for (inclusive ranges).
_JEJU_AND_ISLAND_RANGES: tuple[tuple[int, int], ...] = (
    (63000, 63644),
    (22386, 22388), (23004, 23010), (23100, 23116), (23124, 23136), (31708, 31708),
    (32133, 32133), (33411, 33411), (40200, 40240), (46768, 46771), (52570, 52571),
    (53031, 53033), (53089, 53104), (54000, 54000), (56347, 56349), (57068, 57069),
    (58760, 58762), (58800, 58810), (58816, 58818), (58826, 58826), (58828, 58866),
    (58953, 58958), (59102, 59103), (59106, 59106), (59127, 59127), (59129, 59129),
    (59137, 59166), (59650, 59650), (59766, 59766), (59781, 59790),
)


def _nfkc(value: str | None) -> str:
    """Fold full-width digits and odd spaces so pasted numbers compare like typed ones."""
    return unicodedata.normalize("NFKC", value or "").strip()


def digits_only(value: str | None) -> str:
    """The ASCII digits of `value`, in order (full-width digits count)."""
    return "".join(ch for ch in _nfkc(value) if "0" <= ch <= "9")


# --- 사업자등록번호 ---------------------------------------------------------------------------


def _business_check_digit(first9: str) -> int:
    digits = [int(ch) for ch in first9]
    total = sum(d * w for d, w in zip(digits, _BUSINESS_WEIGHTS))
    total += (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def is_valid_business_number(value: str | None) -> bool:
    """True for a 10-digit 사업자등록번호 whose last digit is the official check digit."""
    text = _nfkc(value)
    if not _BUSINESS_NUMBER_CHARS.fullmatch(text):
        return False
    digits = digits_only(text)
    if len(digits) != 10:
        return False
    return _business_check_digit(digits[:9]) == int(digits[9])


def format_business_number(value: str | None) -> str:
    """`XXX-XX-XXXXX`, the way the number is printed on certificates and tax invoices."""
    text = _nfkc(value)
    digits = digits_only(text)
    if not _BUSINESS_NUMBER_CHARS.fullmatch(text) or len(digits) != 10:
        raise ValueError("사업자등록번호는 숫자 10자리여야 합니다.")
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def make_business_number(prefix9: str) -> str:
    """The valid 10-digit number that starts with these 9 digits (for demo and test data)."""
    digits = digits_only(prefix9)
    if len(digits) != 9 or not _BUSINESS_NUMBER_CHARS.fullmatch(_nfkc(prefix9)):
        raise ValueError("사업자등록번호 앞 9자리를 숫자로 입력해 주세요.")
    return digits + str(_business_check_digit(digits))


# --- phone numbers ----------------------------------------------------------------------------


def normalize_phone(value: str | None) -> str:
    """Digits only; an international +82 prefix becomes the domestic leading 0."""
    text = _nfkc(value)
    digits = digits_only(text)
    if text.startswith("+82"):
        digits = digits[2:]
        if not digits.startswith("0"):
            digits = "0" + digits
    return digits


def _phone_digits(value: str | None) -> str | None:
    text = _nfkc(value)
    if not text or not _PHONE_CHARS.fullmatch(text):
        return None
    return normalize_phone(text)


def is_valid_mobile(value: str | None) -> bool:
    """True for a mobile number (010-XXXX-XXXX, or the older 011/016/017/018/019 ones)."""
    digits = _phone_digits(value)
    return bool(digits and _MOBILE.fullmatch(digits))


def is_valid_phone(value: str | None) -> bool:
    """True for a mobile, Seoul (02), other area-code, 070 or 15XX/16XX/18XX number."""
    digits = _phone_digits(value)
    if not digits:
        return False
    return any(p.fullmatch(digits) for p in (_MOBILE, _SEOUL, _AREA, _REPRESENTATIVE))


def format_phone(value: str | None) -> str:
    """The number with hyphens where Koreans expect them: 02-123-4567, 010-1234-5678, 1588-1234."""
    if not is_valid_phone(value):
        raise ValueError("올바른 전화번호가 아닙니다. 예: 010-1234-5678, 02-123-4567")
    digits = normalize_phone(value)
    if len(digits) == 8:  # 대표번호 15XX/16XX/18XX
        return f"{digits[:4]}-{digits[4:]}"
    area = 2 if digits.startswith("02") else 3
    rest = digits[area:]
    middle = len(rest) - 4
    return f"{digits[:area]}-{rest[:middle]}-{rest[middle:]}"


# --- postcodes --------------------------------------------------------------------------------


def is_valid_postcode(value: str | None) -> bool:
    """True for a 5-digit 국가기초구역 postcode (in use since 2015; first digit 0-6)."""
    return bool(_POSTCODE.fullmatch(_nfkc(value)))


def is_jeju_or_island_postcode(value: str | None) -> bool:
    """True where couriers add a Jeju/island surcharge, so shipping can charge the extra fee."""
    if not is_valid_postcode(value):
        return False
    code = int(_nfkc(value))
    return any(low <= code <= high for low, high in _JEJU_AND_ISLAND_RANGES)


def kst_today() -> date:
    """Today's date in Korea, whatever the server's time zone (dates on documents, deadlines)."""
    return datetime.now(KST).date()
