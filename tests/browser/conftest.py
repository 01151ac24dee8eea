"""Browser tests: the app served on a local port in a thread, driven by Playwright in Debian's Chromium.

Skipped, with the reason, where Chromium or Playwright is missing."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the test extra is not installed
    sync_playwright = None


def pytest_collection_modifyitems(config, items):
    reason = None
    if sync_playwright is None:
        reason = "Playwright가 설치되지 않았습니다: pip install -e '.[test]'"
    elif not CHROMIUM:
        reason = "Chromium이 없습니다: apt-get install chromium"
    if reason:
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="ko-KR")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.console_errors = errors
    yield tab
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True)
    tab = context.new_page()
    yield tab
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_axe_violations(page) -> list[str]:
    """axe-core (bundled with axe-playwright-python, no CDN) run in the page; serious/critical only."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def assert_no_horizontal_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 1:  # name the culprits: elements reaching past the right edge
        culprits = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                             (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''))""")
        raise AssertionError(f"{page.url} scrolls sideways by {overflow}px at {page.viewport_size['width']}px: "
                             f"{culprits}")


def sign_in(page, base: str, email: str, password: str = "correct-horse-42") -> None:
    page.goto(base + "/login")
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()


def checked(page, name: str) -> None:
    """The page is looked at (a screenshot) and passes axe."""
    screenshot(page, name)
    assert serious_axe_violations(page) == [], name
