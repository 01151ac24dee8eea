"""Enterprises edit their own listings: products, options, bulk prices and images.

Every function takes the enterprise id and treats another enterprise's product as one that does not
exist. The name, summary, description and images of a product that staff have approved change through
its revision and show only once staff approve the change (shop.catalog.review); category, tax type,
order quantity, lead time, origin, options, prices and stock apply at once.
"""
from __future__ import annotations

import html
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import selectinload

from shop.audit import services as audit
from shop.catalog import review
from shop.catalog.listing import ProductPage
from shop.catalog.models import (
    Category,
    PriceTier,
    Product,
    ProductEventKind,
    ProductImage,
    ProductRevision,
    ProductStatus,
    RevisionImage,
    TaxType,
    Variant,
)
from shop.catalog.review import ListingError, locked_product, record
from shop.catalog.services import refresh_listing
from shop.core import storage
from shop.core.cache import stock_of
from shop.core.html import sanitize_html
from shop.core.money import parse_krw
from shop.core.storage import ImageRejected
from shop.core.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from shop.core.transactions import write_transaction
from shop.extensions import db
from shop.search.services import index_products

IMAGE_FOLDER = "products"
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGES = 10
MAX_OPTIONS = 30
MAX_TIERS = 5
MAX_PRICE_KRW = 100_000_000
MAX_STOCK = 1_000_000
MAX_MIN_ORDER_QTY = 10_000
MAX_LEAD_TIME_DAYS = 90
MAX_DESCRIPTION_LENGTH = 20_000
CONTENT_FIELDS = ("name", "summary", "description_html")  # reviewed before they show
FACT_FIELDS = ("category_id", "tax_type", "min_order_qty", "lead_time_days", "origin")  # apply at once
_SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,63}")
_TAG = re.compile(r"<[a-zA-Z/!]")
PENDING_LOCK = ("심사 대기 중인 상품은 수정할 수 없습니다. 심사 요청을 취소한 뒤 수정해 주세요. "
                "(가격·재고는 바로 바꿀 수 있습니다.)")


class ListingInvalid(ListingError):
    """Several fields were refused at once: errors maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field)
        self.errors = errors


@dataclass(frozen=True)
class ProductDetails:
    """A product's fields as typed (numbers may be strings such as "1,000"); the service checks them."""

    category_id: int | str | None = None
    name: str = ""
    summary: str = ""
    description: str = ""  # limited HTML, or plain text (blank lines make paragraphs)
    tax_type: str = TaxType.TAXABLE.value
    min_order_qty: int | str | None = 1
    lead_time_days: int | str | None = 2
    origin: str = ""


@dataclass(frozen=True)
class OptionInput:
    name: str = "기본"
    price_krw: int | str | None = None
    sku: str = ""  # blank: one is made up
    stock: int | str | None = 0
    track_stock: bool = True


# --- checking what was typed -----------------------------------------------------------------------


def _text(value, field: str, label: str, errors: dict, *, max_length: int, min_length: int = 1) -> str:
    text = " ".join(unicodedata.normalize("NFC", value or "").split()) if isinstance(value, str) else ""
    if has_control_characters(text):
        errors[field] = f"{label}: {CONTROL_CHARACTERS_MESSAGE}"
    elif len(text) < min_length:
        errors[field] = f"{label}을(를) 입력해 주세요." if min_length <= 1 else \
            f"{label}은(는) {min_length}자 이상 입력해 주세요."
    elif len(text) > max_length:
        errors[field] = f"{label}은(는) {max_length:,}자 이하로 입력해 주세요. (지금 {len(text):,}자)"
    return text


def _number(value, field: str, label: str, errors: dict, *, low: int, high: int, unit: str = "") -> int | None:
    if isinstance(value, bool):
        value = None
    if isinstance(value, str):
        raw = unicodedata.normalize("NFKC", value).strip().replace(",", "").removesuffix(unit).strip()
        value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else (raw or None)
    if value is None:
        errors[field] = f"{label}을(를) 입력해 주세요."
    elif not isinstance(value, int) or not low <= value <= high:
        errors[field] = f"{label}은(는) {low:,}~{high:,}{unit} 사이의 숫자로 입력해 주세요."
    else:
        return value
    return None


def _price(value, field: str, label: str, errors: dict) -> int | None:
    if isinstance(value, str):
        try:
            value = parse_krw(value)
        except ValueError as exc:
            errors[field] = f"{label}: {exc}"
            return None
    return _number(value, field, label, errors, low=1, high=MAX_PRICE_KRW, unit="원")


def description_html(text: str | None) -> str:
    """Sanitised HTML from what was typed: limited HTML as it is, plain text as paragraphs."""
    text = (text or "").replace("\r\n", "\n").strip()
    if text and not _TAG.search(text):
        paragraphs = (p.strip() for p in re.split(r"\n\s*\n", text))
        text = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs if p)
    return sanitize_html(text)


_PLAIN_PARAGRAPHS = re.compile(r"(?:<p>[^<]*(?:<br>[^<]*)*</p>)+")


def editable_description(stored_html: str) -> str:
    """The description as it goes back into the form: text typed as plain paragraphs comes back as
    that text (description_html of it gives the same HTML again), anything else as its HTML."""
    if not _PLAIN_PARAGRAPHS.fullmatch(stored_html or ""):
        return stored_html or ""
    paragraphs = re.findall(r"<p>(.*?)</p>", stored_html)
    return "\n\n".join(html.unescape(p.replace("<br>", "\n")) for p in paragraphs)


def _clean_details(details: ProductDetails, errors: dict) -> dict:
    values = {
        "name": _text(details.name, "name", "상품명", errors, min_length=2, max_length=120),
        "summary": _text(details.summary, "summary", "한 줄 소개", errors, min_length=0, max_length=300),
        "description_html": description_html(details.description),
        "min_order_qty": _number(details.min_order_qty, "min_order_qty", "최소 주문 수량", errors,
                                 low=1, high=MAX_MIN_ORDER_QTY, unit="개"),
        "lead_time_days": _number(details.lead_time_days, "lead_time_days", "출고 소요일", errors,
                                  low=0, high=MAX_LEAD_TIME_DAYS, unit="일"),
        "origin": _text(details.origin, "origin", "원산지", errors, max_length=80),
    }
    if len(values["description_html"]) > MAX_DESCRIPTION_LENGTH:
        errors["description"] = f"상세 설명은 {MAX_DESCRIPTION_LENGTH:,}자 이하로 입력해 주세요."
    try:
        values["tax_type"] = TaxType(details.tax_type)
    except ValueError:
        errors["tax_type"] = "과세 또는 면세를 골라 주세요."
    category = None
    category_id = str(details.category_id or "")
    if category_id.isascii() and category_id.isdigit() and len(category_id) <= 9:  # int() refuses "²"; fits INTEGER
        category = db.session.get(Category, int(category_id))
    if category is None:
        errors["category_id"] = "카테고리를 골라 주세요."
    elif category.children:
        errors["category_id"] = f"'{category.name}'의 세부 카테고리를 골라 주세요."
    else:
        values["category_id"] = category.id
    return values


def _clean_option(option: OptionInput, errors: dict) -> dict:
    sku = (option.sku or "").strip()
    if sku and not _SKU.fullmatch(sku):
        errors["sku"] = "SKU는 영문, 숫자, 점(.), 밑줄(_), 하이픈(-)으로 64자 이내로 입력해 주세요."
    values = {
        "name": _text(option.name, "option_name", "옵션 이름", errors, max_length=100),
        "price_krw": _price(option.price_krw, "price_krw", "판매가", errors),
        "sku": sku,
        "track_stock": bool(option.track_stock),
        "stock": 0,
    }
    if option.track_stock or option.stock not in (None, ""):
        values["stock"] = _number(option.stock, "stock", "재고", errors, low=0, high=MAX_STOCK, unit="개")
    return values


def _raise_if(errors: dict) -> None:
    if errors:
        raise ListingInvalid(errors)


# --- images --------------------------------------------------------------------------------------

_SIGNATURES = (("JPEG", b"\xff\xd8\xff"), ("PNG", b"\x89PNG\r\n\x1a\n"))


def _sniffed_format(data: bytes) -> str | None:
    for image_format, magic in _SIGNATURES:
        if data.startswith(magic):
            return image_format
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def checked_image(source: bytes | BinaryIO) -> Image.Image:
    """The decoded picture of an upload whose bytes really are a JPEG, PNG or WebP of at most 5 MB and
    sane dimensions (a decompression bomb is refused before it is decoded). Raises ImageRejected."""
    data = source if isinstance(source, bytes) else source.read(MAX_IMAGE_BYTES + 1)
    if not data:
        raise ImageRejected("이미지 파일을 선택해 주세요.")
    image_format = _sniffed_format(data)
    if image_format is None:
        if b"<svg" in data[:4096].lower():
            raise ImageRejected("SVG 파일은 올릴 수 없습니다. JPG, PNG, WebP 이미지로 저장해서 올려 주세요.")
        raise ImageRejected("JPG, PNG, WebP 이미지만 올릴 수 있습니다. "
                            "파일 이름만 바꾼 다른 형식의 파일은 올릴 수 없습니다.")
    image = storage.open_image(data, max_bytes=MAX_IMAGE_BYTES)
    if image.format != image_format:
        raise ImageRejected("이미지 파일이 아니거나 손상된 파일입니다. JPG, PNG, WebP 이미지를 올려 주세요.")
    return image


def store_image(image: Image.Image, **kwargs) -> str:
    """Re-encode the checked picture (pixels only: no EXIF, no comments) with its thumbnail."""
    return storage.save_image(image, IMAGE_FOLDER, **kwargs)


def _copy_stored_image(path: str) -> str | None:
    """A copy of a stored image (and its thumbnail) under a new name, or None if the file is gone."""
    try:
        source = storage.resolve(path)
    except ValueError:
        return None
    if not source.is_file():
        return None
    copy = f"{IMAGE_FOLDER}/{secrets.token_hex(12)}{source.suffix}"
    target = storage.resolve(copy)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    thumb = storage.resolve(storage.thumbnail_path(path))
    if thumb.is_file():
        shutil.copyfile(thumb, storage.resolve(storage.thumbnail_path(copy)))
    return copy


def _alt(value, errors: dict, field: str = "image_alt") -> str:
    return _text(value, field, "이미지 설명(대체 텍스트)", errors, min_length=2, max_length=200)


# --- reading ---------------------------------------------------------------------------------------

STATUS_FILTERS = {
    "": "전체",
    ProductStatus.DRAFT.value: ProductStatus.DRAFT.label,
    ProductStatus.PENDING_REVIEW.value: ProductStatus.PENDING_REVIEW.label,
    ProductStatus.ACTIVE.value: ProductStatus.ACTIVE.label,
    ProductStatus.HIDDEN.value: ProductStatus.HIDDEN.label,
    ProductStatus.SUSPENDED.value: ProductStatus.SUSPENDED.label,
    "changes": "변경사항 있음",
}


def list_products(enterprise_id: int, *, status: str = "", q: str = "", page: int = 1,
                  per_page: int = 20) -> ProductPage:
    """This enterprise's products, newest change first, by status ("changes": those with a revision)."""
    stmt = sa.select(Product).where(Product.enterprise_id == enterprise_id)
    if status == "changes":
        stmt = stmt.where(Product.revision.has())
    elif status in STATUS_FILTERS and status:
        stmt = stmt.where(Product.status == ProductStatus(status))
    q = " ".join(q.split())[:100]
    if q:
        stmt = stmt.where(Product.name.icontains(q, autoescape=True)
                          | Product.variants.any(Variant.sku.icontains(q, autoescape=True)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(
        stmt.order_by(Product.updated_at.desc(), Product.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
        .options(selectinload(Product.images), selectinload(Product.variants), selectinload(Product.revision))
    )
    return ProductPage(list(items), {}, total, page, per_page)  # the console shows regular prices


def status_counts(enterprise_id: int) -> dict[str, int]:
    """How many of this enterprise's products each filter shows (for the filter chips)."""
    mine = Product.enterprise_id == enterprise_id
    counts = {s.value: n for s, n in db.session.execute(
        sa.select(Product.status, sa.func.count()).where(mine).group_by(Product.status))}
    counts["changes"] = db.session.scalar(
        sa.select(sa.func.count()).select_from(ProductRevision).join(Product).where(mine)) or 0
    counts[""] = sum(n for key, n in counts.items() if key != "changes")
    return counts


def sub_categories() -> list[tuple[Category, list[Category]]]:
    """The categories a product can be in, grouped under their top category."""
    tops = db.session.scalars(
        sa.select(Category).where(Category.parent_id.is_(None)).order_by(Category.position, Category.id)
        .options(selectinload(Category.children)))
    return [(top, list(top.children) or [top]) for top in tops]


# --- creating and editing --------------------------------------------------------------------------


def _new_slug(category_id: int) -> str:
    prefix = db.session.scalar(sa.select(Category.slug).where(Category.id == category_id))
    while True:
        slug = f"{prefix}-{secrets.token_hex(4)}"
        if not db.session.scalar(sa.select(sa.exists().where(Product.slug == slug))):
            return slug


def _free_sku(enterprise_id: int, sku: str, variant_id: int | None = None) -> str:
    """`sku`, checked to be unused (SKUs are unique across the mall), or a new one when blank."""
    if not sku:
        while True:
            sku = f"HK{enterprise_id}-{secrets.token_hex(3).upper()}"
            if not db.session.scalar(sa.select(sa.exists().where(Variant.sku == sku))):
                return sku
    holder = db.session.execute(
        sa.select(Variant.id, Product.enterprise_id, Product.name).join(Product).where(Variant.sku == sku)
    ).first()
    if holder is not None and holder.id != variant_id:
        if holder.enterprise_id == enterprise_id:
            raise ListingInvalid({"sku": f"SKU '{sku}'는 '{holder.name}' 상품의 옵션에서 이미 쓰고 있습니다."})
        raise ListingInvalid({"sku": f"SKU '{sku}'는 쓸 수 없습니다. 다른 SKU를 입력하거나 비워 두세요."})
    return sku


def _flush_options() -> None:
    """Flush; a SKU taken at the same moment by someone else surfaces as the unique index refusing it."""
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        if "sku" not in str(exc.orig).lower():
            raise
        raise ListingInvalid({"sku": "같은 SKU가 방금 다른 옵션에 등록되었습니다. 다른 SKU를 입력해 주세요."}) from exc


def create_product(enterprise_id: int, details: ProductDetails, option: OptionInput, actor, *,
                   image: bytes | BinaryIO | None = None, image_alt: str = "") -> Product:
    """A new draft product with its first option (and, optionally, its first image)."""
    errors: dict[str, str] = {}
    values = _clean_details(details, errors)
    first = _clean_option(option, errors)
    picture = alt = None
    if image:
        alt = _alt(image_alt, errors)
        try:
            picture = checked_image(image)
        except ImageRejected as exc:
            errors["image"] = str(exc)
    _raise_if(errors)
    path = store_image(picture) if picture else None
    try:
        with write_transaction():
            first["sku"] = _free_sku(enterprise_id, first["sku"])
            product = Product(enterprise_id=enterprise_id, slug=_new_slug(values["category_id"]),
                              status=ProductStatus.DRAFT, **values)
            product.variants.append(Variant(position=0, **first))
            if path:
                product.images.append(ProductImage(path=path, alt=alt, position=0))
            refresh_listing(product)
            db.session.add(product)
            _flush_options()
            index_products([product])
            record(product, ProductEventKind.CREATED, actor)
    except BaseException:
        if path:
            storage.delete_image(path)
        raise
    return product


def _content_target(product: Product) -> Product | ProductRevision:
    """Where edits of name, summary, description and images go: the draft product itself, or the
    revision of an approved one (begun on first use)."""
    if product.status is ProductStatus.DRAFT:
        return product
    if product.status is ProductStatus.PENDING_REVIEW:
        raise ListingError(PENDING_LOCK)
    return review.start_revision(product)


def _settle(product: Product) -> None:
    """A revision edited back to what is live is no change at all: drop it."""
    if product.revision is not None and not review.has_changes(product.revision):
        product.revision = None


@dataclass(frozen=True)
class DetailsSaved:
    applied: bool  # something changed at once
    for_review: bool  # name, summary or description now differ from what is live, awaiting review


def update_details(enterprise_id: int, product_id: int, details: ProductDetails, actor) -> DetailsSaved:
    errors: dict[str, str] = {}
    values = _clean_details(details, errors)
    _raise_if(errors)
    with write_transaction():
        product = locked_product(product_id, enterprise_id)
        working = product.revision or product
        content = {k: values[k] for k in CONTENT_FIELDS if values[k] != getattr(working, k)}
        facts = {k: values[k] for k in FACT_FIELDS if values[k] != getattr(product, k)}
        if product.status is ProductStatus.PENDING_REVIEW and (content or facts):
            raise ListingError(PENDING_LOCK)
        if content:
            target = _content_target(product)
            for key, value in content.items():
                setattr(target, key, value)
            _settle(product)
        for key, value in facts.items():
            setattr(product, key, value)
        db.session.flush()
        if "category_id" in facts or (product.status is ProductStatus.DRAFT and content):
            db.session.expire(product, ["category"])
            index_products([product])
        for_review = product.revision is not None and review.has_changes(product.revision)
    return DetailsSaved(applied=bool(facts) or (bool(content) and not for_review), for_review=for_review)


def duplicate_product(enterprise_id: int, product_id: int, actor) -> Product:
    """A new draft copied from a product as the console shows it (pending changes included): options
    with new SKUs and no stock (the copy is a different thing on the shelf), bulk prices, copied images."""
    copied: list[str] = []
    try:
        with write_transaction():
            source = locked_product(product_id, enterprise_id)
            content = source.revision or source
            name = f"{content.name} (복사본)"
            copy = Product(
                enterprise_id=enterprise_id, category_id=source.category_id, slug=_new_slug(source.category_id),
                name=name if len(name) <= 120 else content.name, summary=content.summary,
                description_html=content.description_html, tax_type=source.tax_type,
                min_order_qty=source.min_order_qty, lead_time_days=source.lead_time_days, origin=source.origin,
                status=ProductStatus.DRAFT,
            )
            for v in source.variants:
                copy.variants.append(Variant(
                    name=v.name, price_krw=v.price_krw, sku=_free_sku(enterprise_id, ""), stock=0,
                    track_stock=v.track_stock, position=v.position,
                    price_tiers=[PriceTier(min_qty=t.min_qty, unit_price_krw=t.unit_price_krw) for t in v.price_tiers],
                ))
            for image in content.images:
                path = _copy_stored_image(image.path)
                if path:
                    copied.append(path)
                    copy.images.append(ProductImage(path=path, alt=image.alt, position=len(copy.images)))
            refresh_listing(copy)
            db.session.add(copy)
            _flush_options()
            index_products([copy])
            record(copy, ProductEventKind.CREATED, actor, f"'{source.name}' 상품을 복제")
    except BaseException:
        for path in copied:
            storage.delete_image(path)
        raise
    return copy


# --- options, prices and stock (applied at once) ----------------------------------------------------


def _variant_of(product: Product, variant_id: int) -> Variant:
    for variant in product.variants:
        if variant.id == variant_id:
            return variant
    raise review.ProductNotFound()


def add_option(enterprise_id: int, product_id: int, option: OptionInput, actor) -> Variant:
    errors: dict[str, str] = {}
    values = _clean_option(option, errors)
    _raise_if(errors)
    with write_transaction():
        product = locked_product(product_id, enterprise_id)
        if len(product.variants) >= MAX_OPTIONS:
            raise ListingError(f"옵션은 {MAX_OPTIONS}개까지 만들 수 있습니다.")
        values["sku"] = _free_sku(enterprise_id, values["sku"])
        variant = Variant(position=max(v.position for v in product.variants) + 1, **values)
        product.variants.append(variant)
        _flush_options()
        refresh_listing(product)
        record(product, ProductEventKind.OPTION_ADDED, actor, f"{variant.name} {variant.price_krw:,}원")
    return variant


def update_option(enterprise_id: int, product_id: int, variant_id: int, option: OptionInput, actor, *,
                  stock_seen: int | str | None) -> None:
    """Change an option; its price and stock apply at once, and either all of it applies or none.

    Stock is set with a compare-and-set: `UPDATE variant SET stock = :new WHERE stock = :seen`, where
    `seen` is the stock the form showed. An order placed meanwhile has already taken its units with its
    own conditional UPDATE, so the row no longer says `seen` and the change is refused with the current
    figure instead of overwriting it: a sold unit is never put back on sale, nor is a sale lost. (A
    relative `stock = stock + (new - seen)` would also keep the sale, but would silently set a figure
    the person never saw.)"""
    errors: dict[str, str] = {}
    values = _clean_option(option, errors)
    seen = _number(stock_seen, "stock", "재고", errors, low=0, high=MAX_STOCK, unit="개") if values["track_stock"] \
        else None
    _raise_if(errors)
    with write_transaction():
        # Orders lock the option row (taking stock) and then the product (its sold-out flag); taking
        # the locks in that same order here keeps a stock edit and an order from deadlocking.
        db.session.execute(sa.select(Variant.id).where(Variant.id == variant_id).with_for_update())
        product = locked_product(product_id, enterprise_id)
        variant = _variant_of(product, variant_id)
        values["sku"] = _free_sku(enterprise_id, values["sku"] or variant.sku, variant.id)
        if values["price_krw"] != variant.price_krw:
            record(product, ProductEventKind.PRICE_CHANGED, actor,
                   f"{variant.name}: {variant.price_krw:,}원 → {values['price_krw']:,}원")
            audit_price_change(actor, product, variant, values["price_krw"])
        new_stock = values.pop("stock")
        for key, value in values.items():
            setattr(variant, key, value)
        _flush_options()
        if seen is not None and new_stock != seen:
            result = db.session.execute(
                sa.update(Variant).where(Variant.id == variant.id, Variant.stock == seen).values(stock=new_stock)
                .execution_options(synchronize_session=False, **stock_of((product.id,)))
            )
            if result.rowcount != 1:
                now = db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant.id))
                raise ListingInvalid({"stock": f"그 사이 주문 등으로 '{variant.name}'의 재고가 {now:,}개로 "
                                               "바뀌었습니다. 확인한 뒤 다시 입력해 주세요."})
            db.session.expire(variant, ["stock"])
            record(product, ProductEventKind.STOCK_SET, actor, f"{variant.name}: {seen:,}개 → {new_stock:,}개")
        refresh_listing(product)


def remove_option(enterprise_id: int, product_id: int, variant_id: int, actor) -> None:
    """Orders keep their own copy of the option, so removing it changes no order."""
    with write_transaction():
        product = locked_product(product_id, enterprise_id)
        variant = _variant_of(product, variant_id)
        if len(product.variants) == 1:
            raise ListingError("상품에는 옵션이 하나 이상 있어야 합니다. 다른 옵션을 먼저 추가해 주세요.")
        product.variants.remove(variant)
        refresh_listing(product)
        record(product, ProductEventKind.OPTION_REMOVED, actor, variant.name)


def audit_price_change(actor, product: Product, variant: Variant, new_price: int) -> None:
    audit.record(actor, "variant.price", "variant", variant.id, f"{product.name} · {variant.name}",
                 before={"price_krw": variant.price_krw}, after={"price_krw": new_price})


def set_price_tiers(enterprise_id: int, product_id: int, variant_id: int,
                    rows: list[tuple[int | str | None, int | str | None]], actor) -> None:
    """Replace an option's bulk prices with `rows` of (from quantity, unit price); blank rows are skipped.
    Each must be cheaper than the option's price, and a larger quantity never costs more per unit."""
    tiers: dict[int, int] = {}
    errors: dict[str, str] = {}
    for n, (qty, price) in enumerate(rows, start=1):
        if str(qty or "").strip() == "" and str(price or "").strip() == "":
            continue
        qty = _number(qty, "tiers", f"{n}번째 줄의 수량", errors, low=2, high=MAX_STOCK, unit="개")
        price = _price(price, "tiers", f"{n}번째 줄의 단가", errors)
        if errors:
            break
        if qty in tiers:
            errors["tiers"] = f"{qty:,}개 이상 단가가 두 번 있습니다."
            break
        tiers[qty] = price
    if len(tiers) > MAX_TIERS:
        errors.setdefault("tiers", f"대량 구매가는 {MAX_TIERS}단계까지 정할 수 있습니다.")
    _raise_if(errors)
    with write_transaction():
        product = locked_product(product_id, enterprise_id)
        variant = _variant_of(product, variant_id)
        ordered = sorted(tiers.items())
        for qty, price in ordered:
            if price >= variant.price_krw:
                raise ListingInvalid({"tiers": f"{qty:,}개 이상 단가({price:,}원)는 판매가 "
                                               f"{variant.price_krw:,}원보다 낮아야 합니다."})
        if any(later[1] > earlier[1] for earlier, later in zip(ordered, ordered[1:])):
            raise ListingInvalid({"tiers": "수량이 많을수록 단가가 같거나 낮아야 합니다."})
        before = {f"{t.min_qty}개 이상": t.unit_price_krw for t in variant.price_tiers}
        variant.price_tiers.clear()
        db.session.flush()  # the old rows go before new ones reuse their (option, quantity)
        variant.price_tiers.extend(PriceTier(min_qty=q, unit_price_krw=p) for q, p in ordered)
        note = ", ".join(f"{q:,}개 이상 {p:,}원" for q, p in ordered) or "없음"
        record(product, ProductEventKind.PRICE_CHANGED, actor, f"{variant.name} 대량 구매가: {note}")
        audit.record(actor, "variant.tiers", "variant", variant.id, f"{product.name} · {variant.name}",
                     before=before, after={f"{q}개 이상": p for q, p in ordered})


# --- images (reviewed, like the text, once a product has been approved) -----------------------------


def _image_at(target: Product | ProductRevision, path: str):
    for image in target.images:
        if image.path == path:
            return image
    raise ListingError("이미지를 찾을 수 없습니다. 새로고침한 뒤 다시 시도해 주세요.")


def _renumber(images: list) -> None:
    for position, image in enumerate(images):
        image.position = position


def add_image(enterprise_id: int, product_id: int, image: bytes | BinaryIO | None, alt: str, actor) -> None:
    errors: dict[str, str] = {}
    alt = _alt(alt, errors)
    try:
        picture = checked_image(image or b"")
    except ImageRejected as exc:
        errors["image"] = str(exc)
    _raise_if(errors)
    path = store_image(picture)
    try:
        with write_transaction():
            target = _content_target(locked_product(product_id, enterprise_id))
            if len(target.images) >= MAX_IMAGES:
                raise ListingInvalid({"image": f"이미지는 {MAX_IMAGES}장까지 올릴 수 있습니다."})
            row = ProductImage if isinstance(target, Product) else RevisionImage
            target.images.append(row(path=path, alt=alt, position=len(target.images)))
    except BaseException:
        storage.delete_image(path)
        raise


def set_image_alt(enterprise_id: int, product_id: int, path: str, alt: str, actor) -> None:
    errors: dict[str, str] = {}
    alt = _alt(alt, errors, "alt")
    _raise_if(errors)
    with write_transaction():
        product = locked_product(product_id, enterprise_id)
        _image_at(_content_target(product), path).alt = alt
        _settle(product)


def move_image(enterprise_id: int, product_id: int, path: str, offset: int, actor) -> None:
    """Move an image one place earlier (-1) or later (+1); the first image is the one in listings."""
    with write_transaction():
        product = locked_product(product_id, enterprise_id)
        target = _content_target(product)
        images = target.images
        index = images.index(_image_at(target, path))
        new_index = min(max(index + offset, 0), len(images) - 1)
        images.insert(new_index, images.pop(index))
        _renumber(images)
        _settle(product)


def delete_image(enterprise_id: int, product_id: int, path: str, actor) -> None:
    with write_transaction():
        product = locked_product(product_id, enterprise_id)
        target = _content_target(product)
        target.images.remove(_image_at(target, path))
        _renumber(target.images)
        _settle(product)
    review.delete_unreferenced_images([path])
