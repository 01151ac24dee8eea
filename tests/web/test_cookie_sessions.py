"""A worker remembers the session cookies it has checked, and still answers every cookie as Flask would:
a changed cookie is not signed in, an old one has expired, and flashed messages are each visitor's own."""
from __future__ import annotations

import time
from datetime import timedelta

from shop.accounts.models import Role
from tests.conftest import signed_in


def _session_cookie(app, browser) -> str:
    return browser.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def _as(app, cookie: str, url: str = "/account"):
    """A request carrying only this session cookie, as a copy of it elsewhere would."""
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    with app.app_context():
        return client.get(url)


def test_a_remembered_cookie_signs_in_and_a_changed_one_does_not(app, make_user):
    with app.app_context():
        browser, _ = signed_in(app, make_user(Role.CONSUMER, name="김하늘"))
    cookie = _session_cookie(app, browser)
    for _ in range(2):  # checked, then remembered
        response = _as(app, cookie)
        assert response.status_code == 200 and "김하늘" in response.get_data(as_text=True)

    payload, signature = cookie.rsplit(".", 1)
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    response = _as(app, forged)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_remembered_cookie_expires_with_the_session_lifetime(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(seconds=3))
    with app.app_context():
        browser, _ = signed_in(app, make_user(Role.CONSUMER))
    cookie = _session_cookie(app, browser)
    assert _as(app, cookie).status_code == 200
    time.sleep(4.2)  # the cookie's age is counted in whole seconds
    assert _as(app, cookie).status_code == 302  # as Flask answers a cookie past its lifetime


def test_flashed_messages_stay_with_the_cookie_that_carries_them(app):
    browser = app.test_client()
    assert browser.get("/account").status_code == 302  # a member's page: "로그인이 필요한 페이지입니다." waits
    cookie = _session_cookie(app, browser)
    shown = [_as(app, cookie, "/login").get_data(as_text=True) for _ in range(2)]
    # Each request reading that cookie shows the message once; showing it empties only that copy.
    assert all(page.count("로그인이 필요한 페이지입니다.") == 1 for page in shown)
