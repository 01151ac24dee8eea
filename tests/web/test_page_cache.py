"""Storefront pages come from the shared page cache after their first visit, by anyone, yet each visitor
still gets a CSRF token of their own, their own name and cart count in the header, their own quantity
limit and (institution buyers) the quotation button; visitors with a message waiting get a page of their own; and a change to what
a page shows (stock, a sell-out, a review, the operator's details, the date) is on the next visit."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import template_rendered

from shop.accounts.models import Role
from shop.catalog import editing, sku_updates, stock_sheet, stock_table
from shop.catalog import services as catalog_services
from shop.catalog.editing import OptionInput
from shop.catalog.stock_table import StockSet
from shop.core import cache as shop_cache
from shop.core.korea import kst_today
from shop.extensions import db
from shop.orders import stock
from shop.reviews import services as reviews
from shop.site import settings as site_settings
from shop.web import cart as cart_pages
from shop.web import page_cache
from tests.conftest import csrf_from, signed_in
from tests.services.order_helpers import race
from tests.services.test_reviews import GOOD_BODY, bought
from tests.web.test_catalog_cache import card_names


def page(client, url: str):
    # A context of its own, as each request has in a server: Flask-WTF keeps the token it made in `g`.
    with client.application.app_context():
        response = client.get(url)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "\x00" not in text, "a late-part marker reached the visitor"
    return response.headers.get("X-Page-Cache"), text


def add_to_cart(client, token: str, product):
    with client.application.app_context():
        return client.post("/cart/items", data={"csrf_token": token, "variant_id": str(product.variants[0].id),
                                                "quantity": "1"})


@pytest.fixture
def jam(make_category, make_product):
    shelf = make_category("잼·청", slug="jam")
    return make_product(name="딸기잼", slug="strawberry-jam", category=shelf, variants=[("기본", 5000, 30)])


def test_a_second_guest_visit_is_served_without_touching_the_database(app, jam, count_queries):
    first, second = app.test_client(), app.test_client()
    assert page(first, "/products/strawberry-jam")[0] == "miss"
    with count_queries() as queries:
        state, html = page(second, "/products/strawberry-jam")
    assert state == "hit" and "딸기잼" in html
    assert queries == []


def test_each_visitor_gets_a_csrf_token_of_their_own_and_it_works(app, jam):
    first, second = app.test_client(), app.test_client()
    first_token = csrf_from(page(first, "/products/strawberry-jam")[1])
    state, html = page(second, "/products/strawberry-jam")
    second_token = csrf_from(html)
    assert state == "hit" and first_token != second_token

    assert add_to_cart(second, second_token, jam).status_code in (302, 303)
    assert add_to_cart(second, first_token, jam).status_code == 400  # another visitor's token, copied from a shared page, is no good


def test_the_header_shows_each_guest_their_own_cart_count(app, jam):
    with_cart, without_cart = app.test_client(), app.test_client()
    token = csrf_from(page(with_cart, "/products/strawberry-jam")[1])
    add_to_cart(with_cart, token, jam)
    page(with_cart, "/cart")  # where the "added" message is shown

    assert '<span class="cart-count">(0)</span>' in page(without_cart, "/categories/jam")[1]
    state, html = page(with_cart, "/categories/jam")
    assert state == "hit" and '<span class="cart-count">(1)</span>' in html
    assert '<span class="cart-count">(0)</span>' in page(without_cart, "/categories/jam")[1]


def member_page(app, user, url: str):
    with app.app_context():
        browser, _ = signed_in(app, user)
        response = browser.get(url)
    assert "\x00" not in response.get_data(as_text=True)
    return response.headers.get("X-Page-Cache"), response.get_data(as_text=True)


def test_members_share_pages_but_each_sees_their_own_name_and_logout_form(app, jam, make_user):
    assert page(app.test_client(), "/products/strawberry-jam")[0] == "miss"
    first = member_page(app, make_user(Role.CONSUMER, name="김하늘"), "/products/strawberry-jam")
    second = member_page(app, make_user(Role.CONSUMER, name="이바다"), "/products/strawberry-jam")
    assert first[0] == "hit" and second[0] == "hit"  # the guest's render, with each member's own header
    assert "김하늘님" in first[1] and "이바다님" in second[1] and "김하늘" not in second[1]
    assert 'action="/logout"' in second[1] and csrf_from(first[1]) != csrf_from(second[1])
    assert "김하늘" not in page(app.test_client(), "/products/strawberry-jam")[1]


def test_a_members_cached_page_costs_no_query_and_counts_their_cart(app, jam, make_user, make_product,
                                                                     count_queries, monkeypatch):
    with app.app_context():
        member, token = signed_in(app, make_user(Role.CONSUMER, name="김하늘"))
    page(member, "/categories/jam")
    assert add_to_cart(member, token, jam).status_code in (302, 303)
    page(member, "/cart")  # where the "added" message is shown
    page(member, "/categories/jam")
    round_trips = []
    for name in ("get", "get_many"):
        monkeypatch.setattr(shop_cache.cache, name, _counting(getattr(shop_cache.cache, name), name, round_trips))
    with app.app_context(), count_queries() as queries:  # a request of its own, as in a server
        response = member.get("/categories/jam")
    assert response.headers["X-Page-Cache"] == "hit"
    assert '<span class="cart-count">(1)</span>' in response.get_data(as_text=True)
    assert queries == []  # the login session, the member and the cart count come from the cache
    assert round_trips == ["get_many"]  # the login session, the page and the cart count, together

    tea = make_product(name="유자차")
    page(member, "/categories/jam")
    assert add_to_cart(member, token, tea).status_code in (302, 303)
    page(member, "/cart")
    state, html = page(member, "/categories/jam")
    assert state == "hit" and '<span class="cart-count">(2)</span>' in html  # a page kept, a count moved on


def test_a_members_cached_product_page_finds_its_product_in_the_login_round_trip(app, jam, make_user,
                                                                                  count_queries, monkeypatch):
    with app.app_context():
        member, _ = signed_in(app, make_user(Role.CONSUMER, name="김하늘"))
    page(member, "/products/strawberry-jam")
    round_trips = []
    for name in ("get", "get_many"):
        monkeypatch.setattr(shop_cache.cache, name, _counting(getattr(shop_cache.cache, name), name, round_trips))
    with app.app_context(), count_queries() as queries:
        response = member.get("/products/strawberry-jam")
    assert response.headers["X-Page-Cache"] == "hit" and "김하늘님" in response.get_data(as_text=True)
    assert queries == []
    assert round_trips == ["get_many"]  # the login session with the product's id, the page and the cart count

    with app.app_context():  # the product's stock moves: the page is drawn again, with the new number
        jam = db.session.merge(jam)
        jam.variants[0].stock = 3
        db.session.commit()
    state, html = page(member, "/products/strawberry-jam")
    assert state == "miss" and "3개 남음" in html


def test_a_wrong_guess_of_a_members_cart_or_product_costs_a_round_trip_not_a_wrong_page(
        app, jam, make_product, make_user, monkeypatch):
    """The cart id and the product id named before the login session is read are what this process saw
    last; when they are out of date (another worker made the cart, a slug now names another product) the
    page and the count still come out right, at the price of a second round trip (as before guessing)."""
    other = make_product(name="유자차", variants=[("기본", 9000, 5)])
    with app.app_context():
        member, token = signed_in(app, make_user(Role.CONSUMER, name="김하늘"))
    assert add_to_cart(member, token, jam).status_code in (302, 303)
    page(member, "/cart")
    page(member, "/products/strawberry-jam")
    catalog_services._product_ids_seen.learn("strawberry-jam", other.id)
    for user_id in list(cart_pages._cart_ids_seen._known):
        cart_pages._cart_ids_seen.learn(user_id, 999_999)
    round_trips = []
    monkeypatch.setattr(shop_cache.cache, "get_many", _counting(shop_cache.cache.get_many, "get_many", round_trips))
    state, html = page(member, "/products/strawberry-jam")
    assert state == "hit" and "딸기잼" in html and '<span class="cart-count">(1)</span>' in html
    assert round_trips == ["get_many", "get_many"]  # the login session with the guesses; the page with the count

    with app.app_context():  # the page was kept under the jam's own stock mark, not the guessed one
        jam = db.session.merge(jam)
        jam.variants[0].stock = 3
        db.session.commit()
    state, html = page(member, "/products/strawberry-jam")
    assert state == "miss" and "3개 남음" in html


def test_a_visitors_csrf_token_is_signed_once_a_minute_and_stays_good(app, jam, make_user, monkeypatch):
    with app.app_context():
        member, _ = signed_in(app, make_user(Role.CONSUMER))
    signings = []
    monkeypatch.setattr(page_cache, "generate_csrf", _counting(page_cache.generate_csrf, "sign", signings))
    first = csrf_from(page(member, "/products/strawberry-jam")[1])
    second = csrf_from(page(member, "/categories/jam")[1])
    assert first == second and len(signings) <= 1
    assert add_to_cart(member, second, jam).status_code in (302, 303)
    assert "장바구니에 담았습니다" in page(member, "/cart")[1]

    monkeypatch.setattr(page_cache, "CSRF_TOKEN_REUSE_SECONDS", 0)  # a minute later
    signed_before = len(signings)
    third = csrf_from(page(member, "/categories/jam")[1])
    assert len(signings) == signed_before + 1
    assert add_to_cart(member, third, jam).status_code in (302, 303)

    guest = app.test_client()  # another session, another secret: never handed this member's token
    assert csrf_from(page(guest, "/products/strawberry-jam")[1]) not in (first, third)


def _counting(method, name: str, calls: list):
    def counted(*args, **kwargs):
        calls.append(name)
        return method(*args, **kwargs)
    return counted


def test_institution_buyers_and_consumers_see_their_own_buttons_on_a_cached_product_page(
        app, jam, make_user, make_institution):
    institution = make_institution()
    buyers = [make_user(Role.INSTITUTION, institution=institution, membership_approved=True) for _ in range(2)]
    consumer = make_user(Role.CONSUMER)
    state, html = member_page(app, consumer, "/products/strawberry-jam")
    assert state == "miss" and "견적 요청" not in html and 'max="9999"' in html
    for buyer in buyers:
        state, html = member_page(app, buyer, "/products/strawberry-jam")
        assert state == "hit" and "견적 요청" in html and "기관 구매" in html and 'max="99999"' in html
    state, html = member_page(app, consumer, "/products/strawberry-jam")
    assert state == "hit" and "견적 요청" not in html and "기관 구매" not in html and 'max="9999"' in html
    assert "견적 요청" not in page(app.test_client(), "/products/strawberry-jam")[1]


def test_a_flashed_message_is_shown_once_and_never_shared(app, jam, make_user):
    anonymous = app.test_client()
    assert page(anonymous, "/")[0] == "miss"
    with app.app_context():
        member, token = signed_in(app, make_user(Role.CONSUMER))
        after_logout = member.post("/logout", data={"csrf_token": token}, follow_redirects=True)
    notice = re.search(r'class="flash flash-[^"]*">([^<]+)<', after_logout.get_data(as_text=True))
    assert notice and "X-Page-Cache" not in after_logout.headers

    state, html = page(anonymous, "/")
    assert state == "hit" and notice.group(1).strip() not in html
    assert page(member, "/")[0] == "hit"  # the message was shown once; the next visit is an ordinary one


def test_a_stock_change_shows_on_the_product_page_but_keeps_listings_cached(app, jam):
    visitor = app.test_client()
    page(visitor, "/products/strawberry-jam")
    page(visitor, "/categories/jam")

    stock.take(jam.variants[0].id, 27, jam.id)
    stock.refresh_in_stock([jam.id])
    db.session.commit()
    state, html = page(visitor, "/products/strawberry-jam")
    assert state == "miss" and "재고 3개 남음" in html
    state, html = page(visitor, "/categories/jam")
    assert state == "hit" and 'class="soldout' not in html  # listings show only the sold-out flag


def test_a_sale_draws_only_the_sold_products_page_anew(app, jam, make_product):
    tea = make_product(name="유자차", slug="yuja-tea", category=jam.category, variants=[("기본", 9000, 30)])
    visitor = app.test_client()
    page(visitor, "/products/strawberry-jam")
    page(visitor, "/products/yuja-tea")

    stock.take(jam.variants[0].id, 26, jam.id)
    db.session.commit()
    state, html = page(visitor, "/products/strawberry-jam")
    assert state == "miss" and "재고 4개 남음" in html
    assert page(visitor, "/products/yuja-tea")[0] == "hit"
    assert tea.variants[0].stock == 30


def _set_in_console_table(seller, variant):
    stock_table.set_stock(seller.enterprise_id, [StockSet(variant.id, expected=30, new=4)])


def _set_through_the_api(seller, variant):
    sku_updates.update_option(seller.enterprise_id, variant.sku, {"stock": 4}, seller, via="API 키 'ERP'")


def _set_from_a_sheet(seller, variant):
    sheet = (f"SKU,상품명,옵션명,판매가,재고관리,현재고,새 재고\r\n"
             f"{variant.sku},딸기잼,기본,{variant.price_krw},Y,30,4\r\n").encode()
    preview = stock_sheet.preview(seller.enterprise_id, sheet)
    assert preview.ok, preview.errors
    stock_sheet.apply(seller.enterprise_id, preview.planned)


def _set_in_the_edit_form(seller, variant):
    editing.update_option(seller.enterprise_id, variant.product_id, variant.id,
                          OptionInput(name=variant.name, price_krw=variant.price_krw, stock=4), seller, stock_seen=30)


@pytest.mark.parametrize("set_stock", [_set_in_console_table, _set_through_the_api, _set_from_a_sheet,
                                       _set_in_the_edit_form])
def test_stock_an_enterprise_sets_shows_on_its_cached_product_page(app, make_product, make_enterprise, make_user,
                                                                     set_stock):
    seller = make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="햇살 협동조합"))
    jam = make_product(name="딸기잼", slug="strawberry-jam", enterprise=seller.enterprise,
                       variants=[("기본", 5000, 30)])
    visitor = app.test_client()
    page(visitor, "/products/strawberry-jam")
    assert page(visitor, "/products/strawberry-jam")[0] == "hit"

    set_stock(seller, jam.variants[0])
    db.session.commit()
    state, html = page(visitor, "/products/strawberry-jam")
    assert state == "miss" and "재고 4개 남음" in html


@pytest.mark.parametrize("url", ["/categories/jam", "/search?q=잼"])
def test_selling_out_shows_on_a_cached_listing(app, jam, url):
    """The sold-out flag is a stock column ("availability"), not a catalog row: a flip draws listings anew."""
    visitor = app.test_client()
    assert "soldout" not in page(visitor, url)[1]
    stock.take(jam.variants[0].id, 30, jam.id)
    stock.refresh_in_stock([jam.id])
    db.session.commit()
    state, html = page(visitor, url)
    assert state == "miss" and card_names(html) == ["딸기잼"] and 'class="soldout' in html


def test_a_new_review_shows_on_a_cached_product_page(app, jam, make_user):
    visitor = app.test_client()
    assert GOOD_BODY not in page(visitor, "/products/strawberry-jam")[1]
    buyer = make_user(Role.CONSUMER, name="박서연")
    order = bought(buyer, make_user(Role.ADMIN), jam.variants)
    page(visitor, "/products/strawberry-jam")  # the order moved stock: cached again, without the review
    reviews.write_review(buyer, order.items[0].id, 5, GOOD_BODY)
    state, html = page(visitor, "/products/strawberry-jam")
    assert state == "miss" and GOOD_BODY in html


def test_new_operator_details_reach_every_cached_footer(app, jam, make_user):
    visitor = app.test_client()
    for url in ("/", "/terms", "/categories/jam"):
        page(visitor, url)
    details = site_settings.current()
    site_settings.save(site_settings.SettingsInput(operator={**details.operator, "phone": "02-6000-1234"},
                                                   policies=details.policies), actor=make_user(Role.ADMIN))
    for url in ("/", "/terms", "/categories/jam"):
        state, html = page(visitor, url)
        assert state == "miss" and "02-6000-1234" in html


def test_the_next_day_is_a_new_page(app, jam, make_exhibition, monkeypatch):
    today = kst_today()
    exhibition = make_exhibition(products=[jam], special_prices={jam.variants[0]: 3900},
                                 starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=7))
    visitor = app.test_client()
    assert "3,900원" not in page(visitor, "/categories/jam")[1]
    assert page(visitor, f"/exhibitions/{exhibition.slug}")[0] == "miss"

    for module in ("shop.web.page_cache", "shop.web.storefront", "shop.catalog.listing"):
        monkeypatch.setattr(f"{module}.kst_today", lambda: today + timedelta(days=1))
    state, html = page(visitor, "/categories/jam")
    assert state == "miss" and "3,900원" in html


def test_visitors_arriving_together_at_a_cold_page_wait_for_one_render(app, jam):
    rendered = []

    def record(_app, template, context):
        rendered.append(template.name)

    def visit(_i: int) -> str | None:
        return page(app.test_client(), "/products/strawberry-jam")[0]

    with template_rendered.connected_to(record, app):
        states = race(app, 8, visit)
    assert sorted(states, key=str) == ["hit"] * 7 + ["miss"], states
    assert rendered.count("storefront/product.html") == 1


def test_visitors_arriving_together_at_a_missing_page_each_get_a_404(app):
    def visit(_i: int) -> int:
        with app.app_context():
            return app.test_client().get("/products/no-such-product").status_code

    assert race(app, 6, visit) == [404] * 6  # a render that keeps nothing hands the claim on at once


def test_only_successful_pages_are_kept(app):
    visitor = app.test_client()
    for _ in range(2):
        response = visitor.get("/products/no-such-product")
        assert response.status_code == 404 and "X-Page-Cache" not in response.headers


def _reprice(product, price: int, make_user) -> None:
    option = product.variants[0]
    seller = make_user(Role.ENTERPRISE, enterprise=product.enterprise)
    editing.update_option(product.enterprise_id, product.id, option.id,
                          OptionInput(name=option.name, price_krw=price, sku=option.sku, stock=option.stock),
                          seller, stock_seen=option.stock)


@pytest.mark.parametrize("url", ["/categories/jam", "/search?q=잼"])
def test_a_listing_is_drawn_anew_only_when_a_product_it_shows_changed(app, jam, make_product, make_category,
                                                                      make_user, url):
    elsewhere = make_product(name="수제 비누", category=make_category("생활용품"), variants=[("기본", 7000, 5)])
    visitor = app.test_client()
    assert page(visitor, url)[0] == "miss"

    _reprice(elsewhere, 8000, make_user)  # a catalog change: the page itself is missed
    state, html = page(visitor, url)
    assert state == "drawn before" and card_names(html) == ["딸기잼"] and "5,000원" in html

    _reprice(jam, 6500, make_user)
    state, html = page(visitor, url)
    assert state == "miss" and "6,500원" in html and "5,000원" not in html


def test_a_listing_shows_a_new_product_and_its_count_after_another_was_edited(app, jam, make_product, make_user):
    visitor = app.test_client()
    page(visitor, "/search?q=잼")
    make_product(name="블루베리잼", category=jam.category)
    state, html = page(visitor, "/search?q=잼")
    assert state == "miss" and sorted(card_names(html)) == ["딸기잼", "블루베리잼"]
    assert "총 <strong>2</strong>개 상품" in html


@pytest.mark.parametrize("url", ["/categories/jam", "/search?q=잼"])
def test_what_every_listing_shares_is_drawn_anew(app, jam, make_exhibition, url):
    """Enterprises, images and exhibition prices belong to no one product's own rows: a change to them draws
    every listing anew (CATALOG_SHARED)."""
    visitor = app.test_client()
    page(visitor, url)
    jam.enterprise.name = "새이름 협동조합"
    db.session.commit()
    state, html = page(visitor, url)
    assert state == "miss" and "새이름 협동조합" in html

    jam.images[0].alt = "딸기잼 새 사진"
    jam.images[0].path = "test/new-jam.webp"
    db.session.commit()
    state, html = page(visitor, url)
    assert state == "miss" and "new-jam" in html

    today = kst_today()
    make_exhibition(products=[jam], special_prices={jam.variants[0]: 3900}, starts_on=today - timedelta(days=1),
                    ends_on=today + timedelta(days=1))
    state, html = page(visitor, url)
    assert state == "miss" and "3,900원" in html


def test_a_value_fetched_along_is_taken_once_and_only_for_the_same_generations(app, monkeypatch):
    with app.test_request_context("/"):
        for key in ("page", "count"):
            shop_cache.keep_current(key, shop_cache.fetch_current(key, ("site",))[1], f"{key} 값")
        round_trips = []
        monkeypatch.setattr(shop_cache.cache, "get_many",
                            _counting(shop_cache.cache.get_many, "get_many", round_trips))
        assert shop_cache.fetch_current("page", ("site",), along=[("count", ("site",))])[0] == "page 값"
        assert shop_cache.fetch_current("count", ("site",))[0] == "count 값"
        assert len(round_trips) == 1
        assert shop_cache.fetch_current("count", ("site",))[0] == "count 값"  # taken once: asked again
        assert len(round_trips) == 2
        shop_cache.fetch_current("page", ("site",), along=[("count", ("carts",))])
        assert shop_cache.fetch_current("count", ("site",))[0] == "count 값"  # other generations: asked again
        assert len(round_trips) == 4
        shop_cache.fetch_current("page", ("site",), along=[("count", ("site",))])  # left untaken
    with app.test_request_context("/"):  # a new request holds nothing of the last one's
        shop_cache.fetch_current("count", ("site",))
        assert len(round_trips) == 6
