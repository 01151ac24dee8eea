"""An enterprise's own profile: the details its storefront page shows, its delivery fee policy and the
bank account the center pays its sales into. Staff-verified facts (name, business number, type,
certificate, representative) are not editable here.

Every field is checked at once, so a form shows every message together (ProfileInvalid.errors).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

from shop.accounts.models import User
from shop.accounts.services import AccountError, normalize_email
from shop.catalog.editing import checked_image
from shop.core import storage
from shop.core.errors import RuleError
from shop.core.html import sanitize_html
from shop.core.korea import digits_only, is_valid_phone, normalize_phone
from shop.core.money import parse_krw
from shop.core.storage import ImageRejected
from shop.core.transactions import write_transaction
from shop.enterprises.members import require_owner
from shop.enterprises.models import Enterprise
from shop.extensions import db

MAX_SUMMARY = 200
MAX_STORY = 10_000
MAX_ADDRESS = 200
MAX_BASE_FEE = 50_000
MAX_FREE_THRESHOLD = 10_000_000
MAX_ISLAND_FEE = 100_000
ACCOUNT_DIGITS = (10, 16)
BANKS = (
    "KB국민은행", "신한은행", "우리은행", "하나은행", "NH농협은행", "IBK기업은행", "SC제일은행", "한국씨티은행",
    "iM뱅크(대구은행)", "부산은행", "경남은행", "광주은행", "전북은행", "제주은행", "수협은행", "KDB산업은행",
    "카카오뱅크", "케이뱅크", "토스뱅크", "새마을금고", "신협", "우체국", "지역농협·축협",
)


class ProfileInvalid(RuleError):
    """Refused fields: errors maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field)
        self.errors = errors


def _text(value: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def _won(value: str | int | None, field: str, label: str, errors: dict, *, high: int, low: int = 0,
         blank_means_none: bool = False) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if blank_means_none:
            return None
        errors[field] = f"{label}을(를) 입력해 주세요. 없으면 0원을 입력하세요."
        return None
    try:
        amount = parse_krw(value) if isinstance(value, str) else value
    except ValueError as exc:
        errors[field] = f"{label}: {exc}"
        return None
    if isinstance(amount, bool) or not isinstance(amount, int) or not low <= amount <= high:
        errors[field] = f"{label}은(는) {low:,}원부터 {high:,}원 사이로 입력해 주세요."
        return None
    return amount


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ProfileInvalid(errors)


def _enterprise(enterprise_id: int) -> Enterprise:
    return db.session.get(Enterprise, enterprise_id, with_for_update=True)


# --- details ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetailsInput:
    summary: str = ""
    story: str = ""  # limited HTML, sanitised
    phone: str = ""
    email: str = ""
    address: str = ""


def update_details(enterprise_id: int, details: DetailsInput) -> Enterprise:
    errors: dict[str, str] = {}
    summary = _text(details.summary)
    if not summary:
        errors["summary"] = "한 줄 소개를 입력해 주세요."
    elif len(summary) > MAX_SUMMARY:
        errors["summary"] = f"한 줄 소개는 {MAX_SUMMARY}자 이하로 입력해 주세요. (지금 {len(summary)}자)"
    if len(details.story or "") > MAX_STORY:
        errors["story"] = f"기업 이야기는 {MAX_STORY:,}자 이하로 입력해 주세요."
    if not is_valid_phone(details.phone):
        errors["phone"] = "올바른 대표 전화번호를 입력해 주세요. 예: 02-123-4567"
    email = None
    if (details.email or "").strip():
        try:
            email = normalize_email(details.email)
        except AccountError as exc:
            errors["email"] = str(exc)
    address = _text(details.address)
    if len(address) > MAX_ADDRESS:
        errors["address"] = f"주소는 {MAX_ADDRESS}자 이하로 입력해 주세요."
    _raise_if(errors)
    with write_transaction():
        enterprise = _enterprise(enterprise_id)
        enterprise.summary = summary
        enterprise.story_html = sanitize_html(details.story or "")
        enterprise.phone = normalize_phone(details.phone)
        enterprise.email = email
        enterprise.address = address or None
    return enterprise


# --- delivery fee policy ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShippingInput:
    base_fee: str | int | None = None
    free_threshold: str | int | None = None  # blank: the fee is always charged
    island_fee: str | int | None = None


def update_shipping(enterprise_id: int, policy: ShippingInput) -> Enterprise:
    """New orders use the new fees; placed orders keep the fee they were charged."""
    errors: dict[str, str] = {}
    base = _won(policy.base_fee, "base_fee", "기본 배송비", errors, high=MAX_BASE_FEE)
    threshold = _won(policy.free_threshold, "free_threshold", "무료배송 기준 금액", errors, low=1,
                     high=MAX_FREE_THRESHOLD, blank_means_none=True)
    island = _won(policy.island_fee, "island_fee", "제주·도서산간 추가 배송비", errors, high=MAX_ISLAND_FEE)
    _raise_if(errors)
    with write_transaction():
        enterprise = _enterprise(enterprise_id)
        enterprise.shipping_base_fee_krw = base
        enterprise.free_shipping_threshold_krw = threshold
        enterprise.shipping_island_fee_krw = island
    return enterprise


# --- settlement account -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BankAccountInput:
    bank_name: str = ""
    account_number: str = ""
    holder: str = ""


def update_bank_account(enterprise_id: int, account: BankAccountInput, actor: User) -> Enterprise:
    require_owner(actor, enterprise_id)
    errors: dict[str, str] = {}
    if account.bank_name not in BANKS:
        errors["bank_name"] = "은행을 목록에서 골라 주세요."
    raw = unicodedata.normalize("NFKC", account.account_number or "").strip()
    number = digits_only(raw)
    low, high = ACCOUNT_DIGITS
    if not raw or any(ch not in "0123456789- " for ch in raw) or not low <= len(number) <= high:
        errors["account_number"] = f"계좌번호는 숫자 {low}~{high}자리로 입력해 주세요. ‘-’는 넣어도 됩니다."
    holder = _text(account.holder)
    if not holder:
        errors["holder"] = "예금주를 입력해 주세요."
    elif len(holder) > 50:
        errors["holder"] = "예금주는 50자 이하로 입력해 주세요."
    _raise_if(errors)
    with write_transaction():
        enterprise = _enterprise(enterprise_id)
        enterprise.bank_name = account.bank_name
        enterprise.bank_account_number = number
        enterprise.bank_account_holder = holder
    return enterprise


def masked_account_number(enterprise: Enterprise) -> str:
    """Only the last four digits, for members other than the owner."""
    number = enterprise.bank_account_number or ""
    return "*" * max(len(number) - 4, 0) + number[-4:]


# --- logo -------------------------------------------------------------------------------------------

LOGO_FOLDER = "logos"


def update_logo(enterprise_id: int, upload: bytes | BinaryIO | None) -> Enterprise:
    """A new logo: checked like product images (JPEG, PNG or WebP up to 5 MB, bombs refused), re-encoded;
    the old file is removed once the new one is saved."""
    try:
        image = checked_image(upload or b"")
    except ImageRejected as exc:
        raise ProfileInvalid({"logo": str(exc)}) from None
    path = storage.save_image(image, LOGO_FOLDER)
    with write_transaction():
        enterprise = _enterprise(enterprise_id)
        old, enterprise.logo_path = enterprise.logo_path, path
    if old:
        storage.delete_image(old)
    return enterprise
