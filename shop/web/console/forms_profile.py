"""Forms of the enterprise's profile, members and API keys (Flask-WTF, so each carries a CSRF token).
The services check the values; the forms only carry them and show the services' messages in place."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, SelectChoice, SelectField, StringField, TelField, TextAreaField

from shop.core.forms import ServiceErrors
from shop.core.korea import format_phone
from shop.enterprises import profile
from shop.enterprises.models import Enterprise


class DetailsForm(ServiceErrors, FlaskForm):
    summary = StringField("한 줄 소개", render_kw={"maxlength": profile.MAX_SUMMARY})
    story = TextAreaField("기업 이야기", render_kw={"rows": 8})
    phone = TelField("대표 전화번호", render_kw={"inputmode": "tel", "placeholder": "02-123-4567", "maxlength": 20})
    email = EmailField("대표 이메일 (선택)", render_kw={"inputmode": "email", "maxlength": 254})
    address = StringField("사업장 주소 (선택)", render_kw={"maxlength": profile.MAX_ADDRESS})

    @classmethod
    def of(cls, enterprise: Enterprise) -> DetailsForm:
        return cls(data={"summary": enterprise.summary, "story": enterprise.story_html,
                         "phone": format_phone(enterprise.phone),
                         "email": enterprise.email or "", "address": enterprise.address or ""})

    def details(self) -> profile.DetailsInput:
        return profile.DetailsInput(summary=self.summary.data or "", story=self.story.data or "",
                                    phone=self.phone.data or "", email=self.email.data or "",
                                    address=self.address.data or "")


def _won_field(label: str, placeholder: str) -> StringField:
    return StringField(label, render_kw={"inputmode": "numeric", "maxlength": 15, "placeholder": placeholder,
                                         "autocomplete": "off"})


class ShippingForm(ServiceErrors, FlaskForm):
    base_fee = _won_field("기본 배송비 (원)", "3,000")
    free_threshold = _won_field("무료배송 기준 금액 (원, 선택)", "50,000")
    island_fee = _won_field("제주·도서산간 추가 배송비 (원)", "3,000")

    @classmethod
    def of(cls, enterprise: Enterprise) -> ShippingForm:
        threshold = enterprise.free_shipping_threshold_krw
        return cls(data={"base_fee": f"{enterprise.shipping_base_fee_krw:,}",
                         "free_threshold": f"{threshold:,}" if threshold else "",
                         "island_fee": f"{enterprise.shipping_island_fee_krw:,}"})

    def policy(self) -> profile.ShippingInput:
        return profile.ShippingInput(self.base_fee.data, self.free_threshold.data, self.island_fee.data)


class BankAccountForm(ServiceErrors, FlaskForm):
    bank_name = SelectField("은행", choices=[SelectChoice("", "은행을 고르세요"),
                                             *(SelectChoice(b, b) for b in profile.BANKS)], validate_choice=False)
    account_number = StringField("계좌번호", render_kw={"inputmode": "numeric", "maxlength": 25,
                                                     "autocomplete": "off", "placeholder": "숫자만 또는 ‘-’ 포함"})
    holder = StringField("예금주", render_kw={"maxlength": 50, "autocomplete": "off"})

    @classmethod
    def of(cls, enterprise: Enterprise) -> BankAccountForm:
        return cls(data={"bank_name": enterprise.bank_name or "", "account_number": enterprise.bank_account_number or "",
                         "holder": enterprise.bank_account_holder or enterprise.name})

    def account(self) -> profile.BankAccountInput:
        return profile.BankAccountInput(self.bank_name.data or "", self.account_number.data or "",
                                        self.holder.data or "")


class LogoForm(ServiceErrors, FlaskForm):
    logo = FileField("로고 이미지", render_kw={"accept": "image/jpeg,image/png,image/webp"})


class InviteForm(ServiceErrors, FlaskForm):
    email = EmailField("초대할 동료의 이메일", render_kw={"inputmode": "email", "maxlength": 254,
                                                    "autocomplete": "off", "placeholder": "colleague@example.kr"})


class ApiKeyForm(ServiceErrors, FlaskForm):
    name = StringField("키 이름", render_kw={"maxlength": 50, "autocomplete": "off", "placeholder": "예: 재고 연동 서버"})


class ConfirmForm(FlaskForm):
    """A bare POST (revoke, remove, hand over): only the CSRF token."""
