"""The institution buyer's pages (/institution): quotations, invoice orders, inspection, documents,
the purchase report and the institution's settings. Every page is for approved members of an approved
institution only, and every lookup is scoped to their institution in the service."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_login import current_user

from shop.accounts.models import Role
from shop.web.guards import INSTITUTION_CLOSED, institution_is_open

bp = Blueprint("institution", __name__, url_prefix="/institution")


@bp.before_request
def only_open_institution_members():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.has_role(Role.INSTITUTION):
        abort(403)
    if not institution_is_open(current_user):
        flash(INSTITUTION_CLOSED, "warning")
        return redirect(url_for("account.account"))
    return None


def institution_id() -> int:
    """The signed-in buyer's institution: the scope of every query on these pages."""
    return current_user.institution_id


# The view modules attach their routes to `bp`.
from shop.web.institution import orders, quotes, reports, settings  # noqa: F401
