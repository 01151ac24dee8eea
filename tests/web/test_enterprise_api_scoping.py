"""Every /api/v1/enterprise URL, taken from the URL map, tried with enterprise A's real objects (A's SKU, A's
shipment) by everyone who is not A's key: enterprise B's key (404, or B's own data only), and, without a
key, a consumer, an institution buyer and A's own member signed in by cookie, and an anonymous caller
(401 each). A's data stays as it was. A route with a parameter or a body this test does not know fails
it, so a new route must be classified here."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.catalog.models import Product, ProductEvent, Variant
from shop.enterprises import api_tokens
from shop.enterprises.models import ApiToken
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import OrderEvent, Shipment
from shop.payments import services as payments
from tests.conftest import signed_in
from tests.services.order_helpers import SEOUL, TODAY, new_key

PREFIX = "/api/v1/enterprise"
SECRET_PRODUCT = "비밀 레시피 유자청"


@pytest.fixture
def owned(make_enterprise, make_user, make_product):
    """Enterprise A with a product and a paid consumer order, and its owner's key; enterprise B with its key."""
    enterprise = make_enterprise(name="마포 함께 협동조합")
    owner = make_user(Role.ENTERPRISE, enterprise=enterprise, enterprise_owner=True, name="이대표")
    product = make_product(name=SECRET_PRODUCT, enterprise=enterprise, variants=[("500g", 18_000, 40)])
    variant = product.variants[0]
    order = orders.place_order(make_user(), [(variant.id, 2)], SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(order, order.buyer)
    api_tokens.issue(enterprise.id, "A의 서버", owner)

    other = make_enterprise(name="다른 협동조합")
    other_owner = make_user(Role.ENTERPRISE, enterprise=other, enterprise_owner=True)
    make_product(name="B의 상품", enterprise=other, variants=[("기본", 5_000, 3)])
    other_key = api_tokens.issue(other.id, "B의 서버", other_owner).secret
    return {"enterprise_id": enterprise.id, "member": owner, "sku": variant.sku, "shipment_id": order.shipments[0].id,
            "other_key": other_key, "secrets": (SECRET_PRODUCT, order.number, "김서울", "세종대로")}  # the SKU is echoed as sent


def api_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.rule.startswith(PREFIX + "/")), key=lambda r: r.rule)


def url_for_rule(rule, owned) -> str:
    def value(match):
        name = match.group(1).split(":")[-1]
        assert name in owned, f"{rule.rule}: classify the parameter <{name}> in this test"
        return str(owned[name])
    return re.sub(r"<([^>]+)>", value, rule.rule)


def body_for(rule, owned) -> dict:
    """A well-formed body for each writing endpoint, aimed at A's objects."""
    bodies = {
        "enterprise_api.update_option": {"stock": 0, "expected_stock": 40, "price_krw": 100},
        "enterprise_api.update_options": {"items": [{"sku": owned["sku"], "stock": 0, "price_krw": 100}]},
        "enterprise_api.start_preparing": {},
        "enterprise_api.ship": {"courier": "cj", "tracking_number": "612345678901"},
    }
    assert rule.endpoint in bodies, f"{rule.rule}: classify the body of {rule.endpoint} in this test"
    return bodies[rule.endpoint]


def snapshot(enterprise_id: int):
    db.session.expire_all()
    return (
        [(v.id, v.name, v.price_krw, v.stock, v.sku) for v in db.session.scalars(
            sa.select(Variant).join(Product).where(Product.enterprise_id == enterprise_id).order_by(Variant.id))],
        [(p.id, p.price_krw, p.in_stock, p.status) for p in db.session.scalars(
            sa.select(Product).where(Product.enterprise_id == enterprise_id).order_by(Product.id))],
        [(s.id, s.status, s.courier, s.tracking_number) for s in db.session.scalars(
            sa.select(Shipment).where(Shipment.enterprise_id == enterprise_id).order_by(Shipment.id))],
        db.session.scalar(sa.select(sa.func.count()).select_from(ProductEvent)),
        db.session.scalar(sa.select(sa.func.count()).select_from(OrderEvent)),
        [(t.id, t.revoked_at) for t in db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id))],
    )


def attempt(browser, rule, method: str, owned, headers: dict):
    url = url_for_rule(rule, owned)
    body = body_for(rule, owned) if method in ("POST", "PATCH", "PUT", "DELETE") else None
    return url, browser.open(url, method=method, json=body, headers=headers)


def try_everything(app, owned, who, user) -> int:
    browser, _ = signed_in(app, user)
    headers = {"Authorization": f"Bearer {owned['other_key']}"} if who == "other enterprise's key" else {}
    tried = 0
    for rule in api_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url, response = attempt(browser, rule, method, owned, headers)
            tried += 1
            where = f"{who} {method} {url}"
            assert response.is_json, where
            body = response.get_data(as_text=True)
            for secret in owned["secrets"]:
                assert secret not in body, where
            if not headers:
                assert response.status_code == 401, where
                assert response.get_json()["error"]["code"] == "unauthorized", where
            elif rule.endpoint == "enterprise_api.update_options":  # A's SKU is an unknown SKU to B
                assert response.status_code == 422, where
                assert response.get_json()["error"]["items"][0]["field"] == "sku", where
            elif "<" in rule.rule:
                assert response.status_code == 404, where
            else:  # B's own lists: none of A's data in them (checked above)
                assert response.status_code == 200, where
    return tried


def test_every_enterprise_api_url_is_refused_to_everyone_but_the_key_of_its_enterprise(
        app, owned, procurement, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "ENTERPRISE_API_AUTH_FAILURE_LIMIT", "1000 per minute")  # many 401s on purpose
    strangers = {
        "other enterprise's key": None,
        "consumer": make_user(Role.CONSUMER),
        "institution buyer": procurement.buyer,
        "A's member by cookie": owned["member"],
        "anonymous": None,
    }
    before = snapshot(owned["enterprise_id"])
    tried = 0
    for who, user in strangers.items():
        with app.app_context():  # each caller's own `g`
            tried += try_everything(app, owned, who, user)
        assert snapshot(owned["enterprise_id"]) == before, who
    routes = len(api_rules(app))
    print(f"\n{routes} enterprise API routes, {tried} attempts by everyone but A's key")
    assert routes >= 7 and tried >= 5 * routes


def test_with_its_own_key_the_same_urls_reach_a_data(app, client, owned):
    """The control: the same attempts with A's key do reach A's objects (so the refusals above mean something)."""
    key = api_tokens.issue(owned["enterprise_id"], "A의 점검", owned["member"]).secret
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get(f"{PREFIX}/options/{owned['sku']}", headers=headers).get_json()["product"]["name"] == SECRET_PRODUCT
    listed = client.get(f"{PREFIX}/shipments", headers=headers).get_json()["items"]
    assert [s["id"] for s in listed] == [owned["shipment_id"]]
