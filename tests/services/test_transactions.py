"""write_transaction: what came before a unit of work is committed before it (so the unit's failure never
undoes it), unless it only read, which PostgreSQL carries on into the unit without a COMMIT and BEGIN."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.catalog.models import Product, Variant
from shop.core.transactions import _READS_ONLY, write_transaction
from shop.extensions import db


class UnitFailed(Exception):
    pass


@pytest.fixture
def mug(make_product):
    product = make_product(name="백자 머그", variants=[("백자", 28000, 10)])
    db.session.commit()
    return product


def _stock(variant_id: int) -> int:
    with db.engine.connect() as other:
        return other.scalar(sa.select(Variant.stock).where(Variant.id == variant_id))


def test_a_statement_run_before_a_failing_unit_stays_written(mug):
    variant_id = mug.variants[0].id
    # A Core UPDATE: nothing pending in the session tells that the transaction wrote.
    db.session.execute(sa.update(Variant).where(Variant.id == variant_id).values(stock=7))
    with pytest.raises(UnitFailed), write_transaction():
        db.session.execute(sa.update(Variant).where(Variant.id == variant_id).values(stock=3))
        raise UnitFailed
    assert _stock(variant_id) == 7


def test_a_pending_change_before_a_failing_unit_stays_written(mug):
    mug.variants[0].stock = 6
    with pytest.raises(UnitFailed), write_transaction():
        raise UnitFailed
    assert _stock(mug.variants[0].id) == 6


def test_a_unit_after_reads_sees_what_another_worker_committed_meanwhile(mug):
    variant = db.session.get(Variant, mug.variants[0].id)
    assert variant.stock == 10
    with db.engine.begin() as other:
        other.execute(sa.update(Variant).where(Variant.id == variant.id).values(stock=4))
    with write_transaction():
        assert variant.stock == 4  # the read before is not taken for current inside the unit


def test_after_only_reads_postgresql_starts_the_unit_without_a_commit(mug):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's write lock is asked for by the unit's own BEGIN IMMEDIATE")
    commits = []

    def count(connection):
        commits.append(connection)

    sa.event.listen(db.engine, "commit", count)
    try:
        db.session.scalar(sa.select(Product.name).where(Product.id == mug.id))
        with write_transaction():
            db.session.execute(sa.update(Variant).where(Variant.id == mug.variants[0].id).values(stock=9))
    finally:
        sa.event.remove(db.engine, "commit", count)
    assert len(commits) == 1
    assert _stock(mug.variants[0].id) == 9


@pytest.mark.parametrize(("statement", "reads_only"), [
    ("SELECT product.id FROM product WHERE product.id = %(id)s", True),
    ("\n  select 1", True),
    ("SELECT variant.id FROM variant WHERE variant.id = 1 FOR UPDATE", False),
    ("SELECT variant.id FROM variant FOR NO KEY UPDATE OF variant", False),
    ("SELECT cart.id FROM cart FOR SHARE", False),
    ("SELECT pg_advisory_xact_lock(%(pg_advisory_xact_lock_1)s::BIGINT) AS pg_advisory_xact_lock_1", False),
    ("SELECT setval(pg_get_serial_sequence('\"product\"', 'id'), 5)", False),
    ("UPDATE variant SET stock = 1", False),
    ("INSERT INTO cart (token) VALUES ('x') RETURNING id", False),
    ("WITH moved AS (DELETE FROM cart_item RETURNING id) SELECT count(*) FROM moved", False),
    ("SET LOCAL lock_timeout = 1000", False),
])
def test_only_plain_selects_count_as_reads(statement, reads_only):
    assert bool(_READS_ONLY.match(statement)) is reads_only
