"""Forms of the console's order and quotation pages (Flask-WTF: every POST carries a CSRF token).
They parse what was typed; the rules (transitions, amounts, tracking numbers, quoted prices) stay in
the services, whose refusals the views show next to the field they name."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from shop.orders.couriers import courier_choices
from shop.orders.enterprise_queries import status_choices
from shop.orders.models import OrderChannel
from shop.procurement.models import QuoteStatus, SettlementMethod

TODO = "todo"  # the status filter's "처리할 주문": every state that waits for the enterprise


def parse_won(raw: str | None) -> int | None:
    """'1,234,000', '1234000원' or ' 1 234 000 ' → 1234000; None when it is not a whole number of won."""
    text = (raw or "").replace(",", "").replace("원", "").replace(" ", "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12:  # int() refuses digits such as "²"
        return None
    return int(text)


class WonField(StringField):
    """A whole number of won, typed with or without thousands separators."""

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "numeric", "autocomplete": "off", **kwargs.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        self._raw_text = valuelist[0] if valuelist else ""
        self.data = parse_won(self._raw_text) if self._raw_text.strip() else None

    def pre_validate(self, form):
        if getattr(self, "_raw_text", "").strip() and self.data is None:
            raise ValidationError("금액은 원 단위 숫자로 입력해 주세요. 예: 25,000")

    def _value(self):
        if self.data is not None:
            return f"{self.data:,}"
        return getattr(self, "_raw_text", "") or ""


_DATE_MESSAGE = "날짜를 2026-01-31 형식으로 입력해 주세요."


class KoreanDateField(DateField):
    """A date field whose parse error is in Korean."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_DATE_MESSAGE) from None


# --- the order list -----------------------------------------------------------------------------------


def _status_filter_choices() -> list[SelectChoice]:
    return ([SelectChoice("", "전체 상태"), SelectChoice(TODO, "처리할 주문")]
            + [SelectChoice(s.value, s.label) for s in status_choices()])


class OrderFilterForm(FlaskForm):
    """GET parameters of /console/orders and its CSV: no CSRF (nothing changes)."""

    class Meta:
        csrf = False

    status = SelectField("상태", choices=_status_filter_choices, validators=[Optional()])
    since = KoreanDateField("주문일 (부터)", validators=[Optional()])
    until = KoreanDateField("주문일 (까지)", validators=[Optional()])
    channel = SelectField("구매 구분", choices=[SelectChoice("", "전체")]
                          + [SelectChoice(c.value, c.label) for c in OrderChannel], validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("끝 날짜는 시작 날짜와 같거나 그 뒤여야 합니다.")


# --- shipment actions ---------------------------------------------------------------------------------


class ActionForm(FlaskForm):
    """A button that changes state and needs nothing but the CSRF token (prepare, deliver, accept ...)."""


class ShipForm(FlaskForm):
    courier = SelectField("택배사", choices=courier_choices, validate_choice=False,
                          validators=[DataRequired(message="택배사를 골라 주세요.")])
    tracking_number = StringField("송장번호", validators=[Optional(), Length(max=30, message="30자 이하로 입력해 주세요.")],
                                  render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 30})


class ReasonForm(FlaskForm):
    reason = TextAreaField("사유", validators=[DataRequired(message="사유를 입력해 주세요."),
                                             Length(max=500, message="500자 이하로 입력해 주세요.")],
                           render_kw={"rows": 3, "maxlength": 500})


class TaxInvoiceForm(FlaskForm):
    issued_on = KoreanDateField("발급일", validators=[InputRequired(message="발급일을 입력해 주세요.")])
    approval_number = StringField("국세청 승인번호 (24자리)",
                                  validators=[DataRequired(message="국세청 승인번호를 입력해 주세요."),
                                              Length(max=40, message="승인번호 24자리를 입력해 주세요.")],
                                  render_kw={"inputmode": "numeric", "autocomplete": "off"})
    supply_krw = WonField("공급가액 (원)", validators=[InputRequired(message="공급가액을 입력해 주세요.")])
    vat_krw = WonField("세액 (원)", validators=[InputRequired(message="세액을 입력해 주세요.")])
    total_krw = WonField("합계 (원)", validators=[InputRequired(message="합계를 입력해 주세요.")])


class SettlementForm(FlaskForm):
    paid_on = KoreanDateField("지급일", validators=[InputRequired(message="지급일을 입력해 주세요.")])
    method = SelectField("지급 방법", choices=[SelectChoice(m.value, m.label) for m in SettlementMethod],
                         validators=[DataRequired(message="지급 방법을 골라 주세요.")])


# --- quotations -----------------------------------------------------------------------------------------


class QuoteFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField("상태", choices=[SelectChoice("", "전체 상태")]
                         + [SelectChoice(s.value, s.label) for s in QuoteStatus], validators=[Optional()])


class QuoteAnswerForm(FlaskForm):
    """The delivery fee, valid-until and note; each line's unit price is a `price_<line id>` field of its own."""

    shipping_fee_krw = WonField("배송비 (원, 부가세 포함)", validators=[InputRequired(message="배송비를 입력해 주세요. 없으면 0")])
    valid_until = KoreanDateField("견적 유효기한", validators=[InputRequired(message="견적 유효기한을 입력해 주세요.")])
    note = TextAreaField("견적 메모", validators=[Optional(), Length(max=1000, message="1,000자 이하로 입력해 주세요.")],
                         render_kw={"rows": 3, "maxlength": 1000})


class QuoteRefuseForm(FlaskForm):
    reason = TextAreaField("견적 불가 사유", validators=[DataRequired(message="견적 불가 사유를 입력해 주세요."),
                                                   Length(max=500, message="500자 이하로 입력해 주세요.")],
                           render_kw={"rows": 3, "maxlength": 500})
