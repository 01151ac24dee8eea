"""Every /institution URL, taken from the URL map, tried with institution A's real objects by people who
are not A's buyers: another institution's buyer (404, or their own empty view), a consumer and an
enterprise member (403), an anonymous visitor (to the login page). A's data stays as it was."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.core.korea import kst_today
from shop.extensions import db
from shop.institutions.models import Institution, InstitutionAddress
from shop.orders import services as orders
from shop.orders.models import Order, PaymentMethod, Shipment
from shop.procurement import invoice_orders, quotes
from shop.procurement.models import Quote
from shop.procurement.quotes import QuoteRequest
from tests.conftest import signed_in
from tests.procurement_fixtures import add_address

TODAY = kst_today()


@pytest.fixture
def owned(procurement):
    """Institution A's quotation, delivered invoice order and address, and the values in its URLs."""
    p = procurement
    delivery = orders.Delivery("박주무관", "02-2133-1234", "04524", "서울특별시 중구 세종대로 110", "3층", "",
                               "총무과")
    variant = p.product.variants[0]
    quote = quotes.request_quotes(p.buyer, QuoteRequest([(variant.id, 10)], TODAY + timedelta(days=7), delivery),
                                  today=TODAY)[0]
    quotes.answer(quote, p.seller, unit_prices={quote.lines[0].id: 20_000}, shipping_fee_krw=0,
                  valid_until=TODAY + timedelta(days=7), today=TODAY)
    order = orders.place_order(p.buyer, [(variant.id, 5)], delivery, "scoping-order-key-00001", today=TODAY,
                               payment_method=PaymentMethod.INVOICE)
    shipment = order.shipments[0]
    invoice_orders.accept(shipment, p.seller)
    orders.ship(shipment, p.seller, courier="cj", tracking_number="612345678901")
    orders.mark_delivered(shipment, p.seller)
    return {"order": order.number, "quote": quote.number, "shipment_id": shipment.id,
            "address_id": p.address.id, "institution_id": p.institution.id}


def institution_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/institution")),
                  key=lambda rule: rule.rule)


def url_for_rule(rule, owned) -> str:
    def value(match):
        name = match.group(1).split(":")[-1]
        if name == "number":
            return owned["quote"] if "/quotes/" in rule.rule else owned["order"]
        return str(owned[name])
    return re.sub(r"<([^>]+)>", value, rule.rule)


def attempts(app, owned):
    for rule in institution_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, url_for_rule(rule, owned)


def snapshot(institution_id: int):
    """Institution A's data, which no stranger may change (their own institution's they may)."""
    db.session.expire_all()
    mine = Order.institution_id == institution_id
    return (
        [(o.number, o.status, o.total_krw) for o in db.session.scalars(sa.select(Order).where(mine))],
        [(s.id, s.status, s.tracking_number)
         for s in db.session.scalars(sa.select(Shipment).join(Order).where(mine).order_by(Shipment.id))],
        [(q.number, q.status)
         for q in db.session.scalars(sa.select(Quote).where(Quote.institution_id == institution_id))],
        [(a.id, a.label, a.is_default) for a in db.session.scalars(
            sa.select(InstitutionAddress).where(InstitutionAddress.institution_id == institution_id))],
        db.session.get(Institution, institution_id).purchase_target_krw,
    )


FORM = {"reason": "남의 것", "payment_method": "invoice", "inspected_on": TODAY.isoformat(),
        "inspector_name": "침입자", "label": "침입", "department": "침입과", "contact_name": "침입자",
        "contact_phone": "010-9999-9999", "postcode": "04524", "address1": "서울특별시 중구 세종대로 1",
        "purchase_target": "1", "target_krw": "1", "amount": "1"}


def test_every_institution_url_is_refused_to_everyone_else(app, owned, make_user, make_institution,
                                                           make_enterprise):
    other = make_institution(name="다른 구청")
    add_address(other, label="다른 구청 청사", department="기획예산과", contact_name="최담당",
                address1="서울특별시 강남구 학동로 426", address2="")
    strangers = {
        "other institution": make_user(Role.INSTITUTION, institution=other, membership_approved=True),
        "consumer": make_user(Role.CONSUMER),
        "enterprise": make_user(Role.ENTERPRISE, enterprise=make_enterprise()),
        "anonymous": None,
    }
    before = snapshot(owned["institution_id"])
    tried = 0
    for who, user in strangers.items():
        # Requests share the test's app context (and its `g`, where the signed-in user and the CSRF
        # token are cached) unless each stranger gets a context of their own.
        with app.app_context():
            tried += try_everything(app, owned, who, user)
        assert snapshot(owned["institution_id"]) == before, who
    routes = len(institution_rules(app))
    print(f"\n{routes} institution routes, {tried} attempts by strangers")
    assert tried >= 4 * routes


def try_everything(app, owned, who, user) -> int:
    """Every method of every /institution URL as `who`; returns the number of attempts."""
    browser, token = signed_in(app, user)
    tried = 0
    for rule, method, url in attempts(app, owned):
        if method == "GET":
            response = browser.get(url)
        else:
            data = {**FORM, "csrf_token": token, f"accepted_{owned['shipment_id']}": "1"}
            response = browser.open(url, method=method, data=data)
        tried += 1
        where = f"{who} {method} {url}"
        if user is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], where
        elif who in ("consumer", "enterprise"):
            assert response.status_code == 403, where
        elif "<" in rule.rule:
            assert response.status_code == 404, where
        else:  # a page or download of the stranger's own institution: none of A's data in it
            assert response.status_code < 500, where
            body = response.get_data().decode("utf-8", errors="replace")
            for secret in (owned["order"], owned["quote"], "세종대로 110", "박주무관", "김구매"):
                assert secret not in body, where
    return tried
