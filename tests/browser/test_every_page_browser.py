"""Every page template, reached with real data, passes axe (no serious or critical violations) and does not
scroll sideways, on a desktop and on a 360px phone. Flask's `template_rendered` signal records what the
live server rendered; the test fails when a full-page template was never shown, so a new page cannot slip
in unvisited. Screenshots of the key pages at phone width go to test-artifacts/screenshots/phone-page-*.png."""
from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import template_rendered

from shop.accounts.models import LoginSession, User
from shop.cart import services as carts
from shop.catalog import stock_sheet
from shop.catalog.models import Category, Product, ProductStatus, Variant
from shop.core.korea import kst_today
from shop.curation.models import ArtCollaboration, Artist, Exhibition
from shop.demo.seed import DEMO_ACCOUNTS, seed_demo
from shop.enterprises import api_tokens, members, social_value
from shop.enterprises.models import Enterprise, SocialValueArea, SocialValueRecord
from shop.enterprises.social_value import SocialValueError, SocialValueInput
from shop.extensions import db
from shop.institutions.models import InstitutionAddress
from shop.models_base import ApprovalStatus, utcnow
from shop.orders.models import Order, PaymentMethod, Shipment
from shop.procurement.models import Quote
from shop.reviews import services as reviews
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    assert_no_horizontal_scroll,
    screenshot,
    serious_axe_violations,
    sign_in,
)
from tests.services.test_reviews import GOOD_BODY, bought

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
EXTENDS = re.compile(r"""{%-?\s*extends\s+["']([^"']+)["']""")
ACCOUNT = {a["role"]: a["email"] for a in DEMO_ACCOUNTS}
PASSWORD = DEMO_ACCOUNTS[0]["password"]

# Full-page templates this test does not reach, and why. Keep it short: every entry is a page nobody checks.
# None today: mail bodies and PDFs are made in code (shop/notifications, shop/core/documents), not templates/.
EXCLUDED: dict[str, str] = {}

# Shown at phone width as screenshots to be looked at (test-artifacts/screenshots/phone-page-<name>.png).
KEY_PAGES = {"home", "category", "product", "cart", "checkout", "order", "institution-quote", "console",
             "console-product-edit", "admin"}


def page_templates() -> set[str]:
    """Templates that are pages of their own: they extend a layout, or are a whole HTML document that no
    other template extends. Partials (`_name.html`, or fragments without either), macros and layouts are not."""
    sources = {path.relative_to(TEMPLATES).as_posix(): path.read_text(encoding="utf-8")
               for path in TEMPLATES.rglob("*.html") if not path.name.startswith("_")}
    layouts = {name for text in sources.values() for name in EXTENDS.findall(text)}
    return {name for name, text in sources.items()
            if name not in layouts and (EXTENDS.search(text) or "<html" in text.lower())}


@dataclass
class Tour:
    """One role's pages: (name, path, expected HTTP status)."""
    email: str | None
    pages: list[tuple[str, str, int]] = field(default_factory=list)

    def add(self, name: str, path: str, status: int = 200) -> None:
        self.pages.append((name, path, status))


def _one(query):
    found = db.session.scalars(query.limit(1)).first()
    assert found is not None, f"the demo data has nothing for {query}"
    return found


def _user(role: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == ACCOUNT[role]))


def own_unverified_record(enterprise_id: int) -> SocialValueRecord:
    """A record the enterprise may still edit: one of its own unverified ones, or a new one."""
    found = db.session.scalars(sa.select(SocialValueRecord).where(
        SocialValueRecord.enterprise_id == enterprise_id, SocialValueRecord.verified.is_(False))).first()
    if found:
        return found
    today = kst_today()
    for area in SocialValueArea:
        try:
            return social_value.add_record(enterprise_id, SocialValueInput(today.year, area, 3_500_000, "자체 측정"),
                                           today=today)
        except SocialValueError:
            continue  # that area already has this year's figure
    raise AssertionError("no social-value record the enterprise could edit")


def build_mall() -> dict[str, Tour]:
    """The demo mall plus what it lacks: a consumer's orders in several states with a review, carts for the
    consumer and the institution buyer, an API key and an invitation; every role's pages to visit."""
    seed_demo()
    consumer, buyer, seller, admin = (_user(r) for r in ("consumer", "institution", "enterprise", "admin"))
    own = _one(sa.select(Product).where(Product.enterprise_id == seller.enterprise_id,
                                        Product.status == ProductStatus.ACTIVE).order_by(Product.id))
    in_stock = [v for v in own.variants if v.stock >= 20] or own.variants
    others = list(db.session.scalars(
        sa.select(Variant).join(Product).where(Product.status == ProductStatus.ACTIVE, Variant.stock >= 50,
                                               Product.enterprise_id != seller.enterprise_id)
        .order_by(Variant.id).limit(3)))

    delivered = bought(consumer, admin, [in_stock[0], others[0]], "delivered")
    reviewed_item, waiting_item = delivered.items
    review = reviews.write_review(consumer, reviewed_item.id, 5, GOOD_BODY)
    shipped = bought(consumer, admin, [others[1]], "shipped")
    cancelled = bought(consumer, admin, [others[2]], "cancelled")
    unpaid = bought(consumer, admin, [in_stock[0]], "pending_payment")
    carts.add_to_member_cart(consumer, in_stock[0].id, 2)
    carts.add_to_member_cart(consumer, others[0].id, 1)
    carts.add_to_member_cart(buyer, others[1].id, 30)

    api_tokens.issue(seller.enterprise_id, "창고 관리 프로그램", seller)
    invitation = members.invite(seller.enterprise_id, "new.colleague@example.kr", seller)
    seller_shipment = _one(sa.select(Shipment).where(Shipment.enterprise_id == seller.enterprise_id)
                           .order_by(Shipment.id))
    answered = _one(sa.select(Quote).where(Quote.answered_at.isnot(None)).order_by(Quote.id))
    invoice_order = _one(sa.select(Order).where(Order.payment_method == PaymentMethod.INVOICE)
                         .order_by(Order.id.desc()))
    own_record = own_unverified_record(seller.enterprise_id)
    any_record = _one(sa.select(SocialValueRecord).order_by(SocialValueRecord.id))
    address = _one(sa.select(InstitutionAddress).where(InstitutionAddress.institution_id == buyer.institution_id))
    category = _one(sa.select(Category).where(Category.parent_id.isnot(None)).order_by(Category.id))
    pending = _one(sa.select(Enterprise).where(Enterprise.status == ApprovalStatus.PENDING))
    exhibition = _one(sa.select(Exhibition).where(Exhibition.is_published.is_(True)).order_by(Exhibition.id))
    collab = _one(sa.select(ArtCollaboration).where(ArtCollaboration.is_published.is_(True)))
    artist = _one(sa.select(Artist))
    enterprise = db.session.get(Enterprise, seller.enterprise_id)
    db.session.commit()

    guest = Tour(None)
    for name, path in (("home", "/"), ("categories", "/categories"), ("category", f"/categories/{category.slug}"),
                       ("product", f"/products/{own.slug}"), ("search", "/search?q=커피"),
                       ("enterprises", "/enterprises"), ("enterprise", f"/enterprises/{enterprise.slug}"),
                       ("exhibitions", "/exhibitions"), ("exhibition", f"/exhibitions/{exhibition.slug}"),
                       ("art-collabs", "/art-collabs"), ("art-collab", f"/art-collabs/{collab.slug}"),
                       ("impact", "/impact"), ("about", "/about"), ("terms", "/terms"), ("privacy", "/privacy"),
                       ("withdrawal", "/withdrawal"), ("login", "/login"), ("register", "/register"),
                       ("register-enterprise", "/register/enterprise"),
                       ("register-institution", "/register/institution"), ("join", f"/join/{invitation.secret}")):
        guest.add(name, path)
    guest.add("not-found", "/products/no-such-product", 404)

    shopper = Tour(ACCOUNT["consumer"])
    for name, path in (("cart", "/cart"), ("checkout", "/checkout"), ("account", "/account"),
                       ("orders", "/account/orders"), ("order", f"/account/orders/{delivered.number}"),
                       ("order-shipped", f"/account/orders/{shipped.number}"),
                       ("order-cancelled", f"/account/orders/{cancelled.number}"),
                       ("order-unpaid", f"/account/orders/{unpaid.number}"),
                       ("test-payment", f"/payments/test/{unpaid.number}"), ("reviews", "/account/reviews"),
                       ("review-new", f"/account/reviews/new/{waiting_item.id}"),
                       ("review-edit", f"/account/reviews/{review.id}/edit")):
        shopper.add(name, path)

    institution = Tour(ACCOUNT["institution"])
    for name, path in (("institution", "/institution"), ("institution-quotes", "/institution/quotes"),
                       ("institution-quote", f"/institution/quotes/{answered.number}"),
                       ("institution-quote-new", f"/institution/quotes/new?variant={others[0].id}&qty=100"),
                       ("institution-cart", "/cart"), ("institution-checkout", "/institution/checkout"),
                       ("institution-orders", "/institution/orders"),
                       ("institution-order", f"/institution/orders/{invoice_order.number}"),
                       ("institution-reports", "/institution/reports"),
                       ("institution-settings", "/institution/settings"),
                       ("institution-address", f"/institution/settings/addresses/{address.id}/edit")):
        institution.add(name, path)

    console = Tour(ACCOUNT["enterprise"])
    for name, path in (("console", "/console"), ("console-products", "/console/products"),
                       ("console-product-new", "/console/products/new"),
                       ("console-product-edit", f"/console/products/{own.id}/edit"),
                       ("console-stock", "/console/stock"), ("console-stock-low", "/console/stock/low"),
                       ("console-stock-import", "/console/stock/import"),
                       ("console-orders", "/console/orders"),
                       ("console-order", f"/console/orders/{seller_shipment.id}"),
                       ("console-quotes", "/console/quotes"), ("console-quote", f"/console/quotes/{answered.number}"),
                       ("console-profile", "/console/profile"), ("console-members", "/console/members"),
                       ("console-api-keys", "/console/api-keys"), ("console-social-value", "/console/social-value"),
                       ("console-social-value-edit", f"/console/social-value/{own_record.id}/edit")):
        console.add(name, path)

    staff = Tour(ACCOUNT["admin"])
    for name, path in (("admin", "/admin"), ("admin-approvals", "/admin/approvals"),
                       ("admin-enterprises", "/admin/enterprises"),
                       ("admin-enterprise", f"/admin/enterprises/{pending.id}"),
                       ("admin-review-queue", "/admin/products/review"), ("admin-products", "/admin/products"),
                       ("admin-product", f"/admin/products/{own.id}"), ("admin-orders", "/admin/orders"),
                       ("admin-order", f"/admin/orders/{delivered.number}"),
                       ("admin-exhibitions", "/admin/exhibitions"), ("admin-exhibition-new", "/admin/exhibitions/new"),
                       ("admin-exhibition", f"/admin/exhibitions/{exhibition.id}"),
                       ("admin-collaborations", "/admin/collaborations"),
                       ("admin-collaboration-new", "/admin/collaborations/new"),
                       ("admin-collaboration", f"/admin/collaborations/{collab.id}"),
                       ("admin-artist-new", "/admin/artists/new"), ("admin-artist", f"/admin/artists/{artist.id}"),
                       ("admin-categories", "/admin/categories"),
                       ("admin-category", f"/admin/categories/{category.id}"),
                       ("admin-social-value", "/admin/social-value"),
                       ("admin-social-value-edit", f"/admin/social-value/{any_record.id}"),
                       ("admin-audit", "/admin/audit"), ("admin-settings", "/admin/settings")):
        staff.add(name, path)
    return {"guest": guest, "consumer": shopper, "institution": institution, "enterprise": console, "admin": staff}


@pytest.fixture
def rendered(app):
    """Names of the templates the live server rendered during the test."""
    names: set[str] = set()

    def record(_sender, template, context, **_extra):
        names.add(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


def load_every_image(page) -> list[str]:
    """Load the lazy pictures below the fold too, so the full-page screenshot shows them; the ones that
    failed to load."""
    return page.evaluate("""async () => {
      document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; });
      await Promise.all([...document.images].map(i => i.complete ? null
        : new Promise(done => { i.addEventListener('load', done); i.addEventListener('error', done); })));
      return [...document.images].filter(i => i.naturalWidth === 0).map(i => i.getAttribute('src'));
    }""")


def look(page, base: str, device: str, name: str, path: str, status: int) -> list[str]:
    """Open one page; what is wrong with it, if anything."""
    response = page.goto(base + path)
    if response is None or response.status != status:
        return [f"{device} {path}: HTTP {response.status if response else '-'} instead of {status}"]
    if page.url.split("?")[0] != (base + path).split("?")[0]:
        return [f"{device} {path}: ended on {page.url}"]
    problems = []
    if device == "phone" and name in KEY_PAGES:
        broken = load_every_image(page)
        problems += [f"{device} {path}: picture did not load: {src}" for src in broken]
        screenshot(page, f"phone-page-{name}")
    return problems + check_here(page, f"{device} {path}")


def preview_stock_upload(page, base: str, enterprise_id: int) -> list[str]:
    """The stock-import preview page: upload the seller's own sheet with one stock changed."""
    rows = list(csv.reader(io.StringIO(stock_sheet.export_csv(enterprise_id).decode("utf-8-sig"))))
    header, first = rows[0], rows[1]
    first[header.index(next(h for h in header if "재고" in h))] = "77"
    sheet = io.StringIO()
    csv.writer(sheet).writerows([header, first])
    page.goto(base + "/console/stock/import")
    page.get_by_label(re.compile("파일")).first.set_input_files(
        files=[{"name": "stock.csv", "mimeType": "text/csv", "buffer": sheet.getvalue().encode()}])
    page.get_by_role("button", name="올리고 미리보기").click()
    page.wait_for_load_state()
    page.locator("text=미리보기").first.wait_for()
    return check_here(page, "stock preview")


def ask_for_password_again(page, base: str) -> list[str]:
    """The staff password check (admin/confirm_password.html): approving an enterprise an hour after
    signing in asks for the password again before it goes ahead."""
    db.session.execute(sa.update(LoginSession).where(LoginSession.user_id == _user("admin").id)
                       .values(password_confirmed_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    pending = _one(sa.select(Enterprise).where(Enterprise.status == ApprovalStatus.PENDING))
    page.goto(base + "/admin/approvals")
    page.locator(f"form[action$='/enterprises/{pending.id}/approve'] button[type=submit]").first.click()
    page.wait_for_load_state()
    if not page.locator("input[type=password]").count():
        return [f"approving {pending.name} did not ask for the password again: {page.url}"]
    return check_here(page, "password check")


def check_here(page, label: str) -> list[str]:
    """axe's serious and critical findings on the page as it is now, and any sideways scrolling."""
    problems = [f"{label}: {v}" for v in serious_axe_violations(page)]
    try:
        assert_no_horizontal_scroll(page)
    except AssertionError as exc:
        problems.append(f"{label}: {exc}")
    return problems


def test_every_page_passes_axe_on_desktop_and_phone(app, live_server, browser, rendered):
    started = time.time()
    tours = build_mall()
    problems: list[str] = []
    for role, tour in tours.items():
        desktop = browser.new_context(viewport=DESKTOP, locale="ko-KR")
        page = desktop.new_page()
        if tour.email:
            sign_in(page, live_server, tour.email, PASSWORD)
        phone_context = browser.new_context(viewport=PHONE, locale="ko-KR", is_mobile=True, has_touch=True,
                                            storage_state=desktop.storage_state())
        phone = phone_context.new_page()
        for name, path, status in tour.pages:
            problems += look(page, live_server, "desktop", name, path, status)
            problems += look(phone, live_server, "phone", name, path, status)
        if role == "enterprise":
            problems += preview_stock_upload(phone, live_server, _user("enterprise").enterprise_id)
        if role == "admin":
            problems += ask_for_password_again(phone, live_server)
        phone_context.close()
        desktop.close()

    missing = page_templates() - rendered - set(EXCLUDED)
    if missing:
        problems.append(f"page templates no test visited (visit them, or add them to EXCLUDED with a reason): "
                        f"{sorted(missing)}")
    unshot = [name for name in KEY_PAGES if (SCREENSHOTS / f"phone-page-{name}.png").stat().st_mtime < started]
    if unshot:
        problems.append(f"no fresh phone screenshot of {sorted(unshot)}")
    assert problems == [], "\n".join(problems)
