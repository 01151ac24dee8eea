"""Login, logout, the session, CSRF and the login rate limit."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from shop.extensions import db

GENERIC_ERROR = "이메일 또는 비밀번호가 올바르지 않습니다."


def page(response) -> str:
    return response.get_data(as_text=True)


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie was set"
    return cookies[-1]


def test_login_signs_the_member_in_and_records_when(client, form_post, make_user):
    user = make_user(email="buyer@example.kr", name="이구매")
    response = form_post("/login", {"email": "Buyer@Example.kr ", "password": "correct-horse-42"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.expire_all()
    assert user.last_login_at is not None
    account = client.get("/account")
    assert account.status_code == 200 and "이구매" in page(account) and "buyer@example.kr" in page(account)


@pytest.mark.parametrize("email, password", [
    ("buyer@example.kr", "wrong-password-1"),
    ("nobody@example.kr", "correct-horse-42"),
])
def test_failed_login_says_the_same_thing_either_way(client, form_post, make_user, email, password):
    make_user(email="buyer@example.kr")
    response = form_post("/login", {"email": email, "password": password})
    assert response.status_code == 401
    assert GENERIC_ERROR in page(response)
    assert 'value="wrong-password-1"' not in page(response)
    assert client.get("/account").status_code == 302


def test_a_deactivated_member_is_told_so_only_with_the_right_password(form_post, make_user):
    make_user(email="gone@example.kr", is_active_member=False)
    assert GENERIC_ERROR in page(form_post("/login", {"email": "gone@example.kr", "password": "wrong-password-1"}))
    response = form_post("/login", {"email": "gone@example.kr", "password": "correct-horse-42"})
    assert response.status_code == 401 and "이용이 정지된 계정입니다" in page(response)


def test_empty_login_form_is_refused_in_korean(form_post):
    response = form_post("/login", {"email": "", "password": ""})
    assert response.status_code == 400
    assert "이메일을 입력해 주세요" in page(response) and "비밀번호를 입력해 주세요" in page(response)


def test_session_cookie_is_http_only_and_same_site_lax(login, make_user):
    cookie = session_cookie(login(make_user()))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_login_starts_a_new_session(client, login, make_user):
    """Whatever was in the session before login (e.g. planted by an attacker) does not survive it."""
    with client.session_transaction() as session:
        session["planted"] = "attacker"
    login(make_user())
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id")


def test_a_csrf_token_from_before_login_is_no_longer_accepted(client, login, make_user):
    html = page(client.get("/login"))
    old_token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    login(make_user())
    assert client.post("/logout", data={"csrf_token": old_token}).status_code == 400


@pytest.mark.parametrize("target, expected", [
    ("/account", "/account"),
    ("/search?q=%EC%BB%A4%ED%94%BC", "/search?q=%EC%BB%A4%ED%94%BC"),
    ("https://evil.example/phish", "/"),
    ("//evil.example/phish", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("http:/evil.example", "/"),
])
def test_next_only_leads_to_pages_of_this_site(client, form_post, make_user, target, expected):
    user = make_user()
    url = "/login?" + urlencode({"next": target})
    response = form_post(url, {"email": user.email, "password": "correct-horse-42"})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_a_protected_page_sends_visitors_to_login_and_back(client, form_post, make_user):
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    user = make_user()
    back = form_post(response.headers["Location"], {"email": user.email, "password": "correct-horse-42"})
    assert back.headers["Location"] == "/account"


def test_login_page_sends_members_already_signed_in_to_their_account(client, login, make_user):
    login(make_user())
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/account"


def test_login_is_rate_limited(app, client, form_post, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    user = make_user()
    for _ in range(3):
        assert form_post("/login", {"email": user.email, "password": "wrong-password-1"}).status_code == 401
    blocked = form_post("/login", {"email": user.email, "password": "correct-horse-42"})
    assert blocked.status_code == 429
    assert "요청이 너무 많습니다" in page(blocked)
    assert client.get("/account").status_code == 302  # the right password did not get through
    assert client.get("/login").status_code == 200  # only attempts are limited, not the page


def test_logout_needs_post(client, login, make_user):
    login(make_user())
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200


def test_logout_without_csrf_token_is_refused(client, login, make_user):
    login(make_user())
    response = client.post("/logout")
    assert response.status_code == 400
    assert "보안 토큰" in page(response)
    assert client.get("/account").status_code == 200


def test_logout_ends_the_session(client, form_post, login, make_user):
    login(make_user())
    response = form_post("/logout", {}, page="/account")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/account").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.parametrize("url", ["/login", "/register", "/register/enterprise", "/register/institution"])
def test_forms_without_csrf_token_are_refused(client, make_user, url):
    user = make_user()
    response = client.post(url, data={"email": user.email, "password": "correct-horse-42", "name": "무토큰"})
    assert response.status_code == 400
    assert "보안 토큰이 만료되었거나 올바르지 않습니다" in page(response)
    assert client.get("/account").status_code == 302
