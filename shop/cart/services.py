"""The cart's rules: what may be added and how many, a guest's cart and a member's, and the merge of
the one into the other at login. Every change is one write transaction that first locks the cart row,
so two requests on the same cart take turns instead of racing for the (cart, option) constraint."""
from __future__ import annotations

import functools
import re
import secrets
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from shop.cart.basket import (
    MAX_QTY_PER_LINE,
    Basket,
    BasketLine,
    line_problem,
    load_variants,
    price_basket,
    with_checked_columns,
)
from shop.cart.models import Cart, CartItem
from shop.catalog.models import Variant
from shop.catalog.pricing import tier_price
from shop.core.cache import cart_lines, fetch_current, keep_current, touching
from shop.core.errors import RuleError
from shop.core.rows import insert_loaded
from shop.core.transactions import write_transaction
from shop.extensions import db
from shop.models_base import utcnow

MAX_DB_ID = 2**31 - 1  # larger ids cannot exist (and overflow PostgreSQL's integer)
SPECIAL_PRICE = "기획전가"
BULK_PRICE = "대량구매가"
_DIGITS = re.compile(r"[0-9]+")
_RETRIES = 3
CART_LINES_SECONDS = 300  # a safety net: every change to the cart moves its generation on

T = TypeVar("T")


class CartError(RuleError):
    """A rule refused the change; the message is for the user, `field` names the form field at fault."""


class CartItemNotFound(CartError):
    """The line is not in this cart (never was, was removed, or belongs to someone else's cart)."""

    def __init__(self) -> None:
        super().__init__("장바구니에 없는 상품입니다.")


# --- input ---------------------------------------------------------------------------------------


def parse_quantity(raw: object, max_qty: int = MAX_QTY_PER_LINE) -> int:
    """A quantity typed by a person: "3", " 3 ", full-width "３" -> 3; anything else is refused in Korean."""
    if isinstance(raw, bool):
        raise CartError("수량은 숫자로 입력해 주세요.", field="quantity")
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
    elif raw is None:
        text = ""
    else:
        raise CartError("수량은 숫자로 입력해 주세요.", field="quantity")
    if not text:
        raise CartError("수량을 입력해 주세요.", field="quantity")
    negative = text.startswith("-")
    digits = text[1:].strip() if negative else text
    if not _DIGITS.fullmatch(digits):
        raise CartError("수량은 숫자로 입력해 주세요.", field="quantity")
    digits = digits.lstrip("0") or "0"
    if negative or digits == "0":
        raise CartError("수량은 1개 이상이어야 합니다.", field="quantity")
    if len(digits) > len(str(max_qty)) or int(digits) > max_qty:
        raise CartError(f"한 번에 {max_qty:,}개까지 담을 수 있습니다.", field="quantity")
    return int(digits)


def parse_variant_id(raw: object) -> int:
    """The option chosen in a form; a missing or malformed one asks the shopper to choose."""
    text = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
    text = unicodedata.normalize("NFKC", text).strip() if isinstance(text, str) else ""
    if not _DIGITS.fullmatch(text) or len(text) > 10 or not 0 < int(text) <= MAX_DB_ID:
        raise CartError("옵션을 선택해 주세요.", field="variant_id")
    return int(text)


# --- finding carts -------------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _is_guest_cart(token: str | None):
    """The condition for the guest cart of `token`; a member's cart never matches, nor does a token no
    cart can have."""
    if not token or len(token) > 64:
        return sa.false()
    return sa.and_(Cart.token == token, Cart.user_id.is_(None))


def find_guest_cart(token: str | None) -> Cart | None:
    """A guest's cart by its cookie token; a member's cart is never found this way."""
    return db.session.scalars(sa.select(Cart).where(_is_guest_cart(token))).first()


def find_member_cart(user) -> Cart | None:
    return db.session.scalars(sa.select(Cart).where(Cart.user_id == user.id)).first()


def _locked_member_cart(user_id: int) -> Cart:
    """The member's cart, found and locked (see _lock) by one statement, or a new one (locked as new)."""
    cart = db.session.scalars(_touch_member_cart(), {"member_id": user_id, "touched_at": utcnow()}).first()
    return cart if cart is not None else _new_cart(user_id)


@functools.cache
def _touch_member_cart() -> sa.Update:
    """Built once: every addition to a member's cart runs it."""
    # Not named after a column: an UPDATE keeps those names for its own SET values.
    now = sa.bindparam("touched_at", type_=Cart.updated_at.type)
    return (sa.update(Cart).where(Cart.user_id == sa.bindparam("member_id")).values(updated_at=now)
            .returning(Cart).execution_options(**touching()))


def _new_cart(user_id: int | None = None) -> Cart:
    cart = Cart(token=new_token(), user_id=user_id)
    db.session.add(cart)
    db.session.flush()
    return cart


# --- changing a cart -----------------------------------------------------------------------------


def add_item(cart: Cart, variant_id: int, quantity: int) -> CartItem:
    """Put `quantity` more of an option in the cart (on top of what is there already), or refuse
    with a CartError and change nothing."""
    return _retrying(lambda: _add(cart, variant_id, quantity))


def add_to_guest_cart(token: str | None, variant_id: int, quantity: int) -> CartItem:
    """add_item for a guest: the cart of `token`, or a new one (with a new token, see item.cart.token)
    made in the same transaction, so a refused addition leaves no empty cart behind."""
    return _retrying(lambda: _add(find_guest_cart(token) or _new_cart(), variant_id, quantity), keep_loaded=True)


def add_to_member_cart(user, variant_id: int, quantity: int, max_qty: int = MAX_QTY_PER_LINE) -> CartItem:
    """add_item for a member, making the member's cart on the first addition. An institution's buyer
    may hold larger lines (`max_qty`)."""
    return _retrying(lambda: _add(_locked_member_cart(user.id), variant_id, quantity, max_qty, locked=True),
                     keep_loaded=True)


def _add(cart: Cart, variant_id: int, quantity: int, max_qty: int = MAX_QTY_PER_LINE, *,
         locked: bool = False) -> CartItem:
    """Reads the option and the line afresh under the cart's lock (populate_existing), so it may run in a
    transaction that keeps what was loaded: the caller then names the option without reloading it.
    `locked`: the caller holds the cart's lock already."""
    if quantity < 1:
        raise CartError("수량은 1개 이상이어야 합니다.", field="quantity")
    cart_id = cart.id
    if not locked:
        _lock(cart_id)
    variant, item = _variant_and_line(cart_id, variant_id)
    if variant is None:
        raise CartError("선택한 옵션을 찾을 수 없습니다.", field="variant_id")
    already = item.quantity if item else 0
    problem = line_problem(variant, already + quantity, max_qty)
    if problem:
        if already:
            problem += f" (장바구니에 이미 {already:,}개가 담겨 있습니다.)"
        raise CartError(problem, field="quantity")
    if item is None:
        # One Core INSERT: the unit of work's flush of a single new row costs more than the statement.
        [item] = insert_loaded(CartItem, [{"cart_id": cart_id, "variant_id": variant_id, "quantity": quantity}],
                               **touching(cart_lines(cart_id)))
    else:
        item.quantity = already + quantity
        db.session.flush()
    # The line holds the option and the cart it was checked with: the session keeps rows only weakly, and
    # the caller names them after the commit.
    set_committed_value(item, "variant", variant)
    set_committed_value(item, "cart", cart)
    return item


def set_quantity(cart: Cart, item_id: int, quantity: int, max_qty: int = MAX_QTY_PER_LINE) -> CartItem:
    """Change a line's quantity, checked like an addition; a line of another cart is not found."""
    if quantity < 1:
        raise CartError("수량은 1개 이상이어야 합니다.", field="quantity")
    with write_transaction():
        _lock(cart.id)
        item = _item_in_cart(cart.id, item_id)
        problem = line_problem(_checked_variant(item.variant_id), quantity, max_qty)
        if problem:
            raise CartError(problem, field="quantity")
        item.quantity = quantity
    return item


def remove_item(cart: Cart, item_id: int) -> None:
    with write_transaction():
        _lock(cart.id)
        db.session.delete(_item_in_cart(cart.id, item_id))


def merge_guest_cart(token: str | None, user) -> list[str]:
    """Move a guest's lines into the member's cart at login: quantities add up, capped by stock and
    the per-line maximum; the guest cart is deleted. Returns notes (Korean) on what was capped or left
    out. Calling it again, or with an unknown token, changes nothing."""
    if find_guest_cart(token) is None:
        return []

    def unit_of_work() -> list[str]:
        guest = db.session.scalars(sa.select(Cart).where(_is_guest_cart(token)).with_for_update()).first()
        if guest is None:  # a concurrent login merged it already
            return []
        member = _locked_member_cart(user.id)
        guest_items = list(db.session.scalars(sa.select(CartItem).where(CartItem.cart_id == guest.id)))
        variants = load_variants(i.variant_id for i in guest_items)
        held = {i.variant_id: i for i in db.session.scalars(sa.select(CartItem).where(CartItem.cart_id == member.id))}
        notes = []
        for guest_item in guest_items:
            variant = variants.get(guest_item.variant_id)
            if variant is None:
                continue
            label = f"{variant.product.name} ({variant.name})"
            existing = held.get(variant.id)
            already = existing.quantity if existing else 0
            wanted = already + guest_item.quantity
            cap = _most_allowed(variant)
            merged = max(already, min(wanted, cap))
            if merged == 0:
                notes.append(f"{label}: 품절되어 장바구니에 옮기지 못했습니다.")
                continue
            if merged == already:
                notes.append(f"{label}: 재고가 부족해 장바구니에 있던 {already:,}개에 더하지 못했습니다.")
            elif merged < wanted:
                notes.append(f"{label}: 담을 수 있는 수량이 {cap:,}개라 {merged:,}개로 맞췄습니다.")
            if existing is None:
                db.session.add(CartItem(cart_id=member.id, variant_id=variant.id, quantity=merged))
            else:
                existing.quantity = merged
        db.session.delete(guest)
        return notes

    return _retrying(unit_of_work)


# --- reading a cart ------------------------------------------------------------------------------


def cart_basket(cart: Cart | None, today: date, postcode: str | None = None,
                max_qty: int = MAX_QTY_PER_LINE) -> Basket:
    """The cart priced for today (the same numbers checkout uses), lines in the order they were added."""
    return price_basket(cart_quantities(cart), today=today, postcode=postcode, max_qty=max_qty)


def cart_quantities(cart: Cart | None) -> list[tuple[int, int]]:
    """(option id, quantity) of each line, in the order they were added."""
    return [] if cart is None else _quantities_in(cart.id)


def _quantities_in(cart_id) -> list[tuple[int, int]]:
    stmt = sa.select(CartItem.variant_id, CartItem.quantity).where(CartItem.cart_id == cart_id).order_by(CartItem.id)
    return [(variant_id, quantity) for variant_id, quantity in db.session.execute(stmt)]


def item_ids_by_variant(cart: Cart | None) -> dict[int, int]:
    """Cart line id per option id, so a page can name the line each basket line changes or removes."""
    if cart is None:
        return {}
    stmt = sa.select(CartItem.variant_id, CartItem.id).where(CartItem.cart_id == cart.id)
    return {variant_id: item_id for variant_id, item_id in db.session.execute(stmt)}


def cart_count(cart: Cart | None) -> int:
    """How many lines the cart holds."""
    return 0 if cart is None else _count_lines(cart.id)


def _count_lines(cart_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(CartItem.id)).where(CartItem.cart_id == cart_id)) or 0


def line_count_wanted(cart_id: int) -> tuple[str, tuple[str, ...]]:
    """The cache key of a cart's line count and the generations it follows (for fetching it along a page)."""
    return f"cart-lines:{cart_id}", ("carts", cart_lines(cart_id))


def line_count_of_cart(cart_id: int | None) -> int:
    """Lines in this cart (0 for none), cached until one is added, changed or removed: every page a member
    sees shows the count."""
    if cart_id is None:
        return 0
    key, names = line_count_wanted(cart_id)
    count, marks = fetch_current(key, names)
    if count is None:
        count = _count_lines(cart_id)
        keep_current(key, marks, count, CART_LINES_SECONDS)
    return count


def count_lines_for(*, user_id: int | None = None, token: str | None = None) -> int:
    """Lines in a member's cart (by user) or a guest's (by token), in one query, for the page header."""
    if user_id is not None:
        owner = Cart.user_id == user_id
    elif token:
        owner = _is_guest_cart(token)
    else:
        return 0
    stmt = sa.select(sa.func.count(CartItem.id)).join(Cart, Cart.id == CartItem.cart_id).where(owner)
    return db.session.scalar(stmt) or 0


def price_reason(line: BasketLine) -> str | None:
    """Why a line costs less than the option's regular price: 대량구매가 or 기획전가; None at the regular price."""
    if line.unit_price_krw >= line.regular_price_krw:
        return None
    return BULK_PRICE if tier_price(line.variant.price_tiers, line.quantity) == line.unit_price_krw else SPECIAL_PRICE


# --- helpers -------------------------------------------------------------------------------------


def _retrying(unit_of_work: Callable[[], T], *, keep_loaded: bool = False) -> T:
    """Run a unit of work in a write transaction; when a concurrent one won a unique constraint
    (a new line or a member's new cart), run it again: it then finds the row and updates it."""
    for attempt in range(_RETRIES):
        try:
            with write_transaction(keep_loaded=keep_loaded):
                return unit_of_work()
        except IntegrityError:
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _lock(cart_id: int) -> None:
    """Touch the cart row: on PostgreSQL this holds its row lock to the end of the transaction, so
    changes to one cart take turns (SQLite's BEGIN IMMEDIATE already serialises every writer)."""
    # touching(): the time is no member's news, and changes nothing a cached page or header shows.
    touched = db.session.execute(sa.update(Cart).where(Cart.id == cart_id).values(updated_at=utcnow())
                                 .execution_options(**touching()))
    if touched.rowcount == 0:
        raise CartError("장바구니를 찾을 수 없습니다. 페이지를 새로고침해 주세요.")


def _checked_variant(variant_id: int) -> Variant | None:
    """The option, read afresh, with what `line_problem` checks (its product and enterprise), in one query."""
    if not 0 < variant_id <= MAX_DB_ID:
        return None
    return db.session.scalars(_checked_variant_query(), {"variant_id": variant_id}).first()


def _variant_and_line(cart_id: int, variant_id: int) -> tuple[Variant | None, CartItem | None]:
    """_checked_variant, and the cart's line of that option if it has one, in the same query."""
    if not 0 < variant_id <= MAX_DB_ID:
        return None, None
    row = db.session.execute(_variant_and_line_query(), {"variant_id": variant_id, "cart_id": cart_id}).first()
    return (row[0], row[1]) if row else (None, None)


# Built once (functools.cache), run with the ids bound: every cart addition runs one, and their loader
# options cost more to build than the query takes to run.
@functools.cache
def _checked_variant_query() -> sa.Select:
    return (sa.select(Variant).where(Variant.id == sa.bindparam("variant_id"))
            .options(with_checked_columns()).execution_options(populate_existing=True))


@functools.cache
def _variant_and_line_query() -> sa.Select:
    line = sa.and_(CartItem.variant_id == Variant.id, CartItem.cart_id == sa.bindparam("cart_id"))
    return _checked_variant_query().add_columns(CartItem).outerjoin(CartItem, line)


def _item_in_cart(cart_id: int, item_id: int) -> CartItem:
    if not 0 < item_id <= MAX_DB_ID:
        raise CartItemNotFound()
    stmt = sa.select(CartItem).where(CartItem.id == item_id, CartItem.cart_id == cart_id)
    item = db.session.scalars(stmt).first()
    if item is None:
        raise CartItemNotFound()
    return item


def _most_allowed(variant: Variant) -> int:
    """The largest quantity of this option one line may hold right now."""
    return min(MAX_QTY_PER_LINE, variant.stock) if variant.track_stock else MAX_QTY_PER_LINE
