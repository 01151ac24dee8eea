"""Units of work that change stock or money hold the write lock from their first statement, so that
what they read inside is what they write against. PostgreSQL needs nothing more than its conditional
UPDATEs and row locks; SQLite is asked for `BEGIN IMMEDIATE`, which waits (busy_timeout) for the lock."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shop.extensions import db

# A plain SELECT: not one that takes a row or advisory lock (held to the end of the transaction), nor one
# that moves a sequence.
_READS_ONLY = re.compile(
    r"\s*SELECT\b(?!.*\b(?:FOR (?:NO KEY UPDATE|UPDATE|KEY SHARE|SHARE)|pg_advisory\w*|nextval|setval)\b)",
    re.IGNORECASE | re.DOTALL)


@contextmanager
def write_transaction(*, keep_loaded: bool = False) -> Iterator[None]:
    """Commit on success, roll back on any error. Whatever the session had pending is committed
    first, so the unit of work starts clean. On PostgreSQL a transaction that has only read is carried
    on instead: under READ COMMITTED every statement sees what is committed when it starts, as in a new
    transaction, and the COMMIT and next BEGIN (two round trips) are saved.

    keep_loaded: the two commits leave loaded objects as they are instead of expiring them, so the
    work inside and the caller after it read them without a query each. Only for a unit that reads
    nothing from them another writer could change meanwhile (placing an order writes from the priced
    basket; stock is taken by conditional UPDATE), and whose own new rows are what it shows after."""
    session = db.session()
    with _expiring_on_commit(session, not keep_loaded):
        if _has_written(session):
            session.commit()
        elif not keep_loaded:
            session.expire_all()  # what the skipped commit would have done
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _has_written(session) -> bool:
    """Whether the session's transaction has anything to commit (SQLite always: its write lock must be
    asked for by the BEGIN)."""
    if not session.in_transaction():
        return False
    if session.new or session.dirty or session.deleted:
        return True
    connection = session.connection()
    return connection.dialect.name == "sqlite" or connection.info.get("wrote", False)


@sa.event.listens_for(Engine, "before_cursor_execute")
def _note_writes(connection, _cursor, statement: str, _parameters, _context, _executemany) -> None:
    if not connection.info.get("wrote") and not _READS_ONLY.match(statement):
        connection.info["wrote"] = True  # anything but a plain SELECT: an INSERT, a lock, a SET


@sa.event.listens_for(Engine, "commit")
@sa.event.listens_for(Engine, "rollback")
def _forget_writes(connection) -> None:
    connection.info.pop("wrote", None)


def commit_keeping_loaded() -> None:
    """Commit new rows whose values the caller set itself, leaving loaded objects as they are (see
    write_transaction's keep_loaded), so reading them after costs no query."""
    session = db.session()
    with _expiring_on_commit(session, False):
        session.commit()


@contextmanager
def _expiring_on_commit(session, expire: bool) -> Iterator[None]:
    setting = session.expire_on_commit
    session.expire_on_commit = setting and expire
    try:
        yield
    finally:
        session.expire_on_commit = setting
