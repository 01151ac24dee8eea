"""The demo mall: realistic, complete for every page and role, searchable in Korean, and safe to load twice.

Seeding takes a few seconds, and the database is emptied after every test, so only two tests seed.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import selectinload

from shop.accounts.models import Role, User
from shop.catalog.listing import ListingFilters, list_products
from shop.catalog.models import Category, Product, ProductStatus, TaxType, Variant
from shop.core import storage
from shop.core.korea import SEOUL_DISTRICTS, is_valid_business_number, kst_today
from shop.core.text import compact
from shop.curation.models import ArtCollaboration, Exhibition, ExhibitionPhase, OrganizerType
from shop.demo import images
from shop.demo.seed import DEMO_ACCOUNTS, database_is_empty, seed_demo
from shop.enterprises.models import Enterprise, EnterpriseType
from shop.extensions import db
from shop.institutions.models import Institution, InstitutionAddress
from shop.models_base import ApprovalStatus
from shop.orders.models import Order, Shipment, ShipmentStatus
from shop.procurement.models import Quote, QuoteStatus
from shop.search.services import matching_ids
from tests.conftest import csrf_from

TOP_CATEGORIES = {"식품", "커피·차", "생활용품", "청소·위생용품", "사무용품", "디자인문구", "의류·가방", "선물·판촉물",
                  "인쇄 서비스", "행사·케이터링 서비스", "교육 서비스", "인테리어·재활용"}


def all_products() -> list[Product]:
    return list(db.session.scalars(sa.select(Product).options(
        selectinload(Product.variants).selectinload(Variant.price_tiers),
        selectinload(Product.images),
        selectinload(Product.enterprise),
        selectinload(Product.category).selectinload(Category.parent),
    )))


def top_name(product: Product) -> str:
    return product.category.parent.name if product.category.parent else product.category.name


def row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def test_demo_mall_is_realistic_complete_and_searchable(app):
    assert database_is_empty()
    assert seed_demo() is True
    assert not database_is_empty()

    enterprises = list(db.session.scalars(sa.select(Enterprise).options(selectinload(Enterprise.social_values))))
    approved = [e for e in enterprises if e.status is ApprovalStatus.APPROVED]
    assert len(approved) >= 40
    assert {e.enterprise_type for e in approved} == set(EnterpriseType)
    assert len({e.district for e in approved}) >= 15
    assert {e.district for e in enterprises} <= set(SEOUL_DISTRICTS)
    assert sum(e.status is ApprovalStatus.PENDING for e in enterprises) == 2
    for enterprise in enterprises:
        assert is_valid_business_number(enterprise.business_number)
        assert enterprise.representative and enterprise.certificate_number and enterprise.phone
        assert "<script" not in enterprise.story_html and "<p>" in enterprise.story_html
        assert 0 <= enterprise.shipping_base_fee_krw <= 4000
        assert enterprise.logo_path and storage.exists(enterprise.logo_path)
    for enterprise in approved:
        years = {record.year for record in enterprise.social_values}
        assert years == {2023, 2024, 2025}
        assert all(10_000_000 <= r.amount_krw <= 900_000_000 for r in enterprise.social_values)
    assert any(r.verified and r.measured_by == "SPC" for e in approved for r in e.social_values)
    assert any(r.measured_by == "자체 측정" for e in approved for r in e.social_values)

    products = all_products()
    assert len(products) >= 400
    assert TOP_CATEGORIES <= {top_name(p) for p in products}
    assert sum(p.status is ProductStatus.ACTIVE for p in products) >= 390
    assert {ProductStatus.HIDDEN, ProductStatus.PENDING_REVIEW} <= {p.status for p in products}
    variants = [v for p in products for v in p.variants]
    assert all(1 <= len(p.variants) <= 4 for p in products)
    assert all(type(v.price_krw) is int and v.price_krw > 0 and v.price_krw % 100 == 0 for v in variants)
    assert len({v.sku for v in variants}) == len(variants)
    assert all(p.price_krw == min(v.price_krw for v in p.variants) for p in products)
    assert any(not p.in_stock for p in products), "some products are sold out"
    assert any(v.track_stock and 1 <= v.stock <= 5 for v in variants), "some options are nearly sold out"
    assert any(not v.track_stock for v in variants), "services do not track stock"
    for product in products:
        if top_name(product) in ("사무용품", "청소·위생용품"):
            tiers = product.variants[0].price_tiers
            assert [t.min_qty for t in tiers] == [10, 50, 100]
            assert product.variants[0].price_krw > tiers[0].unit_price_krw > tiers[1].unit_price_krw
        assert 1 <= len(product.images) <= 2
        assert product.name in product.images[0].alt
        assert all(storage.exists(image.path) for image in product.images)
    rice = [p for p in products if p.category.name == "쌀·잡곡"]
    assert rice and all(p.tax_type is TaxType.EXEMPT for p in rice)
    assert all(p.tax_type is TaxType.TAXABLE for p in products if top_name(p) == "커피·차")
    printing = [p for p in products if top_name(p) == "인쇄 서비스"]
    assert printing and all(p.min_order_qty > 1 for p in printing)
    assert len({p.created_at.date() for p in products}) > 100, "created over the past year"

    today = kst_today()
    exhibitions = list(db.session.scalars(sa.select(Exhibition).options(
        selectinload(Exhibition.items), selectinload(Exhibition.special_prices))))
    assert len(exhibitions) >= 5
    assert {e.phase(today) for e in exhibitions} == set(ExhibitionPhase)
    organizers = {e.organizer_type for e in exhibitions}
    assert {OrganizerType.CITY, OrganizerType.DISTRICT, OrganizerType.PUBLIC_BODY} <= organizers
    for exhibition in exhibitions:
        assert exhibition.is_published and storage.exists(exhibition.banner_path) and exhibition.banner_alt
        assert 8 <= len(exhibition.items) <= 20
        assert exhibition.special_prices
        curated = {item.product_id for item in exhibition.items}
        for special in exhibition.special_prices:
            assert 0 < special.price_krw < special.variant.price_krw
            assert special.variant.product_id in curated

    collabs = list(db.session.scalars(sa.select(ArtCollaboration)))
    assert len(collabs) >= 4
    for collab in collabs:
        assert collab.artist.name and collab.artist.bio and collab.artist.link.startswith("https://")
        assert collab.products and all(p.enterprise_id == collab.enterprise_id for p in collab.products)
        before, after = collab.before_image_path, collab.after_image_path
        assert storage.exists(before) and storage.exists(after) and before != after
        with Image.open(storage.resolve(before)) as b, Image.open(storage.resolve(after)) as a:
            colours = lambda image: len(image.convert("RGB").getcolors(maxcolors=1 << 20))  # noqa: E731
            assert colours(a) > colours(b), "after is more colourful"

    institutions = list(db.session.scalars(sa.select(Institution)))
    assert sum(i.status is ApprovalStatus.APPROVED for i in institutions) >= 5
    assert any(i.status is ApprovalStatus.PENDING for i in institutions)
    assert all(is_valid_business_number(i.business_number) for i in institutions)
    assert all(i.members and i.members[0].role is Role.INSTITUTION for i in institutions)
    with_address = {a.institution_id for a in db.session.scalars(sa.select(InstitutionAddress))}
    assert with_address == {i.id for i in institutions if i.status is ApprovalStatus.APPROVED}

    buyer = db.session.scalar(sa.select(User).where(User.email == "buyer@demo.hamkke.kr"))
    quote_states = {q.status for q in db.session.scalars(
        sa.select(Quote).where(Quote.institution_id == buyer.institution_id))}
    assert quote_states == {QuoteStatus.REQUESTED, QuoteStatus.ANSWERED, QuoteStatus.ACCEPTED}
    shipment_states = {s.status for s in db.session.scalars(
        sa.select(Shipment).join(Order).where(Order.institution_id == buyer.institution_id))}
    assert shipment_states == {ShipmentStatus.COMPLETED, ShipmentStatus.DELIVERED}  # one to inspect, one done

    for term in ("쌀", "비누", "커피"):
        expected = {p.id for p in products if any(term in compact(f) for f in (
            p.name, p.summary, p.enterprise.name, p.category.name, top_name(p)))}
        assert len(expected) >= 5
        assert set(db.session.scalars(matching_ids(term))) == expected
        visible = {p.id for p in products if p.id in expected and p.status is ProductStatus.ACTIVE
                   and p.enterprise.status is ApprovalStatus.APPROVED}
        assert list_products(ListingFilters(q=term, per_page=100)).total == len(visible)


def sign_in(app, email: str, password: str) -> tuple[int, int]:
    """Log in from a new browser; the status of the login POST and of /account afterwards."""
    client = app.test_client()
    with app.app_context():  # a fresh `g`, so no one is still signed in from the last attempt
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"csrf_token": token, "email": email, "password": password})
        return response.status_code, client.get("/account").status_code


def test_demo_command_prints_accounts_that_log_in_and_a_second_run_changes_nothing(app, runner):
    result = runner.invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    for account in DEMO_ACCOUNTS:
        assert account["email"] in result.output and account["label"] in result.output
    assert result.output.count("hamkke-demo-2026") == 4
    assert [a["label"] for a in DEMO_ACCOUNTS] == ["소비자", "공공기관 구매담당", "입점기업", "지원센터 관리자"]

    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    roles = {a["email"]: Role(a["role"]) for a in DEMO_ACCOUNTS}
    for email, role in roles.items():
        assert users[email].role is role
    assert users["seller@demo.hamkke.kr"].enterprise.is_approved
    assert users["buyer@demo.hamkke.kr"].institution.is_approved and users["buyer@demo.hamkke.kr"].membership_approved
    for account in DEMO_ACCOUNTS:
        assert sign_in(app, account["email"], account["password"]) in ((302, 200), (303, 200)), account["email"]
    assert sign_in(app, "admin@demo.hamkke.kr", "wrong-password-1") == (401, 302)

    before = row_counts()
    files = sorted(p for p in storage.upload_root().rglob("*") if p.is_file())
    assert seed_demo() is False
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    again = runner.invoke(args=["demo", "--no-serve"])
    assert "다시 불러오지 않습니다" in again.output
    db.session.expire_all()
    assert row_counts() == before
    assert sorted(p for p in storage.upload_root().rglob("*") if p.is_file()) == files


@pytest.fixture
def no_cjk_font(monkeypatch):
    monkeypatch.setenv("HAMKKE_DEMO_FONT", "/nonexistent/font.ttc")
    images.find_cjk_font.cache_clear()
    images._font.cache_clear()
    yield
    monkeypatch.undo()
    images.find_cjk_font.cache_clear()
    images._font.cache_clear()


def test_pictures_are_drawn_without_any_font(no_cjk_font):
    assert images.find_cjk_font() is None
    named = images.product_image("유기농 현미 4kg", (232, 196, 120), "bowl", seed=1)
    unnamed = images.product_image(None, (232, 196, 120), "bowl", seed=1)
    assert named.size == (600, 600)
    assert named.tobytes() == unnamed.tobytes(), "no text is drawn without a font"
    for picture in (images.logo_image("햇살", (200, 100, 50), 1), images.banner_image("기획전", "서울", (90, 120, 200), 2),
                    images.packaging_image("쿠키", ((255, 0, 0), (0, 255, 0), (0, 0, 255)), 3, after=True)):
        assert picture.getbbox() is not None


@pytest.mark.skipif(not images.find_cjk_font(), reason="no font with Hangul installed here")
def test_product_names_are_written_when_a_hangul_font_exists():
    named = images.product_image("유기농 현미 4kg", (232, 196, 120), "bowl", seed=1)
    unnamed = images.product_image(None, (232, 196, 120), "bowl", seed=1)
    assert named.tobytes() != unnamed.tobytes()
