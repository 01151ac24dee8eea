"""/console/stock: the quick table, the low-stock list, the CSV export, the import's preview and apply —
and that nobody but the enterprise's own members sees or changes any of it."""
from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest

from shop.accounts.models import Role, User
from shop.catalog.models import Variant
from shop.extensions import db
from shop.orders import services as orders
from tests.conftest import csrf_from
from tests.services.order_helpers import SEOUL, TODAY, new_key
from tests.services.test_stock_sheet import csv_file, row

PASSWORD = "correct-horse-42"


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def signed_in(app, user: User | None):
    """A client of its own, signed in as `user` (anonymous for None), with a CSRF token at hand."""
    client = app.test_client()
    if user is not None:
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
        assert response.status_code in (302, 303)
        client.csrf = csrf_from(client.get("/cart").get_data(as_text=True))
    else:
        client.csrf = csrf_from(client.get("/login").get_data(as_text=True))
    return client


def stock_of(variant_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Variant, variant_id).stock


def price_of(variant_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Variant, variant_id).price_krw


@pytest.fixture
def scene(app, make_enterprise, make_product, make_user, make_institution):
    ours = make_enterprise(name="마포 두레 협동조합")
    theirs = make_enterprise(name="성수 비누 공방")
    rice = make_product(name="유기농 현미", enterprise=ours, variants=[("1kg", 12_000, 10), ("4kg", 42_000, 3)])
    tea = make_product(name="유자차", enterprise=ours, variants=[("기본", 9_000, 20)])
    soap = make_product(name="천연 비누", enterprise=theirs, variants=[("기본", 7_000, 2)])

    class Scene:
        pass

    s = Scene()
    s.rice1, s.rice4 = rice.variants
    s.tea = tea.variants[0]
    s.soap = soap.variants[0]
    s.member = make_user(Role.ENTERPRISE, enterprise=ours, name="김두레")
    s.other_member = make_user(Role.ENTERPRISE, enterprise=theirs, name="박비누")
    s.consumer = make_user(Role.CONSUMER)
    s.buyer = make_user(Role.INSTITUTION, institution=make_institution(), membership_approved=True)
    s.client = signed_in(app, s.member)
    return s


def upload(client, data: bytes, filename: str = "재고.csv"):
    return client.post("/console/stock/import", data={"csrf_token": client.csrf, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def plan_of(html: str) -> str:
    match = re.search(r'name="plan" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="plan" name="plan" type="hidden" value="([^"]+)"', html)
    assert match, "the preview has no apply form"
    return match.group(1)


def apply(client, plan: str):
    return client.post("/console/stock/import/apply", data={"csrf_token": client.csrf, "plan": plan})


# --- the quick table and the low-stock list -------------------------------------------------------------


def test_the_stock_table_shows_own_options_with_the_stock_they_showed(scene):
    html = text_of(scene.client.get("/console/stock"))

    assert "재고 관리" in html and 'aria-current="page">재고</a>' in html
    for variant in (scene.rice1, scene.rice4, scene.tea):
        assert variant.sku in html
        assert f'name="expected_{variant.id}" value="{variant.stock}"' in html
    assert scene.soap.sku not in html and "천연 비누" not in html


def test_the_table_searches(scene):
    html = text_of(scene.client.get("/console/stock?q=유자"))

    assert scene.tea.sku in html and scene.rice1.sku not in html
    assert "'유자' 검색 결과" in html


def test_saving_the_table_sets_the_stock_of_changed_rows(scene):
    response = scene.client.post("/console/stock", data={
        "csrf_token": scene.client.csrf, "back": "table", "page": "1",
        f"expected_{scene.rice1.id}": "10", f"stock_{scene.rice1.id}": "25",
        f"expected_{scene.tea.id}": "20", f"stock_{scene.tea.id}": "20",
    })

    assert response.status_code == 303 and response.headers["Location"].endswith("/console/stock?page=1")
    assert stock_of(scene.rice1.id) == 25 and stock_of(scene.tea.id) == 20
    assert "1개 옵션의 재고를 저장했습니다" in text_of(scene.client.get("/console/stock"))


def test_an_order_placed_while_the_table_was_open_is_not_overwritten(scene):
    scene.client.get("/console/stock")  # shows 10
    orders.place_order(scene.consumer, [(scene.rice1.id, 4)], SEOUL, new_key(), today=TODAY)  # now 6

    response = scene.client.post("/console/stock", data={
        "csrf_token": scene.client.csrf, "back": "table",
        f"expected_{scene.rice1.id}": "10", f"stock_{scene.rice1.id}": "30",
    }, follow_redirects=True)

    assert stock_of(scene.rice1.id) == 6
    html = text_of(response)
    assert "유기농 현미 (1kg): 화면을 연 뒤 재고가 10개에서 6개로 바뀌어 30개로 바꾸지 않았습니다" in html
    assert f'name="expected_{scene.rice1.id}" value="6"' in html  # the fresh value to decide on


def test_an_unusable_number_shows_the_table_again_with_the_error_and_saves_nothing(scene):
    response = scene.client.post("/console/stock", data={
        "csrf_token": scene.client.csrf, "back": "table",
        f"expected_{scene.rice1.id}": "10", f"stock_{scene.rice1.id}": "-1",
        f"expected_{scene.tea.id}": "20", f"stock_{scene.tea.id}": "21",
    })

    assert response.status_code == 400
    html = text_of(response)
    assert f'aria-describedby="stock-{scene.rice1.id}-error"' in html and "0~9,999,999" in html
    assert f'name="stock_{scene.tea.id}" value="21"' in html  # what was typed stays
    assert stock_of(scene.rice1.id) == 10 and stock_of(scene.tea.id) == 20


def test_the_low_stock_list(scene):
    html = text_of(scene.client.get("/console/stock/low"))
    assert scene.rice4.sku in html and scene.rice1.sku in html and scene.tea.sku not in html
    assert html.index(scene.rice4.sku) < html.index(scene.rice1.sku)  # the emptiest first

    html = text_of(scene.client.get("/console/stock/low?threshold=5"))
    assert scene.rice4.sku in html and scene.rice1.sku not in html

    html = text_of(scene.client.get("/console/stock/low?threshold=abc"))
    assert "기준 재고는 0~9,999,999 사이의 숫자로" in html and scene.rice1.sku in html


def test_saving_from_the_low_stock_list_returns_there(scene):
    response = scene.client.post("/console/stock", data={
        "csrf_token": scene.client.csrf, "back": "low", "threshold": "5",
        f"expected_{scene.rice4.id}": "3", f"stock_{scene.rice4.id}": "40",
    })

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/console/stock/low?threshold=5&page=1")
    assert stock_of(scene.rice4.id) == 40


# --- CSV export -----------------------------------------------------------------------------------------


def test_the_csv_export_downloads_own_options(scene):
    response = scene.client.get("/console/stock.csv")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response.headers["Content-Disposition"]
    assert "filename*=UTF-8''%EC%9E%AC%EA%B3%A0_" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0] == ["SKU", "상품명", "옵션명", "판매가", "재고관리", "현재고", "새 재고"]
    assert [r[0] for r in table[1:]] == [scene.rice1.sku, scene.rice4.sku, scene.tea.sku]


# --- CSV import -----------------------------------------------------------------------------------------


def test_the_import_page_explains_the_format_and_the_safety_rule(scene):
    html = text_of(scene.client.get("/console/stock/import"))

    assert 'enctype="multipart/form-data"' in html and "data-stock-upload" in html
    assert "js/stock-import.js" in html and "<progress" in html
    assert "현재고" in html and "덮어쓰지 않고" in html


def test_a_file_with_one_bad_row_shows_its_line_column_and_message_and_applies_nothing(scene):
    data = csv_file([row(scene.rice1, price="13,000", new="50"), row(scene.tea, track="X")])

    response = upload(scene.client, data)

    assert response.status_code == 200
    html = text_of(response)
    assert "오류가 있어 아무것도 적용하지 않았습니다" in html
    errors = re.search(r'<table class="sheet-table error-table".*?</table>', html, re.DOTALL).group(0)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", errors, re.DOTALL)]
    assert cells[3:6] == ["3행", "재고관리", "재고관리는 Y(재고 관리) 또는 N(관리 안 함)으로 입력해 주세요."]
    assert 'name="plan"' not in html  # no way to apply
    assert "고친 파일 다시 올리기" in html
    assert stock_of(scene.rice1.id) == 10 and price_of(scene.rice1.id) == 12_000


def test_a_good_file_previews_before_and_after_then_applies_all(scene):
    data = csv_file([row(scene.rice1, price="13,000", new="50"), row(scene.rice4, track="N"),
                     row(scene.tea, new="0")])

    preview = upload(scene.client, data)

    html = text_of(preview)
    assert preview.status_code == 200 and "재고 CSV 미리보기" in html
    assert "3개 옵션에 적용하기" in html
    assert "12,000원</span>" in html and "13,000원</strong>" in html
    assert stock_of(scene.rice1.id) == 10  # a preview changes nothing

    applied = apply(scene.client, plan_of(preview.get_data(as_text=True)))

    assert applied.status_code == 303 and applied.headers["Location"].endswith("/console/stock")
    assert (stock_of(scene.rice1.id), price_of(scene.rice1.id)) == (50, 13_000)
    assert db.session.get(Variant, scene.rice4.id).track_stock is False
    assert stock_of(scene.tea.id) == 0
    assert "판매가 1개, 재고 2개, 재고관리 1개 옵션을 바꿨습니다" in text_of(scene.client.get("/console/stock"))


def test_an_order_between_preview_and_apply_is_reported_and_nothing_applies(scene):
    preview = upload(scene.client, csv_file([row(scene.rice1, new="50"), row(scene.tea, price="9,900")]))
    orders.place_order(scene.consumer, [(scene.rice1.id, 2)], SEOUL, new_key(), today=TODAY)

    response = apply(scene.client, plan_of(preview.get_data(as_text=True)))

    assert response.status_code == 409
    html = text_of(response)
    assert "가져오기를 적용하지 못했습니다" in html and "10개에서 8개로" in html
    assert "2행" in html and "현재고" in html
    assert stock_of(scene.rice1.id) == 8 and price_of(scene.tea.id) == 9_000


def test_a_cp949_file_previews(scene):
    preview = upload(scene.client, csv_file([row(scene.rice1, new="7")], encoding="cp949"), "재고(엑셀).csv")

    html = text_of(preview)
    assert "CP949(EUC-KR)" in html and "1개 옵션에 적용하기" in html


def test_an_upload_without_a_csv_file_is_refused_with_a_message(scene):
    missing = scene.client.post("/console/stock/import", data={"csrf_token": scene.client.csrf},
                                content_type="multipart/form-data")
    wrong = upload(scene.client, b"\x89PNG\r\n", "photo.png")

    assert missing.status_code == 400 and "올릴 CSV 파일을 골라 주세요" in text_of(missing)
    assert wrong.status_code == 400 and "CSV 파일(.csv)만 올릴 수 있습니다" in text_of(wrong)


def test_a_tampered_or_expired_plan_applies_nothing(scene):
    preview = upload(scene.client, csv_file([row(scene.rice1, new="50")]))
    plan = plan_of(preview.get_data(as_text=True))

    for bad in (plan[:-2] + ("AA" if not plan.endswith("AA") else "BB"), "not-a-plan"):
        response = apply(scene.client, bad)
        assert response.status_code == 303 and response.headers["Location"].endswith("/console/stock/import")
    assert stock_of(scene.rice1.id) == 10


# --- isolation: every stock route, every other kind of visitor ------------------------------------------


def stock_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of every stock route in the URL map."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("console.stock"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, rule.rule))
    return found


def test_the_stock_routes_are_the_ones_this_test_knows(app):
    assert sorted(stock_routes(app)) == sorted([
        ("console.stock_table", "GET", "/console/stock"),
        ("console.stock_save", "POST", "/console/stock"),
        ("console.stock_low", "GET", "/console/stock/low"),
        ("console.stock_csv", "GET", "/console/stock.csv"),
        ("console.stock_import", "GET", "/console/stock/import"),
        ("console.stock_import", "POST", "/console/stock/import"),
        ("console.stock_import_apply", "POST", "/console/stock/import/apply"),
    ])


def attack_payload(scene, client, plan: str) -> dict[str, dict]:
    """What each POST route is sent: our options, our plan, our SKUs."""
    return {
        "console.stock_save": {"data": {"csrf_token": client.csrf, "back": "table",
                                        f"expected_{scene.rice1.id}": "10", f"stock_{scene.rice1.id}": "0"}},
        "console.stock_import": {"data": {"csrf_token": client.csrf,
                                          "file": (io.BytesIO(csv_file([row(scene.rice1, new="0")])), "a.csv")},
                                 "content_type": "multipart/form-data"},
        "console.stock_import_apply": {"data": {"csrf_token": client.csrf, "plan": plan}},
    }


@pytest.mark.parametrize("who", ["consumer", "buyer", "anonymous"])
def test_no_one_but_enterprise_members_reaches_any_stock_route(app, scene, who):
    plan = plan_of(upload(scene.client, csv_file([row(scene.rice1, new="0")])).get_data(as_text=True))
    user, sku, variant_id = getattr(scene, who, None), scene.rice1.sku, scene.rice1.id

    with app.app_context():  # a `g` of its own: Flask-Login and Flask-WTF cache the user and token there
        client = signed_in(app, user)
        for endpoint, method, url in stock_routes(app):
            kwargs = attack_payload(scene, client, plan).get(endpoint, {}) if method == "POST" else {}
            response = client.open(url, method=method, **kwargs)
            if who == "anonymous":
                assert response.status_code == 302 and "/login" in response.headers["Location"], (method, url)
            else:
                assert response.status_code == 403, (who, method, url)
            assert sku not in response.get_data(as_text=True)
    assert stock_of(variant_id) == 10


def test_another_enterprises_member_sees_only_their_own_and_changes_nothing_of_ours(app, scene):
    plan = plan_of(upload(scene.client, csv_file([row(scene.rice1, new="0")])).get_data(as_text=True))
    ours = [scene.rice1.sku, scene.rice4.sku, scene.tea.sku]
    theirs, variant_id = scene.soap.sku, scene.rice1.id

    with app.app_context():  # a `g` of its own: Flask-Login and Flask-WTF cache the user and token there
        client = signed_in(app, scene.other_member)
        for endpoint, method, url in stock_routes(app):
            kwargs = attack_payload(scene, client, plan).get(endpoint, {}) if method == "POST" else {}
            response = client.open(url, method=method, **kwargs)
            body = text_of(response)
            if endpoint == "console.stock_save":
                assert response.status_code == 404
            elif endpoint == "console.stock_import" and method == "POST":
                # their upload naming our SKU: an error, and no way to apply it
                assert "우리 기업 상품에서 찾을 수 없는 SKU" in body and 'name="plan"' not in body
            elif endpoint == "console.stock_import_apply":
                assert response.status_code == 303  # our plan is bound to our enterprise and member
            else:
                assert response.status_code == 200
                assert not any(sku in body for sku in ours), (method, url)
        # ... while their own option is theirs to see.
        assert theirs in text_of(client.get("/console/stock"))
        assert theirs in client.get("/console/stock.csv").data.decode("utf-8-sig")
    assert stock_of(variant_id) == 10
