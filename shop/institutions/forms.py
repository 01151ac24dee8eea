"""Forms of the institution settings page (Flask-WTF, so every one carries a CSRF token). The messages
come from shop.institutions.settings, so the form and the service refuse with the same words."""
from __future__ import annotations

import re
import unicodedata

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TelField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from shop.core.forms import ServiceErrors
from shop.core.korea import format_phone, is_valid_phone, is_valid_postcode
from shop.institutions.models import InstitutionAddress
from shop.institutions.settings import (
    ADDRESS_FIELDS,
    MAX_PURCHASE_TARGET_KRW,
    PHONE_MESSAGE,
    POSTCODE_MESSAGE,
    TARGET_MESSAGE,
    AddressInput,
)

TARGET_FORMAT_MESSAGE = "연간 구매 목표액은 원 단위 숫자로 입력해 주세요. 예: 50,000,000"
_WHITESPACE = re.compile(r"\s+")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _check(predicate, message: str):
    def validate(form, field):
        if field.data and not predicate(field.data):
            raise ValidationError(message)

    return validate


def parse_target_krw(text: str | None) -> int:
    """A target typed as `50,000,000`, `50000000원` or `₩ 50,000,000` -> 50000000 (ValueError with the
    message to show). Not shop.core.money.parse_krw: that stops at 100억, a target may go to 1조."""
    cleaned = _WHITESPACE.sub("", unicodedata.normalize("NFKC", text or ""))
    cleaned = cleaned.removeprefix("₩").removesuffix("원").replace(",", "")
    if cleaned.startswith("-"):
        raise ValueError(TARGET_MESSAGE)
    if not cleaned.isascii() or not cleaned.isdigit():
        raise ValueError(TARGET_FORMAT_MESSAGE)
    if len(cleaned.lstrip("0")) > len(str(MAX_PURCHASE_TARGET_KRW)):
        raise ValueError(TARGET_MESSAGE)
    return int(cleaned)


def _target_amount(form, field):
    if field.data:
        try:
            amount = parse_target_krw(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if amount > MAX_PURCHASE_TARGET_KRW:
            raise ValidationError(TARGET_MESSAGE)


class PurchaseTargetForm(ServiceErrors, FlaskForm):
    purchase_target = StringField(
        "연간 사회적경제 제품 구매 목표액 (원)",
        filters=[_strip],
        validators=[DataRequired(message="연간 구매 목표액을 입력해 주세요."), _target_amount],
        render_kw={"inputmode": "numeric", "maxlength": 25, "placeholder": "50,000,000", "autocomplete": "off"},
    )

    def amount_krw(self) -> int:
        return parse_target_krw(self.purchase_target.data)


def _address_field(name: str, field_class=StringField, extra=(), **render_kw):
    rule = ADDRESS_FIELDS[name]
    validators = [DataRequired(message=rule.required_message)] if rule.required else [Optional()]
    if name not in ("contact_phone", "postcode"):
        validators.append(Length(max=rule.max_length, message=rule.too_long_message))
    return field_class(rule.label, filters=[_strip], validators=[*validators, *extra], render_kw=render_kw or None)


class AddressForm(ServiceErrors, FlaskForm):
    """A saved delivery address of the institution, with the department and person who receive it."""

    label = _address_field("label", placeholder="예: 본관 물품 수령처")
    department = _address_field("department", placeholder="예: 총무과 물품관리팀")
    contact_name = _address_field("contact_name")
    contact_phone = _address_field(
        "contact_phone", TelField, [_check(is_valid_phone, PHONE_MESSAGE)],
        inputmode="tel", maxlength=20, placeholder="02-123-4567",
    )
    postcode = _address_field(
        "postcode", extra=[_check(is_valid_postcode, POSTCODE_MESSAGE)],
        inputmode="numeric", autocomplete="postal-code", maxlength=5,
    )
    address1 = _address_field("address1", autocomplete="address-line1")
    address2 = _address_field("address2", autocomplete="address-line2")
    make_default = BooleanField("기본 배송지로 지정")

    def address_input(self) -> AddressInput:
        return AddressInput(
            label=self.label.data or "",
            department=self.department.data or "",
            contact_name=self.contact_name.data or "",
            contact_phone=self.contact_phone.data or "",
            postcode=self.postcode.data or "",
            address1=self.address1.data or "",
            address2=self.address2.data or "",
            make_default=bool(self.make_default.data),
        )

    @classmethod
    def for_address(cls, address: InstitutionAddress) -> AddressForm:
        """The form filled with a saved address (on GET; a POST keeps what was typed)."""
        form = cls(obj=address)
        if not form.is_submitted() and is_valid_phone(address.contact_phone):
            form.contact_phone.data = format_phone(address.contact_phone)
        return form
