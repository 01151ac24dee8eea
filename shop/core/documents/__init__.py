"""Korean business documents: 견적서 and 거래명세서 as PDF, reports as CSV and XLSX.

Generic on purpose: callers map their orders and quotes onto these dataclasses, so nothing here
knows a domain (and `core` imports none).
"""
from shop.core.documents.model import BusinessDocument, DocumentLine, Party
from shop.core.documents.pdf import render_pdf
from shop.core.documents.spreadsheet import Column, to_csv, to_xlsx
from shop.core.documents.words import krw_in_words

__all__ = [
    "BusinessDocument",
    "Column",
    "DocumentLine",
    "Party",
    "krw_in_words",
    "render_pdf",
    "to_csv",
    "to_xlsx",
]
