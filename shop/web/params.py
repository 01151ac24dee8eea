"""Numbers typed into URLs and forms, read safely: str.isdigit() also accepts "²" and "①", which int()
refuses, and a 5,000-digit page number would overflow a database integer."""
from __future__ import annotations

MAX_PAGE = 9_999


def whole_number(raw: str | None, *, max_digits: int = 9) -> int | None:
    """`raw` ("1,200", " 30 ") as a whole number, or None: ASCII digits only, few enough to fit a database
    integer."""
    text = (raw or "").strip().replace(",", "")
    if not (text.isascii() and text.isdigit()) or len(text) > max_digits:
        return None
    return int(text)


def page_number(raw: str | None, *, max_page: int = MAX_PAGE) -> int:
    """A list's page from ?page=, falling back to the first page for anything unusable."""
    number = whole_number(raw, max_digits=len(str(max_page)))
    return number if number and number <= max_page else 1
