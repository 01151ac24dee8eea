"""Sign-up, authentication and staff accounts, at the service level."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.accounts import services as accounts
from shop.accounts.models import Role, User
from shop.accounts.services import AccountError, Person
from shop.core.korea import make_business_number
from shop.enterprises.models import Enterprise, EnterpriseType
from shop.enterprises.services import EnterpriseApplication, EnterpriseError
from shop.extensions import db
from shop.institutions.models import Institution
from shop.institutions.services import InstitutionApplication, InstitutionError
from shop.models_base import ApprovalStatus

PASSWORD = "correct-horse-42"
ENTERPRISE_NUMBER = make_business_number("105870001")
INSTITUTION_NUMBER = make_business_number("105830002")


def wrong_check_digit(number: str) -> str:
    return number[:9] + str((int(number[9]) + 1) % 10)


def dashed(number: str) -> str:
    return f"{number[:3]}-{number[3:5]}-{number[5:]}"


def person(**kw) -> Person:
    values = dict(name="김함께", email="kim@example.kr", password=PASSWORD, phone="010-1234-5678",
                  agreed_terms=True, agreed_privacy=True)
    values.update(kw)
    return Person(**values)


def enterprise_application(**kw) -> EnterpriseApplication:
    values = dict(name="마포 함께빵 협동조합", business_number=ENTERPRISE_NUMBER,
                  representative="이대표", enterprise_type="cooperative", district="마포구",
                  phone="02-321-4567", certificate_number="2019-협동-0001", email="bread@example.kr")
    values.update(kw)
    return EnterpriseApplication(**values)


def institution_application(**kw) -> InstitutionApplication:
    values = dict(name="서울특별시 마포구청", kind="district_office", business_number=INSTITUTION_NUMBER,
                  postcode="03937", address="서울특별시 마포구 월드컵로 212", address_detail="3층 회계과")
    values.update(kw)
    return InstitutionApplication(**values)


def test_consumer_is_saved_with_normalised_email_and_phone_and_a_scrypt_hash(app):
    user = accounts.register_consumer(person(email="  Kim@Example.KR ", phone="010 1234 5678", agreed_marketing=True))
    saved = db.session.get(User, user.id)
    assert saved.email == "kim@example.kr"
    assert saved.phone == "01012345678"
    assert saved.role is Role.CONSUMER
    assert saved.password_hash.startswith("scrypt:")
    assert saved.check_password(PASSWORD) and not saved.check_password("wrong-password-1")
    assert saved.marketing_agreed_at is not None and saved.terms_agreed_at is not None


def test_marketing_consent_is_optional(app):
    user = accounts.register_consumer(person())
    assert user.marketing_agreed_at is None


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"password": "short-pw1"}, "password"),
        ({"phone": "02-123-4567"}, "phone"),
        ({"phone": "010-12"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"name": "   "}, "name"),
        ({"agreed_terms": False}, "agree_terms"),
        ({"agreed_privacy": False}, "agree_privacy"),
    ],
)
def test_consumer_sign_up_refusals_name_the_field(app, changes, field):
    with pytest.raises(AccountError) as refused:
        accounts.register_consumer(person(**changes))
    assert refused.value.field == field
    assert db.session.scalar(select(User)) is None


def test_duplicate_email_is_refused_in_korean_whatever_the_case(app, make_user):
    make_user(email="dup@example.kr")
    with pytest.raises(AccountError, match="이미 가입된 이메일") as refused:
        accounts.register_consumer(person(email="DUP@example.kr"))
    assert refused.value.field == "email"


def test_duplicate_email_that_slips_past_the_check_is_still_a_korean_error(app, make_user, monkeypatch):
    """Two sign-ups at once: both pass the look-up, the database's unique key decides."""
    make_user(email="race@example.kr")
    real = accounts.email_taken
    answers = [False]  # the first look-up misses the other sign-up; later ones see it

    def email_taken(email):
        return answers.pop() if answers else real(email)

    monkeypatch.setattr(accounts, "email_taken", email_taken)
    with pytest.raises(AccountError, match="이미 가입된 이메일") as refused:
        accounts.register_consumer(person(email="race@example.kr"))
    assert not answers and refused.value.field == "email"
    assert len(db.session.scalars(select(User).where(User.email == "race@example.kr")).all()) == 1


def test_enterprise_sign_up_creates_a_pending_enterprise_with_its_member(app):
    user = accounts.register_enterprise(person(), enterprise_application(business_number=dashed(ENTERPRISE_NUMBER)))
    enterprise = user.enterprise
    assert user.role is Role.ENTERPRISE
    assert enterprise.status is ApprovalStatus.PENDING
    assert enterprise.business_number == ENTERPRISE_NUMBER
    assert enterprise.enterprise_type is EnterpriseType.COOPERATIVE
    assert enterprise.slug == "마포-함께빵-협동조합"
    assert enterprise.phone == "023214567"


def test_enterprises_with_the_same_name_get_distinct_slugs(app, make_enterprise):
    make_enterprise(name="함께빵", slug="함께빵")
    make_enterprise(name="함께빵 2", slug="함께빵-2")
    user = accounts.register_enterprise(person(), enterprise_application(name="함께빵"))
    assert user.enterprise.slug == "함께빵-3"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"business_number": wrong_check_digit(ENTERPRISE_NUMBER)}, "business_number"),
        ({"business_number": "12345"}, "business_number"),
        ({"district": "수원시"}, "district"),
        ({"enterprise_type": "startup"}, "enterprise_type"),
        ({"phone": "12"}, "enterprise_phone"),
        ({"name": ""}, "enterprise_name"),
    ],
)
def test_enterprise_application_refusals(app, changes, field):
    with pytest.raises(EnterpriseError) as refused:
        accounts.register_enterprise(person(), enterprise_application(**changes))
    assert refused.value.field == field
    assert db.session.scalar(select(Enterprise)) is None and db.session.scalar(select(User)) is None


def test_duplicate_business_number_is_refused_in_korean(app, make_enterprise):
    make_enterprise(business_number=ENTERPRISE_NUMBER)
    with pytest.raises(EnterpriseError, match="이미 입점 신청된 사업자등록번호") as refused:
        accounts.register_enterprise(person(), enterprise_application(business_number=dashed(ENTERPRISE_NUMBER)))
    assert refused.value.field == "business_number"
    assert db.session.scalar(select(User)) is None


def test_institution_sign_up_creates_a_pending_institution(app):
    signup = accounts.register_institution(
        person(phone="02-2153-5000", department="회계과", position="주무관"), institution_application()
    )
    user = signup.user
    assert not signup.joined_existing
    assert user.role is Role.INSTITUTION and user.phone == "0221535000"
    assert (user.department, user.position) == ("회계과", "주무관")
    assert user.institution.status is ApprovalStatus.PENDING
    assert user.institution.address_detail == "3층 회계과"
    assert user.membership_approved is False


def test_second_buyer_joins_the_registered_institution_pending_approval(app, make_institution):
    registered = make_institution(business_number=INSTITUTION_NUMBER, name="서울특별시 마포구청")
    signup = accounts.register_institution(
        person(department="총무과", position="주무관"),
        institution_application(business_number=dashed(INSTITUTION_NUMBER), name="마포구청(오타)"),
    )
    assert signup.joined_existing
    assert signup.user.institution_id == registered.id
    assert signup.user.membership_approved is False
    assert db.session.scalars(select(Institution)).all() == [registered]
    assert registered.name == "서울특별시 마포구청"


def test_a_rejected_institution_cannot_be_joined(app, make_institution):
    make_institution(business_number=INSTITUTION_NUMBER, status=ApprovalStatus.REJECTED)
    with pytest.raises(InstitutionError, match="반려") as refused:
        accounts.register_institution(person(), institution_application())
    assert refused.value.field == "business_number"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"business_number": wrong_check_digit(INSTITUTION_NUMBER)}, "business_number"),
        ({"postcode": "0393"}, "postcode"),
        ({"kind": "company"}, "kind"),
        ({"address": " "}, "address"),
    ],
)
def test_institution_application_refusals(app, changes, field):
    with pytest.raises(InstitutionError) as refused:
        accounts.register_institution(person(), institution_application(**changes))
    assert refused.value.field == field


def test_institution_buyer_may_give_an_office_number_but_a_consumer_may_not(app):
    accounts.register_institution(person(phone="02-2153-5000"), institution_application())
    with pytest.raises(AccountError):
        accounts.register_consumer(person(email="other@example.kr", phone="02-2153-5000"))


def test_authenticate_accepts_the_right_password_only(app, make_user):
    user = make_user(email="login@example.kr")
    assert accounts.authenticate(" LOGIN@example.kr ", PASSWORD).id == user.id
    for email, password in [("login@example.kr", "wrong-password"), ("nobody@example.kr", PASSWORD), ("", "")]:
        with pytest.raises(AccountError, match="이메일 또는 비밀번호가 올바르지 않습니다"):
            accounts.authenticate(email, password)


def test_a_deactivated_member_cannot_log_in(app, make_user):
    make_user(email="gone@example.kr", is_active_member=False)
    with pytest.raises(AccountError, match="정지"):
        accounts.authenticate("gone@example.kr", PASSWORD)


def test_create_admin(app):
    admin = accounts.create_admin("Staff@Hamkke.example", "지원센터 담당", "long-enough-pw")
    assert admin.role is Role.ADMIN and admin.email == "staff@hamkke.example"
    with pytest.raises(AccountError, match="이미 사용 중인 이메일"):
        accounts.create_admin("staff@hamkke.example", "다른 사람", "long-enough-pw")
    with pytest.raises(AccountError, match="10자 이상"):
        accounts.create_admin("new@hamkke.example", "지원센터", "short")


def test_a_business_number_registered_meanwhile_is_a_korean_error(app, make_enterprise, monkeypatch):
    """Two applications for one enterprise at once: the unique key decides, the loser gets the message."""
    from shop.enterprises import services as enterprises

    make_enterprise(business_number=ENTERPRISE_NUMBER)
    real = enterprises.check_business_number_free
    calls = []

    def check(number):
        calls.append(number)
        if len(calls) > 1:  # the first look-up ran before the other application was saved
            real(number)

    monkeypatch.setattr(enterprises, "check_business_number_free", check)
    with pytest.raises(EnterpriseError, match="이미 입점 신청된 사업자등록번호"):
        accounts.register_enterprise(person(), enterprise_application())
    assert len(calls) == 2
    assert db.session.scalar(select(User)) is None


def test_a_slug_taken_meanwhile_is_retried(app, make_enterprise, monkeypatch):
    from shop.enterprises import services as enterprises

    make_enterprise(name="함께빵", slug="함께빵")
    real = enterprises.unique_slug
    stale = ["함께빵"]  # what the first look-up saw before the other enterprise was saved
    monkeypatch.setattr(enterprises, "unique_slug", lambda name: stale.pop() if stale else real(name))
    user = accounts.register_enterprise(person(), enterprise_application(name="함께빵"))
    assert user.enterprise.slug == "함께빵-2"


def test_two_first_buyers_of_one_institution_end_up_in_the_same_institution(app, make_institution, monkeypatch):
    from shop.institutions import services as institutions

    registered = make_institution(business_number=INSTITUTION_NUMBER)
    real = institutions.find_by_business_number
    misses = [None]  # the first look-up ran before the other buyer's institution was saved
    monkeypatch.setattr(institutions, "find_by_business_number", lambda n: misses.pop() if misses else real(n))
    signup = accounts.register_institution(person(), institution_application())
    assert signup.joined_existing and signup.user.institution_id == registered.id
    assert db.session.scalars(select(Institution)).all() == [registered]


def test_passwords_are_hashed_at_full_cost_outside_the_test_suite(app):
    from shop import create_app
    from shop.accounts.models import password_hash_method

    assert password_hash_method() == "scrypt:4096:8:1"  # the suite's cheaper setting (tests/conftest)
    production_like = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with production_like.app_context():
        assert password_hash_method() == "scrypt"  # werkzeug's default cost, 32768:8:1
