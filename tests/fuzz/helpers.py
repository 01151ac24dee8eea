"""What the fuzz tests share: nasty text, reading a refusal's message out of a page, signed-in clients."""
from __future__ import annotations

import os
import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.web.test_console_stock import signed_in

HANGUL = re.compile(r"[\uac00-\ud7a3]")
PASSWORD = "correct-horse-42"

# Modest and repeatable: the same examples on every run (CI), no example database, no deadline (SQLite on a
# shared machine is slow now and then), and a reused client is fine (each example checks its own effects).
settings.register_profile("fuzz", max_examples=30, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
# FUZZ_PROFILE=fuzz-deep for a long hunt by hand (random order, many more examples); CI keeps "fuzz".
settings.register_profile("fuzz-deep", settings.get_profile("fuzz"), max_examples=500, derandomize=False)
FUZZ = settings.get_profile(os.environ.get("FUZZ_PROFILE", "fuzz"))

# Inputs people (and scripts) really send: Korean, control characters, NUL, emoji, right-to-left marks,
# whitespace only, digits int() refuses or that overflow a database integer, markup, very long strings.
SPECIAL = [
    "", " ", "\t\n\r ", "\u3000", "\x00", "a\x00b", "\x1b[31m", "\x7f", "\ufeff", "\u202e역방향", "\u200b",
    "김함께", "가" * 300, "가나다" * 2000, "x" * 10_000, "🙂🎉👩‍👩‍👧", "𝟙𝟚𝟛", "²", "①", "٣", "１２３", "Ⅻ",
    "0", "-1", "-0", "+5", "1.5", "1e3", "1e309", "NaN", "inf", "0x10", "1,000", "１,０００", "9" * 12, "9" * 19,
    "9" * 40, "9" * 5000, "2147483648", "-2147483649", "00000", "1 2", "null", "None", "[]", "{}",
    "<script>alert(1)</script>", "' OR 1=1 --", "%s%n%x", "../../etc/passwd", "${7*7}", "{{7*7}}",
    "2026-02-30", "9999-12-31", "0000-00-00", "2026-13-01",
]
# The values that break parsers most often; every field of every form gets each of them (the sweep tests).
TRICKY = ["²", "9" * 20, "9" * 5000, "-1", "１２３", "a\x00b", "   ", "가" * 5000, "<b>굵게</b>", "🙂"]
nasty_text = st.one_of(
    st.sampled_from(TRICKY),
    st.sampled_from(SPECIAL),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.text(st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "So", "Lo", "Nd", "No"]), max_size=30),
)


class _Messages(HTMLParser):
    """Collects the text of the places a page puts a refusal: field errors, alerts, flashes, error pages."""

    TOKENS = ("error", "error-page", "error-summary", "form-alert", "import-alert", "flash", "empty")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0  # >0 while inside such an element
        self.stack: list[bool] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        marks = attributes.get("role") == "alert" or any(c in self.TOKENS or c.startswith("flash-") for c in classes)
        if tag in {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}:
            return
        self.stack.append(marks)
        self.depth += marks

    def handle_endtag(self, tag):
        if tag in {"br", "img", "input", "meta", "link", "hr", "source", "wbr"} or not self.stack:
            return
        self.depth -= self.stack.pop()

    def handle_data(self, data):
        if self.depth > 0:
            self.text.append(data)


def refusal_message(response) -> str:
    """The refusal a person reads: the JSON error message, or the text of the page's error places."""
    if response.is_json:
        body = response.get_json(silent=True) or {}
        error = body.get("error") if isinstance(body, dict) else None
        return str(error.get("message", "")) if isinstance(error, dict) else ""
    parser = _Messages()
    parser.feed(response.get_data(as_text=True))
    return " ".join(parser.text)


def assert_no_server_error(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"


def assert_refused_in_korean(response, what: str) -> None:
    """A refusal is a 4xx, or the form again (200); either way it tells the person why, in Korean."""
    assert_no_server_error(response, what)
    assert response.status_code == 200 or 400 <= response.status_code < 500, f"{what}: {response.status_code}"
    message = refusal_message(response)
    assert HANGUL.search(message), f"{what}: {response.status_code} without a Korean message: {message[:300]!r}"


def refused(response) -> bool:
    """Whether the app turned the submission down (not a redirect to the next step)."""
    return not (300 <= response.status_code < 400)


# A client of its own, signed in as `user` (anonymous for None), with its CSRF token in `.csrf`.
sign_in = signed_in
