"""Structured logs: one JSON line per record, each carrying the request id, and one access line per
request. The id comes from the proxy's X-Request-ID when it looks like one (so proxy and app logs join
up) or is made here; it is sent back in the response and shown on error pages for support to quote."""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_HANDLER_MARK = "_hamkke_structured"
access_log = logging.getLogger("shop.access")


def _request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = _request_id()
        if request_id:
            line["request_id"] = request_id
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        request_id = _request_id() or "-"
        fields = " ".join(f"{k}={v}" for k, v in getattr(record, "fields", {}).items())
        text = f"{record.levelname[0]} [{request_id}] {record.name}: {record.getMessage()} {fields}".rstrip()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def _configure_handler(app: Flask) -> None:
    logger = logging.getLogger("shop")  # app.logger and every shop.* module logger below it
    if not any(getattr(h, _HANDLER_MARK, False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        setattr(handler, _HANDLER_MARK, True)
        logger.addHandler(handler)
    for handler in logger.handlers:
        if getattr(handler, _HANDLER_MARK, False):
            handler.setFormatter(JsonLineFormatter() if app.config["LOG_FORMAT"] == "json" else TextFormatter())
    logger.setLevel(logging.INFO)


def install_request_logging(app: Flask) -> None:
    _configure_handler(app)

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _ACCEPTABLE_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        if "request_id" not in g:  # a request that failed before the first before_request hook
            return response
        response.headers[REQUEST_ID_HEADER] = g.request_id
        from flask_login import current_user  # imported late: the login manager may not be set up yet

        user_id = current_user.get_id() if current_user and current_user.is_authenticated else None
        access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={"fields": {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
            "user_id": user_id,
            "remote_addr": request.remote_addr,
        }})
        return response
