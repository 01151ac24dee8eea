"""Role checks in one place.

Anonymous visitors are sent to the login page (and back afterwards); a member with the wrong role
gets 403; an enterprise or institution member whose application is not approved yet is sent to
their account page, which shows the state of the application and the staff's reason.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, url_for
from flask_login import current_user

from shop.accounts.models import Role
from shop.institutions import services as institutions

ENTERPRISE_CLOSED = "입점이 승인된 기업만 판매자 센터를 이용할 수 있습니다. 아래에서 기업의 상태를 확인해 주세요."
INSTITUTION_CLOSED = "기관 등록과 구매담당자 소속이 승인된 뒤 기관 구매를 이용할 수 있습니다."


def role_required(*roles: Role) -> Callable:
    """Only signed-in members with one of `roles` may use the view (a deactivated member counts as
    signed out: User.is_authenticated follows is_active)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = role_required(Role.ADMIN)


def enterprise_is_open(user) -> bool:
    return user.has_role(Role.ENTERPRISE) and user.enterprise is not None and user.enterprise.is_approved


def institution_is_open(user) -> bool:
    return institutions.buys_for(user)


def _approved(role: Role, is_open: Callable, message: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @role_required(role)
        def wrapped(*args, **kwargs):
            if not is_open(current_user):
                flash(message, "warning")
                return redirect(url_for("account.account"))
            return view(*args, **kwargs)

        return wrapped

    return decorator


approved_enterprise_required = _approved(Role.ENTERPRISE, enterprise_is_open, ENTERPRISE_CLOSED)
approved_institution_required = _approved(Role.INSTITUTION, institution_is_open, INSTITUTION_CLOSED)


def safe_next_url(target: str | None) -> str | None:
    """`target` if it is a path on this site (so a login link cannot send people elsewhere), else None."""
    if not target or len(target) > 2000:
        return None
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
