"""/console: the enterprise's dashboard (sales by month as a chart and a table, consumers against
institutions, top products, what needs action now) and /console/social-value, where it keeps its own
social value records next to the ones the center verified."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for

from shop.core.korea import kst_today
from shop.enterprises import dashboard as figures
from shop.enterprises import social_value
from shop.enterprises.dashboard import Dashboard, DashboardError
from shop.enterprises.models import SocialValueRecord
from shop.enterprises.social_value import RecordNotFound, SocialValueError
from shop.web.console import bp, enterprise_id
from shop.web.console.forms_dashboard import SocialValueForm

YEARS_OFFERED = 5  # this year and the four before it in the year menu

# The chart's drawing units (the SVG scales to the width of the page).
SLOT, BAR, LEFT, TOP, PLOT_HEIGHT, AXIS_HEIGHT = 44, 26, 8, 24, 160, 28


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    month: int  # under the bar: 3 (and 월 where there is room)
    title: str  # the tooltip: 2026년 3월 1,200,000원 (주문 4건)


@dataclass(frozen=True)
class MonthChart:
    bars: list[Bar]
    width: int
    height: int
    baseline: int
    label_y: int
    max_krw: int
    bar_width: int = BAR


def month_chart(board: Dashboard) -> MonthChart:
    """Bar geometry for the twelve monthly totals, in whole drawing units."""
    top = max((m.total_krw for m in board.months), default=0)
    baseline = TOP + PLOT_HEIGHT
    bars = []
    for index, month in enumerate(board.months):
        height = month.total_krw * PLOT_HEIGHT // top if top else 0
        if month.total_krw and height < 2:
            height = 2  # a small month still shows
        bars.append(Bar(LEFT + index * SLOT + (SLOT - BAR) // 2, baseline - height, height, month.month,
                        f"{board.year}년 {month.label} {month.total_krw:,}원 (주문 {month.order_count:,}건)"))
    return MonthChart(bars, LEFT * 2 + SLOT * len(board.months), baseline + AXIS_HEIGHT, baseline, baseline + 18,
                      top)


def _year_choices(today: date) -> list[int]:
    return [y for y in range(today.year, today.year - YEARS_OFFERED, -1) if y >= figures.FIRST_YEAR]


@bp.get("")
def dashboard():
    today = kst_today()
    eid = enterprise_id()
    error, asked = None, request.args.get("year", "").strip()[:10]
    year = today.year
    if asked:
        try:
            year = figures.check_year(asked, today=today)
        except DashboardError as exc:
            error = str(exc)
    board = figures.dashboard(eid, year=year, today=today)
    years = _year_choices(today)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    page = render_template("console/dashboard.html", board=board, chart=month_chart(board), years=years,
                           error=error, social_years=social_value.yearly_totals(social_value.records(eid))[:3])
    return page, (400 if error else 200)


# --- social value ------------------------------------------------------------------------------------


def _social_value_page(form: SocialValueForm | None = None):
    """The records and the add form; a refused form (passed in with its errors) makes it a 400."""
    today = kst_today()
    refused = form is not None
    if form is None:
        form = SocialValueForm(formdata=None, today=today, data={"year": str(today.year - 1)})
    items = social_value.records(enterprise_id())
    totals = {total.year: total for total in social_value.yearly_totals(items)}
    page = render_template("console/social_value.html", form=form, records=items, totals=totals,
                           source_examples=social_value.SOURCE_EXAMPLES)
    return page, (400 if refused else 200)


def _editable_or_404(record_id: int) -> SocialValueRecord:
    """This enterprise's own unverified record, or 404 (another's or a verified one is not editable here)."""
    record = social_value.editable_record(enterprise_id(), record_id)
    if record is None:
        abort(404)
    return record


def _back_to_list(anchor: str = "records"):
    return redirect(url_for("console.social_value_page") + f"#{anchor}")


@bp.get("/social-value")
def social_value_page():
    return _social_value_page()


@bp.post("/social-value")
def add_social_value():
    form = SocialValueForm(today=kst_today())
    if form.validate_on_submit():
        try:
            record = social_value.add_record(enterprise_id(), form.record_input(), today=kst_today())
        except SocialValueError as exc:
            form.add_error(exc.field, str(exc))
        else:
            flash(f"{record.year}년 '{record.area.label}' 사회적 가치 {record.amount_krw:,}원을 추가했습니다.", "success")
            return _back_to_list(f"record-{record.id}")
    return _social_value_page(form)


@bp.route("/social-value/<int:record_id>/edit", methods=["GET", "POST"])
def edit_social_value(record_id: int):
    record = _editable_or_404(record_id)
    today = kst_today()
    form = SocialValueForm.for_record(record, today=today)
    if form.validate_on_submit():
        try:
            record = social_value.update_record(enterprise_id(), record_id, form.record_input(), today=today)
        except RecordNotFound:
            abort(404)
        except SocialValueError as exc:
            form.add_error(exc.field, str(exc))
        else:
            flash(f"{record.year}년 '{record.area.label}' 사회적 가치 기록을 수정했습니다.", "success")
            return _back_to_list(f"record-{record.id}")
    page = render_template("console/social_value_form.html", form=form, record=record,
                           source_examples=social_value.SOURCE_EXAMPLES)
    return page, (400 if form.is_submitted() else 200)


@bp.post("/social-value/<int:record_id>/delete")
def delete_social_value(record_id: int):
    record = _editable_or_404(record_id)
    what = f"{record.year}년 '{record.area.label}'"
    try:
        social_value.delete_record(enterprise_id(), record_id)
    except RecordNotFound:
        abort(404)
    flash(f"{what} 사회적 가치 기록을 삭제했습니다.", "success")
    return _back_to_list()
