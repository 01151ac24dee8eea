"""seed-bench adds bulk, searchable, well-formed catalog data on top of what is already there."""
import sqlalchemy as sa

from shop.catalog.listing import ListingFilters, list_products
from shop.catalog.models import PriceTier, Product, ProductImage, ProductStatus, Variant
from shop.core import storage
from shop.core.korea import is_valid_business_number
from shop.core.text import compact
from shop.demo.bench import seed_bench
from shop.enterprises.models import Enterprise
from shop.extensions import db
from shop.search.models import ProductSearch
from shop.search.services import matching_ids


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_bench_adds_searchable_products_above_existing_ids(app, make_product):
    existing = make_product(name="기존 상품 쌀과자")
    reports: dict[str, list] = {}

    def progress(label):
        reports[label] = []
        return lambda done, total: reports[label].append((done, total))

    result = seed_bench(products=300, enterprises=12, progress=progress)
    assert result["products"] == 300 and result["enterprises"] == 12
    assert count(Product) == 301 and count(ProductSearch) == 301
    assert count(Enterprise) == 13
    assert all(steps and steps[-1][0] == steps[-1][1] for steps in reports.values()), reports

    bench = list(db.session.scalars(sa.select(Product).where(Product.id != existing.id)))
    assert min(p.id for p in bench) > existing.id
    variants = list(db.session.scalars(sa.select(Variant).where(Variant.product_id != existing.id)))
    per_product = {p.id: [v for v in variants if v.product_id == p.id] for p in bench}
    assert all(1 <= len(vs) <= 3 for vs in per_product.values())
    assert any(len(vs) > 1 for vs in per_product.values())
    assert all(v.price_krw > 0 and v.price_krw % 100 == 0 for v in variants)
    assert all(p.price_krw == min(v.price_krw for v in per_product[p.id]) for p in bench)
    assert count(PriceTier) > 0
    assert len({p.slug for p in bench}) == 300
    assert all(is_valid_business_number(e.business_number) for e in db.session.scalars(sa.select(Enterprise)))
    paths = set(db.session.scalars(sa.select(ProductImage.path).where(ProductImage.product_id != existing.id)))
    assert 1 < len(paths) <= 12 and all(storage.exists(p) for p in paths)

    # The search index was written in bulk, and finds exactly what a full scan would.
    for term in ("쌀", "커피", "세제"):
        expected = {p.id for p in db.session.scalars(sa.select(Product)) if any(
            term in compact(f) for f in (p.name, p.summary, p.enterprise.name, p.category.name,
                                         p.category.parent.name if p.category.parent else ""))}
        assert set(db.session.scalars(matching_ids(term))) == expected
    visible_rice = list_products(ListingFilters(q="쌀", per_page=100))
    assert all(p.status is ProductStatus.ACTIVE for p in visible_rice.items)

    # Ids and sequences are past the bench rows: more bench data and ordinary inserts still work.
    again = seed_bench(products=40, enterprises=3)
    assert again["products"] == 40 and count(Product) == 341
    after = make_product(name="벤치 뒤에 만든 상품")
    assert after.id > max(p.id for p in bench)
    assert count(Enterprise) == 16 + 1  # make_product made its own enterprise
