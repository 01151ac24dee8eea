"""The cart over HTTP: a guest's cart in its own signed cookie, a member's cart, the merge at login
through the real login form, refused input (400 in Korean, nothing changed), scoping and CSRF."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.cart import services as carts
from shop.cart.models import Cart, CartItem
from shop.catalog.models import ProductStatus
from shop.extensions import db
from shop.web.cart import COOKIE_NAME
from tests.conftest import csrf_from


def html(response) -> str:
    return response.get_data(as_text=True)


def lines() -> dict[int, int]:
    """variant id -> quantity over every cart, read fresh."""
    db.session.expire_all()
    return dict(db.session.execute(sa.select(CartItem.variant_id, CartItem.quantity)).all())


def cart_count_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count(Cart.id)))


def set_cookie_header(response, name: str) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert headers, f"no {name} cookie was set"
    return headers[-1]


@pytest.fixture
def towel(make_enterprise, make_product):
    enterprise = make_enterprise(name="노원 수건공방", shipping_base_fee_krw=3500, free_shipping_threshold_krw=50000,
                                 shipping_island_fee_krw=5000)
    return make_product(name="무형광 면 수건", slug="towel", enterprise=enterprise,
                        variants=[("화이트", 12000, 40), ("그레이", 13000, 3), ("네이비", 13000, 0)],
                        tiers={0: [(20, 10000)]})


@pytest.fixture
def add(client, towel):
    """Add through the product page's form (its CSRF token, its hidden fields), as a browser does."""

    def do_add(variant=None, quantity="1", *, next_url="/products/towel", extra=None, headers=None):
        token = csrf_from(html(client.get("/products/towel")))
        data = {"csrf_token": token, "variant_id": str((variant or towel.variants[0]).id), "quantity": quantity}
        if next_url is not None:
            data["next"] = next_url
        data.update(extra or {})
        return client.post("/cart/items", data=data, headers=headers or {})

    return do_add


def cart_page(client) -> str:
    response = client.get("/cart")
    assert response.status_code == 200
    return html(response)


def item_id_for(variant_id: int) -> int:
    return db.session.scalar(sa.select(CartItem.id).where(CartItem.variant_id == variant_id))


# --- the product page form ----------------------------------------------------------------------


def test_product_page_has_an_add_to_cart_form(client, towel, make_product):
    page = html(client.get("/products/towel"))
    form = page[page.index('<form class="add-to-cart"'):page.index("</form>", page.index('<form class="add-to-cart"'))]
    assert 'action="/cart/items"' in form and 'name="csrf_token"' in form
    assert '<label for="cart-variant">옵션 선택</label>' in form
    assert f'<option value="{towel.variants[0].id}" selected>화이트 · 12,000원</option>' in form
    assert f'<option value="{towel.variants[2].id}" disabled>네이비 · 13,000원 (품절)</option>' in form
    assert '<label for="cart-quantity">수량</label>' in form
    assert 'min="1"' in form and 'max="9999"' in form
    assert "장바구니 담기" in form
    assert 'name="price' not in form  # the form never carries a price

    make_product(slug="bulk", min_order_qty=10)
    page = html(client.get("/products/bulk"))
    assert 'value="10" min="10"' in page and "최소 10개부터 주문할 수 있습니다." in page


def test_a_product_sold_out_in_every_option_offers_no_form(client, make_product):
    make_product(slug="gone", variants=[("기본", 5000, 0)])
    page = html(client.get("/products/gone"))
    assert 'class="add-to-cart"' not in page and "모든 옵션이 품절되어" in page


# --- guests -------------------------------------------------------------------------------------


def test_a_guest_adds_and_goes_back_to_the_product(client, add, towel):
    response = add(quantity="2")
    assert response.status_code == 302 and response.headers["Location"] == "/products/towel"
    cookie = set_cookie_header(response, COOKIE_NAME)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=2592000" in cookie
    assert lines() == {towel.variants[0].id: 2}

    product = html(client.get("/products/towel"))
    assert "무형광 면 수건 (화이트) 2개를 장바구니에 담았습니다." in product
    assert '장바구니 <span class="cart-count">(1)</span>' in product


def test_the_guest_cookie_keeps_the_cart_across_requests(client, add, towel):
    add(quantity="1")
    add(towel.variants[1], quantity="2")
    add(quantity="3")
    assert cart_count_rows() == 1
    assert lines() == {towel.variants[0].id: 4, towel.variants[1].id: 2}
    page = cart_page(client)
    assert "화이트" in page and "그레이" in page


def test_the_guest_token_is_signed_not_in_the_session(client, add):
    response = add()
    raw = client.get_cookie(COOKIE_NAME).value
    token = db.session.scalar(sa.select(Cart.token))
    assert raw != token and token not in raw.split(".")[-1]  # signed, not a bare token
    assert all(token not in h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_a_forged_or_foreign_cookie_finds_no_cart(client, add, app):
    add(quantity="2")
    token = db.session.scalar(sa.select(Cart.token))
    client.set_cookie(COOKIE_NAME, token)  # the bare token, unsigned
    assert "장바구니가 비어 있습니다." in cart_page(client)
    from itsdangerous import URLSafeSerializer

    client.set_cookie(COOKIE_NAME, URLSafeSerializer("another-secret", salt="cart").dumps(token))
    assert "장바구니가 비어 있습니다." in cart_page(client)
    client.set_cookie(COOKIE_NAME, URLSafeSerializer(app.secret_key, salt="cart").dumps(token))
    assert "장바구니가 비어 있습니다." not in cart_page(client)


def test_a_redirect_only_goes_to_this_site(add):
    response = add(next_url="//evil.example/phish")
    assert response.status_code == 302 and response.headers["Location"] == "/cart"
    assert add(next_url=None).headers["Location"] == "/cart"


def test_json_when_asked_for(add, towel):
    response = add(quantity="2", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.is_json
    assert response.json == {"ok": True, "message": "무형광 면 수건 (화이트) 2개를 장바구니에 담았습니다.", "count": 1}
    refused = add(quantity="0", headers={"Accept": "application/json"})
    assert refused.status_code == 400
    assert refused.json["error"] == {"code": "cart", "message": "수량은 1개 이상이어야 합니다.", "field": "quantity"}


# --- refused input: 400, a Korean message, nothing changed --------------------------------------


@pytest.mark.parametrize("quantity, message", [
    ("0", "수량은 1개 이상이어야 합니다."),
    ("-3", "수량은 1개 이상이어야 합니다."),
    ("", "수량을 입력해 주세요."),
    ("abc", "수량은 숫자로 입력해 주세요."),
    ("2.5", "수량은 숫자로 입력해 주세요."),
    ("99999999999999999999999", "한 번에 9,999개까지 담을 수 있습니다."),
    ("41", "재고가 40개 남아 있습니다."),
])
def test_bad_quantities_are_refused(add, quantity, message):
    response = add(quantity=quantity)
    assert response.status_code == 400
    page = html(response)
    assert message in page and 'role="alert"' in page
    assert 'href="/products/towel">상품 페이지로 돌아가기' in page
    assert lines() == {} and cart_count_rows() == 0


@pytest.mark.parametrize("variant_id, message", [
    ("", "옵션을 선택해 주세요."),
    ("abc", "옵션을 선택해 주세요."),
    ("99999999999999999999", "옵션을 선택해 주세요."),
    ("987654", "선택한 옵션을 찾을 수 없습니다."),
])
def test_bad_options_are_refused(client, towel, variant_id, message):
    token = csrf_from(html(client.get("/products/towel")))
    response = client.post("/cart/items", data={"csrf_token": token, "variant_id": variant_id, "quantity": "1"})
    assert response.status_code == 400 and message in html(response)
    assert lines() == {}


def test_an_option_of_an_inactive_product_is_refused(client, add, towel):
    token = csrf_from(html(client.get("/products/towel")))
    towel.status = ProductStatus.HIDDEN
    db.session.commit()
    response = client.post("/cart/items", data={"csrf_token": token, "variant_id": str(towel.variants[0].id),
                                                "quantity": "1"})
    assert response.status_code == 400 and "지금은 판매하지 않는 상품입니다." in html(response)
    assert lines() == {}


def test_a_sold_out_option_is_refused(add, towel):
    response = add(towel.variants[2])
    assert response.status_code == 400 and "품절되었습니다." in html(response)


def test_a_price_in_the_form_is_ignored(add, client, towel):
    response = add(quantity="2", extra={"price": "1", "price_krw": "1", "unit_price_krw": "1", "total": "2"})
    assert response.status_code == 302
    page = cart_page(client)
    assert "24,000원" in page and ">1원<" not in page
    assert "<dt>결제예정금액</dt><dd>27,500원</dd>" in page


def test_adding_needs_the_csrf_token(client, towel):
    response = client.post("/cart/items", data={"variant_id": str(towel.variants[0].id), "quantity": "1"})
    assert response.status_code == 400 and "보안 토큰" in html(response)
    response = client.post("/cart/items", data={"csrf_token": "forged", "variant_id": str(towel.variants[0].id),
                                                "quantity": "1"})
    assert response.status_code == 400
    assert lines() == {} and cart_count_rows() == 0


# --- changing and removing ----------------------------------------------------------------------


def test_change_and_remove_a_line(client, add, towel):
    add(quantity="2")
    item_id = item_id_for(towel.variants[0].id)
    page = cart_page(client)
    assert f'action="/cart/items/{item_id}"' in page and f'action="/cart/items/{item_id}/delete"' in page
    token = csrf_from(page)

    response = client.post(f"/cart/items/{item_id}", data={"csrf_token": token, "quantity": "5"})
    assert response.status_code == 302 and response.headers["Location"] == "/cart"
    assert lines() == {towel.variants[0].id: 5}
    assert "수량을 5개로 바꿨습니다." in cart_page(client)

    response = client.post(f"/cart/items/{item_id}", data={"csrf_token": token, "quantity": "０"})
    assert response.status_code == 400 and "수량은 1개 이상이어야 합니다." in html(response)
    assert lines() == {towel.variants[0].id: 5}

    response = client.post(f"/cart/items/{item_id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert lines() == {}
    page = cart_page(client)
    assert "장바구니에서 삭제했습니다." in page and "장바구니가 비어 있습니다." in page


def test_changing_needs_the_csrf_token(client, add, towel):
    add(quantity="2")
    item_id = item_id_for(towel.variants[0].id)
    assert client.post(f"/cart/items/{item_id}", data={"quantity": "5"}).status_code == 400
    assert client.post(f"/cart/items/{item_id}/delete", data={}).status_code == 400
    assert lines() == {towel.variants[0].id: 2}


def test_another_carts_line_is_not_found(client, add, towel):
    theirs = carts.add_to_guest_cart(None, towel.variants[1].id, 2).id
    add(quantity="1")  # this client's own cart
    token = csrf_from(cart_page(client))
    for url, data in ((f"/cart/items/{theirs}", {"quantity": "3"}), (f"/cart/items/{theirs}/delete", {})):
        response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 404
    assert client.post("/cart/items/99999999999999/delete", data={"csrf_token": token}).status_code == 404
    assert lines() == {towel.variants[1].id: 2, towel.variants[0].id: 1}


def test_without_a_cart_changing_is_not_found(app, client, towel, add):
    theirs = carts.add_to_guest_cart(None, towel.variants[0].id, 2).id
    other = app.test_client()
    token = csrf_from(html(other.get("/products/towel")))
    assert other.post(f"/cart/items/{theirs}", data={"csrf_token": token, "quantity": "1"}).status_code == 404


# --- members and the merge at login -------------------------------------------------------------


def test_a_member_cart_is_kept_with_the_account(client, login, add, towel, make_user):
    user = make_user()
    login(user)
    response = add(quantity="3")
    assert response.status_code == 302
    assert COOKIE_NAME not in "".join(response.headers.getlist("Set-Cookie"))
    assert carts.count_lines_for(user_id=user.id) == 1

    token = csrf_from(cart_page(client))
    client.post("/logout", data={"csrf_token": token})
    assert "장바구니가 비어 있습니다." in cart_page(client)  # signed out: a guest again
    login(user)
    assert "무형광 면 수건" in cart_page(client)


def test_the_guest_cart_merges_at_login_through_the_login_form(client, form_post, add, towel, make_user):
    user = make_user(email="buyer@example.kr")
    carts.add_to_member_cart(user, towel.variants[0].id, 2)
    add(quantity="3")
    add(towel.variants[1], quantity="1")
    guest_token = db.session.scalar(sa.select(Cart.token).where(Cart.user_id.is_(None)))

    response = form_post("/login", {"email": "buyer@example.kr", "password": "correct-horse-42"})
    assert response.status_code == 302
    deleted = set_cookie_header(response, COOKIE_NAME)
    assert "Max-Age=0" in deleted or "expires=Thu, 01 Jan 1970" in deleted
    assert client.get_cookie(COOKIE_NAME) is None

    assert carts.find_guest_cart(guest_token) is None and cart_count_rows() == 1
    member = carts.find_member_cart(user)
    db.session.expire_all()
    assert {i.variant_id: i.quantity for i in member.items} == {towel.variants[0].id: 5, towel.variants[1].id: 1}
    assert '장바구니 <span class="cart-count">(2)</span>' in cart_page(client)


def test_merge_notes_what_had_to_be_capped(client, form_post, add, towel, make_user):
    user = make_user(email="buyer@example.kr")
    carts.add_to_member_cart(user, towel.variants[1].id, 2)  # 그레이: 3 in stock
    add(towel.variants[1], quantity="2")
    form_post("/login", {"email": "buyer@example.kr", "password": "correct-horse-42"})
    page = html(client.get("/"))
    assert "무형광 면 수건 (그레이): 담을 수 있는 수량이 3개라 3개로 맞췄습니다." in page


def test_a_failed_login_keeps_the_guest_cart(client, form_post, add, make_user):
    make_user(email="buyer@example.kr")
    add(quantity="2")
    response = form_post("/login", {"email": "buyer@example.kr", "password": "wrong-password-1"})
    assert response.status_code == 401
    assert client.get_cookie(COOKIE_NAME) is not None
    assert "무형광 면 수건" in cart_page(client)


def test_signing_up_brings_the_guest_cart_along(client, form_post, add, towel):
    add(quantity="2")
    response = form_post("/register", {
        "name": "김함께", "email": "kim@example.kr", "password": "correct-horse-42",
        "password_confirm": "correct-horse-42", "phone": "010-1234-5678", "agree_terms": "y", "agree_privacy": "y",
    })
    assert response.status_code == 302
    assert client.get_cookie(COOKIE_NAME) is None
    assert cart_count_rows() == 1 and db.session.scalar(sa.select(Cart.user_id)) is not None
    assert "무형광 면 수건" in cart_page(client)


# --- the cart page ------------------------------------------------------------------------------


def test_the_empty_cart(client):
    page = cart_page(client)
    assert "<h1>장바구니</h1>" in page and "장바구니가 비어 있습니다." in page
    assert 'href="/categories"' in page and "/checkout" not in page


def test_lines_grouped_with_prices_fees_and_totals(client, add, towel, make_enterprise, make_product,
                                                   make_exhibition):
    other = make_enterprise(name="마포 커피협동조합", shipping_base_fee_krw=3000, free_shipping_threshold_krw=30000,
                            shipping_island_fee_krw=0)
    coffee = make_product(name="공정무역 원두", slug="coffee", enterprise=other, variants=[("200g", 15000, 10)])
    make_exhibition(special_prices={coffee.variants[0]: 12000})
    add(quantity="20")  # 화이트 x20: bulk price 10,000원
    token = csrf_from(html(client.get("/products/coffee")))
    client.post("/cart/items", data={"csrf_token": token, "variant_id": str(coffee.variants[0].id), "quantity": "1"})

    page = cart_page(client)
    towel_group = page[page.index("노원 수건공방"):page.index("마포 커피협동조합")]
    coffee_group = page[page.index("마포 커피협동조합"):page.index('class="cart-summary"')]
    assert "<del>12,000원</del>" in towel_group and "10,000원" in towel_group and "대량구매가" in towel_group
    assert "200,000원" in towel_group and "<dd>무료</dd>" in towel_group
    assert "제주·도서산간 지역은 5,000원이 추가됩니다." in towel_group
    assert "<del>15,000원</del>" in coffee_group and "기획전가" in coffee_group
    assert "<dd>3,000원</dd>" in coffee_group and "18,000원 더 담으면 무료배송" in coffee_group

    summary = page[page.index('class="cart-summary"'):]
    assert "<dt>상품금액</dt><dd>212,000원</dd>" in summary
    assert "<dt>배송비</dt><dd>3,000원</dd>" in summary
    assert "<dt>결제예정금액</dt><dd>215,000원</dd>" in summary
    assert "부가세 19,545원 포함" in summary
    assert "도서산간·제주는 주문서에서 추가 배송비가 붙을 수 있습니다." in summary
    assert '<a class="button wide cart-order" href="/checkout">주문하기</a>' in summary
    assert f'src="/media/{towel.images[0].path.replace(".webp", "")}' in page  # the thumbnail
    assert 'href="/products/towel"' in page and "옵션: 화이트" in page


def test_a_problem_is_shown_beside_its_line_and_blocks_the_order(client, add, towel):
    add(towel.variants[1], quantity="3")
    towel.variants[1].stock = 1
    db.session.commit()
    page = cart_page(client)
    line = page[page.index('class="cart-line has-problem"'):]
    assert "재고가 1개 남아 있습니다." in line[:line.index("</li>")]
    summary = page[page.index('class="cart-summary"'):]
    assert "disabled" in summary and "주문할 수 없는 상품이 있습니다." in summary
    assert 'href="/checkout"' not in summary


def test_the_header_counts_lines(client, add, towel):
    assert '장바구니 <span class="cart-count">(0)</span>' in html(client.get("/"))
    add(quantity="2")
    add(towel.variants[1], quantity="1")
    assert '장바구니 <span class="cart-count">(2)</span>' in html(client.get("/"))


def test_the_header_count_costs_no_query_without_a_cart(client, towel, count_queries):
    client.get("/about")
    with count_queries() as queries:
        assert client.get("/about").status_code == 200
    assert not [q for q in queries if "cart" in q]


def test_the_header_still_renders_when_the_count_cannot_be_read(client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def fail(**_):
        raise OperationalError("SELECT count", {}, Exception("database is down"))

    monkeypatch.setattr(carts, "count_lines_for", fail)
    page = html(client.get("/about"))
    assert '<a class="cart-link" href="/cart">장바구니</a>' in page


def test_the_cart_page_runs_the_same_queries_for_two_lines_or_six(client, make_enterprise, make_product,
                                                                   make_exhibition, count_queries):
    def fill(n: int) -> None:
        for _ in range(n):
            variant = make_product(enterprise=make_enterprise(), variants=[("기본", 9000, 50)],
                                   tiers={0: [(10, 8000)]}).variants[0]
            make_exhibition(special_prices={variant: 8500})
            token = csrf_from(html(client.get(f"/products/{variant.product.slug}")))
            client.post("/cart/items", data={"csrf_token": token, "variant_id": str(variant.id), "quantity": "1"})

    def queries_for_cart_page() -> int:
        with count_queries() as queries:
            assert client.get("/cart").status_code == 200
        return len(queries)

    fill(2)
    with_two = queries_for_cart_page()
    fill(4)
    assert len(lines()) == 6
    assert queries_for_cart_page() == with_two
