from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db


class GramList(sa.types.TypeDecorator):
    """A list of 1- and 2-character grams: text[] on PostgreSQL (GIN-indexed), space-joined text on
    SQLite, where an FTS5 table (created by the migration) indexes it as external content."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(sa.Text))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value, dialect):
        if value is None or dialect.name == "postgresql":
            return value
        return " ".join(value)

    def process_result_value(self, value, dialect):
        if value is None or dialect.name == "postgresql":
            return value
        return value.split(" ") if value else []


class ProductSearch(db.Model):
    """One row per product: the compacted text for the LIKE re-check and its grams for the index."""

    __tablename__ = "product_search"
    __table_args__ = (
        # SQLite searches through its FTS5 table instead; a b-tree over the grams would be dead weight.
        sa.Index("ix_product_search_grams", "grams", postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    document: Mapped[str] = mapped_column(sa.Text)
    grams: Mapped[list[str]] = mapped_column(GramList)
