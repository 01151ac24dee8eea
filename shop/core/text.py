"""Text normalisation for search and URLs.

Korean product names reach us typed, pasted from PDFs (decomposed Hangul) or full-width, and with
arbitrary spacing ("유기농 커피" vs "유기농커피"). Everything indexed or searched goes through the
same functions here, so a query and a document always meet in the same form.
"""
from __future__ import annotations

import re
import unicodedata

# Invisible characters that survive NFKC and are not whitespace, but split words when pasted.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"), None)
FIELD_SEPARATOR = "|"
# Control characters other than tab and line breaks: nobody types them, and PostgreSQL refuses a NUL in
# text outright (an error where SQLite would store it), so text fields refuse them with this message.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARACTERS_MESSAGE = "입력할 수 없는 제어 문자(보이지 않는 문자)가 들어 있습니다. 지우고 다시 입력해 주세요."


def has_control_characters(text: str | None) -> bool:
    return bool(text) and bool(_CONTROL.search(text))


def normalize(text: str | None) -> str:
    """NFKC (composes Hangul, folds full-width), casefolded, whitespace collapsed to one space."""
    folded = unicodedata.normalize("NFKC", text or "").translate(_INVISIBLE).casefold()
    return " ".join(folded.split())


def compact(text: str | None) -> str:
    """`normalize` without any whitespace, so spacing never decides whether a search matches."""
    return "".join(normalize(text).split())


def _alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def search_terms(query: str | None, max_terms: int = 5, max_len: int = 30) -> list[str]:
    """The distinct letter/digit terms of a query, bounded so a long query cannot cost much."""
    terms: list[str] = []
    for word in normalize(query).split():
        term = _alnum(word)[:max_len]
        if term and term not in terms:
            terms.append(term)
            if len(terms) == max_terms:
                break
    return terms


def _field_chars(field: str | None) -> str:
    return _alnum(compact(field))


def document_grams(*fields: str | None) -> list[str]:
    """Every character and adjacent pair of each field (never across fields), sorted, distinct.

    Indexing 1- and 2-grams lets one- and two-syllable Korean queries use the index too.
    """
    grams: set[str] = set()
    for field in fields:
        chars = _field_chars(field)
        grams.update(chars)
        grams.update(chars[i : i + 2] for i in range(len(chars) - 1))
    return sorted(grams)


def query_grams(term: str | None) -> list[str]:
    """The grams a document must hold to contain `term`: the term itself if it is one character,
    else its distinct bigrams (sorted). Always a subset of the grams of a field containing it."""
    chars = _field_chars(term)
    if len(chars) <= 1:
        return [chars] if chars else []
    return sorted({chars[i : i + 2] for i in range(len(chars) - 1)})


def search_document(*fields: str | None) -> str:
    """The fields as searched by the LIKE re-check: each reduced to its letters and digits (the
    same form `search_terms` gives a query), joined by "|" so a term never matches across fields."""
    return FIELD_SEPARATOR.join(_field_chars(field) for field in fields)


def first_free_slug(base: str, used: set[str]) -> str:
    """`base`, or the first of `base-2`, `base-3` ... that is not in `used`."""
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


def slugify(text: str | None, max_length: int = 80) -> str:
    """A URL slug that keeps Hangul readable: `유기농 커피 (원두)` -> `유기농-커피-원두`."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    slug = "".join(ch if ch.isalnum() else "-" for ch in folded)
    slug = "-".join(part for part in slug.split("-") if part)
    slug = slug[:max_length].strip("-")
    return slug or "item"
