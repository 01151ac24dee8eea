"""An enterprise's own systems read its options and set their stock and prices by SKU, one at a time or
in batches (the /api/v1/enterprise API).

Every query takes the enterprise id: another enterprise's SKU is an unknown SKU here. A batch is all or
nothing: every item is checked and every problem reported with its index before anything is written.
Inside the write, the option rows are locked in ascending id order before any product row is touched,
the order in which placing an order takes them (stock, then the sold-out flag), so an update racing an
order waits for it instead of deadlocking. A stock given with `expected_stock` is a compare-and-set: if
an order took units since the caller looked, nothing is written and today's stock is reported, so a sold
unit is never put back on sale.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.accounts.models import User
from shop.audit import services as audit
from shop.catalog.editing import MAX_PRICE_KRW
from shop.catalog.models import Product, ProductEventKind, ProductStatus, Variant
from shop.catalog.review import record
from shop.catalog.stock_sheet import MIN_PRICE_KRW
from shop.catalog.stock_table import MAX_STOCK, refresh_listings
from shop.core.cache import catalog_products, stock_of
from shop.core.errors import RuleError
from shop.core.transactions import write_transaction
from shop.extensions import db

MAX_BATCH = 500
MAX_SKU_LENGTH = 64
FIELDS = ("sku", "stock", "expected_stock", "price_krw")
PRICE, STOCK, EXPECTED = "price_krw", "stock", "expected_stock"


# --- what comes back --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionState:
    """One option as the enterprise's systems see it; `stock` is None when its stock is not tracked."""

    product_id: int
    product_slug: str
    product_name: str
    product_status: ProductStatus
    sku: str
    name: str
    price_krw: int
    stock: int | None
    track_stock: bool

    @classmethod
    def of(cls, variant: Variant, product: Product) -> OptionState:
        return cls(product.id, product.slug, product.name, product.status, variant.sku, variant.name,
                   variant.price_krw, variant.stock if variant.track_stock else None, variant.track_stock)


@dataclass(frozen=True)
class Applied:
    index: int
    option: OptionState  # after the change
    changed: tuple[str, ...]  # the fields whose value changed ("price_krw", "stock"); empty if none did


@dataclass(frozen=True)
class ItemProblem:
    index: int
    sku: str | None
    field: str | None  # None: the item as a whole
    message: str


@dataclass(frozen=True)
class StockConflict:
    index: int
    sku: str
    expected_stock: int
    current_stock: int


class SkuUpdateError(RuleError):
    """The request as a whole is refused (e.g. no items); `field` names the part it is about."""


class ItemsInvalid(SkuUpdateError):
    """At least one item is refused; nothing was applied."""

    def __init__(self, problems: list[ItemProblem]):
        count = len({problem.index for problem in problems})
        super().__init__(f"{count}개 항목에 문제가 있어 아무것도 바꾸지 않았습니다. 항목별 안내를 확인해 주세요.")
        self.problems = problems


class StockMoved(SkuUpdateError):
    """At least one option's stock is no longer what the caller expected; nothing was applied."""

    def __init__(self, conflicts: list[StockConflict]):
        super().__init__("확인한 뒤 주문 등으로 재고가 바뀐 옵션이 있어 아무것도 바꾸지 않았습니다. "
                         "지금 재고(current_stock)를 확인하고 다시 보내 주세요.")
        self.conflicts = conflicts


# --- reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductOptionsPage:
    items: list[Product]  # each with its options loaded
    total: int
    page: int
    per_page: int


def product_page(enterprise_id: int, *, page: int = 1, per_page: int = 50) -> ProductOptionsPage:
    """The enterprise's products in every state, oldest first, each with its options: three queries."""
    base = sa.select(Product).where(Product.enterprise_id == enterprise_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    items = db.session.scalars(
        base.order_by(Product.id).limit(per_page).offset((page - 1) * per_page)
        .options(selectinload(Product.variants))
    )
    return ProductOptionsPage(list(items), total, page, per_page)


def _encodable(text: str) -> bool:
    """JSON may carry lone surrogates ("\\ud800"), which no database driver or JSON answer can encode."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _usable_sku(value: object) -> bool:
    """Whether `value` could be a stored SKU; anything else is unknown without asking the database
    (PostgreSQL refuses text with NUL characters outright)."""
    return isinstance(value, str) and 0 < len(value) <= MAX_SKU_LENGTH and "\x00" not in value and _encodable(value)


def shown(text: str, length: int = MAX_SKU_LENGTH) -> str:
    """Text sent to us, safe to echo in an answer."""
    return text[:length].encode(errors="replace").decode()


def _own_options(enterprise_id: int, skus: Sequence[str], *, lock: bool):
    stmt = (sa.select(Variant, Product).join(Product, Product.id == Variant.product_id)
            .where(Product.enterprise_id == enterprise_id, Variant.sku.in_(sorted(set(skus))))
            .order_by(Variant.id))
    if lock:  # option rows only, in id order: the order placing an order locks them in
        stmt = stmt.with_for_update(of=Variant).execution_options(populate_existing=True)
    return {variant.sku: (variant, product) for variant, product in db.session.execute(stmt)}


def option_state(enterprise_id: int, sku: str) -> OptionState | None:
    """The enterprise's own option with this SKU, or None (also for another enterprise's SKU)."""
    if not _usable_sku(sku):
        return None
    found = _own_options(enterprise_id, [sku], lock=False).get(sku)
    return OptionState.of(*found) if found else None


# --- checking what was sent --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Wanted:
    index: int
    sku: str
    stock: int | None
    expected_stock: int | None
    price_krw: int | None


def _whole_number(value: object) -> int | None:
    """The integer a JSON number stands for (12.0 is 12, as in JSON Schema), else None; JSON true is not 1."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else None


def _count(item: Mapping, field: str, label: str, index: int, sku, problems: list[ItemProblem]) -> int | None:
    value = _whole_number(item[field])
    if value is None or not 0 <= value <= MAX_STOCK:
        problems.append(ItemProblem(index, sku, field, f"{label}는 0~{MAX_STOCK:,} 사이의 정수로 보내 주세요."))
        return None
    return value


def _checked(index: int, item: object, seen: dict[str, int], problems: list[ItemProblem]) -> _Wanted | None:
    """The item's wanted values if its form is right (types, ranges, combinations); problems otherwise.
    What depends on the option itself (known SKU, tracked stock, price limits) is checked later."""
    if not isinstance(item, Mapping):
        problems.append(ItemProblem(index, None, None, "각 항목은 {\"sku\": ..., ...} 형태의 객체로 보내 주세요."))
        return None
    before = len(problems)
    raw_sku = item.get("sku")
    sku = shown(raw_sku) if isinstance(raw_sku, str) else None
    for key in item:
        if key not in FIELDS:
            problems.append(ItemProblem(index, sku, shown(str(key), 40),
                                        f"알 수 없는 항목입니다. 보낼 수 있는 값: {', '.join(FIELDS)}"))
    if sku is None or not sku.strip():
        problems.append(ItemProblem(index, None, "sku", "SKU를 문자열로 보내 주세요."))
    elif raw_sku in seen:
        problems.append(ItemProblem(index, sku, "sku", f"같은 SKU가 앞의 항목(index {seen[raw_sku]})에도 있습니다. "
                                                       "한 옵션은 한 번만 보내 주세요."))
    else:
        seen[raw_sku] = index
    stock = _count(item, STOCK, "재고(stock)", index, sku, problems) if STOCK in item else None
    expected = _count(item, EXPECTED, "확인한 재고(expected_stock)", index, sku, problems) \
        if EXPECTED in item else None
    if EXPECTED in item and STOCK not in item:
        problems.append(ItemProblem(index, sku, EXPECTED, "expected_stock은 새 재고(stock)와 함께 보내 주세요."))
    price = None
    if PRICE in item:
        price = _whole_number(item[PRICE])
        if price is None:
            problems.append(ItemProblem(index, sku, PRICE, "판매가(price_krw)는 원 단위 정수로 보내 주세요. 예: 12000"))
    if STOCK not in item and PRICE not in item:
        problems.append(ItemProblem(index, sku, None, "바꿀 값을 하나 이상 보내 주세요: stock, price_krw"))
    if len(problems) > before:
        return None
    return _Wanted(index, raw_sku, stock, expected, price)


def _checked_against(wanted: _Wanted, variant: Variant | None, problems: list[ItemProblem]) -> None:
    """What depends on the option: it must be the enterprise's, track its stock if stock is sent, and
    a new price must be within the mall's limits (an unchanged price is not judged again)."""
    if variant is None:
        sku = shown(wanted.sku)
        problems.append(ItemProblem(wanted.index, sku, "sku", f"우리 기업 상품에서 찾을 수 없는 SKU입니다: {sku}"))
        return
    if wanted.stock is not None and not variant.track_stock:
        problems.append(ItemProblem(wanted.index, wanted.sku, STOCK, "재고를 관리하지 않는 옵션(주문 제작 등)이라 재고를 "
                                                                     "바꿀 수 없습니다. 판매자 센터에서 재고 관리를 켜 주세요."))
    price = wanted.price_krw
    if price is not None and price != variant.price_krw and not MIN_PRICE_KRW <= price <= MAX_PRICE_KRW:
        problems.append(ItemProblem(wanted.index, wanted.sku, PRICE,
                                    f"판매가는 {MIN_PRICE_KRW:,}원 이상 {MAX_PRICE_KRW:,}원 이하로 보내 주세요."))


# --- writing ----------------------------------------------------------------------------------------


def update_options(enterprise_id: int, items: object, actor: User, *, via: str = "") -> list[Applied]:
    """Apply every item ({"sku", "stock"?, "expected_stock"?, "price_krw"?}) or none of them.

    Raises SkuUpdateError when `items` is not a list of 1..MAX_BATCH, ItemsInvalid with every item's
    problems, or StockMoved when an `expected_stock` no longer holds. A stock that already is what was
    asked is no conflict (a retried request succeeds). `via` is noted in the product history."""
    if not isinstance(items, list) or not items:
        raise SkuUpdateError("items에 바꿀 옵션을 하나 이상 담아 보내 주세요.", "items")
    if len(items) > MAX_BATCH:
        raise SkuUpdateError(f"한 번에 {MAX_BATCH}개까지 보낼 수 있습니다. 나눠서 보내 주세요. (지금 {len(items):,}개)",
                             "items")
    problems: list[ItemProblem] = []
    seen: dict[str, int] = {}
    checked = [_checked(index, item, seen, problems) for index, item in enumerate(items)]
    wanted = [w for w in checked if w is not None]
    with write_transaction():
        known = _own_options(enterprise_id, [w.sku for w in wanted if _usable_sku(w.sku)], lock=True)
        for w in wanted:
            _checked_against(w, known[w.sku][0] if w.sku in known else None, problems)
        if problems:
            raise ItemsInvalid(sorted(problems, key=lambda p: p.index))
        conflicts = [StockConflict(w.index, w.sku, w.expected_stock, known[w.sku][0].stock) for w in wanted
                     if w.expected_stock is not None and known[w.sku][0].stock not in (w.expected_stock, w.stock)]
        if conflicts:
            raise StockMoved(conflicts)
        changes = _write(wanted, known)
        refresh_listings(product.id for _, product in known.values())
        _record_history(changes, known, actor, via)
    return [Applied(w.index, OptionState.of(*known[w.sku]), changed)
            for w, changed, _ in sorted(changes, key=lambda change: change[0].index)]


def update_option(enterprise_id: int, sku: str, values: object, actor: User, *, via: str = "") -> Applied:
    """One option by its SKU; raises LookupError when the SKU is not the enterprise's, else as
    update_options (the problems carry index 0)."""
    if option_state(enterprise_id, sku) is None:
        raise LookupError(sku)
    if isinstance(values, Mapping):
        if "sku" in values and values["sku"] != sku:
            raise ItemsInvalid([ItemProblem(0, sku, "sku", "본문의 sku가 주소의 SKU와 다릅니다. 본문에서는 빼 주세요.")])
        values = {**values, "sku": sku}
    return update_options(enterprise_id, [values], actor, via=via)[0]


def _write(wanted: list[_Wanted], known: dict) -> list[tuple[_Wanted, tuple[str, ...], dict]]:
    """UPDATE each changed option in id order; returns (item, changed fields, values before)."""
    changes = []
    for w in sorted(wanted, key=lambda w: known[w.sku][0].id):
        variant = known[w.sku][0]
        before = {PRICE: variant.price_krw, STOCK: variant.stock}
        values = {}
        if w.price_krw is not None and w.price_krw != variant.price_krw:
            values[PRICE] = w.price_krw
        if w.stock is not None and w.stock != variant.stock:
            values[STOCK] = w.stock
        if values:
            condition = [Variant.id == variant.id]
            if STOCK in values:  # the row is locked already; the condition keeps the rule visible
                condition.append(Variant.stock == (w.expected_stock if w.expected_stock is not None
                                                   else variant.stock))
            done = db.session.execute(sa.update(Variant).where(*condition).values(**values).execution_options(
                synchronize_session=False, **stock_of((variant.product_id,)),
                **catalog_products((variant.product_id,)))).rowcount
            if done != 1:
                now = db.session.scalar(sa.select(Variant.stock).where(Variant.id == variant.id))
                seen = variant.stock if w.expected_stock is None else w.expected_stock
                raise StockMoved([StockConflict(w.index, w.sku, seen, now)])
        changes.append((w, tuple(values), before))
    return changes


def _record_history(changes, known: dict, actor: User, via: str) -> None:
    suffix = f" ({via})" if via else ""
    for w, changed, before in changes:
        variant, product = known[w.sku]
        if PRICE in changed:
            record(product, ProductEventKind.PRICE_CHANGED, actor,
                   f"{variant.name}: {before[PRICE]:,}원 → {variant.price_krw:,}원{suffix}")
            audit.record(actor, "variant.price", "variant", variant.id, f"{product.name} · {variant.name}",
                         before={"price_krw": before[PRICE]}, after={"price_krw": variant.price_krw},
                         reason=via or None)
        if STOCK in changed:
            record(product, ProductEventKind.STOCK_SET, actor,
                   f"{variant.name}: {before[STOCK]:,}개 → {variant.stock:,}개{suffix}")
