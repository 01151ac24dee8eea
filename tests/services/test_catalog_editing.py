"""Enterprises edit their own listings: every function is scoped to the enterprise, refuses with the field
and message to show, applies prices and stock at once (never losing an order's units), and sends the
name, description and images of an approved product to review instead of changing what is on sale."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.catalog import editing, review
from shop.catalog.editing import ListingInvalid, OptionInput, ProductDetails
from shop.catalog.models import (
    Product,
    ProductEvent,
    ProductEventKind,
    ProductStatus,
    RevisionStatus,
    TaxType,
    Variant,
)
from shop.catalog.review import ListingError, ProductNotFound
from shop.catalog.services import get_visible_product
from shop.core import storage
from shop.extensions import db
from shop.orders import stock
from shop.search.services import matching_ids
from tests.services.test_storage import image_bytes


@pytest.fixture
def jam_category(make_category):
    food = make_category("식품")
    return make_category("잼·청", parent=food)


@pytest.fixture
def seller(make_enterprise, make_user):
    return make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="햇살 베이커리 협동조합"))


@pytest.fixture
def rival(make_enterprise, make_user):
    return make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="다른 협동조합"))


def details(category, **changes) -> ProductDetails:
    values = dict(category_id=category.id, name="유기농 딸기잼 300g", summary="양평 딸기로 끓인 잼",
                  description="딸기와 설탕만 넣었습니다.\n\n냉장 보관해 주세요.", tax_type="taxable",
                  min_order_qty="1", lead_time_days="3", origin="국내산(경기 양평)")
    values.update(changes)
    return ProductDetails(**values)


def new_draft(seller, category, *, image=True, **changes) -> Product:
    return editing.create_product(
        seller.enterprise_id, details(category, **changes), OptionInput(name="300g", price_krw="8,500", stock="40"),
        seller, image=image_bytes("PNG") if image else None, image_alt="유리병에 담긴 딸기잼")


def events(product) -> list[ProductEventKind]:
    return list(db.session.scalars(sa.select(ProductEvent.kind).where(ProductEvent.product_id == product.id)
                                   .order_by(ProductEvent.id)))


@pytest.fixture
def on_sale(seller, jam_category, make_user):
    """An approved product of the seller, with a real stored image."""
    product = new_draft(seller, jam_category)
    review.submit_product(seller.enterprise_id, product.id, seller)
    review.approve_product(product, make_user(Role.ADMIN))
    return db.session.get(Product, product.id)


# --- creating ------------------------------------------------------------------------------------


def test_a_new_product_is_a_draft_with_its_option_and_a_reencoded_image(app, seller, jam_category):
    product = new_draft(seller, jam_category)
    assert product.status is ProductStatus.DRAFT
    assert product.enterprise_id == seller.enterprise_id
    assert product.slug.startswith(jam_category.slug + "-")
    assert product.description_html == "<p>딸기와 설탕만 넣었습니다.</p><p>냉장 보관해 주세요.</p>"
    [variant] = product.variants
    assert (variant.name, variant.price_krw, variant.stock, variant.track_stock) == ("300g", 8500, 40, True)
    assert variant.sku.startswith(f"HK{seller.enterprise_id}-")
    assert product.price_krw == 8500 and product.in_stock
    [image] = product.images
    assert image.path.startswith("products/") and image.path.endswith(".webp")
    assert storage.exists(image.path) and storage.exists(storage.thumbnail_path(image.path))
    assert events(product) == [ProductEventKind.CREATED]
    assert get_visible_product(product.slug) is None  # not on sale before review


def test_every_refused_field_is_named_at_once(app, seller, jam_category):
    with pytest.raises(ListingInvalid) as refused:
        editing.create_product(
            seller.enterprise_id,
            details(jam_category, category_id=None, name="잼", lead_time_days="120", origin=" ", tax_type="vat"),
            OptionInput(name="", price_krw="팔천원", stock="-1"), seller)
    assert set(refused.value.errors) == {"category_id", "name", "lead_time_days", "origin", "tax_type",
                                         "option_name", "price_krw", "stock"}
    assert "2자 이상" in refused.value.errors["name"]
    assert "0~90일" in refused.value.errors["lead_time_days"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0


def test_a_top_category_with_sub_categories_is_not_a_place_for_a_product(app, seller, jam_category):
    with pytest.raises(ListingInvalid) as refused:
        new_draft(seller, jam_category.parent)
    assert refused.value.errors == {"category_id": "'식품'의 세부 카테고리를 골라 주세요."}


def test_description_html_is_sanitised_and_plain_text_becomes_paragraphs(app):
    assert editing.description_html("첫 줄\r\n둘째 줄\n\n\n셋째 문단") == "<p>첫 줄<br>둘째 줄</p><p>셋째 문단</p>"
    cleaned = editing.description_html(
        '<p onclick="x()">설명</p><script>alert(1)</script><a href="javascript:x">링크</a>')
    assert "script" not in cleaned and "onclick" not in cleaned and "javascript" not in cleaned
    assert "<p>설명</p>" in cleaned
    assert editing.description_html("물 & 소금 <3") == "<p>물 &amp; 소금 &lt;3</p>"


@pytest.mark.parametrize("typed", [
    "첫 줄\n둘째 줄\n\n\"따옴표\" & 'ㅎ' <3 마지막",
    "<h3>맛</h3><p>새콤달콤</p><ul><li>300g</li></ul>",
])
def test_the_description_goes_back_into_the_form_as_it_was_typed(app, typed):
    stored = editing.description_html(typed)
    shown = editing.editable_description(stored)
    assert editing.description_html(shown) == stored  # saving the form untouched changes nothing
    assert shown == (stored if "<h3>" in typed else typed)


def test_an_oversized_description_is_refused(app, seller, jam_category):
    with pytest.raises(ListingInvalid) as refused:
        new_draft(seller, jam_category, description="가" * (editing.MAX_DESCRIPTION_LENGTH + 1))
    assert "description" in refused.value.errors


def test_a_refused_image_refuses_the_whole_product_and_leaves_no_file(app, seller, jam_category):
    with pytest.raises(ListingInvalid) as refused:
        editing.create_product(seller.enterprise_id, details(jam_category), OptionInput(price_krw="8500"), seller,
                               image=b"<svg onload='alert(1)'/>", image_alt="잼")
    assert "SVG" in refused.value.errors["image"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0


# --- SKUs ------------------------------------------------------------------------------------------


def test_a_sku_is_unique_and_the_refusal_names_only_the_enterprises_own_product(app, seller, rival, jam_category):
    mine = editing.create_product(seller.enterprise_id, details(jam_category),
                                  OptionInput(price_krw=8500, sku="JAM-300"), seller)
    with pytest.raises(ListingInvalid) as own:
        editing.add_option(seller.enterprise_id, mine.id, OptionInput(name="500g", price_krw=12000, sku="JAM-300"),
                           seller)
    assert "'유기농 딸기잼 300g' 상품의 옵션에서 이미 쓰고" in own.value.errors["sku"]
    with pytest.raises(ListingInvalid) as other:
        editing.create_product(rival.enterprise_id, details(jam_category, name="남의 잼"),
                               OptionInput(price_krw=9000, sku="JAM-300"), rival)
    assert "딸기잼" not in other.value.errors["sku"] and "쓸 수 없습니다" in other.value.errors["sku"]
    with pytest.raises(ListingInvalid) as bad:
        editing.add_option(seller.enterprise_id, mine.id, OptionInput(price_krw=1, sku="잼 300"), seller)
    assert "영문, 숫자" in bad.value.errors["sku"]


# --- details: at once for drafts and facts, through review for an approved product's text ------------


def test_a_drafts_details_change_directly(app, seller, jam_category, make_category):
    product = new_draft(seller, jam_category)
    other = make_category("차", parent=jam_category.parent)
    saved = editing.update_details(seller.enterprise_id, product.id,
                                   details(other, name="수제 딸기잼 300g", tax_type="exempt"), seller)
    assert saved.applied and not saved.for_review
    product = db.session.get(Product, product.id)
    assert (product.name, product.category_id, product.tax_type) == ("수제 딸기잼 300g", other.id, TaxType.EXEMPT)
    assert product.revision is None


def test_an_approved_products_text_waits_for_review_while_its_facts_apply_at_once(app, seller, on_sale):
    saved = editing.update_details(seller.enterprise_id, on_sale.id,
                                   details(on_sale.category, name="새 이름 딸기잼", min_order_qty="2"), seller)
    assert saved.applied and saved.for_review
    db.session.expire_all()
    product = db.session.get(Product, on_sale.id)
    assert product.name == "유기농 딸기잼 300g" and product.min_order_qty == 2
    assert product.revision.name == "새 이름 딸기잼" and product.revision.status is RevisionStatus.DRAFT
    assert get_visible_product(product.slug).name == "유기농 딸기잼 300g"  # still selling as approved
    assert product.status is ProductStatus.ACTIVE


def test_editing_the_text_back_to_what_is_live_drops_the_revision(app, seller, on_sale):
    editing.update_details(seller.enterprise_id, on_sale.id, details(on_sale.category, name="잠시 바꾼 이름"), seller)
    saved = editing.update_details(seller.enterprise_id, on_sale.id, details(on_sale.category), seller)
    assert not saved.for_review
    db.session.expire_all()
    assert db.session.get(Product, on_sale.id).revision is None


def test_a_product_waiting_for_review_cannot_be_edited_but_its_price_can(app, seller, jam_category):
    product = new_draft(seller, jam_category)
    review.submit_product(seller.enterprise_id, product.id, seller)
    with pytest.raises(ListingError, match="심사 요청을 취소한 뒤"):
        editing.update_details(seller.enterprise_id, product.id, details(jam_category, name="심사 중 변경"), seller)
    with pytest.raises(ListingError, match="심사 요청을 취소한 뒤"):
        editing.add_image(seller.enterprise_id, product.id, image_bytes("PNG"), "두 번째 사진", seller)
    variant = product.variants[0]
    editing.update_option(seller.enterprise_id, product.id, variant.id,
                          OptionInput(name="300g", price_krw="7,900", stock="40"), seller, stock_seen="40")
    db.session.expire_all()
    assert db.session.get(Variant, variant.id).price_krw == 7900


# --- options, prices, stock ------------------------------------------------------------------------


def test_a_price_change_applies_at_once_and_is_recorded(app, seller, on_sale):
    variant = on_sale.variants[0]
    editing.update_option(seller.enterprise_id, on_sale.id, variant.id,
                          OptionInput(name="300g", price_krw="7,500원", stock="40"), seller, stock_seen=40)
    db.session.expire_all()
    product = db.session.get(Product, on_sale.id)
    assert product.variants[0].price_krw == 7500 and product.price_krw == 7500
    assert get_visible_product(product.slug).price_krw == 7500
    event = db.session.scalars(sa.select(ProductEvent).where(ProductEvent.kind == ProductEventKind.PRICE_CHANGED)).one()
    assert event.note == "300g: 8,500원 → 7,500원" and event.actor_id == seller.id


def test_setting_stock_never_puts_back_units_an_order_took_meanwhile(app, seller, on_sale):
    variant = on_sale.variants[0]
    seen = variant.stock  # 40, as the form showed it
    stock.take(variant.id, 3, variant.product_id)  # an order placed while the form was open
    db.session.commit()
    with pytest.raises(ListingInvalid) as refused:
        editing.update_option(seller.enterprise_id, on_sale.id, variant.id,
                              OptionInput(name="300g (새 이름)", price_krw=9000, stock=50), seller, stock_seen=seen)
    assert "37개로 바뀌었습니다" in refused.value.errors["stock"]
    db.session.expire_all()
    kept = db.session.get(Variant, variant.id)
    assert (kept.stock, kept.name, kept.price_krw) == (37, "300g", 8500)  # all or nothing
    editing.update_option(seller.enterprise_id, on_sale.id, variant.id,
                          OptionInput(name="300g", price_krw=8500, stock=50), seller, stock_seen=37)
    db.session.expire_all()
    assert db.session.get(Variant, variant.id).stock == 50


def test_an_unchanged_stock_figure_leaves_an_orders_decrement_alone(app, seller, on_sale):
    variant = on_sale.variants[0]
    stock.take(variant.id, 5, variant.product_id)
    db.session.commit()
    editing.update_option(seller.enterprise_id, on_sale.id, variant.id,
                          OptionInput(name="300g", price_krw=8000, stock=40), seller, stock_seen=40)
    db.session.expire_all()
    assert (db.session.get(Variant, variant.id).stock, db.session.get(Variant, variant.id).price_krw) == (35, 8000)


def test_stock_set_to_zero_marks_the_product_sold_out(app, seller, on_sale):
    variant = on_sale.variants[0]
    editing.update_option(seller.enterprise_id, on_sale.id, variant.id,
                          OptionInput(name="300g", price_krw=8500, stock=0), seller, stock_seen=40)
    db.session.expire_all()
    assert db.session.get(Product, on_sale.id).in_stock is False
    editing.update_option(seller.enterprise_id, on_sale.id, variant.id,
                          OptionInput(name="300g", price_krw=8500, stock=0, track_stock=False), seller, stock_seen=0)
    db.session.expire_all()
    assert db.session.get(Product, on_sale.id).in_stock is True  # made to order: never sold out


def test_options_are_added_and_removed_but_never_the_last(app, seller, on_sale):
    added = editing.add_option(seller.enterprise_id, on_sale.id, OptionInput(name="500g", price_krw="6,000", stock=10),
                               seller)
    db.session.expire_all()
    assert db.session.get(Product, on_sale.id).price_krw == 6000
    editing.remove_option(seller.enterprise_id, on_sale.id, added.id, seller)
    db.session.expire_all()
    product = db.session.get(Product, on_sale.id)
    assert [v.name for v in product.variants] == ["300g"] and product.price_krw == 8500
    with pytest.raises(ListingError, match="옵션이 하나 이상"):
        editing.remove_option(seller.enterprise_id, on_sale.id, product.variants[0].id, seller)
    assert events(product)[-2:] == [ProductEventKind.OPTION_ADDED, ProductEventKind.OPTION_REMOVED]


def test_bulk_prices_replace_the_old_ones_and_must_be_cheaper(app, seller, on_sale):
    variant_id = on_sale.variants[0].id

    def tiers():
        db.session.expire_all()
        return [(t.min_qty, t.unit_price_krw) for t in db.session.get(Variant, variant_id).price_tiers]

    editing.set_price_tiers(seller.enterprise_id, on_sale.id, variant_id,
                            [("50", "7,500"), ("", ""), ("10", "8,000")], seller)
    assert tiers() == [(10, 8000), (50, 7500)]
    editing.set_price_tiers(seller.enterprise_id, on_sale.id, variant_id, [("10", "8,200")], seller)
    assert tiers() == [(10, 8200)]
    for rows, message in [
        ([("10", "8,500")], "판매가 8,500원보다 낮아야"),
        ([("10", "7,000"), ("50", "7,500")], "같거나 낮아야"),
        ([("10", "7,000"), ("10", "6,000")], "두 번"),
        ([("1", "7,000")], "2~"),
    ]:
        with pytest.raises(ListingInvalid, match=message):
            editing.set_price_tiers(seller.enterprise_id, on_sale.id, variant_id, rows, seller)
    assert tiers() == [(10, 8200)]
    editing.set_price_tiers(seller.enterprise_id, on_sale.id, variant_id, [("", "")], seller)
    assert tiers() == []


# --- images ------------------------------------------------------------------------------------------


def test_a_drafts_images_are_added_described_reordered_and_deleted_with_their_files(app, seller, jam_category):
    product = new_draft(seller, jam_category)
    editing.add_image(seller.enterprise_id, product.id, image_bytes("JPEG"), "잼을 바른 식빵", seller)
    db.session.expire_all()
    first, second = [i.path for i in db.session.get(Product, product.id).images]
    editing.move_image(seller.enterprise_id, product.id, second, -1, seller)
    editing.set_image_alt(seller.enterprise_id, product.id, first, "뚜껑을 연 딸기잼 병", seller)
    db.session.expire_all()
    images = db.session.get(Product, product.id).images
    assert [(i.path, i.alt, i.position) for i in images] == [
        (second, "잼을 바른 식빵", 0), (first, "뚜껑을 연 딸기잼 병", 1)]
    editing.delete_image(seller.enterprise_id, product.id, second, seller)
    assert not storage.exists(second) and not storage.exists(storage.thumbnail_path(second))
    with pytest.raises(ListingInvalid, match="설명"):
        editing.set_image_alt(seller.enterprise_id, product.id, first, " ", seller)
    with pytest.raises(ListingError, match="찾을 수 없습니다"):
        editing.delete_image(seller.enterprise_id, product.id, "products/not-there.webp", seller)


def test_an_approved_products_images_change_in_its_revision_and_live_files_stay(app, seller, on_sale):
    live = on_sale.images[0].path
    editing.add_image(seller.enterprise_id, on_sale.id, image_bytes("WEBP"), "선물 포장한 모습", seller)
    editing.delete_image(seller.enterprise_id, on_sale.id, live, seller)
    db.session.expire_all()
    product = db.session.get(Product, on_sale.id)
    assert [i.path for i in product.images] == [live]  # what shoppers see is unchanged
    assert [i.alt for i in product.revision.images] == ["선물 포장한 모습"]
    assert storage.exists(live)  # still on sale, so its file stays


def test_images_are_limited_in_number(app, seller, jam_category, monkeypatch):
    monkeypatch.setattr(editing, "MAX_IMAGES", 1)
    product = new_draft(seller, jam_category)
    before = set(storage.upload_root().rglob("*.webp"))
    with pytest.raises(ListingInvalid, match="1장까지"):
        editing.add_image(seller.enterprise_id, product.id, image_bytes("PNG"), "두 번째 사진", seller)
    assert set(storage.upload_root().rglob("*.webp")) == before  # the refused upload left no file


# --- duplicate ---------------------------------------------------------------------------------------


def test_duplicating_makes_a_draft_with_new_skus_no_stock_and_its_own_image_files(app, seller, on_sale):
    editing.set_price_tiers(seller.enterprise_id, on_sale.id, on_sale.variants[0].id, [("10", "8,000")], seller)
    copy = editing.duplicate_product(seller.enterprise_id, on_sale.id, seller)
    db.session.expire_all()
    copy, source = db.session.get(Product, copy.id), db.session.get(Product, on_sale.id)
    assert copy.status is ProductStatus.DRAFT and copy.name == "유기농 딸기잼 300g (복사본)"
    assert copy.slug != source.slug and copy.enterprise_id == seller.enterprise_id
    [variant] = copy.variants
    assert variant.sku != source.variants[0].sku and variant.stock == 0 and variant.price_krw == 8500
    assert [(t.min_qty, t.unit_price_krw) for t in variant.price_tiers] == [(10, 8000)]
    [image] = copy.images
    assert image.path != source.images[0].path and storage.exists(image.path)
    assert image.alt == source.images[0].alt
    editing.delete_image(seller.enterprise_id, copy.id, image.path, seller)
    assert storage.exists(source.images[0].path)  # the original keeps its picture


# --- scope -------------------------------------------------------------------------------------------


def test_another_enterprises_product_does_not_exist_for_an_enterprise(app, rival, on_sale):
    eid, pid, vid = rival.enterprise_id, on_sale.id, on_sale.variants[0].id
    path = on_sale.images[0].path
    attempts = [
        lambda: editing.update_details(eid, pid, details(on_sale.category, name="가로챈 이름"), rival),
        lambda: editing.add_option(eid, pid, OptionInput(price_krw=1000), rival),
        lambda: editing.update_option(eid, pid, vid, OptionInput(name="x", price_krw=1000, stock=0), rival,
                                      stock_seen=40),
        lambda: editing.remove_option(eid, pid, vid, rival),
        lambda: editing.set_price_tiers(eid, pid, vid, [("10", "100")], rival),
        lambda: editing.add_image(eid, pid, image_bytes("PNG"), "남의 상품 사진", rival),
        lambda: editing.set_image_alt(eid, pid, path, "바꾼 설명", rival),
        lambda: editing.move_image(eid, pid, path, 1, rival),
        lambda: editing.delete_image(eid, pid, path, rival),
        lambda: editing.duplicate_product(eid, pid, rival),
        lambda: review.submit_product(eid, pid, rival),
        lambda: review.hide_product(eid, pid, rival),
        lambda: review.submit_changes(eid, pid, rival),
        lambda: review.discard_changes(eid, pid, rival),
    ]
    for attempt in attempts:
        with pytest.raises(ProductNotFound):
            attempt()
    assert review.own_product(eid, pid) is None
    assert editing.list_products(eid).total == 0
    db.session.expire_all()
    product = db.session.get(Product, pid)
    assert (product.name, product.status, product.variants[0].price_krw, len(product.images)) == \
        ("유기농 딸기잼 300g", ProductStatus.ACTIVE, 8500, 1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 1


def test_the_list_filters_by_status_and_searches_name_and_sku(app, seller, rival, jam_category, on_sale):
    draft = editing.create_product(seller.enterprise_id, details(jam_category, name="블루베리잼"),
                                   OptionInput(price_krw=9000, sku="BLUE-1"), seller)
    editing.update_details(seller.enterprise_id, on_sale.id, details(jam_category, name="딸기잼 리뉴얼"), seller)
    new_draft(rival, jam_category, image=False, name="남의 딸기잼")
    eid = seller.enterprise_id
    assert {p.id for p in editing.list_products(eid).items} == {draft.id, on_sale.id}
    assert [p.id for p in editing.list_products(eid, status="draft").items] == [draft.id]
    assert [p.id for p in editing.list_products(eid, status="changes").items] == [on_sale.id]
    assert [p.id for p in editing.list_products(eid, q="blue").items] == [draft.id]
    assert [p.id for p in editing.list_products(eid, q="딸기").items] == [on_sale.id]
    assert editing.list_products(eid, q="100%").total == 0
    assert editing.status_counts(eid) == {"draft": 1, "active": 1, "changes": 1, "": 2}


def test_a_category_change_is_searchable_at_once(app, seller, on_sale, make_category):
    tea = make_category("유자차", parent=on_sale.category.parent)
    editing.update_details(seller.enterprise_id, on_sale.id, details(tea), seller)
    db.session.commit()
    assert on_sale.id in set(db.session.scalars(matching_ids("유자차")))


def test_editing_a_hidden_product_still_goes_through_review(app, seller, on_sale):
    review.hide_product(seller.enterprise_id, on_sale.id, seller)
    editing.update_details(seller.enterprise_id, on_sale.id, details(on_sale.category, name="숨긴 뒤 바꾼 이름"),
                           seller)
    review.show_product(seller.enterprise_id, on_sale.id, seller)
    db.session.expire_all()
    product = db.session.get(Product, on_sale.id)
    assert product.status is ProductStatus.ACTIVE and product.name == "유기농 딸기잼 300g"
    assert product.revision.name == "숨긴 뒤 바꾼 이름"

