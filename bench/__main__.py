"""`python -m bench`: seed, serve with gunicorn, load with wrk, compare with a bare Flask page, check the
targets of issue 7 and write docs/performance.md. `--soak S` runs mixed traffic for S seconds instead.
See bench/README.md."""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import secrets
import shlex
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import redis
import requests

from bench import race, report, servers, sessions, soak, wrk
from bench.report import DbRun, Target
from bench.wrk import Endpoint

ROOT = servers.ROOT
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/hamkke_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"
RESULT_COUNT = re.compile(r"총 <strong>([\d,]+)</strong>개 상품")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--products", type=int, default=None, help="catalog size (default 100000; 200 with --quick)")
    parser.add_argument("--duration", type=float, default=None, help="seconds of load per page (default 10)")
    parser.add_argument("--soak", type=float, default=None, metavar="S", help="mixed traffic for S seconds instead")
    parser.add_argument("--quick", action="store_true", help="a small smoke run: 200 products, 2 s per page")
    parser.add_argument("--output", type=Path, default=None,
                        help="report file (default docs/performance.md, docs/performance-soak.md for --soak)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/hamkke-bench"),
                        help="SQLite file, instance folder, logs and wrk scripts")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG),
                        help="PostgreSQL database to drop and recreate (must be a bench-only database)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS),
                        help="a bench-only Redis database: it is emptied before each server starts")
    parser.add_argument("--only", action="append", metavar="PAGE",
                        help='measure only this page (repeatable, e.g. --only "order placement"); for profiling')
    parser.add_argument("--no-seed", action="store_true", help="reuse the databases of the previous run")
    args = parser.parse_args(argv)
    args.products = args.products or (200 if args.quick else 100_000)
    args.duration = args.duration or (2 if args.quick else 10)
    args.connections = 4 if args.quick else wrk.CONNECTIONS
    args.race_buyers, args.race_units = (10, 3) if args.quick else (100, 10)
    args.warmup = 0 if args.quick else 3
    args.output = args.output or ROOT / "docs" / ("performance-soak.md" if args.soak else "performance.md")
    args.dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    return args


def say(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# --- databases ---------------------------------------------------------------------------------------


def database_url(args, db: str) -> str:
    return f"sqlite:///{args.workdir / 'bench.db'}" if db == "sqlite" else args.pg_url


def base_env(args, db: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url(args, db), "SHOP_INSTANCE_PATH": str(args.workdir / "instance"),
            "PYTHONPATH": str(ROOT)}


def fresh_database(args, db: str) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.workdir / 'bench.db'}{suffix}").unlink(missing_ok=True)
        return
    name = args.pg_url.rsplit("/", 1)[1]
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"bench database name must be a plain identifier: {name!r}")
    with psycopg.connect(args.pg_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def settle(args, db: str, run: DbRun) -> None:
    """Let the database write back what seeding and set-up left, before anything is measured: otherwise
    PostgreSQL's autovacuum of the freshly loaded tables and the checkpoint of the load's WAL run during
    the first pages, and every commit waits behind them. A shop is not bulk-loaded a minute before its
    busiest hour."""
    started = time.perf_counter()
    if db == "sqlite":
        with sqlite3.connect(args.workdir / "bench.db") as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        with psycopg.connect(args.pg_url, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")
            conn.execute("CHECKPOINT")
    run.settle_seconds = time.perf_counter() - started
    say(f"{db}: settled in {run.settle_seconds:.1f} s")


def postgres_version(args) -> str:
    with psycopg.connect(args.pg_url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def flask(args, db: str, *command: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **base_env(args, db), "SHOP_ENV": "development"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "shop", *command], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def seed(args, db: str, run: DbRun) -> None:
    """A fresh database, then seed-bench (which runs `flask db upgrade` first itself, so the time
    measured includes creating the schema)."""
    say(f"{db}: fresh database, seed-bench --products {args.products}")
    fresh_database(args, db)
    started, cpu = time.perf_counter(), _children_cpu()
    extra = ["--enterprises", "100"] if args.quick else []
    done = flask(args, db, "seed-bench", "--products", str(args.products), *extra)
    run.seed_seconds = time.perf_counter() - started
    run.seed_cpu_seconds = _children_cpu() - cpu
    run.seed_output = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    say(f"{db}: seeded in {run.seed_seconds:.1f} s (CPU {run.seed_cpu_seconds:.1f} s): {run.seed_output}")


_apps: dict[str, object] = {}


def prepare(args, db: str, command: str, **kwargs) -> dict:
    """A bench.prepare command, run in this process against the bench database."""
    from bench import prepare as preparing

    if db not in _apps:
        _apps[db] = preparing.bench_app(database_url(args, db), args.workdir / "instance")
    return json.loads(json.dumps(preparing.run(_apps[db], command, **kwargs)))


# --- servers -----------------------------------------------------------------------------------------


CACHE_KEY_PREFIX = "hamkke:"  # the shop's default (shop/config.py), which server_env keeps


def fresh_cache(args) -> None:
    """Empty the bench Redis database before a server starts: the shop's cache keys carry no database
    name, so entries cached against the previous database (or catalog size) would otherwise be served."""
    redis.Redis.from_url(args.redis_url).flushdb()


def server_env(args, db: str) -> dict[str, str]:
    """Production settings. The two limits are raised because every bench client comes from 127.0.0.1
    (a hundred sign-ins a minute) and one API key drives the soak; both are ordinary settings."""
    return {**base_env(args, db), "SHOP_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
            "REDIS_URL": args.redis_url, "RATELIMIT_KEY_PREFIX": f"hamkke-bench-{secrets.token_hex(4)}",
            "LOGIN_RATE_LIMIT": "100000 per minute", "ENTERPRISE_API_RATE_LIMIT": "100000 per minute"}


def endpoints(plan: dict) -> list[Endpoint]:
    """Signed-in buyers on every page, then the storefront again as guests (no cookie: each request a new
    visitor, as from a search engine or a shared link), who are most of a mall's browsing."""
    q = plan["queries"]
    home = ["/"]
    category = [f"/categories/{s}" for s in plan["categories"]]
    product = [f"/products/{s}" for s in plan["products"]]
    search = {n: [f"/search?q={w}" for w in q[n]] for n in ("1", "2", "4")}
    return [
        Endpoint("home", paths=home, storefront=True),
        Endpoint("category", paths=category, storefront=True),
        Endpoint("product", paths=product, storefront=True),
        Endpoint("search 1 syllable", paths=search["1"], storefront=True, search_syllables=1),
        Endpoint("search 2 syllables", paths=search["2"], storefront=True, search_syllables=2),
        Endpoint("search 4 syllables", paths=search["4"], storefront=True, search_syllables=4),
        Endpoint("exhibition", paths=[f"/exhibitions/{s}" for s in plan["exhibitions"]]),
        Endpoint("add to cart", kind="add"),
        Endpoint("order placement", kind="order"),
        Endpoint("home (guest)", paths=home, storefront=True, guests=True),
        Endpoint("category (guest)", paths=category, storefront=True, guests=True),
        Endpoint("product (guest)", paths=product, storefront=True, guests=True),
        Endpoint("search 1 syllable (guest)", paths=search["1"], storefront=True, guests=True),
        Endpoint("search 2 syllables (guest)", paths=search["2"], storefront=True, guests=True),
    ]


def warm_up(args, server: servers.Server, eps: list[Endpoint]) -> None:
    """First requests load templates, fill pools and caches; they are not measured. Every page a run draws
    from is visited once (500 product pages among them), so that each page's run measures it as visitors
    find it in use, not the first drawing of pages no one has opened yet."""
    with requests.Session() as http:
        for ep in eps:
            for path in ep.paths[:1] if args.quick else ep.paths:
                http.get(server.base + path, headers={"User-Agent": sessions.USER_AGENT}, timeout=60)
    for ep in eps:
        if args.warmup and ep.kind == "get":
            wrk.run(server.base, ep, args.warmup, args.workdir / "warmup", connections=args.connections)
            server.wait_idle()


def measure_reference(args, run: DbRun) -> None:
    server = servers.start("reference", "bench.reference_app:app", servers.free_port(), {"PYTHONPATH": str(ROOT)},
                           args.workdir)
    try:
        ep = Endpoint("reference (bare Flask, 24 items)", paths=["/"])
        warm_up(args, server, [ep])
        server.wait_idle()
        run.reference = wrk.run(server.base, ep, args.duration, args.workdir, connections=args.connections)
        run.rss_after[ep.name] = server.worker_rss_kb()
        run.load_at[ep.name] = os.getloadavg()[0]
        say(f"reference: {run.reference.rps:.0f} rps, p99 {run.reference.latency_ms('p99'):.1f} ms")
    finally:
        server.stop()


def search_completeness(server: servers.Server, plan: dict, truth: dict) -> dict[str, tuple[int, int]]:
    found = {}
    for words in plan["queries"].values():
        for word in words:
            page = requests.get(server.base + "/search", params={"q": word},
                                headers={"User-Agent": sessions.USER_AGENT}, timeout=60)
            match = RESULT_COUNT.search(page.text)
            found[word] = (int(match.group(1).replace(",", "")) if match else -1, truth[word])
    return found


def solo_server_ms(args, server: servers.Server, ep: Endpoint, plan: dict, requests_each: int,
                   *, forget_catalog: bool) -> tuple[float, float]:
    """Server time (X-Bench-Server-Us) of the page's requests sent one after another on one connection,
    each after the catalog changed, so that no cached page or listing serves it: the time of the search itself.

    The change is an enterprise's price edit through its API (a catalog change that names its product), or,
    with `forget_catalog`, the catalog's generation deleted from Redis, as after a change to every product
    (an enterprise's approval) or a Redis restart: nothing kept for the catalog can be used."""
    times = []
    cache = redis.Redis.from_url(args.redis_url)
    api = plan["api"]
    auth = {"Authorization": f"Bearer {api['key']}", "User-Agent": sessions.USER_AGENT}
    with requests.Session() as http:
        for n in range(requests_each):
            for path in ep.paths:
                if forget_catalog:
                    cache.delete(f"{CACHE_KEY_PREFIX}gen:catalog")
                else:
                    sku = api["skus"][n % len(api["skus"])]
                    edit = http.patch(f"{server.base}/api/v1/enterprise/options/{sku}", headers=auth, timeout=60,
                                      json={"price_krw": 10_000 + 10 * (n % 50) + len(times) % 2 * 5})
                    edit.raise_for_status()
                answer = http.get(server.base + path, headers={"User-Agent": sessions.USER_AGENT}, timeout=60)
                if "X-Bench-Server-Us" in answer.headers:
                    times.append(int(answer.headers["X-Bench-Server-Us"]) / 1000)
    times.sort()
    return (times[len(times) // 2], times[max(0, -(-len(times) * 95 // 100) - 1)]) if times else (-1.0, -1.0)


def run_database(args, db: str) -> DbRun:
    run = DbRun(db, load_before=report.load_average(), seeded=not args.no_seed)
    if db == "postgresql":
        run.version = postgres_version(args) if args.no_seed else ""
    if not args.no_seed:
        seed(args, db, run)
        run.version = postgres_version(args) if db == "postgresql" else ""
    plan = prepare(args, db, "setup", race_stock=args.race_units)
    truth = prepare(args, db, "search-truth")
    settle(args, db, run)
    measure_reference(args, run)
    eps = [ep for ep in endpoints(plan) if not args.only or ep.name in args.only]
    fresh_cache(args)
    server = servers.start(f"shop-{db}", "shop:create_app()", servers.free_port(), server_env(args, db), args.workdir)
    try:
        n = args.connections
        buyers = sessions.sign_in_all(server.base, plan["buyers"][: 2 * n + args.race_buyers])
        order_buyers, add_buyers, race_buyers = buyers[:n], buyers[n:2 * n], buyers[2 * n:]
        warm_up(args, server, eps)
        server.wait_idle()
        run.rss_warm_kb = server.worker_rss_kb()
        run.search_found = search_completeness(server, plan, truth)
        variants = [v["id"] for v in plan["pool"]]
        for ep in eps:
            server.wait_idle()
            before = prepare(args, db, "order-count")["orders"] if ep.kind == "order" else 0
            visitors = [] if ep.guests else order_buyers if ep.kind == "order" else add_buyers
            result = wrk.run(server.base, ep, args.duration, args.workdir, connections=n, buyers=visitors,
                             variants=variants)
            if ep.kind == "order":
                placed = prepare(args, db, "order-count")["orders"] - before
                run.orders_per_second = placed / (result.data["duration_us"] / 1e6)
                checkout = result.data["checkout_server_us"]
                if checkout["n"]:
                    run.checkout_server_ms = (checkout["p50"] / 1000, checkout["p95"] / 1000)
            run.results.append(result)
            run.rss_after[ep.name] = server.worker_rss_kb()
            run.load_at[ep.name] = os.getloadavg()[0]
            queries = result.queries
            say(f"{db} {ep.name}: {result.rps:.0f} rps, p99 {result.latency_ms('p99'):.1f} ms, "
                f"{result.errors} errors, SQL max {queries[2] if queries else '-'}")
        # After every page's run: each of these requests follows a catalog change, which would send the
        # pages measured after it back to rendering afresh.
        # Every search's own time after price edits first, then with the catalog's generation deleted: the
        # deletion leaves nothing kept to bring up to date, and would make the next search's first requests
        # compute whole lists.
        each = 1 if args.quick else 25
        for forget_catalog, times in ((False, run.solo_ms), (True, run.solo_cold_ms)):
            for ep in eps:
                if ep.search_syllables:
                    server.wait_idle()
                    times[ep.name] = solo_server_ms(args, server, ep, plan, each, forget_catalog=forget_catalog)
        server.wait_idle()
        since = datetime.now(UTC).isoformat()  # the seed's past orders may include this option too
        run.race = race.run(server.base, race_buyers, plan["race"]["id"], plan["race"]["stock"])
        ledger = prepare(args, db, "stock-ledger", variant_ids=[plan["race"]["id"]], since=since)
        entry = ledger["options"][str(plan["race"]["id"])]
        run.race.db_live_orders, run.race.db_stock = entry["live_orders"], entry["stock"]
        say(f"{db} race: {run.race.orders} orders, {run.race.refused} refused, {run.race.errors} errors")
        run.rss_end_kb = server.worker_rss_kb()
    finally:
        server.stop()
    run.load_after = report.load_average()
    return run


def print_targets(checked: list[Target]) -> None:
    width = max(len(t.what) for t in checked) if checked else 0
    for t in checked:
        print(f"{t.verdict}  {t.what:<{width}}  {t.detail}")


def benchmark(args, argv: list[str]) -> int:
    info = report.machine()
    say(f"{info['nproc']} CPUs ({info['cpu']}), load {report.load_average()}; output {args.output}")
    runs = [run_database(args, db) for db in args.dbs]
    checked = report.targets(runs)
    commands = [shlex.join(["python", "-m", "bench", *argv])]
    for db in args.dbs:
        url = "sqlite:///<workdir>/bench.db" if db == "sqlite" else args.pg_url
        commands += [f"DATABASE_URL={url} flask --app shop seed-bench --products {args.products}"
                     + (" --enterprises 100" if args.quick else "") + "   # runs db upgrade first"]
    options = {"products": args.products, "workers": os.environ.get("BENCH_WORKERS", "2"),
               "worker_class": os.environ.get("BENCH_WORKER_CLASS", "gthread"),
               "threads": os.environ.get("BENCH_THREADS", "4"), "connections": args.connections,
               "duration": args.duration, "warmup": args.warmup}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report.markdown(runs, info, options, commands, checked), encoding="utf-8")
    print_targets(checked)
    say(f"wrote {args.output}")
    return 0 if all(t.ok for t in checked) else 1


# --- soak --------------------------------------------------------------------------------------------


def soak_database(args, db: str) -> tuple[list[Target], list[str]]:
    run = DbRun(db, load_before=report.load_average())
    if not args.no_seed:
        seed(args, db, run)
    plan = prepare(args, db, "setup")
    settle(args, db, run)
    since = datetime.now(UTC).isoformat()
    fresh_cache(args)
    server = servers.start(f"soak-{db}", "shop:create_app()", servers.free_port(), server_env(args, db), args.workdir)
    stats = soak.SoakStats()
    try:
        buyers = sessions.sign_in_all(server.base, plan["buyers"][:8])
        traffic = {
            "browse": ["/"] + [f"/categories/{s}" for s in plan["categories"]]
            + [f"/products/{s}" for s in plan["products"][:200]] + [f"/exhibitions/{s}" for s in plan["exhibitions"]],
            "queries": [w for words in plan["queries"].values() for w in words],
            "variants": [v["id"] for v in plan["pool"]] + plan["api"]["ids"],
            "api_key": plan["api"]["key"], "api_skus": plan["api"]["skus"], "api_ids": plan["api"]["ids"],
        }
        warm = min(60.0, max(5.0, args.soak / 10))
        say(f"{db} soak: warm-up {warm:.0f} s")
        soak.drive(server.base, buyers, traffic, warm, stats, seed=1)
        rss_warm = server.worker_rss_kb()
        say(f"{db} soak: {args.soak:.0f} s of mixed traffic, worker RSS {rss_warm} kB")
        soak.drive(server.base, buyers, traffic, args.soak, stats, seed=2)
        rss_end = server.worker_rss_kb()
        ledger = prepare(args, db, "stock-ledger", variant_ids=traffic["variants"], since=since)
    finally:
        server.stop()
    mismatches = soak.reconcile(ledger, prepare_pool_stock(), stats)
    growth = max((end - warm) / warm for warm, end in zip(rss_warm, rss_end, strict=False)) if rss_warm else 0
    checked = [
        Target(f"[{db}] soak: 0 error responses", not stats.errors,
               f"{len(stats.errors)} errors" + (f" (first: {'; '.join(stats.errors[:3])})" if stats.errors else "")),
        Target(f"[{db}] soak: stock and orders reconcile", not mismatches,
               f"{stats.orders_placed} orders, {len(ledger['options'])} options" if not mismatches
               else "; ".join(mismatches[:5])),
        Target(f"[{db}] soak: enterprise API restocks ran", stats.counts["api"] > 0,
               f"{stats.counts['api']} API requests, {sum(stats.api_delta.values())} units restocked, "
               f"{stats.refusals['api 409']} compare-and-set conflicts"),
        Target(f"[{db}] soak: worker RSS at end within 10 % of after warm-up", growth <= 0.10,
               f"{[round(v / 1024) for v in rss_warm]} → {[round(v / 1024) for v in rss_end]} MB ({growth:+.1%})"),
    ]
    lines = [f"## {db}", "", (f"Requests by action: {dict(stats.counts)}; expected refusals: {dict(stats.refusals)}; "
             f"orders placed: {stats.orders_placed}; API restocks applied: {sum(stats.api_delta.values())} units. "
             f"Load average {run.load_before} → {report.load_average()}."), ""]
    return checked, lines


def prepare_pool_stock() -> int:
    from bench.prepare import POOL_STOCK

    return POOL_STOCK


def soak_mode(args, argv: list[str]) -> int:
    info = report.machine()
    say(f"soak {args.soak:.0f} s on {', '.join(args.dbs)}; {info['nproc']} CPUs, load {report.load_average()}")
    checked, body = [], []
    for db in args.dbs:
        found, lines = soak_database(args, db)
        checked += found
        body += lines
    text = ["# 성능 측정: soak", "", f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            f"- Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM; Python {info['python']}",
            (f"- Command: `{shlex.join(['python', '-m', 'bench', *argv])}` ({args.products:,} products, 8 shoppers: "
            f"browse, search, buy, pay (test payment), cancel, enterprise API restock with compare-and-set)"), "",
            *body, "| target | result | measured |", "| --- | --- | --- |",
            *[f"| {t.what} | {t.verdict} | {t.detail} |" for t in checked], ""]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(text), encoding="utf-8")
    print_targets(checked)
    say(f"wrote {args.output}")
    return 0 if all(t.ok for t in checked) else 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if not Path(wrk.WRK).exists():
        raise SystemExit(f"{wrk.WRK} not found: apt-get install wrk")
    args.workdir.mkdir(parents=True, exist_ok=True)
    (args.workdir / "warmup").mkdir(exist_ok=True)
    return soak_mode(args, argv) if args.soak else benchmark(args, argv)


if __name__ == "__main__":
    sys.exit(main())
