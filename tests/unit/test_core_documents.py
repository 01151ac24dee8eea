import csv
import io
import re
from dataclasses import replace
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from shop.core.documents import (
    BusinessDocument,
    Column,
    DocumentLine,
    Party,
    krw_in_words,
    render_pdf,
    to_csv,
    to_xlsx,
)
from shop.core.money import split_vat

SUPPLIER = Party(
    name="마포돌봄협동조합",
    business_number="1234567891",
    representative="김하나",
    address="서울특별시 마포구 월드컵북로 400, 3층",
    phone="02-123-4567",
    contact="영업팀 · 이두리",
)
RECIPIENT = Party(
    name="서울특별시 성동구청",
    business_number="2018301234",
    representative="정구청장",
    address="서울특별시 성동구 고산자로 270",
    phone="02-2286-5114",
    contact="일자리정책과 · 박주무관",
)
PRODUCTS = [
    "유기농 현미 누룽지", "공정무역 드립백 커피", "친환경 재생지 노트", "수제 비누 선물세트", "발달장애인 작가 에코백",
]


def make_line(name: str, quantity: int, unit_price_krw: int, *, taxable: bool = True) -> DocumentLine:
    supply, vat = split_vat(quantity * unit_price_krw, taxable=taxable)
    return DocumentLine(name=name, option="기본 / 1세트", quantity=quantity, unit_price_krw=unit_price_krw,
                        supply_krw=supply, vat_krw=vat, note="" if taxable else "면세")


def make_document(lines: list[DocumentLine], **changes) -> BusinessDocument:
    supply = sum(line.supply_krw for line in lines)
    vat = sum(line.vat_krw for line in lines)
    document = BusinessDocument(
        title="견적서",
        number="Q-20261126-7K3QX2",
        issued_on=date(2026, 11, 26),
        supplier=SUPPLIER,
        recipient=RECIPIENT,
        lines=lines,
        supply_total_krw=supply,
        vat_total_krw=vat,
        total_krw=supply + vat,
        facts=[("유효기한", "2026-12-31"), ("납기 요청일", "2026-12-15"), ("결제 조건", "납품 후 후불(세금계산서)")],
        notes="납품 장소: 성동구청 본관 1층 민원실\n부가세 포함 금액이며, 면세 품목은 세액이 없습니다.",
    )
    return replace(document, **changes)


def five_line_document() -> BusinessDocument:
    return make_document([
        make_line(PRODUCTS[0], 120, 4_500, taxable=False),
        make_line(PRODUCTS[1], 300, 1_200),
        make_line(PRODUCTS[2], 250, 3_300),
        make_line(PRODUCTS[3], 40, 27_500),
        make_line(PRODUCTS[4], 35, 18_700),
    ])


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def squeeze(text: str) -> str:
    # Wrapped cells put line breaks inside names; compare without any whitespace.
    return re.sub(r"\s+", "", text)


# --- krw_in_words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, words",
    [
        (0, "일금 영원정"),
        (1, "일금 일원정"),
        (10, "일금 일십원정"),
        (11, "일금 일십일원정"),
        (105, "일금 일백오원정"),
        (10_000, "일금 일만원정"),
        (10_001, "일금 일만일원정"),
        (100_000_000, "일금 일억원정"),
        (100_010_000, "일금 일억일만원정"),
        (1_234_567, "일금 일백이십삼만사천오백육십칠원정"),
        (120_000_000_000, "일금 일천이백억원정"),
        (3_000_000_000_000, "일금 삼조원정"),
        (9_999, "일금 구천구백구십구원정"),
    ],
)
def test_krw_in_words(amount, words):
    assert krw_in_words(amount) == words


@pytest.mark.parametrize("amount, error", [(-1, ValueError), (10**20, ValueError), (1.0, TypeError), (True, TypeError)])
def test_krw_in_words_refuses_what_it_cannot_write(amount, error):
    with pytest.raises(error):
        krw_in_words(amount)


# --- PDF ------------------------------------------------------------------------------------


def test_quote_pdf_shows_parties_amounts_and_total_in_words():
    document = five_line_document()
    reader, text = pdf_text(render_pdf(document))
    flat = squeeze(text)

    assert reader.metadata.title == "견적서 Q-20261126-7K3QX2"
    for name in PRODUCTS + [SUPPLIER.name, RECIPIENT.name, SUPPLIER.contact]:
        assert squeeze(name) in flat
    assert "123-45-67891" in text and "201-83-01234" in text
    assert "유효기한" in text and "2026-12-31" in text and "민원실" in text
    assert "면세" in text
    for line in document.lines:
        assert f"{line.supply_krw:,}" in text and f"{line.unit_price_krw:,}" in text
    assert f"{document.supply_total_krw:,}" in text and f"{document.vat_total_krw:,}" in text
    assert squeeze(krw_in_words(document.total_krw)) in flat
    assert f"₩{document.total_krw:,}" in text


def test_sixty_lines_flow_onto_more_pages_with_the_header_repeated():
    lines = [make_line(f"{PRODUCTS[i % 5]} {i + 1}호", i + 1, 1_100 * (i + 1)) for i in range(60)]
    reader, text = pdf_text(render_pdf(make_document(lines)))

    assert len(reader.pages) >= 2
    flat = squeeze(text)
    for line in lines:
        assert squeeze(line.name) in flat
    table_pages = [page.extract_text() for page in reader.pages if "1세트" in page.extract_text()]
    assert len(table_pages) >= 2
    for page_text in table_pages:
        assert "품목" in page_text and "공급가액" in page_text  # the header row repeats on every page
    assert f"1 / {len(reader.pages)}" in text


def test_long_names_wrap_inside_their_cell():
    long_name = "서울 사회적경제 공공구매 기획전 한정 " * 6 + "특별 패키지"
    _, text = pdf_text(render_pdf(make_document([make_line(long_name, 3, 10_000)])))
    assert squeeze(long_name) in squeeze(text)


def test_characters_the_font_lacks_are_left_out_quietly(caplog):
    _, text = pdf_text(render_pdf(make_document([make_line("☕ 원두 커피 🎁 선물", 1, 1_000)])))
    assert "원두 커피 선물" in text
    assert "missing" not in caplog.text


def test_korean_font_is_embedded_and_subset():
    data = render_pdf(five_line_document())
    reader = PdfReader(io.BytesIO(data))
    embedded = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        for descendant in font.get("/DescendantFonts", []):
            descriptor = descendant.get_object()["/FontDescriptor"].get_object()
            if "/FontFile2" in descriptor:
                embedded.append(str(descriptor["/FontName"]))
    assert any("NanumSquare" in name for name in embedded)
    assert all(re.match(r"/?[A-Z]{6}\+", name) for name in embedded)  # subset tag: only used glyphs
    assert len(data) < 200_000


@pytest.mark.parametrize(
    "changes",
    [
        {"total_krw": 1},
        {"supply_total_krw": 0},
        {"vat_total_krw": 999_999},
    ],
)
def test_totals_that_do_not_add_up_are_never_printed(changes):
    document = five_line_document()
    with pytest.raises(ValueError):
        render_pdf(replace(document, **changes))


def test_amounts_must_be_integers_of_won():
    line = replace(make_line("커피", 1, 1_000), supply_krw=909.0)
    with pytest.raises(TypeError):
        render_pdf(make_document([make_line("차", 1, 1_000)], lines=[line]))


def test_a_document_without_lines_or_with_a_bad_business_number_is_refused():
    with pytest.raises(ValueError):
        render_pdf(make_document([]))
    with pytest.raises(ValueError):
        render_pdf(make_document([make_line("커피", 1, 1_000)], supplier=replace(SUPPLIER, business_number="12345")))


def test_transaction_statement_renders_with_minimal_parties():
    document = make_document(
        [make_line("커피", 2, 11_000)],
        title="거래명세서",
        recipient=Party(name="개인 구매자", business_number=""),
        facts=(),
        notes="",
    )
    _, text = pdf_text(render_pdf(document))
    assert "거래명세서" in squeeze(text) and "개인 구매자" in text


# --- CSV and XLSX ---------------------------------------------------------------------------

COLUMNS = [Column("주문일", "date"), Column("기관"), Column("품목"), Column("수량", "int"), Column("금액", "int")]
ROWS = [
    (date(2026, 3, 2), "성동구청", "공정무역 드립백 커피", 300, 360_000),
    (datetime(2026, 3, 5, 14, 30), "마포구청", "=HYPERLINK(\"http://x\",\"클릭\")", 12, 1_234_567),
    (date(2026, 3, 9), "+82 서울시", "-수제 비누", 1, 0),
    (date(2026, 3, 10), "@기관", "\t탭으로 시작", 2, None),
]


def test_csv_has_bom_crlf_and_typed_values():
    data = to_csv(COLUMNS, ROWS)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n")

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["주문일", "기관", "품목", "수량", "금액"]
    assert rows[1] == ["2026-03-02", "성동구청", "공정무역 드립백 커피", "300", "360000"]
    assert rows[2][0] == "2026-03-05"
    assert rows[4][4] == ""


def test_csv_makes_formula_looking_text_inert():
    rows = list(csv.reader(io.StringIO(to_csv(COLUMNS, ROWS).decode("utf-8-sig"), newline="")))
    assert rows[2][2] == "'=HYPERLINK(\"http://x\",\"클릭\")"
    assert rows[3][1] == "'+82 서울시" and rows[3][2] == "'-수제 비누"
    assert rows[4][1] == "'@기관" and rows[4][2] == "'\t탭으로 시작"
    carriage_return = to_csv([Column("x")], [["\r줄"]]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(carriage_return, newline="")))[1] == ["'\r줄"]


def test_xlsx_round_trip_keeps_numbers_dates_and_korean():
    data = to_xlsx(COLUMNS, ROWS, sheet_title="2026 우선구매 실적", totals=["합계", None, None, 315, 1_594_567])
    sheet = load_workbook(io.BytesIO(data)).active

    assert sheet.title == "2026 우선구매 실적"
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["주문일", "기관", "품목", "수량", "금액"]
    assert all(c.font.bold for c in sheet[1])

    assert sheet["A2"].value.date() == date(2026, 3, 2) and sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["B2"].value == "성동구청" and sheet["C2"].value == "공정무역 드립백 커피"
    assert sheet["E3"].value == 1_234_567 and isinstance(sheet["E3"].value, int)
    assert sheet["E3"].number_format == "#,##0"
    assert sheet["E5"].value is None

    totals = sheet[6]
    assert [c.value for c in totals] == ["합계", None, None, 315, 1_594_567]
    assert all(c.font.bold for c in totals)
    assert sheet.max_row == 6
    assert sheet.column_dimensions["C"].width >= len("공정무역 드립백 커피") * 2 - 2  # Hangul is double width


def test_xlsx_makes_formula_looking_text_inert():
    sheet = load_workbook(io.BytesIO(to_xlsx(COLUMNS, ROWS, sheet_title="실적"))).active
    formula = sheet["C3"]
    assert formula.value == "'=HYPERLINK(\"http://x\",\"클릭\")" and formula.data_type == "s"
    assert sheet["B4"].value == "'+82 서울시" and sheet["C4"].value == "'-수제 비누"
    assert sheet["B5"].value == "'@기관" and sheet["C5"].value == "'\t탭으로 시작"
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_spreadsheets_refuse_values_of_the_wrong_kind():
    with pytest.raises(TypeError):
        to_csv([Column("금액", "int")], [[1_000.0]])
    with pytest.raises(TypeError):
        to_xlsx([Column("주문일", "date")], [["2026-03-02"]], sheet_title="x")
    with pytest.raises(ValueError):
        to_csv([Column("금액", "int")], [[1, 2]])
    with pytest.raises(ValueError):
        Column("금액", "money")


def test_sheet_title_is_made_acceptable_to_excel():
    data = to_xlsx([Column("x")], [], sheet_title="2026/03 실적: 성동구청 [공공기관] 우선구매 보고서")
    title = load_workbook(io.BytesIO(data)).active.title
    assert len(title) <= 31 and not re.search(r"[\[\]:*?/\\]", title)
