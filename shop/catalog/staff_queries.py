"""What staff read of the catalog: every product of every enterprise, by state and name, and one product
with all it needs for a decision."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from shop.catalog.listing import ProductPage
from shop.catalog.models import Product, ProductRevision, ProductStatus, Variant
from shop.extensions import db


def staff_products(*, status: str = "", q: str = "", page: int = 1, per_page: int = 30) -> ProductPage:
    stmt = sa.select(Product)
    if status in {s.value for s in ProductStatus}:
        stmt = stmt.where(Product.status == ProductStatus(status))
    q = " ".join((q or "").split())[:100]
    if q:
        stmt = stmt.where(Product.name.icontains(q, autoescape=True)
                          | Product.variants.any(Variant.sku.icontains(q, autoescape=True)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(
        stmt.order_by(Product.updated_at.desc(), Product.id.desc()).offset((page - 1) * per_page).limit(per_page)
        .options(selectinload(Product.enterprise), selectinload(Product.images), selectinload(Product.revision))
    )
    return ProductPage(list(items), {}, total, page, per_page)


def product_for_staff(product_id: int) -> Product | None:
    return db.session.scalar(
        sa.select(Product).where(Product.id == product_id).options(
            selectinload(Product.variants).selectinload(Variant.price_tiers),
            selectinload(Product.images), joinedload(Product.enterprise), joinedload(Product.category),
            joinedload(Product.revision).selectinload(ProductRevision.images),
        )
    )
