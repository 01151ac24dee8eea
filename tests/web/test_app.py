"""The factory, configuration and health check."""
import pytest

from shop import create_app
from shop.config import database_url
from shop.extensions import db
from tests.conftest import csrf_from


def test_healthz_reports_reachable_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "reachable"}


def test_healthz_reports_unreachable_database(tmp_path):
    broken = create_app({
        "ENV_NAME": "test",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        "UPLOAD_FOLDER": str(tmp_path),
    })
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("postgres://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_uses_psycopg3(raw, expected):
    assert database_url(raw, "/instance") == expected


def test_default_database_is_sqlite_under_instance():
    assert database_url(None, "/srv/shop/instance") == "sqlite:////srv/shop/instance/hamkke.db"


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "production", "UPLOAD_FOLDER": str(tmp_path)})


def test_production_starts_with_secret_key_and_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    app = create_app({"ENV_NAME": "production", "SECRET_KEY": "a-real-secret-from-the-environment",
                      "UPLOAD_FOLDER": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "TUNE_PROCESS": False})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_unknown_page_is_a_korean_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "찾으시는 페이지가 없습니다" in response.get_data(as_text=True)


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"]


def test_a_refused_method_says_which_methods_are_allowed(client):
    page = client.delete("/cart")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]
    api = client.post("/api/v1/products")
    assert api.status_code == 405 and "GET" in api.headers["Allow"] and api.get_json()["error"]["message"]


def test_a_nul_character_in_a_form_without_its_own_check_is_a_korean_400_not_a_500(client, login, make_user,
                                                                                   make_enterprise):
    """A staff decision reason has no control-character check of its own: SQLite stores the NUL, PostgreSQL
    refuses it, and then the visitor gets a Korean 400 and nothing is decided."""
    from shop.accounts.models import Role
    from shop.models_base import ApprovalStatus

    applicant = make_enterprise(status=ApprovalStatus.PENDING)
    login(make_user(Role.ADMIN))
    token = csrf_from(client.get("/admin/approvals").get_data(as_text=True))
    answer = client.post(f"/admin/enterprises/{applicant.id}/reject", data={"csrf_token": token, "reason": "a\x00b"})
    if db.engine.dialect.name == "postgresql":
        assert answer.status_code == 400 and "쓸 수 없는 문자" in answer.get_data(as_text=True)
        db.session.expire_all()
        assert applicant.status is ApprovalStatus.PENDING
    else:
        assert answer.status_code == 302


@pytest.mark.parametrize("url", ["/account/orders?page=²", "/account/reviews?page=" + "9" * 5000,
                                 "/admin/audit?page=²", "/admin/social-value?year=²²²²"])
def test_odd_digits_in_list_parameters_fall_back_instead_of_failing(client, login, make_user, url):
    from shop.accounts.models import Role

    login(make_user(Role.ADMIN if url.startswith("/admin") else Role.CONSUMER))
    assert client.get(url).status_code == 200
