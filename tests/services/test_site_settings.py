"""Site settings: saved values override the configured operator details and the built-in policy texts;
every value is checked, only changed keys are written, one audit entry tells what changed (policy texts
by length and hash only), and nothing is cached between reads."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.audit.models import AuditEntry
from shop.core.korea import make_business_number
from shop.extensions import db
from shop.site import settings
from shop.site.models import SiteSetting
from shop.site.settings import SettingsInput, SettingsInvalid
from tests.services.order_helpers import race


@pytest.fixture
def staff(make_user):
    return make_user(Role.ADMIN, name="설정담당")


def as_shown(**changes) -> SettingsInput:
    """The form as it arrives when staff change only `changes` (operator keys, or policy_<name>)."""
    now = settings.current()
    operator = {**now.operator, **{k: v for k, v in changes.items() if not k.startswith("policy_")}}
    policies = {**now.policies, **{k[7:]: v for k, v in changes.items() if k.startswith("policy_")}}
    return SettingsInput(operator=operator, policies=policies)


def entries() -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "settings.saved")
                                   .order_by(AuditEntry.id)))


def stored_keys() -> set[str]:
    return set(db.session.scalars(sa.select(SiteSetting.key)))


def test_with_nothing_saved_the_configured_operator_details_apply(app):
    assert settings.operator_details() == app.config["OPERATOR"]
    assert all(settings.policy_html(name) == "" for name in settings.POLICIES)


def test_saving_writes_only_the_changed_keys_and_one_audit_entry(app, staff):
    old_phone = app.config["OPERATOR"]["phone"]
    changed = settings.save(as_shown(phone="0212345678", hosting="서울시 클라우드"), actor=staff)
    assert changed == ["고객센터 전화번호", "호스팅 서비스"]
    assert stored_keys() == {"operator.phone", "operator.hosting"}
    details = settings.operator_details()
    assert details["phone"] == "02-1234-5678"  # stored the way it is printed
    assert details["hosting"] == "서울시 클라우드" and details["name"] == app.config["OPERATOR"]["name"]
    [entry] = entries()
    assert entry.subject_type == "settings" and entry.subject_id is None and entry.actor_id == staff.id
    assert entry.before == {"operator.phone": old_phone, "operator.hosting": app.config["OPERATOR"]["hosting"]}
    assert entry.after == {"operator.phone": "02-1234-5678", "operator.hosting": "서울시 클라우드"}
    assert "고객센터 전화번호" in entry.subject_label
    row = db.session.get(SiteSetting, "operator.phone")
    assert row.updated_by_id == staff.id and row.updated_at is not None


def test_saving_the_same_values_again_writes_nothing(app, staff):
    settings.save(as_shown(phone="02-555-1234"), actor=staff)
    assert settings.save(as_shown(), actor=staff) == []
    assert settings.save(as_shown(phone="02 555 1234"), actor=staff) == []  # the same number, spaced
    assert len(entries()) == 1


@pytest.mark.parametrize("field, value, message", [
    ("business_number", "123-45-67890", "올바른 사업자등록번호가 아닙니다"),
    ("phone", "1234", "올바른 전화번호를 입력해 주세요"),
    ("email", "help@", "올바른 이메일 주소를 입력해 주세요"),
    ("name", "   ", "상호을(를) 입력해 주세요"),
    ("address", "서울" * 101, "주소은(는) 200자 이하로"),
    ("policy_terms", "<p>" + "가" * 50_001 + "</p>", "50,000자 이하로"),
])
def test_a_wrong_value_is_refused_and_nothing_is_saved(app, staff, field, value, message):
    with pytest.raises(SettingsInvalid) as refused:
        settings.save(as_shown(**{field: value, "hosting": "바뀌면 안 됨"}), actor=staff)
    assert message in refused.value.errors[field]
    assert stored_keys() == set() and entries() == []


def test_every_refused_field_is_reported_at_once(app, staff):
    with pytest.raises(SettingsInvalid) as refused:
        settings.save(as_shown(phone="12", email="x", business_number="1"), actor=staff)
    assert set(refused.value.errors) == {"phone", "email", "business_number"}


def test_a_valid_business_number_is_stored_formatted(app, staff):
    number = make_business_number("101810000")
    settings.save(as_shown(business_number=number), actor=staff)
    assert settings.operator_details()["business_number"] == f"{number[:3]}-{number[3:5]}-{number[5:]}"


def test_policy_text_is_sanitised_and_the_audit_keeps_only_its_length_and_hash(app, staff):
    text = ('<h3>제1조 (목적)</h3><p onclick="steal()">새 약관입니다.</p><script>alert(1)</script>'
            '<a href="javascript:alert(1)">링크</a>')
    assert settings.save(as_shown(policy_terms=text), actor=staff) == ["이용약관"]
    shown = settings.policy_html("terms")
    assert "<h3>제1조 (목적)</h3>" in shown and "새 약관입니다." in shown
    assert "script" not in shown and "onclick" not in shown and "javascript" not in shown
    [entry] = entries()
    assert entry.before == {"policy.terms": "기본 문구"}
    after = entry.after["policy.terms"]
    assert after == settings.fingerprint(shown) and "자 · sha256 " in after and "약관" not in after


def test_clearing_a_policy_brings_back_the_built_in_text(app, staff):
    settings.save(as_shown(policy_privacy="<p>새 방침</p>"), actor=staff)
    assert settings.policy_html("privacy") == "<p>새 방침</p>"
    assert settings.save(as_shown(policy_privacy="  "), actor=staff) == ["개인정보처리방침"]
    assert settings.policy_html("privacy") == ""
    assert entries()[-1].after == {"policy.privacy": "기본 문구"}


def test_html_with_nothing_readable_counts_as_empty(app, staff):
    assert settings.save(as_shown(policy_withdrawal="<script>x()</script><p> </p>"), actor=staff) == []
    assert settings.policy_html("withdrawal") == ""


def test_reads_are_never_cached(app, staff):
    assert settings.operator_details()["phone"] == app.config["OPERATOR"]["phone"]
    db.session.merge(SiteSetting(key="operator.phone", value="1588-0000"))  # as another worker would
    db.session.commit()
    assert settings.operator_details()["phone"] == "1588-0000"
    lazy = settings.LazyOperator()
    assert lazy["phone"] == "1588-0000" and dict(lazy)["email"] == app.config["OPERATOR"]["email"]


def test_a_row_written_around_the_service_is_still_sanitised_on_the_way_out(app):
    db.session.add(SiteSetting(key="policy.terms", value='<p>약관</p><img src="x" onerror="alert(1)">'))
    db.session.commit()
    assert "onerror" not in settings.policy_html("terms")


def test_two_staff_saving_at_once_leave_one_value_and_a_true_history(app, make_user):
    staff = [make_user(Role.ADMIN, name=f"담당{i}") for i in range(2)]
    ids = [s.id for s in staff]
    phones = ["02-111-2222", "02-333-4444"]

    def save(i):
        actor = db.session.get(User, ids[i])
        return settings.save(as_shown(phone=phones[i]), actor=actor)

    results = race(app, 2, save)
    assert all(r == ["고객센터 전화번호"] or isinstance(r, settings.SettingsConflict) for r in results), results
    db.session.expire_all()
    final = settings.operator_details()["phone"]
    assert final in phones
    history = entries()
    assert len(history) == sum(1 for r in results if isinstance(r, list))
    assert history[-1].after == {"operator.phone": final}
    if len(history) == 2:  # the second saw the first's value as its `before`
        assert history[1].before == {"operator.phone": history[0].after["operator.phone"]}


def test_one_page_render_reads_the_details_once(app, count_queries):
    lazy = settings.LazyOperator()
    with count_queries() as queries:
        shown = [lazy[name] for name in settings.OPERATOR_FIELDS] + [lazy["phone"]]
    assert len(queries) == 1 and shown[0] == app.config["OPERATOR"]["name"]
    with count_queries() as queries:
        settings.LazyOperator()
    assert queries == []  # nothing is read until a template asks


def test_when_the_database_cannot_answer_the_configured_details_are_shown(app, monkeypatch):
    def unreachable():
        raise sa.exc.OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(settings, "operator_details", unreachable)
    assert settings.LazyOperator()["phone"] == app.config["OPERATOR"]["phone"]
