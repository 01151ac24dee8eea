"""`flask db upgrade` on an empty database must produce exactly the models' schema."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shop.extensions import db


def _include(obj, name, type_, reflected, compare_to):
    if type_ == "table" and name.startswith("product_search_fts"):
        return False  # SQLite's FTS5 index, made by the migration, not a model
    if type_ == "index" and name == "ix_product_search_grams" and db.engine.dialect.name != "postgresql":
        return False  # the GIN index exists on PostgreSQL only (ddl_if)
    return True


def test_migrated_schema_matches_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": _include, "compare_type": True, "compare_server_default": False}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"migrations and models differ on {db.engine.dialect.name}: {diff}"


def test_search_index_exists_for_this_database(app):
    inspector = sa.inspect(db.engine)
    if db.engine.dialect.name == "postgresql":
        indexes = {ix["name"] for ix in inspector.get_indexes("product_search")}
        assert "ix_product_search_grams" in indexes
    else:
        assert "product_search_fts" in inspector.get_table_names()


def test_downgrade_then_upgrade_round_trips(app, runner):
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert "product" not in sa.inspect(db.engine).get_table_names()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "product" in sa.inspect(db.engine).get_table_names()


def test_rebuilding_tables_keeps_the_rows_that_reference_them(app, runner, make_user, make_product):
    """SQLite rebuilds a table to alter it; with foreign keys on, dropping the old copy would cascade
    into every order item and payment. The migrations run with them off, so nothing is lost."""
    from shop.orders import services as orders
    from tests.services.order_helpers import SEOUL, TODAY, new_key

    variant = make_product(variants=[("기본", 9000, 10)]).variants[0]
    orders.place_order(make_user(), [(variant.id, 2)], SEOUL, new_key(), today=TODAY)
    db.session.remove()

    def counts():
        with db.engine.connect() as conn:
            return [conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                    for table in ("orders", "shipment", "order_item", "order_event")]

    before = counts()
    assert before[:3] == [1, 1, 1]
    assert runner.invoke(args=["db", "downgrade", "825a7db2c458"]).exit_code == 0
    assert counts() == before
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert counts() == before


def test_the_audit_entries_of_placed_orders_get_their_order_id(app, runner, make_user, make_product):
    """Placement entries were written without the order's id before it was known; the data migration
    finds it by the order number in the entry's label."""
    from shop.audit.models import AuditEntry
    from shop.orders import services as orders
    from tests.services.order_helpers import SEOUL, TODAY, new_key

    variant = make_product(variants=[("기본", 9000, 10)]).variants[0]
    placed = [orders.place_order(make_user(), [(variant.id, 1)], SEOUL, new_key(), today=TODAY).id for _ in range(2)]
    entries = sa.select(AuditEntry.subject_id).where(AuditEntry.action == "order.status").order_by(AuditEntry.id)
    db.session.execute(sa.update(AuditEntry).values(subject_id=None))  # as the earlier code left them
    db.session.commit()
    db.session.remove()
    assert runner.invoke(args=["db", "downgrade", "9bfcd6be99fb"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert db.session.scalars(entries).all() == placed
