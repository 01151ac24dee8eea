"""The center staff's console (/admin): approvals, product review, enterprises, exhibitions, art
collaborations, social value, categories and settings, the mall's figures and the audit log. Only staff
(role admin) get in; every action they take is written to the audit log by the service it calls."""
from __future__ import annotations

from flask import Blueprint, abort, current_app
from flask_login import current_user

from shop.accounts.models import Role

bp = Blueprint("admin", __name__)


@bp.before_request
def only_staff():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.has_role(Role.ADMIN):
        abort(403)
    return None


# The view modules attach their routes to `bp`.
from shop.web.admin import (  # noqa: E402,F401
    approvals,
    audit_log,
    categories,
    collaborations,
    dashboard,
    enterprises,
    exhibitions,
    products,
    settings,
    social_value,
)
