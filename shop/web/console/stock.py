"""/console/stock: the quick stock table, the low-stock list, and the stock CSV (export, import with a
preview, apply). The rules live in shop.catalog.stock_table and stock_sheet; these views parse, call it and answer.

The preview travels to the apply step as a signed, time-limited token in the form (the changes only,
bound to the enterprise and the member), so any app server can apply it; the service checks every row
again when it applies."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from shop.catalog import stock_sheet
from shop.catalog import stock_table as stock_rows
from shop.catalog.stock_sheet import ImportRejected, PlannedRow, Preview
from shop.catalog.stock_table import DEFAULT_LOW_STOCK, MAX_STOCK, StockError
from shop.web.console import bp, enterprise_id
from shop.web.console.forms_stock import StockApplyForm, StockImportForm, StockTableForm, stock_updates
from shop.web.downloads import file_response
from shop.web.params import page_number

KST = ZoneInfo("Asia/Seoul")
PLAN_SALT = "console.stock-import"
PLAN_MAX_AGE = 2 * 60 * 60  # seconds a preview may wait before it is applied
ERRORS_SHOWN = 1000
CHANGES_SHOWN = 500
EXPIRED = "미리보기가 만료되었거나 올바르지 않습니다. 파일을 다시 올려 주세요."


def _page_number() -> int:
    return page_number(request.values.get("page"), max_page=99_999)


def _threshold() -> tuple[int, str | None]:
    raw = request.values.get("threshold", "").strip()
    if not raw:
        return DEFAULT_LOW_STOCK, None
    if raw.isascii() and raw.isdigit() and int(raw) <= MAX_STOCK:
        return int(raw), None
    return DEFAULT_LOW_STOCK, f"기준 재고는 0~{MAX_STOCK:,} 사이의 숫자로 입력해 주세요. 기본값 {DEFAULT_LOW_STOCK}개로 보여 드립니다."


def _table_page(status: int = 200, submitted=None, field_errors=None):
    q = request.values.get("q", "").strip()[:100]
    sheet = stock_rows.stock_table(enterprise_id(), q=q, page=_page_number())
    return render_template("console/stock.html", sheet=sheet, q=q, form=StockTableForm(),
                           submitted=submitted or {}, field_errors=field_errors or {}), status


def _low_page(status: int = 200, submitted=None, field_errors=None):
    threshold, threshold_error = _threshold()
    sheet = stock_rows.low_stock(enterprise_id(), threshold=threshold, page=_page_number())
    return render_template("console/stock_low.html", sheet=sheet, threshold=threshold,
                           threshold_error=threshold_error, form=StockTableForm(),
                           submitted=submitted or {}, field_errors=field_errors or {}), status


@bp.get("/stock")
def stock_table():
    return _table_page()


@bp.get("/stock/low")
def stock_low():
    return _low_page()


def _back_url() -> str:
    page = _page_number()
    if request.form.get("back") == "low":
        threshold, _ = _threshold()
        return url_for("console.stock_low", threshold=threshold, page=page)
    q = request.form.get("q", "").strip()[:100]
    return url_for("console.stock_table", **({"q": q} if q else {}), page=page)


@bp.post("/stock")
def stock_save():
    """Set the stock of the options on the page, each only if it is still what the page showed."""
    back_page = _low_page if request.form.get("back") == "low" else _table_page
    form = StockTableForm()
    if not form.validate():
        abort(400)
    updates, errors = stock_updates(request.form)
    if errors:
        return back_page(400, submitted=request.form, field_errors=errors)
    try:
        result = stock_rows.set_stock(enterprise_id(), updates)
    except stock_rows.VariantNotFound:
        abort(404)
    except StockError as exc:
        flash(str(exc), "danger")
        return back_page(400, submitted=request.form)
    if result.applied:
        flash(f"{result.applied}개 옵션의 재고를 저장했습니다.", "success")
    for conflict in result.conflicts:
        flash(conflict.message, "warning")
    if not result.applied and not result.conflicts:
        flash("바뀐 재고가 없습니다.", "info")
    return redirect(_back_url(), code=303)
@bp.get("/stock.csv")
def stock_csv():
    stamp = datetime.now(KST).strftime("%Y%m%d-%H%M")
    return file_response(stock_sheet.export_csv(enterprise_id()), mimetype="text/csv; charset=utf-8",
                         filename=f"재고_{stamp}.csv", fallback=f"stock-{stamp}.csv")


# --- import --------------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=PLAN_SALT)


def _sign(planned: list[PlannedRow]) -> str:
    return _serializer().dumps({"e": enterprise_id(), "u": current_user.id, "rows": [p.as_list() for p in planned]})


def _unsign(token: str) -> list[PlannedRow] | None:
    """The planned rows of a preview this member made for this enterprise, or None."""
    try:
        data = _serializer().loads(token, max_age=PLAN_MAX_AGE)
        if data.get("e") != enterprise_id() or data.get("u") != current_user.id:
            return None
        return [PlannedRow.from_list(row) for row in data["rows"]]
    except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return None


def _preview_page(result: Preview, filename: str, status: int = 200, applying: bool = False):
    apply_form = StockApplyForm(formdata=None)
    if result.ok and result.changes:
        apply_form.plan.data = _sign(result.planned)
    return render_template("console/stock_preview.html", result=result, filename=filename,
                           apply_form=apply_form, upload_form=StockImportForm(formdata=None), applying=applying,
                           errors_shown=ERRORS_SHOWN, changes_shown=CHANGES_SHOWN, **_limits()), status


def _limits() -> dict[str, int]:
    return {"max_rows": stock_sheet.MAX_ROWS, "max_bytes": stock_sheet.MAX_BYTES}


@bp.route("/stock/import", methods=["GET", "POST"])
def stock_import():
    form = StockImportForm()
    if request.method == "GET":
        return render_template("console/stock_import.html", form=form, **_limits())
    if not form.validate():
        return render_template("console/stock_import.html", form=form, **_limits()), 400
    upload = form.file.data
    data = upload.stream.read(stock_sheet.MAX_BYTES + 1)
    result = stock_sheet.preview(enterprise_id(), data)
    return _preview_page(result, (upload.filename or "")[-100:])


@bp.post("/stock/import/apply")
def stock_import_apply():
    form = StockApplyForm()
    planned = _unsign(form.plan.data or "") if form.validate() else None
    if planned is None:
        flash(EXPIRED, "warning")
        return redirect(url_for("console.stock_import"), code=303)
    try:
        applied = stock_sheet.apply(enterprise_id(), planned)
    except ImportRejected as exc:
        return _preview_page(Preview(errors=exc.errors), "", 409, applying=True)
    flash(f"가져오기를 적용했습니다: 판매가 {applied.prices:,}개, 재고 {applied.stocks:,}개, "
          f"재고관리 {applied.tracks:,}개 옵션을 바꿨습니다.", "success")
    return redirect(url_for("console.stock_table"), code=303)
