"""Staff run the art-collaboration programme (아트콜라보): artists, and the collaborations that pair an artist
with an approved enterprise to redesign its packaging — before and after images, the story, and the
products that carry the new packaging.

Every field is checked at once (CollabInvalid.errors maps each field to its Korean message); uploads are
checked and re-encoded before the transaction and removed again if it fails; every change writes an audit
entry in the same transaction. A published collaboration always has both images and a product on sale.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from shop.audit import services as audit
from shop.catalog.editing import checked_image, description_html
from shop.catalog.models import Product, ProductStatus
from shop.core import storage
from shop.core.errors import RuleError
from shop.core.html import html_to_text
from shop.core.korea import kst_today
from shop.core.storage import ImageRejected
from shop.core.text import first_free_slug, slugify
from shop.core.transactions import write_transaction
from shop.curation.models import ArtCollaboration, Artist
from shop.enterprises.models import Enterprise
from shop.extensions import db
from shop.models_base import ApprovalStatus

IMAGE_FOLDER = "art"
MAX_ARTIST_NAME = 60
MAX_BIO = 2_000
MAX_LINK = 255
MAX_TITLE = 120
MAX_SUMMARY = 300
MAX_STORY = 20_000
MAX_ALT = 200
MIN_ALT = 2
FIRST_YEAR = 2015
SLUG_MAX_LENGTH = 120
SLUG_ATTEMPTS = 3
LINKABLE_STATUSES = (ProductStatus.ACTIVE, ProductStatus.HIDDEN, ProductStatus.PENDING_REVIEW)
SUBJECT = "collaboration"
ARTIST_SUBJECT = "artist"
ALT_LABEL = {"before": "이전 포장 이미지 설명", "after": "새 포장 이미지 설명"}
IMAGE_LABEL = {"before": "이전 포장 이미지", "after": "새 포장 이미지"}


class CollabError(RuleError):
    """A refusal with its Korean message and the field it concerns."""


class CollabInvalid(CollabError):
    """Several fields refused at once: errors maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field)
        self.errors = errors


class CollabNotFound(CollabError):
    def __init__(self, what: str = "아트콜라보"):
        super().__init__(f"{what}을(를) 찾을 수 없습니다.")


@dataclass(frozen=True)
class ArtistInput:
    name: str = ""
    bio: str = ""
    link: str = ""  # http(s) URL, or empty
    photo: bytes | BinaryIO | None = None  # None: keep the current photo
    remove_photo: bool = False


@dataclass(frozen=True)
class CollabInput:
    """A collaboration as typed (ids and the year may be strings); the service checks every field."""

    title: str = ""
    artist_id: int | str | None = None
    enterprise_id: int | str | None = None
    year: int | str | None = None
    summary: str = ""
    story: str = ""  # limited HTML, or plain text (blank lines make paragraphs); sanitised
    before_image: bytes | BinaryIO | None = None  # None: keep the current image
    before_alt: str = ""
    after_image: bytes | BinaryIO | None = None
    after_alt: str = ""
    product_ids: tuple[int | str, ...] | None = None  # None: leave the linked products as they are


# --- reading ----------------------------------------------------------------------------------------


def list_for_staff() -> list[ArtCollaboration]:
    """Every collaboration, newest year first, with its artist, enterprise and products loaded."""
    return list(db.session.scalars(
        sa.select(ArtCollaboration)
        .options(joinedload(ArtCollaboration.artist), joinedload(ArtCollaboration.enterprise),
                 selectinload(ArtCollaboration.products))
        .order_by(ArtCollaboration.year.desc(), ArtCollaboration.created_at.desc(), ArtCollaboration.id.desc())
    ).unique())


def artists() -> list[Artist]:
    return list(db.session.scalars(
        sa.select(Artist).options(selectinload(Artist.collaborations)).order_by(Artist.name, Artist.id)
    ))


def get_artist(artist_id: int) -> Artist | None:
    return db.session.get(Artist, artist_id)


def get_collaboration(collaboration_id: int) -> ArtCollaboration | None:
    return db.session.scalar(
        sa.select(ArtCollaboration).where(ArtCollaboration.id == collaboration_id)
        .options(joinedload(ArtCollaboration.artist), joinedload(ArtCollaboration.enterprise),
                 selectinload(ArtCollaboration.products))
    )


def enterprise_choices(current: Enterprise | None = None) -> list[Enterprise]:
    """Approved enterprises by name, plus the collaboration's own one if it is no longer approved."""
    found = list(db.session.scalars(
        sa.select(Enterprise).where(Enterprise.status == ApprovalStatus.APPROVED).order_by(Enterprise.name)
    ))
    if current is not None and current not in found:
        found.insert(0, current)
    return found


def linkable_products(collab: ArtCollaboration) -> list[Product]:
    """The enterprise's products that may carry the packaging and are not linked yet."""
    linked = {p.id for p in collab.products}
    return [p for p in db.session.scalars(
        sa.select(Product).where(Product.enterprise_id == collab.enterprise_id,
                                 Product.status.in_(LINKABLE_STATUSES)).order_by(Product.name, Product.id)
    ) if p.id not in linked]


def publish_problems(collab: ArtCollaboration) -> dict[str, str]:
    """What stands between the collaboration and the storefront; empty when it may be published."""
    problems = {}
    for side in ("before", "after"):
        if not getattr(collab, f"{side}_image_path"):
            problems[f"{side}_image"] = f"{IMAGE_LABEL[side]}를 올려야 공개할 수 있습니다."
    if not collab.products:
        problems["products"] = "새 포장을 입은 상품을 한 개 이상 연결해야 공개할 수 있습니다."
    elif not any(p.status is ProductStatus.ACTIVE for p in collab.products):
        problems["products"] = "연결된 상품 중 판매 중인 상품이 없습니다. 판매 중인 상품을 한 개 이상 연결해 주세요."
    return problems


# --- checking what was typed ------------------------------------------------------------------------


def _line(value, field: str, label: str, errors: dict, *, max_length: int, min_length: int = 1) -> str:
    text = " ".join(unicodedata.normalize("NFC", value or "").split()) if isinstance(value, str) else ""
    if min_length and not text:
        errors[field] = f"{label}을(를) 입력해 주세요."
    elif len(text) < min_length:
        errors[field] = f"{label}은(는) {min_length}자 이상 입력해 주세요."
    elif len(text) > max_length:
        errors[field] = f"{label}은(는) {max_length:,}자 이하로 입력해 주세요. (지금 {len(text):,}자)"
    return text


def _paragraphs(value, field: str, label: str, errors: dict, *, max_length: int) -> str:
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").strip() if isinstance(value, str) else ""
    if len(text) > max_length:
        errors[field] = f"{label}은(는) {max_length:,}자 이하로 입력해 주세요. (지금 {len(text):,}자)"
    return text


def _link(value, errors: dict) -> str | None:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        return None
    message = "작가 링크는 http:// 또는 https://로 시작하는 웹 주소로 입력해 주세요. 예: https://example.kr/portfolio"
    try:
        parts = urlsplit(text)
    except ValueError:
        errors["link"] = message
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in text):
        errors["link"] = message
    elif len(text) > MAX_LINK:
        errors["link"] = f"작가 링크는 {MAX_LINK}자 이하로 입력해 주세요."
    return text


def _id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _year(value, errors: dict) -> int | None:
    this_year = kst_today().year
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip().removesuffix("년").strip()
    if value is None or value == "":
        errors["year"] = "협업 연도를 입력해 주세요."
        return None
    year = _id(value)
    if year is None or not FIRST_YEAR <= year <= this_year:
        errors["year"] = f"협업 연도는 {FIRST_YEAR}년부터 {this_year}년 사이로 입력해 주세요."
        return None
    return year


def _picture(source, field: str, label: str, errors: dict):
    """The checked picture of a new upload, None when nothing was sent (an empty file input is falsy)."""
    if not source:
        return None
    try:
        return checked_image(source)
    except ImageRejected as exc:
        errors[field] = f"{label}: {exc}"
        return None


def _raise_if(errors: dict) -> None:
    if errors:
        raise CollabInvalid(errors)


def _store(pictures: dict) -> dict[str, str]:
    return {key: storage.save_image(picture, IMAGE_FOLDER) for key, picture in pictures.items() if picture is not None}


def _discard(paths: Iterable[str | None]) -> None:
    """Remove image files no artist or collaboration uses (after a commit, or after a failed one)."""
    for path in {p for p in paths if p}:
        used = db.session.scalar(sa.select(sa.or_(
            sa.exists().where(sa.or_(ArtCollaboration.before_image_path == path,
                                     ArtCollaboration.after_image_path == path)),
            sa.exists().where(Artist.photo_path == path))))
        if not used:
            storage.delete_image(path)


def _short(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _changed(before: dict, after: dict) -> tuple[dict, dict]:
    """The fields that differ (compared in full), shortened for the audit log."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: _short(str(before.get(k))) for k in keys}, {k: _short(str(after[k])) for k in keys}


# --- artists ----------------------------------------------------------------------------------------


def _artist_values(data: ArtistInput, errors: dict) -> dict:
    return {
        "name": _line(data.name, "name", "작가 이름", errors, max_length=MAX_ARTIST_NAME),
        "bio": _paragraphs(data.bio, "bio", "작가 소개", errors, max_length=MAX_BIO),
        "link": _link(data.link, errors),
    }


def _artist_snapshot(artist: Artist) -> dict:
    return {"이름": artist.name, "소개": artist.bio or "", "링크": artist.link or "없음",
            "사진": artist.photo_path or "없음"}


def _locked_artist(artist_id: int) -> Artist:
    artist = db.session.scalar(sa.select(Artist).where(Artist.id == artist_id).with_for_update()
                               .execution_options(populate_existing=True))
    if artist is None:
        raise CollabNotFound("작가")
    return artist


def _audit_artist(actor, artist: Artist, before: dict | None) -> None:
    """An entry with the changed fields (all of them for a new artist); the photo as 있음/새 사진/없음."""
    after = _artist_snapshot(artist)
    changed_before, changed_after = _changed(before or {}, after)
    if not changed_after:
        return
    if "사진" in changed_after:
        changed_after["사진"] = "새 사진" if after["사진"] != "없음" else "없음"
        if before is not None:
            changed_before["사진"] = "없음" if before["사진"] == "없음" else "있음"
    audit.record(actor, "artist.saved", ARTIST_SUBJECT, artist.id, f"작가 {artist.name}",
                 before=changed_before if before is not None else None, after=changed_after)


def save_artist(artist_id: int | None, data: ArtistInput, actor) -> Artist:
    """Create (artist_id None) or change an artist; a new photo replaces the old one."""
    errors: dict[str, str] = {}
    values = _artist_values(data, errors)
    picture = _picture(data.photo, "photo", "작가 사진", errors)
    _raise_if(errors)
    stored = _store({"photo": picture})
    replaced = None
    try:
        with write_transaction():
            artist = Artist() if artist_id is None else _locked_artist(artist_id)
            before = None if artist_id is None else _artist_snapshot(artist)
            for key, value in values.items():
                setattr(artist, key, value)
            if "photo" in stored or data.remove_photo:
                replaced = artist.photo_path
                artist.photo_path = stored.get("photo")
            db.session.add(artist)
            db.session.flush()
            _audit_artist(actor, artist, before)
    except BaseException:
        _discard(stored.values())
        raise
    _discard([replaced])
    return artist


def create_artist(data: ArtistInput, actor) -> Artist:
    return save_artist(None, data, actor)


def update_artist(artist_id: int, data: ArtistInput, actor) -> Artist:
    return save_artist(artist_id, data, actor)


# --- collaborations ---------------------------------------------------------------------------------


def _snapshot(collab: ArtCollaboration) -> dict:
    return {
        "제목": collab.title, "작가": collab.artist.name if collab.artist else "", "기업": collab.enterprise.name,
        "연도": f"{collab.year}년", "한 줄 소개": collab.summary or "", "협업 이야기": html_to_text(collab.story_html),
        "이전 포장 이미지": collab.before_image_path or "없음", "이전 포장 설명": collab.before_image_alt or "",
        "새 포장 이미지": collab.after_image_path or "없음", "새 포장 설명": collab.after_image_alt or "",
        "상품": ", ".join(sorted(p.name for p in collab.products)) or "없음",
    }


def _audit_change(actor, collab: ArtCollaboration, before: dict | None) -> None:
    """An entry with the changed fields (all of them for a new collaboration); image paths mean nothing to
    a reader, so the entry says whether there was an image and that a new one came."""
    after = _snapshot(collab)
    changed_before, changed_after = _changed(before or {}, after)
    if not changed_after:
        return
    for key in ("이전 포장 이미지", "새 포장 이미지"):
        if key in changed_after:
            changed_after[key] = "새 이미지" if after[key] != "없음" else "없음"
            if before is not None:
                changed_before[key] = "없음" if before[key] == "없음" else "있음"
    audit.record(actor, "collaboration.saved", SUBJECT, collab.id, collab.title,
                 before=changed_before if before is not None else None, after=changed_after)


def _unique_slug(title: str, own_id: int | None) -> str:
    base = slugify(title, max_length=SLUG_MAX_LENGTH - 6)
    stmt = sa.select(ArtCollaboration.slug).where(
        (ArtCollaboration.slug == base) | ArtCollaboration.slug.like(f"{base}-%"))
    if own_id is not None:
        stmt = stmt.where(ArtCollaboration.id != own_id)
    with db.session.no_autoflush:  # the row being saved is not complete yet
        used = set(db.session.scalars(stmt))
    return first_free_slug(base, used)


def _locked_collab(collaboration_id: int) -> ArtCollaboration:
    collab = db.session.scalar(
        sa.select(ArtCollaboration).where(ArtCollaboration.id == collaboration_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if collab is None:
        raise CollabNotFound()
    return collab


def _checked_enterprise(value, current_id: int | None, errors: dict) -> Enterprise | None:
    enterprise_id = _id(value)
    enterprise = db.session.get(Enterprise, enterprise_id) if enterprise_id else None
    if enterprise is None or (enterprise.status is not ApprovalStatus.APPROVED and enterprise.id != current_id):
        errors["enterprise_id"] = "승인된 입점기업을 골라 주세요."
        return None
    return enterprise


def _checked_products(ids: Iterable, enterprise: Enterprise | None, errors: dict) -> list[Product]:
    wanted = {i for i in (_id(v) for v in ids)}
    if None in wanted:
        errors["products"] = "상품을 찾을 수 없습니다. 새로고침한 뒤 다시 골라 주세요."
        return []
    found = list(db.session.scalars(sa.select(Product).where(Product.id.in_(wanted)).order_by(Product.id)))
    if len(found) != len(wanted):
        errors["products"] = "상품을 찾을 수 없습니다. 새로고침한 뒤 다시 골라 주세요."
    elif enterprise is not None:
        foreign = [p for p in found if p.enterprise_id != enterprise.id]
        if foreign:
            errors["products"] = (f"'{foreign[0].name}'은(는) {enterprise.name}의 상품이 아닙니다. "
                                  "협업한 기업의 상품만 연결할 수 있습니다.")
        else:
            unlisted = next((p for p in found if p.status not in LINKABLE_STATUSES), None)
            if unlisted is not None:
                errors["products"] = (f"'{unlisted.name}'은(는) {unlisted.status.label} 상태라 연결할 수 없습니다. "
                                      "판매 중·숨김·심사 대기 상품만 연결할 수 있습니다.")
    return found


def _collab_values(data: CollabInput, errors: dict, current: ArtCollaboration | None) -> dict:
    artist_id = _id(data.artist_id)
    artist = db.session.get(Artist, artist_id) if artist_id else None
    if artist is None:
        errors["artist_id"] = "작가를 골라 주세요. 목록에 없으면 작가를 먼저 등록해 주세요."
    values = {
        "title": _line(data.title, "title", "제목", errors, min_length=2, max_length=MAX_TITLE),
        "artist": artist,
        "enterprise": _checked_enterprise(data.enterprise_id, current.enterprise_id if current else None, errors),
        "year": _year(data.year, errors),
        "summary": _line(data.summary, "summary", "한 줄 소개", errors, min_length=0, max_length=MAX_SUMMARY),
        "story_html": description_html(_paragraphs(data.story, "story", "협업 이야기", errors,
                                                   max_length=MAX_STORY)),
    }
    if len(values["story_html"]) > MAX_STORY and "story" not in errors:
        errors["story"] = f"협업 이야기는 {MAX_STORY:,}자 이하로 입력해 주세요."
    return values


def _check_alts(data: CollabInput, current: ArtCollaboration | None, errors: dict) -> dict:
    """Alt text is required for an image sent now (even one refused) or already there."""
    alts = {}
    for side in ("before", "after"):
        has_image = bool(getattr(data, f"{side}_image")) or bool(current and getattr(current, f"{side}_image_path"))
        typed = getattr(data, f"{side}_alt")
        alt = _line(typed, f"{side}_alt", ALT_LABEL[side], errors, min_length=MIN_ALT if has_image else 0,
                    max_length=MAX_ALT)
        if has_image and f"{side}_alt" in errors and not alt:
            errors[f"{side}_alt"] = (f"{ALT_LABEL[side]}(대체 텍스트)을 입력해 주세요. 사진을 볼 수 없는 분께 "
                                     "읽어 주는 글입니다.")
        alts[side] = alt
    return alts


def save_collaboration(collaboration_id: int | None, data: CollabInput, actor) -> ArtCollaboration:
    """Create (collaboration_id None) or change a collaboration, checking every field at once. The slug
    follows the title while the collaboration is not published (so shared links keep working)."""
    errors: dict[str, str] = {}
    current = None if collaboration_id is None else get_collaboration(collaboration_id)
    if collaboration_id is not None and current is None:
        raise CollabNotFound()
    values = _collab_values(data, errors, current)
    pictures = {side: _picture(getattr(data, f"{side}_image"), f"{side}_image", IMAGE_LABEL[side], errors)
                for side in ("before", "after")}
    alts = _check_alts(data, current, errors)
    enterprise = values["enterprise"]
    products = None
    if data.product_ids is not None:
        products = _checked_products(data.product_ids, enterprise, errors)
    elif current is not None and enterprise is not None and enterprise.id != current.enterprise_id and current.products:
        errors["enterprise_id"] = (f"연결된 상품은 {current.enterprise.name}의 상품입니다. 기업을 바꾸려면 "
                                   "연결된 상품을 먼저 빼 주세요.")
    _raise_if(errors)
    stored = _store(pictures)
    replaced: list[str | None] = []
    try:
        for attempt in range(SLUG_ATTEMPTS):
            try:
                with write_transaction():
                    collab, replaced = _apply(collaboration_id, values, alts, stored, products, actor)
                break
            except IntegrityError:  # another staff member took the same slug a moment ago
                if attempt == SLUG_ATTEMPTS - 1:
                    raise
    except BaseException:
        _discard(stored.values())
        raise
    _discard(replaced)
    return collab


def _apply(collaboration_id, values: dict, alts: dict, stored: dict, products, actor):
    if collaboration_id is None:
        collab, before = ArtCollaboration(is_published=False), None
        db.session.add(collab)
    else:
        collab = _locked_collab(collaboration_id)
        before = _snapshot(collab)
    for key, value in values.items():
        setattr(collab, key, value)
    if products is not None:
        collab.products = products
    replaced = []
    for side in ("before", "after"):
        if side in stored:
            replaced.append(getattr(collab, f"{side}_image_path"))
            setattr(collab, f"{side}_image_path", stored[side])
        setattr(collab, f"{side}_image_alt", alts[side])
    if collab.is_published and publish_problems(collab):
        raise CollabError("공개 중인 아트콜라보에는 이미지 두 장과 판매 중인 상품이 있어야 합니다. "
                          "먼저 비공개로 바꿔 주세요.", "products")
    if collab.slug is None or (not collab.is_published and before is not None and before["제목"] != collab.title):
        collab.slug = _unique_slug(collab.title, collab.id)
    db.session.add(collab)
    db.session.flush()
    _audit_change(actor, collab, before)
    return collab, replaced


def create_collaboration(data: CollabInput, actor) -> ArtCollaboration:
    return save_collaboration(None, data, actor)


def update_collaboration(collaboration_id: int, data: CollabInput, actor) -> ArtCollaboration:
    return save_collaboration(collaboration_id, data, actor)


# --- products that carry the new packaging ----------------------------------------------------------


def add_product(collaboration_id: int, product_id: int | str, actor) -> Product:
    if product_id in (None, ""):
        raise CollabError("연결할 상품을 골라 주세요.", "products")
    with write_transaction():
        collab = _locked_collab(collaboration_id)
        errors: dict[str, str] = {}
        found = _checked_products([product_id], collab.enterprise, errors)
        _raise_if(errors)
        product = found[0]
        if product in collab.products:
            raise CollabError(f"'{product.name}'은(는) 이미 연결되어 있습니다.", "products")
        before = _snapshot(collab)
        collab.products.append(product)
        _audit_change(actor, collab, before)
    return product


def remove_product(collaboration_id: int, product_id: int, actor) -> Product:
    with write_transaction():
        collab = _locked_collab(collaboration_id)
        product = next((p for p in collab.products if p.id == product_id), None)
        if product is None:
            raise CollabError("연결된 상품이 아닙니다. 새로고침한 뒤 다시 시도해 주세요.", "products")
        before = _snapshot(collab)
        collab.products.remove(product)
        if collab.is_published and "products" in publish_problems(collab):
            raise CollabError("공개 중인 아트콜라보에는 판매 중인 상품이 한 개 이상 있어야 합니다. "
                              "이 상품을 빼려면 다른 상품을 먼저 연결하거나 비공개로 바꿔 주세요.", "products")
        _audit_change(actor, collab, before)
    return product


# --- publishing -------------------------------------------------------------------------------------


def publish(collaboration_id: int, actor) -> bool:
    """Show the collaboration on the storefront; False when it already was. Refused (every reason at
    once) without both images and a product on sale."""
    with write_transaction():
        collab = _locked_collab(collaboration_id)
        if collab.is_published:
            return False
        _raise_if(publish_problems(collab))
        collab.is_published = True
        audit.record(actor, "collaboration.published", SUBJECT, collab.id, collab.title,
                     before={"공개": False}, after={"공개": True})
    return True


def unpublish(collaboration_id: int, actor) -> bool:
    """Take the collaboration off the storefront; False when it was not on it."""
    with write_transaction():
        collab = _locked_collab(collaboration_id)
        if not collab.is_published:
            return False
        collab.is_published = False
        audit.record(actor, "collaboration.unpublished", SUBJECT, collab.id, collab.title,
                     before={"공개": True}, after={"공개": False})
    return True
