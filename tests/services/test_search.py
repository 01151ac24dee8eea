"""Korean search finds every product containing a 1-, 2- or longer-syllable term, on both databases."""
import unicodedata

import pytest

from shop.catalog.listing import ListingFilters, list_products
from shop.catalog.models import ProductStatus
from shop.extensions import db
from shop.search.services import index_products, matching_ids


def names(filters: ListingFilters) -> set[str]:
    return {p.name for p in list_products(filters).items}


@pytest.fixture
def catalog(make_product, make_enterprise, make_category):
    coffee = make_category("커피·차")
    household = make_category("생활용품")
    bakery = make_enterprise(name="마포 빵공방")
    make_product(name="유기농 쌀 10kg", summary="경기 여주 햅쌀")
    make_product(name="찹쌀 떡국떡", summary="설 선물")
    make_product(name="수제 천연비누", category=household, summary="올리브 오일")
    make_product(name="공정무역 원두커피", category=coffee, summary="에티오피아 예가체프")
    make_product(name="드립백 세트", category=coffee, summary="핸드드립", enterprise=bakery)
    make_product(name="쌀과자", status=ProductStatus.HIDDEN)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("쌀", {"유기농 쌀 10kg", "찹쌀 떡국떡"}),
        ("비누", {"수제 천연비누"}),
        ("커피", {"공정무역 원두커피", "드립백 세트"}),  # the second through its category name
        ("원두 커피", {"공정무역 원두커피"}),
        ("원두커피", {"공정무역 원두커피"}),
        ("빵공방", {"드립백 세트"}),  # enterprise name
        ("천연 비누", {"수제 천연비누"}),
        ("10KG", {"유기농 쌀 10kg"}),
        ("없는상품", set()),
    ],
)
def test_search_finds_every_matching_visible_product(catalog, query, expected):
    assert names(ListingFilters(q=query, per_page=100)) == expected


def test_decomposed_hangul_finds_the_same(catalog):
    nfd = unicodedata.normalize("NFD", "비누")
    assert nfd != "비누"
    assert names(ListingFilters(q=nfd)) == {"수제 천연비누"}


def test_punctuation_only_query_matches_nothing(catalog):
    assert matching_ids("!!! ...") is None
    assert names(ListingFilters(q="!!!")) == set()


def test_renamed_product_is_found_by_its_new_name_only(catalog, make_product):
    product = make_product(name="옛날 이름")
    product.name = "새로운 머그컵"
    index_products([product])
    db.session.commit()
    assert names(ListingFilters(q="머그")) == {"새로운 머그컵"}
    assert names(ListingFilters(q="옛날")) == set()
