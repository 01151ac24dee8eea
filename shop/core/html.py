"""Sanitising the rich text enterprises write (product descriptions, stories) before we show it.

An allow-list, not a block-list: anything not named here is dropped, so a pasted script, style,
event handler or `javascript:` link never reaches a buyer's browser.
"""
from __future__ import annotations

import html as _html
import re

import nh3

ALLOWED_TAGS: frozenset[str] = frozenset({
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a",
    "img", "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
}
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

# Tags whose end means a break in the text, so words on either side do not run together.
_BLOCK_BOUNDARY = re.compile(r"<(?=/?(?:p|br|li|h[1-6]|div|tr|td|th|blockquote|ul|ol|table)\b)", re.I)
_IMAGE_SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.\-]*):", re.I)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    # url_schemes is shared by every tag; an image may only come from the web or from us.
    if tag == "img" and attribute == "src":
        match = _IMAGE_SCHEME.match(value)
        if match and match.group(1).lower() not in {"http", "https"}:
            return None
    return value


def sanitize_html(html: str | None) -> str:
    """The HTML with only the allowed tags, attributes and URL schemes left."""
    return nh3.clean(
        html or "",
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_filter_attribute,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
    )


def html_to_text(html: str | None) -> str:
    """Plain text of an HTML fragment (for summaries, meta descriptions and search)."""
    spaced = _BLOCK_BOUNDARY.sub(" <", html or "")
    stripped = nh3.clean(spaced, tags=set(), clean_content_tags={"script", "style"})
    return " ".join(_html.unescape(stripped).split())
