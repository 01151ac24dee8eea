"""The center's verified social value: staff record it at /admin/social-value (amount, incentive, source),
it replaces a self-reported figure for the same year and area, every change is audited, and the public
pages — /impact, the home page, an enterprise's page — show only verified figures."""
from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role
from shop.audit.models import AuditEntry
from shop.core.korea import kst_today
from shop.enterprises import verified_value
from shop.enterprises.impact import impact_by_year, stacked_chart
from shop.enterprises.models import SocialValueArea, SocialValueRecord
from shop.enterprises.social_value import SocialValueError
from shop.enterprises.verified_value import VerifiedInput
from shop.extensions import db
from shop.models_base import ApprovalStatus
from tests.conftest import csrf_from, signed_in

TODAY = kst_today()


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", unescape(response.get_data(as_text=True))).split())


@pytest.fixture
def scene(make_enterprise, make_user, make_social_value):
    coop = make_enterprise(name="늘봄 협동조합")
    bakery = make_enterprise(name="햇살 베이커리")
    closed = make_enterprise(name="퇴점한 조합", status=ApprovalStatus.SUSPENDED)
    staff = make_user(Role.ADMIN, name="성과담당")
    make_social_value(coop, year=2024, area=SocialValueArea.EMPLOYMENT, amount=999_000_000,
                      measured_by="자체 측정")  # self-reported: never public, replaced below
    make_social_value(bakery, year=2024, area=SocialValueArea.ENVIRONMENT, amount=5_000_000, measured_by="자체 측정")
    return coop, bakery, closed, staff


def verify(enterprise, year, area, amount, staff, incentive="", source="SPC"):
    return verified_value.record_verified(VerifiedInput(enterprise.id, year, area, amount, incentive, source),
                                          staff, today=TODAY)


def test_staff_figures_replace_self_reports_and_public_totals_count_only_them(scene):
    coop, bakery, closed, staff = scene
    assert impact_by_year() == []
    record = verify(coop, 2024, SocialValueArea.EMPLOYMENT, "310,000,000원", staff, incentive="31,000,000")
    assert (record.amount_krw, record.incentive_krw, record.verified, record.verified_by_id) == \
        (310_000_000, 31_000_000, True, staff.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SocialValueRecord)
                             .where(SocialValueRecord.enterprise_id == coop.id)) == 1  # replaced, not added
    entry = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert (entry.action, entry.before["amount_krw"], entry.after["amount_krw"]) == \
        ("social_value.verified", 999_000_000, 310_000_000)

    verify(coop, 2024, SocialValueArea.SOCIAL_SERVICE, 90_000_000, staff)
    verify(bakery, 2024, SocialValueArea.EMPLOYMENT, 50_000_000, staff, incentive="5000000")
    verify(coop, 2025, SocialValueArea.ENVIRONMENT, 40_000_000, staff)
    verify(closed, 2024, SocialValueArea.EMPLOYMENT, 70_000_000, staff)  # recorded, but not a listed enterprise

    latest, earlier = impact_by_year()
    assert (latest.year, latest.total_krw, latest.enterprise_count) == (2025, 40_000_000, 1)
    assert (earlier.year, earlier.total_krw, earlier.enterprise_count, earlier.incentive_krw) == \
        (2024, 450_000_000, 2, 36_000_000)  # 햇살's self-reported 5,000,000 is not counted
    assert earlier.by_area == {SocialValueArea.EMPLOYMENT: 360_000_000, SocialValueArea.SOCIAL_SERVICE: 90_000_000}
    rows, _ = stacked_chart(impact_by_year())
    assert [r.year for r in rows] == [2024, 2025]
    assert sum(s.width for s in rows[0].segments) > sum(s.width for s in rows[1].segments)


def test_bad_input_is_refused_in_korean(scene, make_user):
    coop, _, _, staff = scene
    cases = [(dict(amount="많이"), "amount"), (dict(incentive="-1"), "incentive"), (dict(year=TODAY.year + 1), "year"),
             (dict(area="happiness"), "area"), (dict(source=""), "measured_by")]
    for change, field in cases:
        data = dict(enterprise_id=coop.id, year=2024, area="employment", amount="1,000", incentive="", source="SPC")
        data.update(change)
        with pytest.raises(SocialValueError) as refused:
            verified_value.record_verified(VerifiedInput(**data), staff, today=TODAY)
        assert refused.value.field == field and re.search("[가-힣]", str(refused.value))
    with pytest.raises(SocialValueError, match="입점기업을 목록에서"):
        verified_value.record_verified(VerifiedInput(9999, 2024, "employment", "1"), staff, today=TODAY)
    with pytest.raises(SocialValueError, match="지원센터 담당자만"):
        verified_value.record_verified(VerifiedInput(coop.id, 2024, "employment", "1"),
                                       make_user(Role.ENTERPRISE, enterprise=coop), today=TODAY)


def test_staff_use_the_admin_page_and_the_public_pages_show_verified_figures(app, client, scene):
    coop, bakery, _, staff = scene
    with app.app_context():
        browser, _ = signed_in(app, staff)
        page = browser.get("/admin/social-value")
        token = csrf_from(page.get_data(as_text=True))
        refused = browser.post("/admin/social-value", data={"csrf_token": token, "enterprise_id": coop.id,
                                                              "year": "2024", "area": "employment", "amount": "약 3억",
                                                              "source": "SPC"})
        assert refused.status_code == 400 and "금액은 원 단위 숫자로 입력해 주세요" in words(refused)
        saved = browser.post("/admin/social-value", data={"csrf_token": token, "enterprise_id": coop.id, "year": "2024",
                                                            "area": "employment", "amount": "310,000,000",
                                                            "incentive": "31,000,000", "source": "SPC"},
                             follow_redirects=True)
        assert "310,000,000원을 기록했습니다" in words(saved)
        record = verified_value.verified_records(enterprise_id=coop.id)[0]
        edit = browser.get(f"/admin/social-value/{record.id}")
        assert edit.status_code == 200 and 'value="310,000,000"' in edit.get_data(as_text=True)
        browser.post("/admin/social-value", data={"csrf_token": token, "enterprise_id": coop.id, "year": "2024",
                                                  "area": "employment", "amount": "320,000,000", "source": "SPC",
                                                  "fixed": "1"})
        assert browser.get("/admin/social-value/999999").status_code == 404

    impact = words(client.get("/impact"))
    assert "320,000,000원" in impact and "2024년" in impact and "1곳" in impact
    assert "5,000,000원" not in impact  # 햇살's self-report
    assert "320,000,000원" in words(client.get(f"/enterprises/{coop.slug}"))
    bakery_page = words(client.get(f"/enterprises/{bakery.slug}"))
    assert "5,000,000원" not in bakery_page and "아직 지원센터가 검증한 사회적 가치" in bakery_page
    assert "2024년 측정 사회적 가치" in words(client.get("/"))

    with app.app_context():
        browser, _ = signed_in(app, staff)
        token = csrf_from(browser.get("/admin/social-value").get_data(as_text=True))
        assert browser.post(f"/admin/social-value/{record.id}/delete", data={"csrf_token": token}).status_code == 303
    assert "아직 지원센터가 검증한" in words(client.get("/impact"))
