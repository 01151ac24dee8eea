"""Reports as CSV and XLSX that open cleanly in a Korean Excel.

Every text cell that a spreadsheet would read as a formula is made inert (CSV/formula injection):
the data comes from users (product names, notes), the files go to other people's desktops.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

__all__ = ["Column", "DATE", "INT", "TEXT", "to_csv", "to_xlsx"]

TEXT = "text"
INT = "int"  # won or a quantity
DATE = "date"
_KINDS = (TEXT, INT, DATE)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_SHEET_TITLE = 31  # Excel's limit
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_BOLD = Font(bold=True)


@dataclass(frozen=True)
class Column:
    header: str  # Korean header
    kind: str = TEXT  # TEXT, INT or DATE

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"알 수 없는 열 종류입니다: {self.kind!r} ({', '.join(_KINDS)} 중 하나)")


def inert(text: str) -> str:
    """`text`, with an apostrophe in front if a spreadsheet would otherwise run it as a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _cell_value(column: Column, value: object, *, labels: bool = False) -> str | int | date | None:
    """The typed value of one cell: int for INT, date for DATE, inert text otherwise.
    With `labels` (the totals row) any column may hold a text such as 합계."""
    if value is None:
        return None
    if labels and isinstance(value, str):
        return inert(value)
    if column.kind == INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"'{column.header}' 열은 정수만 받습니다 (받은 값: {type(value).__name__}).")
        return value
    if column.kind == DATE:
        if not isinstance(value, date):
            raise TypeError(f"'{column.header}' 열은 날짜만 받습니다 (받은 값: {type(value).__name__}).")
        # A report shows the day; a datetime's clock time would only confuse the date format.
        return value.date() if isinstance(value, datetime) else value
    return inert(str(value))


def _typed_row(columns: Sequence[Column], row: Sequence, *, labels: bool = False) -> list:
    if len(row) != len(columns):
        raise ValueError(f"열이 {len(columns)}개인데 값이 {len(row)}개입니다.")
    return [_cell_value(column, value, labels=labels) for column, value in zip(columns, row, strict=True)]


def to_csv(columns: list[Column], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a BOM (so Excel in Korea detects the encoding) and CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([inert(column.header) for column in columns])
    for row in rows:
        values = _typed_row(columns, row)
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else v for v in values])
    return buffer.getvalue().encode("utf-8-sig")


def _display_width(value: object) -> int:
    """Characters as Excel lays them out: Hangul and other wide characters take two columns."""
    if isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _sheet_title(title: str) -> str:
    cleaned = _SHEET_TITLE_FORBIDDEN.sub(" ", title).strip().strip("'")
    return (cleaned or "Sheet1")[:_MAX_SHEET_TITLE]


def to_xlsx(
    columns: list[Column],
    rows: Iterable[Sequence],
    *,
    sheet_title: str,
    totals: Sequence | None = None,
) -> bytes:
    """One sheet: a bold, frozen header row with a filter, typed cells, an optional bold totals row."""
    if not columns:
        raise ValueError("열이 하나 이상 있어야 합니다.")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(sheet_title)
    widths = [_display_width(column.header) for column in columns]

    def append(values: list, *, bold: bool = False) -> None:
        sheet.append(values)
        for index, (column, value) in enumerate(zip(columns, values, strict=True)):
            cell = sheet.cell(row=sheet.max_row, column=index + 1)
            if isinstance(value, str):
                cell.data_type = "s"  # never let openpyxl read a leading '=' as a formula
            elif column.kind == INT:
                cell.number_format = "#,##0"
            elif column.kind == DATE:
                cell.number_format = "yyyy-mm-dd"
            if bold:
                cell.font = _BOLD
            widths[index] = max(widths[index], _display_width(value))

    append([inert(column.header) for column in columns], bold=True)
    for row in rows:
        append(_typed_row(columns, row))
    last_data_row = sheet.max_row
    if totals is not None:
        append(_typed_row(columns, totals, labels=True), bold=True)

    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last_data_row}"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
