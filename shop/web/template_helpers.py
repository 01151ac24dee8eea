"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from datetime import date

from flask import Flask, current_app, g

from shop.core.korea import format_business_number, format_phone
from shop.core.money import format_krw
from shop.enterprises.models import EnterpriseType


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

    @app.context_processor
    def globals_for_templates():
        return {
            "operator": current_app.config["OPERATOR"],
            "enterprise_types": list(EnterpriseType),
            "csp_nonce": getattr(g, "csp_nonce", ""),
            "today": date.today(),
        }
