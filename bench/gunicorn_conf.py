"""gunicorn settings shared by the shop and the reference app, so the two are measured alike.

gthread, 2 workers x 4 threads: wrk keeps its 16 connections open (HTTP keep-alive), which the sync
worker does not support (it closes every connection, so each request would also pay a TCP handshake
that a real proxy in front would absorb); and a thread blocked on the database (a row lock during order
placement, SQLite's busy wait) leaves the worker's other threads serving. With 2 CPUs the GIL makes
more threads pointless for CPU-bound rendering.

When BENCH_COUNT_QUERIES=1 each worker's app is wrapped (after it is loaded, so no shop code changes)
to count SQL statements per request and return the count in an X-Bench-Queries header.
"""
import os

bind = os.environ.get("BENCH_BIND", "127.0.0.1:8101")
workers = int(os.environ.get("BENCH_WORKERS", "2"))
worker_class = os.environ.get("BENCH_WORKER_CLASS", "gthread")
threads = int(os.environ.get("BENCH_THREADS", "4"))
keepalive = 5
backlog = 2048
timeout = 60
graceful_timeout = 10
accesslog = None
errorlog = "-"
loglevel = "warning"
proc_name = os.environ.get("BENCH_PROC_NAME", "hamkke-bench")


def post_worker_init(worker):
    if os.environ.get("BENCH_COUNT_QUERIES") == "1":
        from bench.querycount import QueryCounter

        worker.wsgi = QueryCounter(worker.wsgi)
