"""Read side of curation: exhibitions (기획전) by phase with their curated products, and art
collaborations (아트콜라보) with the products that carry the new packaging."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from shop.catalog.models import Product, Variant
from shop.catalog.pricing import special_prices_for_products
from shop.catalog.services import visible_products
from shop.curation.models import (
    ArtCollaboration,
    Exhibition,
    ExhibitionItem,
    ExhibitionPhase,
    ExhibitionPrice,
    art_collaboration_product,
)
from shop.enterprises.models import Enterprise
from shop.extensions import db
from shop.models_base import ApprovalStatus


def published_exhibitions():
    return sa.select(Exhibition).where(Exhibition.is_published)


def _in_phase(stmt, phase: ExhibitionPhase, today: date):
    if phase is ExhibitionPhase.ONGOING:
        return stmt.where(Exhibition.starts_on <= today, Exhibition.ends_on >= today).order_by(
            Exhibition.ends_on, Exhibition.id
        )
    if phase is ExhibitionPhase.UPCOMING:
        return stmt.where(Exhibition.starts_on > today).order_by(Exhibition.starts_on, Exhibition.id)
    return stmt.where(Exhibition.ends_on < today).order_by(Exhibition.ends_on.desc(), Exhibition.id.desc())


def exhibitions_in_phase(phase: ExhibitionPhase, today: date, limit: int | None = None) -> list[Exhibition]:
    stmt = _in_phase(published_exhibitions(), phase, today)
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def exhibitions_by_phase(today: date, past_limit: int = 24) -> dict[ExhibitionPhase, list[Exhibition]]:
    """Published exhibitions: 진행 중 (ending soonest first), 예정 (starting soonest first) and the
    most recent 종료 ones; three queries."""
    return {
        ExhibitionPhase.ONGOING: exhibitions_in_phase(ExhibitionPhase.ONGOING, today),
        ExhibitionPhase.UPCOMING: exhibitions_in_phase(ExhibitionPhase.UPCOMING, today),
        ExhibitionPhase.PAST: exhibitions_in_phase(ExhibitionPhase.PAST, today, limit=past_limit),
    }


@dataclass
class ExhibitionPage:
    items: list[Exhibition]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def list_exhibitions(today: date, *, phase: ExhibitionPhase | None = None, page: int = 1,
                     per_page: int = 24) -> ExhibitionPage:
    """A page of published exhibitions (all, newest start first, or one phase): two queries."""
    stmt = published_exhibitions()
    if phase is None:
        stmt = stmt.order_by(Exhibition.starts_on.desc(), Exhibition.id.desc())
    else:
        stmt = _in_phase(stmt, phase, today)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return ExhibitionPage(items, total or 0, page, per_page)


def get_published_exhibition(slug: str) -> Exhibition | None:
    return db.session.scalars(published_exhibitions().where(Exhibition.slug == slug)).first()


@dataclass
class CuratedProducts:
    """Products on show with the price a card displays today, and the exhibition's own special
    "from" price per product (shown as a preview while the exhibition is still upcoming)."""

    items: list[Product]
    special_prices: dict[int, int]
    planned_prices: dict[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.items)

    def price_today(self, product: Product) -> int:
        special = self.special_prices.get(product.id)
        return product.price_krw if special is None else min(product.price_krw, special)


def _product_options():
    return (selectinload(Product.images), selectinload(Product.category))


def curated_products(exhibition: Exhibition, today: date) -> CuratedProducts:
    """The exhibition's visible products in the curator's order: four queries."""
    stmt = (
        visible_products()
        .join(ExhibitionItem, ExhibitionItem.product_id == Product.id)
        .where(ExhibitionItem.exhibition_id == exhibition.id)
        .options(contains_eager(Product.enterprise), *_product_options())
        .order_by(ExhibitionItem.position, ExhibitionItem.id)
    )
    items = list(db.session.scalars(stmt))
    ids = [p.id for p in items]
    planned_stmt = (
        sa.select(Variant.product_id, sa.func.min(ExhibitionPrice.price_krw))
        .join(ExhibitionPrice, ExhibitionPrice.variant_id == Variant.id)
        .where(ExhibitionPrice.exhibition_id == exhibition.id, Variant.product_id.in_(ids))
        .group_by(Variant.product_id)
    )
    planned = dict(db.session.execute(planned_stmt).all()) if ids else {}
    return CuratedProducts(items, special_prices_for_products(ids, today), planned)


# --- art collaborations ---------------------------------------------------------------------


def published_art_collabs():
    """Published collaborations whose enterprise is approved, with artist and enterprise joined in."""
    return (
        sa.select(ArtCollaboration)
        .join(Enterprise, Enterprise.id == ArtCollaboration.enterprise_id)
        .where(ArtCollaboration.is_published, Enterprise.status == ApprovalStatus.APPROVED)
        .options(joinedload(ArtCollaboration.artist), joinedload(ArtCollaboration.enterprise))
    )


def list_art_collabs(limit: int | None = None) -> list[ArtCollaboration]:
    """Newest first; one query."""
    stmt = published_art_collabs().order_by(
        ArtCollaboration.year.desc(), ArtCollaboration.created_at.desc(), ArtCollaboration.id.desc()
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def get_published_art_collab(slug: str) -> ArtCollaboration | None:
    return db.session.scalars(published_art_collabs().where(ArtCollaboration.slug == slug)).first()


def art_collab_products(collab: ArtCollaboration, today: date) -> CuratedProducts:
    """The visible products that carry the new packaging: four queries."""
    stmt = (
        visible_products()
        .join(art_collaboration_product, art_collaboration_product.c.product_id == Product.id)
        .where(art_collaboration_product.c.art_collaboration_id == collab.id)
        .options(contains_eager(Product.enterprise), *_product_options())
        .order_by(Product.name, Product.id)
    )
    items = list(db.session.scalars(stmt))
    return CuratedProducts(items, special_prices_for_products([p.id for p in items], today))
