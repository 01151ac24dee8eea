"""Stock moves: taken with a conditional UPDATE so that no unit is ever sold twice, given back only by
the caller that won the order's state change (so exactly once)."""
from __future__ import annotations

import functools
from collections.abc import Iterable

import sqlalchemy as sa

from shop.catalog.models import Product, Variant
from shop.core.cache import stock_of
from shop.extensions import db


class OutOfStock(Exception):
    def __init__(self, variant_id: int):
        super().__init__(variant_id)
        self.variant_id = variant_id


def take(variant_id: int, quantity: int, product_id: int) -> int | None:
    """Decrement a tracked option's stock by `quantity` and return what is left, or raise OutOfStock and
    change nothing. Untracked options (services, made to order) are left alone: None. `product_id` is the
    option's product, whose page is drawn anew."""
    taken = db.session.execute(_take_statement(), {"variant_id": variant_id, "quantity": quantity},
                               execution_options=stock_of((product_id,))).first()
    if taken is None:
        raise OutOfStock(variant_id)
    return taken.stock if taken.track_stock else None


@functools.cache
def _take_statement() -> sa.Update:
    """Built once: every line of every order runs it."""
    quantity = sa.bindparam("quantity", type_=sa.Integer)
    return (
        sa.update(Variant)
        .where(Variant.id == sa.bindparam("variant_id"),
               sa.or_(Variant.track_stock.is_(False), Variant.stock >= quantity))
        .values(stock=sa.case((Variant.track_stock, Variant.stock - quantity), else_=Variant.stock))
        .returning(Variant.stock, Variant.track_stock)
        .execution_options(synchronize_session=False)
    )


def give_back(variant_id: int, quantity: int, product_id: int | None) -> None:
    db.session.execute(
        sa.update(Variant)
        .where(Variant.id == variant_id, Variant.track_stock.is_(True))
        .values(stock=Variant.stock + quantity)
        .execution_options(synchronize_session=False, **stock_of((product_id,)))
    )


def refresh_in_stock(product_ids: Iterable[int]) -> None:
    """Keep the listing's sold-out flag in step with the options' stock."""
    ids = list(set(product_ids))
    if not ids:
        return
    available = (
        sa.select(Variant.id)
        .where(
            Variant.product_id == Product.id,
            sa.or_(Variant.track_stock.is_(False), Variant.stock > 0),
        )
        .exists()
    )
    db.session.execute(
        # Only flags that flip: an unchanged row would tell the cache that listings changed.
        sa.update(Product).where(Product.id.in_(ids), Product.in_stock != available).values(in_stock=available)
        .execution_options(synchronize_session=False, **stock_of(ids))
    )
