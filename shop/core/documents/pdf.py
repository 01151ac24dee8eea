"""견적서 and 거래명세서 as A4 PDF, drawn with fpdf2 in an embedded, subset Korean font.

The NanumSquare fonts ship inside the package (fonts/, with their OFL licence), so rendering needs no
system fonts; fpdf2 embeds only the glyphs a document uses, which keeps a page at tens of kilobytes.
"""
from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF, FontFace
from fpdf.enums import VAlign

from shop.core.documents.model import BusinessDocument, DocumentLine, Party, validate
from shop.core.documents.words import krw_in_words

__all__ = ["BusinessDocument", "DocumentLine", "Party", "render_pdf"]

FONT_DIR = Path(__file__).parent / "fonts"
FONT = "NanumSquare"
_FONT_FILES = {"": "NanumSquareR.ttf", "B": "NanumSquareB.ttf"}

# The sentence under the addressee, by document title; other titles simply have none.
_LEADS = {"견적서": "아래와 같이 견적합니다.", "거래명세서": "아래와 같이 거래합니다."}

# Long values wrap inside their cell; these caps only stop one absurd value from outgrowing a page.
_MAX_NAME = 200
_MAX_FIELD = 120
_MAX_NOTE = 60
_MAX_NOTES = 3000

_LABEL_FILL = (236, 239, 243)
_LABEL = FontFace(fill_color=_LABEL_FILL)
_LABEL_BOLD = FontFace(emphasis="BOLD", fill_color=_LABEL_FILL)
_BOLD = FontFace(emphasis="BOLD")
_PADDING = (1.2, 1.6)  # top/bottom, left/right in mm


class _DropVttSourceWarnings(logging.Filter):
    """Nanum fonts carry VTT hinting sources (TSI* tables) that fontTools drops, rightly, when it
    subsets the font; its warning about each one on every render is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "NOT subset; don't know how to subset; dropped" not in record.getMessage()


logging.getLogger("fontTools.subset").addFilter(_DropVttSourceWarnings())


class _DocumentPDF(FPDF):
    """Adds the running header on continuation pages and the page number at the foot."""

    def __init__(self, document: BusinessDocument) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.document = document

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, "", 8)
        self.set_text_color(100)
        title, number = _clip(self.document.title, 30), _clip(self.document.number, 60)
        self.cell(0, 5, f"{title} No. {number} (계속)", align="R",
                  new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(100)
        self.cell(0, 5, f"{self.page_no()} / {{nb}}", align="C")
        self.set_text_color(0)


def render_pdf(document: BusinessDocument) -> bytes:
    """The document as PDF bytes; raises ValueError if its totals are not the sums of its lines."""
    validate(document)
    pdf = _DocumentPDF(document)
    for style, filename in _FONT_FILES.items():
        pdf.add_font(FONT, style, FONT_DIR / filename)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(f"{document.title} {document.number}")
    pdf.set_author(document.supplier.name)
    pdf.set_lang("ko")
    pdf.set_draw_color(90)
    pdf.set_line_width(0.2)
    pdf.add_page()

    _draw_heading(pdf, document)
    _draw_parties(pdf, document.supplier, document.recipient)
    _draw_total(pdf, document.total_krw)
    _draw_lines(pdf, document)
    _draw_facts(pdf, document.facts)
    _draw_notes(pdf, document.notes)
    return bytes(pdf.output())


@cache
def _font_codepoints() -> frozenset[int]:
    with TTFont(FONT_DIR / _FONT_FILES[""], lazy=True) as font:
        return frozenset(font.getBestCmap())


def _clip(text: str, limit: int, *, one_line: bool = True) -> str:
    """`text` without characters the font cannot draw (emoji would print as nothing and leave
    stray gaps), on one line unless asked, and cut with an ellipsis past `limit` characters."""
    known = _font_codepoints()
    text = "".join(ch for ch in (text or "") if ord(ch) in known or ch in "\n\t")
    if one_line:
        text = " ".join(text.split())
    else:
        text = "\n".join(" ".join(line.split()) for line in text.strip().splitlines())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _draw_heading(pdf: FPDF, document: BusinessDocument) -> None:
    pdf.set_font(FONT, "B", 22)
    pdf.set_char_spacing(6)  # 견 적 서: spaced out the way printed forms set their title
    pdf.cell(0, 13, _clip(document.title, 30), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_char_spacing(0)
    pdf.ln(3)

    issued = document.issued_on
    pdf.set_font(FONT, "", 9)
    y = pdf.get_y()
    pdf.cell(0, 5, f"No. {_clip(document.number, 60)}", align="L")
    pdf.set_y(y)
    pdf.cell(0, 5, f"발행일 {issued.year}년 {issued.month}월 {issued.day}일", align="R",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    pdf.set_font(FONT, "B", 12)
    addressee = f"{_clip(document.recipient.name, _MAX_FIELD)} 귀하"
    pdf.multi_cell(0, 6, addressee, new_x="LMARGIN", new_y="NEXT")
    lead = _LEADS.get(document.title)
    if lead:
        pdf.set_font(FONT, "", 9)
        pdf.cell(0, 5, lead, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _party_rows(party: Party) -> list[tuple[str, str]]:
    return [
        ("상호", party.name),
        ("사업자등록번호", party.business_number_display),
        ("대표자", party.representative),
        ("주소", party.address),
        ("연락처", party.phone),
        ("담당", party.contact),
    ]


def _draw_parties(pdf: FPDF, supplier: Party, recipient: Party) -> None:
    """공급자 on the left, 공급받는자 on the right, each with a vertical side label."""
    pdf.set_font(FONT, "", 8.5)
    sides = [(supplier, "공\n급\n자"), (recipient, "공\n급\n받\n는\n자")]
    rows = list(zip(*(_party_rows(party) for party, _ in sides), strict=True))
    with pdf.table(
        col_widths=(8, 25, 57, 8, 25, 57),
        first_row_as_headings=False,
        line_height=4.2,
        padding=_PADDING,
        v_align=VAlign.M,
        text_align=("CENTER", "CENTER", "LEFT", "CENTER", "CENTER", "LEFT"),
    ) as table:
        for index, pair in enumerate(rows):
            row = table.row()
            for (_, side_label), (label, value) in zip(sides, pair, strict=True):
                if index == 0:
                    row.cell(side_label, rowspan=len(rows), style=_LABEL_BOLD)
                row.cell(label, style=_LABEL)
                row.cell(_clip(value, _MAX_FIELD), style=_BOLD if label == "상호" else None)
    pdf.ln(3)


def _draw_total(pdf: FPDF, total_krw: int) -> None:
    pdf.set_font(FONT, "", 9)
    with pdf.table(
        col_widths=(36, 144),
        first_row_as_headings=False,
        line_height=5,
        padding=(2.2, 2),
        v_align=VAlign.M,
        text_align=("CENTER", "LEFT"),
    ) as table:
        row = table.row()
        row.cell("합계금액\n(공급가액 + 세액)", style=_LABEL_BOLD)
        row.cell(f"{krw_in_words(total_krw)} (₩{total_krw:,})", style=FontFace(emphasis="BOLD", size_pt=12))
    pdf.ln(3)


_LINE_COLUMNS = (
    # header, width in mm, alignment
    ("번호", 9, "CENTER"),
    ("품목", 50, "LEFT"),
    ("규격", 29, "LEFT"),
    ("수량", 13, "RIGHT"),
    ("단가", 22, "RIGHT"),
    ("공급가액", 25, "RIGHT"),
    ("세액", 20, "RIGHT"),
    ("비고", 12, "CENTER"),
)


def _line_cells(number: int, line: DocumentLine) -> list[str]:
    return [
        str(number),
        _clip(line.name, _MAX_NAME),
        _clip(line.option, _MAX_FIELD),
        f"{line.quantity:,}",
        f"{line.unit_price_krw:,}",
        f"{line.supply_krw:,}",
        f"{line.vat_krw:,}",
        _clip(line.note, _MAX_NOTE),
    ]


def _draw_lines(pdf: FPDF, document: BusinessDocument) -> None:
    """The item table; fpdf2 carries it over pages and repeats the header row on each."""
    pdf.set_font(FONT, "", 8.5)
    with pdf.table(
        col_widths=tuple(width for _, width, _ in _LINE_COLUMNS),
        text_align=tuple(align for _, _, align in _LINE_COLUMNS),
        headings_style=_LABEL_BOLD,
        repeat_headings=1,
        line_height=4.2,
        padding=_PADDING,
        v_align=VAlign.M,
    ) as table:
        heading = table.row()
        for header, _, _ in _LINE_COLUMNS:
            heading.cell(header, align="CENTER")
        for number, line in enumerate(document.lines, start=1):
            table.row(_line_cells(number, line))
        totals = table.row(style=_LABEL_BOLD)
        totals.cell("합계", colspan=5, align="CENTER")
        totals.cell(f"{document.supply_total_krw:,}")
        totals.cell(f"{document.vat_total_krw:,}")
        totals.cell("")
    pdf.ln(3)


def _draw_facts(pdf: FPDF, facts: list[tuple[str, str]]) -> None:
    if not facts:
        return
    pdf.set_font(FONT, "", 8.5)
    with pdf.table(
        col_widths=(36, 144),
        first_row_as_headings=False,
        line_height=4.2,
        padding=_PADDING,
        v_align=VAlign.M,
        text_align=("CENTER", "LEFT"),
    ) as table:
        for label, value in facts:
            row = table.row()
            row.cell(_clip(label, 40), style=_LABEL)
            row.cell(_clip(value, _MAX_FIELD * 2))
    pdf.ln(3)


def _draw_notes(pdf: FPDF, notes: str) -> None:
    """Free text in a box; multi_cell lets a long note run on to the next page."""
    text = _clip(notes, _MAX_NOTES, one_line=False)
    if not text:
        return
    if pdf.will_page_break(6 + 4.6 * 2 + 4):  # keep the 비고 label with at least two lines of its box
        pdf.add_page()
    pdf.set_font(FONT, "B", 9)
    pdf.cell(0, 6, "비고", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8.5)
    pdf.multi_cell(0, 4.6, text, border=1, padding=(2, 2.5), new_x="LMARGIN", new_y="NEXT")
