"""Units of work that change stock or money hold the write lock from their first statement, so that
what they read inside is what they write against. PostgreSQL needs nothing more than its conditional
UPDATEs and row locks; SQLite is asked for `BEGIN IMMEDIATE`, which waits (busy_timeout) for the lock."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from shop.extensions import db


@contextmanager
def write_transaction() -> Iterator[None]:
    """Commit on success, roll back on any error. Whatever the session had pending is committed
    first, so the unit of work starts clean."""
    db.session.commit()
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
