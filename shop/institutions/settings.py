"""An institution's own settings, shared by all its buyers: the annual purchase target, the member list
and the saved delivery addresses (with receiving department and contact person).

Every function takes the institution id and never reaches past it. Address changes lock the institution
row first, so two buyers changing addresses at once take turns: one default, at most MAX_ADDRESSES.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.core.errors import RuleError
from shop.core.korea import (
    digits_only,
    is_valid_phone,
    is_valid_postcode,
    normalize_phone,
)
from shop.core.transactions import write_transaction
from shop.extensions import db
from shop.institutions.models import Institution, InstitutionAddress

MAX_ADDRESSES = 30
MAX_PURCHASE_TARGET_KRW = 1_000_000_000_000  # 1조 원

TARGET_MESSAGE = f"연간 구매 목표액은 0원 이상 {MAX_PURCHASE_TARGET_KRW:,}원 이하로 입력해 주세요."
PHONE_MESSAGE = "담당자 연락처가 올바르지 않습니다. 예: 02-123-4567, 010-1234-5678"
POSTCODE_MESSAGE = "우편번호는 숫자 5자리로 입력해 주세요. 예: 04524"
TOO_MANY_MESSAGE = f"배송지는 {MAX_ADDRESSES}개까지 저장할 수 있습니다. 쓰지 않는 배송지를 지운 뒤 추가해 주세요."
NOT_FOUND_MESSAGE = "배송지를 찾을 수 없습니다. 다른 담당자가 방금 지웠을 수 있습니다."


class InstitutionSettingsError(RuleError):
    """A refused settings change; `field` names the form input the message belongs to, if any."""


class AddressNotFound(InstitutionSettingsError):
    """The address is not (or no longer) one of this institution's."""

    def __init__(self) -> None:
        super().__init__(NOT_FOUND_MESSAGE)


@dataclass(frozen=True)
class AddressField:
    """How one address input is named to the user, and its limits."""

    label: str
    object_form: str  # with 을/를: "배송지 이름을 입력해 주세요."
    topic_form: str  # with 은/는: "배송지 이름은 30자 이하로 ..."
    max_length: int
    required: bool = True

    @property
    def required_message(self) -> str:
        return f"{self.object_form} 입력해 주세요."

    @property
    def too_long_message(self) -> str:
        return f"{self.topic_form} {self.max_length}자 이하로 입력해 주세요."


ADDRESS_FIELDS: dict[str, AddressField] = {
    "label": AddressField("배송지 이름", "배송지 이름을", "배송지 이름은", 30),
    "department": AddressField("받는 부서", "받는 부서를", "받는 부서는", 80),
    "contact_name": AddressField("담당자 이름", "담당자 이름을", "담당자 이름은", 50),
    "contact_phone": AddressField("담당자 연락처", "담당자 연락처를", "담당자 연락처는", 20),
    "postcode": AddressField("우편번호", "우편번호를", "우편번호는", 5),
    "address1": AddressField("주소", "주소를", "주소는", 200),
    "address2": AddressField("상세주소", "상세주소를", "상세주소는", 200, required=False),
}


@dataclass
class AddressInput:
    """A delivery address as a buyer typed it. `make_default` asks for it to become the default;
    leaving it False never takes the default away (another address has to be made default instead)."""

    label: str
    department: str
    contact_name: str
    contact_phone: str
    postcode: str
    address1: str
    address2: str = ""
    make_default: bool = False

    def checked(self) -> AddressInput:
        """The same address trimmed and normalised, or InstitutionSettingsError naming the first bad field."""
        values = {}
        for name, rule in ADDRESS_FIELDS.items():
            text = " ".join((getattr(self, name) or "").split())
            if rule.required and not text:
                raise InstitutionSettingsError(rule.required_message, field=name)
            if len(text) > rule.max_length and name not in ("contact_phone", "postcode"):
                raise InstitutionSettingsError(rule.too_long_message, field=name)
            values[name] = text
        if not is_valid_phone(values["contact_phone"]):
            raise InstitutionSettingsError(PHONE_MESSAGE, field="contact_phone")
        if not is_valid_postcode(values["postcode"]):
            raise InstitutionSettingsError(POSTCODE_MESSAGE, field="postcode")
        values["contact_phone"] = normalize_phone(values["contact_phone"])
        values["postcode"] = digits_only(values["postcode"])
        return AddressInput(**values, make_default=bool(self.make_default))


@dataclass(frozen=True)
class Member:
    """One buyer of the institution, as the member list shows them."""

    id: int
    name: str
    department: str
    position: str
    email: str
    phone: str
    joined_at: datetime
    is_approved: bool


# --- purchase target ---------------------------------------------------------------------------------


def purchase_target(institution_id: int) -> int:
    """The institution's annual social-economy purchase target in won (0 if not set)."""
    target = db.session.scalar(sa.select(Institution.purchase_target_krw).where(Institution.id == institution_id))
    return target or 0


def set_purchase_target(institution_id: int, amount_krw: int) -> None:
    """Set the annual social-economy purchase target: whole won, 0 to 1조."""
    if isinstance(amount_krw, bool) or not isinstance(amount_krw, int):
        raise InstitutionSettingsError("연간 구매 목표액은 원 단위 숫자로 입력해 주세요.", field="purchase_target")
    if not 0 <= amount_krw <= MAX_PURCHASE_TARGET_KRW:
        raise InstitutionSettingsError(TARGET_MESSAGE, field="purchase_target")
    with write_transaction():
        result = db.session.execute(
            sa.update(Institution).where(Institution.id == institution_id)
            .values(purchase_target_krw=amount_krw).execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise InstitutionSettingsError("기관을 찾을 수 없습니다.")


# --- members -----------------------------------------------------------------------------------------


def members(institution_id: int) -> list[Member]:
    """The institution's active buyers, approved ones first, then those waiting for the center's approval;
    oldest first within each."""
    users = db.session.scalars(
        sa.select(User)
        .where(User.institution_id == institution_id, User.role == Role.INSTITUTION,
               User.is_active_member.is_(True))
        .order_by(User.membership_approved.desc(), User.created_at, User.id)
    )
    return [
        Member(id=u.id, name=u.name, department=u.department or "", position=u.position or "", email=u.email,
               phone=u.phone or "", joined_at=u.created_at, is_approved=u.membership_approved)
        for u in users
    ]


# --- delivery addresses ------------------------------------------------------------------------------


def _scoped(institution_id: int):
    return sa.select(InstitutionAddress).where(InstitutionAddress.institution_id == institution_id)


def addresses(institution_id: int) -> list[InstitutionAddress]:
    """The institution's delivery addresses: the default first, then oldest first."""
    return list(db.session.scalars(
        _scoped(institution_id).order_by(
            InstitutionAddress.is_default.desc(), InstitutionAddress.created_at, InstitutionAddress.id)
    ))


def find_address(institution_id: int, address_id: int) -> InstitutionAddress | None:
    """The address if it belongs to this institution; another institution's address is None."""
    return db.session.scalar(_scoped(institution_id).where(InstitutionAddress.id == address_id))


def default_address(institution_id: int) -> InstitutionAddress | None:
    """The address checkouts and quotation requests start from (None until one is saved)."""
    return db.session.scalar(_scoped(institution_id).where(InstitutionAddress.is_default.is_(True)).limit(1))


def _lock_institution(institution_id: int) -> None:
    """Take the institution's row lock (PostgreSQL; SQLite already holds its write lock), so address
    changes for one institution run one after another."""
    found = db.session.scalar(
        sa.select(Institution.id).where(Institution.id == institution_id).with_for_update()
    )
    if found is None:
        raise InstitutionSettingsError("기관을 찾을 수 없습니다.")


def _locked_address(institution_id: int, address_id: int) -> InstitutionAddress:
    address = db.session.scalar(
        _scoped(institution_id).where(InstitutionAddress.id == address_id).with_for_update()
    )
    if address is None:
        raise AddressNotFound()
    return address


def _set_default(institution_id: int, address: InstitutionAddress) -> None:
    db.session.execute(
        sa.update(InstitutionAddress)
        .where(InstitutionAddress.institution_id == institution_id, InstitutionAddress.id != address.id)
        .values(is_default=False).execution_options(synchronize_session=False)
    )
    address.is_default = True


def _fill(address: InstitutionAddress, data: AddressInput) -> None:
    address.label, address.department = data.label, data.department
    address.contact_name, address.contact_phone = data.contact_name, data.contact_phone
    address.postcode, address.address1, address.address2 = data.postcode, data.address1, data.address2


def add_address(institution_id: int, data: AddressInput) -> InstitutionAddress:
    """Save a new delivery address; the institution's first one (or one asked for) becomes the default."""
    data = data.checked()
    with write_transaction():
        _lock_institution(institution_id)
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(InstitutionAddress)
            .where(InstitutionAddress.institution_id == institution_id)
        )
        if count >= MAX_ADDRESSES:
            raise InstitutionSettingsError(TOO_MANY_MESSAGE)
        address = InstitutionAddress(institution_id=institution_id, is_default=False)
        _fill(address, data)
        db.session.add(address)
        db.session.flush()
        if count == 0 or data.make_default:
            _set_default(institution_id, address)
    return address


def update_address(institution_id: int, address_id: int, data: AddressInput) -> InstitutionAddress:
    """Change a saved address (and make it the default if asked)."""
    data = data.checked()
    with write_transaction():
        _lock_institution(institution_id)
        address = _locked_address(institution_id, address_id)
        _fill(address, data)
        if data.make_default:
            _set_default(institution_id, address)
    return address


def delete_address(institution_id: int, address_id: int) -> None:
    """Remove a saved address; if it was the default, the oldest remaining one becomes the default.
    Orders and quotations keep their own copy of the address, so they are not affected."""
    with write_transaction():
        _lock_institution(institution_id)
        address = _locked_address(institution_id, address_id)
        was_default = address.is_default
        db.session.delete(address)
        db.session.flush()
        if was_default:
            oldest = db.session.scalar(
                _scoped(institution_id).order_by(InstitutionAddress.created_at, InstitutionAddress.id).limit(1)
            )
            if oldest is not None:
                _set_default(institution_id, oldest)


def make_default(institution_id: int, address_id: int) -> InstitutionAddress:
    """Make this address the one checkouts and quotations start from; the previous default stops being it."""
    with write_transaction():
        _lock_institution(institution_id)
        address = _locked_address(institution_id, address_id)
        _set_default(institution_id, address)
    return address
