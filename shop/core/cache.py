"""A shared cache for what is costly to compute and changes rarely (catalog counts, search matches,
listing pages' product ids, the site settings, whole storefront pages): Redis when REDIS_URL is set, so
every worker sees the same entries and the same invalidations; this process's memory otherwise
(development, one process).

Entries are invalidated by generation, not by key: each cached value's key holds the current number of
its generations ("catalog", "stock", "availability", "reviews", "site"), and any committed change to a
table of a generation moves its number on (see "noticing changes" below), so nothing needs to know which
keys a change affects. A value that shows prices or stock is keyed by the generations those move: listing
ids by "catalog" (a price edit is a catalog change), pages (shop/web/page_cache.py) by what they show."""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, has_app_context, has_request_context, request
from flask_caching import Cache
from sqlalchemy.orm import Session

T = TypeVar("T")
cache = Cache()

# Which generation a change to each table moves on.
TABLE_GENERATIONS = {
    **dict.fromkeys(("product", "variant", "price_tier", "product_image", "category", "enterprise", "exhibition",
                     "exhibition_item", "exhibition_price", "art_collaboration", "artist", "social_value_record",
                     "product_search"), "catalog"),
    "review": "reviews",
    "site_setting": "site",
}
# A change to these columns alone (every order makes one) moves "stock"; one that flips a product's sold-out
# flag also moves "availability", which listings key on: they show the flag, not the numbers.
STOCK_ONLY_COLUMNS = {"stock", "in_stock", "sales_count", "updated_at"}
DEFAULT_TIMEOUT = 300  # seconds; a safety net only, invalidation is by generation
CLAIM_SECONDS = 10  # a claim outlives a worker that died computing by this much at most
CLAIM_WAIT_SECONDS = 3
CLAIM_POLL_SECONDS = 0.005


def init_cache(app: Flask) -> None:
    redis_url = app.config.get("CACHE_REDIS_URL")
    app.config.setdefault("CACHE_TYPE", "RedisCache" if redis_url else "SimpleCache")
    app.config.setdefault("CACHE_KEY_PREFIX", "hamkke:")
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", DEFAULT_TIMEOUT)
    cache.init_app(app)
    if not sa.event.contains(Session, "after_flush", _note_flushed_changes):
        sa.event.listen(Session, "after_flush", _note_flushed_changes)
        sa.event.listen(Session, "do_orm_execute", _note_bulk_changes)
        sa.event.listen(Session, "after_commit", _bump_changed_generations)
        sa.event.listen(Session, "after_soft_rollback", _forget_changes)


def _seen() -> dict[str, str]:
    """Generations already read in this request: one round trip each per request, not per cached value."""
    # Kept in the request's own environ, not in g, which outlives a request when an app context is reused.
    return request.environ.setdefault("hamkke.cache_generations", {}) if has_request_context() else {}


def generation(name: str) -> str:
    return generations((name,))[0]


def generations(names: Iterable[str]) -> list[str]:
    """The current number of each generation, reading those not yet seen in this request in one round trip."""
    names = list(names)
    seen = _seen()
    unseen = [name for name in names if name not in seen]
    if unseen:
        for name, current in zip(unseen, cache.get_many(*(f"gen:{name}" for name in unseen)), strict=True):
            seen[name] = current if current is not None else bump(name)
    return [seen[name] for name in names]


def bump(name: str) -> str:
    # Time in nanoseconds: unique across workers, and never reused after Redis restarts empty.
    value = str(time.time_ns())
    cache.set(f"gen:{name}", value, timeout=0)
    _seen()[name] = value
    return value


def cache_key(generation_names: Iterable[str], parts: tuple) -> str:
    marks = ":".join(generations(generation_names))
    return "v:" + hashlib.sha256(f"{marks}|{parts!r}".encode()).hexdigest()


def cached(generation_names: Iterable[str], parts: tuple, compute: Callable[[], T], timeout: int | None = None) -> T:
    """compute(), or its value stored under these generations and parts (reprs must be stable)."""
    key = cache_key(generation_names, parts)
    value, claimed = fetch_or_claim(key)
    if value is not None:
        return value
    try:
        value = compute()
        cache.set(key, value, timeout=timeout or DEFAULT_TIMEOUT)
        return value
    finally:
        if claimed:
            release(key)


def fetch_or_claim(key: str) -> tuple[Any, bool]:
    """(the value under `key`, False), or (None, True) when this request is the one to compute it.

    After a change moves a generation on, every request for a page misses at once; without a claim each
    would compute the same value (16 connections, 16 copies of a 0.2 s search). Others wait for the one
    holding the claim, and compute themselves only if it gives up without storing (a page not kept) or
    takes longer than CLAIM_WAIT_SECONDS."""
    value = cache.get(key)
    if value is not None:
        return value, False
    deadline = time.monotonic() + CLAIM_WAIT_SECONDS
    while not cache.add(f"claim:{key}", True, timeout=CLAIM_SECONDS):
        time.sleep(CLAIM_POLL_SECONDS)
        value = cache.get(key)
        if value is not None:
            return value, False
        if time.monotonic() > deadline:
            return None, False
    return None, True


def release(key: str) -> None:
    cache.delete(f"claim:{key}")


# --- noticing changes ---------------------------------------------------------------------------------


def _changed(session: Session, names: Iterable[str]) -> None:
    session.info.setdefault("changed_generations", set()).update(names)


def _generations_for(table: str, columns: set[str] | None) -> set[str]:
    name = TABLE_GENERATIONS.get(table)
    if name is None:
        return set()
    if name == "catalog" and columns is not None and columns <= STOCK_ONLY_COLUMNS:
        return {"stock", "availability"} if "in_stock" in columns else {"stock"}
    return {name}  # entries that depend on stock are keyed by the catalog generation too


def _note_flushed_changes(session: Session, _flush_context: Any) -> None:
    for obj in [*session.new, *session.deleted]:
        _changed(session, _generations_for(getattr(obj, "__tablename__", ""), None))
    for obj in session.dirty:
        table = getattr(obj, "__tablename__", "")
        if table not in TABLE_GENERATIONS:
            continue
        state = sa.inspect(obj)
        columns = {attr.key for attr in state.attrs if attr.history.has_changes()}
        if columns:
            _changed(session, _generations_for(table, columns))


def _note_bulk_changes(execute_state: Any) -> Any:
    if not (execute_state.is_update or execute_state.is_delete or execute_state.is_insert):
        return None
    mapper = execute_state.bind_mapper
    if mapper is None:
        return None
    names = _generations_for(mapper.local_table.name, _updated_columns(execute_state))
    if not names:
        return None
    if execute_state.is_insert:
        _changed(execute_state.session, names)
        return None
    # An UPDATE or DELETE that matched no row (a refused stock decrement, a sold-out flag already right)
    # changed nothing that a cached page shows.
    result = execute_state.invoke_statement()
    if result.rowcount != 0:
        _changed(execute_state.session, names)
    return result


def _updated_columns(execute_state: Any) -> set[str] | None:
    if not execute_state.is_update:
        return None
    values = getattr(execute_state.statement, "_values", None) or {}
    return {getattr(column, "key", str(column)) for column in values} or None


def _bump_changed_generations(session: Session) -> None:
    changed = session.info.pop("changed_generations", ())
    if changed and has_app_context():  # scripts using a bare Session have no cache to keep in step
        for name in changed:
            bump(name)


def _forget_changes(session: Session, _previous_transaction: Any) -> None:
    if not session.in_transaction():
        session.info.pop("changed_generations", None)
