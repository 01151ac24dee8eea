"""Files the pages hand out (CSV, XLSX, PDF): private, never cached, and named in Korean."""
from __future__ import annotations

from urllib.parse import quote as url_quote

from flask import Response, make_response


def file_response(content: bytes, *, mimetype: str, filename: str, fallback: str, inline: bool = False) -> Response:
    """RFC 6266 / RFC 5987: an ASCII `fallback` name for old clients, the Korean `filename` for the rest."""
    response = make_response(content)
    response.headers["Content-Type"] = mimetype
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{url_quote(filename)}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def pdf_response(content: bytes, filename: str) -> Response:
    """A document (견적서, 거래명세서) shown in the browser's PDF viewer."""
    return file_response(content, mimetype="application/pdf", filename=filename, fallback="document.pdf",
                         inline=True)
