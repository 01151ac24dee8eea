"""An enterprise member in Chromium: ships a paid consumer order with a courier and tracking number from
/console/orders, and answers an institution's quotation from /console/quotes; every page passes axe and
fits a 360px phone without scrolling sideways."""
from __future__ import annotations

from shop.extensions import db
from shop.orders import services as orders
from shop.procurement import invoice_orders
from shop.procurement.models import Quote, QuoteStatus
from tests.browser.conftest import (
    PHONE,
    assert_no_horizontal_scroll,
    checked,
    screenshot,
    serious_axe_violations,
    sign_in,
)
from tests.services import procurement_helpers
from tests.services.procurement_helpers import (
    TODAY,
    invoice_order,
    request_one,
    shipment_of,
)
from tests.services.test_enterprise_queries import paid_consumer_order

market = procurement_helpers.market  # the fixture, where pytest looks for it


def test_ship_an_order_and_answer_a_quotation(live_server, page, browser, market):
    order = paid_consumer_order(market, [(market.paper.id, 2)])
    sid = shipment_of(order, market.paper_co).id
    quote = request_one(market, [(market.paper.id, 120)])
    # More states to look at on a phone: an invoice order waiting for its tax invoice, one to accept.
    inspected = shipment_of(invoice_order(market.buyer, [(market.paper.id, 30)]), market.paper_co)
    invoice_orders.accept(inspected, market.seller)
    orders.ship(inspected, market.seller, courier="cj", tracking_number="612345678901")
    orders.mark_delivered(inspected, market.seller)
    invoice_orders.inspect(inspected, market.buyer, inspected_on=TODAY, inspector_name="박검수",
                           accepted_quantities={inspected.items[0].id: 30}, today=TODAY)
    to_accept = shipment_of(invoice_order(market.buyer, [(market.paper.id, 10)]), market.paper_co)

    sign_in(page, live_server, market.seller.email)
    page.goto(live_server + "/console/orders")
    checked(page, "desktop-console-orders")
    page.get_by_label("구매 구분").select_option("consumer")
    page.get_by_role("button", name="조회").click()
    page.wait_for_load_state()
    page.get_by_role("link", name=order.number).click()
    page.wait_for_load_state()
    assert page.locator("#shipment-status").inner_text() == "결제완료"
    checked(page, "desktop-console-order-paid")

    page.get_by_role("button", name="상품준비중으로 변경").click()
    page.wait_for_load_state()
    assert page.locator("#shipment-status").inner_text() == "상품준비중"
    page.get_by_label("송장번호").fill("123")
    page.get_by_role("button", name="발송 처리").click()
    page.wait_for_load_state()
    assert "송장번호는 숫자·영문 8~20자로" in page.locator("[role=alert]").inner_text()
    checked(page, "desktop-console-order-ship-refused")
    page.get_by_label("택배사").select_option("epost")
    page.get_by_label("송장번호").fill("6865012345678")
    page.get_by_role("button", name="발송 처리").click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert page.locator("#shipment-status").inner_text() == "배송중"
    assert "우체국택배 6865012345678" in main and "발송 처리했습니다" in main
    assert "배송중" in page.locator("#timeline").inner_text()
    checked(page, "desktop-console-order-shipped")

    page.get_by_role("link", name="견적", exact=True).click()
    page.wait_for_load_state()
    checked(page, "desktop-console-quotes")
    page.get_by_role("link", name=quote.number).click()
    page.wait_for_load_state()
    price = page.get_by_label("친환경 복사용지 A4 / 80g 2500매 단가 (원)")
    assert price.input_value() == "22,000"
    checked(page, "desktop-console-quote-new")
    price.fill("20,000")
    page.get_by_label("배송비 (원, 부가세 포함)").fill("0")
    page.get_by_label("견적 메모").fill("기관 로고 인쇄 포함, 납기 7일")
    page.get_by_role("button", name="견적 회신하기").click()
    page.wait_for_load_state()
    assert page.locator("#quote-status").inner_text() == "견적 도착"
    assert page.locator("#quote-total").inner_text() == "2,400,000원"
    checked(page, "desktop-console-quote-answered")
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status is QuoteStatus.ANSWERED

    page.goto(f"{live_server}/console/orders/{inspected.id}")
    assert page.get_by_label("합계 (원)").input_value() == "750,000"  # prefilled with the accepted amounts
    checked(page, "desktop-console-order-tax-invoice")

    waiting = request_one(market, [(market.paper.id, 80)])
    phone = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True,
                                storage_state=page.context.storage_state())
    tab = phone.new_page()
    for name, path in (("orders", "/console/orders"), ("order-shipped", f"/console/orders/{sid}"),
                       ("order-tax-invoice", f"/console/orders/{inspected.id}"),
                       ("order-accept", f"/console/orders/{to_accept.id}"), ("quotes", "/console/quotes"),
                       ("quote-new", f"/console/quotes/{waiting.number}"),
                       ("quote-answered", f"/console/quotes/{quote.number}")):
        tab.goto(live_server + path)
        assert_no_horizontal_scroll(tab)
        assert serious_axe_violations(tab) == [], path
        screenshot(tab, f"phone-console-{name}")
    phone.close()
