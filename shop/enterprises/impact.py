"""/impact: the social value the mall's enterprises created, as the center verified it — by year and area,
with the incentive paid and the number of enterprises measured. Self-reported figures are not counted."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from shop.enterprises.models import Enterprise, SocialValueArea, SocialValueRecord
from shop.extensions import db
from shop.models_base import ApprovalStatus


@dataclass
class ImpactYear:
    year: int
    by_area: dict[SocialValueArea, int] = field(default_factory=dict)
    incentive_krw: int = 0
    enterprise_count: int = 0

    @property
    def total_krw(self) -> int:
        return sum(self.by_area.values())


def _verified_of_listed_enterprises():
    return (sa.select(SocialValueRecord)
            .join(Enterprise, Enterprise.id == SocialValueRecord.enterprise_id)
            .where(SocialValueRecord.verified.is_(True), Enterprise.status == ApprovalStatus.APPROVED))


def impact_by_year() -> list[ImpactYear]:
    """Newest year first; two grouped queries whatever the number of records."""
    base = _verified_of_listed_enterprises()
    years: dict[int, ImpactYear] = {}
    for year, area, amount, incentive in db.session.execute(base.with_only_columns(
            SocialValueRecord.year, SocialValueRecord.area, sa.func.sum(SocialValueRecord.amount_krw),
            sa.func.coalesce(sa.func.sum(SocialValueRecord.incentive_krw), 0))
            .group_by(SocialValueRecord.year, SocialValueRecord.area)):
        row = years.setdefault(year, ImpactYear(year))
        row.by_area[area] = int(amount)
        row.incentive_krw += int(incentive)
    for year, count in db.session.execute(base.with_only_columns(
            SocialValueRecord.year, sa.func.count(sa.distinct(SocialValueRecord.enterprise_id)))
            .group_by(SocialValueRecord.year)):
        years[year].enterprise_count = int(count)
    return [years[y] for y in sorted(years, reverse=True)]


AREA_COLORS = {SocialValueArea.SOCIAL_SERVICE: "#0b6e4f", SocialValueArea.EMPLOYMENT: "#1f5fa8",
               SocialValueArea.COMMUNITY: "#8a4b08", SocialValueArea.ENVIRONMENT: "#5b3f99"}


@dataclass(frozen=True)
class Segment:
    area: SocialValueArea
    x: int
    width: int
    color: str


@dataclass(frozen=True)
class ChartRow:
    year: int
    y: int
    segments: list[Segment]


def stacked_chart(years: list[ImpactYear], *, width: int = 640, bar_height: int = 28, gap: int = 14,
                  label_width: int = 64) -> tuple[list[ChartRow], int]:
    """Horizontal bars, one per year (oldest on top), split by area; widths scale to the largest year.
    Returns the rows and the chart's height."""
    top = max((y.total_krw for y in years), default=0)
    span = width - label_width - 8
    rows = []
    for n, year in enumerate(sorted(years, key=lambda y: y.year)):
        x, segments = label_width, []
        for area in SocialValueArea:
            amount = year.by_area.get(area, 0)
            w = round(span * amount / top) if top else 0
            if w:
                segments.append(Segment(area, x, w, AREA_COLORS[area]))
                x += w
        rows.append(ChartRow(year.year, n * (bar_height + gap), segments))
    return rows, max(len(rows) * (bar_height + gap), bar_height)
