"""Forms of the staff's exhibition pages (Flask-WTF, so each carries a CSRF token). They only carry what
was typed: shop.curation.editing keeps every rule and its Korean message, shown next to the field it names."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.widgets import DateInput

from shop.catalog.editing import editable_description
from shop.core.forms import ServiceErrors
from shop.curation import editing
from shop.curation.models import Exhibition, ExhibitionKind, OrganizerType

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _normalise_newlines(value):
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _choices(prompt: str, enum_class) -> list[SelectChoice]:
    return [SelectChoice("", prompt), *(SelectChoice(value, label) for value, label in enum_class.choices())]


class ExhibitionForm(ServiceErrors, FlaskForm):
    title = StringField("기획전 제목", filters=[_strip], render_kw={"maxlength": editing.MAX_TITLE, "autocomplete": "off"})
    organizer_type = SelectField("주최 구분", choices=_choices("주최 구분을 고르세요", OrganizerType), validate_choice=False)
    organizer_name = StringField("주최 기관 이름", filters=[_strip],
                                 render_kw={"maxlength": editing.MAX_ORGANIZER, "list": "organizer-names",
                                            "autocomplete": "off"})
    kind = SelectField("기획전 종류", choices=_choices("종류를 고르세요", ExhibitionKind), validate_choice=False)
    starts_on = StringField("시작일", filters=[_strip], widget=DateInput())
    ends_on = StringField("종료일", filters=[_strip], widget=DateInput())
    summary = StringField("한 줄 소개", filters=[_strip], render_kw={"maxlength": editing.MAX_SUMMARY})
    description = TextAreaField("소개글", filters=[_normalise_newlines],
                                render_kw={"rows": 8, "maxlength": editing.MAX_DESCRIPTION_LENGTH})
    banner = FileField("배너 이미지 (선택 · JPG, PNG, WebP · 5MB 이하)", render_kw={"accept": IMAGE_ACCEPT})
    banner_alt = StringField("배너 이미지 설명 (대체 텍스트)", filters=[_strip], render_kw={"maxlength": editing.MAX_ALT})
    remove_banner = BooleanField("지금 배너 이미지 지우기")

    @classmethod
    def of(cls, exhibition: Exhibition) -> ExhibitionForm:
        return cls(formdata=None, data={
            "title": exhibition.title, "organizer_type": exhibition.organizer_type.value,
            "organizer_name": exhibition.organizer_name, "kind": exhibition.kind.value,
            "starts_on": exhibition.starts_on.isoformat(), "ends_on": exhibition.ends_on.isoformat(),
            "summary": exhibition.summary, "description": editable_description(exhibition.description_html),
            "banner_alt": exhibition.banner_alt,
        })

    def details(self) -> editing.ExhibitionDetails:
        return editing.ExhibitionDetails(
            title=self.title.data or "", organizer_type=self.organizer_type.data or "",
            organizer_name=self.organizer_name.data or "", kind=self.kind.data or "",
            starts_on=self.starts_on.data or "", ends_on=self.ends_on.data or "", summary=self.summary.data or "",
            description=self.description.data or "", banner_alt=self.banner_alt.data or "",
        )


class AddProductForm(ServiceErrors, FlaskForm):
    product_id = StringField("상품 번호", filters=[_strip],
                             render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 12})
