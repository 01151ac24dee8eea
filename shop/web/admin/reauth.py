"""Staff type their password again before approving or suspending, unless they did so (or signed in)
within STAFF_REAUTH_MINUTES: a session left open on a shared office PC cannot approve or suspend members.

The request that asked is not lost: the password page carries its fields and posts them again to the
same address together with the password."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort, current_app, render_template, request
from flask_login import current_user

from shop.accounts import login_sessions
from shop.extensions import limiter
from shop.web import login_state

PASSWORD_FIELD = "confirm_password"
WRONG_PASSWORD = "비밀번호가 올바르지 않습니다. 다시 입력해 주세요."
_NOT_REPOSTED = {"csrf_token", PASSWORD_FIELD}


def _password_attempt() -> bool:
    return bool(request.form.get(PASSWORD_FIELD))


# Wrong guesses are limited per staff member across workers, like logins.
_attempt_limit = limiter.shared_limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"], scope="staff-reauth",
    key_func=lambda: f"staff-{current_user.get_id()}", exempt_when=lambda: not _password_attempt(),
)


def password_confirmed(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        login_session = login_state.current_login_session() or abort(403)
        if login_sessions.recently_confirmed(login_session, current_app.config["STAFF_REAUTH_MINUTES"]):
            return view(*args, **kwargs)
        error = None
        if _password_attempt():
            if login_sessions.confirm_password(login_session, request.form[PASSWORD_FIELD]):
                return view(*args, **kwargs)
            error = WRONG_PASSWORD
        reposted = [(name, value) for name, value in request.form.items(multi=True) if name not in _NOT_REPOSTED]
        page = render_template("admin/confirm_password.html", action=request.path, reposted=reposted, error=error,
                               minutes=current_app.config["STAFF_REAUTH_MINUTES"], field_name=PASSWORD_FIELD)
        return page, (401 if error else 200)

    return _attempt_limit(wrapped)
