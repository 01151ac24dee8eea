"""/admin/social-value: staff record the center's verified social value per enterprise, year and area
(amount, incentive paid, source), correct it and remove it; the public pages show only these."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField

from shop.core.forms import ServiceErrors
from shop.core.korea import kst_today
from shop.enterprises import verified_value
from shop.enterprises.models import SocialValueArea, SocialValueRecord
from shop.enterprises.social_value import FIRST_YEAR, MAX_NOTE_LENGTH, MAX_SOURCE_LENGTH, SocialValueError
from shop.enterprises.verified_value import VerifiedInput, VerifiedRecordNotFound
from shop.web.admin import bp
from shop.web.params import whole_number


class VerifiedValueForm(ServiceErrors, FlaskForm):
    enterprise_id = SelectField("입점기업", choices=[], validate_choice=False)
    year = SelectField("연도", choices=[], validate_choice=False)
    area = SelectField("분야", choices=[SelectChoice("", "분야를 고르세요"),
                                      *(SelectChoice(v, label) for v, label in SocialValueArea.choices())],
                       validate_choice=False)
    amount = StringField("검증된 사회적 가치 (원)", render_kw={"inputmode": "numeric", "maxlength": 25,
                                                           "placeholder": "예: 120,000,000"})
    incentive = StringField("지급 인센티브 (원, 선택)", render_kw={"inputmode": "numeric", "maxlength": 25})
    source = StringField("출처", render_kw={"maxlength": MAX_SOURCE_LENGTH})
    note = TextAreaField("비고 (선택)", render_kw={"maxlength": MAX_NOTE_LENGTH, "rows": 2})
    fixed = HiddenField()  # "1" when correcting one record: enterprise, year and area stay as they are

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = kst_today()
        self.enterprise_id.choices = [SelectChoice("", "기업을 고르세요"), *(
            SelectChoice(str(e.id), e.name) for e in verified_value.enterprises_for_choice())]
        self.year.choices = [SelectChoice(str(y), f"{y}년") for y in range(today.year, FIRST_YEAR - 1, -1)]

    @classmethod
    def for_record(cls, record: SocialValueRecord) -> VerifiedValueForm:
        return cls(formdata=None, data={
            "enterprise_id": str(record.enterprise_id), "year": str(record.year), "area": record.area.value,
            "amount": f"{record.amount_krw:,}", "incentive": f"{record.incentive_krw:,}" if record.incentive_krw else "",
            "source": record.measured_by, "note": record.note or "", "fixed": "1"})

    def data_input(self) -> VerifiedInput:
        return VerifiedInput(self.enterprise_id.data or "", self.year.data or "", self.area.data or "",
                             self.amount.data or "", self.incentive.data or "", self.source.data or "",
                             self.note.data or "")



def _year_filter() -> int | None:
    raw = request.args.get("year", "")
    return whole_number(raw) if len(raw) == 4 else None


def _page(form: VerifiedValueForm, status: int = 200):
    year = _year_filter()
    return render_template("admin/social_value.html", form=form, records=verified_value.verified_records(year=year),
                           year=year, years=range(kst_today().year, FIRST_YEAR - 1, -1)), status


@bp.get("/social-value")
def social_value():
    return _page(VerifiedValueForm(formdata=None, data={"source": "SPC", "year": str(kst_today().year - 1)}))


@bp.post("/social-value")
def save_social_value():
    form = VerifiedValueForm()
    if form.validate_on_submit():
        try:
            record = verified_value.record_verified(form.data_input(), current_user, today=kst_today())
        except SocialValueError as exc:
            form.add_error(exc.field, str(exc))
        else:
            flash(f"{record.enterprise.name} {record.year}년 '{record.area.label}' 검증 값 "
                  f"{record.amount_krw:,}원을 기록했습니다.", "success")
            return redirect(url_for("admin.social_value", year=record.year) + f"#sv-{record.id}", code=303)
    if form.fixed.data == "1":
        return render_template("admin/social_value_edit.html", form=form), 400
    return _page(form, 400)


@bp.get("/social-value/<int:record_id>")
def social_value_edit(record_id: int):
    record = verified_value.verified_record(record_id) or abort(404)
    return render_template("admin/social_value_edit.html", form=VerifiedValueForm.for_record(record), record=record)


@bp.post("/social-value/<int:record_id>/delete")
def social_value_delete(record_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        verified_value.remove_verified(record_id, current_user)
    except VerifiedRecordNotFound:
        abort(404)
    flash("검증 기록을 삭제했습니다.", "success")
    return redirect(url_for("admin.social_value"), code=303)
