"""New rows written by one Core INSERT per table and kept in the session as if loaded: for placing an order,
where the unit of work's bookkeeping cost more than its statements. The objects come back persistent, every
column set (reading one costs no query); relationships load lazily unless the caller sets them. Like rows
the unit of work inserted, they leave the session if the transaction rolls back."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, make_transient_to_detached

from shop.extensions import db

T = TypeVar("T")
_INSERTED = "rows_inserted_loaded"


def insert_loaded(model: type[T], rows: Sequence[Mapping[str, Any]], **execution_options: Any) -> list[T]:
    """Insert `rows` (values by column; defaults filled in as the unit of work would) in one statement and
    return them as objects of `model`, in the same order. `execution_options` go with the statement (the
    cache generations it moves, see shop.core.cache.touching)."""
    table = model.__table__
    complete = [_with_defaults(table, row) for row in rows]
    ids = db.session.scalars(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), complete,
                             execution_options=execution_options).all()
    objects = [_loaded(model, {"id": row_id, **row}) for row_id, row in zip(ids, complete, strict=True)]
    db.session.info.setdefault(_INSERTED, []).extend(objects)
    return objects


def _with_defaults(table: sa.Table, row: Mapping[str, Any]) -> dict[str, Any]:
    complete = dict(row)
    for column in table.columns:
        if column.key in complete or column.primary_key:
            continue
        default = column.default
        if default is not None and default.is_scalar:
            complete[column.key] = default.arg
        elif default is not None and default.is_callable:
            complete[column.key] = default.arg(None)  # SQLAlchemy wraps a no-argument callable to take a context
        elif column.nullable and column.server_default is None:
            complete[column.key] = None
        else:
            raise ValueError(f"{table.name}.{column.key}: no value given and none to default to")
    return complete


def _loaded(model: type[T], values: dict[str, Any]) -> T:
    obj = model(**values)
    make_transient_to_detached(obj)  # as if just read from the database: nothing pending, nothing expired
    db.session.add(obj)
    return obj


@sa.event.listens_for(Session, "after_commit")
def _forget_inserted(session: Session) -> None:
    session.info.pop(_INSERTED, None)


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop_inserted(session: Session, _previous_transaction: Any) -> None:
    if session.in_transaction():
        return
    for obj in session.info.pop(_INSERTED, ()):
        if obj in session:
            session.expunge(obj)
