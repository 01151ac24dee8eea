"""Server-side login sessions (logout and inactivity end them, whatever copy of the cookie remains) and
staff re-entering their password before approving or suspending."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.accounts import login_sessions
from shop.accounts.models import LoginSession, Role
from shop.enterprises.models import Enterprise
from shop.extensions import db
from shop.models_base import ApprovalStatus, utcnow
from tests.conftest import csrf_from, make_test_app, signed_in


def text(response) -> str:
    return response.get_data(as_text=True)


def live_sessions(user) -> list[LoginSession]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(LoginSession).where(LoginSession.user_id == user.id,
                                                                 LoginSession.ended_at.is_(None))))


def age_sessions(user, **moved) -> None:
    """Move this member's session timestamps into the past (last_seen_at=..., password_confirmed_at=...)."""
    values = {column: utcnow() - delta for column, delta in moved.items()}
    db.session.execute(sa.update(LoginSession).where(LoginSession.user_id == user.id).values(**values))
    db.session.commit()


# --- sessions ---------------------------------------------------------------------------------


def test_login_opens_one_server_session_and_logout_ends_it_for_every_copy_of_the_cookie(app, client, login,
                                                                                       make_user):
    member = make_user(Role.CONSUMER)
    login(member)
    assert len(live_sessions(member)) == 1
    copied_cookie = client.get_cookie("session").value

    token = csrf_from(text(client.get("/account")))
    client.post("/logout", data={"csrf_token": token})
    assert live_sessions(member) == []

    with app.test_client() as thief:
        thief.set_cookie("session", copied_cookie)
        response = thief.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_session_left_idle_ends_and_says_why(app, client, login, make_user):
    member = make_user(Role.CONSUMER)
    login(member)
    assert client.get("/account").status_code == 200

    age_sessions(member, last_seen_at=timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1))
    response = client.get("/account", follow_redirects=True)
    page = text(response)
    assert "사용하지 않아 안전을 위해 로그아웃되었습니다" in page
    assert "로그인이 필요한 페이지입니다" not in page  # one notice, the one that says why
    assert response.history[0].headers["Location"].startswith("/login")
    ended = db.session.scalar(sa.select(LoginSession).where(LoginSession.user_id == member.id))
    assert ended.end_reason == "idle"


def test_activity_keeps_a_session_alive(app, client, login, make_user):
    member = make_user(Role.CONSUMER)
    login(member)
    idle = app.config["SESSION_IDLE_MINUTES"]
    age_sessions(member, last_seen_at=timedelta(minutes=idle - 2))
    assert client.get("/account").status_code == 200  # this request counts as activity
    last_seen = db.session.scalar(sa.select(LoginSession.last_seen_at).where(LoginSession.user_id == member.id))
    assert last_seen.replace(tzinfo=None) > (utcnow() - timedelta(minutes=1)).replace(tzinfo=None)


def test_a_closed_account_is_signed_out_at_its_next_request(app, make_user):
    member = make_user(Role.CONSUMER)
    browser, _ = browser_of(app, member)
    with app.app_context():  # each request a context of its own, as in a server
        assert browser.get("/account").status_code == 200  # the session lookup is now in the cache
    member.is_active_member = False
    db.session.commit()
    with app.app_context():
        assert browser.get("/account").status_code == 302


# --- the cached session lookup: every change to a member counts from their next request ---------------


def header_of(client, url: str = "/") -> str:
    with client.application.app_context():  # a request of its own, as in a server
        page = text(client.get(url))
    return page[page.index("<header"):page.index("</header>")]


def browser_of(app, user):
    with app.app_context():
        return signed_in(app, user)


def test_ending_every_session_of_a_member_signs_out_each_browser_at_once(app, make_user):
    member = make_user(Role.CONSUMER, name="김하늘")
    browsers = [browser_of(app, member)[0] for _ in range(2)]
    for browser in browsers:
        assert "김하늘" in header_of(browser) and "로그아웃" in header_of(browser)

    login_sessions.end_all(member, "closed")
    db.session.commit()
    for browser in browsers:
        assert "김하늘" not in header_of(browser) and "로그인" in header_of(browser)


def test_a_session_ended_by_a_statement_that_names_no_member_is_ended_too(app, make_user):
    member = make_user(Role.CONSUMER, name="김하늘")
    browser, _ = browser_of(app, member)
    assert "김하늘" in header_of(browser)
    db.session.execute(sa.update(LoginSession).values(ended_at=utcnow(), end_reason="maintenance"))
    db.session.commit()
    assert "김하늘" not in header_of(browser)


def test_a_new_name_and_role_show_at_the_next_request(app, make_user):
    member = make_user(Role.CONSUMER, name="김하늘")
    browser, _ = browser_of(app, member)
    assert "김하늘" in header_of(browser) and "관리" not in header_of(browser)
    member.name = "김바다"
    member.role = Role.ADMIN
    db.session.commit()
    header = header_of(browser)
    assert "김바다" in header and "김하늘" not in header and "관리" in header


def test_the_cart_count_follows_another_browser_of_the_same_member(app, make_user, make_product):
    member = make_user(Role.CONSUMER)
    jam, tea = make_product(name="딸기잼"), make_product(name="유자차")
    phone, laptop = browser_of(app, member), browser_of(app, member)
    assert '<span class="cart-count">(0)</span>' in header_of(phone[0])
    for product, expected in ((jam, 1), (tea, 2)):
        with app.app_context():
            added = laptop[0].post("/cart/items", data={"csrf_token": laptop[1], "quantity": "1",
                                                          "variant_id": str(product.variants[0].id)})
        assert added.status_code in (302, 303)
        assert f'<span class="cart-count">({expected})</span>' in header_of(phone[0])


def test_a_logout_in_one_worker_counts_in_another_sharing_redis(app, make_user):
    """Two apps stand for two gunicorn workers sharing the database and the Redis cache."""
    shared = {"CACHE_REDIS_URL": "redis://127.0.0.1:6379/0", "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:"}
    first, second = make_test_app(**shared), make_test_app(**shared)
    member = make_user(Role.CONSUMER, name="김하늘")
    browser, token = browser_of(first, member)
    cookie = browser.get_cookie("session").value
    copy = second.test_client()
    copy.set_cookie("session", cookie)
    assert "김하늘" in header_of(copy) and "김하늘" in header_of(copy)  # the second visit is served from Redis

    with first.app_context():
        assert browser.post("/logout", data={"csrf_token": token}).status_code in (302, 303)
    assert "김하늘" not in header_of(copy)
    for worker in (first, second):
        with worker.app_context():
            db.session.remove()
            db.engine.dispose()


# --- staff confirm their password before deciding -------------------------------------------------


@pytest.fixture
def staff(make_user):
    return make_user(Role.ADMIN, name="센터담당")


@pytest.fixture
def pending(make_enterprise):
    return make_enterprise(name="도봉 마을부엌", status=ApprovalStatus.PENDING)


def status_of(enterprise_id: int) -> ApprovalStatus:
    db.session.expire_all()
    return db.session.get(Enterprise, enterprise_id).status


def test_a_decision_right_after_login_needs_no_second_password(client, login, form_post, staff, pending):
    login(staff)
    response = form_post(f"/admin/enterprises/{pending.id}/approve", {}, page="/admin/approvals")
    assert response.status_code == 302
    assert status_of(pending.id) is ApprovalStatus.APPROVED


def test_later_decisions_ask_for_the_password_and_keep_what_was_typed(app, client, login, form_post, staff, pending,
                                                                      make_enterprise):
    login(staff)
    age_sessions(staff, password_confirmed_at=timedelta(minutes=app.config["STAFF_REAUTH_MINUTES"] + 1))
    reason = "사업자등록증 사본이 흐려 확인할 수 없습니다."

    asked = form_post(f"/admin/enterprises/{pending.id}/reject", {"reason": reason}, page="/admin/approvals")
    assert asked.status_code == 200 and "비밀번호 확인" in text(asked)
    assert status_of(pending.id) is ApprovalStatus.PENDING
    assert f'value="{reason}"' in text(asked)  # the typed reason rides along

    wrong = client.post(f"/admin/enterprises/{pending.id}/reject",
                        data={"csrf_token": csrf_from(text(asked)), "reason": reason, "confirm_password": "not-mine-123"})
    assert wrong.status_code == 401 and "비밀번호가 올바르지 않습니다" in text(wrong)
    assert status_of(pending.id) is ApprovalStatus.PENDING

    right = client.post(f"/admin/enterprises/{pending.id}/reject",
                        data={"csrf_token": csrf_from(text(wrong)), "reason": reason,
                              "confirm_password": "correct-horse-42"})
    assert right.status_code == 302
    assert status_of(pending.id) is ApprovalStatus.REJECTED
    assert db.session.get(Enterprise, pending.id).decision_reason == reason

    # Confirmed now: the next decision within the window goes straight through.
    second = make_enterprise(name="강북 나눔공방", status=ApprovalStatus.PENDING)
    again = form_post(f"/admin/enterprises/{second.id}/approve", {}, page="/admin/approvals")
    assert again.status_code == 302 and status_of(second.id) is ApprovalStatus.APPROVED


@pytest.mark.parametrize("action", ["suspend", "reinstate"])
def test_suspending_an_enterprise_asks_for_the_password_too(app, client, login, form_post, staff, make_enterprise,
                                                             action):
    enterprise = make_enterprise(status=ApprovalStatus.APPROVED if action == "suspend" else ApprovalStatus.SUSPENDED)
    login(staff)
    age_sessions(staff, password_confirmed_at=timedelta(hours=1))
    before = status_of(enterprise.id)
    asked = form_post(f"/admin/enterprises/{enterprise.id}/{action}", {"reason": "민원 확인 중"},
                      page=f"/admin/enterprises/{enterprise.id}")
    assert asked.status_code == 200 and 'name="confirm_password"' in text(asked)
    assert status_of(enterprise.id) is before


def test_guessing_the_staff_password_is_rate_limited(app, client, login, form_post, staff, pending):
    login(staff)
    age_sessions(staff, password_confirmed_at=timedelta(hours=1))
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    token = csrf_from(text(client.get("/admin/approvals")))
    statuses = [client.post(f"/admin/enterprises/{pending.id}/approve",
                            data={"csrf_token": token, "confirm_password": f"guess-{n:06d}"}).status_code
                for n in range(limit + 1)]
    assert statuses[:limit] == [401] * limit and statuses[-1] == 429
    assert status_of(pending.id) is ApprovalStatus.PENDING
