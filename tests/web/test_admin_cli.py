"""`flask --app shop create-admin`."""
from __future__ import annotations

from sqlalchemy import select

from shop.accounts.models import Role, User
from shop.extensions import db


def create_admin(runner, *args: str):
    return runner.invoke(args=["create-admin", *args])


def test_create_admin_makes_a_staff_account_that_can_log_in(runner, client, form_post):
    result = create_admin(runner, "--email", "Staff@Hamkke.example", "--name", "지원센터 담당",
                          "--password", "long-enough-pw")
    assert result.exit_code == 0, result.output
    assert "관리자 계정을 만들었습니다: staff@hamkke.example" in result.output
    admin = db.session.scalar(select(User).where(User.email == "staff@hamkke.example"))
    assert admin.role is Role.ADMIN and admin.check_password("long-enough-pw")
    form_post("/login", {"email": "staff@hamkke.example", "password": "long-enough-pw"})
    assert client.get("/admin/approvals").status_code == 200


def test_create_admin_asks_for_what_is_missing(runner):
    result = runner.invoke(args=["create-admin"], input="ask@hamkke.example\n지원센터\nlong-enough-pw\nlong-enough-pw\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.email == "ask@hamkke.example")) is Role.ADMIN


def test_create_admin_refuses_a_short_password_or_a_taken_email(runner, make_user):
    result = create_admin(runner, "--email", "a@hamkke.example", "--name", "관리자", "--password", "short")
    assert result.exit_code == 1 and "비밀번호는 10자 이상이어야 합니다." in result.output
    make_user(email="taken@hamkke.example")
    result = create_admin(runner, "--email", "taken@hamkke.example", "--name", "관리자", "--password", "long-enough-pw")
    assert result.exit_code == 1 and "이미 사용 중인 이메일입니다." in result.output
    result = create_admin(runner, "--email", "not-an-email", "--name", "관리자", "--password", "long-enough-pw")
    assert result.exit_code == 1 and "올바른 이메일 주소" in result.output
    assert db.session.scalar(select(User).where(User.role == Role.ADMIN)) is None
