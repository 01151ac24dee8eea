"""/institution/reports: the social-economy purchase report (우선구매 실적) of the buyer's own institution,
on screen with a monthly chart, and as CSV or XLSX (one row per counted order line)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import render_template, request

from shop.procurement import reports
from shop.procurement.reports import KST, Period, PurchaseReport, ReportError
from shop.web.downloads import file_response
from shop.web.institution import bp, institution_id

YEARS_OFFERED = 6  # this year and the five before it in the year menu
LINES_ON_PAGE = 100
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The chart's drawing units (the SVG scales to the width of the page).
SLOT, BAR, LEFT, TOP, PLOT_HEIGHT, AXIS_HEIGHT = 36, 22, 8, 24, 160, 28


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    label: str  # under the bar: 3월, or 26.3 when the period spans years
    title: str  # the tooltip: 2026년 3월 1,200,000원


@dataclass(frozen=True)
class MonthChart:
    bars: list[Bar]
    width: int
    height: int
    baseline: int  # the y of the axis the bars stand on
    label_y: int  # the y of the month labels under it
    max_krw: int
    bar_width: int = BAR

    @property
    def many(self) -> bool:
        return len(self.bars) > 12


def month_chart(report: PurchaseReport) -> MonthChart:
    """Bar geometry for the monthly totals, in whole drawing units."""
    months = report.by_month
    one_year = len({m.key.year for m in months}) == 1
    top = max((m.total_krw for m in months), default=0)
    baseline = TOP + PLOT_HEIGHT
    bars = []
    for index, month in enumerate(months):
        height = month.total_krw * PLOT_HEIGHT // top if top else 0
        if month.total_krw and height < 2:
            height = 2  # a small month still shows
        label = f"{month.key.month}월" if one_year else f"{month.key.year % 100:02d}.{month.key.month}"
        bars.append(Bar(LEFT + index * SLOT + (SLOT - BAR) // 2, baseline - height, height, label,
                        f"{month.label} {month.total_krw:,}원"))
    return MonthChart(bars, LEFT * 2 + SLOT * len(months), baseline + AXIS_HEIGHT, baseline, baseline + 18, top)


def _kst_today():
    return datetime.now(KST).date()


def _asked() -> dict[str, str]:
    """The period parameters as given, to carry into the download links and back into the forms."""
    return {key: request.args.get(key, "").strip()[:20] for key in ("year", "from", "to")
            if request.args.get(key, "").strip()}


def _period() -> Period:
    asked = _asked()
    return reports.period_from(asked.get("year"), asked.get("from"), asked.get("to"), today=_kst_today())


def _year_choices(selected: int | None) -> list[int]:
    this_year = _kst_today().year
    years = list(range(this_year, this_year - YEARS_OFFERED, -1))
    if selected is not None and selected not in years:
        years.append(selected)
        years.sort(reverse=True)
    return years


def _refused(exc: ReportError):
    asked = _asked()
    return render_template("institution/reports.html", report=None, error=str(exc), error_field=exc.field,
                           asked=asked, years=_year_choices(None), selected_year=None,
                           lines_on_page=LINES_ON_PAGE), 400


@bp.get("/reports")
def report_page():
    try:
        period = _period()
    except ReportError as exc:
        return _refused(exc)
    report = reports.purchase_report(institution_id(), period)
    selected_year = period.start.year if period.is_calendar_year else None
    return render_template("institution/reports.html", report=report, chart=month_chart(report), error=None,
                           error_field=None, asked=_asked(), years=_year_choices(selected_year),
                           selected_year=selected_year, lines_on_page=LINES_ON_PAGE)
@bp.get("/reports.csv")
def report_csv():
    try:
        period = _period()
    except ReportError as exc:
        return _refused(exc)
    report = reports.purchase_report(institution_id(), period)
    return file_response(reports.export_csv(report), mimetype=CSV_TYPE,
                         filename=reports.export_filename(period, "csv"), fallback=f"purchase-report-{period.slug}.csv")


@bp.get("/reports.xlsx")
def report_xlsx():
    try:
        period = _period()
    except ReportError as exc:
        return _refused(exc)
    report = reports.purchase_report(institution_id(), period)
    return file_response(reports.export_xlsx(report), mimetype=XLSX_TYPE,
                         filename=reports.export_filename(period, "xlsx"), fallback=f"purchase-report-{period.slug}.xlsx")
