"""Starting and stopping the gunicorn under test, and reading its workers' memory from /proc."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "bench" / "gunicorn_conf.py"


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def worker_rss_kb(self) -> list[int]:
        return [rss_kb(pid) for pid in self.worker_pids()]

    def cpu_ticks(self) -> int:
        total = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total

    def wait_idle(self, timeout: float = 120.0) -> float:
        """Wait until the workers stop using CPU: wrk stops sending at the end of its run, but requests
        already queued are still being served and would be counted against the next page."""
        started = time.monotonic()
        last = self.cpu_ticks()
        while time.monotonic() - started < timeout:
            time.sleep(0.15)
            now = self.cpu_ticks()
            if now - last <= 1:  # at most one clock tick (10 ms) of work in 0.15 s
                break
            last = now
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            # INT is gunicorn's quick shutdown; TERM would wait for idle keep-alive connections
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    """A port nothing listens on now, so two bench runs (or a test beside a run) do not collide."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command may contain spaces and parentheses: the parent id follows the last ')'
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def rss_kb(pid: int) -> int:
    """The worker's own resident memory (RssAnon: its heap). VmRSS would also count the pages of the
    SQLite file the worker has memory-mapped, which are the OS page cache, shared and reclaimable, and
    grow with every page of the database a request has touched."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def start(name: str, app: str, port: int, env: dict, workdir: Path, *, count_queries: bool = True) -> Server:
    """gunicorn with bench/gunicorn_conf.py; waits until /healthz answers."""
    log = workdir / f"gunicorn-{name}.log"
    full_env = {**os.environ, **env, "BENCH_BIND": f"127.0.0.1:{port}", "BENCH_PROC_NAME": f"hamkke-bench-{name}",
                "BENCH_COUNT_QUERIES": "1" if count_queries else "0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(CONF), app],
        cwd=ROOT, env=full_env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn ({name}) exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(server.base + "/healthz", timeout=2).status_code == 200 and len(server.worker_pids()) >= 1:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"gunicorn ({name}) did not answer /healthz within 60 s: {log.read_text()[-2000:]}")
