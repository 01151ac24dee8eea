"""Staff run exhibitions (기획전): create and edit them, choose and order their products, set special
prices per option, publish and unpublish. Each change is one transaction with its audit entry; each
refusal is an ExhibitionError with a Korean message and the form field it concerns.

Dates are Korean dates (kst_today). The slug follows the title while the exhibition is not public and
stays fixed once it is, so shared links keep working.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import joinedload, selectinload

from shop.audit import services as audit
from shop.catalog.editing import checked_image, description_html
from shop.catalog.models import Product, ProductStatus, Variant
from shop.catalog.services import visible_products
from shop.core import storage
from shop.core.errors import RuleError
from shop.core.html import html_to_text
from shop.core.korea import SEOUL_DISTRICTS, kst_today
from shop.core.money import parse_krw
from shop.core.storage import ImageRejected
from shop.core.text import first_free_slug, slugify
from shop.core.transactions import write_transaction
from shop.curation.models import (
    Exhibition,
    ExhibitionItem,
    ExhibitionKind,
    ExhibitionPhase,
    ExhibitionPrice,
    OrganizerType,
)
from shop.enterprises.models import Enterprise
from shop.extensions import db
from shop.models_base import ApprovalStatus

MAX_TITLE = 120
MAX_ORGANIZER = 100
MAX_SUMMARY = 300
MAX_ALT = 200
MAX_DESCRIPTION_LENGTH = 20_000
MAX_ITEMS = 200
SLUG_MAX_LENGTH = 120
MAX_ID = 2_147_483_647  # ids are 32-bit integers; a larger number is no product at all
FIRST_YEAR, LAST_YEAR = 2000, 2100
BANNER_FOLDER = "exhibitions"
BANNER_MAX_SIZE = (2400, 2400)
DEFAULT_ORGANIZERS = {OrganizerType.CITY: "서울특별시", OrganizerType.CENTER: "서울시사회적경제지원센터"}
PHASE_FILTERS = {"": "전체", **{p.value: p.label for p in (ExhibitionPhase.ONGOING, ExhibitionPhase.UPCOMING,
                                                           ExhibitionPhase.PAST)}}
# How the audit entries of an exhibition name what changed (their before/after keys).
_SEOUL_PREFIX = re.compile(r"^(?:서울특별시|서울시|서울)\s*")
_DATE = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?")


class ExhibitionError(RuleError):
    """A refusal of this module; `field` names the form field (or the page section) it concerns."""


class ExhibitionNotFound(ExhibitionError):
    """No such exhibition, or the product or option is not in it: a 404 at the edge."""

    def __init__(self, message: str = "기획전을 찾을 수 없습니다."):
        super().__init__(message)


class ExhibitionInvalid(ExhibitionError):
    """Several fields were refused at once: errors maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field)
        self.errors = errors


@dataclass(frozen=True)
class ExhibitionDetails:
    """An exhibition's fields as typed (dates may be text such as "2026-03-01"); the service checks them."""

    title: str = ""
    organizer_type: str = ""
    organizer_name: str = ""
    kind: str = ""
    starts_on: date | str | None = None
    ends_on: date | str | None = None
    summary: str = ""
    description: str = ""  # limited HTML, or plain text (blank lines make paragraphs)
    banner_alt: str = ""


# --- checking what was typed -----------------------------------------------------------------------


def _josa(word: str, with_final: str, without_final: str) -> str:
    """The particle that follows `word`: 을/를, 은/는 by whether its last syllable ends in a consonant."""
    last = word[-1:]
    if not "가" <= last <= "힣":
        return f"{with_final}({without_final})"
    return with_final if (ord(last) - 0xAC00) % 28 else without_final


def _text(value, field: str, label: str, errors: dict, *, max_length: int, min_length: int = 1) -> str:
    text = " ".join(unicodedata.normalize("NFC", value or "").split()) if isinstance(value, str) else ""
    if len(text) < min_length:
        errors[field] = f"{label}{_josa(label, '을', '를')} 입력해 주세요." if not text else \
            f"{label}{_josa(label, '은', '는')} {min_length}자 이상 입력해 주세요."
    elif len(text) > max_length:
        errors[field] = f"{label}{_josa(label, '은', '는')} {max_length:,}자 이하로 입력해 주세요. (지금 {len(text):,}자)"
    return text


def _choice(enum_class, value, field: str, message: str, errors: dict):
    try:
        return enum_class(value)
    except ValueError:
        errors[field] = message
        return None


def _date(value, field: str, label: str, errors: dict) -> date | None:
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", value or "").strip() if isinstance(value, str) else ""
    if not text:
        errors[field] = f"{label}{_josa(label, '을', '를')} 입력해 주세요."
        return None
    match = _DATE.fullmatch(text.replace(" ", ""))
    try:
        if match is None:
            raise ValueError
        day = date(*(int(part) for part in match.groups()))
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError
        return day
    except ValueError:
        errors[field] = f"{label}{_josa(label, '은', '는')} 2026-03-01처럼 연-월-일로 입력해 주세요."
        return None


def _organizer_name(kind: OrganizerType | None, value, errors: dict) -> str:
    name = _text(value, "organizer_name", "주최 기관 이름", errors, min_length=0, max_length=MAX_ORGANIZER)
    if "organizer_name" in errors or kind is None:
        return name
    if not name and kind in DEFAULT_ORGANIZERS:
        return DEFAULT_ORGANIZERS[kind]
    if kind is OrganizerType.DISTRICT:
        district = _SEOUL_PREFIX.sub("", name)
        if district not in SEOUL_DISTRICTS:
            errors["organizer_name"] = "주최 자치구를 '마포구'처럼 서울의 구 이름으로 입력해 주세요."
        return district
    if not name:
        errors["organizer_name"] = "주최 기관 이름을 입력해 주세요. 예: 서울주택도시공사"
    return name


def _clean(details: ExhibitionDetails, errors: dict, today: date, current: Exhibition | None) -> dict:
    organizer_type = _choice(OrganizerType, details.organizer_type, "organizer_type", "주최 구분을 골라 주세요.", errors)
    values = {
        "title": _text(details.title, "title", "기획전 제목", errors, min_length=2, max_length=MAX_TITLE),
        "organizer_type": organizer_type,
        "organizer_name": _organizer_name(organizer_type, details.organizer_name, errors),
        "kind": _choice(ExhibitionKind, details.kind, "kind", "기획전 종류를 골라 주세요.", errors),
        "starts_on": _date(details.starts_on, "starts_on", "시작일", errors),
        "ends_on": _date(details.ends_on, "ends_on", "종료일", errors),
        "summary": _text(details.summary, "summary", "한 줄 소개", errors, min_length=0, max_length=MAX_SUMMARY),
        "description_html": description_html(details.description),
        "banner_alt": _text(details.banner_alt, "banner_alt", "배너 이미지 설명", errors, min_length=0,
                            max_length=MAX_ALT),
    }
    if len(values["description_html"]) > MAX_DESCRIPTION_LENGTH:
        errors["description"] = f"소개글은 {MAX_DESCRIPTION_LENGTH:,}자 이하로 입력해 주세요."
    starts, ends = values["starts_on"], values["ends_on"]
    if starts and ends:
        period_changed = current is None or (starts, ends) != (current.starts_on, current.ends_on)
        if starts > ends:
            errors["ends_on"] = "종료일은 시작일과 같거나 그 뒤여야 합니다."
        elif period_changed and ends < today:
            errors["ends_on"] = f"종료일이 이미 지났습니다. 오늘({today:%Y.%m.%d})이나 그 뒤 날짜를 입력해 주세요."
    return values


def _checked_banner(banner, alt: str, errors: dict, *, keeps_banner: bool) -> Image.Image | None:
    """The decoded upload (or None), refusing a non-image; a banner that will show needs its alt text."""
    picture = None
    if banner:
        try:
            picture = checked_image(banner)
        except ImageRejected as exc:
            errors["banner"] = str(exc)
    if (banner or keeps_banner) and len(alt) < 2 and "banner_alt" not in errors:
        errors["banner_alt"] = ("배너 이미지를 볼 수 없는 분께 읽어 줄 설명(대체 텍스트)을 2자 이상 입력해 주세요. "
                                "예: 마포구 공공구매 기획전, 3월 1일부터 31일까지")
    return picture


def _raise_if(errors: dict) -> None:
    if errors:
        raise ExhibitionInvalid(errors)


# --- what the audit log keeps ----------------------------------------------------------------------


def _short(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _snapshot(exhibition: Exhibition) -> dict:
    """The exhibition's fields as staff read them in the audit log."""
    organizer_type = OrganizerType(exhibition.organizer_type)
    return {
        "title": exhibition.title,
        "organizer": f"{exhibition.organizer_name} ({organizer_type.label})",
        "kind": ExhibitionKind(exhibition.kind).label,
        "period": f"{exhibition.starts_on:%Y.%m.%d} ~ {exhibition.ends_on:%Y.%m.%d}",
        "summary": exhibition.summary or None,
        "description": _short(html_to_text(exhibition.description_html)) or None,
        "banner": exhibition.banner_path,
        "banner_alt": exhibition.banner_alt or None,
    }


def _record(actor, action: str, exhibition: Exhibition, *, label: str = "", before=None, after=None) -> None:
    subject = exhibition.title if not label else f"{exhibition.title} · {label}"
    audit.record(actor, action, "exhibition", exhibition.id, subject, before=before, after=after)


# --- slugs and banners -----------------------------------------------------------------------------


def unique_slug(title: str, exclude_id: int | None = None) -> str:
    """slugify(title), with -2, -3 ... appended when another exhibition already uses it."""
    base = slugify(title, max_length=SLUG_MAX_LENGTH - 6)
    stmt = sa.select(Exhibition.slug).where((Exhibition.slug == base) | Exhibition.slug.like(f"{base}-%"))
    if exclude_id is not None:
        stmt = stmt.where(Exhibition.id != exclude_id)
    used = set(db.session.scalars(stmt))
    return first_free_slug(base, used)


def _flush() -> None:
    """Flush; a slug taken at the same moment by another exhibition surfaces as the unique index refusing it."""
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        if "slug" not in str(exc.orig).lower():
            raise
        raise ExhibitionInvalid({"title": "같은 제목의 기획전이 방금 만들어졌습니다. 다시 저장해 주세요."}) from exc


def _store_banner(picture: Image.Image) -> str:
    """Re-encode the checked picture (pixels only) under exhibitions/."""
    return storage.save_image(picture, BANNER_FOLDER, max_size=BANNER_MAX_SIZE)


def _delete_banner(path: str | None) -> None:
    """Remove a banner this module stored (demo and other folders are left alone)."""
    if path and path.startswith(BANNER_FOLDER + "/"):
        storage.delete_image(path)


# --- loading ---------------------------------------------------------------------------------------


def _locked(exhibition_id: int) -> Exhibition:
    """The exhibition, its row locked for the rest of the transaction (PostgreSQL; SQLite holds the
    database write lock already)."""
    exhibition = db.session.scalar(
        sa.select(Exhibition).where(Exhibition.id == exhibition_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if exhibition is None:
        raise ExhibitionNotFound()
    return exhibition


def _item(exhibition: Exhibition, product_id: int) -> ExhibitionItem:
    for item in exhibition.items:
        if item.product_id == product_id:
            return item
    raise ExhibitionNotFound("이 기획전에 없는 상품입니다.")


def _renumber(items: list[ExhibitionItem]) -> None:
    for position, item in enumerate(items):
        item.position = position


def _price_note(prices: list[tuple[str, int]]) -> str | None:
    return ", ".join(f"{name} {price:,}원" for name, price in prices) or None


# --- creating and editing --------------------------------------------------------------------------


def create_exhibition(details: ExhibitionDetails, actor, *, banner: bytes | BinaryIO | None = None,
                      today: date | None = None) -> Exhibition:
    """A new, unpublished exhibition with no products yet."""
    today = today or kst_today()
    errors: dict[str, str] = {}
    values = _clean(details, errors, today, None)
    picture = _checked_banner(banner, values["banner_alt"], errors, keeps_banner=False)
    _raise_if(errors)
    path = _store_banner(picture) if picture else None
    if not path:
        values["banner_alt"] = ""
    try:
        with write_transaction():
            exhibition = Exhibition(slug=unique_slug(values["title"]), is_published=False, banner_path=path, **values)
            db.session.add(exhibition)
            _flush()
            _record(actor, "exhibition.created", exhibition, after=_snapshot(exhibition))
    except BaseException:
        if path:
            storage.delete_image(path)
        raise
    return exhibition


def update_exhibition(exhibition_id: int, details: ExhibitionDetails, actor, *,
                      banner: bytes | BinaryIO | None = None, remove_banner: bool = False,
                      today: date | None = None) -> bool:
    """Save the exhibition's details (a new banner replaces the old one); False when nothing changed."""
    today = today or kst_today()
    current = db.session.get(Exhibition, exhibition_id)
    if current is None:
        raise ExhibitionNotFound()
    errors: dict[str, str] = {}
    values = _clean(details, errors, today, current)
    keeps_banner = bool(current.banner_path) and not remove_banner
    picture = _checked_banner(banner, values["banner_alt"], errors, keeps_banner=keeps_banner)
    _raise_if(errors)
    path = _store_banner(picture) if picture else None
    old_banner = None
    try:
        with write_transaction():
            exhibition = _locked(exhibition_id)
            before = _snapshot(exhibition)
            for key, value in values.items():
                setattr(exhibition, key, value)
            if path or (remove_banner and exhibition.banner_path):
                old_banner, exhibition.banner_path = exhibition.banner_path, path
            if not exhibition.banner_path:
                exhibition.banner_alt = ""
            if not exhibition.is_published and before["title"] != exhibition.title:
                exhibition.slug = unique_slug(exhibition.title, exclude_id=exhibition.id)
            after = _snapshot(exhibition)
            changed = [key for key in after if after[key] != before[key]]
            if changed:
                _flush()
                _record(actor, "exhibition.updated", exhibition, before={k: before[k] for k in changed},
                        after={k: after[k] for k in changed})
    except BaseException:
        if path:
            storage.delete_image(path)
        raise
    _delete_banner(old_banner)
    return bool(changed)


# --- curated products ------------------------------------------------------------------------------


def _product_number(value, errors: dict) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    text = unicodedata.normalize("NFKC", value).strip().lstrip("#") if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    errors["product_id"] = "추가할 상품 번호를 숫자로 입력하거나, 아래에서 상품을 검색해 골라 주세요."
    return None


def add_product(exhibition_id: int, product_id: int | str | None, actor) -> Product:
    """Put an active product of an approved enterprise at the end of the exhibition."""
    errors: dict[str, str] = {}
    number = _product_number(product_id, errors)
    _raise_if(errors)
    with write_transaction():
        exhibition = _locked(exhibition_id)
        product = db.session.scalar(visible_products().where(Product.id == number))
        if product is None:
            found = db.session.get(Product, number)
            if found is None:
                raise ExhibitionInvalid({"product_id": f"상품 번호 {number}인 상품이 없습니다."})
            why = found.status.label if found.status is not ProductStatus.ACTIVE else "입점기업이 승인 상태가 아님"
            raise ExhibitionInvalid({"product_id": f"'{found.name}'은(는) 장터에서 판매 중인 상품이 아니어서 "
                                                   f"기획전에 넣을 수 없습니다. ({why})"})
        if any(item.product_id == product.id for item in exhibition.items):
            raise ExhibitionInvalid({"product_id": f"'{product.name}'은(는) 이미 이 기획전에 있습니다."})
        if len(exhibition.items) >= MAX_ITEMS:
            raise ExhibitionInvalid({"product_id": f"기획전에는 상품을 {MAX_ITEMS}개까지 넣을 수 있습니다."})
        _renumber(exhibition.items)
        exhibition.items.append(ExhibitionItem(product_id=product.id, position=len(exhibition.items)))
        _record(actor, "exhibition.updated", exhibition, label=product.name, before={"product": None},
                after={"product": f"{product.name} (#{product.id})"})
    return product


def remove_product(exhibition_id: int, product_id: int, actor) -> None:
    """Take a product out of the exhibition, with its options' special prices."""
    with write_transaction():
        exhibition = _locked(exhibition_id)
        item = _item(exhibition, product_id)
        if exhibition.is_published and len(exhibition.items) == 1:
            raise ExhibitionError("공개 중인 기획전에는 상품이 하나 이상 있어야 합니다. "
                                  "다른 상품을 먼저 추가하거나 기획전을 비공개로 바꿔 주세요.", "items")
        product = item.product
        names = {v.id: v.name for v in product.variants}
        dropped = [p for p in exhibition.special_prices if p.variant_id in names]
        for price in dropped:
            exhibition.special_prices.remove(price)
        exhibition.items.remove(item)
        _renumber(exhibition.items)
        _record(actor, "exhibition.updated", exhibition, label=product.name,
                before={"product": f"{product.name} (#{product.id})",
                        "special_prices": _price_note([(names[p.variant_id], p.price_krw) for p in dropped])},
                after={"product": None, "special_prices": None})


def move_product(exhibition_id: int, product_id: int, offset: int, actor) -> bool:
    """Move a product one place earlier (-1) or later (+1); False when it is already at that end."""
    with write_transaction():
        exhibition = _locked(exhibition_id)
        ordered = list(exhibition.items)
        index = ordered.index(_item(exhibition, product_id))
        new_index = min(max(index + (1 if offset > 0 else -1), 0), len(ordered) - 1)
        if new_index == index:
            _renumber(ordered)
            return False
        ordered.insert(new_index, ordered.pop(index))
        _renumber(ordered)
        _record(actor, "exhibition.updated", exhibition, label=ordered[new_index].product.name,
                before={"position": f"{index + 1}번째"}, after={"position": f"{new_index + 1}번째"})
    return True


# --- special prices --------------------------------------------------------------------------------


def _special_price(raw, variant: Variant, errors: dict) -> int | None:
    """The typed special price of an option (None: blank, no special price)."""
    field = f"special_{variant.id}"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        amount = -1
    elif isinstance(raw, int):
        amount = raw
    else:
        try:
            amount = parse_krw(raw)
        except ValueError:
            amount = -1
    if amount < 1:
        errors[field] = (f"'{variant.name}' 특가는 1원 이상의 원 단위 숫자로 입력해 주세요. 예: 9,000 "
                         "(특가를 두지 않으려면 칸을 비워 두세요.)")
    elif amount >= variant.price_krw:
        errors[field] = (f"'{variant.name}' 특가({amount:,}원)는 정가 {variant.price_krw:,}원보다 낮아야 합니다. "
                         "특가를 두지 않으려면 칸을 비워 두세요.")
    else:
        return amount
    return None


def set_special_prices(exhibition_id: int, product_id: int, prices: Mapping[int, int | str | None], actor) -> int:
    """Set (or, when blank, clear) the special prices of a curated product's options, given by option id.
    Each must be a whole number of won strictly below the option's regular price; every option is
    checked before any is saved. Returns how many changed."""
    with write_transaction():
        exhibition = _locked(exhibition_id)
        product = _item(exhibition, product_id).product
        variants = {v.id: v for v in product.variants}
        if any(variant_id not in variants for variant_id in prices):
            raise ExhibitionNotFound("이 상품의 옵션이 아닙니다.")
        errors: dict[str, str] = {}
        wanted = {variant_id: _special_price(raw, variants[variant_id], errors) for variant_id, raw in prices.items()}
        _raise_if(errors)
        existing = {p.variant_id: p for p in exhibition.special_prices if p.variant_id in variants}
        changed = 0
        for variant_id, amount in wanted.items():
            row = existing.get(variant_id)
            was = row.price_krw if row else None
            if was == amount:
                continue
            if amount is None:
                exhibition.special_prices.remove(row)
            elif row is not None:
                row.price_krw = amount
            else:
                exhibition.special_prices.append(ExhibitionPrice(variant_id=variant_id, price_krw=amount))
            _record(actor, "exhibition.price", exhibition, label=f"{product.name} · {variants[variant_id].name}",
                    before={"special_price_krw": was}, after={"special_price_krw": amount})
            changed += 1
    return changed


# --- publishing ------------------------------------------------------------------------------------


def publish(exhibition_id: int, actor) -> bool:
    """Show the exhibition (and let its special prices apply during its period); False if it already is."""
    with write_transaction():
        exhibition = _locked(exhibition_id)
        if exhibition.is_published:
            return False
        if not exhibition.items:
            raise ExhibitionError("상품이 없는 기획전은 공개할 수 없습니다. 상품을 하나 이상 추가해 주세요.", "publish")
        on_sale = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                visible_products().where(Product.id.in_([i.product_id for i in exhibition.items])).subquery()
            )
        )
        if not on_sale:
            raise ExhibitionError("기획전의 상품이 모두 판매 중이 아니어서 공개해도 보일 상품이 없습니다. "
                                  "판매 중인 상품을 추가해 주세요.", "publish")
        exhibition.is_published = True
        _record(actor, "exhibition.published", exhibition, before={"is_published": False},
                after={"is_published": True})
    return True


def unpublish(exhibition_id: int, actor) -> bool:
    """Hide the exhibition; its special prices stop applying at once. False if it was not public."""
    with write_transaction():
        exhibition = _locked(exhibition_id)
        if not exhibition.is_published:
            return False
        exhibition.is_published = False
        _record(actor, "exhibition.unpublished", exhibition, before={"is_published": True},
                after={"is_published": False})
    return True


# --- reading for staff -----------------------------------------------------------------------------


@dataclass
class StaffRow:
    exhibition: Exhibition
    phase: ExhibitionPhase
    item_count: int
    priced_count: int


@dataclass
class StaffPage:
    items: list[StaffRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _phase_filter(stmt, phase: str, today: date):
    if phase == ExhibitionPhase.ONGOING.value:
        return stmt.where(Exhibition.starts_on <= today, Exhibition.ends_on >= today).order_by(
            Exhibition.ends_on, Exhibition.id)
    if phase == ExhibitionPhase.UPCOMING.value:
        return stmt.where(Exhibition.starts_on > today).order_by(Exhibition.starts_on, Exhibition.id)
    if phase == ExhibitionPhase.PAST.value:
        return stmt.where(Exhibition.ends_on < today).order_by(Exhibition.ends_on.desc(), Exhibition.id.desc())
    return stmt.order_by(Exhibition.starts_on.desc(), Exhibition.id.desc())


def list_for_staff(*, phase: str = "", today: date, page: int = 1, per_page: int = 30) -> StaffPage:
    """Every exhibition, published or not, in one phase or all (newest start first): three queries."""
    stmt = _phase_filter(sa.select(Exhibition), phase if phase in PHASE_FILTERS else "", today)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = max(1, min(page, math.ceil(total / per_page) or 1))
    exhibitions = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    ids = [e.id for e in exhibitions]
    items = dict(db.session.execute(
        sa.select(ExhibitionItem.exhibition_id, sa.func.count()).where(ExhibitionItem.exhibition_id.in_(ids))
        .group_by(ExhibitionItem.exhibition_id)).all()) if ids else {}
    priced = dict(db.session.execute(
        sa.select(ExhibitionPrice.exhibition_id, sa.func.count()).where(ExhibitionPrice.exhibition_id.in_(ids))
        .group_by(ExhibitionPrice.exhibition_id)).all()) if ids else {}
    rows = [StaffRow(e, e.phase(today), items.get(e.id, 0), priced.get(e.id, 0)) for e in exhibitions]
    return StaffPage(rows, total, page, per_page)


def phase_counts(today: date) -> dict[str, int]:
    """How many exhibitions each phase filter shows; one query."""
    row = db.session.execute(sa.select(
        sa.func.count(),
        sa.func.count().filter(Exhibition.starts_on > today),
        sa.func.count().filter(Exhibition.ends_on < today),
    ).select_from(Exhibition)).one()
    total, upcoming, past = (n or 0 for n in row)
    return {"": total, ExhibitionPhase.UPCOMING.value: upcoming, ExhibitionPhase.PAST.value: past,
            ExhibitionPhase.ONGOING.value: total - upcoming - past}


def get_for_staff(exhibition_id: int) -> Exhibition | None:
    """The exhibition with its products, their options, enterprise and images, and its special prices."""
    return db.session.scalar(
        sa.select(Exhibition).where(Exhibition.id == exhibition_id).options(
            # each item's product and its enterprise come joined to the items' query
            selectinload(Exhibition.items).joinedload(ExhibitionItem.product).options(
                selectinload(Product.variants), selectinload(Product.images), joinedload(Product.enterprise)),
            selectinload(Exhibition.special_prices),
        )
    )


def special_prices_of(exhibition: Exhibition) -> dict[int, int]:
    """The exhibition's special price per option id."""
    return {p.variant_id: p.price_krw for p in exhibition.special_prices}


def on_sale(product: Product) -> bool:
    """Whether shoppers can see the product (and so the exhibition shows it)."""
    return product.status is ProductStatus.ACTIVE and product.enterprise.status is ApprovalStatus.APPROVED


def search_products(q: str, exhibition_id: int, limit: int = 20) -> list[Product]:
    """Products staff may add: active, from an approved enterprise, not yet in this exhibition; matched by
    name, enterprise name or product number."""
    q = " ".join((q or "").split())[:100]
    if not q:
        return []
    match = Product.name.icontains(q, autoescape=True) | Enterprise.name.icontains(q, autoescape=True)
    number = q.lstrip("#")
    if number.isascii() and number.isdigit() and int(number) <= MAX_ID:
        match = match | (Product.id == int(number))
    curated = sa.select(ExhibitionItem.product_id).where(ExhibitionItem.exhibition_id == exhibition_id)
    stmt = (
        visible_products().where(match, Product.id.not_in(curated))
        .options(selectinload(Product.variants), selectinload(Product.images))
        .order_by(Product.name, Product.id).limit(limit)
    )
    return list(db.session.scalars(stmt))
