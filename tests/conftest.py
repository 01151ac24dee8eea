"""Fixtures: one migrated database per test session (SQLite file, or TEST_DATABASE_URL for
PostgreSQL), emptied after every test; a client; factories for realistic objects."""
from __future__ import annotations

import functools
import os
import re
import tempfile
import threading
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from shop import create_app
from shop.core.cache import cache
from shop.extensions import db

pytest_plugins = ["tests.factories", "tests.procurement_fixtures"]

_tmp = tempfile.mkdtemp(prefix="hamkke-test-")
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_tmp}/test.db"


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def make_test_app(**overrides):
    config = {
        "ENV_NAME": "test",
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1),
        "UPLOAD_FOLDER": os.path.join(_tmp, "uploads"),
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app():
    if TEST_DATABASE_URL.startswith("postgresql"):
        _reset_postgres(TEST_DATABASE_URL)
    application = make_test_app()
    with application.app_context():
        upgrade()
    return application


def _empty_all_tables() -> None:
    """Every row gone and every id counting from 1 again, as after TRUNCATE ... RESTART IDENTITY."""
    if db.engine.dialect.name == "postgresql":
        db.session.connection().exec_driver_sql(_emptying_script())
    else:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
    db.session.commit()


@functools.cache
def _emptying_script() -> str:
    """One round trip of plain DELETEs, children first, then the used id sequences set back. A TRUNCATE of
    every table took ~75 ms a test (a new file per table and index), a third of the PostgreSQL pass;
    deleting the few rows a test wrote takes ~2 ms."""
    deletes = [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
    restart = ("SELECT setval((quote_ident(schemaname) || '.' || quote_ident(sequencename))::regclass, 1, false) "
               "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL")
    return "; ".join([*deletes, restart])


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Every test that touches the app starts from an empty database."""
    if "app" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        _empty_all_tables()
        cache.clear()  # emptying tables with plain DELETEs moves no cache generation on
    from shop.extensions import limiter

    limiter.reset()


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over HTTP on a free port, in a thread: for browsers and for webhooks."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def signed_in(app, user):
    """A browser of its own, signed in as `user` (or anonymous), and a valid CSRF token for its posts.
    Call it inside `with app.app_context():` so that the user cached in `g` is this one's."""
    browser = app.test_client()
    if user is not None:
        token = csrf_from(browser.get("/login").get_data(as_text=True))
        response = browser.post("/login", data={"email": user.email, "password": "correct-horse-42",
                                                "csrf_token": token})
        assert response.status_code in (302, 303)
    return browser, csrf_from(browser.get("/cart" if user else "/login").get_data(as_text=True))


@pytest.fixture
def outbox(app):
    """The emails sent during the test."""
    from shop.notifications.mail import email_sent

    sent = []

    def keep(_sender, message):
        sent.append(message)

    email_sent.connect(keep, app)
    yield sent
    email_sent.disconnect(keep, app)


@pytest.fixture
def form_post(client):
    """POST a form the way a browser does: fetch the page, take its CSRF token, submit."""

    def post(url: str, data: dict, *, page: str | None = None, follow_redirects: bool = False):
        html = client.get(page or url).get_data(as_text=True)
        payload = {"csrf_token": csrf_from(html), **data}
        return client.post(url, data=payload, follow_redirects=follow_redirects)

    return post


@pytest.fixture
def login(form_post):
    def do_login(user, password: str = "correct-horse-42"):
        response = form_post("/login", {"email": user.email, "password": password})
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return response

    return do_login


@contextmanager
def _counting():
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def count_queries(app):
    """with count_queries() as queries: ...; len(queries) is the number of SQL statements run."""
    return _counting
