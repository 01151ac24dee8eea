"""The review of listings: this module owns the product's state machine and its history.

A new product is a draft until its enterprise submits it; staff approve it (it goes on sale) or send it
back to draft with a reason the enterprise reads in the console. An approved product is hidden and
shown again by its enterprise.

A product that has been approved keeps selling as it was while changes to its name, summary,
description or images wait in its ProductRevision: drafted, submitted, then approved (copied onto the
product, and the revision deleted) or rejected with a reason (editing it again makes it a draft).
Prices and stock are not reviewed: shop.catalog.editing applies them at once.

Every change to a product's listing, here and in editing, starts by locking the product row (SQLite's
BEGIN IMMEDIATE already serialises writers), so a decision and an edit never interleave; every move
is checked against the tables below and recorded as a ProductEvent.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from shop.accounts.models import Role, User
from shop.audit import services as audit
from shop.catalog.models import (
    Product,
    ProductEvent,
    ProductEventKind,
    ProductImage,
    ProductRevision,
    ProductStatus,
    RevisionImage,
    RevisionStatus,
    Variant,
)
from shop.core import storage
from shop.core.approval import clean_reason
from shop.core.errors import RuleError
from shop.core.html import html_to_text
from shop.core.transactions import write_transaction
from shop.extensions import db
from shop.models_base import utcnow
from shop.search.services import index_products

ENTERPRISE, STAFF = "입점기업", "지원센터"

PRODUCT_TRANSITIONS: dict[ProductStatus, set[ProductStatus]] = {
    ProductStatus.DRAFT: {ProductStatus.PENDING_REVIEW},                       # submit
    ProductStatus.PENDING_REVIEW: {ProductStatus.ACTIVE, ProductStatus.DRAFT},  # approve; reject, withdraw
    ProductStatus.ACTIVE: {ProductStatus.HIDDEN},                              # hide
    ProductStatus.HIDDEN: {ProductStatus.ACTIVE},                              # show
}
# Staff may stop the sale of any listing on the shop, and only staff lift it (back to on sale).
STAFF_TRANSITIONS: dict[ProductStatus, set[ProductStatus]] = {
    ProductStatus.ACTIVE: {ProductStatus.SUSPENDED},
    ProductStatus.HIDDEN: {ProductStatus.SUSPENDED},
    ProductStatus.SUSPENDED: {ProductStatus.ACTIVE},
}
_AUDITED_MOVES = {ProductEventKind.APPROVED: "product.approved", ProductEventKind.REJECTED: "product.rejected",
                  ProductEventKind.SUSPENDED: "product.suspended", ProductEventKind.REINSTATED: "product.reinstated"}
# Approving a pending revision applies it and deletes it, so "approved" is not a state it stays in.
REVISION_TRANSITIONS: dict[RevisionStatus, set[RevisionStatus]] = {
    RevisionStatus.DRAFT: {RevisionStatus.PENDING},                            # submit
    RevisionStatus.PENDING: {RevisionStatus.DRAFT, RevisionStatus.REJECTED},   # withdraw; reject
    RevisionStatus.REJECTED: {RevisionStatus.DRAFT},                           # edited again
}
CHANGED_MEANWHILE = "방금 다른 곳에서 상품 상태가 바뀌었습니다. 새로고침한 뒤 다시 확인해 주세요."


class ListingError(RuleError):
    """A refused change to a listing; the message is for the user."""


class ProductNotFound(ListingError):
    """No such product in this enterprise (another enterprise's product does not exist for it)."""

    def __init__(self):
        super().__init__("상품을 찾을 수 없습니다.")


# --- finding and locking ---------------------------------------------------------------------------


def own_product(enterprise_id: int, product_id: int) -> Product | None:
    """This enterprise's product with everything the console shows, or None (also for another's)."""
    return db.session.scalar(
        sa.select(Product)
        .where(Product.id == product_id, Product.enterprise_id == enterprise_id)
        .options(
            selectinload(Product.variants).selectinload(Variant.price_tiers),
            selectinload(Product.images),
            joinedload(Product.revision).selectinload(ProductRevision.images),
            joinedload(Product.category),
        )
    )


def locked_product(product_id: int, enterprise_id: int | None = None) -> Product:
    """Inside a write transaction: the product row, locked and read afresh; scoped to `enterprise_id`
    when given (staff pass None). Raises ProductNotFound."""
    stmt = sa.select(Product).where(Product.id == product_id)
    if enterprise_id is not None:
        stmt = stmt.where(Product.enterprise_id == enterprise_id)
    product = db.session.scalar(stmt.with_for_update().execution_options(populate_existing=True))
    if product is None:
        raise ProductNotFound()
    return product


def record(product: Product, kind: ProductEventKind, actor: User | None, note: str = "") -> None:
    label = STAFF if actor is not None and actor.role is Role.ADMIN else ENTERPRISE
    db.session.add(ProductEvent(product_id=product.id, kind=kind, actor_id=actor.id if actor else None,
                                actor_label=label, note=note[:500]))


def history(product: Product, *, limit: int = 20) -> list[ProductEvent]:
    return list(db.session.scalars(
        sa.select(ProductEvent).where(ProductEvent.product_id == product.id)
        .order_by(ProductEvent.created_at.desc(), ProductEvent.id.desc()).limit(limit)
    ))


# --- the moves -------------------------------------------------------------------------------------


def _move(product: Product, to: ProductStatus, kind: ProductEventKind, actor: User, note: str = "", *,
          table: dict[ProductStatus, set[ProductStatus]] = PRODUCT_TRANSITIONS) -> None:
    was = product.status
    if to not in table.get(was, set()):
        raise ListingError(f"'{was.label}' 상태의 상품은 '{to.label}' 상태로 바꿀 수 없습니다.")
    product.status = to
    record(product, kind, actor, note)
    audit.record(actor, _AUDITED_MOVES.get(kind, "product.status"), "product", product.id, product.name,
                 before={"status": was}, after={"status": to}, reason=note or None)


def _move_revision(revision: ProductRevision, to: RevisionStatus) -> None:
    if to not in REVISION_TRANSITIONS[revision.status]:
        raise ListingError(f"'{revision.status.label}' 상태의 변경사항은 '{to.label}' 상태로 바꿀 수 없습니다.")
    revision.status = to


def _require_staff(actor: User) -> None:
    if actor is None or actor.role is not Role.ADMIN:
        raise ListingError("상품 심사는 지원센터 담당자만 할 수 있습니다.")


def _missing_for_review(description_html: str, images: list) -> str | None:
    if not images:
        return "상품 이미지를 한 장 이상 올린 뒤 심사를 요청해 주세요."
    if not html_to_text(description_html):
        return "상품 설명을 입력한 뒤 심사를 요청해 주세요."
    return None


# new products

def submit_product(enterprise_id: int, product_id: int, actor: User) -> None:
    """draft → pending_review: the enterprise asks staff to put a new product on sale."""
    with write_transaction():
        product = locked_product(product_id, enterprise_id)
        missing = _missing_for_review(product.description_html, product.images)
        if missing and product.status is ProductStatus.DRAFT:
            raise ListingError(missing)
        _move(product, ProductStatus.PENDING_REVIEW, ProductEventKind.SUBMITTED, actor)
        product.submitted_at = utcnow()


def withdraw_product(enterprise_id: int, product_id: int, actor: User) -> None:
    """pending_review → draft, by the enterprise (to edit it before staff look)."""
    with write_transaction():
        product = locked_product(product_id, enterprise_id)
        if product.status is not ProductStatus.PENDING_REVIEW:
            raise ListingError("심사 대기 중인 상품만 심사 요청을 취소할 수 있습니다.")
        _move(product, ProductStatus.DRAFT, ProductEventKind.WITHDRAWN, actor)


def approve_product(product: Product, staff: User) -> None:
    """pending_review → active: staff put a new product on sale."""
    _require_staff(staff)
    with write_transaction():
        product = locked_product(product.id)
        if product.status is not ProductStatus.PENDING_REVIEW:
            raise ListingError(f"심사 대기 중인 상품이 아닙니다 (현재 상태: {product.status.label}).")
        _move(product, ProductStatus.ACTIVE, ProductEventKind.APPROVED, staff)
        product.review_reason = None


def reject_product(product: Product, staff: User, reason: str) -> None:
    """pending_review → draft with a reason, which the enterprise reads in the console."""
    _require_staff(staff)
    reason = clean_reason(reason, required=True, error=ListingError)
    with write_transaction():
        product = locked_product(product.id)
        if product.status is not ProductStatus.PENDING_REVIEW:
            raise ListingError(f"심사 대기 중인 상품이 아닙니다 (현재 상태: {product.status.label}).")
        _move(product, ProductStatus.DRAFT, ProductEventKind.REJECTED, staff, reason)
        product.review_reason = reason


# selling products

def hide_product(enterprise_id: int, product_id: int, actor: User) -> None:
    """active → hidden: off the shop (and out of carts' reach) until shown again."""
    with write_transaction():
        product = locked_product(product_id, enterprise_id)
        _move(product, ProductStatus.HIDDEN, ProductEventKind.HIDDEN, actor)


def show_product(enterprise_id: int, product_id: int, actor: User) -> None:
    """hidden → active: the approved listing goes back on sale as it was (pending changes still wait)."""
    with write_transaction():
        product = locked_product(product_id, enterprise_id)
        if product.status is ProductStatus.SUSPENDED:
            raise ListingError("지원센터가 판매를 중지한 상품입니다. 사유를 해결한 뒤 지원센터에 재개를 요청해 주세요.")
        _move(product, ProductStatus.ACTIVE, ProductEventKind.SHOWN, actor)


# staff stop and resume a sale

def suspend_product(product: Product, staff: User, reason: str) -> None:
    """On sale or hidden → suspended, with a reason the enterprise reads; only staff lift it."""
    _require_staff(staff)
    reason = clean_reason(reason, required=True, error=ListingError)
    with write_transaction():
        product = locked_product(product.id)
        _move(product, ProductStatus.SUSPENDED, ProductEventKind.SUSPENDED, staff, reason, table=STAFF_TRANSITIONS)
        product.suspension_reason = reason


def reinstate_product(product: Product, staff: User) -> None:
    _require_staff(staff)
    with write_transaction():
        product = locked_product(product.id)
        _move(product, ProductStatus.ACTIVE, ProductEventKind.REINSTATED, staff, table=STAFF_TRANSITIONS)
        product.suspension_reason = None


# changes to an approved product

def has_changes(revision: ProductRevision) -> bool:
    """Whether the revision differs from the live product in anything a shopper would see."""
    live = revision.product
    return (
        (revision.name, revision.summary, revision.description_html) != (live.name, live.summary, live.description_html)
        or [(i.path, i.alt) for i in revision.images] != [(i.path, i.alt) for i in live.images]
    )


def start_revision(product: Product) -> ProductRevision:
    """The product's revision to edit, begun from the live listing if there is none; refuses while
    one waits for staff. A rejected revision becomes a draft again (its reason stays until resubmitted)."""
    revision = product.revision
    if revision is None:
        revision = ProductRevision(
            name=product.name, summary=product.summary, description_html=product.description_html,
            images=[RevisionImage(path=i.path, alt=i.alt, position=i.position) for i in product.images],
        )
        product.revision = revision
    elif revision.status is RevisionStatus.PENDING:
        raise ListingError("심사 대기 중인 변경사항이 있어 수정할 수 없습니다. "
                           "변경 심사 요청을 취소한 뒤 수정해 주세요.")
    elif revision.status is RevisionStatus.REJECTED:
        _move_revision(revision, RevisionStatus.DRAFT)
    return revision


def _pending_revision(product: Product) -> ProductRevision:
    revision = product.revision
    if revision is None or revision.status is not RevisionStatus.PENDING:
        raise ListingError("심사 대기 중인 변경사항이 없습니다.")
    return revision


def submit_changes(enterprise_id: int, product_id: int, actor: User) -> None:
    """The revision, draft → pending: staff will look at it; the product keeps selling meanwhile."""
    with write_transaction():
        product = locked_product(product_id, enterprise_id)
        revision = product.revision
        if revision is None or not has_changes(revision):
            raise ListingError("심사를 요청할 변경사항이 없습니다.")
        missing = _missing_for_review(revision.description_html, revision.images)
        if missing:
            raise ListingError(missing)
        _move_revision(revision, RevisionStatus.PENDING)
        revision.submitted_at = utcnow()
        record(product, ProductEventKind.CHANGES_SUBMITTED, actor, _changed_parts(revision))


def withdraw_changes(enterprise_id: int, product_id: int, actor: User) -> None:
    """The revision, pending → draft, to edit it further before staff look."""
    with write_transaction():
        product = locked_product(product_id, enterprise_id)
        _move_revision(_pending_revision(product), RevisionStatus.DRAFT)
        record(product, ProductEventKind.CHANGES_WITHDRAWN, actor)


def discard_changes(enterprise_id: int, product_id: int, actor: User) -> None:
    """Drop a revision that is not waiting for staff; the live listing stays as it is."""
    with write_transaction():
        product = locked_product(product_id, enterprise_id)
        revision = product.revision
        if revision is None:
            raise ListingError("취소할 변경사항이 없습니다.")
        if revision.status is RevisionStatus.PENDING:
            raise ListingError("심사 대기 중인 변경사항은 먼저 심사 요청을 취소해 주세요.")
        dropped = [i.path for i in revision.images]
        product.revision = None
        record(product, ProductEventKind.CHANGES_DISCARDED, actor)
    delete_unreferenced_images(dropped)


def approve_changes(product: Product, staff: User) -> None:
    """A pending revision goes live: copied onto the product (name, summary, description, images)."""
    _require_staff(staff)
    with write_transaction():
        product = locked_product(product.id)
        revision = _pending_revision(product)
        note = _changed_parts(revision)
        replaced = [i.path for i in product.images]
        product.name, product.summary = revision.name, revision.summary
        product.description_html = revision.description_html
        product.images = [ProductImage(path=i.path, alt=i.alt, position=n) for n, i in enumerate(revision.images)]
        product.revision = None
        db.session.flush()
        index_products([product])
        record(product, ProductEventKind.CHANGES_APPROVED, staff, note)
        audit.record(staff, "product.changes_approved", "product", product.id, product.name, after={"changed": note})
    delete_unreferenced_images(replaced)


def reject_changes(product: Product, staff: User, reason: str) -> None:
    """A pending revision is sent back with a reason; the live listing stays as it is."""
    _require_staff(staff)
    reason = clean_reason(reason, required=True, error=ListingError)
    with write_transaction():
        product = locked_product(product.id)
        revision = _pending_revision(product)
        _move_revision(revision, RevisionStatus.REJECTED)
        revision.review_reason = reason
        record(product, ProductEventKind.CHANGES_REJECTED, staff, reason)
        audit.record(staff, "product.changes_rejected", "product", product.id, product.name, reason=reason)


def _changed_parts(revision: ProductRevision) -> str:
    live = revision.product
    parts = [label for label, changed in (
        ("상품명", revision.name != live.name),
        ("요약", revision.summary != live.summary),
        ("상세 설명", revision.description_html != live.description_html),
        ("이미지", [(i.path, i.alt) for i in revision.images] != [(i.path, i.alt) for i in live.images]),
    ) if changed]
    return "바뀐 항목: " + ", ".join(parts) if parts else ""


# --- for the staff's review queue ------------------------------------------------------------------


def awaiting_review() -> tuple[list[Product], list[Product]]:
    """(new products waiting, products whose changes wait), the longest-waiting first."""
    options = (selectinload(Product.enterprise), selectinload(Product.images),
               selectinload(Product.revision).selectinload(ProductRevision.images))
    new = db.session.scalars(
        sa.select(Product).where(Product.status == ProductStatus.PENDING_REVIEW)
        .order_by(Product.submitted_at, Product.id).options(*options)
    )
    changed = db.session.scalars(
        sa.select(Product).join(ProductRevision, ProductRevision.product_id == Product.id)
        .where(ProductRevision.status == RevisionStatus.PENDING)
        .order_by(ProductRevision.submitted_at, Product.id).options(*options)
    )
    return list(new), list(changed)


# --- image files -----------------------------------------------------------------------------------


def delete_unreferenced_images(paths: Iterable[str]) -> None:
    """After a commit: remove the files of images no product or revision uses any more (a file may be
    shared: a revision starts with the live images' files, and demo products share pictures)."""
    paths = set(paths)
    if not paths:
        return
    used = set(db.session.scalars(sa.select(ProductImage.path).where(ProductImage.path.in_(paths))))
    used |= set(db.session.scalars(sa.select(RevisionImage.path).where(RevisionImage.path.in_(paths))))
    for path in paths - used:
        storage.delete_image(path)
