"""Every GET page of the app runs a constant, small number of SQL statements (at most 10), whatever the data
size: each page is opened by the role that owns it with real objects in its URL, counted, then opened again
after the data it lists has grown (more orders, shipments, quotes, products, options, images, reviews,
members, keys, exhibitions, collaborations, applications, audit entries), and both counts must be equal.

Each page is counted twice per size: with the shared cache empty (right after a change) and again with it
filled; both counts must stay the same as the data grows, and the filled one must be at most 10. The pages
come from the URL map and the route table of test_route_access.py, so a new GET page is counted as soon as
it exists, and fails this test until its URL parameters have values here (or it is skipped below with a
reason). `SHOW_QUERIES=<endpoint> pytest -s tests/web/test_page_query_counts.py` prints a page's statements."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.accounts import login_sessions
from shop.accounts.models import Role, User
from shop.cart import services as carts
from shop.catalog import review
from shop.catalog.models import PriceTier, Product, ProductImage, Variant
from shop.catalog.services import refresh_listing
from shop.core.cache import cache
from shop.curation.models import ArtCollaboration, Exhibition, ExhibitionItem, ExhibitionPrice
from shop.enterprises import api_tokens, members
from shop.extensions import db
from shop.models_base import ApprovalStatus
from shop.orders import services as orders
from shop.orders.models import Order, PaymentMethod, Shipment
from shop.payments import services as payments
from shop.procurement import invoice_orders, quotes
from shop.procurement.quotes import QuoteRequest
from shop.reviews import services as reviews
from tests.conftest import signed_in
from tests.procurement_fixtures import add_address
from tests.services.order_helpers import SEOUL, TODAY, new_key
from tests.services.test_catalog_editing import new_draft
from tests.web.route_access_fixtures import (  # noqa: F401 (the fixture `victims`)
    INSTITUTION_DELIVERY,
    Victims,
    victims_fixture,
)
from tests.web.test_route_access import (
    API_KEY,
    BUYER,
    ENTERPRISE,
    ENTERPRISE_OWNER,
    INSTITUTION,
    PUBLIC,
    ROUTES,
    SIGNED_IN,
    STAFF,
)

MAX_QUERIES = 10
MORE = 8  # how many more of each listed thing the second count sees

# GET endpoints not counted, and why.
SKIP = {
    "static": "a file from the package folder; no database",
    "storefront.media": "an uploaded file from the upload folder; no database",
    "healthz": "the load balancer's probe: one `SELECT 1` by design, no page",
}

# Who opens the pages of each kind of route.
ANONYMOUS, CONSUMER, INSTITUTION_BUYER, OWNER, STAFF_MEMBER, KEY = (
    "anonymous", "consumer", "institution buyer", "enterprise owner", "staff", "API key")
OPENED_BY = {PUBLIC: ANONYMOUS, SIGNED_IN: CONSUMER, BUYER: CONSUMER, ENTERPRISE: OWNER, ENTERPRISE_OWNER: OWNER,
             INSTITUTION: INSTITUTION_BUYER, STAFF: STAFF_MEMBER, API_KEY: KEY}
# Public pages that show more to a member: opened by one.
OPENED_BY_ENDPOINT = {"cart.view_cart": CONSUMER}  # a cart with lines, not an empty guest cart
NAMESPACE = {PUBLIC: "public", SIGNED_IN: "buyer", BUYER: "buyer", ENTERPRISE: "enterprise",
             ENTERPRISE_OWNER: "enterprise", INSTITUTION: "institution", STAFF: "staff", API_KEY: "api"}

# Query strings a page needs to show what it lists.
QUERY = {"institution.new_quote": {"from": "cart"},  # a quotation request for the cart's lines
         "storefront.search": {"q": "유자"}}

# What each of these pages shows once the data has grown: proof that the second count saw more rows.
GROWN = {
    "storefront.product": "유자 향이 좋아요 7", "storefront.category": "유자 잼 7", "storefront.enterprise": "유자 잼 7",
    "storefront.exhibition": "이웃 상품 7", "storefront.art_collab": "이웃 상품 7", "storefront.search": "유자 잼 7",
    "orders.order_list": "외 15건", "orders.order_detail": "이웃 상품 7", "reviews.mine": "맛있어요 7",
    "console.product_list": "유자 잼 7", "console.members_page": "구성원5", "console.api_keys": "연동 7",
    "console.order_detail": "유자 잼 7", "console.quote_detail": "유자 잼 7", "console.stock_table": "유자 잼 7",
    "institution.order_detail": "이웃 상품 7", "institution.quote_detail": "유자 잼 7",
    "institution.settings_page": "별관7", "institution.checkout": "유자 잼 7",
    "institution.new_quote": "유자 잼 7", "checkout.checkout": "이웃 상품 7", "cart.view_cart": "이웃 상품 7",
    "admin.approvals": "신청 기업 7", "admin.review_queue": "심사 대기 7", "admin_orders.order": "이웃 상품 7",
    "admin.product": "D 옵션 7", "console.product_edit": "G 옵션 7",
}
# Pages that answer with a redirect when opened the ordinary way, and where to.
REDIRECTS = {"checkout.stripe_success": "/account/orders/"}  # test mode: back to the order


@dataclass
class Shop:
    """The owners whose data grows, and the values that fill URL parameters (per namespace)."""
    victims: Victims
    users: dict
    values: dict = field(default_factory=dict)
    api_secret: str = ""


def _get(model, **by):
    return db.session.scalars(sa.select(model).filter_by(**by)).one()


@pytest.fixture
def shop(victims, procurement, make_user) -> Shop:
    order = _get(Order, number=victims.buyer["number"])
    product = db.session.get(Product, victims.enterprise["product_id"])
    owner = victims.people["owner"]
    users = {ANONYMOUS: None, CONSUMER: order.buyer, INSTITUTION_BUYER: procurement.buyer, OWNER: owner,
             STAFF_MEMBER: make_user(Role.ADMIN, name="센터직원"), KEY: None}
    exhibition = db.session.get(Exhibition, victims.staff["exhibition_id"])
    collab = db.session.get(ArtCollaboration, victims.staff["collaboration_id"])
    # One listed product on each curation page already, so the small count loads a list too.
    exhibition.items.append(ExhibitionItem(product=product, position=len(exhibition.items)))
    collab.products.append(product)
    db.session.commit()
    public = {"slug": product.slug, "secret": members.invite(owner.enterprise_id, "joiner@example.kr", owner).secret}
    values = {name: dict(getattr(victims, name)) for name in ("buyer", "enterprise", "institution", "staff", "api")}
    values["public"] = public
    # Public pages by endpoint: each slug names the object the page lists things of.
    values["by_endpoint"] = {
        "storefront.category": {"slug": product.category.slug},
        "storefront.enterprise": {"slug": product.enterprise.slug},
        "storefront.exhibition": {"slug": exhibition.slug},
        "storefront.art_collab": {"slug": collab.slug},
        # the approved enterprise the center manages, not the applicant (which has nothing to list)
        "admin.enterprise_detail": {"enterprise_id": product.enterprise_id},
    }
    secret = api_tokens.issue(owner.enterprise_id, "재고 연동", owner).secret
    carts.add_to_member_cart(procurement.buyer, product.variants[0].id, 5)  # for the institution's checkout
    return Shop(victims, users, values, secret)


# --- growing the data ---------------------------------------------------------------------------------


def _paid(order: Order, buyer: User) -> Order:
    payments.pay_in_test_mode(order, buyer)
    return order


def _deliver(shipment: Shipment, seller: User) -> None:
    orders.start_preparing(shipment, seller)
    orders.ship(shipment, seller, courier="cj", tracking_number="612345678901")
    orders.mark_delivered(shipment, seller)


def _grow_product(product: Product, tag: str) -> None:
    """MORE options (each with a bulk price) and MORE images on one product."""
    start = len(product.variants)
    for i in range(MORE):
        variant = Variant(name=f"{tag} 옵션 {i}", price_krw=10_000 + i, stock=50, sku=f"{tag}-{product.id}-{i}",
                          position=start + i)
        variant.price_tiers.append(PriceTier(min_qty=10, unit_price_krw=9_000))
        product.variants.append(variant)
        product.images.append(ProductImage(path=f"test/{tag}-{i}.webp", alt=f"{tag} 사진 {i}",
                                           position=len(product.images)))
    refresh_listing(product)
    db.session.commit()


@pytest.fixture
def grow(shop, procurement, make_user, make_product, make_enterprise, make_institution, make_category,
         make_exhibition, make_art_collab, make_social_value):
    """Add MORE of everything the pages list, to the same owners; point detail pages at bigger objects."""

    def run() -> None:
        v, users, values = shop.victims, shop.users, shop.values
        consumer, buyer, owner = users[CONSUMER], users[INSTITUTION_BUYER], users[OWNER]
        product = db.session.get(Product, v.enterprise["product_id"])
        enterprise, category = product.enterprise, product.category
        draft = db.session.get(Product, v.staff["product_id"])
        exhibition = db.session.get(Exhibition, v.staff["exhibition_id"])
        collab = db.session.get(ArtCollaboration, v.staff["collaboration_id"])

        # Catalog: more products of the enterprise in the same category, more options and images.
        ours = [make_product(name=f"유자 잼 {i}", enterprise=enterprise, category=category,
                             variants=[("소", 9_000 + i, 100), ("대", 19_000, 100)], tiers={0: [(10, 8_000)]})
                for i in range(MORE)]
        others = [make_product(name=f"이웃 상품 {i}", category=category, variants=[("기본", 7_000, 100)])
                  for i in range(MORE)]
        _grow_product(product, "G")
        _grow_product(draft, "D")
        for item in others:
            make_social_value(item.enterprise, year=2024, verified=True, measured_by="SPC")

        # Curation: the exhibition and the collaboration carry more products; more of each to list.
        for item in ours + others:
            exhibition.items.append(ExhibitionItem(product=item, position=len(exhibition.items)))
            exhibition.special_prices.append(ExhibitionPrice(variant=item.variants[0], price_krw=6_000))
            collab.products.append(item)
        db.session.commit()
        for i in range(MORE):
            make_exhibition(products=[ours[i], others[i]])
            make_art_collab(enterprise=enterprise, products=[ours[i]], artist=collab.artist)

        # The consumer: more orders (two enterprises each), delivered and reviewed;
        # the order pages now show a 16-line order from nine enterprises.
        for i in range(MORE):
            order = _paid(orders.place_order(consumer, [(ours[i].variants[0].id, 1), (others[i].variants[0].id, 1)],
                                             SEOUL, new_key(), today=TODAY), consumer)
            mine = next(s for s in order.shipments if s.enterprise_id == enterprise.id)
            _deliver(mine, owner)
            reviews.write_review(consumer, mine.items[0].id, 4, f"잘 받았습니다. 맛있어요 {i}")
        lines = [(p.variants[0].id, 1) for p in ours + others]
        big_unpaid = orders.place_order(consumer, lines, SEOUL, new_key(), today=TODAY)
        big_paid = _paid(orders.place_order(consumer, lines, SEOUL, new_key(), today=TODAY), consumer)
        our_part = next(s for s in big_paid.shipments if s.enterprise_id == enterprise.id)
        values["buyer"].update(number=big_unpaid.number)

        # Reviews of the product page's product by more buyers.
        small = product.variants[0]
        for i in range(MORE):
            someone = make_user(name=f"후기손님{i}")
            order = _paid(orders.place_order(someone, [(small.id, 1)], SEOUL, new_key(), today=TODAY), someone)
            _deliver(order.shipments[0], owner)
            reviews.write_review(someone, order.items[0].id, 5, f"유자 향이 좋아요 {i}")

        # The institution: more addresses, quotations, invoice orders; detail pages on 16-line ones.
        for i in range(MORE):
            add_address(procurement.institution, label=f"별관{i}", is_default=False)
        for i in range(MORE):
            quote = quotes.request_quotes(buyer, QuoteRequest([(ours[i].variants[0].id, 10)],
                                                              TODAY + timedelta(days=7), INSTITUTION_DELIVERY),
                                          today=TODAY)[0]
            quotes.answer(quote, owner, unit_prices={quote.lines[0].id: 8_500}, shipping_fee_krw=0,
                          valid_until=TODAY + timedelta(days=7), today=TODAY)
        request = QuoteRequest([(p.variants[0].id, 10) for p in ours], TODAY + timedelta(days=7),
                               INSTITUTION_DELIVERY)
        big_quote = quotes.request_quotes(buyer, request, today=TODAY)[0]
        quotes.answer(big_quote, owner, unit_prices={line.id: 8_000 for line in big_quote.lines},
                      shipping_fee_krw=3_000, valid_until=TODAY + timedelta(days=7), today=TODAY)
        big_request = quotes.request_quotes(buyer, request, today=TODAY)[0]
        for i in range(MORE):
            order = orders.place_order(buyer, [(ours[i].variants[0].id, 3), (others[i].variants[0].id, 3)],
                                       INSTITUTION_DELIVERY, new_key(), today=TODAY,
                                       payment_method=PaymentMethod.INVOICE)
            invoice_orders.accept(next(s for s in order.shipments if s.enterprise_id == enterprise.id), owner)
        big_invoice = orders.place_order(buyer, [(p.variants[0].id, 3) for p in ours + others], INSTITUTION_DELIVERY,
                                         new_key(), today=TODAY, payment_method=PaymentMethod.INVOICE)
        invoice_part = next(s for s in big_invoice.shipments if s.enterprise_id == enterprise.id)
        invoice_orders.accept(invoice_part, owner)
        orders.ship(invoice_part, owner, courier="cj", tracking_number="612345678903")
        orders.mark_delivered(invoice_part, owner)
        values["institution"].update(number=big_invoice.number, shipment_id=invoice_part.id,
                                     quote=big_quote.number)
        values["enterprise"].update(shipment_id=our_part.id, invoice_shipment=invoice_part.id,
                                    number=big_request.number, answered=big_quote.number)
        values["api"].update(shipment_id=our_part.id)

        # The enterprise: more members and invitations (up to its cap of 20), keys, social value records.
        for i in range(MORE):
            if i < 6:
                make_user(Role.ENTERPRISE, enterprise=enterprise, name=f"구성원{i}")
                members.invite(enterprise.id, f"invitee{i}@example.kr", owner)
            api_tokens.issue(enterprise.id, f"연동 {i}", owner)
            make_social_value(enterprise, year=2010 + i)

        # The center: more applications, listings in review, categories, orders (above), audit entries.
        for i in range(MORE):
            make_enterprise(name=f"신청 기업 {i}", status=ApprovalStatus.PENDING)
            make_institution(name=f"서울시 신청기관 {i}", status=ApprovalStatus.PENDING)
            make_user(Role.INSTITUTION, institution=make_institution(name=f"서울시 기관 {i}"),
                      membership_approved=False)
            make_category(f"하위 분류 {i}", parent=draft.category.parent)
            review.submit_product(enterprise.id, new_draft(owner, draft.category, name=f"심사 대기 {i}").id, owner)
        values["staff"].update(number=big_paid.number, shipment_id=our_part.id)

        # Last, as placing an order takes its lines out of the buyer's cart: more cart lines for both buyers.
        for i in range(MORE):
            carts.add_to_member_cart(consumer, others[i].variants[0].id, 1)
            carts.add_to_member_cart(buyer, ours[i].variants[0].id, 10)

    return run


# --- counting -----------------------------------------------------------------------------------------


def get_pages(app) -> list:
    """Every GET rule but the skipped ones, in URL order."""
    rules = [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and rule.endpoint not in SKIP]
    return sorted(rules, key=lambda rule: rule.rule)


def fill(rule, values: dict) -> tuple[str, dict]:
    access = ROUTES[rule.endpoint]
    namespace = {**values[NAMESPACE[access.kind]], **values["by_endpoint"].get(rule.endpoint, {})}

    def value(match):
        name = match.group(1).split(":")[-1]
        key = name if rule.endpoint in values["by_endpoint"] else access.params.get(name, name)
        assert key in namespace, f"{rule.rule}: no value for the URL parameter <{name}>; add one"
        return str(namespace[key])

    query = {k: namespace[v] for k, v in access.query.items()}
    return re.sub(r"<([^>]+)>", value, rule.rule), {**query, **QUERY.get(rule.endpoint, {})}


@pytest.fixture
def no_bookkeeping_writes(monkeypatch):
    """A login session's "last seen" and an API key's "last used" are written at most once a minute or
    five: whether a request falls on such a write depends on the clock, not on the data, so none does here
    (after each browser's first request)."""
    monkeypatch.setattr(login_sessions, "TOUCH_INTERVAL", timedelta(days=1))
    monkeypatch.setattr(api_tokens, "LAST_USED_PRECISION", timedelta(days=1))


def count_pages(app, shop: Shop, count_queries, shows: dict | None = None) -> dict[str, tuple[int, int]]:
    """Per page, the number of SQL statements it runs with the shared cache empty (after a change), then
    again with it filled (what most requests see). Each request runs in an app context of its own (a fresh
    session and `g`, as in production), by a browser signed in as the page's owner."""
    browsers = {}
    for who, user in shop.users.items():
        with app.app_context():
            browsers[who] = signed_in(app, user)[0]
    with app.app_context():  # the key's first use writes its "last used" time
        browsers[KEY].get("/api/v1/enterprise/products", headers={"Authorization": f"Bearer {shop.api_secret}"})
    counts = {}
    for rule in get_pages(app):
        who = OPENED_BY_ENDPOINT.get(rule.endpoint) or OPENED_BY[ROUTES[rule.endpoint].kind]
        url, query = fill(rule, shop.values)
        headers = {"Authorization": f"Bearer {shop.api_secret}"} if who == KEY else {}
        cache.clear()
        both = []
        for _ in ("cold", "warm"):
            with app.app_context(), count_queries() as queries:
                response = browsers[who].get(url, query_string=query, headers=headers)
            both.append(len(queries))
            if os.environ.get("SHOW_QUERIES") in (rule.endpoint, "all"):  # to find what to eager-load (with -s)
                print(f"\n##### {rule.endpoint}: {len(queries)}\n" + "\n---\n".join(q[:300] for q in queries))
            where = f"{who}: GET {url}"
            if rule.endpoint in REDIRECTS:
                assert response.status_code in (302, 303), where
                assert REDIRECTS[rule.endpoint] in response.headers["Location"], where
            else:
                assert response.status_code == 200, f"{where} answered {response.status_code}"
            if shows and rule.endpoint in shows:
                assert shows[rule.endpoint] in response.get_data(as_text=True), f"{where} misses the grown data"
        counts[rule.endpoint] = tuple(both)
    return counts


def test_every_get_page_is_counted_or_skipped_for_a_reason(app):
    get_endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert not sorted(set(SKIP) - get_endpoints), "skipped endpoints that are gone"
    for rule in get_pages(app):
        assert rule.endpoint in ROUTES, f"classify {rule.endpoint} in test_route_access.ROUTES"
        assert ROUTES[rule.endpoint].kind in OPENED_BY, f"who opens {rule.endpoint} ({ROUTES[rule.endpoint].kind})?"


def test_every_page_runs_the_same_few_queries_at_any_data_size(app, shop, grow, count_queries,
                                                                no_bookkeeping_writes):
    few = count_pages(app, shop, count_queries)
    grow()
    many = count_pages(app, shop, count_queries, shows=GROWN)
    print("\npage: cold, warm (small) -> cold, warm (grown)")
    print("\n".join(f"{page}: {few[page]} -> {many[page]}" for page in sorted(few)))
    grew = {page: (few[page], many[page]) for page in few if many[page] != few[page]}
    assert not grew, f"pages whose queries grow with the data (N+1): {grew}"
    over = {page: warm for page, (_, warm) in many.items() if warm > MAX_QUERIES}
    assert not over, f"pages over {MAX_QUERIES} queries with the cache filled: {over}"
