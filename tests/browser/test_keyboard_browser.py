"""The two main journeys with the keyboard alone: a consumer buys from the demo mall (search → product →
option and quantity → cart → checkout → 테스트 결제 → the paid order), and an institution buyer asks for a
quotation, the enterprise answers, the buyer accepts it as an invoice (후불) order. After the start page
only Tab, Shift+Tab, Enter, Space, arrow keys and typed text are used: no clicks, no fills, no goto.
Every control that takes focus on the way must be on screen and show where the focus is."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.accounts.models import User
from shop.catalog.models import Product, ProductStatus, Variant
from shop.core.korea import kst_today
from shop.demo.seed import DEMO_ACCOUNTS, seed_demo
from shop.extensions import db
from shop.orders.models import Order, OrderStatus, PaymentMethod
from shop.procurement import quotes
from shop.procurement.models import Quote
from tests.browser.conftest import sign_in

ACCOUNT = {a["role"]: a["email"] for a in DEMO_ACCOUNTS}
PASSWORD = DEMO_ACCOUNTS[0]["password"]
MAX_TABS = 250

# What the focused element is, whether it is on screen, and whether its focus can be seen.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  // Past a date field's parts, focus is on its calendar button inside the field, which Chromium rings itself
  const calendarButton = /^(date|time|month|week|datetime-local)$/.test(el.type || '') && !el.matches(':focus');
  return {
    what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.getAttribute('name') ? '[name=' + el.getAttribute('name') + ']' : '')
          + ' "' + (el.getAttribute('aria-label') || el.innerText || el.value || '').trim().slice(0, 40) + '"',
    visible: r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && r.bottom > 0 && r.right > 0
             && r.top < innerHeight && r.left < innerWidth,
    indicator: outline || shadow || calendarButton,
    style: `outline ${s.outlineStyle} ${s.outlineWidth}, box-shadow ${s.boxShadow}`,
  };
}"""


class Keyboard:
    """Moves the focus with Tab until the element we want has it, checking every stop on the way."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []

    def problem(self, text: str) -> None:
        line = f"{self.page.url.split('?')[0]}: {text}"
        if line not in self.problems:
            self.problems.append(line)

    def focused(self) -> dict | None:
        return self.page.evaluate(FOCUSED)

    def tab_to(self, test: str, *, back: bool = False, why: str = "") -> dict:
        """Tab (or Shift+Tab) until `test` — a JS function of the focused element — is true."""
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Shift+Tab" if back else "Tab")
            info = self.focused()
            if info is None:
                continue
            if not info["visible"]:
                self.problem(f"focus on an element off screen: {info['what']}")
            if not info["indicator"]:
                self.problem(f"no visible focus indicator on {info['what']} ({info['style']})")
            if self.page.evaluate(f"({test})(document.activeElement)"):
                return info
        raise AssertionError(f"{self.page.url}: the keyboard never reaches {why or test}")

    def tab_to_id(self, element_id: str) -> dict:
        return self.tab_to(f"e => e.id === {element_id!r}", why=f"#{element_id}")

    def tab_to_button(self, text: str) -> dict:
        return self.tab_to(f"e => (e.tagName === 'BUTTON' || e.tagName === 'A') && e.innerText.includes({text!r})",
                           why=f"the control '{text}'")

    def press_and_wait(self, key: str, url_pattern: str) -> None:
        """Press `key` on the focused control and land on a page whose address matches `url_pattern`."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.page.wait_for_load_state()
        assert re.search(url_pattern, self.page.url), \
            f"expected {url_pattern}, got {self.page.url}: {self.page.locator('main').inner_text()[:300]}"

    def type_into(self, element_id: str, text: str) -> None:
        """Type into an empty field (the keyboard alone cannot clear one without select-all)."""
        self.tab_to_id(element_id)
        if not self.page.evaluate("document.activeElement.value"):
            self.page.keyboard.type(text)


@pytest.fixture
def demo_mall(app):
    seed_demo()


def _user(role: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == ACCOUNT[role]))


def choose_option(page, variant_id: int) -> None:
    """Move the focused option list down to `variant_id` with the arrow key (disabled options are skipped)."""
    for _ in range(30):
        if page.evaluate("document.activeElement.value") == str(variant_id):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never reach option {variant_id}")


def test_skip_link_takes_the_keyboard_to_the_main_content(live_server, page, demo_mall):
    page.goto(live_server + "/")
    keys = Keyboard(page)
    page.keyboard.press("Tab")
    first = keys.focused()
    assert first is not None and "본문 바로가기" in first["what"], first
    assert first["visible"] and first["indicator"], first
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)"), \
        "after the skip link, Tab should move on inside the main content"


def test_a_consumer_buys_with_the_keyboard_alone(live_server, page, demo_mall):
    sign_in(page, live_server, ACCOUNT["consumer"], PASSWORD)
    page.goto(live_server + "/")
    keys = Keyboard(page)

    keys.tab_to_id("site-search")
    page.keyboard.type("현미")
    keys.press_and_wait("Enter", r"/search\?q=")
    keys.tab_to("e => e.tagName === 'A' && e.closest('.product-card') && !e.closest('.product-card').innerText.includes('품절')",
                why="a product in stock among the results")
    keys.press_and_wait("Enter", r"/products/")
    product_name = page.locator("h1").inner_text()

    keys.tab_to_id("cart-variant")
    offered = [int(v) for v in page.evaluate("[...document.activeElement.options].map(o => o.value)")]
    stock = {v.id: v.stock for v in db.session.scalars(sa.select(Variant).where(Variant.id.in_(offered)))}
    choose_option(page, next(v for v in offered if stock[v] >= 10))
    option = page.evaluate("(s => s.options[s.selectedIndex].text)(document.activeElement)").split(" · ")[0]
    keys.tab_to_id("cart-quantity")
    start = int(page.evaluate("document.activeElement.value"))
    page.keyboard.press("ArrowUp")
    assert int(page.evaluate("document.activeElement.value")) == start + 1
    keys.tab_to_button("장바구니 담기")
    keys.press_and_wait("Enter", r"/products/")
    assert "장바구니에 담았습니다" in page.locator("main").inner_text() or "담았" in page.locator("main").inner_text()

    keys.tab_to("e => e.classList.contains('cart-link')", why="the cart link in the header")
    keys.press_and_wait("Enter", r"/cart$")
    assert product_name in page.locator("main").inner_text() and option in page.locator("main").inner_text()
    keys.tab_to("e => e.tagName === 'A' && e.classList.contains('cart-order')", why="주문하기")
    keys.press_and_wait("Enter", r"/checkout$")

    keys.type_into("recipient_name", "최소비")
    keys.type_into("recipient_phone", "010-4567-8901")
    keys.type_into("postcode", "03154")
    keys.type_into("address1", "서울특별시 종로구 종로 1")
    keys.type_into("address2", "12층")
    keys.tab_to_id("agree")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked") is True
    keys.tab_to_button("결제하기")
    keys.press_and_wait("Enter", r"/payments/test/")
    assert "테스트 결제" in page.locator("main").inner_text()

    keys.tab_to_button("테스트 결제 승인")
    keys.press_and_wait("Enter", r"/account/orders/\d{8}-[A-Z0-9]{6}$")
    assert page.locator("#order-status").inner_text() == "결제완료"
    number = page.url.rsplit("/", 1)[1]
    order = db.session.scalar(sa.select(Order).where(Order.number == number))
    assert order.status is OrderStatus.PAID
    assert [(i.product_name, i.option_name, i.quantity) for i in order.items] == [(product_name, option, start + 1)]
    assert keys.problems == [], "\n".join(keys.problems)


def test_an_institution_gets_a_quotation_with_the_keyboard_alone(live_server, page, demo_mall):
    buyer, seller = _user("institution"), _user("enterprise")
    variant = db.session.scalars(
        sa.select(Variant).join(Product)
        .where(Product.enterprise_id == seller.enterprise_id, Product.status == ProductStatus.ACTIVE,
               Variant.stock >= 100)
        .order_by(Product.id.desc(), Variant.id)).first()
    product = variant.product
    sign_in(page, live_server, buyer.email, PASSWORD)
    page.goto(f"{live_server}/products/{product.slug}")
    keys = Keyboard(page)

    keys.tab_to_id("cart-variant")
    choose_option(page, variant.id)
    keys.tab_to_id("cart-quantity")
    for _ in range(4):
        page.keyboard.press("ArrowUp")
    wanted = int(page.evaluate("document.activeElement.value"))
    keys.tab_to_button("견적 요청")
    keys.press_and_wait("Enter", r"/institution/quotes/new")
    assert page.evaluate(f"document.getElementById('qty-{variant.id}').value") == str(wanted)
    keys.type_into("note", "직원 교육 다과용입니다. 개별 포장 가능할까요?")
    keys.tab_to_button("견적 요청 보내기")
    keys.press_and_wait("Enter", r"/institution/quotes/[^/]+$")
    assert "견적을 요청했습니다" in page.locator("main").inner_text()

    quote = db.session.scalar(sa.select(Quote).where(Quote.institution_id == buyer.institution_id)
                              .order_by(Quote.id.desc()))
    today = kst_today()
    quotes.answer(quote, seller, unit_prices={quote.lines[0].id: quote.lines[0].list_price_krw - 100},
                  shipping_fee_krw=0, valid_until=today + timedelta(days=30), note="개별 포장 포함 단가입니다.",
                  today=today)

    keys.tab_to("e => e.tagName === 'A' && e.innerText.includes('견적 목록')", why="the link back to the quotations")
    keys.press_and_wait("Enter", r"/institution/quotes$")
    keys.tab_to(f"e => e.tagName === 'A' && e.innerText.trim() === {quote.number!r}", why="the answered quotation")
    keys.press_and_wait("Enter", rf"/institution/quotes/{quote.number}$")
    keys.tab_to("e => e.name === 'payment_method'", why="the payment choice")
    for _ in range(4):
        if page.evaluate("document.activeElement.value") == PaymentMethod.INVOICE.value:
            break
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.checked && document.activeElement.value") == PaymentMethod.INVOICE.value
    keys.tab_to_button("견적 수락하고 주문하기")
    keys.press_and_wait("Enter", r"/institution/orders/\d{8}-[A-Z0-9]{6}$")
    number = page.url.rsplit("/", 1)[1]
    order = db.session.scalar(sa.select(Order).where(Order.number == number))
    assert order.payment_method is PaymentMethod.INVOICE
    assert [(i.variant_id, i.quantity) for i in order.items] == [(variant.id, wanted)]
    assert keys.problems == [], "\n".join(keys.problems)
