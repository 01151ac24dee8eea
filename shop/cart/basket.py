"""A basket priced for today: lines grouped by enterprise, each group with its delivery fee, the VAT
inside the total, and what is wrong with any line. The cart page and checkout read the same numbers."""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload, load_only

from shop.accounts.models import Role
from shop.cart.models import Cart, CartItem
from shop.catalog.models import Product, ProductStatus, TaxType, Variant
from shop.catalog.pricing import running_special_of, unit_price
from shop.core.korea import is_jeju_or_island_postcode
from shop.core.money import vat_of
from shop.enterprises.models import Enterprise
from shop.extensions import db
from shop.models_base import ApprovalStatus

MAX_QTY_PER_LINE = 9_999  # more than any household order; keeps typos like 100000 out
INSTITUTION_MAX_QTY_PER_LINE = 99_999  # a school or district office ordering for everyone


def max_qty_per_line(user) -> int:
    """Institutions buy for a whole organisation, so their lines may be larger than a household's."""
    if user is not None and getattr(user, "is_authenticated", False) and user.has_role(Role.INSTITUTION):
        return INSTITUTION_MAX_QTY_PER_LINE
    return MAX_QTY_PER_LINE


@dataclass
class BasketLine:
    variant: Variant
    quantity: int
    unit_price_krw: int
    problem: str | None = None  # why this line cannot be ordered as it is, in Korean

    @property
    def product(self) -> Product:
        return self.variant.product

    @property
    def regular_price_krw(self) -> int:
        return self.variant.price_krw

    @property
    def line_total_krw(self) -> int:
        return self.unit_price_krw * self.quantity

    @property
    def taxable(self) -> bool:
        return self.product.tax_type is TaxType.TAXABLE


@dataclass
class EnterpriseGroup:
    enterprise: Enterprise
    lines: list[BasketLine] = field(default_factory=list)
    shipping_fee_krw: int = 0
    island_fee_krw: int = 0

    @property
    def items_total_krw(self) -> int:
        return sum(line.line_total_krw for line in self.lines)

    @property
    def total_krw(self) -> int:
        return self.items_total_krw + self.shipping_fee_krw

    @property
    def free_shipping_gap_krw(self) -> int | None:
        """How much more to buy from this enterprise for free delivery, when that is close enough to say."""
        threshold = self.enterprise.free_shipping_threshold_krw
        if threshold is None or self.items_total_krw >= threshold:
            return None
        return threshold - self.items_total_krw


@dataclass
class Basket:
    groups: list[EnterpriseGroup]
    postcode: str | None

    @property
    def lines(self) -> list[BasketLine]:
        return [line for group in self.groups for line in group.lines]

    @property
    def items_total_krw(self) -> int:
        return sum(g.items_total_krw for g in self.groups)

    @property
    def shipping_total_krw(self) -> int:
        return sum(g.shipping_fee_krw for g in self.groups)

    @property
    def total_krw(self) -> int:
        return self.items_total_krw + self.shipping_total_krw

    @property
    def vat_krw(self) -> int:
        """VAT of the taxable goods and of delivery (a taxable service); tax-exempt goods carry none."""
        taxable = sum(line.line_total_krw for line in self.lines if line.taxable)
        return vat_of(taxable + self.shipping_total_krw)

    @property
    def problems(self) -> list[str]:
        return [f"{line.product.name} ({line.variant.name}): {line.problem}" for line in self.lines if line.problem]

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def can_order(self) -> bool:
        return not self.is_empty and not self.problems


def shipping_fee(enterprise: Enterprise, items_total_krw: int, postcode: str | None) -> tuple[int, int]:
    """(fee, of which island surcharge) for one enterprise's part of an order."""
    threshold = enterprise.free_shipping_threshold_krw
    base = 0 if threshold is not None and items_total_krw >= threshold else enterprise.shipping_base_fee_krw
    island = enterprise.shipping_island_fee_krw if is_jeju_or_island_postcode(postcode) else 0
    return base + island, island


def line_problem(variant: Variant, quantity: int, max_qty: int = MAX_QTY_PER_LINE) -> str | None:
    """Why `quantity` of this option cannot be ordered now, or None."""
    product = variant.product
    if product.status is not ProductStatus.ACTIVE or product.enterprise.status is not ApprovalStatus.APPROVED:
        return "지금은 판매하지 않는 상품입니다."
    if quantity < product.min_order_qty:
        return f"최소 주문 수량은 {product.min_order_qty:,}개입니다."
    if quantity > max_qty:
        return f"한 번에 {max_qty:,}개까지 주문할 수 있습니다."
    if variant.track_stock and variant.stock < quantity:
        return "품절되었습니다." if variant.stock == 0 else f"재고가 {variant.stock:,}개 남아 있습니다."
    return None


def with_product_and_enterprise():
    """Loader option: an option's product and enterprise, without their long pages (description, story),
    which no line of a cart or an order shows."""
    return joinedload(Variant.product).options(defer(Product.description_html),
                                               joinedload(Product.enterprise).defer(Enterprise.story_html))


def load_variants(variant_ids: Iterable[int], *, with_images: bool = True) -> dict[int, Variant]:
    """The options with what pricing and checks need, and the products' images for showing them (not for
    placing an order), in one round of queries."""
    return {variant.id: variant for variant, _ in _variants_with(variant_ids, with_images=with_images)}


def load_priced_variants(variant_ids: Iterable[int], today: date, *,
                         with_images: bool = True) -> tuple[dict[int, Variant], dict[int, int]]:
    """load_variants, and the lowest special price of a running exhibition per option, in the same query."""
    rows = _variants_with(variant_ids, with_images=with_images, special_on=today)
    variants = {variant.id: variant for variant, _ in rows}
    return variants, {variant.id: special for variant, special in rows if special is not None}


def _variants_with(variant_ids: Iterable[int], *, with_images: bool,
                   special_on: date | None = None) -> list[tuple[Variant, int | None]]:
    ids = list(set(variant_ids))
    if not ids:
        return []
    stmt = _variants_statement(with_images, special_on is not None)
    params = {"ids": ids} if special_on is None else {"ids": ids, "today": special_on}
    rows = db.session.execute(stmt, params).unique()
    return [(variant, special) for variant, special in rows]


@functools.cache
def _variants_statement(with_images: bool, with_special: bool) -> sa.Select:
    """Built once: cart additions and checkouts run it every time, and its loader options cost more to
    build than the query takes to run."""
    special = running_special_of(Variant.id, sa.bindparam("today")) if with_special else sa.null()
    return (
        sa.select(Variant, special)
        .where(Variant.id.in_(sa.bindparam("ids", expanding=True)))
        .options(*_pricing_options(with_images))
        .execution_options(populate_existing=True)  # stock and prices as they are now, even if loaded before
    )


@functools.cache
def _member_cart_statement(with_images: bool) -> sa.Select:
    """_variants_statement for the lines of one member's cart, read in the same query (built once)."""
    return (
        sa.select(Variant, running_special_of(Variant.id, sa.bindparam("today")), CartItem.quantity)
        .join(CartItem, CartItem.variant_id == Variant.id)
        .where(CartItem.cart_id == member_cart_id(sa.bindparam("user_id")))
        .order_by(CartItem.id)
        .options(*_pricing_options(with_images))
        .execution_options(populate_existing=True)
    )


def member_cart_id(user_id):
    """The member's cart id, as a subquery of the statement that reads or changes its lines (`user_id` a
    value or a bind parameter)."""
    return sa.select(Cart.id).where(Cart.user_id == user_id).scalar_subquery()


def _pricing_options(with_images: bool) -> list:
    # Bulk tiers joined (an option has a few at most), not a query of their own.
    if not with_images:
        return [joinedload(Variant.price_tiers), with_checked_columns()]
    return [joinedload(Variant.price_tiers), with_product_and_enterprise(),
            joinedload(Variant.product).selectinload(Product.images)]


def with_checked_columns():
    """Loader option for checking a line and placing an order: of the option's product and enterprise only
    the columns line_problem, pricing and an order's rows read (their rows are most of the query's width)."""
    return joinedload(Variant.product).options(
        load_only(Product.id, Product.enterprise_id, Product.name, Product.status, Product.tax_type,
                  Product.min_order_qty),
        joinedload(Product.enterprise).load_only(
            Enterprise.id, Enterprise.name, Enterprise.status, Enterprise.shipping_base_fee_krw,
            Enterprise.free_shipping_threshold_krw, Enterprise.shipping_island_fee_krw))


def price_basket(quantities: list[tuple[int, int]], *, today: date, postcode: str | None = None,
                 max_qty: int = MAX_QTY_PER_LINE, with_images: bool = True) -> Basket:
    """Price (variant id, quantity) pairs for today. Groups keep the order the lines were given in."""
    variants, specials = load_priced_variants((vid for vid, _ in quantities), today, with_images=with_images)
    return _priced([(variants[vid], quantity, specials.get(vid)) for vid, quantity in quantities if vid in variants],
                   postcode, max_qty)


def price_member_cart(user_id: int, *, today: date, postcode: str | None = None, max_qty: int = MAX_QTY_PER_LINE,
                      with_images: bool = True) -> Basket:
    """price_basket of what the member's cart holds, in the order it was added, its lines read in the
    same query as their options (checkout reads the cart only to price it)."""
    rows = db.session.execute(_member_cart_statement(with_images), {"user_id": user_id, "today": today}).unique()
    return _priced([(variant, quantity, special) for variant, special, quantity in rows], postcode, max_qty)


def _priced(lines: list[tuple[Variant, int, int | None]], postcode: str | None, max_qty: int) -> Basket:
    """(option, quantity, running special price) lines priced and grouped by enterprise, in their order."""
    groups: dict[int, EnterpriseGroup] = {}
    for variant, quantity, special in lines:
        price = unit_price(variant, quantity, special_price=special)
        line = BasketLine(variant, quantity, price, line_problem(variant, quantity, max_qty))
        enterprise = variant.product.enterprise
        groups.setdefault(enterprise.id, EnterpriseGroup(enterprise)).lines.append(line)
    for group in groups.values():
        group.shipping_fee_krw, group.island_fee_krw = shipping_fee(group.enterprise, group.items_total_krw, postcode)
    return Basket(list(groups.values()), postcode)
