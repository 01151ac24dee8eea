"""`flask --app shop demo` as a new user runs it: a fresh instance folder, no keys, and the mall answers."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_command_builds_the_database_and_serves_the_mall(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "SHOP_ENV")}
    env["SHOP_INSTANCE_PATH"] = str(tmp_path / "instance")
    command = [sys.executable, "-m", "flask", "--app", "shop", "demo", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        health = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    health = json.load(response)
                break
            except OSError:
                time.sleep(0.5)
        assert health == {"status": "ok", "database": "reachable"}, server.stdout
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/search?q=%ED%98%84%EB%AF%B8", timeout=10) as response:
            assert "현미" in response.read().decode()
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert "consumer@demo.hamkke.kr" in output
    assert (Path(tmp_path) / "instance").is_dir()
