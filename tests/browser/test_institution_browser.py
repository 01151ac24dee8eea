"""An institution's buyer in Chromium: quotation from a product page, the enterprise's answer, acceptance
into an invoice order, delivery, inspection (검수), the tax invoice, completion and the purchase report.
The enterprise's side goes through its service functions (its screens come with the console)."""
from __future__ import annotations

from datetime import timedelta

from shop.accounts.models import Role
from shop.core.korea import kst_today
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order
from shop.procurement import invoice_orders, quotes
from shop.procurement.models import Quote
from tests.browser.conftest import (
    PHONE,
    assert_no_horizontal_scroll,
    checked,
    screenshot,
    serious_axe_violations,
    sign_in,
)
from tests.procurement_fixtures import add_address

TODAY = kst_today()


def test_quotation_to_report_in_the_browser(live_server, page, browser, make_user, make_institution,
                                           make_enterprise, make_product):
    institution = make_institution(name="서울특별시 성동구청", purchase_target_krw=30_000_000)
    add_address(institution, label="구청 본관", department="자치행정과", contact_name="정주무관")
    make_user(Role.INSTITUTION, institution=institution, membership_approved=True, name="윤구매",
              email="buyer@seongdong.example.kr")
    enterprise = make_enterprise(name="성수 업사이클 협동조합")
    seller = make_user(Role.ENTERPRISE, enterprise=enterprise)
    product = make_product(name="업사이클 에코백", enterprise=enterprise, variants=[("기본", 18_000, 300)],
                           tiers={0: [(100, 15_000)]})

    sign_in(page, live_server, "buyer@seongdong.example.kr")
    page.goto(f"{live_server}/products/{product.slug}")
    page.get_by_label("수량").fill("120")
    page.get_by_role("button", name="견적 요청").click()
    page.wait_for_load_state()
    assert page.get_by_label("업사이클 에코백 기본 수량").input_value() == "120"
    page.get_by_label("납품 요청일").fill((TODAY + timedelta(days=14)).isoformat())
    page.get_by_label("요청 사항").fill("기관 로고 인쇄 가능 여부 알려 주세요")
    checked(page, "desktop-institution-quote-new")
    page.get_by_role("button", name="견적 요청 보내기").click()
    page.wait_for_load_state()
    assert "견적을 요청했습니다" in page.locator("main").inner_text()

    quote = db.session.scalar(db.select(Quote))
    quotes.answer(quote, seller, unit_prices={quote.lines[0].id: 14_000}, shipping_fee_krw=0,
                  valid_until=TODAY + timedelta(days=30), note="로고 인쇄 포함 단가입니다.", today=TODAY)
    page.reload()
    assert page.locator("#quote-total").inner_text() == "1,680,000원"
    checked(page, "desktop-institution-quote-answered")
    page.get_by_label("후불 (검수 후 세금계산서 발행, 계좌이체)").check()
    page.get_by_role("button", name="견적 수락하고 주문하기").click()
    page.wait_for_load_state()
    order = db.session.scalar(db.select(Order))
    assert page.url.endswith(f"/institution/orders/{order.number}")

    shipment = order.shipments[0]
    invoice_orders.accept(shipment, seller)
    orders.ship(shipment, seller, courier="cj", tracking_number="612345678901")
    orders.mark_delivered(shipment, seller)
    page.reload()
    checked(page, "desktop-institution-order-delivered")
    page.get_by_label("업사이클 에코백 / 기본 합격 수량 (주문 120개)").fill("120")
    page.get_by_label("검수자").first.fill("정주무관")
    page.get_by_role("button", name="검수 합격 — 성수 업사이클 협동조합").click()
    page.wait_for_load_state()
    assert "검수를 마쳤습니다" in page.locator("main").inner_text()

    db.session.expire_all()
    shipment = db.session.get(Order, order.id).shipments[0]
    amounts = invoice_orders.accepted_amounts(shipment)
    invoice_orders.record_tax_invoice(shipment, seller, issued_on=TODAY,
                                      approval_number=f"{TODAY:%Y%m%d}4100000012345678",
                                      supply_krw=amounts.supply_krw, vat_krw=amounts.vat_krw,
                                      total_krw=amounts.total_krw, today=TODAY)
    invoice_orders.record_settlement(shipment, seller, paid_on=TODAY, method="bank_transfer", today=TODAY)
    page.reload()
    page.get_by_role("button", name="거래 완료 — 성수 업사이클 협동조합").click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "거래완료" in text and "세금계산서" in text and "1,680,000원" in text
    checked(page, "desktop-institution-order-completed")

    page.goto(live_server + "/institution/reports")
    assert "1,680,000" in page.locator("main").inner_text()
    checked(page, "desktop-institution-report")

    phone = browser.new_context(viewport=PHONE, locale="ko-KR", storage_state=page.context.storage_state())
    tab = phone.new_page()
    for name, path in (("home", "/institution"), ("quotes", "/institution/quotes"),
                       ("quote", f"/institution/quotes/{quote.number}"), ("orders", "/institution/orders"),
                       ("order", f"/institution/orders/{order.number}"), ("report", "/institution/reports"),
                       ("settings", "/institution/settings")):
        tab.goto(live_server + path)
        assert_no_horizontal_scroll(tab)
        assert serious_axe_violations(tab) == [], path
        screenshot(tab, f"phone-institution-{name}")
    phone.close()
