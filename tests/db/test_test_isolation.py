"""The suite's own isolation: after each test every table is empty and ids count from 1 again, on both
databases, so no test sees another's rows or depends on the order tests run in."""
import sqlalchemy as sa

from shop.catalog.models import Category, Product
from shop.extensions import db
from tests.conftest import _empty_all_tables


def _rows_left() -> dict[str, int]:
    counts = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}
    return {name: count for name, count in counts.items() if count}


def test_emptying_removes_every_row_and_restarts_ids(app, make_product):
    make_product()
    make_product()
    # A rolled-back insert moves its table's id sequence on (PostgreSQL) and leaves the table empty.
    db.session.add(Category(name="되돌린 분류", slug="rolled-back"))
    db.session.flush()
    db.session.rollback()
    assert _rows_left()

    _empty_all_tables()

    assert _rows_left() == {}
    again = make_product()
    assert again.id == 1
    assert again.category.id == 1
    assert db.session.scalar(sa.select(sa.func.max(Product.id))) == 1
