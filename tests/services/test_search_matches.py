"""A search's kept list of matches follows the catalog product by product: after any sequence of edits, the
page the cache gives is the page a fresh query gives, and an edit of known products does not make the whole
list be computed again."""
from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.catalog import review
from shop.catalog.editing import OptionInput, update_option
from shop.catalog.listing import ListingFilters, _page_ids, list_products
from shop.catalog.models import Product, ProductStatus
from shop.core import cache as shop_cache
from shop.enterprises.models import ApprovalStatus, EnterpriseType
from shop.extensions import db
from shop.search import matches
from shop.search.services import index_products
from tests.conftest import make_test_app
from tests.services.order_helpers import race

WORDS = ["딸기", "잼", "사과", "청", "수제", "커피", "원두", "비누"]
SEARCHES = [
    ListingFilters(q="잼", per_page=5),
    ListingFilters(q="잼", per_page=5, page=2),
    ListingFilters(q="딸기", sort="price_asc", per_page=4),
    ListingFilters(q="수제 잼", sort="price_desc", per_page=3),
    ListingFilters(q="커피", min_price=6000, per_page=4),
    ListingFilters(q="청", enterprise_types=(EnterpriseType.COOPERATIVE,), per_page=4),
]


def shown(filters: ListingFilters) -> tuple[list[int], int]:
    page = list_products(filters)
    return [p.id for p in page.items], page.total


def fresh(filters: ListingFilters) -> tuple[list[int], int]:
    ids, total = _page_ids(filters, with_total=True)
    return ids, total or 0


def whole_computations(monkeypatch) -> list[int]:
    """Count the times a search's whole list of matches is computed."""
    counted: list[int] = []
    real = matches.whole_list

    def whole_list(rows_of):
        counted.append(1)
        return real(rows_of)

    monkeypatch.setattr(matches, "whole_list", whole_list)
    return counted


@pytest.fixture
def shelf(make_product, make_enterprise):
    rng = random.Random(7)
    makers = [make_enterprise(enterprise_type=t) for t in (EnterpriseType.COOPERATIVE, EnterpriseType.SOCIAL_ENTERPRISE)]
    products = []
    for n in range(24):
        name = " ".join(rng.sample(WORDS, 2)) + f" {n}"
        products.append(make_product(name=name, enterprise=makers[n % 2], price=rng.randrange(3, 12) * 1000))
    return products


@pytest.mark.parametrize("few_changes", [matches.FEW_CHANGES, 0], ids=["moved in place", "rebuilt"])
def test_after_any_edits_a_kept_search_shows_what_a_fresh_query_finds(app, shelf, make_product, make_user,
                                                                       monkeypatch, few_changes):
    monkeypatch.setattr(matches, "FEW_CHANGES", few_changes)
    rng = random.Random(11)
    staff = make_user(Role.ADMIN)
    for filters in SEARCHES:
        assert shown(filters) == fresh(filters)
    computed = whole_computations(monkeypatch)

    def rename(product):
        product.name = " ".join(rng.sample(WORDS, 2))
        index_products([product])

    def reprice(product):
        option = product.variants[0]
        seller = make_user(Role.ENTERPRISE, enterprise=product.enterprise)
        update_option(product.enterprise_id, product.id, option.id,
                      OptionInput(name=option.name, price_krw=rng.randrange(3, 12) * 1000, sku=option.sku,
                                  stock=option.stock), seller, stock_seen=option.stock)

    def hide(product):
        if product.status in (ProductStatus.ACTIVE, ProductStatus.HIDDEN):
            product.status = ProductStatus.HIDDEN if product.status == ProductStatus.ACTIVE else ProductStatus.ACTIVE

    def suspend(product):
        if product.status == ProductStatus.SUSPENDED:
            review.reinstate_product(product, staff)
        else:
            review.suspend_product(product, staff, "표시 사항 확인 중")

    def make_older(product):
        product.created_at -= timedelta(days=rng.randrange(1, 30))

    def remove(product):
        db.session.delete(product)

    def add(_product):
        make_product(name=" ".join(rng.sample(WORDS, 3)), enterprise=shelf[rng.randrange(2)].enterprise,
                     category=shelf[0].category, price=rng.randrange(3, 12) * 1000)

    edits = [rename, reprice, hide, suspend, make_older, remove, add]
    for step in range(40):
        alive = db.session.scalars(sa.select(Product).order_by(Product.id)).all()
        edit = rng.choice(edits)
        edit(rng.choice(alive))
        db.session.commit()
        for filters in SEARCHES:
            assert shown(filters) == fresh(filters), (step, edit.__name__, filters)
    assert computed == [], "every edit named its products; no list was computed whole again"


def test_an_enterprise_closing_makes_kept_searches_compute_afresh(app, shelf, monkeypatch):
    filters = ListingFilters(q="잼", per_page=50)
    before = shown(filters)
    computed = whole_computations(monkeypatch)
    closing = shelf[0].enterprise
    closing.status = ApprovalStatus.SUSPENDED
    db.session.commit()
    after = shown(filters)
    assert computed == [1]
    assert after == fresh(filters)
    assert not {p.id for p in shelf if p.enterprise_id == closing.id} & set(after[0])
    assert after[1] < before[1]


def test_catalog_changes_name_the_products_they_touched(app, shelf, make_exhibition):
    first = shop_cache.generation("catalog")
    shelf[0].name = "새 이름의 딸기잼"
    index_products([shelf[0]])
    db.session.commit()
    shelf[1].status = ProductStatus.HIDDEN
    db.session.commit()
    now = shop_cache.generation("catalog")
    assert shop_cache.catalog_changes_since(first, now) == {shelf[0].id, shelf[1].id}

    make_exhibition(products=[shelf[2]])  # says nothing of which products a search finds
    assert shop_cache.catalog_changes_since(now, shop_cache.generation("catalog")) == set()

    shelf[3].enterprise.name = "새이름협동조합"
    db.session.commit()
    assert shop_cache.catalog_changes_since(now, shop_cache.generation("catalog")) is None


def test_a_forgotten_link_makes_the_list_compute_afresh(app, shelf, monkeypatch):
    filters = ListingFilters(q="잼", per_page=50)
    shown(filters)
    shelf[0].name = "이름 바뀐 상품"
    index_products([shelf[0]])
    db.session.commit()
    shop_cache.cache.delete(f"catalog-link:{shop_cache.generation('catalog')}")
    computed = whole_computations(monkeypatch)
    assert shown(filters) == fresh(filters)
    assert computed == [1]


def test_workers_editing_at_once_leave_an_unbroken_chain(app, shelf):
    """Eight workers (apps sharing Redis) commit catalog edits at the same instant: Redis' GETSET links each
    new generation to the one it replaced, so the chain from before names every edited product."""
    shared = {"CACHE_REDIS_URL": "redis://127.0.0.1:6379/0", "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:"}
    workers = [make_test_app(**shared) for _ in range(8)]
    with workers[0].app_context():
        first = shop_cache.generation("catalog")
    ids = [p.id for p in shelf[:8]]

    def edit(i: int) -> None:
        with workers[i].app_context():
            product = db.session.get(Product, ids[i])
            product.name = f"동시에 바꾼 이름 {i}"
            index_products([product])
            db.session.commit()
            db.session.remove()

    assert race(app, 8, edit) == [None] * 8
    with workers[0].app_context():
        assert shop_cache.catalog_changes_since(first, shop_cache.generation("catalog")) == set(ids)
    for worker in workers:
        with worker.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_kept_search_follows_another_workers_edit(app, shelf):
    shared = {"CACHE_REDIS_URL": "redis://127.0.0.1:6379/0", "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:"}
    reader, writer = make_test_app(**shared), make_test_app(**shared)
    filters = ListingFilters(q="별빛", per_page=10)
    with reader.app_context():
        assert shown(filters) == ([], 0)
    with writer.app_context():
        product = db.session.get(Product, shelf[5].id)
        product.name = "별빛 수제청"
        index_products([product])
        db.session.commit()
        db.session.remove()
    with reader.app_context():
        assert shown(filters) == ([shelf[5].id], 1)
    for worker in (reader, writer):
        with worker.app_context():
            db.session.remove()
            db.engine.dispose()
