"""Sign-up, login and staff-decision forms (Flask-WTF, so every one carries a CSRF token)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Email, EqualTo, Length, Optional, ValidationError

from shop.accounts.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from shop.core.forms import ServiceErrors
from shop.core.korea import (
    SEOUL_DISTRICTS,
    is_valid_business_number,
    is_valid_mobile,
    is_valid_phone,
    is_valid_postcode,
)
from shop.enterprises.models import EnterpriseType
from shop.institutions.models import InstitutionKind


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _object_particle(word: str) -> str:
    """`word` with 을 or 를, whichever Korean grammar wants after its last syllable."""
    last = word[-1:]
    if "가" <= last <= "힣":
        return word + ("을" if (ord(last) - ord("가")) % 28 else "를")
    return word + "을(를)"


def _required(label: str) -> DataRequired:
    return DataRequired(message=f"{_object_particle(label)} 입력해 주세요.")


def _max(n: int) -> Length:
    return Length(max=n, message=f"{n}자 이하로 입력해 주세요.")


def _check(predicate, message: str):
    def validate(form, field):
        if field.data and not predicate(field.data):
            raise ValidationError(message)

    return validate


def _choice(label: str, choices: list[tuple[str, str]], message: str) -> SelectField:
    """A select with a placeholder; unknown values get a Korean message instead of WTForms' English."""
    return SelectField(
        label,
        choices=[SelectChoice("", "선택해 주세요")] + [SelectChoice(value, text) for value, text in choices],
        validate_choice=False,
        validators=[DataRequired(message=message), AnyOf([value for value, _ in choices], message=message)],
    )


MOBILE_MESSAGE = "올바른 휴대전화 번호를 입력해 주세요. 예: 010-1234-5678"
PHONE_MESSAGE = "올바른 전화번호를 입력해 주세요. 예: 02-123-4567, 010-1234-5678"
BUSINESS_NUMBER_MESSAGE = "올바른 사업자등록번호가 아닙니다. 숫자 10자리와 검증번호를 확인해 주세요."


class PersonForm(ServiceErrors, FlaskForm):
    """The member: shared by the three sign-up forms."""

    name = StringField("이름", filters=[_strip], validators=[_required("이름"), _max(50)],
                       render_kw={"autocomplete": "name"})
    email = EmailField("이메일", filters=[_strip], validators=[
        _required("이메일"), _max(254), Email(message="올바른 이메일 주소를 입력해 주세요.")],
        render_kw={"autocomplete": "email", "inputmode": "email"})
    password = PasswordField("비밀번호", validators=[
        _required("비밀번호"),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=f"비밀번호는 {MIN_PASSWORD_LENGTH}자 이상 {MAX_PASSWORD_LENGTH}자 이하로 입력해 주세요."),
    ], render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH})
    password_confirm = PasswordField("비밀번호 확인", validators=[
        _required("비밀번호 확인"), EqualTo("password", message="비밀번호가 서로 다릅니다. 다시 확인해 주세요.")],
        render_kw={"autocomplete": "new-password"})
    phone = TelField("휴대전화 번호", filters=[_strip], validators=[
        _required("휴대전화 번호"), _max(20), _check(is_valid_mobile, MOBILE_MESSAGE)],
        render_kw={"autocomplete": "tel", "inputmode": "tel", "placeholder": "010-1234-5678"})
    agree_terms = BooleanField("이용약관에 동의합니다.",
                               validators=[DataRequired(message="이용약관에 동의해 주세요.")])
    agree_privacy = BooleanField("개인정보 수집·이용에 동의합니다.",
                                 validators=[DataRequired(message="개인정보 수집·이용에 동의해 주세요.")])
    agree_marketing = BooleanField("(선택) 이벤트·기획전 소식 등 마케팅 정보 수신에 동의합니다.")

    def person_data(self) -> dict:
        return {
            "name": self.name.data,
            "email": self.email.data,
            "password": self.password.data,
            "phone": self.phone.data,
            "agreed_terms": bool(self.agree_terms.data),
            "agreed_privacy": bool(self.agree_privacy.data),
            "agreed_marketing": bool(self.agree_marketing.data),
        }



class ConsumerSignupForm(PersonForm):
    pass


class EnterpriseSignupForm(PersonForm):
    enterprise_name = StringField("기업명", filters=[_strip], validators=[_required("기업명"), _max(100)],
                                  render_kw={"autocomplete": "organization"})
    business_number = StringField("사업자등록번호", filters=[_strip], validators=[
        _required("사업자등록번호"), _max(20), _check(is_valid_business_number, BUSINESS_NUMBER_MESSAGE)],
        render_kw={"inputmode": "numeric", "placeholder": "123-45-67890"})
    representative = StringField("대표자명", filters=[_strip], validators=[_required("대표자명"), _max(50)])
    enterprise_type = _choice("기업 유형", EnterpriseType.choices(), "기업 유형을 목록에서 선택해 주세요.")
    certificate_number = StringField("인증·지정번호", filters=[_strip], validators=[Optional(), _max(50)])
    district = _choice("소재지 (자치구)", [(d, d) for d in SEOUL_DISTRICTS], "서울시 자치구를 목록에서 선택해 주세요.")
    enterprise_phone = TelField("기업 대표 전화번호", filters=[_strip], validators=[
        _required("기업 대표 전화번호"), _max(20), _check(is_valid_phone, PHONE_MESSAGE)],
        render_kw={"inputmode": "tel", "placeholder": "02-123-4567"})
    enterprise_email = EmailField("기업 대표 이메일", filters=[_strip], validators=[
        Optional(), _max(254), Email(message="올바른 이메일 주소를 입력해 주세요.")],
        render_kw={"inputmode": "email"})

    def application_data(self) -> dict:
        return {
            "name": self.enterprise_name.data,
            "business_number": self.business_number.data,
            "representative": self.representative.data,
            "enterprise_type": self.enterprise_type.data,
            "certificate_number": self.certificate_number.data,
            "district": self.district.data,
            "phone": self.enterprise_phone.data,
            "email": self.enterprise_email.data or self.email.data,
        }


class InstitutionSignupForm(PersonForm):
    phone = TelField("연락처 (사무실 또는 휴대전화)", filters=[_strip], validators=[
        _required("연락처"), _max(20), _check(is_valid_phone, PHONE_MESSAGE)],
        render_kw={"autocomplete": "tel", "inputmode": "tel", "placeholder": "02-123-4567"})
    department = StringField("부서", filters=[_strip], validators=[_required("부서"), _max(80)])
    position = StringField("직위", filters=[_strip], validators=[_required("직위"), _max(50)])
    institution_name = StringField("기관명", filters=[_strip], validators=[_required("기관명"), _max(100)],
                                   render_kw={"autocomplete": "organization"})
    kind = _choice("기관 유형", InstitutionKind.choices(), "기관 유형을 목록에서 선택해 주세요.")
    business_number = StringField("사업자등록번호 또는 고유번호", filters=[_strip], validators=[
        _required("사업자등록번호 또는 고유번호"), _max(20),
        _check(is_valid_business_number, "올바른 사업자등록번호(고유번호)가 아닙니다. 숫자 10자리와 검증번호를 확인해 주세요.")],
        render_kw={"inputmode": "numeric", "placeholder": "123-83-45678"})
    postcode = StringField("우편번호", filters=[_strip], validators=[
        _required("우편번호"), _check(is_valid_postcode, "우편번호는 숫자 5자리로 입력해 주세요.")],
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": 5})
    address = StringField("주소", filters=[_strip], validators=[_required("주소"), _max(200)],
                          render_kw={"autocomplete": "address-line1"})
    address_detail = StringField("상세주소", filters=[_strip], validators=[Optional(), _max(200)],
                                 render_kw={"autocomplete": "address-line2"})

    def person_data(self) -> dict:
        return {**super().person_data(), "department": self.department.data, "position": self.position.data}

    def application_data(self) -> dict:
        return {
            "name": self.institution_name.data,
            "kind": self.kind.data,
            "business_number": self.business_number.data,
            "postcode": self.postcode.data,
            "address": self.address.data,
            "address_detail": self.address_detail.data or "",
        }


class JoinForm(PersonForm):
    """An invited colleague's new seller account: the email is the invited one, so it is not asked."""

    email = None

    def person_data(self) -> dict:
        return {"name": self.name.data, "email": "", "password": self.password.data, "phone": self.phone.data,
                "agreed_terms": bool(self.agree_terms.data), "agreed_privacy": bool(self.agree_privacy.data),
                "agreed_marketing": bool(self.agree_marketing.data)}


class LoginForm(FlaskForm):
    email = EmailField("이메일", filters=[_strip], validators=[_required("이메일"), _max(254)],
                       render_kw={"autocomplete": "username", "inputmode": "email"})
    password = PasswordField("비밀번호", validators=[_required("비밀번호"), _max(MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "current-password"})


class DecisionForm(FlaskForm):
    """A staff decision on an application; the reason is required to reject (checked by the service)."""

    reason = TextAreaField("반려 사유", filters=[_strip], validators=[Optional(), _max(500)])
