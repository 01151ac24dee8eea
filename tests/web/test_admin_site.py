"""Staff at /admin/categories and /admin/settings: the tree with counts, adding, renaming, moving and
deleting categories (refusals are 400 with the reason, successes 303 with a message, unknown ids 404);
the operator's details and policy texts, which the footer of every page and the policy pages show on
the very next request, on any worker."""
from __future__ import annotations

import re
import uuid
from contextlib import contextmanager
from html import unescape

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.audit.models import AuditEntry
from shop.catalog.models import Category
from shop.extensions import db
from shop.site.models import SiteSetting
from tests.conftest import csrf_from, make_test_app, signed_in


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", unescape(response.get_data(as_text=True))).split())


def footer(response) -> str:
    html = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", unescape(html[html.index("<footer"):])).split())


@pytest.fixture
def staff(make_user):
    return make_user(Role.ADMIN, name="운영담당")


@contextmanager
def browsing_as(app, user):
    """A signed-in browser and a CSRF token, in an app context of its own (so `g` holds this user)."""
    with app.app_context():
        yield signed_in(app, user)


@pytest.fixture
def tree(make_category, make_product):
    food = make_category("식품", slug="food", position=0)
    office = make_category("사무용품", slug="office", position=1)
    coffee = make_category("커피·차", parent=food, slug="coffee", position=0)
    jam = make_category("잼·청", parent=food, slug="jam", position=1)
    make_product(category=jam)
    return {"food": food.id, "office": office.id, "coffee": coffee.id, "jam": jam.id}


def category(category_id: int) -> Category | None:
    db.session.expire_all()
    return db.session.get(Category, category_id)


def children_of(category_id: int) -> list[str]:
    db.session.expire_all()
    return [c.name for c in db.session.scalars(
        sa.select(Category).where(Category.parent_id == category_id).order_by(Category.position))]


# --- categories -------------------------------------------------------------------------------------


def test_staff_see_the_tree_with_product_counts(app, staff, tree):
    with browsing_as(app, staff) as (browser, _):
        page = browser.get("/admin/categories")
    assert page.status_code == 200
    text = words(page)
    text = text[text.index("카테고리 목록"):]
    assert "최상위 2개 · 하위 2개" in text
    assert text.index("식품") < text.index("커피·차") < text.index("잼·청") < text.index("사무용품")
    assert "상품 0개 · 하위 포함 1개" in text and "상품 1개" in text
    assert 'aria-current="page">카테고리·설정' in page.get_data(as_text=True)


def test_staff_add_a_sub_category_and_a_top_category(app, staff, tree):
    with browsing_as(app, staff) as (browser, token):
        added = browser.post("/admin/categories", data={"csrf_token": token, "name": "꿀", "parent_id": tree["food"]})
        assert added.status_code == 303 and added.headers["Location"].startswith("/admin/categories#category-")
        listing = browser.get("/admin/categories")
        assert "'식품 > 꿀' 카테고리를 추가했습니다" in words(listing)
        top = browser.post("/admin/categories", data={"csrf_token": token, "name": "생활용품", "parent_id": ""})
        assert top.status_code == 303
    assert children_of(tree["food"]) == ["커피·차", "잼·청", "꿀"]
    made = db.session.scalars(sa.select(Category).where(Category.name == "생활용품")).one()
    assert made.parent_id is None and made.position == 2
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.subject_id == made.id)).one()
    assert entry.action == "category.saved" and entry.actor_id == staff.id


@pytest.mark.parametrize("data, message", [
    ({"name": "  ", "parent_id": ""}, "카테고리 이름을 입력해 주세요"),
    ({"name": "가" * 51, "parent_id": ""}, "50자 이하"),
    ({"name": "커피·차", "parent_id": "FOOD"}, "같은 이름의 카테고리"),
    ({"name": "원두", "parent_id": "COFFEE"}, "2단계까지만"),
    ({"name": "원두", "parent_id": "abc"}, "위치를 목록에서 골라 주세요"),
    ({"name": "원두", "parent_id": "987654"}, "상위 카테고리를 찾을 수 없습니다"),
])
def test_a_refused_addition_is_a_400_with_the_reason(app, staff, tree, data, message):
    data = {k: str(tree[v.lower()]) if v in ("FOOD", "COFFEE") else v for k, v in data.items()}
    with browsing_as(app, staff) as (browser, token):
        refused = browser.post("/admin/categories", data={"csrf_token": token, **data})
    assert refused.status_code == 400
    assert message in words(refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Category)) == 4


def test_staff_rename_a_category(app, staff, tree):
    with browsing_as(app, staff) as (browser, token):
        page = browser.get(f"/admin/categories/{tree['coffee']}")
        assert page.status_code == 200 and "이름 바꾸기" in words(page) and "/categories/coffee" in words(page)
        done = browser.post(f"/admin/categories/{tree['coffee']}", data={"csrf_token": token, "name": "커피·티"})
        assert done.status_code == 303
        assert "카테고리 이름을 '커피·티'(으)로 바꿨습니다" in words(browser.get(done.headers["Location"]))
        refused = browser.post(f"/admin/categories/{tree['coffee']}", data={"csrf_token": token, "name": "잼·청"})
        assert refused.status_code == 400 and "같은 이름의 카테고리 '잼·청'이(가) 이미 있습니다" in words(refused)
        history = words(browser.get(f"/admin/categories/{tree['coffee']}"))
        assert "이름 변경" in history and "이름: 커피·차" in history
    assert category(tree["coffee"]).name == "커피·티" and category(tree["coffee"]).slug == "coffee"


def test_staff_move_categories_up_and_down(app, staff, tree):
    with browsing_as(app, staff) as (browser, token):
        moved = browser.post(f"/admin/categories/{tree['jam']}/move", data={"csrf_token": token, "direction": "up"})
        assert moved.status_code == 303 and moved.headers["Location"].endswith(f"#category-{tree['jam']}")
        assert "'잼·청'을(를) 위로 옮겼습니다" in words(browser.get("/admin/categories"))
        assert children_of(tree["food"]) == ["잼·청", "커피·차"]
        edge = browser.post(f"/admin/categories/{tree['jam']}/move", data={"csrf_token": token, "direction": "up"})
        assert edge.status_code == 400 and "이미 맨 위에 있습니다" in words(edge)
        wrong = browser.post(f"/admin/categories/{tree['jam']}/move", data={"csrf_token": token, "direction": "left"})
        assert wrong.status_code == 400 and "이동 방향이 올바르지 않습니다" in words(wrong)
        down = browser.post(f"/admin/categories/{tree['food']}/move", data={"csrf_token": token, "direction": "down"})
        assert down.status_code == 303
    assert category(tree["office"]).position == 0 and category(tree["food"]).position == 1


def test_a_category_with_products_cannot_be_deleted(app, staff, tree):
    with browsing_as(app, staff) as (browser, token):
        page = words(browser.get(f"/admin/categories/{tree['jam']}"))
        assert "상품 1개가 있어 삭제할 수 없습니다" in page and "카테고리 삭제" not in page
        refused = browser.post(f"/admin/categories/{tree['jam']}/delete", data={"csrf_token": token})
        assert refused.status_code == 400
        assert "'잼·청'에 상품 1개가 있어 삭제할 수 없습니다. 상품을 다른 카테고리로 옮긴 뒤 삭제해 주세요." in words(refused)
        parent = browser.post(f"/admin/categories/{tree['food']}/delete", data={"csrf_token": token})
        assert parent.status_code == 400 and "하위 카테고리 2개가 있어 삭제할 수 없습니다" in words(parent)
    assert category(tree["jam"]) is not None and category(tree["food"]) is not None


def test_staff_delete_an_unused_category(app, staff, tree):
    with browsing_as(app, staff) as (browser, token):
        assert "카테고리 삭제" in words(browser.get(f"/admin/categories/{tree['coffee']}"))
        done = browser.post(f"/admin/categories/{tree['coffee']}/delete", data={"csrf_token": token})
        assert done.status_code == 303 and done.headers["Location"] == "/admin/categories"
        assert "'식품 > 커피·차' 카테고리를 삭제했습니다" in words(browser.get("/admin/categories"))
    assert category(tree["coffee"]) is None and category(tree["jam"]).position == 0


def test_unknown_categories_are_404(app, staff, tree):
    with browsing_as(app, staff) as (browser, token):
        assert browser.get("/admin/categories/999999").status_code == 404
        assert browser.post("/admin/categories/999999", data={"csrf_token": token, "name": "x"}).status_code == 404
        for action in ("move", "delete"):
            response = browser.post(f"/admin/categories/999999/{action}", data={"csrf_token": token,
                                                                                 "direction": "up"})
            assert response.status_code == 404, action


def test_posts_without_the_csrf_token_are_refused(app, staff, tree):
    with browsing_as(app, staff) as (browser, _):
        assert browser.post("/admin/categories", data={"name": "꿀", "parent_id": ""}).status_code == 400
        assert browser.post(f"/admin/categories/{tree['coffee']}/delete").status_code == 400
        assert browser.post("/admin/settings", data={"phone": "02-999-9999"}).status_code == 400
    assert category(tree["coffee"]) is not None and db.session.scalar(sa.select(sa.func.count(SiteSetting.key))) == 0


def test_only_staff_may_edit(app, tree, make_user):
    with browsing_as(app, make_user(Role.CONSUMER)) as (browser, token):
        assert browser.get("/admin/categories").status_code == 403
        assert browser.get("/admin/settings").status_code == 403
        assert browser.post(f"/admin/categories/{tree['coffee']}/delete",
                            data={"csrf_token": token}).status_code == 403
    assert category(tree["coffee"]) is not None


def test_a_new_sub_category_is_offered_to_enterprises_at_once(app, staff, tree, make_enterprise, make_user):
    with browsing_as(app, staff) as (browser, token):
        browser.post("/admin/categories", data={"csrf_token": token, "name": "꿀·조청", "parent_id": tree["food"]})
    seller = make_user(Role.ENTERPRISE, enterprise=make_enterprise(), enterprise_owner=True)
    with browsing_as(app, seller) as (browser, _):
        form = browser.get("/console/products/new").get_data(as_text=True)
    assert "꿀·조청" in form


# --- settings ---------------------------------------------------------------------------------------


def settings_form(browser) -> dict[str, str]:
    """Every field of the settings form as the page shows it, with its CSRF token."""
    html = browser.get("/admin/settings").get_data(as_text=True)
    values = {name: unescape(value) for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html)}
    for name, text in re.findall(r'<textarea[^>]*name="(\w+)"[^>]*>(.*?)</textarea>', html, re.DOTALL):
        values[name] = unescape(text).lstrip("\r\n")
    values["csrf_token"] = csrf_from(html)
    return values


def test_the_form_shows_the_operator_details_as_they_are_now(app, staff):
    with browsing_as(app, staff) as (browser, _):
        form = settings_form(browser)
    for key, value in app.config["OPERATOR"].items():
        assert form[key] == value, key
    assert form["policy_terms"] == form["policy_privacy"] == form["policy_withdrawal"] == ""


def test_saved_details_show_in_every_footer_and_policy_page_at_once(app, staff, client):
    with browsing_as(app, staff) as (browser, _):
        form = settings_form(browser)
        form.update(phone="1600-1234", email="Help@Hamkke.Seoul.kr", name="(사)함께장터 협동조합",
                    policy_terms="<h3>제1조 (목적)</h3><p>새로 고친 약관: 통신판매중개자 고지를 포함합니다.</p>"
                                 "<script>alert(1)</script>")
        saved = browser.post("/admin/settings", data=form)
        assert saved.status_code == 303 and saved.headers["Location"] == "/admin/settings"
        shown = browser.get("/admin/settings")
        assert "사이트 설정을 저장했습니다 (상호, 고객센터 전화번호, 고객센터 이메일, 이용약관)" in words(shown)
        assert "1600-1234" in footer(shown)

    for url in ("/", "/about", "/terms", "/privacy", "/withdrawal", "/categories", "/no-such-page"):
        bottom = footer(client.get(url))
        assert "고객센터: 1600-1234 · help@hamkke.seoul.kr" in bottom, url
        assert "상호: (사)함께장터 협동조합" in bottom, url
    terms = client.get("/terms")
    body = terms.get_data(as_text=True).split("<footer")[0]
    assert "<h1>함께장터 이용약관</h1>" in body and "새로 고친 약관" in body and "alert(1)" not in body
    assert "제11조 (재판권 및 준거법)" not in body  # the built-in text gives way
    privacy = client.get("/privacy").get_data(as_text=True).split("<footer")[0]
    assert "보유 및 이용 기간" in privacy and "1600-1234" in privacy  # built-in text, new phone


def test_another_worker_shows_the_saved_values_on_its_next_request(app, staff):
    """Two apps stand for two gunicorn workers: their own engines, connections and processes' memory;
    the database and the Redis cache are what they share, as in production."""
    shared = {"CACHE_REDIS_URL": "redis://127.0.0.1:6379/0", "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:"}
    saving_worker, other_worker = make_test_app(**shared), make_test_app(**shared)
    before = footer(other_worker.test_client().get("/"))  # read, and now cached
    assert app.config["OPERATOR"]["phone"] in before
    with browsing_as(saving_worker, staff) as (browser, _):
        form = settings_form(browser)
        form["phone"] = "02-6000-7000"
        assert browser.post("/admin/settings", data=form).status_code == 303
    assert "02-6000-7000" in footer(other_worker.test_client().get("/"))
    for worker in (saving_worker, other_worker):
        with worker.app_context():
            db.session.remove()
            db.engine.dispose()


def test_wrong_details_are_a_400_with_every_message_and_nothing_is_saved(app, staff):
    with browsing_as(app, staff) as (browser, _):
        form = settings_form(browser)
        form.update(phone="12-34", business_number="123-45-67890", email="not-an-email", hosting="바뀌면 안 됨",
                    policy_withdrawal="가" * 50_001)
        refused = browser.post("/admin/settings", data=form)
    assert refused.status_code == 400
    text = words(refused)
    for message in ("올바른 전화번호를 입력해 주세요", "올바른 사업자등록번호가 아닙니다", "올바른 이메일 주소를 입력해 주세요",
                    "50,000자 이하로 입력해 주세요"):
        assert message in text, message
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SiteSetting.key))) == 0


def test_saving_unchanged_settings_writes_nothing(app, staff):
    with browsing_as(app, staff) as (browser, _):
        done = browser.post("/admin/settings", data=settings_form(browser), follow_redirects=True)
    assert "바뀐 내용이 없습니다" in words(done)
    assert db.session.scalar(sa.select(sa.func.count(SiteSetting.key))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


def test_the_settings_history_keeps_lengths_not_policy_texts(app, staff):
    secret_phrase = "이 문장은 감사 로그에 남지 않아야 합니다"
    with browsing_as(app, staff) as (browser, _):
        form = settings_form(browser)
        form["policy_privacy"] = f"<p>{secret_phrase}</p>"
        browser.post("/admin/settings", data=form)
        page = words(browser.get("/admin/settings"))
        log = words(browser.get("/admin/audit?subject=settings"))
    assert "사이트 설정 변경" in log and "개인정보처리방침: 기본 문구" in log and "sha256" in log
    assert secret_phrase not in log
    assert "sha256" in page  # the recent history on the settings page
