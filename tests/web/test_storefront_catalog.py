"""Category pages and search: what a shopper sees, and that filters, sorts and pages really work."""
import re
import unicodedata
from datetime import timedelta

import pytest

from shop.catalog.models import ProductStatus
from shop.core.korea import kst_today
from shop.enterprises.models import EnterpriseType
from shop.models_base import ApprovalStatus


def titles(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'class="card-title">([^<]+)</h\d>', response.get_data(as_text=True))


@pytest.fixture
def shelf(make_category, make_enterprise, make_product):
    food = make_category("식품", slug="food")
    coffee = make_category("커피·차", parent=food, slug="coffee")
    office = make_category("사무용품", slug="office")
    coop = make_enterprise(name="성수 커피협동조합", enterprise_type=EnterpriseType.COOPERATIVE, district="성동구")
    village = make_enterprise(name="도봉 마을부엌", enterprise_type=EnterpriseType.VILLAGE_ENTERPRISE, district="도봉구")
    make_product(name="유기농 현미", category=food, enterprise=village, price=15000, sales_count=5)
    make_product(name="드립백 커피", category=coffee, enterprise=coop, price=9000, sales_count=50)
    make_product(name="콜드브루 원액", category=coffee, enterprise=coop, price=22000, stock=0, sales_count=1)
    make_product(name="재생지 노트", category=office, price=3000, sales_count=20)
    make_product(name="숨긴 상품", category=food, enterprise=village, status=ProductStatus.HIDDEN)
    pending = make_enterprise(name="심사중 기업", status=ApprovalStatus.PENDING)
    make_product(name="심사중 기업 상품", category=food, enterprise=pending)
    return {"food": food, "coffee": coffee, "office": office}


def test_categories_page_lists_the_tree_with_counts_and_all_products(client, shelf):
    response = client.get("/categories")
    html = response.get_data(as_text=True)
    assert "<h1>전체 상품</h1>" in html
    assert re.search(r'href="/categories/food">식품 <span class="count">\(3\)</span>', html)
    assert re.search(r'href="/categories/coffee">커피·차 <span class="count">\(2\)</span>', html)
    assert set(titles(response)) == {"유기농 현미", "드립백 커피", "콜드브루 원액", "재생지 노트"}
    assert "총 <strong>4</strong>개 상품" in html


def test_category_page_shows_its_products_and_its_subcategories(client, shelf):
    response = client.get("/categories/food")
    html = response.get_data(as_text=True)
    assert "<h1>식품</h1>" in html
    assert set(titles(response)) == {"유기농 현미", "드립백 커피", "콜드브루 원액"}
    assert 'href="/categories/coffee">커피·차</a>' in html
    sub = client.get("/categories/coffee")
    assert set(titles(sub)) == {"드립백 커피", "콜드브루 원액"}
    assert 'href="/categories/food">식품</a>' in sub.get_data(as_text=True)  # breadcrumb to the parent


def test_cards_show_price_enterprise_badge_image_and_sold_out(client, shelf):
    html = client.get("/categories/coffee").get_data(as_text=True)
    assert '<span class="price">9,000원</span>' in html
    assert '<span class="badge badge-cooperative">협동조합</span> 성수 커피협동조합' in html
    assert re.search(r'<img src="/media/test/\d+\.thumb\.webp" alt="드립백 커피"', html)
    card = html[html.index("콜드브루 원액") - 900: html.index("콜드브루 원액") + 300]
    assert "품절" in card


def test_unknown_category_is_404(client, shelf):
    assert client.get("/categories/no-such-thing").status_code == 404
    assert client.get("/categories/" + "x" * 500).status_code == 404


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("price_asc", ["재생지 노트", "드립백 커피", "유기농 현미", "콜드브루 원액"]),
        ("price_desc", ["콜드브루 원액", "유기농 현미", "드립백 커피", "재생지 노트"]),
        ("popular", ["드립백 커피", "재생지 노트", "유기농 현미", "콜드브루 원액"]),
        ("newest", ["재생지 노트", "콜드브루 원액", "드립백 커피", "유기농 현미"]),
    ],
)
def test_sorting(client, shelf, sort, expected):
    assert titles(client.get(f"/categories?sort={sort}")) == expected


@pytest.mark.parametrize(
    "query, expected",
    [
        ("type=cooperative", {"드립백 커피", "콜드브루 원액"}),
        ("type=cooperative&type=village_enterprise", {"드립백 커피", "콜드브루 원액", "유기농 현미"}),
        ("district=도봉구", {"유기농 현미"}),
        ("min_price=9000&max_price=15000", {"드립백 커피", "유기농 현미"}),
        ("max_price=3000", {"재생지 노트"}),
        ("in_stock=1&type=cooperative", {"드립백 커피"}),
    ],
)
def test_filters(client, shelf, query, expected):
    assert set(titles(client.get(f"/categories?{query}"))) == expected


def test_active_filters_are_shown_checked_and_kept_in_the_form(client, shelf):
    html = client.get("/categories?type=cooperative&district=성동구&in_stock=1&sort=price_desc").get_data(as_text=True)
    assert 'value="cooperative" checked' in html
    assert '<option value="성동구" selected>' in html
    assert 'name="in_stock" value="1" checked' in html
    assert '<option value="price_desc" selected>높은 가격순</option>' in html
    assert "3개 적용" in html


@pytest.mark.parametrize(
    "query",
    [
        "page=-1", "page=abc", "page=0", "page=99999999999999999999", "per_page=100000", "sort=bogus",
        "type=bogus", "district=뉴욕", "min_price=abc&max_price=-5", "min_price=50000&max_price=100",
        "q=" + "가" * 2000, "page=%EF%BC%92",
    ],
)
def test_bad_parameters_fall_back_to_defaults(client, shelf, query):
    assert client.get(f"/categories?{query}").status_code == 200
    assert client.get(f"/categories/food?{query}").status_code == 200
    assert client.get(f"/search?q=커피&{query}").status_code == 200


def test_swapped_price_range_still_filters(client, shelf):
    assert set(titles(client.get("/categories?min_price=15000&max_price=9000"))) == {"드립백 커피", "유기농 현미"}


def test_pagination(client, make_category, make_product):
    category = make_category("생활용품", slug="living")
    for i in range(30):
        make_product(name=f"행주 {i:02d}", category=category, price=1000 + i)
    first = client.get("/categories/living?sort=price_asc")
    assert titles(first)[:2] == ["행주 00", "행주 01"] and len(titles(first)) == 24
    html = first.get_data(as_text=True)
    assert 'href="/categories/living?sort=price_asc&amp;page=2" rel="next">다음</a>' in html
    assert "총 <strong>30</strong>개 상품" in html
    second = client.get("/categories/living?sort=price_asc&page=2")
    assert titles(second) == [f"행주 {i}" for i in range(24, 30)]
    beyond = client.get("/categories/living?page=9")
    assert titles(beyond) == [] and "조건에 맞는 상품이 없습니다." in beyond.get_data(as_text=True)


def test_card_strikes_the_regular_price_while_an_exhibition_runs(client, make_product, make_exhibition):
    product = make_product(name="꿀 선물세트", price=12000)
    make_exhibition(products=[product], special_prices={product.variants[0]: 9000})
    html = client.get("/categories").get_data(as_text=True)
    assert "<del>12,000원</del>" in html and '<span class="sale">9,000원</span>' in html


def test_card_shows_the_regular_price_once_the_exhibition_ended(client, make_product, make_exhibition):
    product = make_product(name="꿀 선물세트", price=12000)
    yesterday = kst_today() - timedelta(days=1)
    make_exhibition(products=[product], special_prices={product.variants[0]: 9000},
                    starts_on=yesterday - timedelta(days=7), ends_on=yesterday)
    html = client.get("/categories").get_data(as_text=True)
    assert "<del>" not in html and "9,000원" not in html
    assert '<span class="price">12,000원</span>' in html


# --- search ---------------------------------------------------------------------------------


def test_search_shows_the_query_the_count_and_the_matches(client, shelf):
    response = client.get("/search?q=커피")
    html = response.get_data(as_text=True)
    assert "‘커피’ 검색 결과" in html
    assert "총 <strong>2</strong>개 상품" in html
    assert set(titles(response)) == {"드립백 커피", "콜드브루 원액"}
    assert 'value="커피"' in html  # the header search box keeps the query


def test_search_lists_matching_enterprises(client, shelf):
    html = client.get("/search?q=커피협동").get_data(as_text=True)
    assert "관련 입점기업" in html and "성수 커피협동조합" in html
    assert "심사중 기업" not in client.get("/search?q=심사중").get_data(as_text=True)


def test_search_with_filters_and_sort(client, shelf):
    assert titles(client.get("/search?q=커피&sort=price_desc")) == ["콜드브루 원액", "드립백 커피"]
    assert titles(client.get("/search?q=커피&in_stock=1")) == ["드립백 커피"]
    assert titles(client.get("/search?q=커피&district=도봉구")) == []


def test_search_in_decomposed_hangul_finds_the_same(client, shelf):
    nfd = unicodedata.normalize("NFD", "현미")
    assert titles(client.get(f"/search?q={nfd}")) == ["유기농 현미"]


def test_empty_search_shows_a_friendly_prompt(client, shelf):
    html = client.get("/search?q=").get_data(as_text=True)
    assert "찾으시는 상품이나 기업 이름을 입력해 주세요." in html
    assert 'class="card-title"' not in html


def test_no_results_says_so(client, shelf):
    html = client.get("/search?q=없는물건").get_data(as_text=True)
    assert "‘없는물건’에 맞는 상품이 없습니다." in html
    assert "총 <strong>0</strong>개 상품" in html


def test_search_without_a_query_but_with_a_filter_lists_products(client, shelf):
    assert set(titles(client.get("/search?type=village_enterprise"))) == {"유기농 현미"}


def test_hidden_and_unapproved_products_never_show(client, shelf):
    for url in ("/categories", "/categories/food", "/search?q=상품", "/"):
        html = client.get(url).get_data(as_text=True)
        assert "숨긴 상품" not in html and "심사중 기업 상품" not in html


@pytest.mark.parametrize("query", ["q=%00커피", "q=커피&district=%00", "q=%25_%5C", "type=%00&sort=%00"])
def test_control_characters_and_like_wildcards_are_harmless(client, shelf, query):
    assert client.get(f"/search?{query}").status_code == 200
    assert client.get(f"/categories?{query}").status_code == 200


def test_like_wildcards_in_a_query_match_literally(client, shelf):
    assert "관련 입점기업" not in client.get("/search?q=%25").get_data(as_text=True)


def test_huge_query_is_cut_not_refused(client, shelf):
    response = client.get("/search?q=" + "커피" * 1000)
    assert response.status_code == 200
