"""The price rule of DESIGN.md: the lowest of option price, running exhibition price, bulk price."""
from datetime import timedelta

from shop.catalog.pricing import special_prices_for_products, special_prices_for_variants, unit_price
from shop.catalog.services import refresh_listing
from shop.core.korea import kst_today


def test_bulk_price_applies_from_its_quantity(make_product):
    product = make_product(variants=[("A4 500매", 5000, 1000)], tiers={0: [(10, 4700), (50, 4400)]})
    variant = product.variants[0]
    assert unit_price(variant, 1) == 5000
    assert unit_price(variant, 9) == 5000
    assert unit_price(variant, 10) == 4700
    assert unit_price(variant, 49) == 4700
    assert unit_price(variant, 50) == 4400


def test_special_price_wins_only_when_lower(make_product):
    product = make_product(variants=[("기본", 10000, 5)], tiers={0: [(10, 9000)]})
    variant = product.variants[0]
    assert unit_price(variant, 1, special_price=8500) == 8500
    assert unit_price(variant, 20, special_price=9500) == 9000  # the bulk price is lower still


def test_running_exhibitions_give_the_lowest_special_price(make_product, make_exhibition):
    product = make_product(variants=[("기본", 10000, 5), ("대용량", 18000, 5)])
    small, large = product.variants
    today = kst_today()
    make_exhibition(products=[product], special_prices={small: 9000})
    make_exhibition(products=[product], special_prices={small: 8800, large: 17000})
    assert special_prices_for_variants([small.id, large.id], today) == {small.id: 8800, large.id: 17000}
    assert special_prices_for_products([product.id], today) == {product.id: 8800}


def test_special_prices_outside_the_period_or_unpublished_do_not_apply(make_product, make_exhibition):
    product = make_product(variants=[("기본", 10000, 5)])
    variant = product.variants[0]
    today = kst_today()
    make_exhibition(special_prices={variant: 7000}, starts_on=today - timedelta(days=30),
                    ends_on=today - timedelta(days=1))
    make_exhibition(special_prices={variant: 7100}, starts_on=today + timedelta(days=1),
                    ends_on=today + timedelta(days=9))
    make_exhibition(special_prices={variant: 7200}, is_published=False)
    assert special_prices_for_variants([variant.id], today) == {}
    # On its last day an exhibition still runs.
    make_exhibition(special_prices={variant: 9500}, starts_on=today - timedelta(days=5), ends_on=today)
    assert special_prices_for_variants([variant.id], today) == {variant.id: 9500}


def test_listing_fields_follow_the_options(make_product):
    product = make_product(variants=[("소", 3000, 0), ("대", 5000, 0)])
    assert product.price_krw == 3000
    assert product.in_stock is False
    product.variants[1].stock = 2
    product.variants[0].price_krw = 3500
    refresh_listing(product)
    assert product.in_stock is True
    assert product.price_krw == 3500
