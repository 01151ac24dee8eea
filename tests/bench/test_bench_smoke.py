"""The benchmark harness end to end at toy scale: seed, gunicorn, wrk on every page, the reference,
the concurrency check and the report. It checks that the harness measures, not how fast the shop is
(targets are for the full run on a quiet machine, never for a timed test)."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/10"  # not the default bench database, so a full run beside the test is safe
PAGES = ("home", "category", "product", "search 1 syllable", "search 2 syllables", "search 4 syllables",
         "exhibition", "add to cart", "order placement")


def _missing() -> str | None:
    if not Path("/usr/bin/wrk").exists():
        return "wrk is not installed (apt-get install wrk)"
    if importlib.util.find_spec("gunicorn") is None:
        return "gunicorn is not installed"
    try:
        redis.Redis.from_url(REDIS, socket_timeout=1).ping()
    except redis.RedisError:
        return "no Redis at 127.0.0.1:6379 (production settings need REDIS_URL)"
    return None


pytestmark = [
    pytest.mark.skipif(_missing() is not None, reason=_missing() or ""),
    # The harness makes its own databases and servers; one pass of the suite runs it (CI's SQLite pass).
    pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                       reason="runs once, in the SQLite pass: the harness makes its own databases"),
]


def _row(report: str, page: str) -> list[str]:
    line = next((line for line in report.splitlines() if line.startswith(f"| {page} |")), None)
    assert line is not None, f"no row for {page!r} in the report"
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_quick_run_reports_every_page_without_errors(tmp_path):
    output = tmp_path / "performance.md"
    performance = ROOT / "docs" / "performance.md"
    before = performance.read_bytes() if performance.exists() else None

    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--db", "sqlite", "--duration", "1",
         "--output", str(output), "--workdir", str(tmp_path / "work"), "--redis-url", REDIS],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=180)

    assert output.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    report = output.read_text(encoding="utf-8")
    reference = _row(report, "reference (bare Flask, 24 items)")
    assert float(reference[1].replace(",", "")) > 0
    for page in PAGES:
        cells = _row(report, page)
        assert float(cells[1].replace(",", "")) > 0, f"{page}: no requests measured"
        assert cells[6] == "0", f"{page}: {cells[6]} error responses"
        assert re.fullmatch(r"[\d.]+, \d+", cells[7]), f"{page}: no SQL count ({cells[7]})"
    assert re.search(r"10 buyers for 3 units → exactly 3 orders, 0 errors \| PASS", report)
    assert "search finds every matching product | PASS" in report
    assert "Then the database settled before measuring (a WAL checkpoint, " in report
    assert re.search(r"^(PASS|MISS)  \[sqlite\] home: p99", done.stdout, re.MULTILINE)
    after = performance.read_bytes() if performance.exists() else None
    assert after == before, "a test run must not touch docs/performance.md"
