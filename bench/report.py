"""The machine, the targets of issue 7 checked as PASS/MISS, and docs/performance.md."""
from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bench.race import RaceResult
from bench.wrk import Result

SEED_SECONDS = 120
STOREFRONT_SHARE = 0.30
STOREFRONT_P99_MS = 50
SEARCH_P95_SERVER_MS = 20
MAX_QUERIES = 10
ORDERS_PER_SECOND = 100


@dataclass
class DbRun:
    """Everything measured against one database."""

    db: str
    version: str = ""
    seed_seconds: float = 0.0
    seed_cpu_seconds: float = 0.0
    seed_output: str = ""
    settle_seconds: float = 0.0  # VACUUM (ANALYZE) and CHECKPOINT (PostgreSQL), a WAL checkpoint (SQLite)
    reference: Result | None = None
    results: list[Result] = field(default_factory=list)
    rss_warm_kb: list[int] = field(default_factory=list)
    rss_end_kb: list[int] = field(default_factory=list)
    rss_after: dict[str, list[int]] = field(default_factory=dict)
    load_at: dict[str, float] = field(default_factory=dict)  # 1-minute load average when the page finished
    solo_ms: dict[str, tuple[float, float]] = field(default_factory=dict)  # page -> server p50, p95 one at a time
    solo_cold_ms: dict[str, tuple[float, float]] = field(default_factory=dict)  # the same, nothing kept for the catalog
    seeded: bool = True
    search_found: dict[str, tuple[int, int]] = field(default_factory=dict)  # query -> (page says, truth)
    race: RaceResult | None = None
    orders_per_second: float | None = None
    checkout_server_ms: tuple[float, float] | None = None  # p50, p95 of the checkout POST alone
    load_before: str = ""
    load_after: str = ""


@dataclass
class Target:
    what: str
    ok: bool
    detail: str

    @property
    def verdict(self) -> str:
        return "PASS" if self.ok else "MISS"


def _run(command: list[str]) -> str:
    try:
        return subprocess.run(command, check=False, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine() -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {
        "nproc": _run(["nproc"]), "cpu": cpu, "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "os": platform.platform(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "gunicorn": version("gunicorn"), "flask": version("flask"), "sqlalchemy": version("sqlalchemy"),
        "wrk": (_run(["/usr/bin/wrk", "-v"]).splitlines() or ["wrk ?"])[0].split(" Copyright")[0],
    }


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _settled(run: DbRun) -> str:
    what = "a WAL checkpoint" if run.db == "sqlite" else "VACUUM (ANALYZE), CHECKPOINT"
    return f"{what}, {run.settle_seconds:.0f} s"


def _mb(values: list[int]) -> str:
    return " / ".join(f"{v / 1024:.0f}" for v in values) if values else "-"


def targets(runs: list[DbRun]) -> list[Target]:
    found: list[Target] = []
    for run in runs:
        db = run.db
        if run.seeded:
            found.append(Target(f"[{db}] seed-bench ≤ {SEED_SECONDS} s", run.seed_seconds <= SEED_SECONDS,
                                f"{run.seed_seconds:.0f} s (CPU {run.seed_cpu_seconds:.0f} s)"))
        ref_rps = run.reference.rps if run.reference else 0
        for result in run.results:
            ep = result.endpoint
            if ep.storefront:
                share = result.rps / ref_rps if ref_rps else 0
                found.append(Target(f"[{db}] {ep.name}: ≥ {STOREFRONT_SHARE:.0%} of reference rps",
                                    share >= STOREFRONT_SHARE, f"{result.rps:.0f} rps = {share:.0%}"))
                found.append(Target(f"[{db}] {ep.name}: p99 ≤ {STOREFRONT_P99_MS} ms",
                                    result.latency_ms("p99") <= STOREFRONT_P99_MS, f"{result.latency_ms('p99'):.1f} ms"))
            if ep.search_syllables in (1, 2):
                # Server time of requests sent one at a time: under 16 connections the gthread workers' time
                # also holds waits for the GIL held by other requests' threads (shown in the table).
                solo = run.solo_ms.get(ep.name)
                server = solo[1] if solo else result.server_ms("p95")
                found.append(Target(f"[{db}] {ep.name}: server p95 ≤ {SEARCH_P95_SERVER_MS} ms",
                                    server is not None and server <= SEARCH_P95_SERVER_MS,
                                    "-" if server is None else f"{server:.1f} ms" + (
                                        " one at a time, each after a price edit" if solo else "")))
            if ep.kind == "get":
                queries = result.queries
                found.append(Target(f"[{db}] {ep.name}: ≤ {MAX_QUERIES} SQL queries per request",
                                    queries is not None and queries[2] <= MAX_QUERIES,
                                    "-" if queries is None else f"max {queries[2]}"))
            found.append(Target(f"[{db}] {ep.name}: no error responses", result.errors == 0, f"{result.errors}"))
        if run.search_found:
            missing = {q: pair for q, pair in run.search_found.items() if pair[0] != pair[1]}
            found.append(Target(f"[{db}] search finds every matching product", not missing,
                                ", ".join(f"{q}: {a}/{b}" for q, (a, b) in missing.items()) or
                                f"{len(run.search_found)} queries match a full scan"))
        if run.race:
            r = run.race
            found.append(Target(f"[{db}] {r.buyers} buyers for {r.units} units → exactly {r.units} orders, 0 errors",
                                r.ok, f"{r.orders} orders, {r.refused} refused, {r.errors} errors, "
                                f"{len(r.unexpected)} unexpected; database: {r.db_live_orders} orders, stock {r.db_stock}"))
        if db == "postgresql" and run.orders_per_second is not None:
            found.append(Target(f"[{db}] order placement ≥ {ORDERS_PER_SECOND} orders/s",
                                run.orders_per_second >= ORDERS_PER_SECOND, f"{run.orders_per_second:.1f} orders/s"))
    return found


def _table(run: DbRun) -> list[str]:
    ref_rps = run.reference.rps if run.reference else 0
    lines = [
        ("| page | rps | p50 ms | p95 ms | p99 ms | server p95 ms | errors | SQL/request (mean, max) "
        "| worker RSS MB | × reference | load |"),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = ([run.reference] if run.reference else []) + run.results
    for result in rows:
        ep = result.endpoint
        queries = result.queries
        q = "-" if queries is None else f"{queries[0]:.1f}, {queries[2]}"
        server = result.server_ms("p95")
        ratio = f"{result.rps / ref_rps:.2f}" if ref_rps else "-"
        lines.append(
            f"| {ep.name} | {result.rps:,.0f} | {result.latency_ms('p50'):.1f} | {result.latency_ms('p95'):.1f} | "
            f"{result.latency_ms('p99'):.1f} | {'-' if server is None else f'{server:.1f}'} | {result.errors} | {q} | "
            f"{_mb(run.rss_after.get(ep.name, []))} | {ratio} | {run.load_at.get(ep.name, 0):.1f} |")
    return lines


def markdown(runs: list[DbRun], info: dict[str, str], options: dict, commands: list[str],
             checked: list[Target]) -> str:
    now = datetime.now(UTC)
    out = [
        "# 성능 측정 (Performance)",
        "",
        "`python -m bench` writes this file; rerunning replaces it. Targets are those of issue 7.",
        "",
        f"- Date: {now:%Y-%m-%d %H:%M} UTC",
        f"- Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, {info['os']}",
        f"- Software: Python {info['python']}, SQLite {info['sqlite']}, "
        + "".join(f"PostgreSQL {r.version}, " for r in runs if r.db == "postgresql")
        + f"gunicorn {info['gunicorn']}, Flask {info['flask']}, SQLAlchemy {info['sqlalchemy']}, {info['wrk']}",
        (f"- Load: {options['products']:,} products; gunicorn {options['workers']} workers ({options['worker_class']}, "
        f"{options['threads']} threads) per server; wrk {options['connections']} connections (one per thread), "
        f"{options['duration']} s per page after a warm-up (every page a run draws from visited once, then "
        f"{options.get('warmup', 0)} s of load); SHOP_ENV=production with Redis rate-limit storage."),
        "- The machine is shared (other test runs); load average (1, 5, 15 min) before and after each database: "
        + "; ".join(f"{r.db} {r.load_before} → {r.load_after}" for r in runs),
        "",
        "Commands:",
        "",
        "```sh",
        *commands,
        "```",
        "",
        ("Columns: rps = requests per second; p50/p95/p99 = wrk latency at the client (queueing included); "
        "server p95 = time inside the app (X-Bench-Server-Us); errors = answers other than 2xx/3xx plus "
        "connection errors; SQL/request counted by an Engine event listener (bench/querycount.py); worker RSS "
        "(anonymous: the heap, not the memory-mapped SQLite file) "
        "= each gunicorn worker after that page; × reference = rps / the bare-Flask reference's rps; load = the "
         "machine's 1-minute load average when the page's run ended (2 CPUs: above 2 means waiting for CPU). "
        "\"order placement\" alternates add-to-cart and checkout (two requests per order)."),
        "",
    ]
    for run in runs:
        seeded = "" if run.seeded else "Databases reused from the previous run (--no-seed). "
        out += [f"## {run.db}", "",
                seeded + (f"seed-bench: {run.seed_seconds:.0f} s wall, {run.seed_cpu_seconds:.0f} s CPU ({run.seed_output}). "
                 f"Then the database settled before measuring ({_settled(run)}). "
                 f"Worker RSS after warm-up {_mb(run.rss_warm_kb)} MB, at the end {_mb(run.rss_end_kb)} MB."), ""]
        out += _table(run)
        out.append("")
        if run.solo_ms:
            out.append("Server time of the search itself, one request at a time, each right after an enterprise "
                       "changed a price through its API (a catalog change: the cached page is missed, the search's "
                       "kept list of matches is brought up to date for the edited product, and the page drawn before "
                       "is used again when none of the products it shows changed; p50 / p95 ms): "
                       + ", ".join(f"{name} {p50:.1f} / {p95:.1f}" for name, (p50, p95) in run.solo_ms.items()) + ".")
            out.append("")
        if run.solo_cold_ms:
            out.append("The same with nothing kept for the catalog (its generation deleted from Redis before each "
                       "request, as after a change to every product or a Redis restart; the whole list is computed): "
                       + ", ".join(f"{name} {p50:.1f} / {p95:.1f}" for name, (p50, p95) in run.solo_cold_ms.items())
                       + ".")
            out.append("")
        if run.search_found:
            out.append("Search completeness (products on the result page / products a full scan finds): "
                       + ", ".join(f"{q} {a:,}/{b:,}" for q, (a, b) in run.search_found.items()) + ".")
            out.append("")
        if run.race:
            r = run.race
            out.append(f"Concurrency: {r.buyers} buyers ordered the same option with {r.units} units at once: "
                       f"{r.orders} orders, {r.refused} sold-out refusals, {r.errors} errors"
                       f"{' (' + '; '.join(r.unexpected[:5]) + ')' if r.unexpected else ''}, in {r.seconds:.1f} s; "
                       f"the database holds {r.db_live_orders} orders for it and stock {r.db_stock}.")
            out.append("")
        if run.orders_per_second is not None:
            checkout = (f"; the checkout POST alone took {run.checkout_server_ms[0]:.1f} ms (p50) and "
                        f"{run.checkout_server_ms[1]:.1f} ms (p95) inside the app" if run.checkout_server_ms else "")
            out.append(f"Order placement: {run.orders_per_second:.1f} orders/s (orders created during the "
                       f"order-placement run / its duration; each order is an add-to-cart and a checkout{checkout}).")
            out.append("")
    out += ["## Targets", "", "| target | result | measured |", "| --- | --- | --- |"]
    out += [f"| {t.what} | {t.verdict} | {t.detail} |" for t in checked]
    out.append("")
    return "\n".join(out)
