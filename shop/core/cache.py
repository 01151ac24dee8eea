"""A shared cache for what is costly to compute and changes rarely (catalog counts, search matches,
listing pages' product ids, the site settings, whole storefront pages, a member's login session and cart
count): Redis when REDIS_URL is set, so every worker sees the same entries and the same invalidations;
this process's memory otherwise (development, one process).

Entries are invalidated by generation, not by key: each value is kept with the numbers its generations had
before it was computed ("catalog", "stock", "availability", "reviews", "site"; per row: one product's stock,
one member, one cart), read back with them in one round trip and used only while they are still current.
Any committed change to a table of a generation moves its number on (see "noticing changes" below), so
nothing needs to know which entries a change affects. A value that shows prices or stock depends on the
generations those move: listing ids on "catalog" (a price edit is a catalog change), pages
(shop/web/page_cache.py) on what they show. Each move of "catalog" also records the products it touched, so a
search's whole list of matches is brought up to date rather than computed again (shop/search/matches.py)."""
from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
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
# A change to these columns alone (every order makes one) moves "stock" and the stock mark of each product it
# touched, which that product's page keys on; one that flips a product's sold-out flag also moves
# "availability", which listings key on: they show the flag, not the numbers.
STOCK_ONLY_COLUMNS = {"stock", "in_stock", "sales_count", "updated_at"}
STOCK_OF_PRODUCTS = "stock_of_products"  # execution option: the products a bulk stock UPDATE touches
ANY_PRODUCT_STOCK = "stock:any"  # moved by a stock change whose products are not known
# Catalog tables whose rows say nothing about which products a listing holds or in which order; the product of
# a row of the others (None: every product may have changed, as with an enterprise's approval or a category).
LISTING_NEUTRAL_TABLES = {"price_tier", "product_image", "exhibition", "exhibition_item", "exhibition_price",
                          "art_collaboration", "artist", "social_value_record"}
PRODUCT_OF_ROW: dict[str, Callable[[Any], int]] = {
    "product": lambda row: row.id,
    "variant": lambda row: row.product_id,
    "product_search": lambda row: row.product_id,
}
CATALOG_PRODUCTS = "catalog_products"  # execution option: the products a bulk catalog write touches
# Moved with "catalog" by a change not limited to known products' own rows (an enterprise, a category, an
# image, an exhibition); a change limited to them moves each one's `product_catalog` instead.
CATALOG_SHARED = "catalog:shared"
CATALOG_LINK_SECONDS = 3600
MAX_CATALOG_LINKS = 64


def member(user_id: int) -> str:
    """The generation of what a signed-in request knows of a member: their row and their login sessions."""
    return f"member:{user_id}"


def cart_lines(cart_id: int) -> str:
    return f"cart:{cart_id}"


# Rows whose change moves a generation of their own row's owner, not a shared one: (that generation, or None
# when the row has no such owner; the shared generation a bulk statement moves unless it names its rows).
ROW_GENERATIONS: dict[str, tuple[Callable[[Any], str | None], str]] = {
    "user": (lambda row: member(row.id), "members"),
    "login_session": (lambda row: member(row.user_id), "members"),
    "cart": (lambda row: member(row.user_id) if row.user_id is not None else None, "members"),
    "cart_item": (lambda row: cart_lines(row.cart_id), "carts"),
}
TOUCHING = "generations_touched"  # execution option: the row generations a bulk statement moves
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


def generation(name: str) -> str:
    """The current number of a generation, started if it has none."""
    current = cache.get(f"gen:{name}")
    return current if current is not None else bump(name)


def bump(name: str) -> str:
    return bump_all((name,))[name]


def bump_all(names: Iterable[str]) -> dict[str, str]:
    """Move these generations on, in one round trip."""
    # Time in nanoseconds: unique across workers, and never reused after Redis restarts empty.
    value = str(time.time_ns())
    moved = dict.fromkeys(names, value)
    cache.set_many({f"gen:{name}": value for name in moved}, timeout=0)
    return moved


def product_stock(product_id: int) -> str:
    """The generation of one product's stock: its page shows the numbers, so it changes with each sale
    of the product, and only then (or with "stock:any")."""
    return f"stock:{product_id}"


def product_catalog(product_id: int) -> str:
    """The generation of one product's own catalog rows (the product, its options, its search row): a page
    showing some products depends on theirs and on CATALOG_SHARED, not on every product's edits."""
    return f"catalog:{product_id}"


def stock_of(product_ids: Iterable[int | None]) -> dict[str, tuple[int, ...]]:
    """Execution options telling the cache which products a bulk UPDATE of stock touches; without
    them (or with an unknown product among them) every product page is drawn anew after it."""
    ids = tuple(product_ids)
    return {} if None in ids else {STOCK_OF_PRODUCTS: ids}


def catalog_products(product_ids: Iterable[int]) -> dict[str, tuple[int, ...]]:
    """Execution options telling the cache which products a bulk catalog write touches; without them,
    listings kept with their changes (`catalog_changes_since`) are computed anew after it."""
    return {CATALOG_PRODUCTS: tuple(product_ids)}


def touching(*names: str) -> dict[str, tuple[str, ...]]:
    """Execution options naming the row generations (`member`, `cart_lines`) a bulk statement moves (none:
    the caller names them with `note_changed` once it knows); without them it moves the shared one of its
    table ("members", "carts")."""
    return {TOUCHING: names}


def note_changed(session: Session, names: Iterable[str]) -> None:
    """Move these generations on when the session's transaction commits."""
    _changed(session, names)


def key_of(parts: tuple) -> str:
    """A cache key for these parts (their reprs must be stable)."""
    return "v:" + hashlib.sha256(repr(parts).encode()).hexdigest()


Wanted = tuple[str, Sequence[str]]  # a key and the generations its value depends on
FETCHED_ALONG = "hamkke.cache.fetched_along"


class Recollection:
    """What this process last learned for each key (a member's cart id, a slug's product id), to name an
    entry to fetch along before the lookup that decides it. Only a guess: an entry fetched along is used
    only when later asked for under the same key and generations, so a wrong one costs the round trip it
    meant to save, never a wrong answer. Bounded: when full, forgets the older half of what it learned."""

    def __init__(self, size: int = 20_000):
        self._size = size
        self._known: dict = {}

    def learn(self, key, value) -> None:
        if len(self._known) >= self._size and key not in self._known:
            # Listing a dict's keys runs in C without letting another thread in; deleting them one by one
            # is safe when another thread got to one first.
            for old in list(itertools.islice(self._known, self._size // 2)):
                self._known.pop(old, None)
        self._known[key] = value

    def recall(self, key):
        return self._known.get(key)


def fetch_current(key: str, generation_names: Sequence[str],
                  along: Sequence[Wanted] = ()) -> tuple[Any, tuple[str, ...]]:
    """(the value `keep_current` stored under `key`, or None if one of the generations has moved on since;
    the generations' current numbers, to store a value computed now with), in one round trip.

    A value is kept with the numbers read before it was computed, not under a key made of them: the
    value and the numbers to check it against come back together, and a stale value is replaced in place.
    `along`: other values this request will ask for, fetched in the same round trip (see fetch_kept)."""
    kept, marks = fetch_kept(key, generation_names, along)
    return _if_current(kept, marks), marks


def fetch_kept(key: str, generation_names: Sequence[str], along: Sequence[Wanted] = ()) -> tuple[
        tuple[tuple[str, ...], Any] | None, tuple[str, ...]]:
    """(what `keep_current` stored under `key`, current or not: its marks and value; the generations'
    current numbers), in one round trip. The entries `along` come back in the same round trip and are held
    for the rest of this request: its first fetch of one of them asks no one."""
    held = _held_along(key, generation_names)
    if held is not None:
        return held
    wanted = [(key, tuple(generation_names)), *((k, tuple(names)) for k, names in along)]
    names = list(dict.fromkeys(name for _, of in wanted for name in of))
    found = cache.get_many(*(k for k, _ in wanted), *(f"gen:{name}" for name in names))
    current = dict(zip(names, found[len(wanted):], strict=True))
    missing = [name for name, mark in current.items() if mark is None]
    if missing:
        current.update(bump_all(missing))
    fetched = [(value if isinstance(value, tuple) and len(value) == 2 else None, tuple(current[n] for n in of))
               for value, (_, of) in zip(found, wanted, strict=False)]
    if along and has_request_context():
        request.environ.setdefault(FETCHED_ALONG, {}).update(
            {k: (of, result) for (k, of), result in zip(wanted[1:], fetched[1:], strict=True)})
    return fetched[0]


def _held_along(key: str, generation_names: Sequence[str]):
    """What an earlier fetch of this request brought along for `key`, taken once."""
    if not has_request_context():
        return None
    held = request.environ.get(FETCHED_ALONG, {}).pop(key, None)
    return held[1] if held is not None and held[0] == tuple(generation_names) else None


def _if_current(kept: Any, marks: tuple[str, ...]) -> Any:
    return kept[1] if isinstance(kept, tuple) and kept[0] == marks else None


def keep_current(key: str, marks: tuple[str, ...], value: Any, timeout: int = DEFAULT_TIMEOUT) -> None:
    """Store a value computed after `fetch_current` read `marks` (a change since has moved them on)."""
    cache.set(key, (marks, value), timeout=timeout)


def cached(generation_names: Sequence[str], parts: tuple, compute: Callable[[], T], timeout: int | None = None) -> T:
    """compute(), or its value kept under these parts while the generations stay where they were."""
    key = key_of(parts)
    value, marks, claim = fetch_current_or_claim(key, generation_names)
    if value is not None:
        return value
    try:
        value = compute()
        keep_current(key, marks, value, timeout or DEFAULT_TIMEOUT)
        return value
    finally:
        release(claim)


def fetch_current_or_claim(key: str, generation_names: Sequence[str],
                           along: Sequence[Wanted] = ()) -> tuple[Any, tuple[str, ...], str | None]:
    """As `fetch_current`, and, when there is no current value, the claim this request holds to compute it
    (None if it holds none), for `release` once the value is kept.

    After a change moves a generation on, every request for a page misses at once; without a claim each
    would compute the same value (16 connections, 16 copies of a 0.2 s search). Others wait for the one
    holding the claim, and compute themselves only if it gives up without storing (a page not kept) or
    takes longer than CLAIM_WAIT_SECONDS."""
    value, marks = fetch_current(key, generation_names, along)
    if value is not None:
        return value, marks, None
    claim = f"claim:{key}:{':'.join(marks)}"
    deadline = time.monotonic() + CLAIM_WAIT_SECONDS
    while not cache.add(claim, True, timeout=CLAIM_SECONDS):
        time.sleep(CLAIM_POLL_SECONDS)
        value = _if_current(cache.get(key), marks)
        if value is not None:
            return value, marks, None
        if time.monotonic() > deadline:
            return None, marks, None
    return None, marks, claim


def release(claim: str | None) -> None:
    if claim is not None:
        cache.delete(claim)


# --- the catalog's changes, product by product ----------------------------------------------------------
# Each move of "catalog" keeps a link to the number before it and the products its change touched, so a value
# computed under an older number (a search's whole list of matches) can be brought up to date by looking at
# those products alone, instead of being computed again after every edit anywhere in the catalog.

_swap_lock = threading.Lock()


def _swap(key: str, value: str) -> Any:
    """Set `key` to `value` and return what it held, atomically across workers (Redis GETSET)."""
    backend = cache.cache
    client = getattr(backend, "_write_client", None)
    if client is not None:
        old = client.getset(f"{backend._get_prefix()}{key}", backend.serializer.dumps(value))
        return backend.serializer.loads(old)
    with _swap_lock:  # this process's memory: one process, so a lock is enough
        old = cache.get(key)
        cache.set(key, value, timeout=0)
        return old


def _advance_catalog(products: frozenset[int] | None) -> None:
    """Move "catalog" on, linking the new number to the one before and to the products changed (None: any)."""
    value = str(time.time_ns())
    before = _swap("gen:catalog", value)
    if before is not None:
        cache.set(f"catalog-link:{value}", (before, products), timeout=CATALOG_LINK_SECONDS)


def catalog_changes_since(old: str, new: str) -> set[int] | None:
    """The products whose catalog rows changed after generation `old` up to `new`; None when that is not
    known (a change to every product's listing, such as an enterprise's approval, a forgotten link or too
    many changes), and the caller must compute afresh."""
    changed: set[int] = set()
    mark = new
    for _ in range(MAX_CATALOG_LINKS):
        if mark == old:
            return changed
        link = cache.get(f"catalog-link:{mark}")
        if link is None or link[1] is None:
            return None
        mark, products = link
        changed.update(products)
    return None


# --- noticing changes ---------------------------------------------------------------------------------


def _changed(session: Session, names: Iterable[str]) -> None:
    session.info.setdefault("changed_generations", set()).update(names)


def _note_catalog_products(session: Session, table: str, products: Iterable[int] | None) -> None:
    """Remember which products this transaction's catalog change touches (None: unknown, so all), and whether
    it changed rows of no one product (CATALOG_SHARED)."""
    known = session.info.setdefault("catalog_products", set())
    if table in LISTING_NEUTRAL_TABLES:
        session.info["catalog_shared"] = True
    elif products is None or table not in PRODUCT_OF_ROW:
        session.info["catalog_products"] = None
    elif known is not None:
        known.update(products)


def _generations_for(table: str, columns: set[str] | None, product_ids: Iterable[int] | None = None) -> set[str]:
    """What a change to these columns (None: a whole row added or removed) of `table` moves on; for a stock
    change, `product_ids` are the products it touched, None when they are not known."""
    name = TABLE_GENERATIONS.get(table)
    if name is None:
        return set()
    if name == "catalog" and columns is not None and columns <= STOCK_ONLY_COLUMNS:
        touched = {ANY_PRODUCT_STOCK} if product_ids is None else {product_stock(i) for i in product_ids}
        return {"stock", *touched, *(("availability",) if "in_stock" in columns else ())}
    return {name}


def _products_of(obj: Any) -> tuple[int] | None:
    """The product a changed row belongs to (a product, one of its options, its search row), None for others."""
    product_of = PRODUCT_OF_ROW.get(getattr(obj, "__tablename__", ""))
    return None if product_of is None else (product_of(obj),)


def _row_generation(obj: Any) -> set[str]:
    owner = ROW_GENERATIONS.get(getattr(obj, "__tablename__", ""))
    name = owner[0](obj) if owner else None
    return {name} if name else set()


def _note_flushed_changes(session: Session, _flush_context: Any) -> None:
    for obj in [*session.new, *session.deleted]:
        table = getattr(obj, "__tablename__", "")
        names = _generations_for(table, None) | _row_generation(obj)
        _changed(session, names)
        if "catalog" in names:
            _note_catalog_products(session, table, _products_of(obj))
    for obj in session.dirty:
        table = getattr(obj, "__tablename__", "")
        if table not in TABLE_GENERATIONS and table not in ROW_GENERATIONS:
            continue
        state = sa.inspect(obj)
        columns = {attr.key for attr in state.attrs if attr.history.has_changes()}
        if columns and table in ROW_GENERATIONS:
            _changed(session, _row_generation(obj))
        elif columns:
            products = _products_of(obj)
            names = _generations_for(table, columns, products)
            _changed(session, names)
            if "catalog" in names:
                _note_catalog_products(session, table, products)


def _note_bulk_changes(execute_state: Any) -> Any:
    if not (execute_state.is_update or execute_state.is_delete or execute_state.is_insert):
        return None
    table = _table_of(execute_state)
    if table is None:
        return None
    options = execute_state.execution_options
    names = _generations_for(table, _updated_columns(execute_state), options.get(STOCK_OF_PRODUCTS))
    if table in ROW_GENERATIONS:
        names |= set(options[TOUCHING]) if TOUCHING in options else {ROW_GENERATIONS[table][1]}
    if not names:
        return None
    if execute_state.is_insert:
        _note_bulk(execute_state.session, table, names, options)
        return None
    # An UPDATE or DELETE that matched no row (a refused stock decrement, a sold-out flag already right)
    # changed nothing that a cached page shows.
    result = execute_state.invoke_statement()
    if hasattr(result, "rowcount"):
        matched = result.rowcount != 0
    else:  # with RETURNING the ORM gives rows, not a count: the rows tell, and are handed on as read
        frozen = result.freeze()
        matched, result = bool(frozen.data), frozen()
    if matched:
        _note_bulk(execute_state.session, table, names, options)
    return result


def _note_bulk(session: Session, table: str, names: set[str], options: Mapping[str, Any]) -> None:
    _changed(session, names)
    if "catalog" in names:
        _note_catalog_products(session, table, options.get(CATALOG_PRODUCTS))


def _table_of(execute_state: Any) -> str | None:
    """The table an ORM or Core (Table.update()) statement writes to."""
    mapper = execute_state.bind_mapper
    if mapper is not None:
        return mapper.local_table.name
    table = getattr(execute_state.statement, "table", None)
    return getattr(table, "name", None)


def _updated_columns(execute_state: Any) -> set[str] | None:
    if not execute_state.is_update:
        return None
    values = getattr(execute_state.statement, "_values", None) or {}
    return {getattr(column, "key", str(column)) for column in values} or None


def _taken_changes(session: Session) -> tuple[set[str], set[int] | None, bool]:
    """(the generations this transaction moves, the catalog products it touched, whether it touched rows of
    no one product), forgotten by the session."""
    return (session.info.pop("changed_generations", set()),
            session.info.pop("catalog_products", None),  # a change no hook saw the products of: any
            session.info.pop("catalog_shared", False))


def _bump_changed_generations(session: Session) -> None:
    changed, products, shared = _taken_changes(session)
    if not changed or not has_app_context():  # scripts using a bare Session have no cache to keep in step
        return
    others = changed - {"catalog"}
    if "catalog" in changed:
        others |= {CATALOG_SHARED} if products is None or shared else {product_catalog(i) for i in products}
    if others:
        bump_all(others)
    # "catalog" last: a request that finds it moved on finds the products' generations moved too, and does not
    # take a page drawn before for current (page_cache.drawn_from) and keep it under the new number.
    if "catalog" in changed:
        _advance_catalog(None if products is None else frozenset(products))


def _forget_changes(session: Session, _previous_transaction: Any) -> None:
    if not session.in_transaction():
        _taken_changes(session)
