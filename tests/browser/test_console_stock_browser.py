"""An enterprise member in Chromium: the quick stock table, the low-stock list, and a CSV import whose
preview shows a bad row's error (nothing applied), then a good file applied — with the upload's
progress bar on a slow connection, the same import without JavaScript, axe, 360px phones, screenshots."""
from __future__ import annotations

import csv
import io

from shop.accounts.models import Role
from shop.catalog.models import Variant
from shop.extensions import db
from tests.browser.conftest import (
    PHONE,
    assert_no_horizontal_scroll,
    checked,
    screenshot,
    sign_in,
)

HEADER = ["SKU", "상품명", "옵션명", "판매가", "재고관리", "현재고", "새 재고"]


def write_csv(path, rows, encoding="utf-8-sig") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return str(path)


def stock_of(variant_id: int) -> Variant:
    db.session.expire_all()
    return db.session.get(Variant, variant_id)


def test_stock_table_and_csv_import_in_the_browser(live_server, page, browser, tmp_path, make_enterprise,
                                                   make_product, make_user):
    enterprise = make_enterprise(name="마포 두레 협동조합")
    make_user(Role.ENTERPRISE, enterprise=enterprise, name="김두레", email="stock@dure.example.kr")
    rice = make_product(name="유기농 현미 (경기 여주산)", enterprise=enterprise,
                        variants=[("1kg", 12_000, 10), ("4kg 대용량 선물 포장", 42_000, 2)])
    tea = make_product(name="고흥 유자차", enterprise=enterprise, variants=[("500g", 9_000, 0)])
    for n in range(4):
        make_product(name=f"업사이클 에코백 {n + 1}", enterprise=enterprise, variants=[("기본", 18_000, 30 + n)])
    rice1, rice4, yuja = rice.variants[0], rice.variants[1], tea.variants[0]

    sign_in(page, live_server, "stock@dure.example.kr")
    page.goto(live_server + "/console/stock")
    checked(page, "desktop-console-stock-01-table")
    page.get_by_label("유기농 현미 (경기 여주산) (1kg) 재고").fill("25")
    page.get_by_role("button", name="재고 저장").click()
    page.wait_for_load_state()
    assert "1개 옵션의 재고를 저장했습니다" in page.locator("main").inner_text()
    assert stock_of(rice1.id).stock == 25

    page.goto(live_server + "/console/stock/low")
    text = page.locator("main").inner_text()
    assert "4kg 대용량 선물 포장" in text and "500g" in text and "업사이클" not in text
    checked(page, "desktop-console-stock-02-low")

    # A file with one bad row: the preview names it, and there is nothing to apply.
    page.goto(live_server + "/console/stock/import")
    checked(page, "desktop-console-stock-03-import")
    page.evaluate("window.stayedOnPage = true")  # survives only if the preview came without a navigation
    bad = write_csv(tmp_path / "재고-오류.csv", [
        [rice1.sku, "", "", "13,000", "Y", "25", "40"],
        [rice4.sku, "", "", "4만2천원", "Y", "2", ""],
        [yuja.sku, "", "", "9000", "Y", "0", "15"],
    ])
    page.get_by_label("재고 CSV 파일").set_input_files(bad)
    page.get_by_role("button", name="올리고 미리보기").click()
    page.locator("#import-errors").wait_for()
    assert page.evaluate("window.stayedOnPage === true")  # the JavaScript path (progress bar) was taken
    assert page.title().startswith("재고 CSV 오류")
    alert = page.get_by_role("alert")
    assert "오류가 있어 아무것도 적용하지 않았습니다" in alert.inner_text()
    first_error = page.locator("#import-errors tbody tr").first.inner_text()
    assert "3행" in first_error and "판매가" in first_error
    assert page.locator("form[data-stock-apply]").count() == 0
    checked(page, "desktop-console-stock-04-preview-error")
    assert (stock_of(rice1.id).price_krw, stock_of(yuja.id).stock) == (12_000, 0)

    # The fixed file, uploaded from the error page: the preview shows before -> after, then it applies.
    good = write_csv(tmp_path / "재고.csv", [
        [rice1.sku, "", "", "13,000", "Y", "25", "40"],
        [rice4.sku, "", "", "42000원", "N", "2", ""],
        [yuja.sku, "", "", "9000", "Y", "0", "15"],
    ], encoding="cp949")
    page.get_by_label("재고 CSV 파일").set_input_files(good)
    page.get_by_role("button", name="올리고 미리보기").click()
    page.locator("#import-changes").wait_for()
    assert "CP949" in page.locator(".preview-summary").inner_text()
    assert page.locator("#import-changes tbody tr").count() == 3
    checked(page, "desktop-console-stock-05-preview-good")
    page.get_by_role("button", name="3개 옵션에 적용하기").click()
    page.wait_for_url(live_server + "/console/stock")
    assert "판매가 1개, 재고 2개, 재고관리 1개 옵션을 바꿨습니다" in page.locator("main").inner_text()
    checked(page, "desktop-console-stock-06-applied")
    assert (stock_of(rice1.id).price_krw, stock_of(rice1.id).stock) == (13_000, 40)
    assert stock_of(rice4.id).track_stock is False and stock_of(yuja.id).stock == 15

    # A large file on a slow connection: the progress bar moves while it uploads.
    rows = [[rice1.sku, "", "", "13000", "Y", "40", ""]] + [
        [f"NO-SUCH-SKU-{i:05d}", "설명" * 20, "", "1000", "Y", "1", ""] for i in range(6000)]
    big = write_csv(tmp_path / "재고-대량.csv", rows)
    page.goto(live_server + "/console/stock/import")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20,
                                                   "downloadThroughput": -1, "uploadThroughput": 400 * 1024})
    page.get_by_label("재고 CSV 파일").set_input_files(big)
    page.get_by_role("button", name="올리고 미리보기").click()
    page.locator("[data-upload-progress]:not([hidden]) progress").wait_for()
    for _ in range(100):  # (wait_for_function would need eval, which the CSP forbids)
        if page.evaluate("document.querySelector('#upload-bar').value") >= 20:
            break
        page.wait_for_timeout(50)
    assert "파일을 올리는 중입니다" in page.locator("#upload-status").inner_text()
    screenshot(page, "desktop-console-stock-07-uploading")
    page.locator("#import-errors").wait_for(timeout=60_000)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                   "uploadThroughput": -1})
    assert "6,000개 행에서" in page.get_by_role("alert").inner_text()

    # Phones, 360px: the table as cards, the error list, no sideways scrolling.
    phone = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True,
                                storage_state=page.context.storage_state())
    tab = phone.new_page()
    for name, path in (("table", "/console/stock"), ("low", "/console/stock/low"), ("import", "/console/stock/import")):
        tab.goto(live_server + path)
        assert_no_horizontal_scroll(tab)
        checked(tab, f"phone-console-stock-{name}")
    tab.get_by_label("재고 CSV 파일").set_input_files(bad)
    tab.get_by_role("button", name="올리고 미리보기").click()
    tab.locator("#import-errors").wait_for()
    assert_no_horizontal_scroll(tab)
    checked(tab, "phone-console-stock-preview-error")
    tab.get_by_label("재고 CSV 파일").set_input_files(write_csv(tmp_path / "재고2.csv", [
        [rice1.sku, "유기농 현미 (경기 여주산)", "1kg", "13,500", "Y", "40", "41"]]))
    tab.get_by_role("button", name="올리고 미리보기").click()
    tab.locator("#import-changes").wait_for()
    assert_no_horizontal_scroll(tab)
    checked(tab, "phone-console-stock-preview-good")
    phone.close()

    # Without JavaScript the same form posts and the preview comes back as a page.
    plain = browser.new_context(viewport={"width": 1024, "height": 800}, locale="ko-KR", java_script_enabled=False,
                                storage_state=page.context.storage_state())
    tab = plain.new_page()
    tab.goto(live_server + "/console/stock/import")
    stale = write_csv(tmp_path / "재고-예전.csv", [[rice1.sku, "", "", "13000", "Y", "25", "50"]])  # 40 now
    tab.get_by_label("재고 CSV 파일").set_input_files(stale)
    tab.get_by_role("button", name="올리고 미리보기").click()
    tab.wait_for_load_state()
    assert tab.url == live_server + "/console/stock/import"
    assert "오류가 있어" in tab.locator("main").inner_text()
    assert "25개에서 40개로" in tab.locator("#import-errors").inner_text()
    tab.get_by_label("재고 CSV 파일").set_input_files(write_csv(tmp_path / "재고-새.csv", [
        [rice1.sku, "", "", "13000", "Y", "40", "50"]]))
    tab.get_by_role("button", name="올리고 미리보기").click()
    tab.wait_for_load_state()
    tab.get_by_role("button", name="1개 옵션에 적용하기").click()
    tab.wait_for_load_state()
    assert "재고 1개" in tab.locator("main").inner_text() and stock_of(rice1.id).stock == 50
    plain.close()
