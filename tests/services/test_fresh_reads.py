"""Adding to a cart and placing an order commit without expiring what the request had loaded (so the
page after them needs no reloads), yet they still decide on the stock as it is in the database: another
process may have sold the last units after this request loaded the option."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.cart import services as carts
from shop.cart.services import CartError
from shop.catalog.models import Variant
from shop.extensions import db
from shop.orders import services as orders
from tests.services.order_helpers import SEOUL, TODAY, new_key


@pytest.fixture
def mug(make_product):
    return make_product(name="백자 머그", variants=[("백자", 28000, 10)]).variants[0]


def sold_elsewhere(variant: Variant, left: int) -> None:
    """Another worker sells down to `left` and commits; this session still holds the option at 10."""
    with db.engine.begin() as other:
        other.execute(sa.update(Variant).where(Variant.id == variant.id).values(stock=left))
    assert variant.stock == 10  # loaded before, not expired: what a stale read would use


def test_adding_more_than_what_another_worker_left_is_refused(make_user, mug):
    buyer = make_user(Role.CONSUMER)
    sold_elsewhere(mug, left=2)
    with pytest.raises(CartError, match="재고"):
        carts.add_to_member_cart(buyer, mug.id, 5)
    item = carts.add_to_member_cart(buyer, mug.id, 2)
    assert item.quantity == 2 and item.variant.stock == 2


def test_ordering_what_another_worker_sold_is_refused_and_takes_nothing(make_user, mug):
    buyer = make_user(Role.CONSUMER)
    sold_elsewhere(mug, left=0)
    with pytest.raises(orders.OrderError):
        orders.place_order(buyer, [(mug.id, 1)], SEOUL, new_key(), today=TODAY)
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == mug.id)) == 0


def test_an_order_after_another_workers_sale_takes_from_what_is_left(make_user, mug):
    buyer = make_user(Role.CONSUMER)
    sold_elsewhere(mug, left=4)
    order = orders.place_order(buyer, [(mug.id, 3)], SEOUL, new_key(), today=TODAY)
    assert order.items[0].quantity == 3
    assert db.session.scalar(sa.select(Variant.stock).where(Variant.id == mug.id)) == 1
