"""Stored XSS: payloads saved in every free-text field (product name, summary, description, option, alt
text; reviews; quotation notes and answers; exhibition and collaboration titles, stories, artists;
enterprise name, story, representative; people's names; the institution, its address; delivery notes;
staff decision reasons) are inert on every page that shows them: the parsed HTML has no script carrying
them, no on* attribute, no javascript: URL, and the JSON API answers JSON. Product descriptions go through
the console's sanitiser, which keeps only the allowed tags."""
from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest

from shop.accounts.models import Role
from shop.cart import services as carts
from shop.catalog import editing
from shop.catalog import review as product_review
from shop.catalog.editing import OptionInput, ProductDetails
from shop.core.html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from shop.core.korea import kst_today
from shop.curation.models import Artist
from shop.enterprises import services as enterprises
from shop.extensions import db
from shop.institutions import services as institutions
from shop.models_base import ApprovalStatus
from shop.orders import addresses
from shop.orders import services as orders
from shop.orders.services import Delivery
from shop.payments import services as payments
from shop.procurement import quotes
from shop.reviews import services as reviews
from tests.conftest import signed_in
from tests.procurement_fixtures import add_address
from tests.services.order_helpers import new_key
from tests.services.test_storage import image_bytes

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "<svg onload=alert(1)>"
QUOTES = "' onmouseover='alert(1)"
JS_URL = "javascript:alert(1)"
ALL = SCRIPT + IMG + SVG + QUOTES  # 99 characters: fits every column of 100 or more
DESCRIPTION = (f"{SCRIPT}<p onclick=\"alert(1)\">설명</p>{IMG}{SVG}<a href=\"{JS_URL}\">링크</a>"
               f"<img src=\"{JS_URL}\"><iframe src=\"{JS_URL}\"></iframe><style>p{{}}</style>"
               "<b>굵게</b><table><tr><td>칸</td></tr></table><a href=\"https://example.kr\">좋은 링크</a>")


class Inertness(HTMLParser):
    """Walks a page's tags and attributes and lists what would run: a script carrying a payload, an event
    handler attribute, a javascript: URL, a frame or object."""

    URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.script: list[str] | None = None  # the text of the <script> being read

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        if tag == "script":
            self.script = []

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        # A payload that broke out of its place is a script of its own; one kept as data (JSON with "<"
        # escaped, for instance) is part of a longer script text.
        if tag == "script" and self.script is not None:
            code = "".join(self.script).strip()
            if code.startswith("alert("):
                self.problems.append(f"script with a payload: {code[:80]!r}")
            self.script = None

    def _check(self, tag, attrs):
        if tag in {"iframe", "object", "embed", "base", "math"}:  # the charts draw <svg> themselves
            self.problems.append(f"<{tag}> tag")
        if tag == "script" and any(name == "src" and not (value or "").startswith("/static/") for name, value in attrs):
            self.problems.append(f"<script src={dict(attrs).get('src')!r}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in self.URL_ATTRIBUTES or name.startswith("data-") and "url" in name:
                squeezed = "".join(ch for ch in (value or "") if ch > " ").lower()
                if squeezed.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data):
        if self.script is not None:
            self.script.append(data)


def problems_in(html: str) -> list[str]:
    parser = Inertness()
    parser.feed(html)
    parser.close()
    return parser.problems


def test_the_checker_sees_live_payloads():
    """The checker itself: it must flag what a browser would run."""
    assert problems_in(f"<p>{SCRIPT}</p>")
    assert problems_in(f"<p>{IMG}</p>")
    assert problems_in(f"<p>{SVG}</p>")
    assert problems_in(f"<input value='{QUOTES}'>")
    assert problems_in(f'<a href=" {JS_URL}">x</a>')
    assert not problems_in("<p>&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(1)&gt;</p>")
    assert not problems_in(f'<input value="{QUOTES}">')
    assert problems_in(f'<script type="application/json">{{"a": "</script>{SCRIPT}"}}</script>')
    assert not problems_in('<script type="application/json">{"a": "\\u003cscript\\u003ealert(1)"}</script>')


# --- the scene --------------------------------------------------------------------------------------------


@pytest.fixture
def scene(app, make_user, make_enterprise, make_category, make_institution, make_exhibition, make_art_collab):
    staff = make_user(Role.ADMIN, name=IMG[:50])
    enterprise = make_enterprise(name=ALL, representative=IMG, summary=ALL, address=ALL,
                                 story_html=ALL + f'<a href="{JS_URL}">링크</a>', slug="xss-enterprise")
    seller = make_user(Role.ENTERPRISE, enterprise=enterprise, enterprise_owner=True, name=IMG)
    category = make_category(SVG, parent=make_category(IMG))

    product = editing.create_product(
        enterprise.id, ProductDetails(category_id=category.id, name=ALL, summary=ALL, description=DESCRIPTION,
                                      tax_type="taxable", min_order_qty="1", lead_time_days="2", origin=IMG),
        OptionInput(name=IMG, price_krw="10,000", stock="100", sku=""), seller,
        image=image_bytes("PNG"), image_alt=ALL)
    product_review.submit_product(enterprise.id, product.id, seller)
    product_review.approve_product(product, staff)
    refused = editing.create_product(
        enterprise.id, ProductDetails(category_id=category.id, name="반려된 상품 " + IMG, summary="요약",
                                      description="설명입니다.", tax_type="taxable", min_order_qty="1",
                                      lead_time_days="2", origin="국내산"),
        OptionInput(name="기본", price_krw="5,000", stock="5", sku=""), seller, image=image_bytes("PNG"),
        image_alt="사진")
    product_review.submit_product(enterprise.id, refused.id, seller)
    product_review.reject_product(refused, staff, ALL)
    rejected_enterprise = make_enterprise(name="반려 기업 " + IMG, status=ApprovalStatus.PENDING)
    enterprises.reject(rejected_enterprise, reason=ALL, staff=staff)

    # A consumer's order, delivered and reviewed.
    buyer = make_user(Role.CONSUMER, name=IMG)
    variant = db.session.get(type(product), product.id).variants[0]
    order = orders.place_order(buyer, [(variant.id, 1)], Delivery(IMG, "010-2345-6789", "04524", ALL, IMG, ALL[:100]),
                               new_key(), today=kst_today())
    payments.pay_in_test_mode(order, buyer)
    shipment = order.shipments[0]
    orders.start_preparing(shipment, staff)
    orders.ship(shipment, staff, courier="cj", tracking_number="612345678901")
    orders.mark_delivered(shipment, staff)
    reviews.write_review(buyer, order.items[0].id, 5, ALL + " 정말 좋아요. 잘 쓰고 있습니다.")
    addresses.save_address(buyer, Delivery(IMG, "010-2345-6789", "04524", ALL, SCRIPT, ""))
    carts.add_to_member_cart(buyer, variant.id, 1)  # so that the checkout page (with the saved address) opens

    # An institution's quotation, answered.
    institution = make_institution(name=ALL)
    institutions.reject(make_institution(name="반려 기관 " + IMG, status=ApprovalStatus.PENDING), reason=ALL, staff=staff)
    purchaser = make_user(Role.INSTITUTION, institution=institution, membership_approved=True, name=IMG,
                          department=IMG[:50])
    address = add_address(institution, label=IMG[:30], contact_name=IMG, address2=ALL)
    quote = quotes.request_quotes(purchaser, quotes.QuoteRequest(
        [(variant.id, 20)], kst_today() + timedelta(days=14),
        Delivery(address.contact_name, address.contact_phone, address.postcode, address.address1, address.address2,
                 "", address.department), ALL), today=kst_today())[0]
    quotes.answer(quote, seller, unit_prices={quote.lines[0].id: 9_000}, shipping_fee_krw=0,
                  valid_until=kst_today() + timedelta(days=30), note=ALL, today=kst_today())

    exhibition = make_exhibition(products=[product], title=ALL, summary=ALL, organizer_name=ALL,
                                 description_html=ALL + f'<a href="{JS_URL}">x</a>', banner_alt=ALL,
                                 slug="xss-exhibition")
    collab = make_art_collab(products=[product], title=ALL, summary=ALL, enterprise=enterprise,
                             story_html=ALL + f'<a href="{JS_URL}">x</a>', slug="xss-collab",
                             artist=Artist(name=IMG, bio=ALL, link=JS_URL))

    class Scene:
        pass

    s = Scene()
    s.staff, s.seller, s.buyer, s.purchaser = staff, seller, buyer, purchaser
    s.product, s.refused, s.order, s.shipment, s.quote = product, refused, order, shipment, quote
    s.enterprise, s.rejected_enterprise, s.exhibition, s.collab = enterprise, rejected_enterprise, exhibition, collab
    s.category = category
    return s


def pages_for(s) -> dict[str, list[str]]:
    """Who sees which pages: None for a visitor, else the signed-in user's role."""
    product, order, quote = s.product, s.order, s.quote
    return {
        "visitor": ["/", f"/products/{product.slug}", f"/search?q={product.name[:20]}", f"/search?q={IMG}",
                    f"/search?q={SCRIPT}", "/enterprises", f"/enterprises/{s.enterprise.slug}", "/exhibitions",
                    f"/exhibitions/{s.exhibition.slug}", "/art-collabs", f"/art-collabs/{s.collab.slug}",
                    f"/categories/{s.category.slug}", "/categories", "/impact"],
        "buyer": ["/account", "/account/orders", f"/account/orders/{order.number}", "/account/reviews", "/cart",
                  "/checkout"],
        "seller": ["/console", "/console/products", f"/console/products/{product.id}/edit",
                   f"/console/products/{s.refused.id}/edit", "/console/orders",
                   f"/console/orders/{s.shipment.id}", "/console/quotes", f"/console/quotes/{quote.number}",
                   "/console/stock", "/console/stock/low", "/console/profile", "/console/members",
                   "/console/social-value"],
        "purchaser": ["/institution", "/institution/quotes", f"/institution/quotes/{quote.number}",
                      "/institution/orders", "/institution/settings", "/institution/reports",
                      f"/products/{product.slug}"],
        "staff": ["/admin", "/admin/approvals", "/admin/products", f"/admin/products/{product.id}",
                  f"/admin/products/{s.refused.id}", "/admin/products/review", "/admin/enterprises",
                  f"/admin/enterprises/{s.enterprise.id}", f"/admin/enterprises/{s.rejected_enterprise.id}",
                  "/admin/orders", f"/admin/orders/{order.number}", "/admin/audit", "/admin/exhibitions",
                  f"/admin/exhibitions/{s.exhibition.id}", "/admin/collaborations",
                  f"/admin/collaborations/{s.collab.id}", f"/admin/artists/{s.collab.artist_id}",
                  "/admin/categories", "/admin/social-value"],
    }


def test_stored_payloads_are_inert_on_every_page_that_shows_them(app, scene):
    users = {"visitor": None, "buyer": scene.buyer, "seller": scene.seller, "purchaser": scene.purchaser,
             "staff": scene.staff}
    found, shown = [], 0
    for who, urls in pages_for(scene).items():
        with app.app_context():
            browser, _ = signed_in(app, users[who])
            for url in urls:
                response = browser.get(url)
                assert response.status_code == 200, f"{who} GET {url}: {response.status_code}"
                html = response.get_data(as_text=True)
                shown += "alert(1)" in html
                found += [f"{who} GET {url}: {problem}" for problem in problems_in(html)]
    assert not found, "\n".join(found)
    assert shown >= 40, "the payloads did not reach the pages, so this test checked nothing"


def test_the_json_api_answers_json_not_html(client, scene):
    for url in ["/api/v1/products", f"/api/v1/products?q={SCRIPT}", f"/api/v1/products/{scene.product.slug}",
                "/api/v1/enterprises", "/api/v1/exhibitions", f"/api/v1/products/{IMG}"]:
        response = client.get(url)
        assert response.mimetype == "application/json", url
        assert response.headers.get("X-Content-Type-Options") == "nosniff", url


def test_a_description_keeps_only_the_allowed_tags(scene):
    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.seen: list[tuple[str, list[str]]] = []

        def handle_starttag(self, tag, attrs):
            self.seen.append((tag, [name for name, _ in attrs]))

    tags = Tags()
    tags.feed(db.session.get(type(scene.product), scene.product.id).description_html)
    assert tags.seen, "the description was emptied"
    for tag, attributes in tags.seen:
        assert tag in ALLOWED_TAGS, tag
        assert set(attributes) <= ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set()), tag
    assert ("b", []) in tags.seen and ("table", []) in tags.seen  # harmless markup stays
    assert not problems_in(scene.product.description_html)


def test_emails_about_the_payloads_are_plain_text(app, outbox, scene):
    payments_order = orders.place_order(scene.buyer, [(scene.product.variants[0].id, 1)],
                                        Delivery(IMG, "010-2345-6789", "04524", ALL, IMG, ALL[:100]), new_key(),
                                        today=kst_today())
    payments.pay_in_test_mode(payments_order, scene.buyer)
    for message in outbox:
        assert message.get_content_type() == "text/plain"
