"""/console/products: an enterprise member lists, creates and edits the enterprise's products, options,
bulk prices and images, submits them for review, hides, shows and duplicates them; refusals come back
next to their field; nobody else can see or change any of it."""
from __future__ import annotations

import io
import re
from html import unescape

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.catalog import editing, review
from shop.catalog.models import Product, ProductStatus, RevisionStatus, Variant
from shop.core import storage
from shop.extensions import db
from shop.orders import stock
from tests.conftest import csrf_from
from tests.services.test_catalog_editing import details, new_draft
from tests.services.test_storage import image_bytes

LIST = "/console/products"


@pytest.fixture
def jam_category(make_category):
    return make_category("잼·청", parent=make_category("식품"))


@pytest.fixture
def seller(make_enterprise, make_user):
    return make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="햇살 베이커리 협동조합"))


@pytest.fixture
def staff(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def signed_in(login, seller):
    login(seller)
    return seller


@pytest.fixture
def on_sale(seller, staff, jam_category):
    product = new_draft(seller, jam_category)
    review.submit_product(seller.enterprise_id, product.id, seller)
    review.approve_product(product, staff)
    return db.session.get(Product, product.id)


def edit_url(product) -> str:
    return f"/console/products/{product.id}/edit"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def new_product_form(category, **changes) -> dict:
    data = {"category_id": str(category.id), "name": "유기농 딸기잼 300g", "summary": "양평 딸기로 끓인 잼",
            "description": "딸기와 설탕만 넣었습니다.", "tax_type": "taxable", "min_order_qty": "1",
            "lead_time_days": "3", "origin": "국내산(경기 양평)", "option_name": "300g", "price_krw": "8,500",
            "stock": "40", "sku": "", "track_stock": "y", "image_alt": "유리병에 담긴 딸기잼"}
    data.update(changes)
    return data


def post(client, page: str, url: str, data: dict, **kw):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, **kw)


def fresh(product) -> Product:
    db.session.expire_all()
    return db.session.get(Product, product.id)


# --- the list --------------------------------------------------------------------------------------


def test_the_list_shows_the_enterprises_own_products_by_status(app, client, signed_in, on_sale, jam_category,
                                                               make_enterprise, make_user):
    new_draft(signed_in, jam_category, name="블루베리잼 200g")
    other = make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="남의 협동조합"))
    new_draft(other, jam_category, name="남의 사과잼")
    page = text(client.get(LIST))
    assert "유기농 딸기잼 300g" in page and "블루베리잼 200g" in page and "남의 사과잼" not in page
    assert "판매 중" in page and "작성 중" in page
    drafts = text(client.get(LIST + "?status=draft"))
    assert "블루베리잼 200g" in drafts and "유기농 딸기잼 300g" not in drafts
    assert 'aria-current="page">작성 중' in drafts
    assert "블루베리잼" in text(client.get(LIST + "?q=블루베리")) and \
        "딸기잼 300g" not in text(client.get(LIST + "?q=블루베리"))
    assert client.get(LIST + "?status=nonsense&page=abc").status_code == 200


# --- creating --------------------------------------------------------------------------------------


def test_a_product_is_created_with_its_image_and_opens_for_editing(app, client, signed_in, jam_category):
    assert client.get("/console/products/new").status_code == 200
    data = new_product_form(jam_category, image=(io.BytesIO(image_bytes("JPEG")), "jam.jpg", "image/jpeg"))
    response = post(client, "/console/products/new", "/console/products/new", data,
                    content_type="multipart/form-data")
    assert response.status_code == 303
    product = db.session.scalars(sa.select(Product)).one()
    assert response.headers["Location"].endswith(edit_url(product))
    assert product.status is ProductStatus.DRAFT and product.enterprise_id == signed_in.enterprise_id
    assert product.variants[0].price_krw == 8500 and product.images[0].alt == "유리병에 담긴 딸기잼"
    assert storage.exists(product.images[0].path)
    page = text(client.get(edit_url(product)))
    assert "임시 저장했습니다" in page and "심사 요청" in page
    assert 'alt="유리병에 담긴 딸기잼"' in page


def test_a_refused_form_shows_each_message_next_to_its_field(app, client, signed_in, jam_category):
    data = new_product_form(jam_category, name="잼", price_krw="팔천원", category_id="")
    response = post(client, "/console/products/new", "/console/products/new", data)
    assert response.status_code == 400
    page = text(response)
    assert "상품명은(는) 2자 이상 입력해 주세요." in page
    assert "카테고리를 골라 주세요." in page
    assert re.search(r'id="price_krw"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="price_krw"', page)
    assert 'value="양평 딸기로 끓인 잼"' in page  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0


@pytest.mark.parametrize("upload, message", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG 파일은 올릴 수 없습니다"),
    (b"GIF89a" + b"\x00" * 100, "JPG, PNG, WebP 이미지만"),
])
def test_an_image_that_is_not_a_picture_we_take_is_refused_with_a_clear_message(app, client, signed_in,
                                                                                 jam_category, upload, message):
    data = new_product_form(jam_category, image=(io.BytesIO(upload), "jam.png", "image/png"))
    response = post(client, "/console/products/new", "/console/products/new", data,
                    content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0


def test_the_preview_shows_the_sanitised_description_and_saves_nothing(app, client, signed_in, jam_category):
    data = new_product_form(jam_category, action="preview",
                            description='<h3>맛</h3><p onclick="steal()">새콤달콤</p><script>alert(1)</script>')
    response = post(client, "/console/products/new", "/console/products/new", data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    preview = page[page.index('id="preview"'):]
    assert "<h3>맛</h3><p>새콤달콤</p>" in preview
    assert "<script>alert(1)</script>" not in page and 'onclick="steal()"' not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0


# --- review from the console -----------------------------------------------------------------------


def test_a_draft_is_submitted_and_withdrawn(app, client, signed_in, jam_category):
    product = new_draft(signed_in, jam_category)
    response = post(client, edit_url(product), f"/console/products/{product.id}/submit", {}, follow_redirects=True)
    assert "심사를 요청했습니다" in text(response)
    assert fresh(product).status is ProductStatus.PENDING_REVIEW
    assert "심사 대기 중에는 기본 정보와 이미지를 바꿀 수 없습니다" in text(response)
    response = post(client, edit_url(product), edit_url(product), new_product_form(jam_category, name="바꾼 이름"))
    assert response.status_code == 400 and "심사 요청을 취소한 뒤" in text(response)
    post(client, edit_url(product), f"/console/products/{product.id}/withdraw", {})
    assert fresh(product).status is ProductStatus.DRAFT


def test_a_draft_without_an_image_is_not_submitted(app, client, signed_in, jam_category):
    product = new_draft(signed_in, jam_category, image=False)
    response = post(client, edit_url(product), f"/console/products/{product.id}/submit", {}, follow_redirects=True)
    assert "이미지를 한 장 이상" in text(response)
    assert fresh(product).status is ProductStatus.DRAFT


def test_a_selling_products_new_name_waits_for_review_and_the_shop_keeps_the_old(app, client, signed_in, on_sale):
    form = {**new_product_form(on_sale.category), "name": "설탕 줄인 딸기잼", "lead_time_days": "5"}
    response = post(client, edit_url(on_sale), edit_url(on_sale), form, follow_redirects=True)
    page = text(response)
    assert "변경을 저장했습니다" in page and "나머지 정보는 바로 반영했습니다" in page
    assert "심사 전 변경사항이 있습니다" in page and 'value="설탕 줄인 딸기잼"' in page
    assert "유기농 딸기잼 300g" in text(client.get(f"/products/{on_sale.slug}"))
    assert fresh(on_sale).lead_time_days == 5
    post(client, edit_url(on_sale), f"/console/products/{on_sale.id}/submit", {})
    assert fresh(on_sale).revision.status is RevisionStatus.PENDING
    assert 'readonly' in text(client.get(edit_url(on_sale)))


def test_the_staffs_reasons_are_shown_to_the_enterprise(app, client, signed_in, staff, jam_category, on_sale):
    draft = new_draft(signed_in, jam_category, name="반려될 잼")
    review.submit_product(signed_in.enterprise_id, draft.id, signed_in)
    review.reject_product(draft, staff, "유통기한 표시 사진을 추가해 주세요.")
    page = text(client.get(edit_url(draft)))
    assert "지원센터가 심사를 반려했습니다" in page and "유통기한 표시 사진을 추가해 주세요." in page
    assert "반려됨" in text(client.get(LIST))
    editing.update_details(signed_in.enterprise_id, on_sale.id, details(on_sale.category, name="최고의 잼"), signed_in)
    review.submit_changes(signed_in.enterprise_id, on_sale.id, signed_in)
    review.reject_changes(on_sale, staff, "'최고의' 같은 비교 표현은 쓸 수 없습니다.")
    page = text(client.get(edit_url(on_sale)))
    assert "변경사항이 반려되었습니다" in page and "'최고의' 같은 비교 표현은 쓸 수 없습니다." in page
    assert "변경 반려" in text(client.get(LIST + "?status=changes"))


# --- options, prices, stock ------------------------------------------------------------------------


def option_form(variant, **changes) -> dict:
    data = {"option_name": variant.name, "price_krw": f"{variant.price_krw:,}", "sku": variant.sku,
            "stock": str(variant.stock), "stock_seen": str(variant.stock), "track_stock": "y"}
    data.update(changes)
    return data


def test_price_and_stock_apply_at_once_and_a_stale_stock_figure_is_refused(app, client, signed_in, on_sale):
    variant = on_sale.variants[0]
    url = f"/console/products/{on_sale.id}/options/{variant.id}"
    response = post(client, edit_url(on_sale), url, option_form(variant, price_krw="7,900", stock="60"),
                    follow_redirects=True)
    assert "가격과 재고는 바로 반영됩니다" in text(response)
    db.session.expire_all()
    assert (db.session.get(Variant, variant.id).price_krw, db.session.get(Variant, variant.id).stock) == (7900, 60)
    assert "7,900원" in text(client.get(f"/products/{on_sale.slug}"))

    stock.take(variant.id, 2, variant.product_id)  # sold while the enterprise had the page open showing 60
    db.session.commit()
    response = post(client, edit_url(on_sale), url, option_form(variant, stock="80", stock_seen="60"),
                    follow_redirects=True)
    assert "재고가 58개로 바뀌었습니다" in text(response)
    db.session.expire_all()
    assert db.session.get(Variant, variant.id).stock == 58


def test_options_are_added_with_errors_by_their_fields_and_removed(app, client, signed_in, on_sale):
    url = f"/console/products/{on_sale.id}/options"
    response = post(client, edit_url(on_sale), url, {"new-option_name": "1kg", "new-price_krw": "0",
                                                     "new-stock": "5", "new-track_stock": "y"})
    assert response.status_code == 400 and "판매가은(는) 1~100,000,000원 사이" in text(response)
    response = post(client, edit_url(on_sale), url, {"new-option_name": "1kg", "new-price_krw": "24,000",
                                                     "new-stock": "5", "new-track_stock": "y"})
    assert response.status_code == 303
    added = db.session.scalar(sa.select(Variant).where(Variant.name == "1kg"))
    assert (added.price_krw, added.stock, added.track_stock) == (24000, 5, True)
    post(client, edit_url(on_sale), f"{url}/{added.id}/delete", {})
    assert [v.name for v in fresh(on_sale).variants] == ["300g"]
    response = post(client, edit_url(on_sale), f"{url}/{on_sale.variants[0].id}/delete", {}, follow_redirects=True)
    assert "옵션이 하나 이상" in text(response)


def test_bulk_prices_are_saved_from_the_option_card(app, client, signed_in, on_sale):
    variant = on_sale.variants[0]
    url = f"/console/products/{on_sale.id}/options/{variant.id}/tiers"
    data = {"tier_qty": ["10", "50", ""], "tier_price": ["8,000", "7,500", ""]}
    response = post(client, edit_url(on_sale), url, data, follow_redirects=True)
    assert "대량 구매가를 저장했습니다" in text(response)
    db.session.expire_all()
    assert [(t.min_qty, t.unit_price_krw) for t in db.session.get(Variant, variant.id).price_tiers] == \
        [(10, 8000), (50, 7500)]
    response = post(client, edit_url(on_sale), url, {"tier_qty": ["10"], "tier_price": ["9,000"]},
                    follow_redirects=True)
    assert "판매가 8,500원보다 낮아야" in text(response)


# --- images ----------------------------------------------------------------------------------------


def test_images_are_uploaded_described_moved_and_deleted(app, client, signed_in, jam_category):
    product = new_draft(signed_in, jam_category)
    upload = {"upload-image": (io.BytesIO(image_bytes("PNG")), "side.png"), "upload-image_alt": "옆에서 본 병"}
    response = post(client, edit_url(product), f"/console/products/{product.id}/images", upload,
                    content_type="multipart/form-data")
    assert response.status_code == 303
    first, second = [i.path for i in fresh(product).images]
    post(client, edit_url(product), f"/console/products/{product.id}/images/move", {"image": second, "direction": "up"})
    post(client, edit_url(product), f"/console/products/{product.id}/images/alt", {"image": first, "alt": "정면 사진"})
    assert [(i.path, i.alt) for i in fresh(product).images] == [(second, "옆에서 본 병"), (first, "정면 사진")]
    post(client, edit_url(product), f"/console/products/{product.id}/images/delete", {"image": first})
    assert [i.path for i in fresh(product).images] == [second] and not storage.exists(first)

    response = post(client, edit_url(product), f"/console/products/{product.id}/images",
                    {"upload-image": (io.BytesIO(image_bytes("PNG")), "x.png"), "upload-image_alt": ""},
                    content_type="multipart/form-data")
    assert response.status_code == 400 and "이미지 설명(대체 텍스트)을(를) 2자 이상" not in text(response)
    assert "이미지 설명(대체 텍스트)은(는) 2자 이상 입력해 주세요." in text(response)


# --- visibility and copies -------------------------------------------------------------------------


def test_hide_show_and_duplicate(app, client, signed_in, on_sale):
    post(client, edit_url(on_sale), f"/console/products/{on_sale.id}/hide", {})
    assert fresh(on_sale).status is ProductStatus.HIDDEN
    assert client.get(f"/products/{on_sale.slug}").status_code == 404
    post(client, edit_url(on_sale), f"/console/products/{on_sale.id}/show", {})
    assert fresh(on_sale).status is ProductStatus.ACTIVE
    response = post(client, edit_url(on_sale), f"/console/products/{on_sale.id}/duplicate", {})
    copy = db.session.scalar(sa.select(Product).where(Product.id != on_sale.id))
    assert response.headers["Location"].endswith(edit_url(copy))
    assert copy.status is ProductStatus.DRAFT and copy.name.endswith("(복사본)")


def test_every_form_needs_its_csrf_token(app, client, signed_in, on_sale):
    response = client.post(f"/console/products/{on_sale.id}/hide")
    assert response.status_code == 400
    assert fresh(on_sale).status is ProductStatus.ACTIVE


# --- nobody else -----------------------------------------------------------------------------------


def product_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.rule.startswith("/console/products")),
                  key=lambda r: r.rule)


def snapshot(product_id: int):
    db.session.expire_all()
    product = db.session.get(Product, product_id)
    revision = product.revision
    return (product.name, product.status, product.lead_time_days,
            [(v.id, v.name, v.price_krw, v.stock, [(t.min_qty, t.unit_price_krw) for t in v.price_tiers])
             for v in product.variants],
            [(i.path, i.alt, i.position) for i in product.images],
            (revision.status, revision.name, [(i.path, i.alt) for i in revision.images]) if revision else None)


def test_every_products_url_is_refused_to_everyone_else(app, seller, on_sale, make_user, make_enterprise,
                                                        make_institution):
    editing.update_details(seller.enterprise_id, on_sale.id, details(on_sale.category, name="비밀 신상품명"), seller)
    values = {"product_id": on_sale.id, "variant_id": on_sale.variants[0].id}
    strangers = {
        "other enterprise": make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="다른 협동조합")),
        "consumer": make_user(Role.CONSUMER),
        "institution buyer": make_user(Role.INSTITUTION, institution=make_institution(), membership_approved=True),
        "anonymous": None,
    }
    form = {**new_product_form(on_sale.category, name="침입자의 상품", summary="침입자의 요약"),
            "image": on_sale.images[0].path, "alt": "가로챈 설명", "direction": "down", "tier_qty": "10",
            "tier_price": "1", "stock_seen": "40", "new-option_name": "침입", "new-price_krw": "1",
            "upload-image_alt": "침입"}
    secrets = ("비밀 신상품명", on_sale.slug, on_sale.variants[0].sku, on_sale.images[0].path, "양평 딸기로 끓인 잼")
    before = snapshot(on_sale.id)
    tried = 0
    for who, user in strangers.items():
        with app.app_context():  # each stranger's requests get their own `g` (signed-in user, CSRF token)
            browser = app.test_client()
            if user is not None:
                token = csrf_from(browser.get("/login").get_data(as_text=True))
                browser.post("/login", data={"email": user.email, "password": "correct-horse-42", "csrf_token": token})
            token = csrf_from(browser.get("/login" if user is None else "/cart").get_data(as_text=True))
            for rule in product_rules(app):
                url = re.sub(r"<(?:int:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    response = browser.open(url, method=method, data={**form, "csrf_token": token})
                    tried += 1
                    where = f"{who} {method} {url}"
                    body = response.get_data(as_text=True)
                    if user is None:
                        assert response.status_code == 302 and "/login" in response.headers["Location"], where
                    elif who != "other enterprise":
                        assert response.status_code == 403, where
                    elif "<" in rule.rule:
                        assert response.status_code == 404, where
                    else:  # their own list or new-product form, without a trace of A's product
                        assert response.status_code in (200, 303, 400), where
                        for secret in secrets:
                            assert secret not in body, where
        assert snapshot(on_sale.id) == before, who
    assert tried >= 4 * len(product_rules(app))
    # the other enterprise's POST to /console/products/new made a product of its own, never A's
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product).where(
        Product.enterprise_id == seller.enterprise_id)) == 1
