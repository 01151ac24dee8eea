"""SQL statements per request, counted from outside the app: a listener on every SQLAlchemy Engine
and a WSGI wrapper that reports the count (and the time the app took, in microseconds) in response
headers. Loaded only by bench/gunicorn_conf.py when BENCH_COUNT_QUERIES=1, so production never sends them."""
from __future__ import annotations

import threading
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine

HEADER = "X-Bench-Queries"
TIME_HEADER = "X-Bench-Server-Us"
_state = threading.local()


def _count(*_args, **_kwargs) -> None:
    _state.count = getattr(_state, "count", 0) + 1


event.listen(Engine, "before_cursor_execute", _count)


class QueryCounter:
    """WSGI middleware; Flask renders the whole body before start_response, so the count is complete
    (teardown only returns the connection to the pool)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        _state.count = 0
        started = time.perf_counter()

        def counting_start_response(status, headers, exc_info=None):
            headers.append((HEADER, str(_state.count)))
            headers.append((TIME_HEADER, str(int((time.perf_counter() - started) * 1_000_000))))
            return start_response(status, headers, exc_info)

        return self.app(environ, counting_start_response)
