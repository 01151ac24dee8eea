"""Units of work that change stock or money hold the write lock from their first statement, so that
what they read inside is what they write against. PostgreSQL needs nothing more than its conditional
UPDATEs and row locks; SQLite is asked for `BEGIN IMMEDIATE`, which waits (busy_timeout) for the lock."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from shop.extensions import db


@contextmanager
def write_transaction(*, keep_loaded: bool = False) -> Iterator[None]:
    """Commit on success, roll back on any error. Whatever the session had pending is committed
    first, so the unit of work starts clean.

    keep_loaded: the two commits leave loaded objects as they are instead of expiring them, so the
    work inside and the caller after it read them without a query each. Only for a unit that reads
    nothing from them another writer could change meanwhile (placing an order writes from the priced
    basket; stock is taken by conditional UPDATE), and whose own new rows are what it shows after."""
    session = db.session()
    with _expiring_on_commit(session, not keep_loaded):
        session.commit()
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield
            session.commit()
        except BaseException:
            session.rollback()
            raise


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
