"""Search stays index-backed: the planner reaches product_search through the gram index, not a scan."""
import sqlalchemy as sa

from shop.extensions import db
from shop.search.models import ProductSearch
from shop.search.services import matching_ids


def _plan(stmt) -> str:
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "postgresql":
        # With sequential scans priced out, a usable index is always chosen: this proves it is usable.
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        rows = db.session.connection().exec_driver_sql(f"EXPLAIN {compiled}")
    else:
        rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
    plan = "\n".join(" ".join(str(c) for c in row) for row in rows)
    db.session.rollback()
    return plan


def test_one_and_two_syllable_queries_use_the_gram_index(make_product):
    make_product(name="유기농 쌀")
    for query in ("쌀", "비누", "유기농 커피"):
        plan = _plan(matching_ids(query))
        if db.engine.dialect.name == "postgresql":
            assert "ix_product_search_grams" in plan, plan
        else:
            assert "product_search_fts VIRTUAL TABLE INDEX" in plan, plan
            assert "SCAN product_search" not in plan.replace("SCAN product_search_fts", ""), plan


def test_index_rows_follow_product_deletes(make_product):
    product = make_product(name="사라질 상품")
    db.session.delete(product)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProductSearch)) == 0
    assert db.session.scalars(matching_ids("사라질")).all() == []
