"""The cart page and its forms. A guest's cart is found by a token in its own signed cookie (not in the
session, which login clears); a member's by the account, and the guest's cart joins it at login."""
from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    after_this_request,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import SQLAlchemyError

from shop.cart import services as carts
from shop.cart.basket import max_qty_per_line
from shop.cart.models import Cart
from shop.cart.services import CartError, CartItemNotFound
from shop.core.cache import Recollection
from shop.core.korea import kst_today
from shop.extensions import db
from shop.web.guards import safe_next_url
from shop.web.page_cache import late_part, late_parts_want, member_late_parts_want

bp = Blueprint("cart", __name__)

COOKIE_NAME = "hamkke_cart"
COOKIE_MAX_AGE = timedelta(days=30)


# --- the guest cookie ----------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="cart")


def guest_token() -> str | None:
    """The token in the guest cart cookie, or None when there is none or its signature is wrong."""
    raw = request.cookies.get(COOKIE_NAME)
    if not raw or len(raw) > 200:
        return None
    try:
        token = _serializer().loads(raw)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def _remember_guest(token: str) -> None:
    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            COOKIE_NAME, _serializer().dumps(token), max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
        return response


def _forget_guest() -> None:
    @after_this_request
    def delete_cookie(response):
        response.delete_cookie(COOKIE_NAME, httponly=True, samesite="Lax",
                               secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
        return response


def adopt_guest_cart(user) -> None:
    """At login: move the guest's cart into the member's, say what had to change, drop the cookie."""
    if COOKIE_NAME not in request.cookies:
        return
    for note in carts.merge_guest_cart(guest_token(), user):
        flash(note, "warning")
    _forget_guest()


def _cart() -> Cart | None:
    if current_user.is_authenticated:
        return carts.find_member_cart(current_user)
    return carts.find_guest_cart(guest_token())


def _cart_or_404() -> Cart:
    return _cart() or abort(404)


# --- the header count ----------------------------------------------------------------------------


def _header_count() -> int | None:
    """Lines in the visitor's cart, asked only when a page shows the header (not for a redirect): for a
    member on a GET page, from the shared cache by the cart id found with their login session; no query for
    a guest without a cart, one otherwise; None if the database cannot say (an error page still renders its
    header)."""
    try:
        if _counted_from_cache():
            return carts.line_count_of_cart(g.header_cart_id)
        if current_user.is_authenticated:
            return carts.count_lines_for(user_id=current_user.id)
        return carts.count_lines_for(token=guest_token())
    except SQLAlchemyError:
        db.session.rollback()
        return None


def _counted_from_cache() -> bool:
    """A member on a GET page, whose cart id came with the login session (a POST may have just changed the
    cart: it counts in the database)."""
    return current_user.is_authenticated and request.method == "GET" and "header_cart_id" in g


_cart_ids_seen = Recollection()  # member id -> the cart id that came with their login session


def _header_count_wanted():
    """The member's cart count is fetched along with a shared page (see page_cache.late_parts_want)."""
    if _counted_from_cache() and g.header_cart_id is not None:
        _cart_ids_seen.learn(current_user.id, g.header_cart_id)
        return [carts.line_count_wanted(g.header_cart_id)]
    return []


def _header_count_wanted_early(user_id: int):
    """The same, named before the login session is read: by the cart id last seen with it."""
    cart_id = _cart_ids_seen.recall(user_id)
    return [carts.line_count_wanted(cart_id)] if cart_id is not None else []


late_parts_want(_header_count_wanted)
member_late_parts_want(_header_count_wanted_early)

# The largest quantity a line may hold depends on who is buying; a shared page gets each visitor's own.
cart_max_qty = late_part("cart_max_qty", lambda: str(max_qty_per_line(current_user)))


# Globals, not a context processor: the header is drawn late, with the template globals only.
bp.add_app_template_global(_header_count, "cart_count")
bp.add_app_template_global(cart_max_qty, "cart_max_qty")


# --- pages ---------------------------------------------------------------------------------------


def _wants_json() -> bool:
    """A script that asks for JSON (Accept: application/json) gets it; browsers get pages."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _cart_page(cart: Cart | None, *, error: str | None = None, back_url: str | None = None, status: int = 200):
    return render_template(
        "cart/cart.html",
        basket=carts.cart_basket(cart, kst_today(), max_qty=max_qty_per_line(current_user)),
        item_ids=carts.item_ids_by_variant(cart),
        price_reason=carts.price_reason,
        error=error,
        back_url=back_url,
    ), status


def _refused(exc: CartError, cart: Cart | None, back_url: str | None = None):
    if _wants_json():
        return jsonify(error={"code": "cart", "message": str(exc), "field": exc.field}), 400
    return _cart_page(cart, error=str(exc), back_url=back_url, status=400)


def _done(message: str, target: str, cart: Cart):
    if _wants_json():
        return jsonify(ok=True, message=message, count=carts.cart_count(cart))
    flash(message, "success")
    return redirect(target)


@bp.get("/cart")
def view_cart():
    return _cart_page(_cart())


@bp.post("/cart/items")
def add():
    form = request.form
    back_url = safe_next_url(form.get("next"))
    try:
        variant_id = carts.parse_variant_id(form.get("variant_id"))
        quantity = carts.parse_quantity(form.get("quantity"), max_qty_per_line(current_user))
        if current_user.is_authenticated:
            item = carts.add_to_member_cart(current_user, variant_id, quantity, max_qty_per_line(current_user))
        else:
            item = carts.add_to_guest_cart(guest_token(), variant_id, quantity)
            _remember_guest(item.cart.token)  # a new cart's token, or the old one for another 30 days
    except CartError as exc:
        return _refused(exc, _cart(), back_url)
    label = f"{item.variant.product.name} ({item.variant.name})"
    return _done(f"{label} {quantity:,}개를 장바구니에 담았습니다.", back_url or url_for("cart.view_cart"), item.cart)


@bp.post("/cart/items/<int:item_id>")
def change(item_id: int):
    cart = _cart_or_404()
    try:
        quantity = carts.parse_quantity(request.form.get("quantity"), max_qty_per_line(current_user))
        carts.set_quantity(cart, item_id, quantity, max_qty_per_line(current_user))
    except CartItemNotFound:
        abort(404)
    except CartError as exc:
        return _refused(exc, cart)
    return _done(f"수량을 {quantity:,}개로 바꿨습니다.", url_for("cart.view_cart"), cart)


@bp.post("/cart/items/<int:item_id>/delete")
def remove(item_id: int):
    cart = _cart_or_404()
    try:
        carts.remove_item(cart, item_id)
    except CartItemNotFound:
        abort(404)
    except CartError as exc:
        return _refused(exc, cart)
    return _done("장바구니에서 삭제했습니다.", url_for("cart.view_cart"), cart)
