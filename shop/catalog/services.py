"""Catalog rules: what a shopper may see, and the listing fields kept in step with the options."""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.catalog.models import Category, Product, ProductStatus, Variant
from shop.enterprises.models import Enterprise
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


def visible_products():
    """Products a shopper may see: active, from an approved enterprise."""
    return (
        sa.select(Product)
        .join(Enterprise, Enterprise.id == Product.enterprise_id)
        .where(Product.status == ProductStatus.ACTIVE, Enterprise.status == ApprovalStatus.APPROVED)
    )


def get_visible_product(slug: str) -> Product | None:
    stmt = visible_products().where(Product.slug == slug).options(
        selectinload(Product.variants).selectinload(Variant.price_tiers),
        selectinload(Product.images),
        selectinload(Product.enterprise).selectinload(Enterprise.social_values),
        selectinload(Product.category).selectinload(Category.parent),
    )
    return db.session.scalars(stmt).first()


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
