"""Who is signed in, decided once at the start of each request from the server-side login session.

Loading here (not lazily inside a view) means ending an idle session or noting activity never commits
a view's half-done work."""
from __future__ import annotations

from flask import Flask, current_app, flash, g, redirect, request, session
from flask_login.utils import login_url

from shop.accounts import login_sessions
from shop.accounts.models import User
from shop.extensions import login_manager
from shop.web import page_cache

SESSION_KEY = "sid"


def idle_message() -> str:
    minutes = current_app.config["SESSION_IDLE_MINUTES"]
    return f"{minutes}분 동안 사용하지 않아 안전을 위해 로그아웃되었습니다. 다시 로그인해 주세요."


def forget_signed_in_member() -> None:
    """Empty the session, and forget the CSRF token this request cached from it."""
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def begin(user: User) -> None:
    """Call after login_user: this browser's server-side session (committed by the caller)."""
    session[SESSION_KEY] = login_sessions.start(user)


def end_current(reason: str = "logout") -> None:
    login_session = g.pop("login_session", None)
    if login_session is not None:
        login_sessions.end(login_session, reason)


def current_login_session():
    return g.get("login_session")


def install(app: Flask) -> None:
    @app.before_request
    def load_signed_in_member() -> None:
        # A request decides afresh (an app context kept open across requests, as in tests, keeps g).
        g.pop("_login_user", None)
        g.pop("login_session", None)
        g.pop("header_cart_id", None)
        if request.endpoint == "static" or "_user_id" not in session:
            return
        user_id = session["_user_id"]
        along = page_cache.first_lookups(int(user_id)) if str(user_id).isdigit() else []
        found = login_sessions.signed_in(session.get(SESSION_KEY), user_id, along=along)
        login_session = found[0] if found else None
        idle = login_session is not None and login_sessions.is_idle(login_session, app.config["SESSION_IDLE_MINUTES"])
        if idle:
            login_sessions.end(login_session, "idle")
        if login_session is None or idle:
            forget_signed_in_member()
            if idle:  # after emptying the session, which also holds the flashed messages
                flash(idle_message(), "info")
                g.session_expired = True
            return
        login_sessions.touch(login_session)
        g.login_session = login_session
        g.header_cart_id = found[1]

    @login_manager.user_loader
    def load_user(user_id: str):
        login_session = g.get("login_session")
        return login_session.user if login_session is not None and str(login_session.user_id) == user_id else None

    @login_manager.unauthorized_handler
    def send_to_login():
        if not g.pop("session_expired", False):  # the idle notice already says why
            flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(login_url(login_manager.login_view, next_url=request.url))
