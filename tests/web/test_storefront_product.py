"""The product page: options, prices, stock, bulk prices, the seller, delivery and return notice."""
from datetime import timedelta

import pytest

from shop.catalog.models import ProductStatus, TaxType
from shop.core.korea import kst_today
from shop.enterprises.models import EnterpriseType, SocialValueArea
from shop.models_base import ApprovalStatus


@pytest.fixture
def towel(make_enterprise, make_product, make_social_value, make_category):
    enterprise = make_enterprise(
        name="노원 자활 수건공방", enterprise_type=EnterpriseType.SELF_SUFFICIENCY_ENTERPRISE, district="노원구",
        shipping_base_fee_krw=3500, free_shipping_threshold_krw=70000, shipping_island_fee_krw=5000,
        phone="029876543",
    )
    make_social_value(enterprise, year=2024, amount=50_000_000, verified=True)
    make_social_value(enterprise, year=2025, amount=80_000_000, area=SocialValueArea.EMPLOYMENT, verified=True)
    make_social_value(enterprise, year=2025, amount=20_000_000, area=SocialValueArea.ENVIRONMENT, verified=True)
    return make_product(
        name="무형광 면 수건 40수",
        slug="cotton-towel",
        summary="자활 참여자가 직접 봉제한 수건",
        enterprise=enterprise,
        category=make_category("생활용품"),
        variants=[("화이트", 12000, 40), ("그레이", 13000, 3), ("네이비", 13000, 0)],
        tiers={0: [(50, 10500), (200, 9800)]},
        min_order_qty=2,
        lead_time_days=4,
        origin="국내산(서울 노원구)",
        tax_type=TaxType.TAXABLE,
        description_html='<p>두툼한 <strong>40수</strong> 면</p><script>alert(1)</script><img src="javascript:x" alt="x">',
    )


def page(client, slug="cotton-towel") -> str:
    response = client.get(f"/products/{slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_product_page_shows_name_summary_and_images(client, towel):
    html = page(client)
    assert '<h1 id="product-title">무형광 면 수건 40수</h1>' in html
    assert "자활 참여자가 직접 봉제한 수건" in html
    assert f'src="/media/{towel.images[0].path}" alt="무형광 면 수건 40수 사진"' in html


def test_options_with_price_and_stock_state(client, towel):
    html = page(client)
    rows = html[html.index('<table class="options">'):html.index("</table>", html.index('<table class="options">'))]
    assert "화이트" in rows and "12,000원" in rows and "구매 가능" in rows
    assert "그레이" in rows and "재고 3개 남음" in rows
    assert "네이비" in rows and "품절" in rows
    assert "재고 40개" not in rows  # plenty in stock: no count shown


def test_bulk_price_table(client, towel):
    html = page(client)
    assert "대량 구매 가격" in html
    assert "50개 이상</td><td class=\"num\">10,500원" in html
    assert "200개 이상</td><td class=\"num\">9,800원" in html


def test_no_bulk_table_without_tiers(client, make_product):
    product = make_product(slug="plain")
    assert "대량 구매 가격" not in page(client, product.slug)


def test_enterprise_card_with_type_district_and_social_value(client, towel):
    html = page(client)
    box = html[html.index('aria-labelledby="seller-title"'):]
    assert "자활기업" in box and "노원구" in box and "노원 자활 수건공방" in box
    assert "2025년 측정 사회적 가치 <strong>100,000,000원</strong>" in box
    assert f'href="/enterprises/{towel.enterprise.slug}"' in box


def test_purchase_facts_and_delivery_policy(client, towel):
    html = page(client)
    assert "<dt>최소 주문 수량</dt><dd>2개</dd>" in html
    assert "주문 후 4일 이내 출고" in html
    assert "국내산(서울 노원구)" in html
    assert "과세 (부가세 포함 가격)" in html
    assert "3,500원 (70,000원 이상 구매 시 무료)" in html
    assert "제주·도서산간 지역 추가 배송비 5,000원" in html


def test_free_shipping_and_tax_exempt(client, make_enterprise, make_product):
    enterprise = make_enterprise(shipping_base_fee_krw=0, free_shipping_threshold_krw=None, shipping_island_fee_krw=0)
    product = make_product(enterprise=enterprise, tax_type=TaxType.EXEMPT, lead_time_days=0)
    html = page(client, product.slug)
    assert "무료배송" in html and "제주·도서산간" not in html
    assert "<dd>면세</dd>" in html
    assert "주문 당일 출고" in html


def test_exchange_and_return_notice(client, towel):
    html = page(client)
    assert "교환·반품 안내" in html
    assert "7일 이내" in html
    assert "왕복 배송비(7,000원)" in html
    assert "02-987-6543" in html
    assert 'href="/withdrawal"' in html


def test_description_is_sanitised(client, towel):
    html = page(client)
    assert "<strong>40수</strong>" in html
    assert "alert(1)" not in html and "javascript:" not in html


def test_the_product_page_offers_an_add_to_cart_form(client, towel):
    html = page(client)
    assert 'action="/cart/items"' in html and "장바구니 담기" in html
    assert f'value="{towel.variants[0].id}"' in html


def test_special_price_struck_while_the_exhibition_runs(client, towel, make_exhibition):
    make_exhibition(title="서울시 공공구매 특별전", products=[towel], special_prices={towel.variants[0]: 9900},
                    ends_on=kst_today() + timedelta(days=5))
    html = page(client)
    assert "<del>12,000원</del>" in html and '<span class="sale">9,900원</span>' in html
    assert "서울시 공공구매 특별전" in html and "진행 중" in html


@pytest.mark.parametrize("when", ["ended", "upcoming", "unpublished"])
def test_no_special_price_outside_a_running_published_exhibition(client, towel, make_exhibition, when):
    today = kst_today()
    period = {
        "ended": dict(starts_on=today - timedelta(days=10), ends_on=today - timedelta(days=1)),
        "upcoming": dict(starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=10)),
        "unpublished": dict(is_published=False),
    }[when]
    make_exhibition(products=[towel], special_prices={towel.variants[0]: 9900}, **period)
    html = page(client)
    assert "<del>" not in html and "9,900원" not in html
    assert '<span class="price">12,000원</span>' in html


def test_last_day_of_an_exhibition_still_has_the_special_price(client, towel, make_exhibition):
    make_exhibition(products=[towel], special_prices={towel.variants[0]: 9900}, ends_on=kst_today())
    assert "<del>12,000원</del>" in page(client)


def test_sold_out_product(client, make_product):
    product = make_product(slug="gone", variants=[("기본", 5000, 0)])
    html = page(client, "gone")
    assert '<span class="soldout-tag inline">품절</span>' in html
    assert product.in_stock is False


@pytest.mark.parametrize("status", [ProductStatus.DRAFT, ProductStatus.PENDING_REVIEW, ProductStatus.HIDDEN])
def test_inactive_products_are_404(client, make_product, status):
    make_product(slug="not-for-sale", status=status)
    response = client.get("/products/not-for-sale")
    assert response.status_code == 404
    assert "찾으시는 페이지가 없습니다." in response.get_data(as_text=True)


@pytest.mark.parametrize("status", [ApprovalStatus.PENDING, ApprovalStatus.REJECTED, ApprovalStatus.SUSPENDED])
def test_products_of_unapproved_enterprises_are_404(client, make_enterprise, make_product, status):
    make_product(slug="orphan", enterprise=make_enterprise(status=status))
    assert client.get("/products/orphan").status_code == 404


def test_unknown_and_absurd_slugs_are_404(client):
    assert client.get("/products/nope").status_code == 404
    assert client.get("/products/" + "가" * 1000).status_code == 404
    assert client.get("/products/a%00b").status_code == 404


def test_other_products_of_the_same_enterprise(client, towel, make_product):
    make_product(name="행주 3종", enterprise=towel.enterprise)
    html = page(client)
    more = html[html.index('id="more-title"'):]
    assert "노원 자활 수건공방의 다른 상품" in more and "행주 3종" in more
    assert "무형광 면 수건 40수" not in more
