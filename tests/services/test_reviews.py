"""Reviews: only the buyer of a delivered item writes one, once; only the author edits or deletes it;
the product page's count, average and masked names; stars, text and photos are checked."""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app
from PIL import Image
from werkzeug.datastructures import FileStorage

from shop.accounts.models import Role, User
from shop.core.storage import thumbnail_path
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order, OrderItem, ShipmentStatus
from shop.payments import services as payments
from shop.reviews import services as reviews
from shop.reviews.models import Review
from shop.reviews.services import ReviewError, ReviewNotFound
from tests.services.order_helpers import SEOUL, TODAY, new_key, race

GOOD_BODY = "포장이 꼼꼼하고 맛도 좋아서 또 주문하려고 합니다."


# --- set-up shared with the web and browser tests -----------------------------------------------------


def bought(buyer: User, staff: User, variants, stage: str = "delivered") -> Order:
    """A paid order of one of each variant, every shipment moved on to `stage` by center staff."""
    order = orders.place_order(buyer, [(v.id, 1) for v in variants], SEOUL, new_key(), today=TODAY)
    if stage == "pending_payment":
        return order
    payments.pay_in_test_mode(order, buyer)
    order = db.session.get(Order, order.id)
    if stage == "cancelled":
        payments.cancel_order(order, buyer)
        return order
    steps = ["paid", "preparing", "shipped", "delivered"]
    reached = steps.index(stage) if stage in steps else steps.index("delivered")  # the rest start there
    for shipment in order.shipments:
        if reached >= steps.index("preparing"):
            orders.start_preparing(shipment, staff)
        if reached >= steps.index("shipped"):
            orders.ship(shipment, staff, courier="cj", tracking_number="123456789012")
        if reached >= steps.index("delivered"):
            orders.mark_delivered(shipment, staff)
        if stage == "confirmed":
            orders.confirm_purchase(shipment, buyer)
        if stage in ("return_requested", "returned"):
            orders.request_return(shipment, buyer, reason="defective", detail="파손되어 도착했습니다")
        if stage == "returned":
            payments.approve_return(shipment, staff)
    db.session.expire_all()
    return db.session.get(Order, order.id)


def png_bytes(size=(640, 480), colour=(30, 120, 80)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def upload(data: bytes, filename: str, content_type: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def stored(relative: str) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / relative


def review_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Review))


@pytest.fixture
def staff(make_user):
    return make_user(Role.ADMIN, name="지원센터")


@pytest.fixture
def buyer(make_user):
    return make_user(Role.CONSUMER, name="김민수")


@pytest.fixture
def soap(make_product, make_enterprise):
    maker = make_enterprise(name="민화비누공방", shipping_base_fee_krw=3000)
    return make_product(enterprise=maker, name="민화 수제비누", variants=[("모란", 9000, 50)])


@pytest.fixture
def item(buyer, staff, soap) -> OrderItem:
    """The buyer's delivered soap."""
    return bought(buyer, staff, soap.variants).items[0]


# --- who may write, and when -----------------------------------------------------------------------


def test_the_buyer_of_a_delivered_item_writes_one_review(buyer, item, soap):
    review = reviews.write_review(buyer, item.id, "5", f"  {GOOD_BODY}\n")
    db.session.expire_all()
    review = db.session.get(Review, review.id)
    assert (review.order_item_id, review.product_id, review.author_id) == (item.id, soap.id, buyer.id)
    assert (review.rating, review.body, review.photo_path) == (5, GOOD_BODY, None)
    assert reviews.reviewable_items(buyer) == []


def test_a_confirmed_purchase_can_be_reviewed(buyer, staff, soap):
    order = bought(buyer, staff, soap.variants, stage="confirmed")
    assert order.shipments[0].status is ShipmentStatus.CONFIRMED
    assert reviews.write_review(buyer, order.items[0].id, 4, GOOD_BODY).rating == 4


@pytest.mark.parametrize("stage, message", [
    ("pending_payment", "배송이 완료된 뒤"),
    ("paid", "배송이 완료된 뒤"),
    ("preparing", "배송이 완료된 뒤"),
    ("shipped", "배송이 완료된 뒤"),
    ("cancelled", "취소된 주문"),
    ("return_requested", "반품"),
    ("returned", "반품"),
])
def test_no_review_before_delivery_or_after_cancel_or_return(buyer, staff, soap, stage, message):
    order = bought(buyer, staff, soap.variants, stage=stage)
    assert order.shipments[0].status.value == {"pending_payment": "awaiting_payment"}.get(stage, stage)
    with pytest.raises(ReviewError, match=message):
        reviews.write_review(buyer, order.items[0].id, 5, GOOD_BODY)
    assert review_count() == 0
    assert reviews.reviewable_items(buyer) == []


def test_nobody_but_the_buyer_can_review_the_item(item, make_user, make_enterprise):
    stranger = make_user(Role.CONSUMER)
    center = make_user(Role.ADMIN)
    seller = make_user(Role.ENTERPRISE, enterprise=make_enterprise())
    for user in (stranger, center, seller):
        with pytest.raises(ReviewNotFound):
            reviews.write_review(user, item.id, 5, GOOD_BODY)
        assert reviews.own_order_item(user, item.id) is None
    with pytest.raises(ReviewNotFound):
        reviews.write_review(stranger, 999_999, 5, GOOD_BODY)
    assert review_count() == 0


def test_a_second_review_of_the_same_item_is_refused(buyer, item):
    reviews.write_review(buyer, item.id, 5, GOOD_BODY)
    with pytest.raises(ReviewError, match="이미 작성") as refused:
        reviews.write_review(buyer, item.id, 1, "다시 써 보는 두 번째 후기입니다.")
    assert refused.value.field is None
    assert review_count() == 1


def test_the_unique_constraint_refuses_a_review_whose_twin_was_not_visible_yet(buyer, item, monkeypatch):
    """The race in slow motion: both requests passed the checks before either inserted."""
    reviews.write_review(buyer, item.id, 5, GOOD_BODY)
    monkeypatch.setattr(reviews, "_review_id_for_item", lambda order_item_id: None)
    before = set(stored("reviews").glob("*")) if stored("reviews").exists() else set()
    with pytest.raises(ReviewError, match="이미 작성"):
        reviews.write_review(buyer, item.id, 3, "동시에 보낸 두 번째 후기입니다.", png_bytes())
    assert review_count() == 1
    assert set(stored("reviews").glob("*")) == before  # the photo saved for the loser is gone again


def test_two_simultaneous_submissions_make_one_review(app, buyer, item):
    buyer_id, item_id = buyer.id, item.id

    def submit(i: int):
        return reviews.write_review(db.session.get(User, buyer_id), item_id, 5 - i, f"{GOOD_BODY} ({i})").id

    results = race(app, 2, submit)
    assert sorted(type(r).__name__ for r in results) == ["ReviewError", "int"], results
    assert "이미 작성" in str(next(r for r in results if isinstance(r, ReviewError)))
    db.session.expire_all()
    assert review_count() == 1


# --- input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rating", ["0", "6", "abc", "3.5", "", " ", "-1", "05", "５", None, 0, 6, 3.5, 4.0, True])
def test_ratings_other_than_one_to_five_are_refused(buyer, item, rating):
    with pytest.raises(ReviewError, match="1점부터 5점") as refused:
        reviews.write_review(buyer, item.id, rating, GOOD_BODY)
    assert refused.value.field == "rating"
    assert review_count() == 0


@pytest.mark.parametrize("rating, stored_as", [("1", 1), ("5", 5), (" 4 ", 4), (3, 3)])
def test_ratings_one_to_five_are_taken_as_integers(buyer, item, rating, stored_as):
    assert reviews.write_review(buyer, item.id, rating, GOOD_BODY).rating == stored_as


@pytest.mark.parametrize("body, message", [
    ("", "10자 이상"),
    ("          ", "10자 이상"),
    ("아홉 글자 후기임", "10자 이상"),
    ("   짧은 후기예요   ", "10자 이상"),
    ("\x00\x00\x00\x00\x00\x00짧아요", "10자 이상"),
    ("가" * 1001, "1,000자 이하"),
    (None, "10자 이상"),
])
def test_bodies_shorter_than_10_or_longer_than_1000_characters_are_refused(buyer, item, body, message):
    with pytest.raises(ReviewError, match=message) as refused:
        reviews.write_review(buyer, item.id, 5, body)
    assert refused.value.field == "body"
    assert review_count() == 0


@pytest.mark.parametrize("body, kept", [
    ("   가나다라마바사아자차   ", "가나다라마바사아자차"),
    ("가" * 1000, "가" * 1000),
    ("가" * 499 + "\r\n" + "나" * 500, "가" * 499 + "\n" + "나" * 500),  # a newline is one character
    ("<script>alert(1)</script> 맛있어요", "<script>alert(1)</script> 맛있어요"),  # text, escaped when shown
])
def test_bodies_are_trimmed_and_kept_as_plain_text(buyer, item, body, kept):
    assert reviews.write_review(buyer, item.id, 5, body).body == kept


# --- photos --------------------------------------------------------------------------------------


def test_a_real_png_is_accepted_and_reencoded(buyer, item):
    original = png_bytes()
    review = reviews.write_review(buyer, item.id, 5, GOOD_BODY, upload(original, "사진.png", "image/png"))
    path = review.photo_path
    assert path.startswith("reviews/") and path.endswith(".webp")
    assert stored(path).read_bytes() != original
    with Image.open(stored(path)) as saved:
        assert saved.format == "WEBP" and saved.size == (640, 480)
    assert stored(thumbnail_path(path)).is_file()


@pytest.mark.parametrize("data, filename", [
    (b"this is a text file, not a photo", "photo.jpg"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "photo.png"),
    (png_bytes()[:60], "cut.png"),
])
def test_a_file_that_is_not_an_image_is_refused(buyer, item, data, filename):
    with pytest.raises(ReviewError, match="이미지") as refused:
        reviews.write_review(buyer, item.id, 5, GOOD_BODY, upload(data, filename, "image/jpeg"))
    assert refused.value.field == "photo"
    assert review_count() == 0


def test_an_empty_file_input_means_no_photo(buyer, item):
    review = reviews.write_review(buyer, item.id, 5, GOOD_BODY, FileStorage(io.BytesIO(b""), filename=""))
    assert review.photo_path is None


def test_the_author_replaces_then_removes_the_photo(buyer, item):
    first = reviews.write_review(buyer, item.id, 5, GOOD_BODY, png_bytes()).photo_path
    second = reviews.edit_review(buyer, _review_id(item), 4, GOOD_BODY, png_bytes(colour=(200, 30, 30))).photo_path
    assert second != first and stored(second).is_file()
    assert not stored(first).exists() and not stored(thumbnail_path(first)).exists()

    kept = reviews.edit_review(buyer, _review_id(item), 3, GOOD_BODY)
    assert kept.photo_path == second  # no new photo, no removal: unchanged

    refused_photo = upload(b"not an image", "a.jpg", "image/jpeg")
    with pytest.raises(ReviewError):
        reviews.edit_review(buyer, _review_id(item), 2, GOOD_BODY, refused_photo)
    db.session.expire_all()
    assert db.session.get(Review, _review_id(item)).photo_path == second and stored(second).is_file()

    removed = reviews.edit_review(buyer, _review_id(item), 3, GOOD_BODY, remove_photo=True)
    assert removed.photo_path is None and not stored(second).exists()


def _review_id(item: OrderItem) -> int:
    return db.session.scalar(sa.select(Review.id).where(Review.order_item_id == item.id))


# --- editing and deleting ---------------------------------------------------------------------------


def test_the_author_edits_stars_and_text(buyer, item):
    review = reviews.write_review(buyer, item.id, 2, GOOD_BODY)
    edited = reviews.edit_review(buyer, review.id, "4", "써 보니 생각보다 괜찮아서 별점을 올립니다.")
    db.session.expire_all()
    review = db.session.get(Review, edited.id)
    assert (review.rating, review.body) == (4, "써 보니 생각보다 괜찮아서 별점을 올립니다.")


def test_edits_are_checked_like_new_reviews(buyer, item):
    review = reviews.write_review(buyer, item.id, 5, GOOD_BODY)
    with pytest.raises(ReviewError, match="1점부터 5점"):
        reviews.edit_review(buyer, review.id, "6", GOOD_BODY)
    with pytest.raises(ReviewError, match="10자 이상"):
        reviews.edit_review(buyer, review.id, "3", "짧아요")
    db.session.expire_all()
    assert (db.session.get(Review, review.id).rating, db.session.get(Review, review.id).body) == (5, GOOD_BODY)


def test_another_user_can_neither_edit_nor_delete_a_review(buyer, item, make_user):
    review = reviews.write_review(buyer, item.id, 5, GOOD_BODY, png_bytes())
    other = make_user(Role.CONSUMER)
    admin = make_user(Role.ADMIN)
    for user in (other, admin):
        with pytest.raises(ReviewNotFound):
            reviews.edit_review(user, review.id, 1, "남의 후기를 바꾸려는 시도입니다.", remove_photo=True)
        with pytest.raises(ReviewNotFound):
            reviews.delete_review(user, review.id)
        assert reviews.own_review(user, review.id) is None
    db.session.expire_all()
    kept = db.session.get(Review, review.id)
    assert (kept.rating, kept.body) == (5, GOOD_BODY) and stored(kept.photo_path).is_file()


def test_deleting_removes_the_review_and_its_photo_and_the_item_waits_again(buyer, item):
    review = reviews.write_review(buyer, item.id, 5, GOOD_BODY, png_bytes())
    path = review.photo_path
    reviews.delete_review(buyer, review.id)
    assert review_count() == 0
    assert not stored(path).exists() and not stored(thumbnail_path(path)).exists()
    assert [i.id for i in reviews.reviewable_items(buyer)] == [item.id]
    with pytest.raises(ReviewNotFound):
        reviews.delete_review(buyer, review.id)


# --- what is waiting, and what the product page shows ------------------------------------------------


def test_reviewable_items_are_the_users_delivered_unreviewed_items(buyer, staff, soap, make_product, make_user):
    towel = make_product(name="유기농 면 수건", variants=[("2장", 12000, 20)])
    delivered = bought(buyer, staff, [soap.variants[0], towel.variants[0]])
    shipped = bought(buyer, staff, soap.variants, stage="shipped")
    someone_else = bought(make_user(Role.CONSUMER), staff, soap.variants)
    assert {i.id for i in reviews.reviewable_items(buyer)} == {i.id for i in delivered.items}
    assert reviews.reviewable_items(buyer, shipped) == []
    assert reviews.reviewable_items(buyer, someone_else) == []  # scoped: not the buyer's order

    reviews.write_review(buyer, delivered.items[0].id, 5, GOOD_BODY)
    assert [i.id for i in reviews.reviewable_items(buyer, delivered)] == [delivered.items[1].id]


def test_count_and_average_come_in_one_query_rounded_half_up(buyer, staff, soap, count_queries):
    assert reviews.product_review_summary(soap.id) == (0, None)
    for rating in (5, 4, 4, 4):  # 17 / 4 = 4.25 → 4.3 (not the 4.2 of banker's rounding)
        item = bought(buyer, staff, soap.variants).items[0]
        reviews.write_review(buyer, item.id, rating, GOOD_BODY)
    soap_id = soap.id
    with count_queries() as queries:
        summary = reviews.product_review_summary(soap_id)
    assert summary == (4, 4.3) and summary.count == 4 and summary.average == 4.3
    assert len(queries) == 1


def test_the_summary_counts_only_that_product(buyer, staff, soap, make_product):
    towel = make_product(name="유기농 면 수건", variants=[("2장", 12000, 20)])
    order = bought(buyer, staff, [soap.variants[0], towel.variants[0]])
    soap_item = next(i for i in order.items if i.product_id == soap.id)
    reviews.write_review(buyer, soap_item.id, 2, GOOD_BODY)
    assert reviews.product_review_summary(soap.id) == (1, 2.0)
    assert reviews.product_review_summary(towel.id) == (0, None)


def test_product_reviews_are_newest_first_paged_with_masked_names(staff, soap, make_user, count_queries):
    authors = ["김민수", "박민", "남궁민수", "이"]
    for n, name in enumerate(authors):
        author = make_user(Role.CONSUMER, name=name)
        review = reviews.write_review(author, bought(author, staff, soap.variants).items[0].id, 5 - n,
                                      f"{name}님의 후기 본문입니다. 좋아요.")
        review.created_at = review.created_at - timedelta(days=10 - n)  # later authors wrote later
    db.session.commit()

    soap_id = soap.id
    with count_queries() as queries:
        first = reviews.product_reviews(soap_id, page=1, per_page=3)
    assert len(queries) == 1
    assert [r.author_name for r in first] == ["이**", "남**수", "박**"]
    assert [r.rating for r in first] == [2, 3, 4]
    assert all(r.option_name == "모란" for r in first)
    [last] = reviews.product_reviews(soap.id, page=2, per_page=3)
    assert (last.author_name, last.rating) == ("김*수", 5)
    assert reviews.product_reviews(soap.id, page=3, per_page=3) == []
    assert [r.rating for r in reviews.product_reviews(soap.id, page=0)] == [2, 3, 4, 5]  # page < 1 is page 1


@pytest.mark.parametrize("name, masked", [
    ("김민수", "김*수"), ("박민", "박**"), ("남궁민수", "남**수"), ("이", "이**"), ("  최지우 ", "최*우"),
    ("Jennifer Lawrence", "J***e"), ("", "구매자"),
])
def test_names_are_masked_like_korean_malls_do(name, masked):
    assert reviews.mask_name(name) == masked
