"""The audit log: every approval, every price change, every product state change and every staff action
leaves one entry (who, what, when, before, after, why), written with the change itself — a refused or
rolled-back change leaves none."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.audit import services as audit
from shop.audit.models import AuditEntry
from shop.catalog import editing, review
from shop.catalog.editing import OptionInput
from shop.catalog.models import Product, ProductStatus
from shop.catalog.review import ListingError
from shop.catalog.services import get_visible_product
from shop.enterprises import services as enterprises
from shop.enterprises.services import EnterpriseError
from shop.extensions import db
from shop.institutions import services as institutions
from shop.models_base import ApprovalStatus
from tests.services import procurement_helpers
from tests.services.test_catalog_editing import new_draft

market = procurement_helpers.market  # the fixture, where pytest looks for it


@pytest.fixture
def staff(make_user):
    return make_user(Role.ADMIN, name="심사담당")


@pytest.fixture
def seller(make_enterprise, make_user):
    return make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="햇살 베이커리 협동조합"), name="김판매")


@pytest.fixture
def jam_category(make_category):
    return make_category("잼·청", parent=make_category("식품"))


@pytest.fixture
def on_sale(seller, staff, jam_category):
    draft = new_draft(seller, jam_category)
    review.submit_product(seller.enterprise_id, draft.id, seller)
    review.approve_product(draft, staff)
    return db.session.get(Product, draft.id)


def entries() -> list[tuple]:
    db.session.expire_all()
    return [(e.action, e.actor_label, e.subject_type, e.before, e.after, e.reason) for e in db.session.scalars(
        sa.select(AuditEntry).order_by(AuditEntry.id))]


def last() -> tuple:
    return entries()[-1]


def test_enterprise_and_institution_decisions_are_recorded_with_who_and_why(staff, make_enterprise, make_user,
                                                                            make_institution):
    applying = make_enterprise(name="도봉 마을부엌", status=ApprovalStatus.PENDING)
    enterprises.approve(applying, staff=staff)
    assert last() == ("enterprise.approved", "지원센터 · 심사담당", "enterprise", {"status": "pending"},
                      {"status": "approved"}, None)
    refused = make_enterprise(name="서류미비 조합", status=ApprovalStatus.PENDING)
    enterprises.reject(refused, staff=staff, reason="인증서 사본이 없습니다.")
    assert last()[0::5] == ("enterprise.rejected", "인증서 사본이 없습니다.")

    institution = make_institution(name="서울시 도봉구청", status=ApprovalStatus.PENDING)
    institutions.approve(institution, staff=staff)
    assert last()[:3] == ("institution.approved", "지원센터 · 심사담당", "institution")
    joining = make_user(Role.INSTITUTION, institution=institution, membership_approved=False, name="박주무관")
    institutions.reject_membership(joining, reason="소속이 확인되지 않습니다.", staff=staff)
    assert last() == ("membership.rejected", "지원센터 · 심사담당", "user",
                      {"institution": "서울시 도봉구청", "membership_approved": False},
                      {"institution": None, "membership_approved": False}, "소속이 확인되지 않습니다.")

    count = len(entries())
    with pytest.raises(EnterpriseError):
        enterprises.approve(applying, staff=staff)  # decided already: no second entry
    assert len(entries()) == count


def test_product_review_suspension_and_price_changes_are_recorded(seller, staff, on_sale, client):
    actions = [e[0] for e in entries()]
    assert actions == ["product.status", "product.approved"]  # submitted by the enterprise, approved by staff

    variant = on_sale.variants[0]
    editing.update_option(seller.enterprise_id, on_sale.id, variant.id,
                          OptionInput(name=variant.name, price_krw="7,900", sku=variant.sku, stock="40"),
                          seller, stock_seen=40)
    assert last() == ("variant.price", "햇살 베이커리 협동조합 · 김판매", "variant", {"price_krw": 8500},
                      {"price_krw": 7900}, None)
    editing.set_price_tiers(seller.enterprise_id, on_sale.id, variant.id, [("10", "7,000"), ("50", "6,500")], seller)
    assert last()[0:1] + last()[3:5] == ("variant.tiers", {}, {"10개 이상": 7000, "50개 이상": 6500})

    review.suspend_product(on_sale, staff, "원산지 표시가 사실과 다르다는 신고가 접수되었습니다.")
    assert last() == ("product.suspended", "지원센터 · 심사담당", "product", {"status": "active"},
                      {"status": "suspended"}, "원산지 표시가 사실과 다르다는 신고가 접수되었습니다.")
    assert get_visible_product(on_sale.slug) is None
    with pytest.raises(ListingError, match="지원센터가 판매를 중지한 상품"):
        review.show_product(seller.enterprise_id, on_sale.id, seller)
    with pytest.raises(ListingError, match="지원센터 담당자만"):
        review.suspend_product(on_sale, seller, "경쟁사 흉내")
    review.reinstate_product(on_sale, staff)
    assert last()[0] == "product.reinstated"
    db.session.expire_all()
    assert db.session.get(Product, on_sale.id).status is ProductStatus.ACTIVE
    assert get_visible_product(on_sale.slug) is not None


def test_a_suspended_enterprise_leaves_the_shop_until_reinstated(staff, seller, on_sale):
    enterprise = seller.enterprise
    with pytest.raises(EnterpriseError, match="사유를 입력해 주세요"):
        enterprises.suspend(enterprise, staff=staff, reason=" ")
    with pytest.raises(EnterpriseError, match="지원센터 담당자만"):
        enterprises.suspend(enterprise, staff=seller, reason="셀프 정지")
    enterprises.suspend(enterprise, staff=staff, reason="위생 점검 결과가 나올 때까지 판매를 멈춥니다.")
    assert last()[0::5] == ("enterprise.suspended", "위생 점검 결과가 나올 때까지 판매를 멈춥니다.")
    assert enterprise.status is ApprovalStatus.SUSPENDED and get_visible_product(on_sale.slug) is None
    with pytest.raises(EnterpriseError, match="바꿀 수 없습니다"):
        enterprises.suspend(enterprise, staff=staff, reason="두 번")
    enterprises.reinstate(enterprise, staff=staff)
    assert last()[0] == "enterprise.reinstated" and get_visible_product(on_sale.slug) is not None


def test_the_log_filters_by_kind_action_actor_and_name(staff, seller, on_sale, make_enterprise):
    enterprises.suspend(seller.enterprise, staff=staff, reason="점검")
    everything = audit.entries(audit.AuditFilters())
    assert everything.total == 3 and everything.items[0].action == "enterprise.suspended"  # newest first
    assert [e.action for e in audit.entries(audit.AuditFilters(subject_type="product")).items] == \
        ["product.approved", "product.status"]
    assert audit.entries(audit.AuditFilters(staff_only=True)).total == 2
    assert audit.entries(audit.AuditFilters(actor="김판매")).total == 1
    assert audit.entries(audit.AuditFilters(q="햇살")).total == 1
    assert audit.entries(audit.AuditFilters(action="product.approved")).total == 1
    assert audit.entries(audit.AuditFilters(q="100%_\\")).total == 0  # LIKE wildcards are text


def test_order_shipment_and_quote_state_changes_are_recorded(market):
    from shop.orders import services as orders
    from shop.payments import services as payments
    from tests.services.order_helpers import SEOUL, TODAY, new_key

    order = orders.place_order(market.consumer, [(market.paper.id, 1)], SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(order, market.consumer)
    orders.start_preparing(order.shipments[0], market.seller)
    logged = [(e[0], e[3], e[4]) for e in entries()]
    assert ("order.status", None, {"status": "pending_payment"}) in logged
    assert ("order.status", {"status": "pending_payment"}, {"status": "paid"}) in logged
    assert ("shipment.status", {"status": "paid"}, {"status": "preparing"}) in logged

    from datetime import timedelta

    from shop.procurement import quotes
    from shop.procurement.quotes import QuoteRequest
    from tests.services.procurement_helpers import OFFICE
    quote = quotes.request_quotes(market.buyer, QuoteRequest([(market.paper.id, 100)], TODAY + timedelta(days=9), OFFICE),
                                  today=TODAY)[0]
    quotes.withdraw(quote, market.buyer)
    assert ("quote.status", {"status": "requested"}, {"status": "withdrawn"}) in [(e[0], e[3], e[4]) for e in entries()]


def test_a_price_changed_through_the_api_is_recorded(seller, on_sale):
    from shop.catalog import sku_updates

    variant = on_sale.variants[0]
    sku_updates.update_option(seller.enterprise_id, variant.sku, {"price_krw": 7_500}, seller, via="API 키 'ERP'")
    assert last() == ("variant.price", "햇살 베이커리 협동조합 · 김판매", "variant", {"price_krw": 8500},
                      {"price_krw": 7500}, "API 키 'ERP'")
