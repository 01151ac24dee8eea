"""Forms of the console's stock pages (Flask-WTF, CSRF-protected)."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField
from wtforms.validators import DataRequired

from shop.catalog.stock_table import MAX_STOCK, StockSet

_STOCK_FIELD = re.compile(r"stock_([0-9]{1,12})")
MAX_ROWS_PER_SUBMIT = 200


class StockImportForm(FlaskForm):
    file = FileField("재고 CSV 파일", validators=[
        FileRequired(message="올릴 CSV 파일을 골라 주세요."),
        FileAllowed(["csv", "txt", "tsv"], message="CSV 파일(.csv)만 올릴 수 있습니다. 엑셀에서 'CSV'로 저장해 주세요."),
    ])


class StockApplyForm(FlaskForm):
    plan = HiddenField(validators=[DataRequired(message="미리보기가 없습니다. 파일을 다시 올려 주세요.")])


class StockTableForm(FlaskForm):
    """Only the CSRF token: the rows are `stock_<variant id>` with `expected_<variant id>`, read by
    `stock_updates` (a table of options has no fixed set of fields)."""


def _count(raw: str) -> int | None:
    text = raw.strip().replace(",", "")
    if not text.isascii() or not text.isdigit() or int(text) > MAX_STOCK:
        return None
    return int(text)


def stock_updates(formdata: MultiDict) -> tuple[list[StockSet], dict[int, str]]:
    """(the changes asked for, a Korean message per option id whose number cannot be used)."""
    updates: list[StockSet] = []
    errors: dict[int, str] = {}
    for key, raw in formdata.items():
        match = _STOCK_FIELD.fullmatch(key)
        if not match:
            continue
        variant_id = int(match.group(1))
        new = _count(raw)
        expected = _count(formdata.get(f"expected_{variant_id}", ""))
        if new is None:
            errors[variant_id] = f"재고는 0~{MAX_STOCK:,} 사이의 숫자로 입력해 주세요."
        elif expected is None:
            errors[variant_id] = "화면을 새로고침한 뒤 다시 입력해 주세요."
        else:
            updates.append(StockSet(variant_id, expected, new))
        if len(updates) + len(errors) > MAX_ROWS_PER_SUBMIT:
            errors[variant_id] = f"한 번에 {MAX_ROWS_PER_SUBMIT}개까지 저장할 수 있습니다."
            break
    return updates, errors
