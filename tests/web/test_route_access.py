"""Access control, proved for every route: the whole URL map, each endpoint classified below, every
non-public route tried with real objects of someone else by every role that must not reach them — for
GET and for every state-changing method, with a valid CSRF token so that the refusal is the access check.

Refused means: an anonymous visitor is sent to the login page (401 on the enterprise API), anyone else
gets 403 or 404, no page shows the victims' data, and no row but the attackers' own has changed. An
endpoint the table does not classify, a classified endpoint that is gone, or a URL parameter with no
victim's value fails the test, so a new route has to be placed here. Then a few tests of ids posted in
forms to the attacker's OWN routes: they are looked up in the attacker's scope too."""
from __future__ import annotations

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from shop.cart import services as carts
from shop.cart.models import CartItem
from shop.catalog.models import Product, ProductImage, Variant
from shop.enterprises import members
from shop.enterprises.models import Enterprise
from shop.extensions import db
from shop.institutions.models import InstitutionAddress
from shop.orders import services as orders
from shop.payments import services as payments
from shop.procurement.models import Quote
from tests.conftest import signed_in
from tests.services.order_helpers import SEOUL, TODAY, new_key
from tests.web.route_access_fixtures import (  # noqa: F401 (the fixtures `attackers` and `victims`)
    SECRET_PRODUCT,
    attackers_fixture,
    changed_tables,
    everyone_elses_rows,
    victims_fixture,
)
from tests.web.test_console_scoping import form_for
from tests.web.test_enterprise_api_scoping import body_for
from tests.web.test_institution_scoping import FORM as INSTITUTION_FORM

# --- who may reach what -------------------------------------------------------------------------------

PUBLIC = "public"            # anyone, signed in or not
WEBHOOK = "webhook"          # anyone may call; only a body signed with the provider's secret counts
SIGNED_IN = "signed-in"      # any signed-in member, each seeing only their own things
BUYER = "buyer"              # the member who placed the order / wrote the review
CART = "cart"                # the holder of the cart (a member, or a guest by cookie)
ENTERPRISE = "enterprise"    # members of the enterprise that owns the object (the console)
ENTERPRISE_OWNER = "enterprise owner"  # its owner (대표 관리자) only: members, keys, the bank account
INSTITUTION = "institution"  # buyers of the institution that owns the object
STAFF = "staff"              # center staff only
API_KEY = "api-key"          # a bearer key of the enterprise that owns the object

# The victims' namespace (in route_access_fixtures.Victims) whose values fill each kind's URLs.
SCOPE = {BUYER: "buyer", CART: "cart", ENTERPRISE: "enterprise", ENTERPRISE_OWNER: "enterprise",
         INSTITUTION: "institution", STAFF: "staff", API_KEY: "api"}


@dataclass(frozen=True)
class Access:
    kind: str
    params: dict = field(default_factory=dict)  # URL parameter -> key in the namespace, where not the same
    query: dict = field(default_factory=dict)   # query-string parameter -> key in the namespace


def _each(kind: str, names: str, *, query: dict | None = None, **params: str) -> list[tuple[str, Access]]:
    return [(name, Access(kind, params, query or {})) for name in names.split()]


def _table(*groups: list[tuple[str, Access]]) -> dict[str, Access]:
    table: dict[str, Access] = {}
    for name, access in (pair for group in groups for pair in group):
        assert name not in table, f"{name} is classified twice"
        table[name] = access
    return table


ROUTES = _table(
    _each(PUBLIC, """static healthz
        storefront.home storefront.about storefront.terms storefront.privacy storefront.withdrawal storefront.impact
        storefront.categories storefront.category storefront.product storefront.search storefront.media
        storefront.enterprise_list storefront.enterprise storefront.exhibitions storefront.exhibition
        storefront.art_collabs storefront.art_collab
        api.products api.product api.enterprise_list api.exhibitions api.openapi
        account.login account.logout account.register account.register_enterprise account.register_institution
        account.join
        cart.view_cart cart.add"""),  # a guest cart, by its own cookie; the invitation secret is the key to join
    _each(WEBHOOK, "checkout.stripe_webhook"),
    _each(SIGNED_IN, "account.account checkout.checkout orders.order_list reviews.mine"),
    _each(BUYER, "checkout.pay checkout.test_payment orders.order_detail orders.cancel reviews.new reviews.edit "
                 "reviews.delete"),
    _each(BUYER, "checkout.stripe_success", query={"number": "number"}),
    _each(BUYER, "orders.confirm orders.request_return", number="delivered"),
    _each(CART, "cart.change cart.remove"),
    _each(ENTERPRISE, """console.dashboard console.profile_page console.save_details console.save_logo
        console.save_shipping console.members_page console.api_keys
        console.social_value_page console.add_social_value console.edit_social_value console.delete_social_value
        console.product_list console.product_new console.product_edit console.product_duplicate
        console.product_submit console.product_withdraw console.product_discard_changes console.product_hide
        console.product_show console.product_image_upload console.product_image_alt console.product_image_move
        console.product_image_delete console.product_option_add console.product_option_edit
        console.product_option_remove console.product_tiers_edit
        console.stock_table console.stock_low console.stock_save console.stock_csv console.stock_import
        console.stock_import_apply
        console.order_list console.orders_csv console.order_detail console.order_prepare console.order_ship
        console.order_deliver console.order_approve_return console.order_reject_return
        console.quote_list console.quote_detail console.quote_answer console.quote_refuse"""),
    _each(ENTERPRISE_OWNER, """console.save_bank_account console.invite_member console.revoke_invitation
        console.remove_member console.hand_over_ownership console.create_api_key console.revoke_api_key"""),
    _each(ENTERPRISE, "console.order_accept console.order_decline", shipment_id="waiting_shipment"),
    _each(ENTERPRISE, "console.order_tax_invoice console.order_settlement console.order_statement",
          shipment_id="invoice_shipment"),
    _each(ENTERPRISE, "console.quote_pdf", number="answered"),
    _each(INSTITUTION, """institution.home institution.checkout institution.order_list institution.order_detail
        institution.inspect institution.reject institution.complete institution.give_up institution.statement
        institution.report_page institution.report_csv institution.report_xlsx
        institution.settings_page institution.update_target institution.add_address institution.edit_address
        institution.delete_address institution.make_default_address institution.quote_list
        institution.new_quote"""),
    _each(INSTITUTION, "institution.cancel", number="waiting"),
    _each(INSTITUTION, "institution.quote_detail institution.accept_quote institution.decline_quote "
                       "institution.quotation_pdf", number="quote"),
    _each(INSTITUTION, "institution.withdraw_quote", number="requested"),
    _each(STAFF, """admin.dashboard admin.audit_log admin.settings admin.approvals
        admin.enterprise_list admin.enterprise_detail admin.approve_enterprise admin.reject_enterprise
        admin.suspend_enterprise admin.reinstate_enterprise admin.approve_institution admin.reject_institution
        admin.approve_membership admin.reject_membership
        admin.products admin.product admin.review_queue admin.approve_product admin.reject_product
        admin.suspend_product admin.reinstate_product admin.approve_changes admin.reject_changes
        admin.categories admin.category_add admin.category_edit admin.category_move admin.category_delete
        admin.exhibition_list admin.exhibition_new admin.exhibition_edit admin.exhibition_publish
        admin.exhibition_unpublish admin.exhibition_item_add admin.exhibition_item_move admin.exhibition_item_remove
        admin.exhibition_prices
        admin.collaborations admin.collaboration_new admin.collaboration admin.collaboration_publish
        admin.collaboration_unpublish admin.collaboration_add_product admin.collaboration_remove_product
        admin.artist_new admin.artist
        admin.social_value admin.save_social_value admin.social_value_edit admin.social_value_delete
        admin_orders.order_list admin_orders.order admin_orders.move"""),
    _each(API_KEY, """enterprise_api.products enterprise_api.option enterprise_api.update_option
        enterprise_api.update_options enterprise_api.shipments enterprise_api.shipment
        enterprise_api.start_preparing enterprise_api.ship"""),
)

STATE_CHANGING = ("POST", "PATCH", "PUT", "DELETE")


def test_every_endpoint_in_the_url_map_is_classified_and_every_classified_one_exists(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not sorted(endpoints - ROUTES.keys()), "classify these endpoints in ROUTES (test_route_access.py)"
    assert not sorted(ROUTES.keys() - endpoints), "these endpoints are gone: remove them from ROUTES"


def test_public_pages_without_parameters_open_to_anyone(app, client):
    """The other side of the table: what it calls public does open, signed out (else reclassify it)."""
    for rule in app.url_map.iter_rules():
        access = ROUTES.get(rule.endpoint)
        if access and access.kind == PUBLIC and "GET" in rule.methods and "<" not in rule.rule:
            assert client.get(rule.rule).status_code == 200, rule.rule


# --- the walk ------------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
CONSUMER = "a consumer"
INSTITUTION_BUYER = "another institution's buyer"
ENTERPRISE_MEMBER = "another enterprise's owner"
STAFF_MEMBER = "staff"
OTHER_KEY = "another enterprise's API key"
PLAIN_MEMBER = "the enterprise's member who is not its owner"
FORMER_MEMBER = "the enterprise's member, removed while signed in"
APPLICANT = "the institution's buyer not yet approved"

LOGIN = "to the login page"
REFUSED = "403 or 404"
FORBIDDEN = "403"
NOT_FOUND = "404"
UNAUTHORIZED = "401"
BAD_SIGNATURE = "400 (unsigned)"
CLOSED = "to the account page (not approved)"
OWN = "their own page, none of the victims' data"
OWN_OR_REFUSED = "their own page without a parameter, 403 or 404 with one"
OWN_KEY = "their own data by key, 404 (or 422) for the victims' objects"

# Per kind of route, each role that must not reach the victims' objects through it, and what it gets.
_OUTSIDERS = {ANONYMOUS: LOGIN, CONSUMER: REFUSED, INSTITUTION_BUYER: REFUSED, ENTERPRISE_MEMBER: REFUSED,
              STAFF_MEMBER: REFUSED}
EXPECTED = {
    WEBHOOK: dict.fromkeys(_OUTSIDERS, BAD_SIGNATURE),
    SIGNED_IN: {**dict.fromkeys(_OUTSIDERS, OWN), ANONYMOUS: LOGIN},
    BUYER: _OUTSIDERS,  # staff too: staff do not pay, cancel or review for a buyer
    CART: dict.fromkeys(_OUTSIDERS, NOT_FOUND),  # a guest has a cart too: no login page, just no such line
    ENTERPRISE: {**_OUTSIDERS, ENTERPRISE_MEMBER: OWN_OR_REFUSED, FORMER_MEMBER: LOGIN},
    ENTERPRISE_OWNER: {**_OUTSIDERS, ENTERPRISE_MEMBER: OWN_OR_REFUSED, FORMER_MEMBER: LOGIN,
                       PLAIN_MEMBER: FORBIDDEN},
    INSTITUTION: {**_OUTSIDERS, INSTITUTION_BUYER: OWN_OR_REFUSED, APPLICANT: CLOSED},
    STAFF: {**{who: how for who, how in _OUTSIDERS.items() if who != STAFF_MEMBER}, PLAIN_MEMBER: FORBIDDEN},
    API_KEY: {**dict.fromkeys(_OUTSIDERS, UNAUTHORIZED), PLAIN_MEMBER: UNAUTHORIZED, OTHER_KEY: OWN_KEY},
}


def fill(rule, access: Access, victims) -> tuple[str, dict]:
    """The rule's URL with the victims' values, and its query string."""
    namespace = getattr(victims, SCOPE[access.kind]) if access.kind in SCOPE else {}

    def value(match):
        name = match.group(1).split(":")[-1]
        key = access.params.get(name, name)
        assert key in namespace, f"{rule.rule}: no victim's value for the URL parameter <{name}>; add one"
        return str(namespace[key])

    return re.sub(r"<([^>]+)>", value, rule.rule), {k: namespace[v] for k, v in access.query.items()}


def form_data(victims, token: str) -> dict:
    """Plausible values for every form, aimed at the victims' objects wherever a form names one."""
    return {**INSTITUTION_FORM, **form_for(victims.enterprise, token),
            f"accepted_{victims.institution['item_id']}": "5", "rating": "1",
            "body": "남의 주문에 남기는 가짜 후기입니다.", "detail": "남의 주문을 반품합니다.", "quantity": "1",
            "email": "intruder@example.kr", "image": "test/none.webp", "alt": "바꿔치기", "direction": "up"}


def check(response, how: str, where: str, victims, rule) -> None:
    status = response.status_code
    if how == OWN_OR_REFUSED:
        how = REFUSED if "<" in rule.rule else OWN
    if how == LOGIN:
        assert status == 302 and "/login" in response.headers["Location"], where
    elif how == CLOSED:
        assert status == 302 and response.headers["Location"].endswith("/account"), where
    elif how == REFUSED:
        assert status in (403, 404), where
    elif how in (FORBIDDEN, NOT_FOUND, UNAUTHORIZED, BAD_SIGNATURE):
        assert status == int(how[:3]), where
        if how == UNAUTHORIZED:
            assert response.get_json()["error"]["code"] == "unauthorized", where
    elif how == OWN_KEY:  # the victim's SKU is unknown to the other key
        if rule.endpoint == "enterprise_api.update_options":
            assert status == 422 and response.get_json()["error"]["items"][0]["field"] == "sku", where
        else:
            assert status == (404 if "<" in rule.rule else 200), where
    else:
        assert how == OWN and status < 500, where
    if not 300 <= status < 400:  # a redirect's body only repeats its address
        body = response.get_data().decode("utf-8", errors="replace")
        for secret in victims.secrets:
            assert secret not in body, f"{where} shows {secret!r}"


def walk(app, victims, who: str, browser, token: str, headers: dict) -> int:
    """Every rule and method `who` must not reach; returns the number of attempts."""
    tried = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        access = ROUTES.get(rule.endpoint)
        assert access is not None, f"classify {rule.endpoint} ({rule.rule}) in ROUTES"
        how = EXPECTED.get(access.kind, {}).get(who)
        if how is None:
            continue
        url, query = fill(rule, access, victims)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if access.kind == API_KEY:
                body = body_for(rule, victims.api) if method in STATE_CHANGING else None
                response = browser.open(url, method=method, json=body, headers=headers)
            else:
                data = form_data(victims, token) if method in STATE_CHANGING else None
                response = browser.open(url, method=method, query_string=query, data=data, headers=headers)
            tried += 1
            check(response, how, f"{who}: {method} {url} ({access.kind}, expected {how})", victims, rule)
    return tried


def test_no_role_reaches_anything_of_anyone_else(app, victims, attackers, monkeypatch):
    monkeypatch.setitem(app.config, "ENTERPRISE_API_AUTH_FAILURE_LIMIT", "1000 per minute")  # many 401s on purpose
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_route_access")  # so the webhook checks
    people = victims.people
    roles = {ANONYMOUS: None, CONSUMER: attackers.consumer, INSTITUTION_BUYER: attackers.institution_buyer,
             ENTERPRISE_MEMBER: attackers.enterprise_member, STAFF_MEMBER: attackers.staff, OTHER_KEY: None,
             PLAIN_MEMBER: people["plain_member"], FORMER_MEMBER: people["former_member"],
             APPLICANT: people["applicant"]}
    started = time.perf_counter()
    tried = 0
    for who, user in roles.items():
        with app.app_context():  # each role's own `g` (signed-in user, CSRF token)
            browser, token = signed_in(app, user)
            if who == FORMER_MEMBER:
                members.remove_member(user.enterprise_id, user.id, people["owner"])
            headers = {"Authorization": f"Bearer {attackers.api_key}"} if who == OTHER_KEY else {}
            before = everyone_elses_rows(attackers, user)
            tried += walk(app, victims, who, browser, token, headers)
            changes = changed_tables(before, everyone_elses_rows(attackers, user))
        assert not changes, f"{who} changed someone else's rows: {changes}"
    walked = [rule for rule in app.url_map.iter_rules() if ROUTES[rule.endpoint].kind != PUBLIC]
    print(f"\n{len(walked)} non-public routes of {len(list(app.url_map.iter_rules()))}, {tried} attempts "
          f"by {len(roles)} roles in {time.perf_counter() - started:.1f}s")
    assert len(walked) >= 150 and tried >= 5 * len(walked)


# --- ids posted in forms to the attacker's own routes ----------------------------------------------------


@contextmanager
def signed_in_as(app, user):
    """A browser signed in as `user` and its CSRF token, in an app context (and `g`) of its own."""
    with app.app_context():
        yield signed_in(app, user)


def _own_product(make_product, member) -> Product:
    return make_product(name="경쟁사 수제 잼", enterprise=member.enterprise, variants=[("300g", 9_000, 10)])


def _images(product_id: int) -> list[tuple]:
    db.session.expire_all()
    return [(i.path, i.alt, i.position) for i in db.session.scalars(
        sa.select(ProductImage).where(ProductImage.product_id == product_id).order_by(ProductImage.id))]


def test_an_enterprise_cannot_touch_another_enterprise_s_image_through_its_own_product(
        app, victims, attackers, make_product):
    mine = _own_product(make_product, attackers.enterprise_member)
    theirs = victims.enterprise["product_id"]
    their_image = _images(theirs)[0][0]
    before = (_images(theirs), _images(mine.id))
    with signed_in_as(app, attackers.enterprise_member) as (browser, token):
        for action, extra in (("delete", {}), ("alt", {"alt": "바꿔치기한 설명"}), ("move", {"direction": "down"})):
            response = browser.post(f"/console/products/{mine.id}/images/{action}",
                                    data={"csrf_token": token, "image": their_image, **extra}, follow_redirects=True)
            assert "이미지를 찾을 수 없습니다" in response.get_data(as_text=True), action
    assert (_images(theirs), _images(mine.id)) == before


def test_an_enterprise_cannot_change_another_enterprise_s_option_through_its_own_product_or_stock_table(
        app, victims, attackers, make_product):
    mine = _own_product(make_product, attackers.enterprise_member)
    variant_id = victims.enterprise["variant_id"]

    def theirs():
        db.session.expire_all()
        variant = db.session.get(Variant, variant_id)
        return (variant.name, variant.price_krw, variant.stock, variant.sku,
                [(t.min_qty, t.unit_price_krw) for t in variant.price_tiers])

    before = theirs()
    base = f"/console/products/{mine.id}/options/{variant_id}"
    option = {"option_name": "바꿔치기", "price_krw": "100", "sku": "STOLEN-1", "stock": "0", "stock_seen": "40"}
    with signed_in_as(app, attackers.enterprise_member) as (browser, token):
        for url, data in ((base, option), (f"{base}/tiers", {"tier_qty": "2", "tier_price": "50"}),
                          (f"{base}/delete", {}),
                          ("/console/stock", {f"stock_{variant_id}": "0", f"expected_{variant_id}": "40"})):
            assert browser.post(url, data={"csrf_token": token, **data}).status_code == 404, url
    assert theirs() == before


def test_a_consumer_cannot_change_another_s_cart_line_from_their_own_cart(app, victims, attackers, make_product):
    carts.add_to_member_cart(attackers.consumer, _own_product(make_product, attackers.enterprise_member)
                             .variants[0].id, 1)
    item_id = victims.cart["item_id"]
    with signed_in_as(app, attackers.consumer) as (browser, token):
        assert browser.post(f"/cart/items/{item_id}", data={"csrf_token": token, "quantity": "1"}).status_code == 404
        assert browser.post(f"/cart/items/{item_id}/delete", data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert db.session.get(CartItem, item_id).quantity == 3


def test_a_consumer_cannot_act_on_another_s_shipment_under_their_own_order(app, victims, attackers, make_product):
    variant = _own_product(make_product, attackers.enterprise_member).variants[0]
    mine = orders.place_order(attackers.consumer, [(variant.id, 1)], SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(mine, attackers.consumer)
    shipment_id = victims.buyer["shipment_id"]
    before = everyone_elses_rows(attackers)
    with signed_in_as(app, attackers.consumer) as (browser, token):
        for action, data in (("confirm", {}), ("return", {"reason": "changed_mind", "detail": "단순 변심입니다."})):
            url = f"/account/orders/{mine.number}/shipments/{shipment_id}/{action}"
            assert browser.post(url, data={"csrf_token": token, **data}).status_code == 404, url
    assert not changed_tables(before, everyone_elses_rows(attackers))


def test_an_institution_cannot_send_its_quotation_to_another_institution_s_address(app, victims, attackers):
    quotes_before = db.session.scalar(sa.select(sa.func.count()).select_from(Quote))
    with signed_in_as(app, attackers.institution_buyer) as (browser, token):
        response = browser.post("/institution/quotes/new", data={
            "csrf_token": token, f"qty_{victims.enterprise['variant_id']}": "10",
            "address_id": victims.institution["address_id"], "needed_by": TODAY.isoformat(), "note": ""})
    assert response.status_code == 400
    assert "기관 배송지 목록에서 골라 주세요" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Quote)) == quotes_before


def test_a_buyer_cannot_put_another_enterprise_s_unlisted_option_in_their_cart(app, victims, attackers):
    """The option id in the cart form counts only for a listed product: a draft in review is not for sale."""
    variant_id = db.session.get(Product, victims.staff["product_id"]).variants[0].id
    with signed_in_as(app, attackers.consumer) as (browser, token):
        response = browser.post("/cart/items", data={"csrf_token": token, "variant_id": variant_id, "quantity": "1"})
    assert response.status_code == 400
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(CartItem)
                                 .where(CartItem.variant_id == variant_id))


def test_public_pages_with_parameters_do_not_open_what_is_not_public(app, client, victims, make_exhibition,
                                                                    make_art_collab, make_enterprise):
    """The public routes that take a slug answer 404 for a listing in review, an enterprise not approved,
    and curation not published, and an invitation link stops working once it is revoked."""
    draft = db.session.get(Product, victims.staff["product_id"])
    pending = db.session.get(Enterprise, victims.staff["enterprise_id"])
    unpublished = make_exhibition(is_published=False, title="준비 중인 기획전")
    hidden_collab = make_art_collab(is_published=False, enterprise=make_enterprise(), title="준비 중인 아트콜라보")
    issued = members.invite(draft.enterprise_id, "later@example.kr", victims.people["owner"])
    members.revoke_invitation(draft.enterprise_id, issued.invitation.id, victims.people["owner"])
    for url in (f"/products/{draft.slug}", f"/api/v1/products/{draft.slug}", f"/enterprises/{pending.slug}",
                f"/exhibitions/{unpublished.slug}", f"/art-collabs/{hidden_collab.slug}", f"/join/{issued.secret}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert draft.name not in response.get_data(as_text=True), url


def test_an_institution_cannot_see_an_unlisted_product_through_the_quotation_form(app, victims, attackers):
    """The option id in the quotation link is another enterprise's reference: a listing still in review is
    shown to no buyer, on the request page or in the refusal, no more than on its product page."""
    draft = db.session.get(Product, victims.staff["product_id"])
    own_address = db.session.scalar(sa.select(InstitutionAddress.id).where(
        InstitutionAddress.institution_id == attackers.institution_buyer.institution_id))
    quotes_before = db.session.scalar(sa.select(sa.func.count()).select_from(Quote))
    with signed_in_as(app, attackers.institution_buyer) as (browser, token):
        shown = browser.get(f"/institution/quotes/new?variant={draft.variants[0].id}&qty=3")
        posted = browser.post("/institution/quotes/new", data={
            "csrf_token": token, f"qty_{draft.variants[0].id}": "3", "address_id": own_address,
            "needed_by": (TODAY + timedelta(days=9)).isoformat()})
    assert posted.status_code == 400 and "없는 상품이 포함되어 있습니다" in posted.get_data(as_text=True)
    for response in (shown, posted):
        assert draft.name not in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Quote)) == quotes_before


def test_an_enterprise_sees_only_its_own_part_of_an_order_shared_with_another(app, victims, attackers, make_product,
                                                                              make_user):
    mine = _own_product(make_product, attackers.enterprise_member)
    buyer = make_user()
    order = orders.place_order(buyer, [(mine.variants[0].id, 1), (victims.enterprise["variant_id"], 1)], SEOUL,
                               new_key(), today=TODAY)
    payments.pay_in_test_mode(order, buyer)
    shipment_id = next(s.id for s in order.shipments if s.enterprise_id == mine.enterprise_id)
    by_key = {"Authorization": f"Bearer {attackers.api_key}"}
    with signed_in_as(app, attackers.enterprise_member) as (browser, _):
        pages = [browser.get(url) for url in (f"/console/orders/{shipment_id}", "/console/orders", "/console/orders.csv")]
        pages += [browser.get(f"/api/v1/enterprise/shipments{path}", headers=by_key) for path in ("", f"/{shipment_id}")]
    for page in pages:
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and mine.name in text, page.request.path
        assert SECRET_PRODUCT not in text, page.request.path
