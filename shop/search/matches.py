"""A search's whole list of matches, kept in the shared cache and brought up to date product by product.

A one-syllable search can match a sixth of the catalog; finding, counting and ordering 17,000 products costs
a tenth of a second and more. A list kept under the "catalog" generation alone would be computed again after
every edit anywhere in the catalog, which in a mall of 2,000 enterprises is all the time. So the list is kept
with the generation it was computed under; when the catalog has moved on, the products changed since
(`catalog_changes_since`) are looked up again, alone, and put in or taken out. Only a change whose products
are not known (an enterprise's approval, a category) or a forgotten link makes the whole list be computed again.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from shop.core.cache import catalog_changes_since, fetch_current_or_claim, fetch_kept, keep_current, key_of, release

FEW_CHANGES = 64  # more changed products than this: the list is rebuilt rather than edited in place
# The matching products' (id, sort value) in the listing's order; given products, only those of them that match.
RowsOf = Callable[[Collection[int] | None], Iterable[tuple[int, object]]]


@dataclass(frozen=True)
class Matches:
    """Product ids in listing order, with the number each sorts by; packed, as a list can hold 50,000."""

    ids: bytes
    numbers: bytes

    @classmethod
    def of(cls, rows: Iterable[tuple[int, object]]) -> Matches:
        ids, numbers = array("q"), array("q")
        for product_id, value in rows:
            ids.append(product_id)
            numbers.append(sort_number(value))
        return cls(ids.tobytes(), numbers.tobytes())

    def id_array(self) -> array:
        ids = array("q")
        ids.frombytes(self.ids)
        return ids

    def number_array(self) -> array:
        numbers = array("q")
        numbers.frombytes(self.numbers)
        return numbers


def sort_number(value: object) -> int:
    """An integer ordered as the value is: a price or a count as it is, a time in microseconds."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        seconds = (value.hour * 60 + value.minute) * 60 + value.second
        return (value.toordinal() * 86_400 + seconds) * 1_000_000 + value.microsecond
    return int(value)


def updated(matches: Matches, changed: set[int], rows_of: RowsOf, descending: bool) -> Matches:
    """The list with the changed products taken out and put back where they match now."""
    if not changed:
        return matches
    ids, numbers = matches.id_array(), matches.number_array()
    now = [(sort_number(value), product_id) for product_id, value in rows_of(changed)]
    if len(changed) > FEW_CHANGES:
        rows = [(n, i) for i, n in zip(ids, numbers, strict=True) if i not in changed]
        rows.extend(now)
        rows.sort(reverse=descending)  # (value, id), as SQL orders them: both ascending or both descending
        return Matches.of((i, n) for n, i in rows)
    # A few changes (an edit or two): moved in place, in C, not by rebuilding 17,000 rows.
    taken_out = 0
    for product_id in changed:
        try:
            at = ids.index(product_id)
        except ValueError:
            continue
        del ids[at], numbers[at]
        taken_out += 1
    if not taken_out and not now:
        return matches  # the usual case: an edit to a product this search does not find
    for number, product_id in now:
        at = _place_of(ids, numbers, (number, product_id), descending)
        ids.insert(at, product_id)
        numbers.insert(at, number)
    return Matches(ids.tobytes(), numbers.tobytes())


def _place_of(ids: array, numbers: array, row: tuple[int, int], descending: bool) -> int:
    """Where (number, id) goes in arrays kept in that order (descending or not): a binary search."""
    low, high = 0, len(ids)
    while low < high:
        middle = (low + high) // 2
        here = (numbers[middle], ids[middle])
        if (here > row) if descending else (here < row):
            low = middle + 1
        else:
            high = middle
    return low


def page_of(parts: tuple, rows_of: RowsOf, descending: bool, offset: int, limit: int) -> tuple[list[int], int]:
    """(the ids from `offset` on, at most `limit`; how many match) of the search `parts` names."""
    matches = current_matches(parts, rows_of, descending)
    ids = matches.id_array()
    return ids[offset:offset + limit].tolist(), len(ids)


def whole_list(rows_of: RowsOf) -> Matches:
    return Matches.of(rows_of(None))


def current_matches(parts: tuple, rows_of: RowsOf, descending: bool) -> Matches:
    key = key_of(("search-matches", parts))
    kept, marks = fetch_kept(key, ("catalog",))
    if kept is not None:
        kept_marks, matches = kept
        if kept_marks == marks:
            return matches
        changed = catalog_changes_since(kept_marks[0], marks[0])
        if changed is not None:
            matches = updated(matches, changed, rows_of, descending)
            keep_current(key, marks, matches)
            return matches
    # Computed whole: the first time, or after a change whose products are not known. One request computes,
    # the others wait for it.
    matches, marks, claim = fetch_current_or_claim(key, ("catalog",))
    try:
        if matches is None:
            matches = whole_list(rows_of)
            keep_current(key, marks, matches)
        return matches
    finally:
        release(claim)
