"""The production configuration: refuses unsafe starts, trusts exactly one proxy, shares rate limits
through Redis across workers, and logs structured lines with a request id."""
from __future__ import annotations

import gc
import json
import logging
import uuid

import pytest

from shop import create_app
from shop.accounts.models import Role
from tests.conftest import TEST_DATABASE_URL, csrf_from, make_test_app

REDIS = "redis://127.0.0.1:6379/0"


def production_app(monkeypatch, tmp_path, **overrides):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    config = {"ENV_NAME": "production", "SECRET_KEY": "a-real-secret-from-the-environment",
              "UPLOAD_FOLDER": str(tmp_path),
              "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1),
              "RATELIMIT_STORAGE_URI": REDIS, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
              "TUNE_PROCESS": False}  # the test process is not a worker (see test_a_worker_process_is_tuned)
    config.update(overrides)
    return create_app(config)


def test_production_refuses_debug_mode(monkeypatch, tmp_path):
    with pytest.raises(RuntimeError, match="debug"):
        production_app(monkeypatch, tmp_path, DEBUG=True)


def test_production_refuses_per_worker_rate_limits(monkeypatch, tmp_path):
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        production_app(monkeypatch, tmp_path, RATELIMIT_STORAGE_URI="memory://")


def test_production_session_cookie_is_https_only_and_host_bound(monkeypatch, tmp_path):
    app = production_app(monkeypatch, tmp_path)
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]


def test_behind_the_proxy_links_are_https_and_the_client_address_is_the_visitors(monkeypatch, tmp_path):
    app = production_app(monkeypatch, tmp_path)

    @app.get("/_whoami")
    def whoami():
        from flask import request, url_for

        return {"remote": request.remote_addr, "url": url_for("whoami", _external=True)}

    answer = app.test_client().get("/_whoami", headers={
        "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "hamkke.example"})
    assert answer.get_json() == {"remote": "203.0.113.9", "url": "https://hamkke.example/_whoami"}


def test_development_trusts_no_proxy_header(client):
    app = make_test_app()

    @app.get("/_whoami")
    def whoami():
        from flask import request

        return {"remote": request.remote_addr}

    answer = app.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert answer.get_json()["remote"] == "127.0.0.1"


def test_login_limit_is_shared_between_workers_through_redis(app, make_user):
    """Two app instances stand for two gunicorn workers: the limit counts across both."""
    make_user(Role.CONSUMER, email="shared-limit@example.kr")
    prefix = f"test-{uuid.uuid4().hex}"
    workers = [make_test_app(RATELIMIT_STORAGE_URI=REDIS, RATELIMIT_KEY_PREFIX=prefix, LOGIN_RATE_LIMIT="4 per hour")
               for _ in range(2)]
    statuses = []
    for attempt in range(5):
        browser = workers[attempt % 2].test_client()
        token = csrf_from(browser.get("/login").get_data(as_text=True))
        statuses.append(browser.post("/login", data={"email": "shared-limit@example.kr", "password": "wrong-pass-000",
                                                     "csrf_token": token}).status_code)
    assert statuses == [401, 401, 401, 401, 429]


def test_every_response_carries_a_request_id_and_a_proxys_id_is_kept(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21"}).headers["X-Request-ID"] == "lb-7f3a9c21"
    # Something that is not an id (here an attempt to forge log lines) is replaced, not echoed.
    forged = client.get("/healthz", headers={"X-Request-ID": 'x", "level": "error'}).headers["X-Request-ID"]
    assert len(forged) == 32 and '"' not in forged


def test_access_log_lines_are_json_with_the_request_id(client, caplog):
    from shop.web.request_log import JsonLineFormatter

    with caplog.at_level(logging.INFO, logger="shop.access"):
        response = client.get("/healthz", headers={"X-Request-ID": "trace-abc12345"})
    record = next(r for r in caplog.records if r.name == "shop.access")
    with client.application.test_request_context():
        from flask import g

        g.request_id = response.headers["X-Request-ID"]
        line = json.loads(JsonLineFormatter().format(record))
    assert line["request_id"] == "trace-abc12345"
    assert line["status"] == 200 and line["path"] == "/healthz" and line["method"] == "GET"
    assert line["level"] == "info" and isinstance(line["duration_ms"], float)


def test_an_unexpected_error_shows_a_request_id_and_never_a_stack_trace(caplog):
    app = make_test_app()

    @app.get("/_boom")
    def boom():
        raise ZeroDivisionError("secret internals")

    with caplog.at_level(logging.ERROR, logger="shop"):
        response = app.test_client().get("/_boom", headers={"X-Request-ID": "support-ticket-42"})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "support-ticket-42" in page and "일시적인 오류" in page
    assert "Traceback" not in page and "secret internals" not in page and "ZeroDivisionError" not in page
    logged = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert logged.exc_info and logged.exc_info[0] is ZeroDivisionError  # the trace goes to the log only



def test_a_worker_process_is_tuned(monkeypatch, tmp_path):
    """A production worker keeps the cyclic collector off the app it has built (a full collection would
    stall its threads) and makes its log records without looking up source lines."""
    frozen_before, source_lookup = gc.get_freeze_count(), logging._srcfile
    try:
        production_app(monkeypatch, tmp_path, TUNE_PROCESS=True)
        assert gc.get_freeze_count() > frozen_before
        assert logging._srcfile is None and logging.logThreads is False
    finally:
        gc.unfreeze()
        logging._srcfile, logging.logThreads, logging.logMultiprocessing = source_lookup, True, True
