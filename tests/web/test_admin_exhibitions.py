"""/admin/exhibitions: staff list exhibitions by phase, create and edit them, curate products and special
prices, publish. A refused form comes back with 400 and the Korean message next to its field, unknown ids
are 404s, and every change answers 303 with a note."""
from __future__ import annotations

import html as html_lib
import io
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.catalog.models import ProductStatus
from shop.core import storage
from shop.core.korea import kst_today
from shop.curation import editing
from shop.curation.models import Exhibition
from shop.extensions import db
from tests.conftest import signed_in
from tests.services.test_storage import image_bytes

TODAY = kst_today()
DAY = timedelta(days=1)


def page(response) -> str:
    """The page with entities decoded, so messages read as written (' rather than &#39;)."""
    return html_lib.unescape(response.get_data(as_text=True))


def error_of(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{re.escape(field)}-error">([^<]*)</p>', html)
    assert match, f"no error shown for {field}"
    return match.group(1)


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, name="센터담당")


@pytest.fixture
def staff(app, admin):
    """A signed-in staff browser and a CSRF token for its posts."""
    return signed_in(app, admin)


def form(**changes) -> dict:
    values = {"title": "마포구 공공구매 기획전", "organizer_type": "district", "organizer_name": "마포구",
              "kind": "public_procurement", "starts_on": (TODAY - DAY).isoformat(),
              "ends_on": (TODAY + 14 * DAY).isoformat(), "summary": "마포구 부서를 위한 기획전",
              "description": "마포의 사회적경제기업 제품을 모았습니다.", "banner_alt": ""}
    values.update(changes)
    return values


def only_exhibition() -> Exhibition:
    db.session.expire_all()
    return db.session.scalars(sa.select(Exhibition)).one()


@pytest.fixture
def draft(admin) -> Exhibition:
    """An unpublished exhibition made by staff, with no products yet."""
    return editing.create_exhibition(editing.ExhibitionDetails(**{k: v for k, v in form().items()}), admin)


def test_only_staff_get_in(app, client, make_user, draft):
    response = client.get("/admin/exhibitions")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    consumer, token = signed_in(app, make_user(Role.CONSUMER))
    assert consumer.get("/admin/exhibitions").status_code == 403
    assert consumer.get(f"/admin/exhibitions/{draft.id}").status_code == 403
    response = consumer.post(f"/admin/exhibitions/{draft.id}/publish", data={"csrf_token": token})
    assert response.status_code == 403


def test_the_list_shows_each_phase_and_whether_it_is_public_and_filters_by_phase(staff, make_exhibition):
    browser, _ = staff
    make_exhibition(title="진행 중인 공개 기획전")
    make_exhibition(title="곧 열 비공개 기획전", is_published=False, starts_on=TODAY + 3 * DAY, ends_on=TODAY + 9 * DAY)
    make_exhibition(title="끝난 기획전", starts_on=TODAY - 20 * DAY, ends_on=TODAY - DAY)
    html = page(browser.get("/admin/exhibitions"))
    assert "<h1>기획전 <span class=\"count\">3개</span></h1>" in html
    for title in ("진행 중인 공개 기획전", "곧 열 비공개 기획전", "끝난 기획전"):
        assert title in html
    assert 'badge-phase-ongoing">진행 중<' in html and 'badge-phase-upcoming">예정<' in html
    assert 'badge-phase-past">종료<' in html
    assert html.count('status-published">공개<') == 2 and html.count('status-unpublished">비공개<') == 1
    upcoming = page(browser.get("/admin/exhibitions?phase=upcoming"))
    assert "곧 열 비공개 기획전" in upcoming and "끝난 기획전" not in upcoming and "진행 중인 공개" not in upcoming
    assert 'aria-current="page">예정 <span class="chip-sub">1</span>' in upcoming
    past = page(browser.get("/admin/exhibitions?phase=past"))
    assert "끝난 기획전" in past and "곧 열" not in past
    assert "곧 열 비공개 기획전" in page(browser.get("/admin/exhibitions?phase=nonsense&page=x"))


def test_a_new_exhibition_is_refused_field_by_field_then_created(staff):
    browser, token = staff
    html = page(browser.get("/admin/exhibitions/new"))
    assert 'name="csrf_token"' in html and 'enctype="multipart/form-data"' in html
    response = browser.post("/admin/exhibitions/new", data={"csrf_token": token, **form(
        title="", organizer_name="강남", starts_on=(TODAY + 5 * DAY).isoformat(), ends_on=TODAY.isoformat())})
    assert response.status_code == 400
    html = page(response)
    assert error_of(html, "title") == "기획전 제목을 입력해 주세요."
    assert error_of(html, "organizer_name") == "주최 자치구를 '마포구'처럼 서울의 구 이름으로 입력해 주세요."
    assert error_of(html, "ends_on") == "종료일은 시작일과 같거나 그 뒤여야 합니다."
    assert 'aria-invalid="true"' in html and "고칠 항목 3개" in html
    assert 'value="강남"' in html  # what was typed stays
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Exhibition)) == 0

    response = browser.post("/admin/exhibitions/new", data={"csrf_token": token, **form()})
    exhibition = only_exhibition()
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/exhibitions/{exhibition.id}#items"
    html = page(browser.get(response.headers["Location"]))
    assert "'마포구 공공구매 기획전' 기획전을 만들었습니다." in html
    assert 'status-unpublished">비공개<' in html and "기획전 생성" in html


def test_posts_without_the_csrf_token_are_refused(staff, draft):
    browser, _ = staff
    assert browser.post("/admin/exhibitions/new", data=form(title="토큰 없음")).status_code == 400
    assert browser.post(f"/admin/exhibitions/{draft.id}/publish").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Exhibition)) == 1


def test_a_banner_is_uploaded_with_its_alt_text(staff):
    browser, token = staff
    upload = {"banner": (io.BytesIO(image_bytes("PNG", size=(1200, 400))), "banner.png", "image/png")}
    response = browser.post("/admin/exhibitions/new", data={"csrf_token": token, **form(), **upload},
                            content_type="multipart/form-data")
    assert response.status_code == 400
    assert "대체 텍스트" in error_of(page(response), "banner_alt")
    upload = {"banner": (io.BytesIO(b"not an image at all"), "banner.png", "image/png")}
    response = browser.post("/admin/exhibitions/new", data={"csrf_token": token, **form(banner_alt="배너"), **upload},
                            content_type="multipart/form-data")
    assert response.status_code == 400 and "JPG, PNG, WebP 이미지만" in error_of(page(response), "banner")
    upload = {"banner": (io.BytesIO(image_bytes("JPEG", size=(1200, 400))), "banner.jpg", "image/jpeg")}
    response = browser.post("/admin/exhibitions/new", content_type="multipart/form-data",
                            data={"csrf_token": token, **form(banner_alt="마포구 공공구매 기획전 배너"), **upload})
    assert response.status_code == 303
    exhibition = only_exhibition()
    assert exhibition.banner_path.endswith(".webp") and storage.exists(exhibition.banner_path)
    html = page(browser.get(f"/admin/exhibitions/{exhibition.id}"))
    assert 'alt="마포구 공공구매 기획전 배너"' in html and "지금 배너 이미지 지우기" in html


def test_the_details_are_edited_refused_and_saved(staff, draft):
    browser, token = staff
    url = f"/admin/exhibitions/{draft.id}"
    html = page(browser.get(url))
    assert 'value="마포구 공공구매 기획전"' in html and f'value="{(TODAY - DAY).isoformat()}"' in html
    response = browser.post(url, data={"csrf_token": token, **form(starts_on="3월 1일", kind="")})
    assert response.status_code == 400
    html = page(response)
    assert error_of(html, "starts_on") == "시작일은 2026-03-01처럼 연-월-일로 입력해 주세요."
    assert error_of(html, "kind") == "기획전 종류를 골라 주세요."
    response = browser.post(url, data={"csrf_token": token, **form(title="마포구 공공구매전")})
    assert response.status_code == 303 and response.headers["Location"] == url
    assert "기획전 정보를 저장했습니다." in page(browser.get(url))
    assert only_exhibition().title == "마포구 공공구매전"
    browser.post(url, data={"csrf_token": token, **form(title="마포구 공공구매전")})
    assert "바뀐 내용이 없습니다." in page(browser.get(url))


def test_unknown_ids_are_404s(staff, draft, make_product):
    browser, token = staff
    outside = make_product()
    assert browser.get("/admin/exhibitions/999").status_code == 404
    for path in ("/999", "/999/publish", "/999/unpublish", "/999/items", f"/999/items/{outside.id}/remove",
                 f"/999/items/{outside.id}/prices", f"/{draft.id}/items/{outside.id}/remove",
                 f"/{draft.id}/items/{outside.id}/prices"):
        response = browser.post("/admin/exhibitions" + path, data={"csrf_token": token, "product_id": outside.id})
        assert response.status_code == 404, path
    response = browser.post(f"/admin/exhibitions/{draft.id}/items/{outside.id}/move",
                            data={"csrf_token": token, "direction": "up"})
    assert response.status_code == 404
    response = browser.post(f"/admin/exhibitions/{draft.id}/items/{outside.id}/move",
                            data={"csrf_token": token, "direction": "sideways"})
    assert response.status_code == 400


def test_products_are_found_and_added_and_refused_with_a_message(staff, draft, make_product):
    browser, token = staff
    jam = make_product(name="딸기잼 300g")
    hidden = make_product(name="숨긴 딸기잼", status=ProductStatus.HIDDEN)
    url = f"/admin/exhibitions/{draft.id}"
    html = page(browser.get(url + "?q=딸기"))
    assert "딸기잼 300g" in html and "숨긴 딸기잼" not in html
    assert f'name="product_id" value="{jam.id}"' in html
    response = browser.post(url + "/items", data={"csrf_token": token, "product_id": str(jam.id)})
    assert response.status_code == 303 and response.headers["Location"] == f"{url}#item-{jam.id}"
    html = page(browser.get(url))
    assert "'딸기잼 300g'을(를) 기획전에 추가했습니다." in html and f'id="item-{jam.id}"' in html
    response = browser.post(url + "/items", data={"csrf_token": token, "product_id": str(hidden.id)})
    assert response.status_code == 400
    assert error_of(page(response), "product_id") == (
        "'숨긴 딸기잼'은(는) 장터에서 판매 중인 상품이 아니어서 기획전에 넣을 수 없습니다. (숨김)")
    response = browser.post(url + "/items", data={"csrf_token": token, "product_id": "딸기"})
    assert response.status_code == 400 and "상품 번호를 숫자로" in error_of(page(response), "product_id")


def test_special_prices_are_refused_at_or_above_the_regular_price_and_saved_below_it(staff, admin, draft,
                                                                                     make_product):
    browser, token = staff
    jam = make_product(name="딸기잼", variants=[("300g", 10_000, 5), ("600g", 18_000, 5)])
    small, large = jam.variants
    editing.add_product(draft.id, jam.id, admin)
    url = f"/admin/exhibitions/{draft.id}"
    html = page(browser.get(url))
    assert f'name="special_{small.id}"' in html and f'name="special_{large.id}"' in html
    response = browser.post(f"{url}/items/{jam.id}/prices",
                            data={"csrf_token": token, f"special_{small.id}": "10,000", f"special_{large.id}": "16000"})
    assert response.status_code == 400
    html = page(response)
    assert error_of(html, f"special-{small.id}") == (
        "'300g' 특가(10,000원)는 정가 10,000원보다 낮아야 합니다. 특가를 두지 않으려면 칸을 비워 두세요.")
    assert 'value="10,000"' in html and 'value="16000"' in html  # what was typed stays
    assert f'<a href="#special-{small.id}">\'300g\' 특가(10,000원)' in html  # the summary at the top links to it
    assert editing.special_prices_of(only_exhibition()) == {}
    response = browser.post(f"{url}/items/{jam.id}/prices",
                            data={"csrf_token": token, f"special_{small.id}": "9,000", f"special_{large.id}": ""})
    assert response.status_code == 303 and response.headers["Location"] == f"{url}#item-{jam.id}"
    html = page(browser.get(url))
    assert "'딸기잼'의 기획전 특가를 저장했습니다." in html
    assert f'name="special_{small.id}" value="9,000"' in html and "정가보다 10% 낮음" in html
    assert editing.special_prices_of(only_exhibition()) == {small.id: 9000}


def test_products_are_moved_and_removed(staff, admin, draft, make_product):
    browser, token = staff
    jam, tea = make_product(name="딸기잼"), make_product(name="매실청")
    for product in (jam, tea):
        editing.add_product(draft.id, product.id, admin)
    url = f"/admin/exhibitions/{draft.id}"
    response = browser.post(f"{url}/items/{tea.id}/move", data={"csrf_token": token, "direction": "up"})
    assert response.status_code == 303 and response.headers["Location"] == f"{url}#item-{tea.id}"
    assert [i.product_id for i in only_exhibition().items] == [tea.id, jam.id]
    browser.post(f"{url}/items/{tea.id}/move", data={"csrf_token": token, "direction": "up"})
    assert "이미 맨 앞(또는 맨 뒤)에 있는 상품입니다." in page(browser.get(url))
    response = browser.post(f"{url}/items/{tea.id}/remove", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == f"{url}#items"
    assert [i.product_id for i in only_exhibition().items] == [jam.id]
    assert "상품을 기획전에서 뺐습니다." in page(browser.get(url))


def test_publishing_needs_products_and_shows_the_exhibition_with_its_special_price(client, staff, admin, draft,
                                                                                    make_product):
    browser, token = staff
    url = f"/admin/exhibitions/{draft.id}"
    response = browser.post(f"{url}/publish", data={"csrf_token": token})
    assert response.status_code == 400
    assert '<a href="#publish">상품이 없는 기획전은 공개할 수 없습니다. 상품을 하나 이상 추가해 주세요.</a>' in page(response)
    jam = make_product(name="딸기잼", variants=[("300g", 10_000, 5)])
    editing.add_product(draft.id, jam.id, admin)
    editing.set_special_prices(draft.id, jam.id, {jam.variants[0].id: 8_000}, admin)
    storefront = "/exhibitions/" + quote(draft.slug)
    assert client.get(storefront).status_code == 404
    response = browser.post(f"{url}/publish", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == f"{url}#publish"
    assert "기획전을 공개했습니다." in page(browser.get(url))
    html = page(client.get(storefront))
    assert "마포구 공공구매 기획전" in html and "<del>10,000원</del>" in html and "8,000원" in html
    response = browser.post(f"{url}/items/{jam.id}/remove", data={"csrf_token": token})
    assert response.status_code == 400 and "공개 중인 기획전에는 상품이 하나 이상 있어야 합니다." in page(response)
    response = browser.post(f"{url}/unpublish", data={"csrf_token": token})
    assert response.status_code == 303
    assert client.get(storefront).status_code == 404


def test_the_edit_page_warns_about_products_shoppers_cannot_see(staff, admin, draft, make_product):
    browser, _ = staff
    jam = make_product(name="딸기잼")
    editing.add_product(draft.id, jam.id, admin)
    jam.status = ProductStatus.HIDDEN
    db.session.commit()
    html = page(browser.get(f"/admin/exhibitions/{draft.id}"))
    assert "장터에 안 보임 (숨김)" in html
