"""Forms of the art-collaboration pages (Flask-WTF, so each carries a CSRF token). They only carry what was
typed; shop.curation.collab_editing keeps every rule and its refusals are shown next to the field they name."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField, URLField

from shop.catalog.editing import editable_description
from shop.core.forms import ServiceErrors
from shop.core.korea import kst_today
from shop.curation import collab_editing as collabs
from shop.curation.models import ArtCollaboration, Artist

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _newlines(value):
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _upload(field):
    """The uploaded file, or None when the input was left empty."""
    return field.data if field.data else None


class ArtistForm(ServiceErrors, FlaskForm):
    name = StringField("작가 이름", filters=[_strip],
                       render_kw={"maxlength": collabs.MAX_ARTIST_NAME, "autocomplete": "off"})
    bio = TextAreaField("작가 소개", filters=[_newlines], render_kw={"rows": 5, "maxlength": collabs.MAX_BIO})
    link = URLField("포트폴리오·SNS 주소 (선택)", filters=[_strip],
                    render_kw={"maxlength": collabs.MAX_LINK, "inputmode": "url", "autocomplete": "off",
                               "placeholder": "https://"})
    photo = FileField("작가 사진 (선택 · JPG, PNG, WebP · 5MB 이하)", render_kw={"accept": IMAGE_ACCEPT})
    remove_photo = BooleanField("지금 사진 지우기")

    @classmethod
    def of(cls, artist: Artist) -> ArtistForm:
        return cls(data={"name": artist.name, "bio": artist.bio or "", "link": artist.link or ""})

    def artist(self) -> collabs.ArtistInput:
        return collabs.ArtistInput(name=self.name.data or "", bio=self.bio.data or "", link=self.link.data or "",
                                   photo=_upload(self.photo), remove_photo=bool(self.remove_photo.data))


class CollaborationForm(ServiceErrors, FlaskForm):
    title = StringField("제목", filters=[_strip], render_kw={"maxlength": collabs.MAX_TITLE, "autocomplete": "off"})
    artist_id = SelectField("작가", validate_choice=False)
    enterprise_id = SelectField("협업 기업 (승인된 입점기업)", validate_choice=False)
    year = StringField("협업 연도", filters=[_strip],
                       render_kw={"inputmode": "numeric", "maxlength": 4, "autocomplete": "off"})
    summary = StringField("한 줄 소개 (선택)", filters=[_strip],
                          render_kw={"maxlength": collabs.MAX_SUMMARY, "autocomplete": "off"})
    story = TextAreaField("협업 이야기", filters=[_newlines], render_kw={"rows": 10, "maxlength": collabs.MAX_STORY})
    before_image = FileField("이전 포장 이미지 (JPG, PNG, WebP · 5MB 이하)", render_kw={"accept": IMAGE_ACCEPT})
    before_alt = StringField("이전 포장 이미지 설명 (대체 텍스트)", filters=[_strip],
                             render_kw={"maxlength": collabs.MAX_ALT, "autocomplete": "off"})
    after_image = FileField("새 포장 이미지 (JPG, PNG, WebP · 5MB 이하)", render_kw={"accept": IMAGE_ACCEPT})
    after_alt = StringField("새 포장 이미지 설명 (대체 텍스트)", filters=[_strip],
                            render_kw={"maxlength": collabs.MAX_ALT, "autocomplete": "off"})

    @classmethod
    def of(cls, collab: ArtCollaboration) -> CollaborationForm:
        return cls(data={
            "title": collab.title, "artist_id": str(collab.artist_id), "enterprise_id": str(collab.enterprise_id),
            "year": str(collab.year), "summary": collab.summary or "",
            "story": editable_description(collab.story_html), "before_alt": collab.before_image_alt or "",
            "after_alt": collab.after_image_alt or "",
        })

    @classmethod
    def blank(cls) -> CollaborationForm:
        return cls(data={"year": str(kst_today().year)})

    def with_choices(self, current: ArtCollaboration | None = None) -> CollaborationForm:
        self.artist_id.choices = [SelectChoice("", "작가를 고르세요"),
                                  *(SelectChoice(str(a.id), a.name) for a in collabs.artists())]
        self.enterprise_id.choices = [
            SelectChoice("", "기업을 고르세요"),
            *(SelectChoice(str(e.id), e.name if e.is_approved else f"{e.name} ({e.status.label})")
              for e in collabs.enterprise_choices(current.enterprise if current else None)),
        ]
        return self

    def collaboration(self) -> collabs.CollabInput:
        return collabs.CollabInput(
            title=self.title.data or "", artist_id=self.artist_id.data, enterprise_id=self.enterprise_id.data,
            year=self.year.data, summary=self.summary.data or "", story=self.story.data or "",
            before_image=_upload(self.before_image), before_alt=self.before_alt.data or "",
            after_image=_upload(self.after_image), after_alt=self.after_alt.data or "",
        )


class AddProductForm(ServiceErrors, FlaskForm):
    product_id = SelectField("연결할 상품", validate_choice=False)

    def with_choices(self, collab: ArtCollaboration) -> AddProductForm:
        self.product_id.choices = [
            SelectChoice("", "상품을 고르세요"),
            *(SelectChoice(str(p.id), p.name if p.status.value == "active" else f"{p.name} ({p.status.label})")
              for p in collabs.linkable_products(collab)),
        ]
        return self


class ConfirmForm(FlaskForm):
    """A bare POST (publish, unpublish, remove a product): only the CSRF token."""
