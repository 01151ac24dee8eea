"""Every listing page and list endpoint runs the same small number of SQL statements whether it
shows 3 items or a full page: no query per product, enterprise or exhibition."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.core.cache import cache
from shop.core.korea import kst_today
from shop.curation.models import ArtCollaboration, Exhibition, ExhibitionItem, ExhibitionPrice
from shop.enterprises.models import EnterpriseType
from shop.extensions import db

MAX_QUERIES = 10
TYPES = list(EnterpriseType)


@pytest.fixture
def shop_of(make_category, make_enterprise, make_product, make_social_value, make_exhibition, make_art_collab):
    """grow(n) adds n products, each from its own enterprise with social value, curated in one
    shared exhibition and art collaboration, plus n exhibitions of their own in every phase."""
    parent = make_category("식품", slug="food")
    children = [make_category(f"하위{i}", parent=parent, slug=f"food-{i}") for i in range(3)]
    today = kst_today()
    made: list[str] = []

    def grow(n: int):
        children_now = [db.session.merge(c) for c in children]
        new = []
        for i in range(len(made), len(made) + n):
            enterprise = make_enterprise(enterprise_type=TYPES[i % len(TYPES)], name=f"함께기업{i}")
            make_social_value(enterprise, year=2024)
            make_social_value(enterprise, year=2025)
            product = make_product(name=f"수제 쿠키 {i}", category=children_now[i % 3], enterprise=enterprise,
                                   variants=[("기본", 10000 + i, 5), ("대용량", 30000, 0)], tiers={0: [(10, 9000)]})
            new.append(product)
            offset = [-30, 0, 30][i % 3]
            make_exhibition(products=[product], special_prices={product.variants[0]: 8000},
                            starts_on=today + timedelta(days=offset - 2), ends_on=today + timedelta(days=offset + 2))
        if not made:
            make_exhibition(slug="shared-ex", products=new, special_prices={p.variants[0]: 7000 for p in new})
            make_art_collab(slug="shared-art", products=new, enterprise=new[0].enterprise)
        else:
            exhibition = db.session.scalars(sa.select(Exhibition).filter_by(slug="shared-ex")).one()
            collab = db.session.scalars(sa.select(ArtCollaboration).filter_by(slug="shared-art")).one()
            for product in new:
                exhibition.items.append(ExhibitionItem(product=product, position=len(exhibition.items)))
                exhibition.special_prices.append(ExhibitionPrice(variant=product.variants[0], price_krw=7000))
                collab.products.append(product)
            db.session.commit()
        for product in new:
            make_art_collab(enterprise=product.enterprise, products=[product])
        made.extend(p.enterprise.slug for p in new)
        return list(made)

    return grow


def pages(first_enterprise_slug: str) -> list[str]:
    return [
        "/",
        "/categories",
        "/categories/food",
        "/categories/food-1?sort=price_asc",
        "/search?q=쿠키",
        "/search?q=쿠키&type=cooperative&in_stock=1&sort=popular",
        "/enterprises",
        f"/enterprises/{first_enterprise_slug}",
        "/exhibitions",
        "/exhibitions/shared-ex",
        "/art-collabs",
        "/art-collabs/shared-art",
        "/api/v1/products",
        "/api/v1/products?q=쿠키&category=food&per_page=100",
        "/api/v1/enterprises",
        "/api/v1/exhibitions",
        "/api/v1/exhibitions?phase=ongoing",
    ]


def count_all(client, count_queries, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        db.session.expunge_all()  # as in a fresh request: nothing already loaded
        cache.clear()  # counted cold: the most a page ever runs
        with count_queries() as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(queries)
    return counts


def test_listing_pages_run_a_fixed_small_number_of_queries(client, count_queries, shop_of):
    made = shop_of(3)
    urls = pages(made[0])
    few = count_all(client, count_queries, urls)
    shop_of(27)
    many = count_all(client, count_queries, urls)
    assert many == few
    assert max(many.values()) <= MAX_QUERIES, many


def test_the_pages_really_showed_more_items_the_second_time(client, shop_of):
    shop_of(3)
    assert client.get("/categories/food").get_data(as_text=True).count('class="card product-card"') == 3
    assert client.get("/api/v1/enterprises").get_json()["total"] == 3
    shop_of(27)
    assert client.get("/categories/food").get_data(as_text=True).count('class="card product-card"') == 24
    assert client.get("/exhibitions/shared-ex").get_data(as_text=True).count('class="card product-card"') == 30
    assert client.get("/api/v1/enterprises").get_json()["total"] == 30


def test_product_page_query_count_does_not_grow_with_options(client, count_queries, make_product):
    few = make_product(variants=[("a", 1000, 1)]).slug
    many = make_product(variants=[(f"옵션{i}", 1000 + i, i) for i in range(12)],
                        tiers={i: [(10, 900)] for i in range(12)}).slug
    counts = []
    for slug in (few, many):
        db.session.expunge_all()
        cache.clear()
        with count_queries() as queries:
            assert client.get(f"/products/{slug}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= MAX_QUERIES, "\n".join(" ".join(q.split())[:110] for q in queries)
