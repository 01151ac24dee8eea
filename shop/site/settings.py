"""The site settings staff edit at /admin/settings: the operator's legal details (the 전자상거래법 footer)
and the policy texts. A stored row overrides the configured default (config OPERATOR; the built-in policy
pages). Reads are cached in the shared cache (shop.core.cache) and a saved setting moves the "site"
generation on when it commits, so whichever worker serves the next page shows what was just saved."""
from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from shop.accounts.models import User
from shop.accounts.services import AccountError, normalize_email
from shop.audit import services as audit
from shop.core.cache import cached
from shop.core.errors import RuleError
from shop.core.html import html_to_text, sanitize_html
from shop.core.korea import format_business_number, format_phone, is_valid_business_number, is_valid_phone
from shop.core.transactions import write_transaction
from shop.extensions import db
from shop.models_base import utcnow
from shop.site.models import SiteSetting

log = logging.getLogger(__name__)

# The operator's details, in the order the footer shows them: key -> (label, longest value).
OPERATOR_FIELDS: dict[str, tuple[str, int]] = {
    "name": ("상호", 100),
    "representative": ("대표자", 50),
    "address": ("주소", 200),
    "business_number": ("사업자등록번호", 12),
    "mail_order_number": ("통신판매업 신고번호", 50),
    "privacy_officer": ("개인정보보호책임자", 100),
    "phone": ("고객센터 전화번호", 20),
    "email": ("고객센터 이메일", 254),
    "hosting": ("호스팅 서비스", 100),
}
POLICIES: dict[str, str] = {
    "terms": "이용약관",
    "privacy": "개인정보처리방침",
    "withdrawal": "청약철회·교환·반품 안내",
}
MAX_POLICY = 50_000
SUBJECT_LABEL = "사이트 설정"
_SAVE_LOCK = 7_202_612  # pg_advisory_xact_lock key of our own


def operator_key(name: str) -> str:
    return f"operator.{name}"


def policy_key(name: str) -> str:
    return f"policy.{name}"


class SettingsInvalid(RuleError):
    """Refused values: errors maps each form field (`phone`, `policy_terms` ...) to its message."""

    def __init__(self, errors: dict[str, str]):
        field_name, message = next(iter(errors.items()))
        super().__init__(message, field_name)
        self.errors = errors


class SettingsConflict(RuleError):
    """Someone else saved the same setting at the same moment."""


# --- reading ------------------------------------------------------------------------------------------


def _defaults() -> dict[str, str]:
    configured = current_app.config.get("OPERATOR", {})
    return {name: str(configured.get(name, "")) for name in OPERATOR_FIELDS}


def _stored(keys: list[str]) -> dict[str, str]:
    with db.session.no_autoflush:  # a read in the middle of a page render flushes nobody else's changes
        rows = db.session.execute(sa.select(SiteSetting.key, SiteSetting.value).where(SiteSetting.key.in_(keys)))
        return {key: value for key, value in rows}


def operator_details() -> dict[str, str]:
    """The operator's details as shown now: saved values over the configured ones; one query, then
    cached (shared by every worker) until a setting is saved."""
    return cached(("site",), ("operator",), _operator_details)


def _operator_details() -> dict[str, str]:
    stored = _stored([operator_key(name) for name in OPERATOR_FIELDS])
    return {name: stored.get(operator_key(name)) or default for name, default in _defaults().items()}


class LazyOperator(Mapping):
    """The operator's details for one page render, read from the database on first use (one query),
    then kept only as long as this object: templates that never show them cost nothing. If the
    database cannot answer (an error page while it is down), the configured details are shown."""

    def __init__(self) -> None:
        self._values: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._values is None:
            try:
                self._values = operator_details()
            except SQLAlchemyError:
                log.warning("site settings unreadable; showing the configured operator details", exc_info=True)
                db.session.rollback()
                self._values = _defaults()
        return self._values

    def __getitem__(self, key: str) -> str:
        return self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def policy_html(name: str) -> str:
    """The staff-edited text of a policy page (sanitised HTML), or "" when the built-in text applies."""
    assert name in POLICIES, name
    value = cached(("site",), ("policy", name), lambda: _stored([policy_key(name)]).get(policy_key(name), ""))
    return sanitize_html(value) if value and value.strip() else ""


@dataclass(frozen=True)
class SettingsInput:
    operator: Mapping[str, str] = field(default_factory=dict)
    policies: Mapping[str, str] = field(default_factory=dict)


def current() -> SettingsInput:
    """What the edit form starts from: the details as shown now and the saved policy texts ("" = built-in)."""
    stored = _stored([policy_key(name) for name in POLICIES])
    return SettingsInput(operator=operator_details(),
                         policies={name: stored.get(policy_key(name), "") for name in POLICIES})


def fingerprint(html: str) -> str:
    """How the audit log records a policy text: its length and a short hash, never the text itself."""
    if not html:
        return "기본 문구"
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()[:12]
    return f"{len(html):,}자 · sha256 {digest}"


# --- checking -----------------------------------------------------------------------------------------


def _line(value: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def _operator_value(name: str, raw: str | None) -> tuple[str | None, str | None]:
    """(clean value, None) or (None, message)."""
    label, longest = OPERATOR_FIELDS[name]
    value = _line(raw)
    if not value:
        return None, f"{label}을(를) 입력해 주세요."
    if name == "business_number":
        if not is_valid_business_number(value):
            return None, "올바른 사업자등록번호가 아닙니다. 숫자 10자리와 검증번호를 확인해 주세요."
        return format_business_number(value), None
    if name == "phone":
        if not is_valid_phone(value):
            return None, "올바른 전화번호를 입력해 주세요. 예: 02-123-4567, 1588-1234"
        return format_phone(value), None
    if name == "email":
        try:
            return normalize_email(value), None
        except AccountError as exc:
            return None, str(exc)
    if len(value) > longest:
        return None, f"{label}은(는) {longest:,}자 이하로 입력해 주세요."
    return value, None


def _policy_value(name: str, raw: str | None) -> tuple[str | None, str | None]:
    text = unicodedata.normalize("NFC", raw or "").strip()
    if len(text) > MAX_POLICY:
        return None, f"{POLICIES[name]}은(는) {MAX_POLICY:,}자 이하로 입력해 주세요. 지금 {len(text):,}자입니다."
    clean = sanitize_html(text).strip()
    if not html_to_text(clean):  # nothing readable left: the built-in text applies
        return "", None
    if len(clean) > MAX_POLICY:  # sanitising added attributes (rel on links) past the limit
        return None, f"{POLICIES[name]}은(는) {MAX_POLICY:,}자 이하로 입력해 주세요."
    return clean, None


def check(values: SettingsInput) -> dict[str, str]:
    """Every value cleaned, by storage key; SettingsInvalid lists every refused field at once."""
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in OPERATOR_FIELDS:
        value, error = _operator_value(name, values.operator.get(name))
        if error:
            errors[name] = error
        else:
            clean[operator_key(name)] = value
    for name in POLICIES:
        value, error = _policy_value(name, values.policies.get(name))
        if error:
            errors[f"policy_{name}"] = error
        else:
            clean[policy_key(name)] = value
    if errors:
        raise SettingsInvalid(errors)
    return clean


# --- saving -------------------------------------------------------------------------------------------


def _label(key: str) -> str:
    kind, name = key.split(".", 1)
    return OPERATOR_FIELDS[name][0] if kind == "operator" else POLICIES[name]


def _shown(key: str, value: str) -> str:
    return fingerprint(value) if key.startswith("policy.") else value


def save(values: SettingsInput, *, actor: User) -> list[str]:
    """Check every value, write the keys whose value differs from what is shown now, and record one audit
    entry with each changed key's before and after. Returns the Korean labels of what changed ([] if
    nothing did: no write, no entry)."""
    clean = check(values)
    defaults = {operator_key(name): value for name, value in _defaults().items()}
    try:
        with write_transaction():
            if db.session.connection().dialect.name == "postgresql":  # saves take turns, so `before` is true
                db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_SAVE_LOCK)))
            rows = {row.key: row for row in db.session.scalars(
                sa.select(SiteSetting).where(SiteSetting.key.in_(list(clean)))
                .execution_options(populate_existing=True))}
            before: dict[str, str] = {}
            after: dict[str, str] = {}
            now = utcnow()
            for key, value in clean.items():
                row = rows.get(key)
                shown = (row.value if row is not None and row.value else defaults.get(key, ""))
                if value == shown:
                    continue
                before[key], after[key] = _shown(key, shown), _shown(key, value)
                if row is None:
                    db.session.add(SiteSetting(key=key, value=value, updated_at=now, updated_by_id=actor.id))
                else:
                    row.value, row.updated_at, row.updated_by_id = value, now, actor.id
            if after:
                labels = ", ".join(_label(key) for key in after)
                audit.record(actor, "settings.saved", "settings", None, f"{SUBJECT_LABEL} ({labels})",
                             before=before, after=after)
    except IntegrityError:
        raise SettingsConflict("다른 담당자가 같은 설정을 방금 저장했습니다. 화면을 새로 고친 뒤 다시 저장해 주세요.") from None
    return [_label(key) for key in after]
