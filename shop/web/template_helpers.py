"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, g

from shop.audit.services import action_label as audit_action_label
from shop.audit.services import field_label as audit_field_label
from shop.audit.services import is_money as audit_is_money
from shop.core.korea import format_business_number, format_phone, kst_today
from shop.core.money import format_krw
from shop.enterprises.models import EnterpriseType
from shop.models_base import as_utc
from shop.orders.models import OrderStatus, ShipmentStatus
from shop.site.settings import LazyOperator

KST = ZoneInfo("Asia/Seoul")
_STATUS_LABELS = {**{s.value: s.label for s in ShipmentStatus}, **{s.value: s.label for s in OrderStatus}}


def kst_datetime(moment: datetime | None) -> str:
    """`2026.11.26 14:05` in Korean time; stored times are UTC (SQLite returns them naive)."""
    if moment is None:
        return ""
    return as_utc(moment).astimezone(KST).strftime("%Y.%m.%d %H:%M")


def status_label(value: str) -> str:
    return _STATUS_LABELS.get(value, value)


def _audit_value(value, subject_type: str = "", key: str = "") -> str:
    """An audit entry's before/after value as staff read it: states by their Korean names, won as won."""
    from shop.audit.labels import state_label

    if isinstance(value, bool):
        return "예" if value else "아니요"
    if isinstance(value, int):
        return format_krw(value) if audit_is_money(key) else f"{value:,}"
    if value is None:
        return "없음"
    return state_label(subject_type, str(value))


def institution_buyer() -> bool:
    """Whether the visitor buys for an approved institution (quotation and invoice-order buttons)."""
    from flask_login import current_user

    from shop.web.guards import institution_is_open

    return current_user.is_authenticated and institution_is_open(current_user)


def _safe(formatter):
    def apply(value):
        try:
            return formatter(value)
        except (ValueError, TypeError):
            return value

    return apply


def install(app: Flask) -> None:
    app.jinja_env.filters["krw"] = format_krw
    app.jinja_env.filters["business_number"] = _safe(format_business_number)
    app.jinja_env.filters["phone"] = _safe(format_phone)
    app.jinja_env.filters["kst_datetime"] = kst_datetime
    app.jinja_env.globals["status_label"] = status_label
    app.jinja_env.globals["institution_buyer"] = institution_buyer
    app.jinja_env.globals["audit_action_label"] = audit_action_label
    app.jinja_env.globals["audit_field"] = audit_field_label
    app.jinja_env.globals["audit_value"] = _audit_value

    @app.context_processor
    def globals_for_templates():
        return {
            "operator": LazyOperator(),  # saved settings over config, read once per render
            "enterprise_types": list(EnterpriseType),
            "csp_nonce": getattr(g, "csp_nonce", ""),
            "today": kst_today(),
        }
