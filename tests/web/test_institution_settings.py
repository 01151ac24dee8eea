"""/institution/settings: the target, the members and the delivery addresses of the buyer's own institution,
and nothing of any other; every form refuses with its message next to the field, and needs its CSRF token."""
from __future__ import annotations

from dataclasses import replace
from html import unescape

import pytest

from shop.accounts.models import Role
from shop.extensions import db
from shop.institutions import settings
from shop.institutions.models import Institution, InstitutionAddress
from shop.institutions.settings import MAX_ADDRESSES, AddressInput
from shop.models_base import ApprovalStatus
from tests.conftest import csrf_from

PAGE = "/institution/settings"

CITY_HALL = AddressInput(
    label="본청 총무과", department="총무과 물품관리팀", contact_name="박담당", contact_phone="0221331234",
    postcode="04524", address1="서울특별시 중구 세종대로 110", address2="서울시청 본관 3층",
)
ANNEX = AddressInput(
    label="서소문 별관", department="복지정책과", contact_name="이주무관", contact_phone="01023456789",
    postcode="04515", address1="서울특별시 중구 서소문로 124",
)


def address_form(**changes) -> dict:
    data = {
        "label": "북부 물류창고", "department": "자산관리과", "contact_name": "정수령", "contact_phone": "02-2133-5678",
        "postcode": "01234", "address1": "서울특별시 노원구 동일로 1234", "address2": "1층 하역장",
    }
    data.update(changes)
    return data


@pytest.fixture
def city_hall(make_institution):
    return make_institution(name="서울특별시 본청", purchase_target_krw=120_000_000)


@pytest.fixture
def buyer(make_user, city_hall):
    return make_user(Role.INSTITUTION, institution=city_hall, name="김구매", department="총무과", position="주무관")


@pytest.fixture
def mapo(make_institution):
    return make_institution(name="서울특별시 마포구청")


@pytest.fixture
def stranger(make_user, mapo):
    """An approved buyer of another institution."""
    return make_user(Role.INSTITUTION, institution=mapo, name="마포구매")


@pytest.fixture
def saved(city_hall):
    """Two saved addresses of the city hall: (default, other) ids."""
    return (settings.add_address(city_hall.id, CITY_HALL).id, settings.add_address(city_hall.id, ANNEX).id)


def page(client) -> str:
    response = client.get(PAGE)
    assert response.status_code == 200
    return text(response)


def text(response) -> str:
    """The page with entities decoded, so quotes in flash messages read as typed."""
    return unescape(response.get_data(as_text=True))


def address(address_id: int) -> InstitutionAddress | None:
    db.session.expire_all()
    return db.session.get(InstitutionAddress, address_id)


def error_of(html: str, field: str) -> str:
    """The error text shown next to a field (the macro gives it the id `<field>-error`)."""
    marker = f'id="{field}-error">'
    assert marker in html, f"no error shown for {field}"
    return html.split(marker, 1)[1].split("</p>", 1)[0]


# --- who may come in ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.CONSUMER, Role.ENTERPRISE])
def test_consumers_and_enterprises_are_refused(client, login, form_post, make_user, make_enterprise, city_hall,
                                               saved, role):
    extra = {"enterprise": make_enterprise()} if role is Role.ENTERPRISE else {}
    login(make_user(role, **extra))
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}/addresses/{saved[0]}/edit").status_code == 403
    refused = form_post(f"{PAGE}/addresses/{saved[1]}/default", {}, page="/")
    assert refused.status_code == 403
    assert form_post(f"{PAGE}/target", {"purchase_target": "1"}, page="/").status_code == 403
    assert address(saved[1]).is_default is False
    assert db.session.get(Institution, city_hall.id).purchase_target_krw == 120_000_000


def test_a_buyer_waiting_for_approval_is_sent_to_their_account(client, login, make_user, city_hall):
    login(make_user(Role.INSTITUTION, institution=city_hall, membership_approved=False))
    response = client.get(PAGE)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")


# --- what the page shows -----------------------------------------------------------------------------


def test_the_page_shows_the_target_members_and_addresses(client, login, buyer, make_user, city_hall, saved):
    make_user(Role.INSTITUTION, institution=city_hall, name="이대기", membership_approved=False)
    login(buyer)
    html = page(client)
    assert "120,000,000원" in html
    assert "김구매" in html and "(나)" in html and "총무과 · 주무관" in html and "<wbr>@example.kr" in html
    assert "이대기" in html and "승인 대기" in html
    assert "본청 총무과" in html and "서소문 별관" in html and "02-2133-1234" in html
    assert html.index("본청 총무과") < html.index("서소문 별관")
    assert "기본 배송지로 지정" in html  # offered for the annex, not for the default
    assert html.count("기본 배송지로 지정<span") == 1
    assert f"/institution/settings/addresses/{saved[0]}/edit" in html
    assert '<label for="contact_phone">' in html and "<legend>" in html


def test_buyers_of_another_institution_see_none_of_it(client, login, stranger, buyer, saved):
    login(stranger)
    html = page(client)
    assert "마포구매" in html
    assert "김구매" not in html and buyer.email.split("@")[0] not in html
    assert "본청 총무과" not in html and "서소문로 124" not in html and "120,000,000원" not in html
    assert "저장된 배송지가 없습니다" in html


@pytest.mark.parametrize("action", ["delete", "default"])
def test_another_institutions_address_is_not_found(client, login, form_post, stranger, saved, action):
    login(stranger)
    assert client.get(f"{PAGE}/addresses/{saved[1]}/edit").status_code == 404
    edit = form_post(f"{PAGE}/addresses/{saved[1]}/edit", address_form(label="가로채기"), page=PAGE)
    assert edit.status_code == 404
    response = form_post(f"{PAGE}/addresses/{saved[1]}/{action}", {}, page=PAGE)
    assert response.status_code == 404
    kept = address(saved[1])
    assert kept is not None and kept.label == "서소문 별관" and kept.is_default is False
    assert address(saved[0]).is_default is True


def test_an_unknown_address_is_not_found(client, login, form_post, buyer):
    login(buyer)
    assert client.get(f"{PAGE}/addresses/999999/edit").status_code == 404
    assert form_post(f"{PAGE}/addresses/999999/delete", {}, page=PAGE).status_code == 404


# --- the purchase target -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed, stored", [("50,000,000원", 50_000_000), ("₩ 3 000 000", 3_000_000), ("0", 0),
                                           ("1,000,000,000,000", 1_000_000_000_000)])
def test_the_target_is_saved_from_what_a_person_types(client, login, form_post, buyer, city_hall, typed, stored):
    login(buyer)
    response = form_post(f"{PAGE}/target", {"purchase_target": typed}, page=PAGE)
    assert response.status_code == 302
    assert db.session.get(Institution, city_hall.id).purchase_target_krw == stored
    assert f"{stored:,}원으로 저장했습니다" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("typed, words", [
    ("", "연간 구매 목표액을 입력해 주세요."),
    ("오천만원", "원 단위 숫자로"),
    ("12.5", "원 단위 숫자로"),
    ("-1000", "0원 이상 1,000,000,000,000원 이하"),
    ("1,000,000,000,001", "0원 이상 1,000,000,000,000원 이하"),
    ("9" * 40, "0원 이상 1,000,000,000,000원 이하"),
])
def test_a_bad_target_is_refused_next_to_the_field(client, login, form_post, buyer, city_hall, typed, words):
    login(buyer)
    response = form_post(f"{PAGE}/target", {"purchase_target": typed}, page=PAGE)
    assert response.status_code == 400
    assert words in error_of(response.get_data(as_text=True), "purchase_target")
    db.session.expire_all()
    assert db.session.get(Institution, city_hall.id).purchase_target_krw == 120_000_000


# --- adding, editing, deleting addresses ---------------------------------------------------------------


def test_the_first_address_added_becomes_the_default(client, login, form_post, buyer, city_hall):
    login(buyer)
    response = form_post(f"{PAGE}/addresses", address_form(), page=PAGE)
    assert response.status_code == 302 and response.headers["Location"].endswith("#addresses")
    [stored] = settings.addresses(city_hall.id)
    assert (stored.label, stored.contact_phone, stored.postcode, stored.is_default) == (
        "북부 물류창고", "0221335678", "01234", True)
    html = page(client)
    assert "'북부 물류창고' 배송지를 추가했습니다." in html and "02-2133-5678" in html


def test_an_added_address_can_take_the_default(client, login, form_post, buyer, city_hall, saved):
    login(buyer)
    form_post(f"{PAGE}/addresses", address_form(make_default="y"), page=PAGE)
    assert [a.label for a in settings.addresses(city_hall.id) if a.is_default] == ["북부 물류창고"]


@pytest.mark.parametrize("field, value, words", [
    ("label", "", "배송지 이름을 입력해 주세요."),
    ("department", "", "받는 부서를 입력해 주세요."),
    ("contact_name", "", "담당자 이름을 입력해 주세요."),
    ("contact_phone", "", "담당자 연락처를 입력해 주세요."),
    ("contact_phone", "12345", "담당자 연락처가 올바르지 않습니다."),
    ("postcode", "123", "우편번호는 숫자 5자리로"),
    ("address1", "", "주소를 입력해 주세요."),
    ("label", "긴" * 31, "배송지 이름은 30자 이하로"),
    ("address2", "층" * 201, "상세주소는 200자 이하로"),
])
def test_a_bad_address_is_refused_next_to_its_field(client, login, form_post, buyer, city_hall, field, value, words):
    login(buyer)
    response = form_post(f"{PAGE}/addresses", address_form(**{field: value}), page=PAGE)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert words in error_of(html, field)
    assert 'role="alert"' in html and 'aria-invalid="true"' in html
    assert settings.addresses(city_hall.id) == []


def test_the_thirty_first_address_is_refused_above_the_form(client, login, form_post, buyer, city_hall):
    for n in range(MAX_ADDRESSES - 1):
        settings.add_address(city_hall.id, replace(CITY_HALL, label=f"배송지 {n}"))
    login(buyer)
    html = page(client)
    assert "배송지 추가</button>" in html
    form_post(f"{PAGE}/addresses", address_form(), page=PAGE)
    assert "배송지 추가</button>" not in page(client)  # the form gives way to the limit notice
    refused = form_post(f"{PAGE}/addresses", address_form(label="하나 더"), page=PAGE)
    assert refused.status_code == 400 and "30개까지" in refused.get_data(as_text=True)
    assert len(settings.addresses(city_hall.id)) == MAX_ADDRESSES


def test_an_address_is_edited_on_its_own_page(client, login, form_post, buyer, saved):
    login(buyer)
    url = f"{PAGE}/addresses/{saved[1]}/edit"
    html = client.get(url).get_data(as_text=True)
    assert 'value="서소문 별관"' in html and 'value="010-2345-6789"' in html and "기본 배송지로 지정" in html
    response = form_post(url, address_form(label="서소문 별관 2층", contact_phone="02-2133-9999"))
    assert response.status_code == 302
    changed = address(saved[1])
    assert (changed.label, changed.contact_phone, changed.is_default) == ("서소문 별관 2층", "0221339999", False)
    assert "'서소문 별관 2층' 배송지를 수정했습니다." in page(client)


def test_editing_the_default_keeps_it_and_does_not_offer_the_checkbox(client, login, form_post, buyer, saved):
    login(buyer)
    url = f"{PAGE}/addresses/{saved[0]}/edit"
    assert "이 배송지는 기본 배송지입니다" in client.get(url).get_data(as_text=True)
    form_post(url, address_form())
    assert address(saved[0]).is_default is True


def test_a_bad_edit_is_refused_next_to_the_field(client, login, form_post, buyer, saved):
    login(buyer)
    url = f"{PAGE}/addresses/{saved[1]}/edit"
    response = form_post(url, address_form(postcode="abcde"))
    assert response.status_code == 400
    assert "우편번호는 숫자 5자리로" in error_of(response.get_data(as_text=True), "postcode")
    assert address(saved[1]).postcode == "04515"


def test_the_make_default_button_moves_the_default(client, login, form_post, buyer, saved):
    login(buyer)
    response = form_post(f"{PAGE}/addresses/{saved[1]}/default", {}, page=PAGE, follow_redirects=True)
    assert "이제 '서소문 별관' 배송지가 기본 배송지입니다." in text(response)
    assert address(saved[1]).is_default is True and address(saved[0]).is_default is False


def test_deleting_the_default_makes_the_oldest_remaining_default(client, login, form_post, buyer, saved):
    login(buyer)
    response = form_post(f"{PAGE}/addresses/{saved[0]}/delete", {}, page=PAGE, follow_redirects=True)
    assert "'본청 총무과' 배송지를 삭제했습니다." in text(response)
    assert address(saved[0]) is None
    assert address(saved[1]).is_default is True


def test_every_buyer_of_the_institution_shares_the_addresses(client, login, form_post, buyer, make_user, city_hall,
                                                             saved):
    colleague = make_user(Role.INSTITUTION, institution=city_hall, name="최동료")
    login(colleague)
    assert "본청 총무과" in page(client)
    assert form_post(f"{PAGE}/addresses/{saved[1]}/default", {}, page=PAGE).status_code == 302
    assert address(saved[1]).is_default is True


# --- CSRF --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path, data", [
    ("/target", {"purchase_target": "1"}),
    ("/addresses", address_form()),
    ("/addresses/{other}/default", {}),
    ("/addresses/{default}/delete", {}),
    ("/addresses/{other}/edit", address_form(label="위조")),
])
def test_every_form_needs_its_csrf_token(client, login, buyer, city_hall, saved, path, data):
    login(buyer)
    url = PAGE + path.format(default=saved[0], other=saved[1])
    without = client.post(url, data=data)
    forged = client.post(url, data={**data, "csrf_token": "forged"})
    assert without.status_code == 400 and forged.status_code == 400
    assert "보안 토큰" in without.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Institution, city_hall.id).purchase_target_krw == 120_000_000
    assert [(a.label, a.is_default) for a in settings.addresses(city_hall.id)] == [
        ("본청 총무과", True), ("서소문 별관", False)]


def test_the_page_carries_a_token_for_each_form(client, login, buyer, saved):
    login(buyer)
    html = page(client)
    assert csrf_from(html)
    assert html.count('name="csrf_token"') >= 2 + 2 + 1 + 1  # target, add, default, two deletes, logout


def test_an_approved_institution_only(client, login, make_user, make_institution):
    suspended = make_institution(status=ApprovalStatus.SUSPENDED)
    login(make_user(Role.INSTITUTION, institution=suspended))
    assert client.get(PAGE).status_code == 302
