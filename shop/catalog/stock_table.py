"""An enterprise's quick stock table and low-stock list.

No stock write here loses a concurrent order's decrement: each one is
`UPDATE variant SET stock = :new WHERE id = :id AND stock = :expected`, where `expected` is the stock the
person saw. A row whose stock moved meanwhile is reported and left as it is. Every function takes the
enterprise id; another enterprise's options do not exist here.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.catalog.models import Product, ProductStatus, Variant
from shop.catalog.services import refresh_listing
from shop.core.cache import stock_of
from shop.core.errors import RuleError
from shop.core.transactions import write_transaction
from shop.extensions import db

PER_PAGE = 50
DEFAULT_LOW_STOCK = 10
MAX_STOCK = 9_999_999
CHUNK = 1000  # products refreshed per query
_SPACES = re.compile(r"\s+")


class StockError(RuleError):
    """A stock change the rules refuse; the message is for the user."""


class VariantNotFound(LookupError):
    """An option id that is not this enterprise's (or does not exist): the page answers 404."""


# --- the quick table and the low-stock list -------------------------------------------------------


@dataclass(frozen=True)
class StockRow:
    variant_id: int
    sku: str
    product_name: str
    option_name: str
    status: ProductStatus
    price_krw: int
    track_stock: bool
    stock: int

    @property
    def label(self) -> str:
        return f"{self.product_name} ({self.option_name})"


@dataclass(frozen=True)
class StockPage:
    rows: list[StockRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _rows_query(enterprise_id: int):
    return (
        sa.select(Variant.id, Variant.sku, Product.name, Variant.name, Product.status, Variant.price_krw,
                  Variant.track_stock, Variant.stock)
        .join(Product, Product.id == Variant.product_id)
        .where(Product.enterprise_id == enterprise_id)
    )


def _page(query, order_by: Sequence, page: int, per_page: int) -> StockPage:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = min(max(page, 1), max(1, -(-total // per_page)))
    rows = db.session.execute(query.order_by(*order_by).limit(per_page).offset((page - 1) * per_page))
    return StockPage([StockRow(*row) for row in rows], total, page, per_page)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def stock_table(enterprise_id: int, *, q: str = "", page: int = 1, per_page: int = PER_PAGE) -> StockPage:
    """Every option of the enterprise, searchable by product name, option name or SKU."""
    query = _rows_query(enterprise_id)
    q = _SPACES.sub(" ", q).strip()[:100]
    if q:
        pattern = _like(q)
        query = query.where(sa.or_(Product.name.ilike(pattern, escape="\\"), Variant.name.ilike(pattern, escape="\\"),
                                   Variant.sku.ilike(pattern, escape="\\")))
    return _page(query, (Product.name, Product.id, Variant.position, Variant.id), page, per_page)


def low_stock(enterprise_id: int, *, threshold: int = DEFAULT_LOW_STOCK, page: int = 1,
              per_page: int = PER_PAGE) -> StockPage:
    """Options whose stock is tracked and at most `threshold`, the emptiest first."""
    query = _rows_query(enterprise_id).where(Variant.track_stock.is_(True), Variant.stock <= threshold)
    return _page(query, (Variant.stock, Product.name, Variant.position, Variant.id), page, per_page)


@dataclass(frozen=True)
class StockSet:
    """Set an option's stock to `new`, provided it still is `expected` (what the page showed)."""

    variant_id: int
    expected: int
    new: int


@dataclass(frozen=True)
class StockConflict:
    row: StockRow  # as it is now
    expected: int
    wanted: int

    @property
    def message(self) -> str:
        return (f"{self.row.label}: 화면을 연 뒤 재고가 {self.expected:,}개에서 {self.row.stock:,}개로 바뀌어 "
                f"{self.wanted:,}개로 바꾸지 않았습니다. 지금 재고를 확인하고 다시 입력해 주세요.")


@dataclass
class SetResult:
    applied: int = 0
    conflicts: list[StockConflict] = field(default_factory=list)


def _check_count(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_STOCK:
        raise StockError(f"{what}는 0~{MAX_STOCK:,} 사이의 정수여야 합니다.")


def set_stock(enterprise_id: int, updates: Sequence[StockSet]) -> SetResult:
    """Apply each change whose stock is still what the page showed; report the others with today's value.
    Raises VariantNotFound (and changes nothing) if any option is not the enterprise's."""
    for update in updates:
        _check_count(update.new, "재고")
        _check_count(update.expected, "화면의 재고")
    wanted = {u.variant_id: u for u in updates if u.new != u.expected}
    if not wanted:
        return SetResult()
    result = SetResult()
    with write_transaction():
        own = dict(db.session.execute(
            sa.select(Variant.id, Variant.product_id).join(Product, Product.id == Variant.product_id)
            .where(Product.enterprise_id == enterprise_id, Variant.id.in_(list(wanted)))
        ).all())
        if len(own) != len(wanted):
            raise VariantNotFound(sorted(set(wanted) - set(own)))
        moved = []
        for variant_id, update in sorted(wanted.items()):  # id order, as order placement locks
            done = db.session.execute(
                sa.update(Variant).where(Variant.id == variant_id, Variant.stock == update.expected)
                .values(stock=update.new).execution_options(synchronize_session=False, **stock_of((own[variant_id],)))
            ).rowcount
            if done == 1:
                result.applied += 1
            else:
                moved.append(variant_id)
        if moved:
            for values in db.session.execute(_rows_query(enterprise_id).where(Variant.id.in_(moved))):
                now, asked = StockRow(*values), wanted[values[0]]
                if now.stock != asked.new:  # already what was asked is no conflict
                    result.conflicts.append(StockConflict(now, asked.expected, asked.new))
        refresh_listings(set(own.values()))
    return result


def refresh_listings(product_ids: Iterable[int]) -> None:
    """Listing price and sold-out flag after option changes written with plain UPDATEs."""
    ids = sorted(set(product_ids))
    for start in range(0, len(ids), CHUNK):
        products = db.session.scalars(
            sa.select(Product).where(Product.id.in_(ids[start:start + CHUNK]))
            .options(selectinload(Product.variants)).execution_options(populate_existing=True)
        )
        for product in products:
            refresh_listing(product)
    db.session.flush()
