"""/console (the dashboard) and /console/social-value: the enterprise's own figures, chart and work to do;
its social value records added, edited and deleted through the forms with Korean messages; verified
records left alone; and every one of these routes refused to everyone who is not the enterprise's member."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.core.korea import kst_today
from shop.enterprises.models import SocialValueArea, SocialValueRecord
from shop.extensions import db
from shop.procurement import quotes
from shop.procurement.quotes import QuoteRequest
from tests.conftest import csrf_from, signed_in
from tests.services import test_purchase_reports as purchases
from tests.services.test_purchase_reports import (
    OFFICE,
    TODAY,
    card_order,
    inspected_invoice_order,
    invoice_order,
)

scene = purchases.scene  # the fixture, where pytest looks for it
MY_ENDPOINTS = {"console.dashboard", "console.social_value_page", "console.add_social_value",
                "console.edit_social_value", "console.delete_social_value"}
LAST_YEAR = kst_today().year - 1


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def visible_text(response) -> str:
    """The page's words without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text_of(response)).split())


def records_of(enterprise_id: int) -> list[tuple]:
    db.session.expire_all()
    return sorted((r.year, r.area.value, r.amount_krw, r.measured_by, r.verified, r.note or "")
                  for r in db.session.scalars(sa.select(SocialValueRecord)
                                              .where(SocialValueRecord.enterprise_id == enterprise_id)))


# --- the dashboard ----------------------------------------------------------------------------------


@pytest.fixture
def busy(scene, login):
    """늘봄 협동조합 sold 16,000원 to one institution by card and 140,000원 on invoice (accepted 7 of 10);
    an invoice order and a quotation wait for it; other enterprises sold too."""
    card_order(scene.buyer, [(scene.snack, 2)])
    inspected_invoice_order(scene, [(scene.rice, 10)], {scene.rice.id: 7})
    invoice_order(scene.buyer, [(scene.rice, 1)])
    quotes.request_quotes(scene.buyer, QuoteRequest([(scene.rice.id, 40)], TODAY + timedelta(days=10), OFFICE),
                          today=TODAY)
    card_order(scene.buyer, [(scene.paper, 4)])  # 마포 재생종이's
    login(scene.coop_seller)
    return scene


def test_the_dashboard_shows_the_year_the_chart_and_the_work_to_do(client, busy):
    response = client.get("/console")

    assert response.status_code == 200
    words = visible_text(response)
    assert f"{TODAY.year}년 판매 실적" in words
    assert "판매액(부가세 포함, 배송비 제외) 156,000원" in words
    assert "공공기관 156,000원 100.0% · 주문 2건" in words
    assert "일반 소비자 0원 0.0% · 주문 0건" in words
    assert "1 유기농 현미 7개 140,000원" in words and "2 현미 누룽지 2개 16,000원" in words
    assert "발송할 주문 1 건" in words  # the paid card order
    assert "승인할 후불 주문 1 건" in words and "답할 견적 요청 1 건" in words
    assert "세금계산서 발행 1 건" in words and "반품 요청 0 건" in words
    assert "지금 처리할 일 모두 4건" in words
    html = text_of(response)
    assert "친환경 복사용지" not in html  # another enterprise's product
    assert html.count('class="chart-bar"') == 1 and 'role="img"' in html
    assert f"{TODAY.year}년 {TODAY.month}월 156,000원 (주문 2건)" in html  # the bar's tooltip
    assert 'href="/console/quotes?status=requested"' in html
    assert 'aria-current="page">대시보드' in html
    assert 'style="' not in html and "<script" not in html.split("</main>")[0]  # CSP: no inline styles


def test_another_year_and_a_refused_year(client, busy):
    earlier = client.get(f"/console?year={LAST_YEAR}")
    bad = client.get("/console?year=abcd")
    future = client.get(f"/console?year={TODAY.year + 1}")

    assert earlier.status_code == 200
    assert f"{LAST_YEAR}년 판매 실적" in visible_text(earlier)
    assert f"{LAST_YEAR}년에 집계된 판매가 없습니다." in visible_text(earlier)
    assert f'<option value="{LAST_YEAR}" selected>' in text_of(earlier)
    assert bad.status_code == 400 and "연도를 목록에서 골라 주세요." in visible_text(bad)
    assert future.status_code == 400
    assert f"연도는 2010년부터 {TODAY.year}년 사이로 골라 주세요." in visible_text(future)
    assert f"{TODAY.year}년 판매 실적" in visible_text(future)  # this year is shown instead


def test_the_dashboard_costs_the_same_number_of_queries_with_more_orders(client, scene, login, count_queries):
    login(scene.coop_seller)
    card_order(scene.buyer, [(scene.snack, 1)])
    with count_queries() as few:
        assert client.get("/console").status_code == 200
    for n in range(5):
        card_order(scene.buyer, [(scene.snack, n + 1), (scene.rice, 1)])
    inspected_invoice_order(scene, [(scene.rice, 3)])
    with count_queries() as many:
        assert client.get("/console").status_code == 200

    assert len(few) == len(many)
    assert len(many) <= 8


# --- social value -----------------------------------------------------------------------------------


@pytest.fixture
def recorded(scene, make_social_value, login):
    """늘봄 협동조합: a 2024 figure the center verified (SPC) and its own 2025 one; another enterprise's too."""
    verified = make_social_value(scene.coop, year=2024, area=SocialValueArea.EMPLOYMENT, amount=300_000_000,
                                 measured_by="SPC", verified=True, note="사회성과인센티브 측정")
    own = make_social_value(scene.coop, year=2025, area=SocialValueArea.ENVIRONMENT, amount=45_000_000,
                            measured_by="자체 측정", verified=False)
    foreign = make_social_value(scene.social, year=2025, area=SocialValueArea.COMMUNITY, amount=77_700_000,
                                measured_by="외부기관", verified=False)
    login(scene.coop_seller)
    return {"verified": verified.id, "own": own.id, "foreign": foreign.id, "coop": scene.coop.id,
            "social": scene.social.id}


def test_the_social_value_page_lists_verified_and_own_records_labelled(client, recorded):
    response = client.get("/console/social-value")

    assert response.status_code == 200
    words = visible_text(response)
    assert "2025년 합계 45,000,000원 검증됨 0원 · 자체 보고 45,000,000원" in words
    assert "2025년 환경 자체 보고 45,000,000원 측정 주체(출처) 자체 측정 수정 : 2025년 환경" in words
    assert ("2024년 고용·내부 공정성 검증됨 300,000,000원 측정 주체(출처) SPC 비고 사회성과인센티브 측정 "
            "센터가 검증한 기록이라 센터만 고칠 수 있습니다.") in words
    assert "77,700,000원" not in words  # another enterprise's
    html = text_of(response)
    assert f"/console/social-value/{recorded['own']}/edit" in html
    assert f"/console/social-value/{recorded['verified']}/edit" not in html
    assert f"/console/social-value/{recorded['verified']}/delete" not in html
    assert words.index("2025년 합계") < words.index("2024년 합계")  # newest year first


def test_the_dashboard_sums_social_value_by_year(client, recorded):
    words = visible_text(client.get("/console"))

    assert "2025년 45,000,000원 검증됨 0원 · 자체 보고 45,000,000원" in words
    assert "2024년 300,000,000원 검증됨 300,000,000원 · 자체 보고 0원" in words


def test_a_record_is_added_through_the_form(client, form_post, recorded):
    response = form_post("/console/social-value", {"year": "2025", "area": "employment", "amount": "1,200,000원",
                                                   "measured_by": " 자체  측정 ", "note": "청년 2명 고용"})

    assert response.status_code == 302
    new = db.session.scalar(sa.select(SocialValueRecord).where(SocialValueRecord.amount_krw == 1_200_000))
    assert response.headers["Location"].endswith(f"/console/social-value#record-{new.id}")
    assert (2025, "employment", 1_200_000, "자체 측정", False, "청년 2명 고용") in records_of(recorded["coop"])
    assert "2025년 '고용·내부 공정성' 사회적 가치 1,200,000원을 추가했습니다." in visible_text(
        client.get("/console/social-value"))


def test_bad_input_shows_every_message_next_to_its_field(client, form_post, recorded):
    before = records_of(recorded["coop"])

    response = form_post("/console/social-value", {"year": "2031", "area": "joy", "amount": "1.5억",
                                                   "measured_by": "", "note": "가" * 301})

    assert response.status_code == 400
    html = text_of(response)
    for field, message in [("year", f"연도는 2010년부터 {TODAY.year}년 사이로 골라 주세요."),
                           ("area", "분야를 목록에서 골라 주세요."),
                           ("amount", "금액은 원 단위 숫자로 입력해 주세요. 예: 12,000,000"),
                           ("measured_by", "측정 주체(출처)를 입력해 주세요. 예: SPC, 자체 측정"),
                           ("note", "비고는 300자 이하로 입력해 주세요.")]:
        assert f'<p class="error" id="{field}-error">{message}</p>' in html, field
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', html), field
    assert records_of(recorded["coop"]) == before


def test_a_duplicate_year_and_area_is_refused_with_a_clear_message(client, form_post, recorded):
    own = form_post("/console/social-value", {"year": "2025", "area": "environment", "amount": "1",
                                              "measured_by": "자체 측정"})
    verified = form_post("/console/social-value", {"year": "2024", "area": "employment", "amount": "1",
                                                   "measured_by": "자체 측정"})

    assert own.status_code == verified.status_code == 400
    assert "2025년 '환경' 분야 기록이 이미 있습니다. 목록에서 그 기록을 수정해 주세요." in visible_text(own)
    assert "2024년 '고용·내부 공정성' 분야는 센터가 검증한 기록이 이미 있어 따로 입력할 수 없습니다." in visible_text(verified)
    assert len(records_of(recorded["coop"])) == 2


def test_an_own_record_is_edited(client, form_post, recorded):
    url = f"/console/social-value/{recorded['own']}/edit"
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="45,000,000"' in text_of(page) and '<option selected value="environment">' in text_of(page)

    response = form_post(url, {"year": "2025", "area": "environment", "amount": "52,500,000",
                               "measured_by": "외부 평가기관", "note": "탄소 감축량 재산정"})

    assert response.status_code == 302
    assert (2025, "environment", 52_500_000, "외부 평가기관", False, "탄소 감축량 재산정") in records_of(recorded["coop"])


def test_an_edit_with_bad_input_keeps_what_was_typed(client, form_post, recorded):
    url = f"/console/social-value/{recorded['own']}/edit"
    response = form_post(url, {"year": "2025", "area": "employment", "amount": "7,000",
                               "measured_by": "자체 측정"})  # 2024 고용·내부 공정성 is verified, 2025 is free

    assert response.status_code == 302
    response = form_post(url, {"year": "2024", "area": "employment", "amount": "8,000", "measured_by": "자체 측정"})
    assert response.status_code == 400
    assert "센터가 검증한 기록이 이미 있어" in visible_text(response)
    assert 'value="8,000"' in text_of(response)


def test_an_own_record_is_deleted(client, form_post, recorded):
    response = form_post(f"/console/social-value/{recorded['own']}/delete", {}, page="/console/social-value")

    assert response.status_code == 302
    assert [r[:2] for r in records_of(recorded["coop"])] == [(2024, "employment")]


def test_a_verified_record_cannot_be_edited_or_deleted(client, form_post, recorded):
    url = f"/console/social-value/{recorded['verified']}"
    before = records_of(recorded["coop"])

    assert client.get(url + "/edit").status_code == 404
    token = csrf_from(client.get("/console/social-value").get_data(as_text=True))
    edit = client.post(url + "/edit", data={"csrf_token": token, "year": "2024", "area": "employment",
                                            "amount": "1", "measured_by": "자체 측정"})
    delete = client.post(url + "/delete", data={"csrf_token": token})

    assert edit.status_code == delete.status_code == 404
    assert records_of(recorded["coop"]) == before


def test_a_post_without_the_csrf_token_is_refused(client, recorded):
    response = client.post("/console/social-value", data={"year": "2025", "area": "community", "amount": "1",
                                                          "measured_by": "자체 측정"})

    assert response.status_code == 400
    assert len(records_of(recorded["coop"])) == 2


# --- who may -------------------------------------------------------------------------------------


def my_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint in MY_ENDPOINTS), key=lambda r: r.rule)


def test_every_route_here_is_refused_to_everyone_else(app, scene, recorded, make_user, make_enterprise):
    card_order(scene.buyer, [(scene.rice, 3)])  # 60,000원 of 늘봄 협동조합's sales
    strangers = {
        "other enterprise": make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="남의 사회적기업")),
        "consumer": make_user(Role.CONSUMER),
        "institution buyer": scene.buyer,
        "anonymous": None,
    }
    before = records_of(recorded["coop"])
    rules = my_rules(app)
    assert {r.endpoint for r in rules} == MY_ENDPOINTS
    tried = 0
    for who, user in strangers.items():
        with app.app_context():
            browser, token = signed_in(app, user)
            for rule in rules:
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    url = rule.rule.replace("<int:record_id>", str(recorded["own"]))
                    data = {"csrf_token": token, "year": "2025", "area": "environment", "amount": "1",
                            "measured_by": "침입"}
                    response = browser.get(url) if method == "GET" else browser.post(url, data=data)
                    tried += 1
                    where = f"{who} {method} {url}"
                    if user is None:
                        assert response.status_code == 302 and "/login" in response.headers["Location"], where
                    elif who in ("consumer", "institution buyer"):
                        assert response.status_code == 403, where
                    elif "<" in rule.rule:
                        assert response.status_code == 404, where
                    else:  # their own dashboard or records: none of 늘봄 협동조합's figures
                        assert response.status_code < 500, where
                        body = text_of(response)
                        for secret in ("45,000,000", "300,000,000", "60,000원", "유기농 현미"):
                            assert secret not in body, where
        assert records_of(recorded["coop"]) == before, who
    assert tried == 4 * 6  # GET /console, GET+POST /console/social-value, GET+POST edit, POST delete


def test_a_member_of_an_enterprise_not_yet_approved_is_sent_to_the_account_page(app, client, login, make_user,
                                                                              make_enterprise):
    from shop.models_base import ApprovalStatus

    member = make_user(Role.ENTERPRISE, enterprise=make_enterprise(status=ApprovalStatus.PENDING))
    login(member)

    for url in ("/console", "/console/social-value"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account"), url
