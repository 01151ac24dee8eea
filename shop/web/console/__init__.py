"""The enterprise console (/console): listings, stock, orders, quotations, the dashboard and the
enterprise's profile. Only members of an approved enterprise get in, and every lookup is scoped to
their own enterprise in the service."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_login import current_user

from shop.accounts.models import Role
from shop.web.guards import ENTERPRISE_CLOSED, enterprise_is_open

bp = Blueprint("console", __name__, url_prefix="/console")


@bp.before_request
def only_open_enterprise_members():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.has_role(Role.ENTERPRISE):
        abort(403)
    if not enterprise_is_open(current_user):
        flash(ENTERPRISE_CLOSED, "warning")
        return redirect(url_for("account.account"))
    return None


def enterprise_id() -> int:
    """The signed-in member's enterprise: the scope of every query on these pages."""
    return current_user.enterprise_id


# The view modules attach their routes to `bp`.
from shop.web.console import dashboard, orders, products, profile, quotes, stock  # noqa: E402,F401
