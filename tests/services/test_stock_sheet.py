"""The stock sheet: the quick table's conditional writes, the low-stock list, and CSV export and import —
a file with one bad row applies nothing and names the row; a good file applies all; a concurrent order's
decrement is never overwritten; another enterprise's SKUs are never touched."""
from __future__ import annotations

import csv
import io
import time

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.catalog import stock_sheet, stock_table
from shop.catalog.models import Product, Variant
from shop.catalog.stock_sheet import COLUMNS, ImportRejected, PlannedRow
from shop.catalog.stock_table import StockSet
from shop.enterprises.models import Enterprise
from shop.extensions import db
from shop.orders import services as orders
from tests.services.order_helpers import SEOUL, TODAY, new_key, race

HEADER = [c.header for c in COLUMNS]  # SKU, 상품명, 옵션명, 판매가, 재고관리, 현재고, 새 재고


def csv_file(rows: list[list], *, header: list[str] = HEADER, encoding: str = "utf-8-sig",
             delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def exported(enterprise_id: int) -> list[list[str]]:
    """The export as a person would open it: header first, then one list of cells per option."""
    text = stock_sheet.export_csv(enterprise_id).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def stock_of(variant_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Variant, variant_id).stock


def fresh(variant: Variant) -> Variant:
    db.session.expire_all()
    return db.session.get(Variant, variant.id)


@pytest.fixture
def shop(make_enterprise, make_product, make_user):
    """Our enterprise with rice (two options) and tea; another enterprise with soap."""
    ours = make_enterprise(name="마포 두레 협동조합")
    theirs = make_enterprise(name="성수 비누 공방")
    rice = make_product(name="유기농 현미", enterprise=ours, variants=[("1kg", 12_000, 10), ("4kg", 42_000, 3)])
    tea = make_product(name="유자차", enterprise=ours, variants=[("기본", 9_000, 20)])
    soap = make_product(name="천연 비누", enterprise=theirs, variants=[("기본", 7_000, 30)])

    class Scene:
        pass

    scene = Scene()
    scene.ours, scene.theirs = ours.id, theirs.id
    scene.rice1, scene.rice4 = rice.variants
    scene.tea = tea.variants[0]
    scene.soap = soap.variants[0]
    scene.rice_id, scene.tea_id = rice.id, tea.id
    scene.buyer_id = make_user(Role.CONSUMER).id
    return scene


def row(variant: Variant, price=None, track="Y", stock=None, new="") -> list:
    return [variant.sku, "무시되는 이름", "무시되는 옵션", price if price is not None else variant.price_krw, track,
            stock if stock is not None else variant.stock, new]


def place_order(scene, variant_id: int, quantity: int) -> None:
    buyer = db.session.get(User, scene.buyer_id)
    orders.place_order(buyer, [(variant_id, quantity)], SEOUL, new_key(), today=TODAY)


# --- export ---------------------------------------------------------------------------------------------


def test_the_export_has_every_own_option_and_imports_back_unchanged(shop):
    table = exported(shop.ours)

    assert table[0] == HEADER
    assert [r[0] for r in table[1:]] == [shop.rice1.sku, shop.rice4.sku, shop.tea.sku]
    assert table[1] == [shop.rice1.sku, "유기농 현미", "1kg", "12000", "Y", "10", ""]
    assert shop.soap.sku not in stock_sheet.export_csv(shop.ours).decode("utf-8-sig")

    preview = stock_sheet.preview(shop.ours, stock_sheet.export_csv(shop.ours))
    assert preview.ok, preview.errors
    assert preview.changes == [] and preview.unchanged == 3 and preview.rows_read == 3


# --- the required behaviour: one bad row applies nothing; a good file applies all -------------------------


def test_a_file_with_one_bad_row_applies_nothing_and_names_the_row(shop):
    data = csv_file([
        row(shop.rice1, price="13,000", new="50"),
        row(shop.rice4, price="12,0OO"),  # line 3: a letter O in the price
        row(shop.tea, track="Y", new="5"),
    ])

    preview = stock_sheet.preview(shop.ours, data)

    assert not preview.ok
    assert [(e.line, e.column) for e in preview.errors] == [(3, "판매가")]
    assert "숫자" in preview.errors[0].message
    assert stock_of(shop.rice1.id) == 10 and fresh(shop.rice1).price_krw == 12_000
    assert stock_of(shop.tea.id) == 20


def test_a_good_file_applies_every_row(shop):
    data = csv_file([
        row(shop.rice1, price="13,000", new="50"),
        row(shop.rice4, price="45000원", track="N"),
        row(shop.tea, new="0"),
    ])

    preview = stock_sheet.preview(shop.ours, data)
    assert preview.ok, preview.errors
    assert [(c.planned.sku, c.price_changed, c.track_changed, c.stock_changed) for c in preview.changes] == [
        (shop.rice1.sku, True, False, True), (shop.rice4.sku, True, True, False), (shop.tea.sku, False, False, True)]

    applied = stock_sheet.apply(shop.ours, preview.planned)

    assert (applied.prices, applied.stocks, applied.tracks) == (2, 2, 1)
    rice1, rice4, tea = fresh(shop.rice1), fresh(shop.rice4), fresh(shop.tea)
    assert (rice1.price_krw, rice1.stock) == (13_000, 50)
    assert (rice4.price_krw, rice4.track_stock, rice4.stock) == (45_000, False, 3)
    assert tea.stock == 0
    assert db.session.get(Product, shop.rice_id).price_krw == 13_000  # listing price follows the options
    assert db.session.get(Product, shop.tea_id).in_stock is False  # and the sold-out flag


def test_every_error_of_every_row_is_listed_with_line_and_column(shop):
    data = csv_file([
        row(shop.rice1, price="50", track="예", new="-3"),  # line 2: three errors
        row(shop.rice4, price="150000000"),  # line 3
        [shop.tea.sku, "", "", "9000", "Y", "", "7"],  # line 4: 새 재고 without 현재고
        ["", "", "", "9000", "Y", "1", ""],  # line 5: no SKU
        row(shop.rice1),  # line 6: the same SKU again
        [shop.rice4.sku, "", "", "12,000", "Y", "3", "", "extra"],  # line 7: a value past the header
    ])

    errors = [(e.line, e.column) for e in stock_sheet.preview(shop.ours, data).errors]

    assert errors == [(2, "판매가"), (2, "재고관리"), (2, "새 재고"), (3, "판매가"), (4, "현재고"), (5, "SKU"),
                      (6, "SKU"), (7, None)]


def test_missing_headers_are_named(shop):
    data = csv_file([[shop.rice1.sku, "12000"]], header=["SKU", "판매가"])

    preview = stock_sheet.preview(shop.ours, data)

    assert [(e.line, e.column) for e in preview.errors] == [(1, "재고관리, 현재고, 새 재고")]
    assert "필수 열이 없습니다: 재고관리, 현재고, 새 재고" in preview.errors[0].message


def test_prices_in_the_ways_people_type_them(shop):
    data = csv_file([row(shop.rice1, price="₩13,000"), row(shop.rice4, price=" 41 000원 "),
                     row(shop.tea, price="9000")])

    preview = stock_sheet.preview(shop.ours, data)

    assert preview.ok, preview.errors
    assert [c.planned.price_krw for c in preview.changes] == [13_000, 41_000]
    assert preview.unchanged == 1


# --- encodings and formats ------------------------------------------------------------------------------


def test_a_cp949_file_saved_by_excel_reads(shop):
    data = csv_file([row(shop.rice1, new="30"), [shop.tea.sku, "유자차", "기본", "9,500", "Y", "20", ""]],
                    encoding="cp949")

    preview = stock_sheet.preview(shop.ours, data)

    assert preview.ok, preview.errors
    assert preview.encoding == "CP949(EUC-KR)"
    assert [(c.planned.new_stock, c.planned.price_krw) for c in preview.changes] == [(30, 12_000), (None, 9_500)]


def test_utf8_without_bom_and_tab_separated_utf16_read(shop):
    plain = stock_sheet.preview(shop.ours, csv_file([row(shop.rice1, new="11")], encoding="utf-8"))
    unicode_text = stock_sheet.preview(shop.ours, csv_file([row(shop.rice1, new="12")], encoding="utf-16",
                                                           delimiter="\t"))

    assert plain.ok and plain.encoding == "UTF-8" and plain.changes[0].planned.new_stock == 11
    assert unicode_text.ok and unicode_text.encoding == "UTF-16" and unicode_text.changes[0].planned.new_stock == 12


def test_a_file_in_an_unknown_encoding_is_refused_as_a_whole(shop):
    for data in (b"SKU,\xff\xfe\xfd\x80\x81\n", b"\xef\xbb\xbfSKU,\xff\n", b"\xff\xfeS\x00K"):
        preview = stock_sheet.preview(shop.ours, data)
        assert [(e.line, e.column) for e in preview.errors] == [(None, None)], data
        assert "인코딩" in preview.errors[0].message


def test_line_numbers_follow_the_file_across_blank_lines_and_quoted_newlines(shop):
    text = ("SKU,상품명,옵션명,판매가,재고관리,현재고,새 재고\r\n"
            f'{shop.rice1.sku},"여러 줄\r\n상품명",1kg,12000,Y,10,\r\n'
            "\r\n"
            f"{shop.rice4.sku},,,abc,Y,3,\r\n")

    preview = stock_sheet.preview(shop.ours, text.encode())

    assert [(e.line, e.column) for e in preview.errors] == [(5, "판매가")]


def test_formula_looking_cells_are_inert_on_export_and_refused_on_import(shop, make_product):
    risky = make_product(name="=HYPERLINK(\"http://evil.example\",\"클릭\")",
                         enterprise=db.session.get(Enterprise, shop.ours), variants=[("@옵션", 5_000, 4)])
    variant = risky.variants[0]
    variant.sku = "-SKU-DASH"
    db.session.commit()

    cells = next(r for r in exported(shop.ours) if r[0].endswith("-SKU-DASH"))
    assert cells[:3] == ["'-SKU-DASH", "'=HYPERLINK(\"http://evil.example\",\"클릭\")", "'@옵션"]
    assert stock_sheet.preview(shop.ours, stock_sheet.export_csv(shop.ours)).ok  # round-trips as exported

    data = csv_file([
        ["'-SKU-DASH", "'=cmd|' /C calc'!A0", "", "5000", "Y", "4", "6"],
        [shop.rice1.sku, "", "", "=1+1", "Y", "10", ""],
        ["=SKU()", "", "", "1000", "Y", "1", ""],
        [shop.tea.sku, "", "", "9000", "Y", "20", "+5"],
    ])
    preview = stock_sheet.preview(shop.ours, data)

    assert [(e.line, e.column) for e in preview.errors] == [(3, "판매가"), (4, "SKU"), (5, "새 재고")]
    assert stock_of(variant.id) == 4


# --- scope: another enterprise's SKU ---------------------------------------------------------------------


def test_another_enterprises_sku_is_an_error_and_never_applied(shop):
    data = csv_file([row(shop.rice1, new="11"), row(shop.soap, price="1000", new="0")])

    preview = stock_sheet.preview(shop.ours, data)

    assert [(e.line, e.column) for e in preview.errors] == [(3, "SKU")]
    assert "찾을 수 없는 SKU" in preview.errors[0].message
    # The same message as for a SKU that exists nowhere: nothing about the other enterprise leaks.
    unknown = stock_sheet.preview(shop.ours, csv_file([["NO-SUCH-SKU", "", "", "1000", "Y", "1", ""]]))
    assert unknown.errors[0].message.split(":")[0] == preview.errors[0].message.split(":")[0]
    soap = fresh(shop.soap)
    assert (soap.price_krw, soap.stock) == (7_000, 30)


def test_a_forged_plan_naming_another_enterprises_sku_is_refused_whole(shop):
    planned = [PlannedRow(2, shop.rice1.sku, 12_000, True, 10, 99), PlannedRow(3, shop.soap.sku, 100, True, 30, 0)]

    with pytest.raises(ImportRejected) as refused:
        stock_sheet.apply(shop.ours, planned)

    assert [(e.line, e.column) for e in refused.value.errors] == [(3, "SKU")]
    assert stock_of(shop.rice1.id) == 10
    soap = fresh(shop.soap)
    assert (soap.price_krw, soap.stock) == (7_000, 30)


# --- concurrency: an order between export and import, or between preview and apply ------------------------


def test_an_order_between_export_and_import_is_reported_not_overwritten(shop):
    data = csv_file([row(shop.rice1, new="40"), row(shop.tea, price="9,900")])  # exported at 10
    place_order(shop, shop.rice1.id, 2)  # now 8

    preview = stock_sheet.preview(shop.ours, data)

    assert [(e.line, e.column) for e in preview.errors] == [(2, "현재고")]
    assert "10개에서 8개로" in preview.errors[0].message
    assert stock_of(shop.rice1.id) == 8
    assert fresh(shop.tea).price_krw == 9_000  # the good row waits too: nothing applies


def test_an_order_between_preview_and_apply_makes_the_apply_refuse_whole(shop):
    preview = stock_sheet.preview(shop.ours, csv_file([row(shop.rice1, new="40"), row(shop.tea, price="9,900")]))
    assert preview.ok
    place_order(shop, shop.rice1.id, 3)

    with pytest.raises(ImportRejected) as refused:
        stock_sheet.apply(shop.ours, preview.planned)

    assert [(e.line, e.column) for e in refused.value.errors] == [(2, "현재고")]
    assert stock_of(shop.rice1.id) == 7
    assert fresh(shop.tea).price_krw == 9_000


def test_new_stock_already_in_place_or_unchanged_in_the_file_is_no_change(shop):
    place_order(shop, shop.rice1.id, 2)  # 10 -> 8

    preview = stock_sheet.preview(shop.ours, csv_file([row(shop.rice1, stock=10, new="8"),
                                                       row(shop.tea, stock=20, new="20")]))

    assert preview.ok and preview.changes == [] and preview.unchanged == 2


@pytest.mark.parametrize("import_delay", [0, 0.02, 0.1])
def test_orders_racing_an_import_never_lose_a_decrement(app, shop, import_delay):
    preview = stock_sheet.preview(shop.ours, csv_file([row(shop.rice1, new="50")]))
    assert preview.ok
    planned, ours, variant_id = preview.planned, shop.ours, shop.rice1.id

    def work(i: int):
        if i == 0:
            time.sleep(import_delay)  # from first to last among the orders
            try:
                stock_sheet.apply(ours, planned)
                return "applied"
            except ImportRejected:
                return "refused"
        place_order(shop, variant_id, 1)
        return "ordered"

    results = race(app, 6, work)

    assert all(isinstance(r, str) for r in results), results
    ordered = results.count("ordered")
    expected = 50 - ordered if results[0] == "applied" else 10 - ordered
    assert stock_of(variant_id) == expected, results


# --- limits ---------------------------------------------------------------------------------------------


def test_too_many_rows_and_too_large_files_are_refused(shop, monkeypatch):
    monkeypatch.setattr(stock_sheet, "MAX_ROWS", 3)
    too_many = stock_sheet.preview(shop.ours, csv_file([row(shop.rice1)] + [["X"] * 7] * 3))
    assert [(e.line, e.column) for e in too_many.errors][-1] == (5, None)
    assert "3행까지" in too_many.errors[-1].message

    monkeypatch.setattr(stock_sheet, "MAX_BYTES", 100)
    too_large = stock_sheet.preview(shop.ours, b"x" * 101)
    assert [(e.line, e.column) for e in too_large.errors] == [(None, None)]
    assert "너무 큽니다" in too_large.errors[0].message


def test_an_old_price_outside_todays_range_does_not_block_a_stock_change(shop, make_product):
    cheap = make_product(enterprise=db.session.get(Enterprise, shop.ours), variants=[("견본", 50, 1)]).variants[0]

    preview = stock_sheet.preview(shop.ours, csv_file([row(cheap, new="9")]))
    assert preview.ok, preview.errors
    stock_sheet.apply(shop.ours, preview.planned)
    assert stock_of(cheap.id) == 9 and fresh(cheap).price_krw == 50

    lowered = stock_sheet.preview(shop.ours, csv_file([row(cheap, price="60", stock=9)]))
    assert [(e.line, e.column) for e in lowered.errors] == [(2, "판매가")]


def test_an_empty_file_says_so(shop):
    assert "빈 파일" in stock_sheet.preview(shop.ours, b"").errors[0].message
    assert "빈 파일" in stock_sheet.preview(shop.ours, b"\xef\xbb\xbf\r\n\r\n").errors[0].message


def test_a_few_thousand_rows_preview_and_apply(shop, make_product):
    make_product(name="대량 상품", enterprise=db.session.get(Enterprise, shop.ours),
                 variants=[(f"옵션{i}", 1_000, 5) for i in range(2_500)])
    rows = exported(shop.ours)[1:]
    for cells in rows:
        cells[6] = "6"

    preview = stock_sheet.preview(shop.ours, csv_file(rows))
    assert preview.ok, preview.errors[:3]
    assert len(preview.changes) == 2_503

    applied = stock_sheet.apply(shop.ours, preview.planned)
    assert applied.stocks == 2_503
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Variant).where(Variant.stock == 6)) == 2_503


# --- the quick table ------------------------------------------------------------------------------------


def test_set_stock_applies_what_is_unchanged_and_reports_what_moved(shop):
    place_order(shop, shop.rice1.id, 2)  # the page showed 10; it is 8 now

    result = stock_table.set_stock(shop.ours, [StockSet(shop.rice1.id, 10, 30), StockSet(shop.rice4.id, 3, 0),
                                               StockSet(shop.tea.id, 20, 20)])

    assert result.applied == 1
    assert [(c.row.variant_id, c.expected, c.row.stock, c.wanted) for c in result.conflicts] == [
        (shop.rice1.id, 10, 8, 30)]
    assert "10개에서 8개로" in result.conflicts[0].message
    assert stock_of(shop.rice1.id) == 8 and stock_of(shop.rice4.id) == 0
    db.session.expire_all()
    assert db.session.get(Product, shop.rice_id).in_stock is True  # 1kg still has 8


def test_set_stock_to_zero_marks_the_listing_sold_out(shop):
    stock_table.set_stock(shop.ours, [StockSet(shop.tea.id, 20, 0)])

    db.session.expire_all()
    assert db.session.get(Product, shop.tea_id).in_stock is False


def test_set_stock_on_another_enterprises_option_is_not_found_and_changes_nothing(shop):
    with pytest.raises(stock_table.VariantNotFound):
        stock_table.set_stock(shop.ours, [StockSet(shop.rice1.id, 10, 11), StockSet(shop.soap.id, 30, 0)])

    assert stock_of(shop.rice1.id) == 10 and stock_of(shop.soap.id) == 30


def test_set_stock_refuses_numbers_out_of_range(shop):
    with pytest.raises(stock_table.StockError):
        stock_table.set_stock(shop.ours, [StockSet(shop.rice1.id, 10, 10_000_000)])


def test_the_table_searches_and_pages_own_options_only(shop):
    everything = stock_table.stock_table(shop.ours)
    assert [r.sku for r in everything.rows] == [shop.rice1.sku, shop.rice4.sku, shop.tea.sku]
    assert everything.total == 3 and everything.pages == 1

    assert [r.sku for r in stock_table.stock_table(shop.ours, q="유자").rows] == [shop.tea.sku]
    assert [r.sku for r in stock_table.stock_table(shop.ours, q="4kg").rows] == [shop.rice4.sku]
    assert [r.sku for r in stock_table.stock_table(shop.ours, q=shop.tea.sku.lower()).rows] == [shop.tea.sku]
    assert stock_table.stock_table(shop.ours, q="비누").rows == []
    assert stock_table.stock_table(shop.ours, q="%").rows == []

    second = stock_table.stock_table(shop.ours, page=2, per_page=2)
    assert [r.sku for r in second.rows] == [shop.tea.sku] and second.pages == 2


def test_low_stock_lists_tracked_options_at_or_under_the_threshold(shop):
    db.session.get(Variant, shop.rice4.id).track_stock = False  # 3 left, but not tracked
    db.session.commit()

    assert [(r.sku, r.stock) for r in stock_table.low_stock(shop.ours).rows] == [(shop.rice1.sku, 10)]
    assert [r.sku for r in stock_table.low_stock(shop.ours, threshold=20).rows] == [shop.rice1.sku, shop.tea.sku]
    assert stock_table.low_stock(shop.ours, threshold=5).rows == []
    assert shop.soap.sku not in [r.sku for r in stock_table.low_stock(shop.ours, threshold=100).rows]
