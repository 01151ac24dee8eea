"""Every /admin URL, taken from the URL map, tried with real objects by everyone who is not staff: an
enterprise member (even of the enterprise concerned), a consumer and an institution buyer get 403, an
anonymous visitor the login page; nothing changes. A route with a parameter this test does not know
fails it, so a new staff route must be classified here."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.audit.models import AuditEntry
from shop.catalog import review
from shop.catalog.models import Category, Product
from shop.curation.models import ArtCollaboration, Exhibition
from shop.enterprises.models import Enterprise, SocialValueRecord
from shop.extensions import db
from shop.institutions.models import Institution
from shop.models_base import ApprovalStatus
from shop.orders import services as orders
from shop.orders.models import Shipment
from shop.payments import services as payments
from tests.conftest import signed_in
from tests.services.order_helpers import SEOUL, TODAY, new_key
from tests.services.test_catalog_editing import new_draft


@pytest.fixture
def owned(make_enterprise, make_user, make_institution, make_category, make_product, make_exhibition,
          make_art_collab, make_social_value):
    seller = make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="햇살 베이커리 협동조합"),
                       enterprise_owner=True)
    draft = new_draft(seller, make_category("잼·청", parent=make_category("식품")))
    review.submit_product(seller.enterprise_id, draft.id, seller)
    pending = make_enterprise(name="도봉 마을부엌", status=ApprovalStatus.PENDING)
    institution = make_institution(name="서울시 도봉구청", status=ApprovalStatus.PENDING)
    joining = make_user(Role.INSTITUTION, institution=make_institution(name="서울시 마포구청"),
                        membership_approved=False)
    variant = make_product(enterprise=seller.enterprise, variants=[("1kg", 9_000, 30)]).variants[0]
    buyer = make_user(Role.CONSUMER)
    order = orders.place_order(buyer, [(variant.id, 1)], SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(order, buyer)
    exhibition = make_exhibition(products=[draft])
    collab = make_art_collab(enterprise=seller.enterprise, products=[draft])
    verified = make_social_value(seller.enterprise, verified=True, measured_by="SPC")
    return {"product_id": draft.id, "enterprise_id": pending.id, "institution_id": institution.id,
            "user_id": joining.id, "number": order.number, "shipment_id": order.shipments[0].id,
            "action": "ship", "seller": seller, "variant_id": draft.variants[0].id, "exhibition_id": exhibition.id,
            "collaboration_id": collab.id, "artist_id": collab.artist_id, "category_id": draft.category_id,
            "record_id": verified.id}


def admin_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.rule.startswith("/admin")), key=lambda r: r.rule)


def url_for_rule(rule, owned) -> str:
    def value(match):
        name = match.group(1).split(":")[-1]
        assert name in owned, f"{rule.rule}: classify the parameter <{name}> in this test"
        return str(owned[name])
    return re.sub(r"<([^>]+)>", value, rule.rule)


def snapshot():
    db.session.expire_all()
    return (
        [(e.id, e.status) for e in db.session.scalars(sa.select(Enterprise).order_by(Enterprise.id))],
        [(i.id, i.status) for i in db.session.scalars(sa.select(Institution).order_by(Institution.id))],
        [(u.id, u.institution_id, u.membership_approved) for u in db.session.scalars(sa.select(User).order_by(User.id))],
        [(p.id, p.status) for p in db.session.scalars(sa.select(Product).order_by(Product.id))],
        [(s.id, s.status) for s in db.session.scalars(sa.select(Shipment).order_by(Shipment.id))],
        [(x.id, x.title, x.is_published, len(x.items)) for x in db.session.scalars(sa.select(Exhibition))],
        [(c.id, c.title, c.is_published) for c in db.session.scalars(sa.select(ArtCollaboration))],
        [(c.id, c.name, c.position) for c in db.session.scalars(sa.select(Category).order_by(Category.id))],
        [(r.id, r.amount_krw, r.verified) for r in db.session.scalars(sa.select(SocialValueRecord))],
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
    )


def test_only_staff_reach_any_admin_url(app, owned, make_user):
    strangers = {
        "enterprise member": owned["seller"],
        "consumer": make_user(Role.CONSUMER),
        "institution buyer": make_user(Role.INSTITUTION, institution=db.session.get(User, owned["user_id"]).institution),
        "anonymous": None,
    }
    form = {"reason": "권한 없는 처리", "courier": "cj", "tracking_number": "612345678901"}
    before = snapshot()
    tried = 0
    for who, user in strangers.items():
        with app.app_context():
            browser, token = signed_in(app, user)
            for rule in admin_rules(app):
                url = url_for_rule(rule, owned)
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    response = browser.open(url, method=method,
                                            data={"csrf_token": token, **form} if method != "GET" else None)
                    tried += 1
                    if user is None:
                        assert response.status_code == 302 and "/login" in response.headers["Location"], (who, url)
                    else:
                        assert response.status_code == 403, (who, method, url)
        assert snapshot() == before, who
    routes = len(admin_rules(app))
    print(f"\n{routes} admin routes, {tried} attempts by non-staff")
    assert routes >= 24 and tried >= 4 * routes


def test_staff_reach_every_admin_page(app, owned, make_user):
    with app.app_context():
        browser, _ = signed_in(app, make_user(Role.ADMIN))
        for rule in admin_rules(app):
            if "GET" in rule.methods and "<action>" not in rule.rule:
                assert browser.get(url_for_rule(rule, owned)).status_code == 200, rule.rule
