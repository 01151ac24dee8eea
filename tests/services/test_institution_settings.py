"""Institution settings: the purchase target, the member list and the shared delivery addresses, each kept
to its own institution; one default address however the changes interleave."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.extensions import db
from shop.institutions import settings
from shop.institutions.models import Institution, InstitutionAddress
from shop.institutions.settings import (
    MAX_ADDRESSES,
    MAX_PURCHASE_TARGET_KRW,
    AddressInput,
    AddressNotFound,
    InstitutionSettingsError,
)
from shop.models_base import utcnow
from tests.services.order_helpers import race

CITY_HALL = AddressInput(
    label="본청 총무과",
    department="총무과 물품관리팀",
    contact_name="박담당",
    contact_phone="02-2133-1234",
    postcode="04524",
    address1="서울특별시 중구 세종대로 110",
    address2="서울시청 본관 3층",
)
ANNEX = AddressInput(
    label="서소문 별관",
    department="복지정책과",
    contact_name="이주무관",
    contact_phone="010-2345-6789",
    postcode="04515",
    address1="서울특별시 중구 서소문로 124",
)


@pytest.fixture
def institution(make_institution):
    return make_institution(name="서울특별시 본청")


@pytest.fixture
def other_institution(make_institution):
    return make_institution(name="서울특별시 마포구청")


def labels(institution_id: int) -> list[str]:
    return [a.label for a in settings.addresses(institution_id)]


def defaults(institution_id: int) -> list[str]:
    db.session.expire_all()
    return [a.label for a in settings.addresses(institution_id) if a.is_default]


def numbered(n: int) -> AddressInput:
    return replace(CITY_HALL, label=f"배송지 {n}")


# --- purchase target ---------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [0, 50_000_000, MAX_PURCHASE_TARGET_KRW])
def test_the_purchase_target_is_kept_in_whole_won(institution, amount):
    settings.set_purchase_target(institution.id, amount)
    assert settings.purchase_target(institution.id) == amount
    assert db.session.get(Institution, institution.id).purchase_target_krw == amount


@pytest.mark.parametrize("amount", [-1, MAX_PURCHASE_TARGET_KRW + 1, 1.5, 1e9, True, "50000000", None])
def test_a_target_out_of_range_or_not_whole_won_is_refused(institution, amount):
    settings.set_purchase_target(institution.id, 30_000_000)
    with pytest.raises(InstitutionSettingsError) as refused:
        settings.set_purchase_target(institution.id, amount)
    assert refused.value.field == "purchase_target" and "구매 목표액" in str(refused.value)
    assert settings.purchase_target(institution.id) == 30_000_000


def test_setting_a_target_touches_only_that_institution(institution, other_institution):
    settings.set_purchase_target(other_institution.id, 7_000_000)
    settings.set_purchase_target(institution.id, 90_000_000)
    assert settings.purchase_target(other_institution.id) == 7_000_000


def test_an_unknown_institution_has_no_target_to_set(app):
    with pytest.raises(InstitutionSettingsError):
        settings.set_purchase_target(987654, 1000)


# --- members -----------------------------------------------------------------------------------------


def test_members_are_the_institutions_buyers_approved_first(institution, other_institution, make_user):
    now = utcnow()
    waiting = make_user(Role.INSTITUTION, institution=institution, membership_approved=False, name="나대기",
                        created_at=now - timedelta(days=30))
    first = make_user(Role.INSTITUTION, institution=institution, name="김처음", department="총무과",
                      position="주무관", phone="0221331234", created_at=now - timedelta(days=10))
    second = make_user(Role.INSTITUTION, institution=institution, name="이두번", created_at=now - timedelta(days=5))
    make_user(Role.INSTITUTION, institution=other_institution, name="다른기관")
    make_user(Role.INSTITUTION, institution=institution, name="퇴사자", is_active_member=False)
    make_user(Role.CONSUMER, name="일반회원")

    members = settings.members(institution.id)

    assert [m.name for m in members] == ["김처음", "이두번", "나대기"]
    assert [m.is_approved for m in members] == [True, True, False]
    head = members[0]
    assert (head.id, head.department, head.position, head.email, head.phone) == (
        first.id, "총무과", "주무관", first.email, "0221331234")
    assert head.joined_at is not None
    assert {m.id for m in members} == {first.id, second.id, waiting.id}


def test_an_institution_without_buyers_has_an_empty_member_list(institution):
    assert settings.members(institution.id) == []


# --- adding addresses --------------------------------------------------------------------------------


def test_the_first_address_becomes_the_default_and_later_ones_do_not(institution):
    first = settings.add_address(institution.id, CITY_HALL)
    second = settings.add_address(institution.id, ANNEX)
    assert first.is_default and not second.is_default
    assert defaults(institution.id) == ["본청 총무과"]


def test_an_added_address_is_stored_trimmed_and_normalised(institution):
    typed = replace(CITY_HALL, label="  본청   총무과 ", contact_phone=" 02 2133 1234 ", postcode="０４５２４",
                    address2="  ")
    address = settings.add_address(institution.id, typed)
    db.session.expire_all()
    stored = settings.find_address(institution.id, address.id)
    assert stored.label == "본청 총무과"
    assert stored.contact_phone == "0221331234"
    assert stored.postcode == "04524"
    assert stored.address2 == ""
    assert stored.institution_id == institution.id


def test_asking_for_the_default_moves_it(institution):
    settings.add_address(institution.id, CITY_HALL)
    settings.add_address(institution.id, replace(ANNEX, make_default=True))
    assert defaults(institution.id) == ["서소문 별관"]
    assert labels(institution.id) == ["서소문 별관", "본청 총무과"]  # default first


@pytest.mark.parametrize("phone", ["02-123-4567", "031-123-4567", "1588-1234", "070-1234-5678", "010-9876-5432"])
def test_an_office_line_is_a_fine_contact_number(institution, phone):
    address = settings.add_address(institution.id, replace(CITY_HALL, contact_phone=phone))
    assert address.contact_phone.isdigit()


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"label": " "}, "label", "배송지 이름을 입력해"),
        ({"label": "가" * 31}, "label", "배송지 이름은 30자 이하"),
        ({"department": ""}, "department", "받는 부서를 입력해"),
        ({"department": "부" * 81}, "department", "받는 부서는 80자 이하"),
        ({"contact_name": ""}, "contact_name", "담당자 이름을 입력해"),
        ({"contact_name": "김" * 51}, "contact_name", "담당자 이름은 50자 이하"),
        ({"contact_phone": ""}, "contact_phone", "담당자 연락처를 입력해"),
        ({"contact_phone": "123-4567"}, "contact_phone", "담당자 연락처가 올바르지"),
        ({"contact_phone": "02-1234-abcd"}, "contact_phone", "담당자 연락처가 올바르지"),
        ({"postcode": ""}, "postcode", "우편번호를 입력해"),
        ({"postcode": "1234"}, "postcode", "우편번호는 숫자 5자리"),
        ({"postcode": "94524"}, "postcode", "우편번호는 숫자 5자리"),
        ({"address1": ""}, "address1", "주소를 입력해"),
        ({"address1": "서" * 201}, "address1", "주소는 200자 이하"),
        ({"address2": "층" * 201}, "address2", "상세주소는 200자 이하"),
    ],
)
def test_every_field_is_checked_with_a_message_naming_it(institution, changes, field, words):
    with pytest.raises(InstitutionSettingsError) as refused:
        settings.add_address(institution.id, replace(CITY_HALL, **changes))
    assert refused.value.field == field
    assert words in str(refused.value)
    assert settings.addresses(institution.id) == []


def test_an_institution_keeps_at_most_thirty_addresses(institution, other_institution):
    for n in range(MAX_ADDRESSES):
        settings.add_address(institution.id, numbered(n))
    with pytest.raises(InstitutionSettingsError) as refused:
        settings.add_address(institution.id, ANNEX)
    assert f"{MAX_ADDRESSES}개까지" in str(refused.value)
    assert len(settings.addresses(institution.id)) == MAX_ADDRESSES
    settings.add_address(other_institution.id, ANNEX)  # the limit is per institution


def test_an_unknown_institution_gets_no_address(app):
    with pytest.raises(InstitutionSettingsError):
        settings.add_address(987654, CITY_HALL)


# --- reading and scoping -----------------------------------------------------------------------------


def test_addresses_list_the_default_first_then_the_oldest(institution, other_institution):
    for n in range(3):
        settings.add_address(institution.id, numbered(n))
    third = settings.addresses(institution.id)[2]
    settings.make_default(institution.id, third.id)
    settings.add_address(other_institution.id, ANNEX)
    assert labels(institution.id) == ["배송지 2", "배송지 0", "배송지 1"]


def test_another_institutions_address_cannot_be_found_or_changed(institution, other_institution):
    theirs = settings.add_address(other_institution.id, ANNEX)
    settings.add_address(institution.id, CITY_HALL)
    assert settings.find_address(institution.id, theirs.id) is None
    assert settings.find_address(other_institution.id, theirs.id).label == "서소문 별관"
    for attempt in (
        lambda: settings.update_address(institution.id, theirs.id, CITY_HALL),
        lambda: settings.delete_address(institution.id, theirs.id),
        lambda: settings.make_default(institution.id, theirs.id),
    ):
        with pytest.raises(AddressNotFound):
            attempt()
    db.session.expire_all()
    kept = db.session.get(InstitutionAddress, theirs.id)
    assert (kept.label, kept.institution_id, kept.is_default) == ("서소문 별관", other_institution.id, True)
    assert defaults(institution.id) == ["본청 총무과"]


def test_a_missing_address_is_none(institution):
    assert settings.find_address(institution.id, 424242) is None


# --- changing ----------------------------------------------------------------------------------------


def test_updating_an_address_changes_it_and_keeps_the_default(institution):
    home = settings.add_address(institution.id, CITY_HALL)
    settings.add_address(institution.id, ANNEX)
    settings.update_address(institution.id, home.id, replace(CITY_HALL, contact_name="최새담당", address2="4층"))
    db.session.expire_all()
    changed = settings.find_address(institution.id, home.id)
    assert (changed.contact_name, changed.address2, changed.is_default) == ("최새담당", "4층", True)


def test_updating_with_make_default_moves_the_default(institution):
    settings.add_address(institution.id, CITY_HALL)
    annex = settings.add_address(institution.id, ANNEX)
    settings.update_address(institution.id, annex.id, replace(ANNEX, make_default=True))
    assert defaults(institution.id) == ["서소문 별관"]


def test_an_invalid_update_changes_nothing(institution):
    home = settings.add_address(institution.id, CITY_HALL)
    with pytest.raises(InstitutionSettingsError) as refused:
        settings.update_address(institution.id, home.id, replace(CITY_HALL, postcode="abcde"))
    assert refused.value.field == "postcode"
    db.session.expire_all()
    assert settings.find_address(institution.id, home.id).postcode == "04524"


def test_make_default_leaves_exactly_one(institution):
    ids = [settings.add_address(institution.id, numbered(n)).id for n in range(4)]
    for address_id in (ids[2], ids[1], ids[1], ids[3]):
        settings.make_default(institution.id, address_id)
        assert len(defaults(institution.id)) == 1
    assert defaults(institution.id) == ["배송지 3"]


# --- deleting ----------------------------------------------------------------------------------------


def test_deleting_the_default_makes_the_oldest_remaining_one_default(institution):
    ids = [settings.add_address(institution.id, numbered(n)).id for n in range(3)]
    settings.make_default(institution.id, ids[2])
    settings.delete_address(institution.id, ids[2])
    assert defaults(institution.id) == ["배송지 0"]
    settings.delete_address(institution.id, ids[0])
    assert defaults(institution.id) == ["배송지 1"]


def test_deleting_another_address_keeps_the_default(institution):
    ids = [settings.add_address(institution.id, numbered(n)).id for n in range(3)]
    settings.delete_address(institution.id, ids[1])
    assert labels(institution.id) == ["배송지 0", "배송지 2"]
    assert defaults(institution.id) == ["배송지 0"]


def test_deleting_the_last_address_leaves_none_and_the_next_one_is_default_again(institution):
    only = settings.add_address(institution.id, CITY_HALL)
    settings.delete_address(institution.id, only.id)
    assert settings.addresses(institution.id) == []
    assert settings.add_address(institution.id, ANNEX).is_default


def test_deleting_twice_is_a_not_found(institution):
    only = settings.add_address(institution.id, CITY_HALL)
    settings.delete_address(institution.id, only.id)
    with pytest.raises(AddressNotFound):
        settings.delete_address(institution.id, only.id)


# --- races -------------------------------------------------------------------------------------------


def test_buyers_picking_different_defaults_at_once_leave_one_default(app, institution):
    ids = [settings.add_address(institution.id, numbered(n)).id for n in range(6)]
    institution_id = institution.id
    results = race(app, len(ids), lambda i: settings.make_default(institution_id, ids[i]).id)
    assert all(isinstance(r, int) for r in results), results
    assert len(defaults(institution_id)) == 1


def test_first_addresses_added_at_once_make_one_default(app, institution):
    institution_id = institution.id
    results = race(app, 6, lambda i: settings.add_address(institution_id, numbered(i)).id)
    assert all(isinstance(r, int) for r in results), results
    assert len(settings.addresses(institution_id)) == 6
    assert len(defaults(institution_id)) == 1


def test_adding_at_the_limit_at_once_stops_at_thirty(app, institution):
    institution_id = institution.id
    for n in range(MAX_ADDRESSES - 2):
        settings.add_address(institution_id, numbered(n))
    results = race(app, 5, lambda i: settings.add_address(institution_id, numbered(100 + i)).id)
    added = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, InstitutionSettingsError)]
    assert (len(added), len(refused)) == (2, 3), results
    count = db.session.scalar(sa.select(sa.func.count()).select_from(InstitutionAddress)
                              .where(InstitutionAddress.institution_id == institution_id))
    assert count == MAX_ADDRESSES


def test_deleting_the_default_while_another_is_made_default_leaves_one(app, institution):
    ids = [settings.add_address(institution.id, numbered(n)).id for n in range(4)]
    institution_id = institution.id

    def collide(i: int):
        if i == 0:
            return settings.delete_address(institution_id, ids[0])
        return settings.make_default(institution_id, ids[i]).id

    results = race(app, 4, collide)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(settings.addresses(institution_id)) == 3
    assert len(defaults(institution_id)) == 1
