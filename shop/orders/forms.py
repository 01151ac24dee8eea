"""The order form (Flask-WTF: CSRF-protected). It never carries a price: prices come from the catalog."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from shop.core.korea import is_valid_mobile, is_valid_postcode
from shop.orders.models import ReturnReason


def _valid(predicate, message: str):
    def check(form, field):
        if field.data and not predicate(field.data):
            raise ValidationError(message)
    return check


class CheckoutForm(FlaskForm):
    idempotency_key = HiddenField(validators=[DataRequired(message="주문서가 만료되었습니다. 새로고침 후 다시 주문해 주세요.")])
    saved_address = SelectField("저장된 배송지", choices=[], validate_choice=False, validators=[Optional()])
    recipient_name = StringField("받는 분", validators=[DataRequired(message="받는 분 이름을 입력해 주세요."),
                                                       Length(max=50, message="50자 이하로 입력해 주세요.")])
    recipient_phone = TelField("휴대전화", validators=[
        DataRequired(message="휴대전화 번호를 입력해 주세요."),
        _valid(is_valid_mobile, "휴대전화 번호를 010-1234-5678 형식으로 입력해 주세요.")])
    postcode = StringField("우편번호", validators=[
        DataRequired(message="우편번호를 입력해 주세요."),
        _valid(is_valid_postcode, "우편번호 5자리를 입력해 주세요. 예: 04524")])
    address1 = StringField("주소", validators=[DataRequired(message="주소를 입력해 주세요."),
                                              Length(max=200, message="200자 이하로 입력해 주세요.")])
    address2 = StringField("상세주소", validators=[Optional(), Length(max=200, message="200자 이하로 입력해 주세요.")])
    memo = StringField("배송 메모", validators=[Optional(), Length(max=100, message="100자 이하로 입력해 주세요.")])
    save_address = BooleanField("이 배송지를 저장합니다")
    agree = BooleanField("주문 상품과 결제 금액, 청약철회 안내를 확인했으며 결제에 동의합니다",
                         validators=[DataRequired(message="주문 내용 확인과 결제 동의가 필요합니다.")])


class ReturnForm(FlaskForm):
    reason = SelectField(
        "반품 사유",
        choices=[SelectChoice("", "사유를 고르세요")] + [SelectChoice(v, label) for v, label in ReturnReason.choices()],
        validate_choice=False,
        validators=[DataRequired(message="반품 사유를 골라 주세요."),
                    AnyOf([r.value for r in ReturnReason], message="반품 사유를 목록에서 골라 주세요.")])
    detail = TextAreaField("상세 사유", validators=[Optional(), Length(max=500, message="500자 이하로 입력해 주세요.")])
