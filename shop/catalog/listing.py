"""Listing pages and the public API share one filter parser and one paged query."""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from shop.catalog.models import Category, Product
from shop.catalog.pricing import special_prices_for_products
from shop.catalog.services import category_ids_with_children, visible_products
from shop.core.cache import cached
from shop.core.korea import SEOUL_DISTRICTS, kst_today
from shop.enterprises.models import Enterprise, EnterpriseType
from shop.extensions import db
from shop.search import matches
from shop.search.services import matching_ids

# Each sort: its label, the column it orders by, and whether it descends; ties go by id the same way.
SORT_KEYS = {
    "newest": ("신상품순", Product.created_at, True),
    "price_asc": ("낮은 가격순", Product.price_krw, False),
    "price_desc": ("높은 가격순", Product.price_krw, True),
    "popular": ("인기순", Product.sales_count, True),
}
SORTS = {
    name: (label, (column.desc(), Product.id.desc()) if descending else (column.asc(), Product.id.asc()))
    for name, (label, column, descending) in SORT_KEYS.items()
}
MAX_PAGE = 10_000
MAX_PRICE = 100_000_000
MAX_QUERY_LENGTH = 100


class FilterError(ValueError):
    """A listing parameter is unusable; the message is Korean and names the parameter."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class ListingFilters:
    q: str = ""
    enterprise_types: tuple[EnterpriseType, ...] = ()
    district: str = ""
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False
    sort: str = "newest"
    page: int = 1
    per_page: int = 24
    category_ids: tuple[int, ...] = field(default=(), compare=False)
    enterprise_id: int | None = None

    def query_args(self) -> dict:
        """The filters as URL parameters, without defaults, for links that keep them."""
        args: dict = {}
        if self.q:
            args["q"] = self.q
        if self.enterprise_types:
            args["type"] = [t.value for t in self.enterprise_types]
        if self.district:
            args["district"] = self.district
        if self.min_price is not None:
            args["min_price"] = self.min_price
        if self.max_price is not None:
            args["max_price"] = self.max_price
        if self.in_stock:
            args["in_stock"] = 1
        if self.sort != "newest":
            args["sort"] = self.sort
        return args


def _int_param(args: Mapping, name: str, label: str, *, low: int, high: int, strict: bool) -> int | None:
    raw = (args.get(name) or "").strip().replace(",", "")
    if not raw:
        return None
    # isascii: str.isdigit() also accepts digits such as "²" that int() refuses.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or not (low <= int(raw) <= high):
        if strict:
            raise FilterError(name, f"{label}은(는) {low:,}~{high:,} 사이의 숫자여야 합니다.")
        return None
    return int(raw)


def parse_paging(args: Mapping, *, strict: bool, max_per_page: int = 100,
                 default_per_page: int = 24) -> tuple[int, int]:
    """(page, per_page) from `page` and `per_page`; for lists other than products."""
    page = _int_param(args, "page", "페이지", low=1, high=MAX_PAGE, strict=strict) or 1
    per_page = _int_param(args, "per_page", "한 페이지 개수", low=1, high=max_per_page, strict=strict)
    return page, per_page or default_per_page


def parse_filters(args, *, strict: bool, max_per_page: int = 100, default_per_page: int = 24,
                  default_sort: str = "newest") -> ListingFilters:
    """Read listing parameters. strict (the API) refuses bad values; pages fall back to defaults."""
    q = (args.get("q") or "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        if strict:
            raise FilterError("q", f"검색어는 {MAX_QUERY_LENGTH}자 이내로 입력해 주세요.")
        q = q[:MAX_QUERY_LENGTH]
    types = []
    for raw in args.getlist("type") if hasattr(args, "getlist") else [args.get("type")]:
        if not raw:
            continue
        try:
            types.append(EnterpriseType(raw))
        except ValueError:
            if strict:
                raise FilterError("type", f"알 수 없는 기업 유형입니다: {raw[:40]}") from None
    district = unicodedata.normalize("NFC", (args.get("district") or "").strip())
    if district and district not in SEOUL_DISTRICTS:
        if strict:
            raise FilterError("district", "서울시 자치구 이름을 입력해 주세요.")
        district = ""
    sort = (args.get("sort") or "").strip() or default_sort
    if sort not in SORTS:
        if strict:
            raise FilterError("sort", f"정렬 방식은 {', '.join(SORTS)} 중 하나여야 합니다.")
        sort = default_sort
    page, per_page = parse_paging(args, strict=strict, max_per_page=max_per_page,
                                  default_per_page=default_per_page)
    min_price = _int_param(args, "min_price", "최저 가격", low=0, high=MAX_PRICE, strict=strict)
    max_price = _int_param(args, "max_price", "최고 가격", low=0, high=MAX_PRICE, strict=strict)
    if min_price is not None and max_price is not None and min_price > max_price:
        if strict:
            raise FilterError("min_price", "최저 가격이 최고 가격보다 클 수 없습니다.")
        min_price, max_price = max_price, min_price
    in_stock = (args.get("in_stock") or "").lower() in ("1", "true", "on", "yes")
    return ListingFilters(
        q=q, enterprise_types=tuple(dict.fromkeys(types)), district=district, min_price=min_price,
        max_price=max_price, in_stock=in_stock, sort=sort, page=page,
        per_page=per_page,
    )


def with_category(filters: ListingFilters, category: Category) -> ListingFilters:
    return replace(filters, category_ids=tuple(category_ids_with_children(category)))


@dataclass
class ProductPage:
    items: list[Product]
    special_prices: dict[int, int]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def price_today(self, product: Product) -> int:
        """The "from" price a card shows: the cheapest option, or a running special price if lower."""
        special = self.special_prices.get(product.id)
        return product.price_krw if special is None else min(product.price_krw, special)


def _filtered(filters: ListingFilters, only: Collection[int] | None = None):
    """The visible products the filters let through (of the products `only`, when given)."""
    stmt = visible_products(join_enterprise=bool(filters.enterprise_types or filters.district))
    if only is not None:
        stmt = stmt.where(Product.id.in_(sorted(only)))
    if filters.category_ids:
        stmt = stmt.where(Product.category_id.in_(filters.category_ids))
    if filters.enterprise_id is not None:
        stmt = stmt.where(Product.enterprise_id == filters.enterprise_id)
    if filters.enterprise_types:
        stmt = stmt.where(Enterprise.enterprise_type.in_(filters.enterprise_types))
    if filters.district:
        stmt = stmt.where(Enterprise.district == filters.district)
    if filters.min_price is not None:
        stmt = stmt.where(Product.price_krw >= filters.min_price)
    if filters.max_price is not None:
        stmt = stmt.where(Product.price_krw <= filters.max_price)
    if filters.in_stock:
        stmt = stmt.where(Product.in_stock.is_(True))
    if filters.q:
        ids = matching_ids(filters.q, among=only)
        if ids is None:
            return stmt.where(sa.false())
        if db.engine.dialect.name == "postgresql":
            # = ANY(ARRAY(...)) makes PostgreSQL find the matches first. With IN it may walk every product
            # in the listing's order, probing the search row of each (0.6 s for a common syllable).
            return stmt.where(Product.id == sa.func.any(sa.func.array(ids.scalar_subquery())))
        stmt = stmt.where(Product.id.in_(ids))
    return stmt


def _page_ids(filters: ListingFilters, with_total: bool) -> tuple[list[int], int | None]:
    """The page's product ids and, when asked, how many match: one pass over the matches (a window
    count), as a search for one syllable can match a tenth of the catalog."""
    stmt = _filtered(filters)
    columns = (Product.id, sa.func.count().over()) if with_total else (Product.id,)
    rows = db.session.execute(
        stmt.with_only_columns(*columns)
        .order_by(*SORTS[filters.sort][1])
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    ).all()
    ids = [row[0] for row in rows]
    if not with_total:
        return ids, None
    if rows:
        return ids, rows[0][1]
    # A page past the end has no row to carry the count.
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.with_only_columns(Product.id).subquery()))
    return ids, total


def _search_page_ids(filters: ListingFilters) -> tuple[list[int], int]:
    """A search's page of ids and how many match, from its whole list of matches, which the cache keeps and
    brings up to date product by product as the catalog changes (shop/search/matches.py)."""
    _label, column, descending = SORT_KEYS[filters.sort]

    def rows_of(only):
        stmt = _filtered(filters, only).with_only_columns(Product.id, column)
        return db.session.execute(stmt.order_by(*SORTS[filters.sort][1])).all()

    whole = replace(filters, page=1, per_page=1)  # repr has category_ids
    return matches.page_of(whole, rows_of, descending, (filters.page - 1) * filters.per_page, filters.per_page)


def _with_card_rows(stmt):
    """The products of `stmt` (visible_products(), which joins the enterprise) with what a card shows:
    enterprise, images and category, in the same query."""
    return db.session.scalars(stmt.options(
        contains_eager(Product.enterprise), joinedload(Product.images), joinedload(Product.category)
    )).unique()


def more_from_enterprise(product: Product, today: date, count: int = 4) -> ProductPage:
    """The enterprise's newest other products, for the product page: one query for the products (and one
    for their special prices), where a cached listing would take two on a cold cache; the page that
    shows them is cached whole."""
    items = list(_with_card_rows(
        visible_products()
        .where(Product.enterprise_id == product.enterprise_id, Product.id != product.id)
        .order_by(*SORTS["newest"][1]).limit(count)
    ))
    return ProductPage(items=items, special_prices=special_prices_for_products([p.id for p in items], today),
                       total=len(items), page=1, per_page=count)


def sort_generations(sort: str | None) -> tuple[str, ...]:
    """What a listing's order depends on besides the catalog: every sale, when it is ordered by sales."""
    return ("stock",) if sort == "popular" else ()


def listing_generations(filters: ListingFilters) -> tuple[str, ...]:
    """What a listing's choice and order of products depend on: the catalog, and the sold-out flags when it
    leaves sold-out products out, or every sale when it is ordered by sales."""
    by_sort = sort_generations(filters.sort)
    if by_sort:
        return ("catalog", *by_sort)
    return ("catalog", "availability") if filters.in_stock else ("catalog",)


def listing_ids(filters: ListingFilters, *, with_total: bool = True) -> tuple[list[int], int | None]:
    """Which products a listing page shows, in order, and how many match (None unless `with_total`).

    A search's come from its whole list of matches, which follows the catalog product by product; other
    listings' are cached until the catalog changes (or what `listing_generations` names)."""
    if filters.q and listing_generations(filters) == ("catalog",):
        return _search_page_ids(filters)
    return cached(listing_generations(filters), ("listing", filters, with_total),  # repr has category_ids
                  lambda: _page_ids(filters, with_total))


def products_of_page(filters: ListingFilters, ids: list[int], total: int | None,
                     today: date | None = None) -> ProductPage:
    """The page's products loaded fresh by id with their enterprise, category, images and running special
    prices (two queries), so prices, stock and names are always current."""
    items: list[Product] = []
    if ids:
        loaded = _with_card_rows(visible_products().where(Product.id.in_(ids)))
        by_id = {product.id: product for product in loaded}
        items = [by_id[i] for i in ids if i in by_id]
    specials = special_prices_for_products([p.id for p in items], today or kst_today())
    if total is None:
        total = len(items)
    return ProductPage(items=items, special_prices=specials, total=total or 0, page=filters.page,
                       per_page=filters.per_page)


def list_products(filters: ListingFilters, today: date | None = None, *, with_total: bool = True) -> ProductPage:
    """One page of products (`listing_ids`, then `products_of_page`): two queries when the ids are cached,
    three when not."""
    ids, total = listing_ids(filters, with_total=with_total)
    return products_of_page(filters, ids, total, today)
