"""함께장터: the application factory."""
from __future__ import annotations

import gc
import logging
import os
import secrets
from urllib.parse import urlsplit

from flask import Flask, g, jsonify, render_template, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from shop.config import CONFIGS, PROJECT_ROOT, database_url
from shop.core.cache import init_cache
from shop.extensions import csrf, db, limiter, login_manager, migrate
from shop.web.request_log import install_request_logging


def create_app(config: dict | None = None) -> Flask:
    """Build the app; `config` overrides settings (tests pass their database URL here)."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=os.environ.get("SHOP_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
    )
    env_name = (config or {}).get("ENV_NAME") or os.environ.get("SHOP_ENV", "development")
    app.config.from_object(CONFIGS[env_name])
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(os.environ.get("DATABASE_URL"), app.instance_path)
    if config:
        app.config.update(config)
    app.config["UPLOAD_FOLDER"] = app.config.get("UPLOAD_FOLDER") or os.path.join(app.instance_path, "uploads")
    os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)
    check_production_settings(app)
    app.json.ensure_ascii = False  # Korean stays readable in API answers
    if app.config["TRUSTED_PROXY_COUNT"]:
        n = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)

    install_request_logging(app)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_commands(app)
    if app.config["TUNE_PROCESS"]:
        tune_worker_process()
    return app


def tune_worker_process() -> None:
    """For a process that exists to serve this app (a gunicorn worker), once the app is built."""
    # Its modules and app live as long as it does: keep the cyclic collector off them. Otherwise each full
    # collection walks them all, stalling every thread of the worker (0.1 s, seen as p99 latency).
    gc.freeze()
    # No log line names its source file or thread (gunicorn's name the process): skip finding them for
    # every record, as the logging HOWTO's "Optimization" says; each request logs an access line.
    logging._srcfile = None
    logging.logThreads = logging.logMultiprocessing = False


def check_production_settings(app: Flask) -> None:
    if app.config["ENV_NAME"] != "production":
        return
    if app.config["SECRET_KEY"] in ("", "dev-only-not-secret") or "SECRET_KEY" not in os.environ:
        raise RuntimeError("SECRET_KEY 환경변수가 필요합니다 (production).")
    if app.debug:
        raise RuntimeError("운영 환경에서는 debug 모드로 실행할 수 없습니다.")
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        # Each gunicorn worker would count on its own, multiplying every limit by the number of workers.
        raise RuntimeError("REDIS_URL 환경변수가 필요합니다 (production: 로그인·API 요청 제한을 워커끼리 공유).")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers and a writer work at once; SQLite enforces foreign keys only when asked.
    The driver begins a transaction only at the first write, so reads never hold a stale snapshot
    that would keep a later write from waiting for the lock."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Pages are read from the OS page cache through a memory map, not a read() call each: a search
        # matching a sixth of a 100,000-product catalog touches thousands of pages.
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()


def register_extensions(app: Flask) -> None:
    from shop import models  # noqa: F401  (registers every table on the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    init_cache(app)
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.login_message = "로그인이 필요한 페이지입니다."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from shop.web import cookie_sessions, login_state

    cookie_sessions.install(app)
    login_state.install(app)


def register_blueprints(app: Flask) -> None:
    from shop.web.account import bp as account_bp
    from shop.web.admin import bp as admin_bp
    from shop.web.admin_orders import bp as admin_orders_bp
    from shop.web.api import bp as api_bp
    from shop.web.cart import bp as cart_bp
    from shop.web.checkout import bp as checkout_bp
    from shop.web.console import bp as console_bp
    from shop.web.enterprise_api import bp as enterprise_api_bp
    from shop.web.institution import bp as institution_bp
    from shop.web.orders import bp as orders_bp
    from shop.web.reviews import bp as reviews_bp
    from shop.web.storefront import bp as storefront_bp

    app.register_blueprint(storefront_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(cart_bp)
    app.register_blueprint(checkout_bp)
    app.register_blueprint(institution_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(admin_orders_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # read-only JSON; later token-authenticated writes carry no cookies
    app.register_blueprint(enterprise_api_bp, url_prefix="/api/v1/enterprise")
    csrf.exempt(enterprise_api_bp)  # authenticated by API key only; session cookies are ignored there

    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
            return jsonify(status="ok", database="reachable")
        except Exception:  # any driver error means the same thing to a load balancer
            db.session.rollback()
            return jsonify(status="error", database="unreachable"), 503


def register_errorhandlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException

    messages = {
        400: "요청을 처리할 수 없습니다. 입력값을 확인해 주세요.",
        403: "이 페이지에 접근할 권한이 없습니다.",
        404: "찾으시는 페이지가 없습니다.",
        405: "허용되지 않은 요청 방식입니다.",
        413: "파일이 너무 큽니다.",
        429: "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
        500: "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
    }

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = "보안 토큰이 만료되었거나 올바르지 않습니다. 페이지를 새로고침한 뒤 다시 시도해 주세요."
        if wants_json():
            return jsonify(error={"code": "csrf", "message": message}), 400
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        message = messages.get(code, error.description or messages[400])
        # Keep the exception's own headers that matter to clients (Allow on 405, Retry-After on 429).
        headers = {k: v for k, v in error.get_headers() if k in ("Allow", "Retry-After", "WWW-Authenticate")}
        if wants_json():
            return jsonify(error={"code": error.name.lower().replace(" ", "_"), "message": message}), code, headers
        return render_template("errors/error.html", code=code, message=message), code, headers

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        if "NUL (0x00)" in str(error):
            # PostgreSQL refuses a NUL character in text. Forms that people fill in refuse control characters
            # field by field; for any other input this is the answer, and nothing was written.
            message = "입력값에 쓸 수 없는 문자(NUL)가 들어 있습니다. 내용을 확인해 주세요."
            if wants_json():
                return jsonify(error={"code": "bad_request", "message": message}), 400
            return render_template("errors/error.html", code=400, message=message), 400
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return jsonify(error={"code": "server_error", "message": messages[500],
                                  "request_id": g.get("request_id")}), 500
        return render_template("errors/error.html", code=500, message=messages[500]), 500


def register_template_helpers(app: Flask) -> None:
    from shop.web import page_cache
    from shop.web.template_helpers import install

    install(app)
    page_cache.install(app)


def register_security_headers(app: Flask) -> None:
    @app.before_request
    def make_csp_nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    # The checkout form redirects to Stripe's hosted page, which form-action must allow.
    checkout_origins = "https://checkout.stripe.com"
    if app.config.get("STRIPE_API_BASE"):
        parts = urlsplit(app.config["STRIPE_API_BASE"])
        checkout_origins += f" {parts.scheme}://{parts.netloc}"

    @app.after_request
    def security_headers(response):
        nonce = getattr(g, "csp_nonce", "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'self'; "
            f"form-action 'self' {checkout_origins}; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


def register_commands(app: Flask) -> None:
    from shop.cli import register

    register(app)
