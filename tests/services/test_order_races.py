"""Races that really run at once, on whichever database the suite runs on: no unit sold twice, one order
per double submit, stock given back once however many expiries and cancellations collide."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.catalog.models import Product, Variant
from shop.extensions import db
from shop.models_base import utcnow
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus
from shop.payments import services as payments
from shop.payments.models import Payment
from tests.services.order_helpers import SEOUL, TODAY, new_key, race

BUYERS = 12
LAST_UNITS = 3


@pytest.fixture
def last_units(make_product):
    return make_product(name="마지막 남은 도자기 머그", variants=[("백자", 28000, LAST_UNITS)]).variants[0]


def test_many_buyers_for_the_last_units_exactly_that_many_win(app, make_user, last_units):
    buyer_ids = [make_user(Role.CONSUMER).id for _ in range(BUYERS)]
    variant_id, product_id = last_units.id, last_units.product_id

    def buy(i: int):
        buyer = db.session.get(User, buyer_ids[i])
        return orders.place_order(buyer, [(variant_id, 1)], SEOUL, new_key(), today=TODAY).number

    results = race(app, BUYERS, buy)
    won = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, orders.OrderError)]
    assert len(won) == LAST_UNITS, results
    assert len(refused) == BUYERS - LAST_UNITS, results  # a clear refusal, never a crash
    assert all("재고" in str(r) or "품절" in str(r) for r in refused)
    db.session.expire_all()
    assert db.session.get(Variant, variant_id).stock == 0
    assert db.session.get(Product, product_id).in_stock is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == LAST_UNITS


def _by_card(buyer, quantities, delivery, key, *, today):
    order, _payment = payments.place_card_order(buyer, quantities, delivery, key, today=today)
    return order


@pytest.mark.parametrize("place", [orders.place_order, _by_card], ids=["order", "card order with its payment"])
def test_a_double_submitted_checkout_makes_one_order(app, make_user, make_product, place):
    variant = make_product(variants=[("기본", 12000, 50)]).variants[0]
    buyer_id, variant_id, key = make_user(Role.CONSUMER).id, variant.id, new_key()

    def submit(_):
        buyer = db.session.get(User, buyer_id)
        return place(buyer, [(variant_id, 2)], SEOUL, key, today=TODAY).id

    results = race(app, 6, submit)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1
    assert db.session.get(Variant, variant_id).stock == 48
    payments_made = db.session.scalar(sa.select(sa.func.count()).select_from(Payment))
    assert payments_made == (1 if place is _by_card else 0)


def test_expiry_and_cancellation_colliding_give_stock_back_once(app, make_user, last_units):
    buyer = make_user(Role.CONSUMER)
    order = orders.place_order(buyer, [(last_units.id, 2)], SEOUL, new_key(), today=TODAY)
    order_id, buyer_id, variant_id = order.id, buyer.id, last_units.id
    later = utcnow() + timedelta(hours=1)

    def collide(i: int):
        if i % 2:
            return orders.expire_overdue_orders(later)
        own = db.session.get(Order, order_id)
        return payments.cancel_order(own, db.session.get(User, buyer_id))

    results = race(app, 6, collide)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, orders.OrderError)]
    assert unexpected == []
    db.session.expire_all()
    assert db.session.get(Variant, variant_id).stock == LAST_UNITS
    assert db.session.get(Order, order_id).status in (OrderStatus.EXPIRED, OrderStatus.CANCELLED)
