"""Forms of the institution pages (Flask-WTF, CSRF-protected). Prices never come from a form: they come
from the catalog or from the enterprise's quotation."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from shop.orders.models import PaymentMethod

_ADDRESS_MESSAGE = "배송지를 골라 주세요. 기관 배송지는 기관 설정에서 추가할 수 있습니다."
_PAYMENT_CHOICES = [SelectChoice(PaymentMethod.INVOICE.value, "후불 (검수 후 세금계산서 발행, 계좌이체)"),
                    SelectChoice(PaymentMethod.CARD.value, "법인카드 결제")]


class InstitutionCheckoutForm(FlaskForm):
    idempotency_key = HiddenField(validators=[DataRequired(message="주문서가 만료되었습니다. 새로고침 후 다시 주문해 주세요.")])
    address_id = SelectField("배송지", choices=[], validate_choice=False,
                             validators=[DataRequired(message=_ADDRESS_MESSAGE)])
    payment_method = RadioField("결제 방법", choices=_PAYMENT_CHOICES, default=PaymentMethod.INVOICE.value,
                                validators=[InputRequired(message="결제 방법을 골라 주세요.")])
    memo = StringField("배송 메모", validators=[Optional(), Length(max=100, message="100자 이하로 입력해 주세요.")])
    agree = BooleanField("주문 상품과 금액을 확인했으며 기관 명의로 주문합니다",
                         validators=[DataRequired(message="주문 내용 확인이 필요합니다.")])


class QuoteRequestForm(FlaskForm):
    address_id = SelectField("납품 장소", choices=[], validate_choice=False,
                             validators=[DataRequired(message=_ADDRESS_MESSAGE)])
    needed_by = DateField("납품 요청일", validators=[InputRequired(message="납품 요청일을 입력해 주세요.")])
    note = TextAreaField("요청 사항", validators=[Optional(), Length(max=1000, message="1,000자 이하로 입력해 주세요.")])


class QuoteAcceptForm(FlaskForm):
    payment_method = RadioField("결제 방법", choices=_PAYMENT_CHOICES, default=PaymentMethod.INVOICE.value,
                                validators=[InputRequired(message="결제 방법을 골라 주세요.")])


class ReasonForm(FlaskForm):
    reason = TextAreaField("사유", validators=[Optional(), Length(max=500, message="500자 이하로 입력해 주세요.")])


class InspectionForm(FlaskForm):
    inspected_on = DateField("검수일", validators=[InputRequired(message="검수일을 입력해 주세요.")])
    inspector_name = StringField("검수자", validators=[DataRequired(message="검수자 이름을 입력해 주세요."),
                                                    Length(max=50, message="50자 이하로 입력해 주세요.")])
    note = TextAreaField("비고 (수량이 모자라면 사유)",
                         validators=[Optional(), Length(max=500, message="500자 이하로 입력해 주세요.")])


class InspectionRejectForm(FlaskForm):
    inspected_on = DateField("검수일", validators=[InputRequired(message="검수일을 입력해 주세요.")])
    inspector_name = StringField("검수자", validators=[DataRequired(message="검수자 이름을 입력해 주세요."),
                                                    Length(max=50, message="50자 이하로 입력해 주세요.")])
    reason = TextAreaField("반려 사유", validators=[DataRequired(message="반려 사유를 입력해 주세요."),
                                                Length(max=500, message="500자 이하로 입력해 주세요.")])
