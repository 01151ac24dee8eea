"""Reviews through the web, as a browser submits them (CSRF token, multipart for the photo): write,
edit, delete; someone else's item or review is a 404; bad input is a 400 with the form and Korean
messages; the product page's partial escapes text and masks names."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from flask import render_template

from shop.accounts.models import Role
from shop.extensions import db
from shop.reviews import services as reviews
from shop.reviews.models import Review
from tests.services.test_reviews import GOOD_BODY, bought, png_bytes, stored

MINE = "/account/reviews"


def html(response) -> str:
    return response.get_data(as_text=True)


def only_review() -> Review:
    db.session.expire_all()
    return db.session.scalar(sa.select(Review))


@pytest.fixture
def staff(make_user):
    return make_user(Role.ADMIN, name="지원센터")


@pytest.fixture
def buyer(make_user, login):
    user = make_user(Role.CONSUMER, name="김민수")
    login(user)
    return user


@pytest.fixture
def soap(make_product, make_enterprise):
    return make_product(enterprise=make_enterprise(name="민화비누공방"), name="민화 수제비누",
                        variants=[("모란", 9000, 50)])


@pytest.fixture
def order(buyer, staff, soap):
    return bought(buyer, staff, soap.variants)


@pytest.fixture
def item(order):
    return order.items[0]


def new_url(item) -> str:
    return f"{MINE}/new/{item.id}"


# --- my reviews --------------------------------------------------------------------------------------


def test_review_pages_need_a_login(client):
    for url in (MINE, f"{MINE}/new/1", f"{MINE}/1/edit"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_my_reviews_lists_the_items_waiting_for_a_review(client, item):
    page = html(client.get(MINE))
    assert "후기를 기다리는 상품" in page and "민화 수제비누" in page and "모란" in page
    assert f'href="{new_url(item)}"' in page
    assert "아직 작성한 후기가 없습니다" in page


# --- writing -----------------------------------------------------------------------------------------


def test_the_form_has_labelled_stars_text_and_an_image_input(client, item):
    response = client.get(new_url(item))
    page = html(response)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in page
    assert "<legend>별점" in page and page.count('type="radio"') == 5 and "5점 · 아주 좋아요" in page
    assert re.search(r'<label for="body">후기 내용</label>', page)
    assert 'accept="image/*"' in page and 'type="file"' in page
    assert "remove_photo" not in page  # only when editing a review with a photo


def test_the_buyer_writes_a_review_with_a_photo(client, form_post, item, soap):
    response = form_post(new_url(item), {"rating": "5", "body": GOOD_BODY,
                                         "photo": (io.BytesIO(png_bytes()), "사진.png", "image/png")})
    assert response.status_code == 303 and response.headers["Location"].endswith(MINE)
    review = only_review()
    assert (review.rating, review.body, review.product_id) == (5, GOOD_BODY, soap.id)
    assert review.photo_path.startswith("reviews/") and stored(review.photo_path).is_file()

    page = html(client.get(MINE))
    assert "후기를 등록했습니다" in page and GOOD_BODY in page
    assert 'alt="구매자 후기 사진"' in page and 'aria-label="5점 만점에 5점"' in page
    assert "지금 후기를 쓸 수 있는 상품이 없습니다" in page


def test_after_writing_the_buyer_returns_to_the_order(form_post, item, order):
    back = f"/account/orders/{order.number}"
    response = form_post(f"{new_url(item)}?next={back}", {"rating": "4", "body": GOOD_BODY})
    assert response.status_code == 303 and response.headers["Location"].endswith(back)


def test_an_outside_next_address_is_ignored(form_post, item):
    response = form_post(f"{new_url(item)}?next=https://evil.example/", {"rating": "4", "body": GOOD_BODY})
    assert response.status_code == 303 and response.headers["Location"].endswith(MINE)


@pytest.mark.parametrize("data, message", [
    ({"body": GOOD_BODY}, "별점을"),
    ({"rating": "6", "body": GOOD_BODY}, "별점을 1점부터 5점"),
    ({"rating": "0", "body": GOOD_BODY}, "별점을 1점부터 5점"),
    ({"rating": "abc", "body": GOOD_BODY}, "별점을 1점부터 5점"),
    ({"rating": "3.5", "body": GOOD_BODY}, "별점을 1점부터 5점"),
    ({"rating": "5", "body": ""}, "후기 내용을 입력해 주세요"),
    ({"rating": "5", "body": "   짧아요   "}, "10자 이상 1,000자 이하"),
    ({"rating": "5", "body": "가" * 1001}, "10자 이상 1,000자 이하"),
    ({"rating": "5", "body": GOOD_BODY, "photo": (io.BytesIO(b"just text, not a photo"), "photo.jpg", "image/jpeg")},
     "이미지 파일이 아니거나"),
])
def test_bad_input_is_a_400_with_the_form_and_a_korean_message(form_post, item, data, message):
    response = form_post(new_url(item), data, page=MINE)
    page = html(response)
    assert response.status_code == 400
    assert message in page and "입력 내용을 다시 확인해 주세요" in page
    assert 'aria-invalid="true"' in page or 'id="rating-error"' in page
    assert "<form" in page and 'name="body"' in page
    if data.get("body") == GOOD_BODY:
        assert GOOD_BODY in page  # what was typed is kept
    assert only_review() is None


def test_a_newline_counts_as_one_character_as_the_browser_counts_it(form_post, item):
    body = "가" * 499 + "\r\n" + "나" * 500
    assert form_post(new_url(item), {"rating": "5", "body": body}).status_code == 303
    assert only_review().body == "가" * 499 + "\n" + "나" * 500


def test_a_second_review_of_the_item_is_refused(client, form_post, item):
    assert form_post(new_url(item), {"rating": "5", "body": GOOD_BODY}).status_code == 303
    review = only_review()
    again = client.get(new_url(item))
    assert again.status_code == 303 and again.headers["Location"].endswith(f"{MINE}/{review.id}/edit")

    response = form_post(new_url(item), {"rating": "1", "body": "두 번째 후기를 써 봅니다."}, page=MINE)
    assert response.status_code == 409 and "이미 작성" in html(response)
    assert only_review().rating == 5


def test_an_item_not_yet_delivered_cannot_be_reviewed(client, form_post, buyer, staff, soap):
    shipped = bought(buyer, staff, soap.variants, stage="shipped").items[0]
    response = client.get(new_url(shipped))
    assert response.status_code == 303
    assert "배송이 완료된 뒤" in html(client.get(response.headers["Location"]))
    refused = form_post(new_url(shipped), {"rating": "5", "body": GOOD_BODY}, page=MINE)
    assert refused.status_code == 409 and "배송이 완료된 뒤" in html(refused)
    assert only_review() is None


def test_a_post_without_the_csrf_token_is_refused(client, item):
    response = client.post(new_url(item), data={"rating": "5", "body": GOOD_BODY})
    assert response.status_code == 400 and "보안 토큰" in html(response)
    assert only_review() is None


# --- someone else's ----------------------------------------------------------------------------------


def test_someone_elses_item_and_review_are_404(client, form_post, login, make_user, staff, soap, item):
    reviews.write_review(item.order.buyer, item.id, 5, GOOD_BODY)
    review_id = only_review().id
    other = make_user(Role.CONSUMER, name="박다른")
    other_item = bought(other, staff, soap.variants).items[0]

    assert client.get(new_url(other_item)).status_code == 404
    assert form_post(new_url(other_item), {"rating": "5", "body": GOOD_BODY}, page=MINE).status_code == 404
    assert client.get(f"{MINE}/new/987654").status_code == 404

    form_post("/logout", {}, page=MINE)
    login(other)
    assert client.get(f"{MINE}/{review_id}/edit").status_code == 404
    assert form_post(f"{MINE}/{review_id}/edit", {"rating": "1", "body": "남의 후기를 고쳐 봅니다."},
                     page=MINE).status_code == 404
    assert form_post(f"{MINE}/{review_id}/delete", {}, page=MINE).status_code == 404
    assert GOOD_BODY not in html(client.get(MINE))
    review = only_review()
    assert (review.rating, review.body) == (5, GOOD_BODY)


# --- editing and deleting ---------------------------------------------------------------------------


def test_the_author_edits_the_review_and_replaces_then_removes_the_photo(client, form_post, buyer, item):
    reviews.write_review(buyer, item.id, 3, GOOD_BODY, png_bytes())
    review = only_review()
    old_photo = review.photo_path
    edit_url = f"{MINE}/{review.id}/edit"

    page = html(client.get(edit_url))
    assert GOOD_BODY in page and re.search(r'<input checked[^>]*value="3"|value="3"[^>]*checked', page)
    assert 'alt="지금 올린 후기 사진"' in page and 'name="remove_photo"' in page and "이 후기 삭제" in page

    response = form_post(edit_url, {"rating": "4", "body": "다시 써 보니 더 좋아서 별점을 올립니다.",
                                    "photo": (io.BytesIO(png_bytes(colour=(9, 9, 200))), "new.png", "image/png")})
    assert response.status_code == 303
    review = only_review()
    assert (review.rating, review.body) == (4, "다시 써 보니 더 좋아서 별점을 올립니다.")
    assert review.photo_path != old_photo and not stored(old_photo).exists()

    response = form_post(edit_url, {"rating": "4", "body": review.body, "remove_photo": "y"})
    assert response.status_code == 303
    assert only_review().photo_path is None
    assert "후기를 고쳤습니다" in html(client.get(MINE))


def test_bad_input_when_editing_is_a_400_and_changes_nothing(form_post, buyer, item):
    reviews.write_review(buyer, item.id, 3, GOOD_BODY)
    review_id = only_review().id
    response = form_post(f"{MINE}/{review_id}/edit", {"rating": "9", "body": "짧음"})
    page = html(response)
    assert response.status_code == 400 and "별점을 1점부터 5점" in page and "10자 이상" in page
    assert (only_review().rating, only_review().body) == (3, GOOD_BODY)


def test_the_author_deletes_the_review(client, form_post, buyer, item):
    reviews.write_review(buyer, item.id, 5, GOOD_BODY, png_bytes())
    review = only_review()
    photo = review.photo_path
    response = form_post(f"{MINE}/{review.id}/delete", {}, page=MINE)
    assert response.status_code == 303 and response.headers["Location"].endswith(MINE)
    assert only_review() is None and not stored(photo).exists()
    page = html(client.get(MINE))
    assert "후기를 삭제했습니다" in page and f'href="{new_url(item)}"' in page  # waiting again
    assert form_post(f"{MINE}/{review.id}/delete", {}, page=MINE).status_code == 404


# --- text is text ----------------------------------------------------------------------------------


def test_review_text_is_escaped_on_my_page(client, buyer, item):
    reviews.write_review(buyer, item.id, 5, '<script>alert("x")</script> <b>굵게</b> 좋아요')
    page = html(client.get(MINE))
    assert "<script>alert" not in page and "<b>굵게" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;b&gt;굵게&lt;/b&gt; 좋아요" in page


def render_partial(app, product_id: int) -> str:
    with app.test_request_context("/"):
        return render_template("reviews/_product_reviews.html",
                               review_summary=reviews.product_review_summary(product_id),
                               reviews=reviews.product_reviews(product_id, 1))


def test_the_product_page_partial_shows_average_masked_names_and_escaped_text(app, buyer, staff, soap, item):
    reviews.write_review(buyer, item.id, 5, "<img src=x onerror=alert(1)> 정말 좋아요!", png_bytes())
    second = bought(buyer, staff, soap.variants).items[0]
    reviews.write_review(buyer, second.id, 4, "두 번째 주문도 만족스럽습니다.")
    page = render_partial(app, soap.id)
    assert "구매 후기" in page and "2개" in page
    assert 'aria-label="5점 만점에 4.5점"' in page and "stars-fill-9" in page  # four and a half stars
    assert "김*수" in page and "김민수" not in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt; 정말 좋아요!" in page
    assert 'alt="구매자 후기 사진"' in page and "/media/reviews/" in page and ".thumb.webp" in page
    assert page.index("두 번째 주문도") < page.index("정말 좋아요")  # newest first


def test_the_partial_has_an_empty_state(app, soap):
    page = render_partial(app, soap.id)
    assert "구매 후기" in page and "0개" in page and "아직 작성된 후기가 없습니다" in page
    assert "5점 만점에" not in page
