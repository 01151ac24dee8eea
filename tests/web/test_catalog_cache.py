"""The shared cache keeps listing pages' product ids, counts and site settings, and forgets them when
what they depend on changes: prices, stock, a product's or an enterprise's state, exhibitions. Every
test first fills the cache by showing the page, then changes something the way the shop does, and
shows the page again."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import sqlalchemy as sa

from shop.accounts.models import Role
from shop.catalog import review
from shop.catalog.editing import OptionInput, update_option
from shop.core import cache as shop_cache
from shop.core.korea import kst_today
from shop.extensions import db
from shop.orders import stock
from tests.conftest import make_test_app


def card_names(html: str) -> list[str]:
    """The product cards' names, in the order the page shows them."""
    return re.findall(r'class="card-title">([^<]+)<', html)


def names_on(client, url: str) -> list[str]:
    return card_names(client.get(url).get_data(as_text=True))


def test_a_price_change_reorders_a_cached_price_sorted_listing(client, make_category, make_product, make_user):
    shelf = make_category("잼·청", slug="jam")
    cheap = make_product(name="딸기잼", category=shelf, variants=[("기본", 5000, 10)])
    make_product(name="사과청", category=shelf, variants=[("기본", 9000, 10)])
    assert names_on(client, "/categories/jam?sort=price_asc") == ["딸기잼", "사과청"]

    seller = make_user(Role.ENTERPRISE, enterprise=cheap.enterprise)
    option = cheap.variants[0]
    update_option(cheap.enterprise_id, cheap.id, option.id, OptionInput(name="기본", price_krw=15000, sku=option.sku,
                                                                       stock=10), seller, stock_seen=10)
    page = client.get("/categories/jam?sort=price_asc").get_data(as_text=True)
    assert card_names(page) == ["사과청", "딸기잼"]
    assert "15,000원" in page


def test_a_product_whose_sale_staff_stop_leaves_cached_listings_and_counts(client, make_category, make_product,
                                                                           make_user):
    shelf = make_category("잼·청", slug="jam")
    stopped = make_product(name="딸기잼", category=shelf)
    make_product(name="사과청", category=shelf)
    assert sorted(names_on(client, "/categories/jam")) == ["딸기잼", "사과청"]
    assert "딸기잼" in client.get("/search?q=딸기").get_data(as_text=True)

    review.suspend_product(stopped, make_user(Role.ADMIN), "표시 사항 확인 중")
    assert names_on(client, "/categories/jam") == ["사과청"]
    assert "딸기잼" not in client.get("/search?q=딸기").get_data(as_text=True)
    assert "총 <strong>1</strong>개 상품" in client.get("/categories/jam").get_data(as_text=True)


def test_selling_out_removes_a_product_from_a_cached_in_stock_listing(client, make_category, make_product):
    shelf = make_category("잼·청", slug="jam")
    last_one = make_product(name="딸기잼", category=shelf, variants=[("기본", 5000, 1)])
    make_product(name="사과청", category=shelf)
    assert sorted(names_on(client, "/categories/jam?in_stock=1")) == ["딸기잼", "사과청"]

    stock.take(last_one.variants[0].id, 1, last_one.id)  # as an order does: a conditional UPDATE, then the sold-out flag
    stock.refresh_in_stock([last_one.id])
    db.session.commit()
    assert names_on(client, "/categories/jam?in_stock=1") == ["사과청"]


def test_an_exhibition_price_shows_on_a_cached_listing(client, make_category, make_product, make_exhibition):
    shelf = make_category("잼·청", slug="jam")
    jam = make_product(name="딸기잼", category=shelf, variants=[("기본", 9000, 10)])
    assert "9,000원" in client.get("/categories/jam").get_data(as_text=True)
    today = kst_today()
    make_exhibition(products=[jam], special_prices={jam.variants[0]: 6500}, starts_on=today - timedelta(days=1),
                    ends_on=today + timedelta(days=1))
    assert "6,500원" in client.get("/categories/jam").get_data(as_text=True)


def test_a_rolled_back_change_moves_no_generation(app, make_product):
    product = make_product(name="딸기잼")
    before = shop_cache.generation("catalog")
    product.name = "바뀌지 않을 이름"
    db.session.flush()
    db.session.rollback()
    assert shop_cache.generation("catalog") == before
    product = db.session.merge(product)
    product.name = "바뀐 이름"
    db.session.commit()
    assert shop_cache.generation("catalog") != before


def test_stock_only_changes_keep_the_catalog_generation(app, make_product):
    product = make_product(variants=[("기본", 5000, 5)])
    catalog, stock_mark = shop_cache.generation("catalog"), shop_cache.generation("stock")
    stock.take(product.variants[0].id, 1, product.id)
    db.session.commit()
    assert shop_cache.generation("catalog") == catalog
    assert shop_cache.generation("stock") != stock_mark


def test_workers_sharing_redis_see_each_others_changes(app, make_category, make_product, make_user):
    """Two apps stand for two gunicorn workers sharing the database and the Redis cache."""
    shared = {"CACHE_REDIS_URL": "redis://127.0.0.1:6379/0", "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:"}
    first, second = make_test_app(**shared), make_test_app(**shared)
    shelf = make_category("잼·청", slug="jam")
    stopped = make_product(name="딸기잼", category=shelf)
    make_product(name="사과청", category=shelf)
    staff = make_user(Role.ADMIN)
    assert sorted(names_on(second.test_client(), "/categories/jam")) == ["딸기잼", "사과청"]
    with first.app_context():
        review.suspend_product(db.session.get(type(stopped), stopped.id), db.session.get(type(staff), staff.id),
                               "표시 사항 확인 중")
        db.session.remove()
    assert names_on(second.test_client(), "/categories/jam") == ["사과청"]
    for worker in (first, second):
        with worker.app_context():
            db.session.remove()
            db.engine.dispose()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(type(stopped))) == 2
