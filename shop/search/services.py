"""Keeping the search index in step with products, and turning a query into matching product ids.

Every product's name, summary, enterprise name and category names are compacted (spacing removed)
and cut into single characters and adjacent pairs. A query term's grams narrow the candidates
through an index (FTS5 on SQLite, GIN on PostgreSQL); a LIKE on the compacted document then
re-checks the exact substring, so one- and two-syllable queries find every product containing them.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import selectinload

from shop.catalog.models import Category, Product
from shop.core.cache import catalog_products
from shop.core.text import document_grams, query_grams, search_document, search_terms
from shop.extensions import db
from shop.search.models import ProductSearch

FTS_TABLE = "product_search_fts"
HANGUL_FIRST, HANGUL_LAST = "\uac00", "\ud7a3"  # 가 ... 힣
UNFOLDED_ASCII = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _fields(product: Product) -> tuple[str, ...]:
    category = product.category
    parent_name = category.parent.name if category.parent else ""
    return (product.name, product.summary, product.enterprise.name, category.name, parent_name)


def search_row(product: Product) -> dict:
    fields = _fields(product)
    return {"product_id": product.id, "document": search_document(*fields), "grams": document_grams(*fields)}


def index_products(products: Iterable[Product]) -> None:
    """Write (or rewrite) the index rows of these products in the current transaction."""
    rows = [search_row(p) for p in products]
    if not rows:
        return
    ids = [row["product_id"] for row in rows]
    # Delete then insert keeps the SQLite FTS triggers simple and works the same on PostgreSQL.
    touched = catalog_products(ids)
    db.session.execute(sa.delete(ProductSearch).where(ProductSearch.product_id.in_(ids)).execution_options(**touched))
    db.session.execute(sa.insert(ProductSearch).execution_options(**touched), rows)


def reindex_all(batch_size: int = 1000, progress: Callable[[int, int], None] | None = None) -> int:
    total = db.session.scalar(sa.select(sa.func.count(Product.id))) or 0
    done = 0
    last_id = 0
    while True:
        batch = list(
            db.session.scalars(
                sa.select(Product)
                .where(Product.id > last_id)
                .order_by(Product.id)
                .limit(batch_size)
                .options(
                    selectinload(Product.enterprise),
                    selectinload(Product.category).selectinload(Category.parent),
                )
            )
        )
        if not batch:
            break
        index_products(batch)
        db.session.commit()
        last_id = batch[-1].id
        done += len(batch)
        if progress:
            progress(done, total)
    return done


def _grams_are_exact(term: str, postgres: bool) -> bool:
    """Whether a field holding the term's grams must hold the term, so the LIKE re-check adds nothing:
    a term of one or two characters is its own gram. SQLite's FTS tokenizer folds case and strips accents,
    so there only for characters it leaves alone (Hangul syllables, digits, lower-case ASCII)."""
    if len(term) > 2:
        return False
    return postgres or all(HANGUL_FIRST <= ch <= HANGUL_LAST or ch in UNFOLDED_ASCII for ch in term)


def matching_ids(query: str, among: Collection[int] | None = None):
    """A SELECT of product ids matching every term of `query` (only of the products `among`, when given: the
    index is then asked about those alone), or None when it has no usable term."""
    terms = search_terms(query)
    if not terms:
        return None
    grams = sorted({g for term in terms for g in query_grams(term)})
    postgres = db.engine.dialect.name == "postgresql"
    stmt = sa.select(ProductSearch.product_id)
    if among is not None:
        stmt = stmt.where(ProductSearch.product_id.in_(sorted(among)))
    for term in terms:
        if not _grams_are_exact(term, postgres):
            stmt = stmt.where(ProductSearch.document.like(f"%{term}%"))
    if postgres:
        gram_array = sa.type_coerce(ProductSearch.grams, postgresql.ARRAY(sa.Text))
        return stmt.where(gram_array.contains(sa.bindparam("grams", grams, type_=postgresql.ARRAY(sa.Text))))
    fts_query = " AND ".join(f'"{gram}"' for gram in grams)
    sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts"
    if among is None:
        fts_ids = sa.text(sql).bindparams(fts=fts_query)
    else:
        fts_ids = sa.text(f"{sql} AND rowid IN :among").bindparams(
            sa.bindparam("among", sorted(among), expanding=True), fts=fts_query)
    return stmt.where(ProductSearch.product_id.in_(fts_ids.columns(sa.column("rowid", sa.Integer))))
