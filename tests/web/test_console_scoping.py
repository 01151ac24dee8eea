"""Every /console URL, taken from the URL map, tried with enterprise A's real objects by everyone who is
not A's member: another enterprise's member (404, or their own data only), a consumer and an
institution buyer (403), an anonymous visitor (to the login page). A's data stays as it was. A route
with a parameter this test does not know fails it, so a new route must be classified here."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.catalog.models import Product, Variant
from shop.enterprises import api_tokens, members
from shop.enterprises.models import ApiToken, Enterprise, EnterpriseInvitation, SocialValueRecord
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Shipment
from shop.payments import services as payments
from shop.procurement import quotes
from shop.procurement.models import Quote
from shop.procurement.quotes import QuoteRequest
from tests.conftest import signed_in
from tests.services.order_helpers import SEOUL, TODAY, new_key

SECRET_PRODUCT = "비밀 레시피 유자청"


@pytest.fixture
def owned(procurement, make_user, make_product, make_social_value):
    """Enterprise A (procurement.seller's) with a product, a paid consumer order, a quotation request
    and a self-reported social value record."""
    p = procurement
    enterprise = p.product.enterprise
    product = make_product(name=SECRET_PRODUCT, enterprise=enterprise, variants=[("500g", 18_000, 40)])
    variant = product.variants[0]
    order = orders.place_order(make_user(), [(variant.id, 2)], SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(order, order.buyer)
    delivery = orders.Delivery("박주무관", "02-2133-1234", "04524", "서울특별시 중구 세종대로 110", "", "", "총무과")
    quote = quotes.request_quotes(p.buyer, QuoteRequest([(variant.id, 10)], TODAY + timedelta(days=7), delivery),
                                  today=TODAY)[0]
    record = make_social_value(enterprise, year=2025, measured_by="자체 측정")
    owner = make_user(Role.ENTERPRISE, enterprise=enterprise, enterprise_owner=True)
    colleague = make_user(Role.ENTERPRISE, enterprise=enterprise)
    invitation = members.invite(enterprise.id, "newcomer@example.kr", owner).invitation
    key = api_tokens.issue(enterprise.id, "A의 재고 연동", owner).token
    return {"enterprise_id": enterprise.id, "product_id": product.id, "variant_id": variant.id,
            "shipment_id": order.shipments[0].id, "number": quote.number, "record_id": record.id,
            "user_id": colleague.id, "invitation_id": invitation.id, "token_id": key.id,
            "secrets": (SECRET_PRODUCT, order.number, quote.number, variant.sku)}


def console_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.rule.startswith("/console")), key=lambda r: r.rule)


def url_for_rule(rule, owned) -> str:
    def value(match):
        name = match.group(1).split(":")[-1]
        assert name in owned, f"{rule.rule}: classify the parameter <{name}> in this test"
        return str(owned[name])
    return re.sub(r"<([^>]+)>", value, rule.rule)


def snapshot(enterprise_id: int):
    db.session.expire_all()
    products = db.session.scalars(sa.select(Product).where(Product.enterprise_id == enterprise_id)
                                  .order_by(Product.id)).all()
    return (
        [(p.id, p.name, p.status, p.summary) for p in products],
        [(v.id, v.name, v.price_krw, v.stock, v.sku) for v in db.session.scalars(
            sa.select(Variant).join(Product).where(Product.enterprise_id == enterprise_id).order_by(Variant.id))],
        [(s.id, s.status, s.tracking_number) for s in db.session.scalars(
            sa.select(Shipment).where(Shipment.enterprise_id == enterprise_id).order_by(Shipment.id))],
        [(q.number, q.status, q.shipping_fee_krw) for q in db.session.scalars(
            sa.select(Quote).where(Quote.enterprise_id == enterprise_id))],
        [(r.id, r.year, r.amount_krw) for r in db.session.scalars(
            sa.select(SocialValueRecord).where(SocialValueRecord.enterprise_id == enterprise_id))],
        [(u.id, u.is_active_member, u.enterprise_owner) for u in db.session.scalars(
            sa.select(User).where(User.enterprise_id == enterprise_id).order_by(User.id))],
        [(i.id, i.revoked_at) for i in db.session.scalars(
            sa.select(EnterpriseInvitation).where(EnterpriseInvitation.enterprise_id == enterprise_id))],
        [(t.id, t.revoked_at) for t in db.session.scalars(
            sa.select(ApiToken).where(ApiToken.enterprise_id == enterprise_id))],
        [(e.summary, e.phone, e.shipping_base_fee_krw, e.bank_account_number) for e in db.session.scalars(
            sa.select(Enterprise).where(Enterprise.id == enterprise_id))],
    )


def form_for(owned, token: str) -> dict:
    """Plausible values for every form on these pages, aimed at A's objects where a form names one."""
    variant = owned["variant_id"]
    return {"csrf_token": token, "reason": "남의 것", "courier": "cj", "tracking_number": "612345678901",
            "name": "바꿔치기", "price_krw": "1", "stock": "0", f"stock_{variant}": "0",
            f"expected_{variant}": "40", "shipping_fee_krw": "0", "valid_until": TODAY.isoformat(),
            f"price_{variant}": "1", "year": "2025", "area": "employment", "amount_krw": "1",
            "issued_on": TODAY.isoformat(), "approval_number": "2026112741000000123456789",
            "paid_on": TODAY.isoformat(), "method": "bank_transfer", "summary": "남의 소개", "phone": "02-000-0000",
            "base_fee": "0", "island_fee": "0", "bank_name": "신한은행", "account_number": "110123456789",
            "holder": "가로채기", "email": "intruder@example.kr"}


def try_everything(app, owned, who, user) -> int:
    browser, token = signed_in(app, user)
    tried = 0
    for rule in console_rules(app):
        url = url_for_rule(rule, owned)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = browser.open(url, method=method, data=form_for(owned, token) if method != "GET" else None)
            tried += 1
            where = f"{who} {method} {url}"
            if user is None:
                assert response.status_code == 302 and "/login" in response.headers["Location"], where
            elif who in ("consumer", "institution buyer"):
                assert response.status_code == 403, where
            elif "<" in rule.rule:
                assert response.status_code == 404, where
            else:  # the stranger's own console: none of A's data in it
                assert response.status_code < 500, where
                body = response.get_data().decode("utf-8", errors="replace")
                for secret in owned["secrets"]:
                    assert secret not in body, where
    return tried


def test_every_console_url_is_refused_to_everyone_else(app, owned, procurement, make_user, make_enterprise):
    strangers = {
        "other enterprise": make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="다른 협동조합"),
                                      enterprise_owner=True),
        "consumer": make_user(Role.CONSUMER),
        "institution buyer": procurement.buyer,
        "anonymous": None,
    }
    before = snapshot(owned["enterprise_id"])
    tried = 0
    for who, user in strangers.items():
        with app.app_context():  # each stranger's own `g` (signed-in user, CSRF token)
            tried += try_everything(app, owned, who, user)
        assert snapshot(owned["enterprise_id"]) == before, who
    routes = len(console_rules(app))
    print(f"\n{routes} console routes, {tried} attempts by strangers")
    assert routes >= 40 and tried >= 4 * routes
