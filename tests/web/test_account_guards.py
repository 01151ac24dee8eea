"""The role guards, on a small throwaway app so they can be tried on every kind of member without
adding routes to the real one."""
from __future__ import annotations

import pytest
from flask import Blueprint, Flask
from flask_login import LoginManager

from shop.accounts.models import Role, User
from shop.enterprises.models import Enterprise
from shop.institutions.models import Institution
from shop.models_base import ApprovalStatus
from shop.web.guards import (
    ENTERPRISE_CLOSED,
    admin_required,
    approved_enterprise_required,
    approved_institution_required,
    role_required,
    safe_next_url,
)


def member(role: Role, *, enterprise: ApprovalStatus | None = None, institution: ApprovalStatus | None = None,
           membership_approved: bool = True, active: bool = True) -> User:
    """An unsaved member: the guards only read attributes."""
    user = User(id=1, email="m@example.kr", name="회원", phone="01012345678", role=role,
                is_active_member=active, membership_approved=membership_approved)
    if enterprise is not None:
        user.enterprise = Enterprise(name="기업", status=enterprise)
    if institution is not None:
        user.institution = Institution(name="기관", status=institution)
    return user


MEMBERS = {
    "consumer": member(Role.CONSUMER),
    "admin": member(Role.ADMIN),
    "inactive-admin": member(Role.ADMIN, active=False),
    "enterprise-approved": member(Role.ENTERPRISE, enterprise=ApprovalStatus.APPROVED),
    "enterprise-pending": member(Role.ENTERPRISE, enterprise=ApprovalStatus.PENDING),
    "enterprise-rejected": member(Role.ENTERPRISE, enterprise=ApprovalStatus.REJECTED),
    "enterprise-suspended": member(Role.ENTERPRISE, enterprise=ApprovalStatus.SUSPENDED),
    "enterprise-without-one": member(Role.ENTERPRISE),
    "institution-approved": member(Role.INSTITUTION, institution=ApprovalStatus.APPROVED),
    "institution-pending": member(Role.INSTITUTION, institution=ApprovalStatus.PENDING, membership_approved=False),
    "institution-rejected": member(Role.INSTITUTION, institution=ApprovalStatus.REJECTED, membership_approved=False),
    "institution-member-waiting": member(Role.INSTITUTION, institution=ApprovalStatus.APPROVED,
                                         membership_approved=False),
    "institution-without-one": member(Role.INSTITUTION, membership_approved=False),
}


@pytest.fixture
def guarded():
    """A client for an app whose routes sit behind each guard; the X-Member header picks who asks."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="guard-test", TESTING=True)
    login_manager = LoginManager(app)
    login_manager.login_view = "account.login"
    login_manager.request_loader(lambda request: MEMBERS.get(request.headers.get("X-Member", "")))

    account = Blueprint("account", __name__)
    account.add_url_rule("/login", "login", lambda: "login page")
    account.add_url_rule("/account", "account", lambda: "account page")
    app.register_blueprint(account)

    routes = {
        "/admin-only": admin_required,
        "/buyers": role_required(Role.CONSUMER, Role.INSTITUTION),
        "/console": approved_enterprise_required,
        "/institution-buying": approved_institution_required,
    }
    for path, guard in routes.items():
        app.add_url_rule(path, path.strip("/"), guard(lambda: "open"))
    return app.test_client()


def visit(client, path: str, who: str | None = None):
    return client.get(path, headers={"X-Member": who} if who else {})


@pytest.mark.parametrize("path", ["/admin-only", "/buyers", "/console", "/institution-buying"])
def test_anonymous_visitors_are_sent_to_login_and_back(guarded, path):
    response = visit(guarded, path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={path.replace('/', '%2F')}"


@pytest.mark.parametrize("path, allowed", [
    ("/admin-only", {"admin"}),
    ("/buyers", {"consumer", "institution-approved", "institution-pending", "institution-rejected",
                 "institution-member-waiting", "institution-without-one"}),
])
def test_role_required_lets_in_only_those_roles(guarded, path, allowed):
    for who in MEMBERS:
        response = visit(guarded, path, who)
        expected = 200 if who in allowed else 302 if who == "inactive-admin" else 403
        assert response.status_code == expected, who


def test_a_deactivated_admin_counts_as_signed_out(guarded):
    response = visit(guarded, "/admin-only", "inactive-admin")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_console_opens_only_for_an_approved_enterprise(guarded):
    assert visit(guarded, "/console", "enterprise-approved").get_data(as_text=True) == "open"
    for who in ("enterprise-pending", "enterprise-rejected", "enterprise-suspended", "enterprise-without-one"):
        response = visit(guarded, "/console", who)
        assert (response.status_code, response.headers["Location"]) == (302, "/account"), who
    for who in ("consumer", "admin", "institution-approved"):
        assert visit(guarded, "/console", who).status_code == 403, who


def test_a_pending_enterprise_is_told_why_the_console_is_closed(guarded):
    visit(guarded, "/console", "enterprise-pending")
    with guarded.session_transaction() as session:
        assert ("warning", ENTERPRISE_CLOSED) in session["_flashes"]


def test_institution_buying_opens_only_for_an_approved_member_of_an_approved_institution(guarded):
    assert visit(guarded, "/institution-buying", "institution-approved").get_data(as_text=True) == "open"
    for who in ("institution-pending", "institution-rejected", "institution-member-waiting", "institution-without-one"):
        response = visit(guarded, "/institution-buying", who)
        assert (response.status_code, response.headers["Location"]) == (302, "/account"), who
    for who in ("consumer", "admin", "enterprise-approved"):
        assert visit(guarded, "/institution-buying", who).status_code == 403, who


@pytest.mark.parametrize("target, expected", [
    ("/products/coffee?page=2", "/products/coffee?page=2"),
    ("/", "/"),
    (None, None),
    ("", None),
    ("https://evil.example", None),
    ("//evil.example", None),
    ("/\\evil.example", None),
    ("\\\\evil.example", None),
    ("/ok\r\nSet-Cookie: x=1", None),
    ("account", None),
    ("javascript:alert(1)", None),
])
def test_safe_next_url(target, expected):
    assert safe_next_url(target) == expected
