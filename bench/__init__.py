"""The benchmark the project keeps: `python -m bench` (see bench/README.md).

Nothing here is imported by the shop; the app is measured as it runs in production, with query counting
added from outside (bench/gunicorn_conf.py) only when BENCH_COUNT_QUERIES=1.
"""
