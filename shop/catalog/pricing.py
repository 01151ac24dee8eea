"""The price rule: a unit costs the lowest of its option price, a running exhibition's special
price and the bulk price for the quantity bought."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from shop.catalog.models import PriceTier, Variant
from shop.curation.models import Exhibition, ExhibitionPrice
from shop.extensions import db


def tier_price(tiers: Iterable[PriceTier], qty: int) -> int | None:
    """The bulk unit price for `qty` units, or None when no tier applies."""
    applicable = [t.unit_price_krw for t in tiers if t.min_qty <= qty]
    return min(applicable) if applicable else None


def unit_price(variant: Variant, qty: int, *, special_price: int | None = None) -> int:
    candidates = [variant.price_krw]
    if special_price is not None:
        candidates.append(special_price)
    bulk = tier_price(variant.price_tiers, qty)
    if bulk is not None:
        candidates.append(bulk)
    return min(candidates)


def _running(today: date | sa.BindParameter):
    """Where an exhibition's special prices apply today."""
    return sa.and_(Exhibition.is_published, Exhibition.starts_on <= today, Exhibition.ends_on >= today)


def _running_specials(today: date):
    return (
        sa.select(ExhibitionPrice.variant_id, sa.func.min(ExhibitionPrice.price_krw).label("price"))
        .join(Exhibition, Exhibition.id == ExhibitionPrice.exhibition_id)
        .where(_running(today))
        .group_by(ExhibitionPrice.variant_id)
    )


def running_special_of(variant_id, today: date | sa.BindParameter):
    """The lowest running special price of one option, as a column (NULL when none) for a statement
    that reads the option; `today` may be a bound parameter, for a statement built once."""
    return (sa.select(sa.func.min(ExhibitionPrice.price_krw))
            .join(Exhibition, Exhibition.id == ExhibitionPrice.exhibition_id)
            .where(ExhibitionPrice.variant_id == variant_id, _running(today))
            .scalar_subquery())


def special_prices_for_variants(variant_ids: Iterable[int], today: date) -> dict[int, int]:
    """Lowest running special price per option, across all running exhibitions; one query."""
    ids = list(set(variant_ids))
    if not ids:
        return {}
    rows = db.session.execute(_running_specials(today).where(ExhibitionPrice.variant_id.in_(ids)))
    return {variant_id: price for variant_id, price in rows}


def special_prices_for_products(product_ids: Iterable[int], today: date) -> dict[int, int]:
    """Lowest running special price among each product's options, for listing cards; one query."""
    ids = list(set(product_ids))
    if not ids:
        return {}
    stmt = (
        sa.select(Variant.product_id, sa.func.min(ExhibitionPrice.price_krw))
        .join(ExhibitionPrice, ExhibitionPrice.variant_id == Variant.id)
        .join(Exhibition, Exhibition.id == ExhibitionPrice.exhibition_id)
        .where(Variant.product_id.in_(ids), _running(today))
        .group_by(Variant.product_id)
    )
    return {product_id: price for product_id, price in db.session.execute(stmt)}
