"""An enterprise's own social value records: added, changed and deleted only within its own enterprise and
only while unverified; years, areas, amounts in won, sources and notes checked with Korean messages; one
record per year and area (a verified one included)."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from shop.enterprises import social_value
from shop.enterprises.models import SocialValueArea, SocialValueRecord
from shop.enterprises.social_value import (
    MAX_AMOUNT_KRW,
    RecordNotFound,
    SocialValueError,
    SocialValueInput,
)
from shop.extensions import db

TODAY = date(2026, 3, 15)


def entry(year=2025, area="employment", amount="120,000,000원", measured_by="자체 측정", note="") -> SocialValueInput:
    return SocialValueInput(year=year, area=area, amount=amount, measured_by=measured_by, note=note)


def rows(enterprise_id: int) -> list[tuple]:
    db.session.expire_all()
    return [(r.year, r.area, r.amount_krw, r.measured_by, r.verified, r.note)
            for r in social_value.records(enterprise_id)]


@pytest.fixture
def ours(make_enterprise):
    return make_enterprise(name="성수 업사이클 협동조합")


@pytest.fixture
def theirs(make_enterprise):
    return make_enterprise(name="다른 마을기업")


# --- adding -----------------------------------------------------------------------------------------


def test_an_enterprise_adds_its_own_unverified_record(ours):
    record = social_value.add_record(ours.id, entry(note="  취약계층 5명 고용\n  1년 유지  "), today=TODAY)

    assert rows(ours.id) == [(2025, SocialValueArea.EMPLOYMENT, 120_000_000, "자체 측정", False,
                              "취약계층 5명 고용\n1년 유지")]
    assert record.enterprise_id == ours.id and record.verified is False


@pytest.mark.parametrize("typed, amount", [
    ("1,200,000원", 1_200_000), ("₩ 1 200 000", 1_200_000), ("１２００", 1_200), ("0", 0),
    (f"{MAX_AMOUNT_KRW:,}원", MAX_AMOUNT_KRW), (35_000, 35_000),
])
def test_amounts_are_typed_the_way_people_write_won(ours, typed, amount):
    social_value.add_record(ours.id, entry(amount=typed), today=TODAY)

    assert rows(ours.id)[0][2] == amount


@pytest.mark.parametrize("data, field, message", [
    (entry(year=2009), "year", "연도는 2010년부터 2026년 사이로 골라 주세요."),
    (entry(year=2027), "year", "연도는 2010년부터 2026년 사이로 골라 주세요."),
    (entry(year="이천이십오"), "year", "연도는 2024처럼 네 자리 숫자로 입력해 주세요."),
    (entry(year=""), "year", "연도를 골라 주세요."),
    (entry(year=True), "year", "연도는 2010년부터 2026년 사이로 골라 주세요."),
    (entry(area="happiness"), "area", "분야를 목록에서 골라 주세요."),
    (entry(area=""), "area", "분야를 목록에서 골라 주세요."),
    (entry(amount=""), "amount", "금액을 입력해 주세요."),
    (entry(amount="-5,000"), "amount", "금액은 0원 이상 100,000,000,000원 이하로 입력해 주세요."),
    (entry(amount=f"{MAX_AMOUNT_KRW + 1}"), "amount", "금액은 0원 이상 100,000,000,000원 이하로 입력해 주세요."),
    (entry(amount="9" * 5000), "amount", "금액은 0원 이상 100,000,000,000원 이하로 입력해 주세요."),
    (entry(amount="1.5억"), "amount", "금액은 원 단위 숫자로 입력해 주세요. 예: 12,000,000"),
    (entry(amount="12000.50"), "amount", "금액은 원 단위 숫자로 입력해 주세요. 예: 12,000,000"),
    (entry(amount=1.5), "amount", "금액은 원 단위 숫자로 입력해 주세요. 예: 12,000,000"),
    (entry(amount=-1), "amount", "금액은 0원 이상 100,000,000,000원 이하로 입력해 주세요."),
    (entry(measured_by="   "), "measured_by", "측정 주체(출처)를 입력해 주세요. 예: SPC, 자체 측정"),
    (entry(measured_by="가" * 51), "measured_by", "측정 주체(출처)는 50자 이하로 입력해 주세요."),
    (entry(note="나" * 301), "note", "비고는 300자 이하로 입력해 주세요."),
])
def test_bad_input_is_refused_with_a_korean_message_naming_the_field(ours, data, field, message):
    with pytest.raises(SocialValueError) as refused:
        social_value.add_record(ours.id, data, today=TODAY)

    assert (refused.value.field, str(refused.value)) == (field, message)
    assert rows(ours.id) == []


def test_fifty_characters_of_source_and_three_hundred_of_note_are_enough(ours):
    social_value.add_record(ours.id, entry(measured_by="가" * 50, note="나" * 300), today=TODAY)

    assert len(rows(ours.id)[0][3]) == 50 and len(rows(ours.id)[0][5]) == 300


def test_one_record_per_year_and_area(ours, theirs):
    social_value.add_record(ours.id, entry(), today=TODAY)

    with pytest.raises(SocialValueError) as refused:
        social_value.add_record(ours.id, entry(amount="5"), today=TODAY)

    assert refused.value.field == "area"
    assert str(refused.value) == "2025년 '고용·내부 공정성' 분야 기록이 이미 있습니다. 목록에서 그 기록을 수정해 주세요."
    social_value.add_record(ours.id, entry(year=2024), today=TODAY)  # another year
    social_value.add_record(ours.id, entry(area="environment"), today=TODAY)  # another area
    social_value.add_record(theirs.id, entry(), today=TODAY)  # another enterprise
    assert len(rows(ours.id)) == 3 and len(rows(theirs.id)) == 1


def test_a_year_and_area_the_center_verified_cannot_get_a_second_figure(ours, make_social_value):
    make_social_value(ours, year=2025, area=SocialValueArea.EMPLOYMENT, amount=300_000_000, measured_by="SPC",
                      verified=True)

    with pytest.raises(SocialValueError) as refused:
        social_value.add_record(ours.id, entry(), today=TODAY)

    assert str(refused.value) == "2025년 '고용·내부 공정성' 분야는 센터가 검증한 기록이 이미 있어 따로 입력할 수 없습니다."


# --- reading ----------------------------------------------------------------------------------------


def test_records_list_verified_and_own_newest_year_first_in_area_order(ours, theirs, make_social_value):
    make_social_value(ours, year=2024, area=SocialValueArea.ENVIRONMENT, amount=50_000_000, verified=True)
    social_value.add_record(ours.id, entry(year=2025, area="community", amount="7,000,000"), today=TODAY)
    social_value.add_record(ours.id, entry(year=2025, area="employment", amount="90,000,000"), today=TODAY)
    make_social_value(theirs, year=2025, amount=999_000_000)

    listed = social_value.records(ours.id)

    assert [(r.year, r.area, r.verified) for r in listed] == [
        (2025, SocialValueArea.EMPLOYMENT, False), (2025, SocialValueArea.COMMUNITY, False),
        (2024, SocialValueArea.ENVIRONMENT, True),
    ]
    totals = social_value.yearly_totals(listed)
    assert [(t.year, t.verified_krw, t.reported_krw, t.total_krw) for t in totals] == [
        (2025, 0, 97_000_000, 97_000_000), (2024, 50_000_000, 0, 50_000_000)]


def test_only_own_unverified_records_are_editable(ours, theirs, make_social_value):
    own = social_value.add_record(ours.id, entry(), today=TODAY)
    verified = make_social_value(ours, year=2024, verified=True)
    foreign = make_social_value(theirs, year=2025)

    assert social_value.editable_record(ours.id, own.id).id == own.id
    assert social_value.editable_record(ours.id, verified.id) is None
    assert social_value.editable_record(ours.id, foreign.id) is None
    assert social_value.editable_record(ours.id, 999_999) is None


# --- changing and deleting --------------------------------------------------------------------------


def test_an_own_record_is_changed(ours):
    record = social_value.add_record(ours.id, entry(), today=TODAY)

    social_value.update_record(ours.id, record.id, entry(year="2024", area="social_service", amount="1,500,000",
                                                         measured_by="외부 평가기관", note="돌봄 서비스"),
                               today=TODAY)

    assert rows(ours.id) == [(2024, SocialValueArea.SOCIAL_SERVICE, 1_500_000, "외부 평가기관", False, "돌봄 서비스")]


def test_a_change_keeps_the_same_year_and_area_but_cannot_take_another_records(ours):
    record = social_value.add_record(ours.id, entry(), today=TODAY)
    social_value.add_record(ours.id, entry(area="environment"), today=TODAY)

    social_value.update_record(ours.id, record.id, entry(amount="1"), today=TODAY)  # itself is no duplicate
    with pytest.raises(SocialValueError) as refused:
        social_value.update_record(ours.id, record.id, entry(area="environment"), today=TODAY)

    assert "2025년 '환경' 분야 기록이 이미 있습니다" in str(refused.value)
    assert sorted((r[1].value, r[2]) for r in rows(ours.id)) == [("employment", 1), ("environment", 120_000_000)]


def test_verified_and_other_enterprises_records_cannot_be_changed_or_deleted(ours, theirs, make_social_value):
    verified = make_social_value(ours, year=2024, amount=300_000_000, verified=True, measured_by="SPC")
    foreign = make_social_value(theirs, year=2025, amount=80_000_000)
    before = (rows(ours.id), rows(theirs.id))

    for record_id in (verified.id, foreign.id):
        with pytest.raises(RecordNotFound):
            social_value.update_record(ours.id, record_id, entry(amount="1"), today=TODAY)
        with pytest.raises(RecordNotFound):
            social_value.delete_record(ours.id, record_id)

    assert (rows(ours.id), rows(theirs.id)) == before
    assert str(RecordNotFound()) == "고칠 수 있는 사회적 가치 기록이 아닙니다. 센터가 검증한 기록은 센터만 고칠 수 있습니다."


def test_a_record_the_center_verified_meanwhile_can_no_longer_be_changed(ours):
    record = social_value.add_record(ours.id, entry(), today=TODAY)
    db.session.execute(sa.update(SocialValueRecord).where(SocialValueRecord.id == record.id).values(verified=True))
    db.session.commit()

    with pytest.raises(RecordNotFound):
        social_value.update_record(ours.id, record.id, entry(amount="1"), today=TODAY)
    with pytest.raises(RecordNotFound):
        social_value.delete_record(ours.id, record.id)
    assert rows(ours.id)[0][2] == 120_000_000


def test_an_own_record_is_deleted_and_others_stay(ours, theirs, make_social_value):
    record = social_value.add_record(ours.id, entry(), today=TODAY)
    make_social_value(ours, year=2024, verified=True)
    make_social_value(theirs, year=2025)

    social_value.delete_record(ours.id, record.id)

    assert [(r[0], r[4]) for r in rows(ours.id)] == [(2024, True)]
    assert len(rows(theirs.id)) == 1
    with pytest.raises(RecordNotFound):
        social_value.delete_record(ours.id, record.id)  # already gone


def test_a_duplicate_that_slips_past_the_check_is_refused_by_the_database(ours, monkeypatch):
    """Two colleagues adding the same year and area at once: the unique constraint decides, same message."""
    social_value.add_record(ours.id, entry(), today=TODAY)
    monkeypatch.setattr(social_value, "_refuse_duplicate", lambda *args, **kwargs: None)

    with pytest.raises(SocialValueError) as refused:
        social_value.add_record(ours.id, entry(amount="1"), today=TODAY)

    assert refused.value.field == "area" and "이미 있습니다" in str(refused.value)
    assert len(rows(ours.id)) == 1
