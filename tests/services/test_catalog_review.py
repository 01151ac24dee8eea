"""The review of listings: a new product goes on sale only when staff approve it; changes to an approved
product's name, description or images wait in a revision while the product keeps selling as approved;
every move follows the transition tables, records who did it, and is decided once however many try."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.catalog import editing, review
from shop.catalog.editing import OptionInput
from shop.catalog.models import (
    Product,
    ProductEvent,
    ProductEventKind,
    ProductRevision,
    ProductStatus,
    RevisionStatus,
    Variant,
)
from shop.catalog.review import PRODUCT_TRANSITIONS, REVISION_TRANSITIONS, STAFF_TRANSITIONS, ListingError
from shop.catalog.services import get_visible_product
from shop.core import storage
from shop.extensions import db
from shop.orders import services as orders
from shop.search.services import matching_ids
from tests.services.order_helpers import SEOUL, TODAY, new_key, race
from tests.services.test_catalog_editing import details, new_draft
from tests.services.test_storage import image_bytes


@pytest.fixture
def jam_category(make_category):
    return make_category("잼·청", parent=make_category("식품"))


@pytest.fixture
def seller(make_enterprise, make_user):
    return make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="햇살 베이커리 협동조합"))


@pytest.fixture
def staff(make_user):
    return make_user(Role.ADMIN, name="심사담당")


@pytest.fixture
def draft(seller, jam_category):
    return new_draft(seller, jam_category)


@pytest.fixture
def on_sale(seller, staff, draft):
    review.submit_product(seller.enterprise_id, draft.id, seller)
    review.approve_product(draft, staff)
    return db.session.get(Product, draft.id)


def fresh(product) -> Product:
    db.session.expire_all()
    return db.session.get(Product, product.id)


def history(product) -> list[tuple[ProductEventKind, str, str]]:
    return [(e.kind, e.actor_label, e.note) for e in reversed(review.history(product))]


# --- new products --------------------------------------------------------------------------------


def test_a_new_product_goes_on_sale_only_after_staff_approve_it(app, seller, staff, draft):
    review.submit_product(seller.enterprise_id, draft.id, seller)
    product = fresh(draft)
    assert product.status is ProductStatus.PENDING_REVIEW and product.submitted_at is not None
    assert get_visible_product(product.slug) is None
    review.approve_product(product, staff)
    product = fresh(draft)
    assert product.status is ProductStatus.ACTIVE
    assert get_visible_product(product.slug).name == "유기농 딸기잼 300g"
    assert history(product) == [(ProductEventKind.CREATED, "입점기업", ""),
                                (ProductEventKind.SUBMITTED, "입점기업", ""),
                                (ProductEventKind.APPROVED, "지원센터", "")]


def test_a_product_needs_an_image_and_a_description_before_review(app, seller, jam_category):
    bare = new_draft(seller, jam_category, image=False, description="")
    with pytest.raises(ListingError, match="이미지를 한 장 이상"):
        review.submit_product(seller.enterprise_id, bare.id, seller)
    editing.add_image(seller.enterprise_id, bare.id, image_bytes("PNG"), "딸기잼 병", seller)
    with pytest.raises(ListingError, match="상품 설명을 입력한 뒤"):
        review.submit_product(seller.enterprise_id, bare.id, seller)
    assert fresh(bare).status is ProductStatus.DRAFT


def test_a_rejected_product_is_a_draft_again_and_the_enterprise_reads_why(app, seller, staff, draft):
    review.submit_product(seller.enterprise_id, draft.id, seller)
    with pytest.raises(ListingError, match="반려 사유를 입력"):
        review.reject_product(draft, staff, "  ")
    review.reject_product(draft, staff, "원산지를 시·군까지 적어 주세요.")
    product = fresh(draft)
    assert product.status is ProductStatus.DRAFT
    assert product.review_reason == "원산지를 시·군까지 적어 주세요."
    assert history(product)[-1] == (ProductEventKind.REJECTED, "지원센터", "원산지를 시·군까지 적어 주세요.")
    editing.update_details(seller.enterprise_id, draft.id, details(product.category, origin="국내산(경기 양평군)"),
                           seller)
    review.submit_product(seller.enterprise_id, draft.id, seller)
    review.approve_product(product, staff)
    assert fresh(draft).review_reason is None


def test_the_enterprise_can_withdraw_a_request_to_edit_it(app, seller, draft):
    review.submit_product(seller.enterprise_id, draft.id, seller)
    review.withdraw_product(seller.enterprise_id, draft.id, seller)
    assert fresh(draft).status is ProductStatus.DRAFT
    with pytest.raises(ListingError, match="심사 대기 중인 상품만"):
        review.withdraw_product(seller.enterprise_id, draft.id, seller)


def test_only_staff_decide(app, seller, draft):
    review.submit_product(seller.enterprise_id, draft.id, seller)
    for decide in (lambda: review.approve_product(draft, seller),
                   lambda: review.reject_product(draft, seller, "셀프 반려"),
                   lambda: review.approve_changes(draft, seller),
                   lambda: review.reject_changes(draft, seller, "셀프 반려")):
        with pytest.raises(ListingError, match="지원센터 담당자만"):
            decide()
    assert fresh(draft).status is ProductStatus.PENDING_REVIEW


def test_a_product_not_waiting_for_review_cannot_be_approved(app, staff, draft, on_sale):
    with pytest.raises(ListingError, match="현재 상태: 판매 중"):
        review.approve_product(on_sale, staff)


# --- hide and show -------------------------------------------------------------------------------


def test_an_approved_product_is_hidden_and_shown_by_its_enterprise(app, seller, on_sale):
    review.hide_product(seller.enterprise_id, on_sale.id, seller)
    assert fresh(on_sale).status is ProductStatus.HIDDEN and get_visible_product(on_sale.slug) is None
    with pytest.raises(ListingError, match="'숨김' 상태의 상품은 '숨김' 상태로"):
        review.hide_product(seller.enterprise_id, on_sale.id, seller)
    review.show_product(seller.enterprise_id, on_sale.id, seller)
    assert get_visible_product(on_sale.slug) is not None
    assert [kind for kind, _, _ in history(on_sale)][-2:] == [ProductEventKind.HIDDEN, ProductEventKind.SHOWN]


@pytest.mark.parametrize("move", ["hide", "show"])
def test_a_draft_can_be_neither_hidden_nor_shown(app, seller, draft, move):
    with pytest.raises(ListingError, match="'작성 중' 상태의 상품은"):
        getattr(review, f"{move}_product")(seller.enterprise_id, draft.id, seller)
    assert fresh(draft).status is ProductStatus.DRAFT


def test_the_transition_tables_cover_every_state():
    assert set(PRODUCT_TRANSITIONS) | set(STAFF_TRANSITIONS) == set(ProductStatus)
    assert ProductStatus.SUSPENDED not in PRODUCT_TRANSITIONS  # only staff lift a suspension
    assert set(REVISION_TRANSITIONS) == set(RevisionStatus)
    assert all(to in PRODUCT_TRANSITIONS for targets in PRODUCT_TRANSITIONS.values() for to in targets)


# --- changes to an approved product ----------------------------------------------------------------


def test_approved_changes_replace_the_live_text_and_images_and_drop_the_old_files(app, seller, staff, on_sale):
    old_image = on_sale.images[0].path
    eid = seller.enterprise_id
    editing.update_details(eid, on_sale.id, details(on_sale.category, name="설탕 줄인 딸기잼 300g",
                                                    description="설탕을 30% 줄였습니다."), seller)
    editing.add_image(eid, on_sale.id, image_bytes("JPEG"), "새 라벨을 붙인 딸기잼", seller)
    editing.delete_image(eid, on_sale.id, old_image, seller)
    review.submit_changes(eid, on_sale.id, seller)
    product = fresh(on_sale)
    assert product.revision.status is RevisionStatus.PENDING
    assert get_visible_product(product.slug).name == "유기농 딸기잼 300g"  # still selling as approved
    with pytest.raises(ListingError, match="변경 심사 요청을 취소한 뒤"):
        editing.update_details(eid, on_sale.id, details(on_sale.category, name="또 바꾼 이름"), seller)

    review.approve_changes(product, staff)
    product = fresh(on_sale)
    assert product.revision is None and product.status is ProductStatus.ACTIVE
    assert product.name == "설탕 줄인 딸기잼 300g"
    assert product.description_html == "<p>설탕을 30% 줄였습니다.</p>"
    assert [i.alt for i in product.images] == ["새 라벨을 붙인 딸기잼"]
    assert storage.exists(product.images[0].path) and not storage.exists(old_image)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProductRevision)) == 0
    assert product.id in set(db.session.scalars(matching_ids("설탕 줄인")))
    kinds = [kind for kind, _, _ in history(product)]
    assert kinds[-2:] == [ProductEventKind.CHANGES_SUBMITTED, ProductEventKind.CHANGES_APPROVED]
    assert history(product)[-1][2] == "바뀐 항목: 상품명, 상세 설명, 이미지"


def test_rejected_changes_keep_the_live_listing_and_tell_the_enterprise_why(app, seller, staff, on_sale):
    eid = seller.enterprise_id
    editing.update_details(eid, on_sale.id, details(on_sale.category, name="세계 최고 딸기잼"), seller)
    review.submit_changes(eid, on_sale.id, seller)
    review.reject_changes(on_sale, staff, "과장 광고 표현은 쓸 수 없습니다.")
    product = fresh(on_sale)
    assert product.name == "유기농 딸기잼 300g" and product.status is ProductStatus.ACTIVE
    assert product.revision.status is RevisionStatus.REJECTED
    assert product.revision.review_reason == "과장 광고 표현은 쓸 수 없습니다."
    editing.update_details(eid, on_sale.id, details(on_sale.category, name="양평 딸기잼"), seller)
    product = fresh(on_sale)
    assert product.revision.status is RevisionStatus.DRAFT
    assert product.revision.review_reason == "과장 광고 표현은 쓸 수 없습니다."  # still shown while fixing
    review.submit_changes(eid, on_sale.id, seller)
    review.approve_changes(product, staff)
    assert fresh(on_sale).name == "양평 딸기잼"


def test_changes_can_be_withdrawn_and_discarded_leaving_no_orphan_files(app, seller, on_sale):
    eid = seller.enterprise_id
    live = on_sale.images[0].path
    editing.add_image(eid, on_sale.id, image_bytes("PNG"), "새로 찍은 사진", seller)
    added = fresh(on_sale).revision.images[-1].path
    review.submit_changes(eid, on_sale.id, seller)
    with pytest.raises(ListingError, match="먼저 심사 요청을 취소"):
        review.discard_changes(eid, on_sale.id, seller)
    review.withdraw_changes(eid, on_sale.id, seller)
    assert fresh(on_sale).revision.status is RevisionStatus.DRAFT
    review.discard_changes(eid, on_sale.id, seller)
    assert fresh(on_sale).revision is None
    assert not storage.exists(added) and storage.exists(live)
    with pytest.raises(ListingError, match="취소할 변경사항이 없습니다"):
        review.discard_changes(eid, on_sale.id, seller)


def test_there_must_be_a_change_to_submit(app, seller, on_sale):
    with pytest.raises(ListingError, match="변경사항이 없습니다"):
        review.submit_changes(seller.enterprise_id, on_sale.id, seller)
    path = on_sale.images[0].path
    editing.delete_image(seller.enterprise_id, on_sale.id, path, seller)
    with pytest.raises(ListingError, match="이미지를 한 장 이상"):
        review.submit_changes(seller.enterprise_id, on_sale.id, seller)


def test_prices_stock_and_facts_still_change_while_changes_wait(app, seller, on_sale):
    eid = seller.enterprise_id
    editing.update_details(eid, on_sale.id, details(on_sale.category, name="검토 중인 이름"), seller)
    review.submit_changes(eid, on_sale.id, seller)
    saved = editing.update_details(eid, on_sale.id, details(on_sale.category, name="검토 중인 이름",
                                                            lead_time_days="5"), seller)
    assert saved.applied
    variant = on_sale.variants[0]
    editing.update_option(eid, on_sale.id, variant.id, OptionInput(name="300g", price_krw=7000, stock=12), seller,
                          stock_seen=40)
    product = fresh(on_sale)
    assert (product.lead_time_days, product.price_krw, product.variants[0].stock) == (5, 7000, 12)
    assert product.revision.status is RevisionStatus.PENDING


def test_the_queue_lists_new_products_and_changes_longest_waiting_first(app, seller, staff, jam_category, on_sale):
    first = new_draft(seller, jam_category, name="첫 번째 잼")
    second = new_draft(seller, jam_category, name="두 번째 잼")
    for product in (first, second):
        review.submit_product(seller.enterprise_id, product.id, seller)
    editing.update_details(seller.enterprise_id, on_sale.id, details(jam_category, name="바뀐 잼"), seller)
    assert review.awaiting_review() == ([fresh(first), fresh(second)], [])
    review.submit_changes(seller.enterprise_id, on_sale.id, seller)
    new, changed = review.awaiting_review()
    assert [p.name for p in new] == ["첫 번째 잼", "두 번째 잼"]
    assert [(p.name, p.revision.name) for p in changed] == [("유기농 딸기잼 300g", "바뀐 잼")]


# --- decided once, whoever else acts at the same moment -------------------------------------------


def test_two_staff_deciding_at_once_decide_once(app, seller, staff, make_user, draft):
    review.submit_product(seller.enterprise_id, draft.id, seller)
    staff_ids = [staff.id, make_user(Role.ADMIN).id, make_user(Role.ADMIN).id, make_user(Role.ADMIN).id]
    product_id = draft.id

    def decide(i: int):
        from shop.accounts.models import User

        product, actor = db.session.get(Product, product_id), db.session.get(User, staff_ids[i])
        if i % 2:
            return review.reject_product(product, actor, "사진을 바꿔 주세요.")
        return review.approve_product(product, actor)

    results = race(app, 4, decide)
    assert [r for r in results if r is not None and not isinstance(r, ListingError)] == []
    assert sum(r is None for r in results) == 1, results
    decisions = db.session.scalars(sa.select(ProductEvent.kind).where(
        ProductEvent.kind.in_([ProductEventKind.APPROVED, ProductEventKind.REJECTED]))).all()
    assert len(decisions) == 1


def test_stock_set_while_orders_are_placed_never_resurrects_a_sold_unit(app, seller, on_sale, make_user):
    variant_id, product_id, eid = on_sale.variants[0].id, on_sale.id, seller.enterprise_id
    buyer_ids = [make_user(Role.CONSUMER).id for _ in range(5)]
    seller_id = seller.id

    def act(i: int):
        from shop.accounts.models import User

        if i == 0:
            editing.update_option(eid, product_id, variant_id, OptionInput(name="300g", price_krw=8500, stock=100),
                                  db.session.get(User, seller_id), stock_seen=40)
            return "set"
        return orders.place_order(db.session.get(User, buyer_ids[i - 1]), [(variant_id, 2)], SEOUL, new_key(),
                                  today=TODAY).number

    results = race(app, 6, act)
    sold = 2 * sum(isinstance(r, str) and r != "set" for r in results)
    assert sold == 10, results
    db.session.expire_all()
    final = db.session.get(Variant, variant_id).stock
    if results[0] == "set":  # the set won only if no order had taken units before it
        assert final == 100 - sold
    else:
        assert isinstance(results[0], editing.ListingInvalid), results[0]
        assert final == 40 - sold
