"""The form of an enterprise's own social value record (Flask-WTF, so it carries a CSRF token). Each field
is checked by the service's own check, so the form and the service refuse with the same words, and
every field's message shows at once."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from shop.core.forms import ServiceErrors
from shop.enterprises import social_value
from shop.enterprises.models import SocialValueArea, SocialValueRecord
from shop.enterprises.social_value import SocialValueError, SocialValueInput


def _by(check):
    def validate(form, field):
        try:
            check(field.data)
        except SocialValueError as exc:
            raise ValidationError(str(exc)) from None

    return validate


def _year(form, field):
    try:
        social_value.check_year(field.data or "", today=form.today)
    except SocialValueError as exc:
        raise ValidationError(str(exc)) from None


class SocialValueForm(ServiceErrors, FlaskForm):
    year = SelectField("연도", choices=[], validate_choice=False, validators=[_year])
    area = SelectField("분야", choices=[SelectChoice("", "분야를 고르세요"),
                                                 *(SelectChoice(v, label) for v, label in SocialValueArea.choices())], validate_choice=False,
                       validators=[_by(social_value.check_area)])
    amount = StringField("사회적 가치 금액 (원)", validators=[_by(social_value.parse_amount_krw)],
                         render_kw={"inputmode": "numeric", "maxlength": 25, "placeholder": "예: 12,000,000",
                                    "autocomplete": "off"})
    measured_by = StringField("측정 주체(출처)", validators=[_by(social_value.check_source)],
                              render_kw={"maxlength": social_value.MAX_SOURCE_LENGTH, "list": "source-examples",
                                         "autocomplete": "off"})
    note = TextAreaField("비고 (측정 방법 등, 선택)", validators=[_by(social_value.check_note)],
                         render_kw={"maxlength": social_value.MAX_NOTE_LENGTH, "rows": 3})

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        years = [str(y) for y in range(today.year, social_value.FIRST_YEAR - 1, -1)]
        self.year.choices = [SelectChoice(y, f"{y}년") for y in years]
        if self.year.data and self.year.data not in years:  # a year sent outside the list: keep it visible
            self.year.choices.append(SelectChoice(self.year.data, f"{self.year.data}년"))

    @classmethod
    def for_record(cls, record: SocialValueRecord, *, today: date) -> SocialValueForm:
        """The form filled with a saved record (on GET; a POST keeps what was typed)."""
        return cls(today=today, data={"year": str(record.year), "area": record.area.value,
                                      "amount": f"{record.amount_krw:,}", "measured_by": record.measured_by,
                                      "note": record.note or ""})

    def record_input(self) -> SocialValueInput:
        return SocialValueInput(year=self.year.data or "", area=self.area.data or "", amount=self.amount.data or "",
                                measured_by=self.measured_by.data or "", note=self.note.data or "")

