"""Read side of enterprises: the public directory, one enterprise's page and the mall's social value."""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.catalog.listing import FilterError, parse_paging
from shop.catalog.services import visible_products
from shop.catalog.models import Product
from shop.core.korea import SEOUL_DISTRICTS
from shop.core.text import compact
from shop.enterprises.models import Enterprise, EnterpriseType, SocialValueArea, SocialValueRecord
from shop.extensions import db
from shop.models_base import ApprovalStatus


@dataclass(frozen=True)
class EnterpriseFilters:
    enterprise_types: tuple[EnterpriseType, ...] = ()
    district: str = ""
    page: int = 1
    per_page: int = 24

    def query_args(self) -> dict:
        args: dict = {}
        if self.enterprise_types:
            args["type"] = [t.value for t in self.enterprise_types]
        if self.district:
            args["district"] = self.district
        return args


def parse_enterprise_filters(args: Mapping, *, strict: bool, max_per_page: int = 100,
                             default_per_page: int = 24) -> EnterpriseFilters:
    """Read `type` (repeatable), `district`, `page`, `per_page`; strict (the API) refuses bad values."""
    types: list[EnterpriseType] = []
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
    page, per_page = parse_paging(args, strict=strict, max_per_page=max_per_page,
                                  default_per_page=default_per_page)
    return EnterpriseFilters(tuple(dict.fromkeys(types)), district, page, per_page)


def public_enterprises():
    """Enterprises a visitor may see: approved ones."""
    return sa.select(Enterprise).where(Enterprise.status == ApprovalStatus.APPROVED)


@dataclass
class EnterprisePage:
    items: list[Enterprise]
    product_counts: dict[int, int]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def product_counts(enterprise_ids: Iterable[int]) -> dict[int, int]:
    """Visible products per enterprise; one query."""
    ids = list(set(enterprise_ids))
    if not ids:
        return {}
    stmt = (
        visible_products()
        .with_only_columns(Product.enterprise_id, sa.func.count(Product.id))
        .where(Product.enterprise_id.in_(ids))
        .group_by(Product.enterprise_id)
    )
    return dict(db.session.execute(stmt).all())


def list_enterprises(filters: EnterpriseFilters) -> EnterprisePage:
    """One page of approved enterprises (by name) with their product counts: three queries."""
    stmt = public_enterprises()
    if filters.enterprise_types:
        stmt = stmt.where(Enterprise.enterprise_type.in_(filters.enterprise_types))
    if filters.district:
        stmt = stmt.where(Enterprise.district == filters.district)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.with_only_columns(Enterprise.id).subquery()))
    items = list(
        db.session.scalars(
            stmt.order_by(Enterprise.name, Enterprise.id)
            .limit(filters.per_page)
            .offset((filters.page - 1) * filters.per_page)
        )
    )
    return EnterprisePage(items, product_counts(e.id for e in items), total or 0, filters.page, filters.per_page)


def get_public_enterprise(slug: str) -> Enterprise | None:
    stmt = public_enterprises().where(Enterprise.slug == slug).options(selectinload(Enterprise.social_values))
    return db.session.scalars(stmt).first()


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_enterprises(query: str, limit: int = 6) -> list[Enterprise]:
    """Approved enterprises whose name contains the query, spacing ignored. Enterprises number in
    the hundreds, not the hundred thousands, so a LIKE over their names stays cheap."""
    needle = "".join(ch for ch in compact(query) if ch.isprintable())[:50]  # PostgreSQL refuses NUL
    if not needle:
        return []
    name = sa.func.lower(sa.func.replace(Enterprise.name, " ", ""))
    stmt = (
        public_enterprises()
        .where(name.like(f"%{_like_escape(needle)}%", escape="\\"))
        .order_by(Enterprise.name, Enterprise.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


# --- social value ---------------------------------------------------------------------------


@dataclass
class SocialValueYear:
    year: int
    by_area: dict[SocialValueArea, int]

    @property
    def total_krw(self) -> int:
        return sum(self.by_area.values())


def social_value_by_year(records: Iterable[SocialValueRecord]) -> list[SocialValueYear]:
    """The center-verified figures, one row per year (newest first), amounts per area; built from already
    loaded records. Self-reported figures are the enterprise's own business and never shown publicly."""
    years: dict[int, dict[SocialValueArea, int]] = {}
    for record in (r for r in records if r.verified):
        row = years.setdefault(record.year, {})
        row[record.area] = row.get(record.area, 0) + record.amount_krw
    return [SocialValueYear(year, years[year]) for year in sorted(years, reverse=True)]


def latest_social_value(records: Iterable[SocialValueRecord]) -> SocialValueYear | None:
    rows = social_value_by_year(records)
    return rows[0] if rows else None


@dataclass(frozen=True)
class MallSocialValue:
    year: int
    total_krw: int
    enterprise_count: int


def mall_social_value() -> MallSocialValue | None:
    """The verified social value the mall's approved enterprises created in the latest measured year: one query."""
    approved = (
        sa.select(SocialValueRecord)
        .join(Enterprise, Enterprise.id == SocialValueRecord.enterprise_id)
        .where(Enterprise.status == ApprovalStatus.APPROVED, SocialValueRecord.verified.is_(True))
    )
    latest = approved.with_only_columns(sa.func.max(SocialValueRecord.year)).scalar_subquery()
    stmt = approved.with_only_columns(
        sa.func.max(SocialValueRecord.year),
        sa.func.coalesce(sa.func.sum(SocialValueRecord.amount_krw), 0),
        sa.func.count(sa.distinct(SocialValueRecord.enterprise_id)),
    ).where(SocialValueRecord.year == latest)
    year, total, count = db.session.execute(stmt).one()
    if year is None:
        return None
    return MallSocialValue(int(year), int(total), int(count))
