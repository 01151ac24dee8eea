"""Sign-up of each kind, as a browser submits it."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.accounts.models import Role, User
from shop.core.korea import make_business_number
from shop.enterprises.models import Enterprise, EnterpriseType
from shop.extensions import db
from shop.institutions.models import Institution, InstitutionKind
from shop.models_base import ApprovalStatus

ENTERPRISE_NUMBER = make_business_number("120810003")
INSTITUTION_NUMBER = make_business_number("220830004")


def wrong_check_digit(number: str) -> str:
    return number[:9] + str((int(number[9]) + 1) % 10)


def person_form(**kw) -> dict:
    data = {
        "name": "김함께", "email": "kim@example.kr", "password": "correct-horse-42",
        "password_confirm": "correct-horse-42", "phone": "010-1234-5678",
        "agree_terms": "y", "agree_privacy": "y",
    }
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def enterprise_form(**kw) -> dict:
    data = person_form(
        enterprise_name="성수 업사이클 사회적협동조합",
        business_number=f"{ENTERPRISE_NUMBER[:3]}-{ENTERPRISE_NUMBER[3:5]}-{ENTERPRISE_NUMBER[5:]}",
        representative="박대표", enterprise_type="social_cooperative", certificate_number="2021-사협-12",
        district="성동구", enterprise_phone="02-498-1234", enterprise_email="",
    )
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def institution_form(**kw) -> dict:
    data = person_form(
        phone="02-2133-1234", department="경제정책과", position="주무관",
        institution_name="서울특별시청", kind="city_office", business_number=INSTITUTION_NUMBER,
        postcode="04524", address="서울특별시 중구 세종대로 110", address_detail="서소문청사 3층",
    )
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def page(response) -> str:
    return response.get_data(as_text=True)


# --- the pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("url, heading", [
    ("/register", "회원가입"),
    ("/register/enterprise", "입점기업 회원가입"),
    ("/register/institution", "공공기관 구매담당자 회원가입"),
])
def test_sign_up_pages_link_the_terms_and_privacy_policy(client, url, heading):
    html = page(client.get(url))
    assert f"<h1>{heading}</h1>" in html
    assert 'href="/terms"' in html and 'href="/privacy"' in html
    assert "이용약관에 동의합니다." in html and "개인정보 수집·이용에 동의합니다." in html
    assert "보유 기간" in html
    assert 'name="csrf_token"' in html


def test_enterprise_page_offers_the_six_types_and_the_25_districts(client):
    html = page(client.get("/register/enterprise"))
    for enterprise_type in EnterpriseType:
        assert f'value="{enterprise_type.value}">{enterprise_type.label}</option>' in html
    assert html.count("구</option>") == 25


# --- consumers -------------------------------------------------------------------------------


def test_consumer_sign_up_logs_the_member_in(client, form_post):
    response = form_post("/register", person_form(agree_marketing="y", email="New@Example.kr"))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = db.session.scalar(select(User))
    assert (user.email, user.phone, user.role) == ("new@example.kr", "01012345678", Role.CONSUMER)
    assert user.marketing_agreed_at is not None and user.last_login_at is not None
    home = page(client.get("/"))
    assert "김함께님" in home and "로그아웃" in home


def test_marketing_consent_is_optional(form_post):
    assert form_post("/register", person_form()).status_code == 302
    assert db.session.scalar(select(User)).marketing_agreed_at is None


@pytest.mark.parametrize("changes, message", [
    ({"password": "short-pw1", "password_confirm": "short-pw1"}, "비밀번호는 10자 이상"),
    ({"password_confirm": "correct-horse-43"}, "비밀번호가 서로 다릅니다"),
    ({"phone": "02-123-4567"}, "올바른 휴대전화 번호를 입력해 주세요"),
    ({"phone": "010-12-34"}, "올바른 휴대전화 번호를 입력해 주세요"),
    ({"agree_terms": None}, "이용약관에 동의해 주세요"),
    ({"agree_privacy": None}, "개인정보 수집·이용에 동의해 주세요"),
    ({"email": "kim.example.kr"}, "올바른 이메일 주소를 입력해 주세요"),
    ({"name": ""}, "이름을 입력해 주세요"),
])
def test_consumer_sign_up_refusals(client, form_post, changes, message):
    response = form_post("/register", person_form(**changes))
    assert response.status_code == 400
    assert message in page(response)
    assert users() == 0
    assert "로그아웃" not in page(client.get("/"))


def test_refused_field_is_marked_for_screen_readers(form_post):
    html = page(form_post("/register", person_form(phone="1234")))
    assert 'aria-invalid="true"' in html and 'id="phone-error"' in html
    assert 'value="kim@example.kr"' in html  # what was typed stays
    assert "correct-horse-42" not in html  # passwords are never echoed back


def test_duplicate_email_is_a_korean_error_on_the_field(form_post, make_user):
    make_user(email="kim@example.kr")
    response = form_post("/register", person_form(email="KIM@example.kr"))
    assert response.status_code == 400
    assert "이미 가입된 이메일입니다" in page(response)
    assert 'id="email-error"' in page(response)
    assert users() == 1


def test_signed_in_member_is_sent_to_their_account_from_sign_up(client, login, make_user):
    login(make_user())
    response = client.get("/register")
    assert response.status_code == 302 and response.headers["Location"] == "/account"


# --- enterprises -----------------------------------------------------------------------------


def test_enterprise_sign_up_files_a_pending_application(client, form_post):
    response = form_post("/register/enterprise", enterprise_form())
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    user = db.session.scalar(select(User))
    enterprise = user.enterprise
    assert user.role is Role.ENTERPRISE
    assert enterprise.status is ApprovalStatus.PENDING
    assert enterprise.business_number == ENTERPRISE_NUMBER
    assert enterprise.enterprise_type is EnterpriseType.SOCIAL_COOPERATIVE
    assert (enterprise.district, enterprise.phone, enterprise.email) == ("성동구", "024981234", "kim@example.kr")
    assert enterprise.slug == "성수-업사이클-사회적협동조합"
    account = page(client.get("/account"))
    assert "입점 신청 상태" in account and "승인 대기" in account and "120-81-" in account


@pytest.mark.parametrize("changes, message", [
    ({"business_number": wrong_check_digit(ENTERPRISE_NUMBER)}, "올바른 사업자등록번호가 아닙니다"),
    ({"business_number": "12345"}, "올바른 사업자등록번호가 아닙니다"),
    ({"district": "수원시"}, "서울시 자치구를 목록에서 선택해 주세요"),
    ({"district": ""}, "서울시 자치구를 목록에서 선택해 주세요"),
    ({"enterprise_type": "startup"}, "기업 유형을 목록에서 선택해 주세요"),
    ({"enterprise_phone": "12"}, "올바른 전화번호를 입력해 주세요"),
    ({"password": "short-pw1", "password_confirm": "short-pw1"}, "비밀번호는 10자 이상"),
    ({"agree_privacy": None}, "개인정보 수집·이용에 동의해 주세요"),
])
def test_enterprise_sign_up_refusals(form_post, changes, message):
    response = form_post("/register/enterprise", enterprise_form(**changes))
    assert response.status_code == 400
    assert message in page(response)
    assert users() == 0 and db.session.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_duplicate_business_number_is_a_korean_error(form_post, make_enterprise):
    make_enterprise(business_number=ENTERPRISE_NUMBER)
    response = form_post("/register/enterprise", enterprise_form())
    assert response.status_code == 400
    assert "이미 입점 신청된 사업자등록번호입니다" in page(response)
    assert 'id="business_number-error"' in page(response)
    assert users() == 0


# --- institutions ----------------------------------------------------------------------------


def test_institution_sign_up_registers_a_pending_institution(client, form_post):
    response = form_post("/register/institution", institution_form())
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    user = db.session.scalar(select(User))
    assert user.role is Role.INSTITUTION and user.membership_approved is False
    assert (user.department, user.position, user.phone) == ("경제정책과", "주무관", "0221331234")
    institution = user.institution
    assert (institution.kind, institution.status) == (InstitutionKind.CITY_OFFICE, ApprovalStatus.PENDING)
    assert (institution.postcode, institution.address_detail) == ("04524", "서소문청사 3층")
    account = page(client.get("/account"))
    assert "기관 등록 상태" in account and "서울특별시청" in account and "기관 승인 대기" in account


def test_second_buyer_joins_the_registered_institution(client, form_post, make_institution):
    registered = make_institution(business_number=INSTITUTION_NUMBER, name="서울특별시청")
    response = form_post("/register/institution", institution_form(institution_name="서울시청 (약칭)"),
                         follow_redirects=True)
    assert response.status_code == 200
    assert "이미 등록된 기관 &#39;서울특별시청&#39;의 구매담당자로 소속 신청했습니다" in page(response)
    user = db.session.scalar(select(User))
    assert user.institution_id == registered.id and user.membership_approved is False
    assert db.session.scalar(select(Institution.name)) == "서울특별시청"  # the registered details stand
    assert db.session.scalar(select(func.count()).select_from(Institution)) == 1
    assert "내 소속 상태" in page(response) and "소속 신청 중" in page(response)


@pytest.mark.parametrize("changes, message", [
    ({"business_number": wrong_check_digit(INSTITUTION_NUMBER)}, "올바른 사업자등록번호(고유번호)가 아닙니다"),
    ({"postcode": "4524"}, "우편번호는 숫자 5자리로"),
    ({"kind": "company"}, "기관 유형을 목록에서 선택해 주세요"),
    ({"department": ""}, "부서를 입력해 주세요"),
    ({"phone": "1234"}, "올바른 전화번호를 입력해 주세요"),
])
def test_institution_sign_up_refusals(form_post, changes, message):
    response = form_post("/register/institution", institution_form(**changes))
    assert response.status_code == 400
    assert message in page(response)
    assert users() == 0


def test_new_institution_needs_its_details(form_post):
    response = form_post("/register/institution", institution_form(address=""))
    assert response.status_code == 400
    assert "주소를 입력해 주세요" in page(response)
