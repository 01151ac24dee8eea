"""A shopper's cart in Chromium: product page → option and quantity → 장바구니 담기 → the cart shows the
lines, their prices and the totals → change a quantity → delete; on a desktop and on a 360px phone,
axe-checked, with no sideways scrolling."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.cart.basket import price_basket
from shop.catalog.models import Product, ProductStatus, Variant
from shop.catalog.pricing import special_prices_for_variants
from shop.core.korea import kst_today
from shop.core.money import format_krw
from shop.demo.seed import seed_demo
from shop.extensions import db
from tests.browser.conftest import (
    assert_no_horizontal_scroll,
    screenshot,
    serious_axe_violations,
)


@pytest.fixture
def demo_mall(app):
    seed_demo()


def on_sale(min_options: int, *, tiered: bool = False, special: bool = False, exclude=()) -> tuple[Product, Variant]:
    """A demo product bought one at a time, with at least `min_options` options in stock, and one of
    them with bulk prices or a running exhibition price; returns the product and that option."""
    products = db.session.scalars(
        sa.select(Product)
        .where(Product.status == ProductStatus.ACTIVE, Product.min_order_qty == 1)
        .options(selectinload(Product.variants).selectinload(Variant.price_tiers), selectinload(Product.enterprise))
        .order_by(Product.id)
    ).all()
    specials = special_prices_for_variants([v.id for p in products for v in p.variants], kst_today()) if special else {}
    for product in products:
        if product.enterprise_id in exclude or len(product.variants) < min_options:
            continue
        if not all(v.track_stock and v.stock >= 20 for v in product.variants):
            continue
        for variant in product.variants:
            if tiered and any(t.min_qty <= 12 for t in variant.price_tiers):
                return product, variant
            if special and specials.get(variant.id, variant.price_krw) < variant.price_krw:
                return product, variant
    raise AssertionError("the demo mall has no such product")


def check_page(page, name: str) -> None:
    screenshot(page, name)
    assert serious_axe_violations(page) == []
    broken = page.evaluate("[...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)")
    assert broken == [], f"images that did not load: {broken}"


def add_from_product_page(page, live_server: str, product: Product, variant: Variant, quantity: int) -> None:
    page.goto(f"{live_server}/products/{product.slug}")
    page.get_by_label("옵션 선택").select_option(str(variant.id))
    page.get_by_label("수량", exact=True).fill(str(quantity))
    page.get_by_role("button", name="장바구니 담기").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/products/{product.slug}")
    assert f"{product.name} ({variant.name}) {quantity}개를 장바구니에 담았습니다." in page.locator(".flashes").inner_text()


def line(page, variant: Variant):
    return page.locator(".cart-line", has=page.locator(f"a[href$='/products/{variant.product.slug}']")).filter(
        has_text=f"옵션: {variant.name}")


def expected_total(pairs: list[tuple[Variant, int]]) -> str:
    basket = price_basket([(v.id, q) for v, q in pairs], today=kst_today())
    return format_krw(basket.total_krw)


def test_cart_on_a_desktop(demo_mall, live_server, page):
    bulk_product, bulk_option = on_sale(2, tiered=True)
    sale_product, sale_option = on_sale(1, special=True, exclude={bulk_product.enterprise_id})

    add_from_product_page(page, live_server, bulk_product, bulk_option, 12)
    assert page.locator(".cart-link").inner_text() == "장바구니 (1)"
    check_page(page, "desktop-cart-01-added")
    add_from_product_page(page, live_server, sale_product, sale_option, 1)

    page.get_by_role("link", name=re.compile(r"^장바구니")).click()
    page.wait_for_url(re.compile(r"/cart$"))
    assert page.locator(".cart-group").count() == 2
    titles = page.locator(".cart-group-title").all_inner_texts()
    assert bulk_product.enterprise.name in titles[0] and sale_product.enterprise.name in titles[1]
    bulk_line, sale_line = line(page, bulk_option), line(page, sale_option)
    assert "대량구매가" in bulk_line.inner_text() and format_krw(bulk_option.price_krw) in bulk_line.locator("del").inner_text()
    assert "기획전가" in sale_line.inner_text()
    total = page.locator(".cart-total dd").inner_text()
    assert total == expected_total([(bulk_option, 12), (sale_option, 1)])
    assert "부가세" in page.locator(".cart-summary").inner_text()
    assert page.get_by_role("link", name="주문하기").get_attribute("href") == "/checkout"
    check_page(page, "desktop-cart-02-cart")
    assert_no_horizontal_scroll(page)

    bulk_line.locator("input[name=quantity]").fill("2")
    bulk_line.get_by_role("button", name="변경").click()
    page.wait_for_load_state()
    assert "수량을 2개로 바꿨습니다." in page.locator(".flashes").inner_text()
    bulk_line = line(page, bulk_option)
    assert "대량구매가" not in bulk_line.inner_text()
    assert format_krw(bulk_option.price_krw * 2) in bulk_line.locator(".cart-line-total").inner_text()
    assert page.locator(".cart-total dd").inner_text() == expected_total([(bulk_option, 2), (sale_option, 1)])

    sale_line = line(page, sale_option)
    sale_line.get_by_role("button", name=re.compile("삭제$")).click()
    page.wait_for_load_state()
    assert "장바구니에서 삭제했습니다." in page.locator(".flashes").inner_text()
    assert page.locator(".cart-group").count() == 1 and line(page, sale_option).count() == 0
    assert page.locator(".cart-link").inner_text() == "장바구니 (1)"
    check_page(page, "desktop-cart-03-changed")
    assert page.console_errors == []


def test_cart_on_a_phone(demo_mall, live_server, phone_page):
    page = phone_page
    bulk_product, bulk_option = on_sale(2, tiered=True)
    sale_product, sale_option = on_sale(1, special=True, exclude={bulk_product.enterprise_id})

    add_from_product_page(page, live_server, bulk_product, bulk_option, 12)
    assert_no_horizontal_scroll(page)
    screenshot(page, "phone-cart-01-product")
    add_from_product_page(page, live_server, sale_product, sale_option, 3)

    page.goto(live_server + "/cart")
    assert page.locator(".cart-line").count() == 2
    assert page.locator(".cart-total dd").inner_text() == expected_total([(bulk_option, 12), (sale_option, 3)])
    assert_no_horizontal_scroll(page)
    check_page(page, "phone-cart-02-cart")

    # the shop sells out of one option while it sits in the cart: the line says so, ordering waits
    db.session.execute(sa.update(Variant).where(Variant.id == sale_option.id).values(stock=2))
    db.session.commit()
    page.reload()
    assert "재고가 2개 남아 있습니다." in line(page, sale_option).inner_text()
    assert page.get_by_role("button", name="주문하기").is_disabled()
    assert_no_horizontal_scroll(page)
    check_page(page, "phone-cart-03-problem")

    sale_line = line(page, sale_option)
    sale_line.locator("input[name=quantity]").fill("2")
    sale_line.get_by_role("button", name="변경").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="주문하기").is_visible()

    for _ in range(2):
        page.locator(".cart-line").first.get_by_role("button", name=re.compile("삭제$")).click()
        page.wait_for_load_state()
    assert "장바구니가 비어 있습니다." in page.locator("main").inner_text()
    assert_no_horizontal_scroll(page)
    check_page(page, "phone-cart-04-empty")


def test_a_refused_quantity_is_explained_in_the_browser(demo_mall, live_server, page):
    product, option = on_sale(2, tiered=True)
    page.goto(f"{live_server}/products/{product.slug}")
    quantity = page.get_by_label("수량", exact=True)
    assert quantity.get_attribute("min") == "1" and quantity.get_attribute("max") == "9999"
    # past the browser's own check (a script or an old browser would send it as is)
    quantity.evaluate("el => { el.removeAttribute('max'); el.value = String(" + str(option.stock + 1) + "); }")
    page.get_by_label("옵션 선택").select_option(str(option.id))
    page.get_by_role("button", name="장바구니 담기").click()
    page.wait_for_load_state()
    alert = page.get_by_role("alert")
    assert f"재고가 {option.stock:,}개 남아 있습니다." in alert.inner_text()
    alert.get_by_role("link", name="상품 페이지로 돌아가기").click()
    page.wait_for_url(re.compile(rf"/products/{product.slug}$"))
