"""Whole storefront pages, rendered once and served from the shared cache until something they show changes.

A page is the same for every visitor, guest or member, except for a few late parts: the header's member
links and cart count, the CSRF token in its forms, and on the product page the quantity limit and an
institution buyer's quotation button. A shareable render writes a marker in their place (NUL characters,
which no stored text can hold), and each visitor's copy is filled in as it is served. The key holds the
URL and the Korean date (exhibition prices and phases turn at midnight); the page is kept with the
generations it depends on, so a change to prices, stock, reviews or the site's settings is seen on
the next request, as with `cached`. A listing page missed after a catalog change may still be the page drawn
before, when none of the products it shows has changed (`drawn_from`). Visitors with a message waiting, and
anything but GET, are rendered as usual."""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from functools import wraps

from flask import Flask, current_app, g, has_request_context, request, session
from flask.globals import request_ctx
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from shop.catalog.listing import sort_generations
from shop.core.cache import (
    CATALOG_SHARED,
    Recollection,
    Wanted,
    fetch_current,
    fetch_current_or_claim,
    keep_current,
    key_of,
    product_catalog,
    release,
)
from shop.core.korea import kst_today

RENDERING_SHAREABLE = "hamkke.page_cache.shareable"
DRAWN_BEFORE = "hamkke.page_cache.drawn_before"
PAGE_KEY = "hamkke.page_cache.key"
MARKER = re.compile("\x00late:([a-z_]+)\x00")
MAX_QUERY_LENGTH = 512  # longer query strings are someone's experiment, not worth a cache entry each

_late_parts: dict[str, Callable[[], str]] = {}
_late_wants: list[Callable[[], Iterable[Wanted]]] = []
_member_late_wants: list[Callable[[int], Iterable[Wanted]]] = []
_first_wants: dict[str, Callable[[], Iterable[Wanted]]] = {}


def late_part(name: str, render: Callable[[], str]) -> Callable[[], Markup]:
    """A template function for a part that differs per visitor: its markup now, or a marker to fill later."""
    _late_parts[name] = render

    def in_template() -> Markup:
        if has_request_context() and request.environ.get(RENDERING_SHAREABLE):
            return Markup(f"\x00late:{name}\x00")
        return Markup(render())

    return in_template


def late_template(name: str, template_name: str) -> Callable[[], Markup]:
    """A late part drawn from a small template. It is drawn on every page for every visitor, so it gets the
    visitor (`current_user`) and the app's template globals (url_for, request, csrf_token, cart_count), not
    the context processors a page's template runs."""
    def render() -> str:
        template = current_app.jinja_env.get_template(template_name)
        return template.render(current_user=current_user._get_current_object())

    return late_part(name, render)


def late_parts_want(wants: Callable[[], Iterable[Wanted]]) -> None:
    """Register what late parts will fetch from the cache for this visitor (the cart count): it comes in
    the same round trip as the page."""
    _late_wants.append(wants)


def member_late_parts_want(wants: Callable[[int], Iterable[Wanted]]) -> None:
    """Register what late parts will fetch for a member, as far as it can be named from their id alone
    before their login session is read (the cart count, by the cart id last seen for them)."""
    _member_late_wants.append(wants)


def looks_up_first(endpoint: str, wants: Callable[[], Iterable[Wanted]]) -> None:
    """Register what a view looks up in the cache before its page (a product page's product id): for a
    member it comes in the same round trip as the login session."""
    _first_wants[endpoint] = wants


def first_lookups(user_id: int) -> list[Wanted]:
    """What this member's request will ask of the cache after their login session, named before it so that
    all of it comes in that one round trip: the view's own first lookups (see looks_up_first) and, on a
    shared page, the page and its late parts' entries, as far as they can be named yet."""
    if request.method != "GET":
        return []
    first = _first_wants.get(request.endpoint or "")
    wanted = list(first()) if first is not None else []
    page = getattr(current_app.view_functions.get(request.endpoint or ""), "page_wanted", None)
    page_entry = page() if page is not None else None
    if page_entry is not None:
        wanted.append(page_entry)
        wanted.extend(w for wants in _member_late_wants for w in wants(user_id))
    return wanted


def fill_late_parts(html: str) -> str:
    filled: dict[str, str] = {}

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in filled:
            filled[name] = str(_late_parts[name]())
        return filled[name]

    return MARKER.sub(replace, html)


def shared_page(*generation_names: str, extra: Callable[[], Iterable[str]] | None = None,
                extra_guess: Callable[[], Iterable[str] | None] | None = None):
    """Serve this GET view's page from the cache to every visitor while the named generations (and those
    `extra` adds for this request) stay where they were, besides "site", whose settings every footer shows.
    The view returns its page (a str) or raises; a page with its own status is served but not kept.

    A member's page is fetched along with their login session (see first_lookups) when its generations can
    be named before any lookup: `extra` must then be pure, or `extra_guess` names what it will most likely
    add, without looking anything up (None: no guess)."""
    guess = extra_guess or extra

    def names_with(added: Iterable[str]) -> tuple[str, ...]:
        return ("site", *generation_names, *added)

    def decorate(view):
        @wraps(view)
        def serve(**kwargs):
            if not _shareable():
                return view(**kwargs)
            names = names_with(extra() if extra else ())
            key = _page_key()
            along = [wanted for wants in _late_wants for wanted in wants()]
            html, marks, claim = fetch_current_or_claim(key, names, along)
            if html is not None:
                return _served(html, "hit")
            try:
                return _rendered(view, kwargs, key, marks)
            finally:
                release(claim)

        def page_wanted() -> Wanted | None:
            guessed = guess() if guess else ()
            if guessed is None or not _shareable():
                return None
            return _page_key(), names_with(guessed)

        serve.page_wanted = page_wanted
        return serve

    return decorate


def drawn_from(product_ids: Sequence[int], total: int | None, draw: Callable[[], str]) -> str:
    """The page `draw` makes of these products (shown in this order, of `total` found), in a shared_page view.

    A listing page shows its products' own rows (name, price, image, sold-out flag) and what every page shares
    (enterprises, categories, exhibitions' prices, the site's settings). After an edit of some other product
    the same ids in the same places make the same page: it is kept for its URL and ids under the generations
    of those products alone (`product_catalog`), "availability" and CATALOG_SHARED, and an edit elsewhere in
    the catalog costs finding the ids again, not drawing the page."""
    if not request.environ.get(RENDERING_SHAREABLE):
        return draw()
    names = ("site", CATALOG_SHARED, "availability", *(product_catalog(i) for i in product_ids))
    key = key_of(("drawn", *_this_page(), tuple(product_ids), total))
    html, marks = fetch_current(key, names)
    if html is not None:
        request.environ[DRAWN_BEFORE] = True
        return html
    html = draw()
    _keep_unless_flashed(key, marks, html)
    return html


def _page_key() -> str:
    """This request's page's cache key, made once (the login lookup names it too)."""
    key = request.environ.get(PAGE_KEY)
    if key is None:
        key = request.environ[PAGE_KEY] = key_of(("page", *_this_page()))
    return key


def _this_page() -> tuple:
    """What names the page asked for: the URL and the Korean date (exhibition prices turn at midnight)."""
    return request.path, sorted(request.args.items(multi=True)), kst_today()


def _keep_unless_flashed(key: str, marks: tuple[str, ...], html: str) -> None:
    """Keep a page drawn for everyone, unless a message for this visitor was flashed into it."""
    if not _flashed_while_rendering():
        keep_current(key, marks, html)


def _rendered(view, kwargs: dict, key: str, marks: tuple[str, ...]):
    request.environ[RENDERING_SHAREABLE] = True
    try:
        result = view(**kwargs)
    finally:
        request.environ.pop(RENDERING_SHAREABLE, None)
    if isinstance(result, tuple) and isinstance(result[0], str):  # a page with its own status
        return (fill_late_parts(result[0]), *result[1:])
    if not isinstance(result, str):
        return result
    _keep_unless_flashed(key, marks, result)
    return _served(result, "drawn before" if request.environ.pop(DRAWN_BEFORE, False) else "miss")


def popular_sort_follows_sales() -> Iterable[str]:
    """A listing ordered by sales changes with every order; others only when a product sells out."""
    return sort_generations(request.args.get("sort"))


def _shareable() -> bool:
    return (request.method in ("GET", "HEAD")
            and len(request.query_string) <= MAX_QUERY_LENGTH
            and "_flashes" not in session)


def _flashed_while_rendering() -> bool:
    return bool(request_ctx.flashes) or "_flashes" in session


def _served(html: str, state: str):
    return fill_late_parts(html), 200, {"X-Page-Cache": state}


_signed_csrf_tokens = Recollection()  # (signing key, a session's CSRF secret) -> (its signed token, when)
CSRF_TOKEN_REUSE_SECONDS = 60


def csrf_token_of_visitor() -> str:
    """Flask-WTF's CSRF token for this visitor's session. Signing one (an HMAC and a timestamp) costs more
    than drawing the header it goes in, so a token signed for the same session secret in the last minute is
    handed out again: it is as valid, and younger than WTF_CSRF_TIME_LIMIT by a minute at most."""
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    if field in g:  # made already in this request
        return g.get(field)
    secret = session.get(field)
    signed = _signed_csrf_tokens.recall((current_app.secret_key, secret)) if secret is not None else None
    if signed is not None and time.monotonic() - signed[1] < CSRF_TOKEN_REUSE_SECONDS:
        setattr(g, field, signed[0])  # where Flask-WTF keeps this request's token
        return signed[0]
    token = generate_csrf()
    _signed_csrf_tokens.learn((current_app.secret_key, session[field]), (token, time.monotonic()))
    return token


def install(app: Flask) -> None:
    # Flask-WTF's csrf_token() would put one visitor's token into every visitor's copy. It offers the
    # function both as a global and from a context processor; ours runs after its one and wins.
    csrf_token = late_part("csrf_token", csrf_token_of_visitor)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
    app.jinja_env.globals["account_nav"] = late_template("account_nav", "_account_nav.html")
