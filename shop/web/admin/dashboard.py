"""/admin: the mall's figures for one year (members, sales by channel and month, by enterprise type, the top
enterprises and products, orders by state) as charts with their tables, and the work waiting for staff."""
from __future__ import annotations

from datetime import date

from flask import render_template, request

from shop.core.korea import kst_today
from shop.reports import mall
from shop.reports.mall import DashboardError, MallFigures
from shop.web.admin import bp
from shop.web.charts import BarChart, Series, Slot, bar_chart
from shop.web.guards import admin_required

YEARS_OFFERED = 5  # this year and the four before it in the year menu
CONSUMERS = Series("일반 소비자", "#0b6e4f")
INSTITUTIONS = Series("공공기관", "#1a3f8f")
NEW_MEMBERS = Series("신규 회원", "#0b6e4f")


def sales_chart(board: MallFigures) -> BarChart:
    """Each month's sales, consumers under institutions."""
    best = board.best_month
    found = f"가장 많은 달은 {best.label} {best.total_krw:,}원입니다." if best else "판매 실적이 없습니다."
    return bar_chart(
        [Slot(str(m.month), f"{board.year}년 {m.label} {m.total_krw:,}원 (일반 소비자 {m.consumer_krw:,}원, "
                            f"공공기관 {m.institution_krw:,}원)", (m.consumer_krw, m.institution_krw), "월")
         for m in board.sales_by_month],
        [CONSUMERS, INSTITUTIONS],
        label=f"{board.year}년 월별 판매액 막대그래프. 달마다 일반 소비자 판매액 위에 공공기관 판매액을 쌓았습니다. "
              f"{found} 같은 수치를 월별 판매액 표로 제공합니다.")


def members_chart(board: MallFigures) -> BarChart:
    busiest = board.busiest_month
    found = f"가장 많은 달은 {busiest.label} {busiest.total:,}명입니다." if busiest else "가입한 회원이 없습니다."
    return bar_chart(
        [Slot(str(m.period), f"{board.year}년 {m.label} 신규 회원 {m.total:,}명", (m.total,), "월")
         for m in board.new_by_month],
        [NEW_MEMBERS],
        label=f"{board.year}년 월별 신규 회원 막대그래프. {found} 같은 수치를 월별 신규 회원 표로 제공합니다.")


def _year_choices(today: date, shown: int) -> list[int]:
    years = [y for y in range(today.year, today.year - YEARS_OFFERED, -1) if y >= mall.FIRST_YEAR]
    return sorted({*years, shown}, reverse=True)


@bp.get("")
@admin_required
def dashboard():
    today = kst_today()
    error, asked, year = None, request.args.get("year", "").strip()[:10], today.year
    if asked:
        try:
            year = mall.check_year(asked, today=today)
        except DashboardError as exc:
            error = str(exc)
    board = mall.figures(year=year, today=today)
    page = render_template("admin/dashboard.html", board=board, sales_chart=sales_chart(board),
                           members_chart=members_chart(board), years=_year_choices(today, board.year), error=error)
    return page, (400 if error else 200)
