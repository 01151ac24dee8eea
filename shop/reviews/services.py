"""Reviews: a buyer writes one per delivered order item, edits or deletes it; the product page shows them.

Every query is scoped here, not only in the views: only the buyer of an order item can review it,
only the author can change or remove a review. A photo goes through `shop.core.storage`, which
refuses anything that is not a real image and keeps only re-encoded pixels.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import BinaryIO, NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from shop.accounts.models import User
from shop.core import storage
from shop.core.errors import RuleError
from shop.core.storage import ImageRejected
from shop.core.transactions import write_transaction
from shop.extensions import db
from shop.orders.models import Order, OrderItem, Shipment, ShipmentStatus
from shop.reviews.models import Review

REVIEWABLE_SHIPMENTS = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.CONFIRMED})
RETURNED_SHIPMENTS = frozenset({ShipmentStatus.RETURN_REQUESTED, ShipmentStatus.RETURNED})
MIN_BODY_LENGTH = 10
MAX_BODY_LENGTH = 1000
PHOTO_FOLDER = "reviews"
PER_PAGE = 10
EDIT_GRACE = timedelta(minutes=1)  # a review saved again within a minute is not shown as 수정됨

ALREADY_REVIEWED = "이 상품의 후기는 이미 작성하셨습니다. 내 후기에서 고치거나 지울 수 있습니다."
_RATING = re.compile(r"[1-5]")

Photo = bytes | BinaryIO  # also a werkzeug FileStorage, which is file-like


class ReviewError(RuleError):
    """A rule refused the review; the message is Korean and shown to the user, `field` names the input."""


class ReviewNotFound(ReviewError):
    """No such order item or review among the user's own: the web answers 404, revealing nothing."""

    def __init__(self, message: str = "찾으시는 후기나 주문 상품이 없습니다."):
        super().__init__(message)


class ReviewSummary(NamedTuple):
    count: int
    average: float | None  # rounded half-up to one decimal; None while there is no review


@dataclass(frozen=True)
class PublicReview:
    """A review as anyone may read it on the product page: the author's name is already masked."""

    id: int
    rating: int
    body: str
    photo_path: str | None
    author_name: str
    option_name: str
    created_at: datetime
    edited: bool


# --- input -----------------------------------------------------------------------------------------


def parse_rating(value: object) -> int:
    """An integer 1..5 from a form value or an int; "0", "6", "abc", "3.5", 3.5 and True are refused."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or not _RATING.fullmatch(value.strip()):
        raise ReviewError("별점은 1점부터 5점 중에서 골라 주세요.", "rating")
    return int(value.strip())


def clean_body(value: object) -> str:
    """The text as stored: newlines normalised, control characters dropped, trimmed, 10–1000 characters."""
    text = value if isinstance(value, str) else ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    if len(text) < MIN_BODY_LENGTH:
        raise ReviewError(f"후기 내용을 {MIN_BODY_LENGTH}자 이상 입력해 주세요. (지금 {len(text)}자)", "body")
    if len(text) > MAX_BODY_LENGTH:
        raise ReviewError(f"후기 내용은 {MAX_BODY_LENGTH:,}자 이하로 입력해 주세요. (지금 {len(text):,}자)", "body")
    return text


def _save_photo(photo: Photo | None) -> str | None:
    """Stored path of the re-encoded photo, or None when there is none; a non-image is a ReviewError."""
    if not photo:  # None, b"", or a FileStorage from an empty file input
        return None
    try:
        return storage.save_image(photo, PHOTO_FOLDER)
    except ImageRejected as exc:
        raise ReviewError(str(exc), "photo") from exc


def mask_name(name: str) -> str:
    """The author as Korean malls show one: 김민수 → 김*수, 남궁민수 → 남**수, 박민 → 박**."""
    name = (name or "").strip()
    if not name:
        return "구매자"
    if len(name) <= 2:
        return name[0] + "**"
    return name[0] + "*" * min(len(name) - 2, 3) + name[-1]


# --- reading ---------------------------------------------------------------------------------------


def _own_item_query(user: User):
    return (
        sa.select(OrderItem)
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.buyer_id == user.id)
        .options(selectinload(OrderItem.order), selectinload(OrderItem.shipment))
    )


def own_order_item(user: User, order_item_id: int) -> OrderItem | None:
    """An item of one of the user's own orders (no one else's), with its order and shipment."""
    return db.session.scalar(_own_item_query(user).where(OrderItem.id == order_item_id))


def own_review(user: User, review_id: int) -> Review | None:
    """One of the user's own reviews (no one else's), with the order item it is about."""
    return db.session.scalar(
        sa.select(Review).where(Review.id == review_id, Review.author_id == user.id)
        .options(selectinload(Review.order_item).selectinload(OrderItem.order))
    )


def review_of_item(user: User, order_item_id: int) -> Review | None:
    return db.session.scalar(
        sa.select(Review).where(Review.order_item_id == order_item_id, Review.author_id == user.id)
    )


def _review_id_for_item(order_item_id: int) -> int | None:
    return db.session.scalar(sa.select(Review.id).where(Review.order_item_id == order_item_id))


def refusal(item: OrderItem) -> str | None:
    """Why this item cannot be reviewed now (ignoring an existing review), or None when it can."""
    status = item.shipment.status
    if status in RETURNED_SHIPMENTS:
        return "반품을 신청했거나 반품된 상품에는 후기를 쓸 수 없습니다."
    if status is ShipmentStatus.CANCELLED:
        return "취소된 주문의 상품에는 후기를 쓸 수 없습니다."
    if status not in REVIEWABLE_SHIPMENTS:
        return "후기는 배송이 완료된 뒤에 쓸 수 있습니다."
    if item.product_id is None:
        return "판매가 끝나 삭제된 상품에는 후기를 쓸 수 없습니다."
    return None


def reviewable_items(user: User, order: Order | None = None, *, limit: int = 100) -> list[OrderItem]:
    """The user's delivered items that have no review yet — of `order`, or of all their orders —
    most recently delivered first."""
    stmt = (
        _own_item_query(user)
        .join(Shipment, Shipment.id == OrderItem.shipment_id)
        .outerjoin(Review, Review.order_item_id == OrderItem.id)
        .where(Shipment.status.in_(REVIEWABLE_SHIPMENTS), OrderItem.product_id.is_not(None), Review.id.is_(None))
        .order_by(Shipment.delivered_at.desc(), OrderItem.id)
        .limit(limit)
    )
    if order is not None:
        stmt = stmt.where(OrderItem.order_id == order.id)
    return list(db.session.scalars(stmt))


def user_reviews(user: User, *, page: int = 1, per_page: int = PER_PAGE) -> list[Review]:
    """The user's own reviews, newest first, with the order items they are about."""
    page = max(page, 1)
    stmt = (
        sa.select(Review).where(Review.author_id == user.id)
        .options(selectinload(Review.order_item).selectinload(OrderItem.order))
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    )
    return list(db.session.scalars(stmt))


def product_review_summary(product_id: int) -> ReviewSummary:
    """How many reviews the product has and their average rating, in one query."""
    count, total = db.session.execute(
        sa.select(sa.func.count(Review.id), sa.func.coalesce(sa.func.sum(Review.rating), 0))
        .where(Review.product_id == product_id)
    ).one()
    if not count:
        return ReviewSummary(0, None)
    average = (Decimal(int(total)) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return ReviewSummary(count, float(average))


def product_reviews(product_id: int, page: int = 1, per_page: int = PER_PAGE) -> list[PublicReview]:
    """One page of the product's reviews, newest first, with masked author names."""
    page = max(page, 1)
    rows = db.session.execute(
        sa.select(Review, User.name, OrderItem.option_name)
        .join(User, User.id == Review.author_id)
        .join(OrderItem, OrderItem.id == Review.order_item_id)
        .where(Review.product_id == product_id)
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return [
        PublicReview(
            id=review.id, rating=review.rating, body=review.body, photo_path=review.photo_path,
            author_name=mask_name(name), option_name=option_name, created_at=review.created_at,
            edited=review.updated_at is not None and review.updated_at - review.created_at > EDIT_GRACE,
        )
        for review, name, option_name in rows
    ]


# --- writing ---------------------------------------------------------------------------------------


def write_review(user: User, order_item_id: int, rating: object, body: object, photo: Photo | None = None) -> Review:
    """The buyer's review of a delivered item; a second one of the same item is refused, even when
    two submissions race (the unique order_item_id decides)."""
    item = own_order_item(user, order_item_id)
    if item is None:
        raise ReviewNotFound()
    reason = refusal(item)
    if reason:
        raise ReviewError(reason)
    if _review_id_for_item(item.id) is not None:
        raise ReviewError(ALREADY_REVIEWED)
    rating, body = parse_rating(rating), clean_body(body)
    photo_path = _save_photo(photo)
    try:
        with write_transaction():
            if _review_id_for_item(item.id) is not None:  # SQLite: the write lock makes this final
                raise ReviewError(ALREADY_REVIEWED)
            db.session.refresh(item.shipment)  # a return may have been requested meanwhile
            if reason := refusal(item):
                raise ReviewError(reason)
            review = Review(order_item_id=item.id, product_id=item.product_id, author_id=user.id,
                            rating=rating, body=body, photo_path=photo_path)
            db.session.add(review)
    except IntegrityError as exc:  # PostgreSQL: a concurrent twin won the unique order_item_id
        _discard(photo_path)
        if review_of_item(user, item.id) is not None:
            raise ReviewError(ALREADY_REVIEWED) from exc
        raise
    except BaseException:
        _discard(photo_path)
        raise
    return review


def edit_review(user: User, review_id: int, rating: object, body: object, photo: Photo | None = None,
                *, remove_photo: bool = False) -> Review:
    """The author changes stars and text; a new photo replaces the old one, `remove_photo` drops it."""
    review = own_review(user, review_id)
    if review is None:
        raise ReviewNotFound()
    rating, body = parse_rating(rating), clean_body(body)
    new_path = _save_photo(photo)
    old_path = review.photo_path
    keep = old_path if new_path is None and not remove_photo else None
    try:
        with write_transaction():
            review.rating, review.body, review.photo_path = rating, body, new_path or keep
    except BaseException:
        _discard(new_path)
        raise
    if old_path and old_path != review.photo_path:
        _discard(old_path)
    return review


def delete_review(user: User, review_id: int) -> None:
    """The author removes the review (and its photo); the item can then be reviewed again."""
    review = own_review(user, review_id)
    if review is None:
        raise ReviewNotFound()
    photo_path = review.photo_path
    with write_transaction():
        db.session.execute(sa.delete(Review).where(Review.id == review.id, Review.author_id == user.id))
    _discard(photo_path)


def _discard(photo_path: str | None) -> None:
    if photo_path:
        storage.delete_image(photo_path)
