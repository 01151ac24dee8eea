"""Staff at /admin: the product review queue and its decisions (the enterprise reads the reason), stopping
and resuming a sale, suspending an enterprise (its members read why), and the audit log that shows each."""
from __future__ import annotations

import re
from html import unescape

import pytest

from shop.accounts.models import Role
from shop.catalog import review
from shop.catalog.models import Product, ProductStatus
from shop.extensions import db
from shop.models_base import ApprovalStatus
from tests.conftest import csrf_from, signed_in
from tests.services.test_catalog_editing import new_draft


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", unescape(response.get_data(as_text=True))).split())


@pytest.fixture
def scene(make_enterprise, make_user, make_category):
    seller = make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="햇살 베이커리 협동조합"), name="김판매",
                       enterprise_owner=True)
    category = make_category("잼·청", parent=make_category("식품"))
    draft = new_draft(seller, category)
    review.submit_product(seller.enterprise_id, draft.id, seller)
    staff = make_user(Role.ADMIN, name="심사담당")
    return seller, staff, draft


def staff_post(app, staff, url: str, data: dict | None = None, page: str = "/admin/products/review"):
    with app.app_context():
        browser, _ = signed_in(app, staff)
        token = csrf_from(browser.get(page).get_data(as_text=True))
        return browser.post(url, data={"csrf_token": token, **(data or {})}, follow_redirects=True)


def get_as(app, user, url: str):
    with app.app_context():
        return signed_in(app, user)[0].get(url)


def status_of(product) -> ProductStatus:
    db.session.expire_all()
    return db.session.get(Product, product.id).status


def test_staff_approve_a_product_from_the_queue(app, scene):
    seller, staff, draft = scene
    queue = words(get_as(app, staff, "/admin/products/review"))
    assert "새 상품 1건" in queue and draft.name in queue and "햇살 베이커리 협동조합" in queue
    detail = words(get_as(app, staff, f"/admin/products/{draft.id}"))
    assert "판매 승인" in detail and "유리병에 담긴 딸기잼" in detail  # the image's alt text is checked too
    done = staff_post(app, staff, f"/admin/products/{draft.id}/approve")
    assert "판매를 승인했습니다" in words(done) and "새 상품 0건" in words(done)
    assert status_of(draft) is ProductStatus.ACTIVE


def test_a_rejection_needs_a_reason_which_the_enterprise_reads(app, scene):
    seller, staff, draft = scene
    refused = staff_post(app, staff, f"/admin/products/{draft.id}/reject", {"reason": "  "})
    assert "반려 사유를 입력해 주세요" in words(refused) and status_of(draft) is ProductStatus.PENDING_REVIEW
    staff_post(app, staff, f"/admin/products/{draft.id}/reject", {"reason": "성분표 사진을 추가해 주세요."})
    assert status_of(draft) is ProductStatus.DRAFT
    console = words(get_as(app, seller, f"/console/products/{draft.id}/edit"))
    assert "지원센터가 심사를 반려했습니다" in console and "성분표 사진을 추가해 주세요." in console


def test_staff_stop_a_sale_and_only_staff_resume_it(app, scene, client):
    seller, staff, draft = scene
    review.approve_product(draft, staff)
    assert client.get(f"/products/{draft.slug}").status_code == 200
    staff_post(app, staff, f"/admin/products/{draft.id}/suspend", {"reason": "허위 원산지 신고 확인 중"},
               page=f"/admin/products/{draft.id}")
    assert status_of(draft) is ProductStatus.SUSPENDED
    assert client.get(f"/products/{draft.slug}").status_code == 404
    with app.app_context():
        browser, token = signed_in(app, seller)
        shown = browser.post(f"/console/products/{draft.id}/show", data={"csrf_token": token}, follow_redirects=True)
    assert "지원센터가 판매를 중지한 상품입니다" in words(shown)
    assert "지원센터가 판매를 중지했습니다 허위 원산지 신고 확인 중" in words(shown)
    assert status_of(draft) is ProductStatus.SUSPENDED
    staff_post(app, staff, f"/admin/products/{draft.id}/reinstate", page=f"/admin/products/{draft.id}")
    assert status_of(draft) is ProductStatus.ACTIVE

    log = words(get_as(app, staff, "/admin/audit?subject=product"))
    assert "상품 판매중지(센터)" in log and "허위 원산지 신고 확인 중" in log and "판매중지 해제(센터)" in log
    assert "판매 중 → " not in log  # before and after are separate columns
    assert "상태: 판매 중" in log and "상태: 판매중지(센터)" in log


def test_suspending_an_enterprise_closes_its_console_and_shows_why(app, scene, client):
    seller, staff, draft = scene
    review.approve_product(draft, staff)
    enterprise = seller.enterprise
    staff_post(app, staff, f"/admin/enterprises/{enterprise.id}/suspend",
               {"reason": "식품 위생 점검 결과가 나올 때까지 판매를 멈춥니다."}, page=f"/admin/enterprises/{enterprise.id}")
    db.session.expire_all()
    assert enterprise.status is ApprovalStatus.SUSPENDED
    assert client.get(f"/products/{draft.slug}").status_code == 404
    with app.app_context():
        browser, _ = signed_in(app, seller)
        console = browser.get("/console", follow_redirects=True)
    assert "퇴점·정지 사유" in words(console) and "식품 위생 점검 결과가 나올 때까지" in words(console)
    listing = words(get_as(app, staff, "/admin/enterprises?status=suspended"))
    assert "햇살 베이커리 협동조합" in listing
    staff_post(app, staff, f"/admin/enterprises/{enterprise.id}/reinstate", page=f"/admin/enterprises/{enterprise.id}")
    assert client.get(f"/products/{draft.slug}").status_code == 200
    log = words(get_as(app, staff, f"/admin/audit?subject=enterprise&actor=심사담당&since=2000-01-01"))
    assert "퇴점·정지" in log and "정지 해제" in log and "상태: 퇴점·정지" in log


def test_a_buyer_whose_membership_is_refused_reads_why(app, make_user, make_institution):
    institution = make_institution(name="서울시 마포구청")
    joining = make_user(Role.INSTITUTION, institution=institution, membership_approved=False, name="박주무관")
    staff = make_user(Role.ADMIN)
    staff_post(app, staff, f"/admin/memberships/{joining.id}/reject",
               {"reason": "마포구청 총무과에 해당 직원이 없다고 확인했습니다."}, page="/admin/approvals")
    account = words(get_as(app, joining, "/account"))
    assert "기관 소속 신청 반려 사유" in account
    assert "서울시 마포구청: 마포구청 총무과에 해당 직원이 없다고 확인했습니다." in account
