"""ops/backup.sh and ops/restore.sh, run as an operator would: a mall's database and uploaded images are
backed up, restored into a new database and folder, and come back identical, table by table."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = "postgresql://postgres@127.0.0.1:5432"

pytestmark = [
    pytest.mark.skipif(not shutil.which("sqlite3") or not shutil.which("pg_dump"),
                       reason="needs the sqlite3 and PostgreSQL client tools (apt-get install sqlite3 postgresql-client)"),
    # These tests make their own databases of both kinds, so one pass of the suite runs them (CI's SQLite pass).
    pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                       reason="runs once, in the SQLite pass: it creates its own PostgreSQL and SQLite databases"),
]


def run(command: list[str], env: dict) -> str:
    done = subprocess.run(command, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def flask(*args: str, env: dict) -> str:
    return run([sys.executable, "-m", "flask", "--app", "shop", *args], env)


def environment(tmp_path: Path, database_url: str, uploads: Path) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "UPLOAD_FOLDER": str(uploads),
           "SHOP_INSTANCE_PATH": str(tmp_path / "instance"), "SHOP_ENV": "development"}
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"  # `flask` inside restore.sh is this venv's
    return env


def fill_mall(env: dict, uploads: Path) -> None:
    flask("db", "upgrade", env=env)
    flask("seed-bench", "--products", "300", "--enterprises", "12", env=env)
    (uploads / "products").mkdir(parents=True, exist_ok=True)
    (uploads / "products" / "a1b2.webp").write_bytes(os.urandom(4096))
    (uploads / "logos").mkdir(exist_ok=True)
    (uploads / "logos" / "c3d4.png").write_bytes(os.urandom(2048))


def table_fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows in key order."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    fingerprints = {}
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            if table.startswith("product_search_fts"):
                continue  # SQLite FTS shadow tables follow product_search
            rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()
            fingerprints[table] = (len(rows), hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest())
    engine.dispose()
    return fingerprints


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def backup_and_restore(tmp_path: Path, source_url: str, target_url: str) -> None:
    source_uploads, target_uploads = tmp_path / "uploads", tmp_path / "restored-uploads"
    source_env = environment(tmp_path, source_url, source_uploads)
    fill_mall(source_env, source_uploads)

    written = run(["ops/backup.sh", str(tmp_path / "backups")], source_env).split()
    assert len(written) == 2 and all(Path(name).stat().st_size > 0 for name in written)
    manifest = next((tmp_path / "backups").glob("manifest-*.sha256"))

    run(["ops/restore.sh", str(manifest)], environment(tmp_path, target_url, target_uploads))

    before, after = table_fingerprints(source_url), table_fingerprints(target_url)
    assert before["product"][0] == 300 and before["enterprise"][0] == 12
    assert after == before
    assert tree(target_uploads) == tree(source_uploads)


def test_postgresql_backup_restores_every_row_and_image(tmp_path):
    names = [f"hamkke_backup_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("source", "restored")]
    admin = sa.create_engine(f"{POSTGRES.replace('postgresql://', 'postgresql+psycopg://')}/test",
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        backup_and_restore(tmp_path, f"{POSTGRES}/{names[0]}", f"{POSTGRES}/{names[1]}")
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_sqlite_backup_restores_every_row_and_image(tmp_path):
    backup_and_restore(tmp_path, f"sqlite:///{tmp_path / 'mall.db'}", f"sqlite:///{tmp_path / 'restored.db'}")


def test_a_tampered_backup_is_refused_before_anything_is_restored(tmp_path):
    source_uploads = tmp_path / "uploads"
    env = environment(tmp_path, f"sqlite:///{tmp_path / 'mall.db'}", source_uploads)
    flask("db", "upgrade", env=env)
    run(["ops/backup.sh", str(tmp_path / "backups")], env)
    dump = next((tmp_path / "backups").glob("hamkke-*"))
    dump.write_bytes(dump.read_bytes()[:-10])
    manifest = next((tmp_path / "backups").glob("manifest-*.sha256"))
    target = tmp_path / "restored.db"
    done = subprocess.run(["ops/restore.sh", str(manifest)], check=False, cwd=ROOT, capture_output=True, text=True,
                          env=environment(tmp_path, f"sqlite:///{target}", tmp_path / "restored-uploads"))
    assert done.returncode != 0 and "FAILED" in done.stdout + done.stderr
    assert not target.exists()
