"""The mall's figures for the center's staff (/admin): members by type and new members by month and year,
sales by channel and month, by enterprise type, the top enterprises and products, orders by state, and
the work waiting for staff now.

Sales are counted by the purchase report's rule (shop.reports.sales). Dates are Korean (KST). Eight
queries whatever the number of members and orders (GROUP BY and counts in SQL; Python only fills in the
zeros of months and kinds nobody reached).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.catalog.models import Product, ProductRevision, ProductStatus, RevisionStatus
from shop.enterprises.dashboard import FIRST_YEAR, ChannelSales, DashboardError, check_year
from shop.enterprises.models import Enterprise, EnterpriseType
from shop.extensions import db
from shop.institutions.models import Institution, InstitutionKind
from shop.models_base import ApprovalStatus
from shop.orders.models import Order, OrderChannel, OrderStatus, Shipment, ShipmentStatus
from shop.reports.sales import MONTHS, counted_lines, kst_midnight_utc, month_starts

__all__ = ["FIRST_YEAR", "DashboardError", "MallFigures", "check_year", "figures"]

TOP = 10  # enterprises and products in the top lists
YEARS_OF_MEMBERS = 5  # the chosen year and the four before it
MEMBER_ROLES = (Role.CONSUMER, Role.INSTITUTION, Role.ENTERPRISE)  # who joins; staff accounts are made


def percent(part: int, whole: int) -> Decimal:
    """`part` as a share of `whole`, to 0.1% rounded down (0.0 when there is no whole)."""
    if whole <= 0:
        return Decimal("0.0")
    return (Decimal(part * 1000 // whole) / 10).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)


# --- what the page shows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberCounts:
    """Active accounts now, by role."""

    consumers: int = 0
    institution_buyers: int = 0
    enterprise_members: int = 0
    staff: int = 0

    @property
    def members(self) -> int:
        return self.consumers + self.institution_buyers + self.enterprise_members


@dataclass(frozen=True)
class Tally:
    """How many of one kind (an enterprise type, an institution kind, an order or shipment state)."""

    key: EnterpriseType | InstitutionKind | OrderStatus | ShipmentStatus
    count: int = 0

    @property
    def label(self) -> str:
        return self.key.label


@dataclass(frozen=True)
class NewMembers:
    """Members who joined in one month (period 1..12) or one year (period = the year), by role."""

    period: int
    label: str
    consumers: int = 0
    institution_buyers: int = 0
    enterprise_members: int = 0

    @property
    def total(self) -> int:
        return self.consumers + self.institution_buyers + self.enterprise_members


@dataclass(frozen=True)
class MonthSales:
    month: int
    consumer_krw: int = 0
    institution_krw: int = 0
    consumer_orders: int = 0
    institution_orders: int = 0

    @property
    def label(self) -> str:
        return f"{self.month}월"

    @property
    def total_krw(self) -> int:
        return self.consumer_krw + self.institution_krw

    @property
    def order_count(self) -> int:  # an order has one channel, so the two add up
        return self.consumer_orders + self.institution_orders


@dataclass(frozen=True)
class TypeSales:
    enterprise_type: EnterpriseType
    total_krw: int = 0
    order_count: int = 0
    enterprise_count: int = 0  # enterprises of the type that sold anything

    @property
    def label(self) -> str:
        return self.enterprise_type.label


@dataclass(frozen=True)
class TopEnterprise:
    enterprise_id: int
    name: str
    enterprise_type: EnterpriseType
    order_count: int
    total_krw: int


@dataclass(frozen=True)
class TopProduct:
    product_id: int | None  # None once the product was deleted: then the name it was sold under
    name: str
    enterprise_name: str
    quantity: int
    total_krw: int


@dataclass(frozen=True)
class Waiting:
    """What waits for a staff decision now (the approvals page and the product review queue)."""

    enterprise_applications: int = 0
    institution_registrations: int = 0
    memberships: int = 0  # buyers joining an approved institution
    new_products: int = 0
    changed_products: int = 0  # selling products whose changes wait

    @property
    def approvals(self) -> int:
        return self.enterprise_applications + self.institution_registrations + self.memberships

    @property
    def products(self) -> int:
        return self.new_products + self.changed_products

    @property
    def total(self) -> int:
        return self.approvals + self.products


@dataclass(frozen=True)
class MallFigures:
    year: int
    members: MemberCounts
    enterprises_by_type: list[Tally]  # approved enterprises, all six types, zeros included
    institutions_by_kind: list[Tally]  # approved institutions, every kind, zeros included
    new_by_month: list[NewMembers]  # the year's twelve months
    new_by_year: list[NewMembers]  # the chosen year and the four before it, oldest first
    sales_by_month: list[MonthSales]  # twelve months, zeros included
    channels: list[ChannelSales]  # consumers, then institutions
    by_type: list[TypeSales]  # all six types, zeros included
    top_enterprises: list[TopEnterprise]  # at most TOP, largest amount first
    top_products: list[TopProduct]  # at most TOP, largest amount first
    order_states: list[Tally]  # orders placed in the year, by their status now, every status
    shipment_states: list[Tally]  # their shipments, by status now, every status
    waiting: Waiting

    @property
    def approved_enterprises(self) -> int:
        return sum(t.count for t in self.enterprises_by_type)

    @property
    def approved_institutions(self) -> int:
        return sum(t.count for t in self.institutions_by_kind)

    @property
    def new_members(self) -> NewMembers:
        """The chosen year's total."""
        return self.new_by_year[-1]

    @property
    def busiest_month(self) -> NewMembers | None:
        """The month most members joined (the first of equals), or None in a year nobody joined."""
        busiest = max(self.new_by_month, key=lambda m: m.total)
        return busiest if busiest.total else None

    @property
    def best_month(self) -> MonthSales | None:
        """The month of the largest sales (the first of equals), or None in a year without sales."""
        best = max(self.sales_by_month, key=lambda m: m.total_krw)
        return best if best.total_krw else None

    @property
    def total_krw(self) -> int:
        return sum(c.total_krw for c in self.channels)

    @property
    def selling_enterprises(self) -> int:
        """Enterprises that sold anything in the year (each has one type)."""
        return sum(t.enterprise_count for t in self.by_type)

    @property
    def order_count(self) -> int:
        return sum(c.order_count for c in self.channels)

    @property
    def orders_placed(self) -> int:
        return sum(t.count for t in self.order_states)

    @property
    def shipments_placed(self) -> int:
        return sum(t.count for t in self.shipment_states)

    def share_percent(self, amount_krw: int) -> Decimal:
        """An amount's share of the year's sales, to 0.1% (rounded down)."""
        return percent(amount_krw, self.total_krw)


# --- members -------------------------------------------------------------------------------------------


def _as_text(column):
    """An enum column read as its stored text, so selects of different enums can be UNIONed."""
    return sa.type_coerce(column, sa.String())


def _member_counts() -> tuple[MemberCounts, list[Tally], list[Tally]]:
    """Active accounts by role, approved enterprises by type, approved institutions by kind: one query."""
    roles = (sa.select(sa.literal_column("'role'").label("what"), _as_text(User.role).label("key"),
                       sa.func.count(User.id).label("n"))
             .where(User.is_active_member.is_(True)).group_by(User.role))
    types = (sa.select(sa.literal_column("'type'"), _as_text(Enterprise.enterprise_type), sa.func.count(Enterprise.id))
             .where(Enterprise.status == ApprovalStatus.APPROVED).group_by(Enterprise.enterprise_type))
    kinds = (sa.select(sa.literal_column("'kind'"), _as_text(Institution.kind), sa.func.count(Institution.id))
             .where(Institution.status == ApprovalStatus.APPROVED).group_by(Institution.kind))
    counts: dict[tuple[str, str], int] = {
        (what, key): int(n) for what, key, n in db.session.execute(sa.union_all(roles, types, kinds))
    }
    members = MemberCounts(*(counts.get(("role", role.value), 0) for role in (*MEMBER_ROLES, Role.ADMIN)))
    return (members, [Tally(t, counts.get(("type", t.value), 0)) for t in EnterpriseType],
            [Tally(k, counts.get(("kind", k.value), 0)) for k in InstitutionKind])


def _new_members(year: int) -> tuple[list[NewMembers], list[NewMembers]]:
    """Members (not staff) who joined, by month of `year` and by year over YEARS_OF_MEMBERS: one query.
    Each sign-up counts, also of an account deactivated since."""
    first = year - YEARS_OF_MEMBERS + 1
    year_ends = {y: kst_midnight_utc(date(y + 1, 1, 1)) for y in range(first, year)}
    month_ends = [kst_midnight_utc(day) for day in month_starts(year)]
    # year * 100 for a whole earlier year, year * 100 + month for a month of the chosen year
    bucket = sa.case(*((User.created_at < end, y * 100) for y, end in year_ends.items()),
                     *((User.created_at < month_ends[m], year * 100 + m) for m in MONTHS[:-1]),
                     else_=year * 100 + 12)
    joined = (sa.select(bucket.label("bucket"), User.role.label("role"))
              .where(User.role.in_(MEMBER_ROLES), User.created_at >= kst_midnight_utc(date(first, 1, 1)),
                     User.created_at < month_ends[-1])
              .subquery("joined"))
    rows = db.session.execute(sa.select(joined.c.bucket, joined.c.role, sa.func.count())
                              .group_by(joined.c.bucket, joined.c.role)).all()
    months = {m: dict.fromkeys(MEMBER_ROLES, 0) for m in MONTHS}
    years = {y: dict.fromkeys(MEMBER_ROLES, 0) for y in range(first, year + 1)}
    for key, role, n in rows:
        role, in_year, month = Role(role), *divmod(int(key), 100)
        years[in_year][role] += int(n)
        if month:
            months[month][role] += int(n)
    return ([NewMembers(m, f"{m}월", *(months[m][r] for r in MEMBER_ROLES)) for m in MONTHS],
            [NewMembers(y, f"{y}년", *(years[y][r] for r in MEMBER_ROLES)) for y in years])


# --- sales -------------------------------------------------------------------------------------------


def _sales_by_month(counted) -> tuple[list[MonthSales], list[ChannelSales]]:
    """Amounts and orders by month and channel, and the year's by channel (an invoice order whose
    deliveries were inspected in two months is one order of the year): one query."""
    amount, orders = sa.func.sum(counted.c.amount), sa.func.count(sa.distinct(counted.c.order_id))
    monthly = (sa.select(counted.c.month, counted.c.channel, amount, orders)
               .group_by(counted.c.month, counted.c.channel))
    yearly = sa.select(sa.literal_column("0"), counted.c.channel, amount, orders).group_by(counted.c.channel)
    months = {m: {c: (0, 0) for c in OrderChannel} for m in MONTHS}
    year = {c: (0, 0) for c in OrderChannel}
    for month, channel, total, count in db.session.execute(sa.union_all(monthly, yearly)):
        bucket = months[int(month)] if month else year
        bucket[OrderChannel(channel)] = (int(total or 0), int(count or 0))
    consumer, institution = OrderChannel.CONSUMER, OrderChannel.INSTITUTION
    return ([MonthSales(m, months[m][consumer][0], months[m][institution][0], months[m][consumer][1],
                        months[m][institution][1]) for m in MONTHS],
            [ChannelSales(c, *year[c]) for c in (consumer, institution)])


def _sales_by_type(counted) -> list[TypeSales]:
    rows = db.session.execute(
        sa.select(counted.c.enterprise_type, sa.func.sum(counted.c.amount),
                  sa.func.count(sa.distinct(counted.c.order_id)), sa.func.count(sa.distinct(counted.c.enterprise_id)))
        .group_by(counted.c.enterprise_type)
    ).all()
    found = {EnterpriseType(t): (int(total or 0), int(orders), int(sellers)) for t, total, orders, sellers in rows}
    return [TypeSales(t, *found.get(t, (0, 0, 0))) for t in EnterpriseType]


def _top_enterprises(counted) -> list[TopEnterprise]:
    total = sa.func.sum(counted.c.amount)
    rows = db.session.execute(
        sa.select(counted.c.enterprise_id, counted.c.enterprise_name, counted.c.enterprise_type,
                  sa.func.count(sa.distinct(counted.c.order_id)), total)
        .group_by(counted.c.enterprise_id, counted.c.enterprise_name, counted.c.enterprise_type)
        .order_by(total.desc(), counted.c.enterprise_name, counted.c.enterprise_id)
        .limit(TOP)
    ).all()
    return [TopEnterprise(eid, name, EnterpriseType(kind), int(orders), int(amount or 0))
            for eid, name, kind, orders, amount in rows]


def _top_products(counted) -> list[TopProduct]:
    total = sa.func.sum(counted.c.amount)
    rows = db.session.execute(
        sa.select(counted.c.product_id, counted.c.product_name, counted.c.enterprise_name,
                  sa.func.sum(counted.c.quantity), total)
        .group_by(counted.c.product_id, counted.c.product_name, counted.c.enterprise_id, counted.c.enterprise_name)
        .order_by(total.desc(), counted.c.product_name, counted.c.product_id)
        .limit(TOP)
    ).all()
    return [TopProduct(pid, name, seller, int(quantity or 0), int(amount or 0))
            for pid, name, seller, quantity, amount in rows]


# --- orders and waiting work ---------------------------------------------------------------------------


def _states(year: int) -> tuple[list[Tally], list[Tally]]:
    """Orders placed in the year (KST) by their status now, and their shipments by theirs: one query."""
    placed = sa.and_(Order.placed_at >= kst_midnight_utc(date(year, 1, 1)),
                     Order.placed_at < kst_midnight_utc(date(year + 1, 1, 1)))
    by_order = (sa.select(sa.literal_column("'order'").label("what"), _as_text(Order.status).label("status"),
                          sa.func.count(Order.id).label("n"))
                .where(placed).group_by(Order.status))
    by_shipment = (sa.select(sa.literal_column("'shipment'"), _as_text(Shipment.status), sa.func.count(Shipment.id))
                   .join(Order, Shipment.order_id == Order.id).where(placed).group_by(Shipment.status))
    counts = {(what, status): int(n) for what, status, n in db.session.execute(sa.union_all(by_order, by_shipment))}
    return ([Tally(s, counts.get(("order", s.value), 0)) for s in OrderStatus],
            [Tally(s, counts.get(("shipment", s.value), 0)) for s in ShipmentStatus])


def _waiting() -> Waiting:
    """The counts behind /admin/approvals and /admin/products/review (same conditions): one query."""

    def count(column, *conditions, join=None) -> sa.ScalarSelect:
        query = sa.select(sa.func.count(column))
        if join is not None:
            query = query.join(*join)
        return query.where(*conditions).scalar_subquery()

    row = db.session.execute(sa.select(
        count(Enterprise.id, Enterprise.status == ApprovalStatus.PENDING),
        count(Institution.id, Institution.status == ApprovalStatus.PENDING),
        count(User.id, User.role == Role.INSTITUTION, User.membership_approved.is_(False),
              Institution.status == ApprovalStatus.APPROVED, join=(Institution, User.institution_id == Institution.id)),
        count(Product.id, Product.status == ProductStatus.PENDING_REVIEW),
        count(Product.id, ProductRevision.status == RevisionStatus.PENDING,
              join=(ProductRevision, ProductRevision.product_id == Product.id)),
    )).one()
    return Waiting(*(int(n or 0) for n in row))


# --- the whole page ------------------------------------------------------------------------------------


def figures(*, year: object, today: date) -> MallFigures:
    """Every figure of the staff dashboard for `year` (an int, or its four digits as text, from 2010 to
    this year; DashboardError with a Korean message otherwise) and the work waiting today."""
    year = check_year(year, today=today)
    counted = counted_lines(year).subquery("counted")
    members, enterprises_by_type, institutions_by_kind = _member_counts()
    new_by_month, new_by_year = _new_members(year)
    sales_by_month, channels = _sales_by_month(counted)
    order_states, shipment_states = _states(year)
    return MallFigures(
        year=year, members=members, enterprises_by_type=enterprises_by_type,
        institutions_by_kind=institutions_by_kind, new_by_month=new_by_month, new_by_year=new_by_year,
        sales_by_month=sales_by_month, channels=channels, by_type=_sales_by_type(counted),
        top_enterprises=_top_enterprises(counted), top_products=_top_products(counted),
        order_states=order_states, shipment_states=shipment_states, waiting=_waiting(),
    )
