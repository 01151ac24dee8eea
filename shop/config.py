"""Configuration: every setting comes from the environment, with safe defaults for development."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def database_url(raw: str | None, instance_path: str) -> str:
    """Turn DATABASE_URL into an SQLAlchemy URL, defaulting to SQLite under instance/."""
    if not raw:
        return f"sqlite:///{Path(instance_path) / 'hamkke.db'}"
    # psycopg 3 is the driver; plain postgres:// URLs (as hosting platforms print them) must use it.
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


class Config:
    ENV_NAME = "development"
    TUNE_PROCESS = False
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in by create_app from DATABASE_URL
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a long checkout must not fail on an expired token

    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    CACHE_REDIS_URL = os.environ.get("REDIS_URL")  # the shared cache (shop.core.cache); memory without it
    CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "hamkke:")  # one per deployment sharing a Redis
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "hamkke")
    # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: trust none of them).
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
    # A signed-in session ends after this long without a request, and always at logout (server side).
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    # Staff type their password again before approving or suspending, unless they did this recently.
    STAFF_REAUTH_MINUTES = int(os.environ.get("STAFF_REAUTH_MINUTES", "10"))
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")  # json lines, or "text" for reading in a terminal
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    # Per API key on /api/v1/enterprise (enterprises' own systems syncing stock and shipments).
    ENTERPRISE_API_RATE_LIMIT = os.environ.get("ENTERPRISE_API_RATE_LIMIT", "120 per minute")

    PER_PAGE = 24

    ORDER_PAYMENT_MINUTES = int(os.environ.get("ORDER_PAYMENT_MINUTES", "30"))  # unpaid orders expire
    RETURN_WINDOW_DAYS = 7  # 전자상거래법: 청약철회 within 7 days of delivery
    AUTO_CONFIRM_DAYS = 7  # 구매확정 happens by itself this long after delivery
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # a Stripe-compatible server, e.g. stripe-mock

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")  # empty: emails are written to the log
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1") == "1"
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "함께장터 <no-reply@hamkke.example>")
    UPLOAD_FOLDER: str | None = os.environ.get("UPLOAD_FOLDER")  # default: <instance>/uploads
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # The operator's legal details shown in the footer (전자상거래법 requires them on every page).
    OPERATOR = {
        "name": os.environ.get("OPERATOR_NAME", "(재)함께장터 운영지원센터"),
        "representative": os.environ.get("OPERATOR_REPRESENTATIVE", "김사회"),
        "address": os.environ.get("OPERATOR_ADDRESS", "서울특별시 마포구 월드컵북로 400, 5층"),
        "business_number": os.environ.get("OPERATOR_BUSINESS_NUMBER", "220-81-62517"),
        "mail_order_number": os.environ.get("OPERATOR_MAIL_ORDER_NUMBER", "2026-서울마포-0000"),
        "privacy_officer": os.environ.get("OPERATOR_PRIVACY_OFFICER", "박개인 (privacy@hamkke.example)"),
        "phone": os.environ.get("OPERATOR_PHONE", "02-123-4567"),
        "email": os.environ.get("OPERATOR_EMAIL", "help@hamkke.example"),
        "hosting": os.environ.get("OPERATOR_HOSTING", "함께장터 자체 운영"),
    }


class DevelopmentConfig(Config):
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")  # read in a terminal; production writes JSON lines


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    CACHE_REDIS_URL = None  # this process's memory; emptied between tests with the database
    SQLALCHEMY_RECORD_QUERIES = True
    # Full-cost scrypt takes ~0.1 s per hash and the suite makes thousands of members; a stored hash
    # carries its parameters, so this changes nothing about how passwords are checked.
    PASSWORD_HASH_METHOD = "scrypt:4096:8:1"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    # __Host- cookies are only accepted over HTTPS, for this exact host, path / (no subdomain can set one).
    SESSION_COOKIE_NAME = "__Host-hamkke_session"
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1"))  # gunicorn behind one proxy
    TUNE_PROCESS = True  # the process serves this app alone: see shop.tune_worker_process


CONFIGS = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}
