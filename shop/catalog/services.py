"""Catalog rules: what a shopper may see, and the listing fields kept in step with the options."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from shop.catalog.models import Category, PriceTier, Product, ProductStatus, Variant
from shop.catalog.pricing import special_prices_for_variants
from shop.core.cache import Recollection, Wanted, cached, key_of
from shop.core.html import sanitize_html
from shop.curation.models import Exhibition, ExhibitionItem, ExhibitionPrice
from shop.enterprises.models import Enterprise, EnterpriseType
from shop.extensions import db
from shop.models_base import ApprovalStatus


class CatalogError(Exception):
    """A catalog rule refused the change; the message is for the user."""


def refresh_listing(product: Product) -> None:
    """Copy the cheapest option price and the stock state onto the product row (used for sorting)."""
    if not product.variants:
        raise CatalogError("상품에는 옵션이 하나 이상 있어야 합니다.")
    product.price_krw = min(v.price_krw for v in product.variants)
    product.in_stock = any(v.available for v in product.variants)


def visible_products(*, join_enterprise: bool = True):
    """Products a shopper may see: active, from an approved enterprise.

    The approval is checked per product (EXISTS on the enterprise's key) rather than as a join filter:
    otherwise SQLite starts from the enterprises' status index and walks every product of every approved
    enterprise (100,000 rows for one category page) instead of the product index the filters name.
    The enterprise is joined too, for loading it with the products and filtering by its columns; a query
    that does neither leaves the join out (a search matching 17,000 products looks each one up once less)."""
    enterprise_open = (
        sa.select(Enterprise.id)
        .where(Enterprise.id == Product.enterprise_id, Enterprise.status == ApprovalStatus.APPROVED)
        .correlate(Product)
        .exists()
    )
    stmt = sa.select(Product).where(Product.status == ProductStatus.ACTIVE, enterprise_open)
    return stmt.join(Enterprise, Enterprise.id == Product.enterprise_id) if join_enterprise else stmt


def get_visible_product(slug: str) -> Product | None:
    # One product's few options, tiers and images come joined to its row, with the enterprise and the
    # category and its parent: the page stays within its query budget however many options it has.
    stmt = visible_products().where(Product.slug == slug).options(
        joinedload(Product.variants).joinedload(Variant.price_tiers),
        joinedload(Product.images),
        contains_eager(Product.enterprise).selectinload(Enterprise.social_values),
        joinedload(Product.category).joinedload(Category.parent),
    )
    return db.session.scalars(stmt).unique().first()


def top_categories() -> list[Category]:
    """The two-level tree in display order, loaded in two queries."""
    stmt = (
        sa.select(Category)
        .where(Category.parent_id.is_(None))
        .order_by(Category.position, Category.id)
        .options(selectinload(Category.children))
    )
    return list(db.session.scalars(stmt))


def get_category(slug: str) -> Category | None:
    stmt = sa.select(Category).where(Category.slug == slug).options(
        selectinload(Category.children), selectinload(Category.parent)
    )
    return db.session.scalars(stmt).first()


def category_ids_with_children(category: Category) -> list[int]:
    return [category.id, *(child.id for child in category.children)]


def products_by_ids(ids: Iterable[int]) -> list[Product]:
    return list(db.session.scalars(sa.select(Product).where(Product.id.in_(list(ids)))))


# --- read side: the product page and category counts ------------------------------------------

LOW_STOCK_THRESHOLD = 5


@dataclass
class OptionView:
    """One option as a shopper sees it today: its price (special price applied) and stock state."""

    variant: Variant
    price_krw: int

    @property
    def regular_price_krw(self) -> int:
        return self.variant.price_krw

    @property
    def sold_out(self) -> bool:
        return not self.variant.available

    @property
    def stock_left(self) -> int | None:
        """How many are left when few are (so the page can say so), else None."""
        v = self.variant
        if v.track_stock and 0 < v.stock <= LOW_STOCK_THRESHOLD:
            return v.stock
        return None

    @property
    def tiers(self) -> list[PriceTier]:
        return list(self.variant.price_tiers)


@dataclass
class ProductDetail:
    product: Product
    options: list[OptionView]
    exhibitions: list[Exhibition]
    description_html: str

    @property
    def price_krw(self) -> int:
        return min(o.price_krw for o in self.options)

    @property
    def regular_price_krw(self) -> int:
        return self.product.price_krw

    @property
    def on_sale(self) -> bool:
        return self.price_krw < self.regular_price_krw

    @property
    def sold_out(self) -> bool:
        return all(o.sold_out for o in self.options)

    @property
    def has_tiers(self) -> bool:
        return any(o.variant.price_tiers for o in self.options)


def running_exhibitions_for(product: Product, today: date) -> list[Exhibition]:
    """Published exhibitions running today that curate this product or price one of its options."""
    curated = sa.select(ExhibitionItem.exhibition_id).where(ExhibitionItem.product_id == product.id)
    priced = (
        sa.select(ExhibitionPrice.exhibition_id)
        .join(Variant, Variant.id == ExhibitionPrice.variant_id)
        .where(Variant.product_id == product.id)
    )
    stmt = (
        sa.select(Exhibition)
        .where(
            Exhibition.is_published,
            Exhibition.starts_on <= today,
            Exhibition.ends_on >= today,
            sa.or_(Exhibition.id.in_(curated), Exhibition.id.in_(priced)),
        )
        .order_by(Exhibition.ends_on, Exhibition.id)
    )
    return list(db.session.scalars(stmt))


def product_detail(slug: str, today: date) -> ProductDetail | None:
    """Everything the product page and the API detail show, or None if a shopper may not see it."""
    product = get_visible_product(slug)
    if product is None or not product.variants:
        return None
    specials = special_prices_for_variants([v.id for v in product.variants], today)
    options = [
        OptionView(v, min(v.price_krw, specials[v.id]) if v.id in specials else v.price_krw)
        for v in product.variants
    ]
    return ProductDetail(
        product=product,
        options=options,
        exhibitions=running_exhibitions_for(product, today),
        description_html=sanitize_html(product.description_html),
    )


_PRODUCT_ID_FOLLOWS = ("catalog",)


_product_ids_seen = Recollection()


def product_id_by_slug(slug: str) -> int:
    """The id of the product at `slug`, 0 if none; cached until the catalog changes (a slug edit is one),
    so that a cached product page can find its product's stock mark without a query."""
    product_id = cached(_PRODUCT_ID_FOLLOWS, _product_id_parts(slug),
                        lambda: db.session.scalar(sa.select(Product.id).where(Product.slug == slug)) or 0)
    _product_ids_seen.learn(slug, product_id)
    return product_id


def product_id_last_seen(slug: str) -> int | None:
    """What product_id_by_slug last answered for `slug` in this process: a guess, named before the lookup."""
    return _product_ids_seen.recall(slug)


def product_id_wanted(slug: str) -> Wanted:
    """The cache entry product_id_by_slug reads, to fetch it along with another."""
    return key_of(_product_id_parts(slug)), _PRODUCT_ID_FOLLOWS


def _product_id_parts(slug: str) -> tuple[str, str]:
    return "product-id", slug


def category_product_counts() -> dict[int, int]:
    """Visible products per category id, a top category counting its sub-categories too; one query, then
    cached until the catalog changes (a count over the whole catalog)."""
    return cached(("catalog",), ("category-counts",), _category_product_counts)


def _category_product_counts() -> dict[int, int]:
    stmt = (
        visible_products()
        .with_only_columns(Product.category_id, Category.parent_id, sa.func.count(Product.id))
        .join(Category, Category.id == Product.category_id)
        .group_by(Product.category_id, Category.parent_id)
    )
    counts: dict[int, int] = {}
    for category_id, parent_id, n in db.session.execute(stmt):
        counts[category_id] = counts.get(category_id, 0) + n
        if parent_id is not None:
            counts[parent_id] = counts.get(parent_id, 0) + n
    return counts


def product_counts_by_enterprise_type() -> dict[EnterpriseType, int]:
    """Visible products per enterprise type, for "shop by enterprise type"; one query, then cached until
    the catalog changes (a count over the whole catalog)."""
    return cached(("catalog",), ("type-counts",), _product_counts_by_enterprise_type)


def _product_counts_by_enterprise_type() -> dict[EnterpriseType, int]:
    stmt = (
        visible_products()
        .with_only_columns(Enterprise.enterprise_type, sa.func.count(Product.id))
        .group_by(Enterprise.enterprise_type)
    )
    return {EnterpriseType(t): n for t, n in db.session.execute(stmt)}
