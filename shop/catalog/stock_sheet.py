"""An enterprise's options as a CSV sheet of stock and prices: export, and import as a preview with every
row's errors, then all of it in one transaction or nothing. (The quick table is in stock_table.)

No stock write here loses a concurrent order's decrement: each one is
`UPDATE variant SET stock = :new WHERE id = :id AND stock = :expected`, where `expected` is the file's
현재고 column. A row whose stock moved meanwhile is
reported and left as it is. Prices and 재고관리 apply as given: placed orders keep their frozen price.
Every function takes the enterprise id; another enterprise's options do not exist here.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from shop.catalog.models import Product, Variant
from shop.catalog.stock_table import MAX_STOCK, StockError, refresh_listings
from shop.core.cache import catalog_products, stock_of
from shop.core.documents import Column
from shop.core.documents.spreadsheet import INT, to_csv
from shop.core.money import parse_krw
from shop.core.transactions import write_transaction
from shop.extensions import db

MIN_PRICE_KRW, MAX_PRICE_KRW = 100, 100_000_000
MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024
CHUNK = 1000  # rows validated per SKU lookup

SKU, PRODUCT_NAME, OPTION_NAME, PRICE, TRACK, STOCK, NEW_STOCK = (
    "SKU", "상품명", "옵션명", "판매가", "재고관리", "현재고", "새 재고")
COLUMNS = [Column(SKU), Column(PRODUCT_NAME), Column(OPTION_NAME), Column(PRICE, INT), Column(TRACK),
           Column(STOCK, INT), Column(NEW_STOCK, INT)]
REQUIRED = (SKU, PRICE, TRACK, STOCK, NEW_STOCK)
READ_ONLY = (PRODUCT_NAME, OPTION_NAME)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SPACES = re.compile(r"\s+")


# --- CSV export --------------------------------------------------------------------------------------


def export_rows(enterprise_id: int) -> Iterator[list]:
    """One row per option, in the import's column order; 새 재고 is left for the person to fill."""
    query = (
        sa.select(Variant.sku, Product.name, Variant.name, Variant.price_krw, Variant.track_stock, Variant.stock)
        .join(Product, Product.id == Variant.product_id)
        .where(Product.enterprise_id == enterprise_id)
        .order_by(Product.id, Variant.position, Variant.id)
    )
    for sku, product_name, option_name, price, track, stock in db.session.execute(query):
        yield [sku, product_name, option_name, price, "Y" if track else "N", stock, None]


def export_csv(enterprise_id: int) -> bytes:
    return to_csv(COLUMNS, export_rows(enterprise_id))


# --- CSV import: preview ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int | None  # the file's line (the header is line 1); None for the file as a whole
    column: str | None
    message: str


@dataclass(frozen=True)
class PlannedRow:
    """What the apply step needs of one changed row; carried from the preview to the apply step."""

    line: int
    sku: str
    price_krw: int
    track_stock: bool
    expected_stock: int | None  # with new_stock: the stock written against (the file's 현재고)
    new_stock: int | None  # None: the stock stays as it is

    def as_list(self) -> list:
        return [self.line, self.sku, self.price_krw, self.track_stock, self.expected_stock, self.new_stock]

    @classmethod
    def from_list(cls, values: Sequence) -> PlannedRow:
        line, sku, price, track, expected, new = values
        return cls(int(line), str(sku), int(price), bool(track), None if expected is None else int(expected),
                   None if new is None else int(new))


@dataclass(frozen=True)
class Change:
    """One option the import changes, before and after, for the preview."""

    planned: PlannedRow
    product_name: str
    option_name: str
    price_before: int
    track_before: bool
    stock_now: int

    @property
    def price_changed(self) -> bool:
        return self.planned.price_krw != self.price_before

    @property
    def track_changed(self) -> bool:
        return self.planned.track_stock != self.track_before

    @property
    def stock_changed(self) -> bool:
        return self.planned.new_stock is not None


@dataclass
class Preview:
    encoding: str | None = None
    rows_read: int = 0
    unchanged: int = 0
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def planned(self) -> list[PlannedRow]:
        return [change.planned for change in self.changes]

    @property
    def error_lines(self) -> int:
        return len({e.line for e in self.errors if e.line is not None})

    def count(self, what: str) -> int:
        return sum(1 for change in self.changes if getattr(change, f"{what}_changed"))


@dataclass(frozen=True)
class _Known:
    variant_id: int
    product_id: int
    product_name: str
    option_name: str
    price_krw: int
    track_stock: bool
    stock: int


def _known_by_sku(enterprise_id: int, skus: Iterable[str]) -> dict[str, _Known]:
    """The enterprise's own options among `skus`; another enterprise's SKU is simply not there."""
    wanted = sorted({s for s in skus if s})
    found: dict[str, _Known] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = db.session.execute(
            sa.select(Variant.sku, Variant.id, Product.id, Product.name, Variant.name, Variant.price_krw,
                      Variant.track_stock, Variant.stock)
            .join(Product, Product.id == Variant.product_id)
            .where(Product.enterprise_id == enterprise_id, Variant.sku.in_(wanted[start:start + CHUNK]))
        )
        found.update({sku: _Known(*rest) for sku, *rest in rows})
    return found


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a CSV saved as UTF-8 (with or without BOM), UTF-16 with BOM, or CP949/EUC-KR
    (what Excel in Korea writes for 'CSV'). Raises StockError for anything else."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8-sig", "UTF-8")]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = [("utf-16", "UTF-16")]
    else:
        candidates = [("utf-8", "UTF-8"), ("cp949", "CP949(EUC-KR)")]
    for codec, name in candidates:
        try:
            return data.decode(codec), name
        except UnicodeDecodeError:
            continue
    raise StockError("파일의 문자 인코딩을 읽을 수 없습니다. UTF-8 또는 CP949(EUC-KR) CSV로 저장해 주세요.")


def _header_key(text: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).lstrip("\ufeff").lower()


_HEADER_KEYS = {_header_key(column.header): column.header for column in COLUMNS}


def _clean(text: str) -> str:
    """A cell as typed: NFKC-normalised, trimmed, without the apostrophe our export puts before text that a
    spreadsheet would run as a formula."""
    text = unicodedata.normalize("NFKC", text).strip()
    if text.startswith("'") and text[1:].startswith(_FORMULA_STARTS):
        text = text[1:]
    return text


def _parse_count(text: str) -> int:
    cleaned = _SPACES.sub("", text).replace(",", "").removesuffix("개")
    if cleaned.startswith("-") and cleaned[1:].isdigit():
        raise ValueError("재고는 0 이상이어야 합니다.")
    if not cleaned.isascii() or not cleaned.isdigit():
        raise ValueError("재고는 숫자로 입력해 주세요. 예: 120")
    value = int(cleaned)
    if value > MAX_STOCK:
        raise ValueError(f"재고는 {MAX_STOCK:,}개 이하로 입력해 주세요.")
    return value


def _parse_price(text: str, current: int | None) -> int:
    if not text:
        raise ValueError("판매가를 입력해 주세요.")
    price = parse_krw(text)
    # An untouched price is not re-judged: an exported file must import cleanly as it is.
    if price != current and not MIN_PRICE_KRW <= price <= MAX_PRICE_KRW:
        raise ValueError(f"판매가는 {MIN_PRICE_KRW:,}원 이상 {MAX_PRICE_KRW:,}원 이하로 입력해 주세요.")
    return price


def _parse_track(text: str) -> bool:
    flag = text.upper()
    if flag not in ("Y", "N"):
        raise ValueError("재고관리는 Y(재고 관리) 또는 N(관리 안 함)으로 입력해 주세요.")
    return flag == "Y"


def _moved_message(expected: int, now: int) -> str:
    return (f"파일을 내려받은 뒤 재고가 {expected:,}개에서 {now:,}개로 바뀌었습니다(주문 등). 바뀐 재고를 덮어쓰지 "
            f"않도록 적용하지 않습니다. 현재고를 {now:,}(으)로 고치고 새 재고를 다시 확인하거나, 파일을 새로 내려받아 주세요.")


def _check_row(line: int, cells: dict[str, str], known: _Known | None, errors: list[RowError]):
    """The row's Change if it changes something, else None; its errors are appended to `errors`."""
    before = len(errors)

    def parsed(column: str, parse, *args):
        try:
            return parse(cells.get(column, ""), *args)
        except ValueError as exc:
            errors.append(RowError(line, column, str(exc)))
            return None

    sku = cells.get(SKU, "")
    if not sku:
        errors.append(RowError(line, SKU, "SKU를 입력해 주세요."))
    elif known is None:
        errors.append(RowError(line, SKU, f"우리 기업 상품에서 찾을 수 없는 SKU입니다: {sku[:64]}"))
    price = parsed(PRICE, _parse_price, known.price_krw if known else None)
    track = parsed(TRACK, _parse_track)
    expected = parsed(STOCK, _parse_count) if cells.get(STOCK) else None
    new = parsed(NEW_STOCK, _parse_count) if cells.get(NEW_STOCK) else None
    if new is not None and not cells.get(STOCK):
        errors.append(RowError(line, STOCK, "새 재고를 적용하려면 현재고(내려받을 때의 재고)가 있어야 합니다. "
                                            "내려받은 파일의 현재고 열을 지우지 마세요."))
    if len(errors) > before or known is None:
        return None
    if new is not None and (new == expected or new == known.stock):
        new = None  # nothing to write: unchanged in the file, or already so
    elif new is not None and known.stock != expected:
        errors.append(RowError(line, STOCK, _moved_message(expected, known.stock)))
        return None
    planned = PlannedRow(line, sku, price, track, expected if new is not None else None, new)
    change = Change(planned, known.product_name, known.option_name, known.price_krw, known.track_stock,
                    known.stock)
    if not (change.price_changed or change.track_changed or change.stock_changed):
        return None
    return change


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, its cells) for every record of the CSV, tab- or comma-separated."""
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise StockError(f"{start}행을 CSV로 읽을 수 없습니다({exc}). 따옴표가 짝이 맞는지 확인해 주세요.") from None


def _header(line: int, cells: list[str], preview: Preview) -> dict[str, int] | None:
    """Column index of each known header; None (with the error) when a required one is missing."""
    positions: dict[str, int] = {}
    for index, text in enumerate(cells):
        header = _HEADER_KEYS.get(_header_key(text))
        if header is None:
            continue
        if header in positions:
            preview.errors.append(RowError(line, header, f"'{header}' 열이 두 번 있습니다. 하나만 남겨 주세요."))
        positions.setdefault(header, index)
    missing = [header for header in REQUIRED if header not in positions]
    if missing:
        preview.errors.append(RowError(line, ", ".join(missing),
                                       f"필수 열이 없습니다: {', '.join(missing)}. 첫 줄(머리글)은 내려받은 "
                                       f"파일 그대로 두어 주세요. 필요한 열: {', '.join(c.header for c in COLUMNS)}"))
    return None if missing or preview.errors else positions


def preview(enterprise_id: int, data: bytes) -> Preview:
    """Read and check a whole stock file without changing anything: every row's errors, every change."""
    result = Preview()
    if len(data) > MAX_BYTES:
        result.errors.append(RowError(None, None, f"파일이 너무 큽니다. {MAX_BYTES // (1024 * 1024)}MB 이하로 나눠 올려 주세요."))
        return result
    try:
        text, result.encoding = decode(data)
        records = _records(text)
        header = next(((line, cells) for line, cells in records if any(c.strip() for c in cells)), None)
        if header is None:
            result.errors.append(RowError(None, None, "빈 파일입니다. 내려받은 재고 파일에 값을 채워 올려 주세요."))
            return result
        positions = _header(*header, result)
        if positions is None:
            return result
        seen: dict[str, int] = {}
        chunk: list[tuple[int, dict[str, str]]] = []
        for line, cells in records:
            if not any(c.strip() for c in cells):
                continue
            if result.rows_read == MAX_ROWS:
                result.errors.append(RowError(line, None, f"행이 너무 많습니다. 한 번에 {MAX_ROWS:,}행까지 올릴 수 "
                                                          "있습니다. 파일을 나눠 올려 주세요."))
                break
            result.rows_read += 1
            row = {header_: _clean(cells[i]) if i < len(cells) else "" for header_, i in positions.items()}
            if len(cells) > len(header[1]) and any(c.strip() for c in cells[len(header[1]):]):
                result.errors.append(RowError(line, None, "값이 머리글보다 많습니다. 쉼표가 든 값(예: 12,000)은 "
                                                          "큰따옴표로 감싸 주세요."))
                continue
            sku = row.get(SKU, "")
            if sku in seen:
                result.errors.append(RowError(line, SKU, f"SKU {sku}가 {seen[sku]}행과 중복됩니다. 한 행만 남겨 주세요."))
                continue
            if sku:
                seen[sku] = line
            chunk.append((line, row))
            if len(chunk) == CHUNK:
                _check_chunk(enterprise_id, chunk, result)
                chunk = []
        _check_chunk(enterprise_id, chunk, result)
    except StockError as exc:
        result.errors.append(RowError(None, None, str(exc)))
    result.errors.sort(key=lambda e: (e.line or 0))
    return result


def _check_chunk(enterprise_id: int, chunk: list[tuple[int, dict[str, str]]], result: Preview) -> None:
    known = _known_by_sku(enterprise_id, (row.get(SKU, "") for _, row in chunk))
    for line, row in chunk:
        errors_before = len(result.errors)
        change = _check_row(line, row, known.get(row.get(SKU, "")), result.errors)
        if change is not None:
            result.changes.append(change)
        elif len(result.errors) == errors_before:
            result.unchanged += 1


# --- CSV import: apply -------------------------------------------------------------------------------


class ImportRejected(Exception):
    """Nothing was applied; `errors` says which rows and why."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


@dataclass(frozen=True)
class Applied:
    prices: int
    stocks: int
    tracks: int

    @property
    def options(self) -> int:
        return self.prices + self.stocks + self.tracks


def _recheck(planned: Sequence[PlannedRow]) -> list[RowError]:
    """The planned rows checked again as values: they travelled through the browser (prices are checked
    against the options, in `apply`)."""
    errors, seen = [], set()
    for row in planned:
        if row.sku in seen:
            errors.append(RowError(row.line, SKU, "중복된 SKU입니다."))
        seen.add(row.sku)
        for column, value in ((STOCK, row.expected_stock), (NEW_STOCK, row.new_stock)):
            if value is not None and not 0 <= value <= MAX_STOCK:
                errors.append(RowError(row.line, column, f"재고는 0~{MAX_STOCK:,} 사이여야 합니다."))
        if (row.new_stock is None) != (row.expected_stock is None):
            errors.append(RowError(row.line, STOCK, "현재고와 새 재고가 함께 있어야 합니다."))
    return errors


def apply(enterprise_id: int, planned: Sequence[PlannedRow]) -> Applied:
    """Write a previewed import in one transaction, or nothing: raises ImportRejected if any SKU is not
    the enterprise's or any row's stock is no longer its 현재고 (a concurrent order took some)."""
    errors = _recheck(planned)
    if errors:
        raise ImportRejected(errors)
    variants = Variant.__table__
    with write_transaction():
        known = _known_by_sku(enterprise_id, (row.sku for row in planned))
        errors = [RowError(row.line, SKU, f"우리 기업 상품에서 찾을 수 없는 SKU입니다: {row.sku}")
                  for row in planned if row.sku not in known]
        errors += [RowError(row.line, PRICE, f"판매가는 {MIN_PRICE_KRW:,}원 이상 {MAX_PRICE_KRW:,}원 이하여야 합니다.")
                   for row in planned if row.sku in known and row.price_krw != known[row.sku].price_krw
                   and not MIN_PRICE_KRW <= row.price_krw <= MAX_PRICE_KRW]
        if errors:
            raise ImportRejected(errors)
        stock_rows = sorted((row for row in planned if row.new_stock is not None),
                            key=lambda row: known[row.sku].variant_id)
        if stock_rows:
            db.session.execute(
                variants.update()
                .where(variants.c.id == sa.bindparam("b_id"), variants.c.stock == sa.bindparam("b_expected"))
                .values(stock=sa.bindparam("b_new"))
                .execution_options(**stock_of(known[r.sku].product_id for r in stock_rows)),
                [{"b_id": known[r.sku].variant_id, "b_expected": r.expected_stock, "b_new": r.new_stock}
                 for r in stock_rows],
            )
            now = _stock_of([known[r.sku].variant_id for r in stock_rows])
            errors = [RowError(r.line, STOCK, _moved_message(r.expected_stock, now[known[r.sku].variant_id]))
                      for r in stock_rows if now[known[r.sku].variant_id] != r.new_stock]
            if errors:
                raise ImportRejected(errors)
        edits = [row for row in planned
                 if row.price_krw != known[row.sku].price_krw or row.track_stock != known[row.sku].track_stock]
        if edits:
            db.session.execute(
                variants.update().where(variants.c.id == sa.bindparam("b_id"))
                .values(price_krw=sa.bindparam("b_price"), track_stock=sa.bindparam("b_track"))
                .execution_options(**catalog_products(known[r.sku].product_id for r in edits)),
                [{"b_id": known[r.sku].variant_id, "b_price": r.price_krw, "b_track": r.track_stock} for r in edits],
            )
        refresh_listings(known[row.sku].product_id for row in planned)
    return Applied(
        prices=sum(1 for r in planned if r.price_krw != known[r.sku].price_krw),
        stocks=len(stock_rows),
        tracks=sum(1 for r in planned if r.track_stock != known[r.sku].track_stock),
    )


def _stock_of(variant_ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for start in range(0, len(variant_ids), CHUNK):
        found.update(db.session.execute(
            sa.select(Variant.id, Variant.stock).where(Variant.id.in_(variant_ids[start:start + CHUNK]))
        ).all())
    return found
