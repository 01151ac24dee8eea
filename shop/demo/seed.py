"""seed-demo: a fictional but realistic Korean social-economy mall, made offline and deterministically.

One transaction: categories, 40 approved enterprises (plus 2 applications), their social value,
institutions and their buyers, a demo account per role, ~400 products with options, bulk prices
and pictures, exhibitions, art collaborations and the search index. A second run finds the demo
admin (or a demo enterprise) and leaves everything as it is.
"""
from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.catalog.models import Category, PriceTier, Product, ProductImage, ProductStatus, TaxType, Variant
from shop.catalog.services import refresh_listing
from shop.core.html import sanitize_html
from shop.core.korea import kst_today, make_business_number
from shop.demo import images
from shop.demo.catalog_data import CATEGORIES, SUBS, TOP_OF
from shop.demo.data import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    ENTERPRISES,
    GIVEN_SYLLABLES,
    INSTITUTIONS,
    MISSIONS,
    PENDING_ENTERPRISES,
    STREETS,
    SURNAMES,
)
from shop.demo.procurement import institution_address, seed_procurement_history
from shop.demo.products import (
    SERVICE_ORIGIN,
    description_html,
    josa,
    name_choices,
    sales_count,
    summary_for,
    variant_specs,
)
from shop.demo.showcase import seed_art_collabs, seed_exhibitions
from shop.demo.social_value import seed_social_values
from shop.enterprises.models import Enterprise, EnterpriseType
from shop.extensions import db
from shop.institutions.models import Institution, InstitutionKind
from shop.models_base import ApprovalStatus
from shop.search.services import index_products

__all__ = ["DEMO_ACCOUNTS", "database_is_empty", "demo_loaded", "ensure_categories", "seed_demo"]

Progress = Callable[[str], Callable[[int, int], None]]
PRODUCTS_PER_ENTERPRISE = 10
SELLER_ENTERPRISE = "haetsal-bakery"
EXTRA_SELLERS = (("coffee.seller@demo.hamkke.kr", "coffee-field-people"), ("soap.seller@demo.hamkke.kr", "forest-soap"))
_ACCOUNT = {account["role"]: account["email"] for account in DEMO_ACCOUNTS}


def database_is_empty() -> bool:
    """No products and no users: the state in which `flask demo` loads the demo data."""
    has_product = db.session.scalar(sa.select(sa.exists().where(Product.id.isnot(None))))
    has_user = db.session.scalar(sa.select(sa.exists().where(User.id.isnot(None))))
    return not has_product and not has_user


def demo_loaded() -> bool:
    """True when an earlier run left its marks (the demo admin, or a demo enterprise)."""
    slugs = [row[1] for row in ENTERPRISES + PENDING_ENTERPRISES]
    return bool(
        db.session.scalar(sa.select(sa.exists().where(User.email == _ACCOUNT["admin"])))
        or db.session.scalar(sa.select(sa.exists().where(Enterprise.slug.in_(slugs))))
    )


def _silent(_label: str) -> Callable[[int, int], None]:
    return lambda done, total: None


def seed_demo(progress: Progress | None = None, *, seed: int = 2026) -> bool:
    """Load the demo mall; returns False (and changes nothing) when it is already there."""
    if demo_loaded():
        return False
    progress = progress or _silent
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    try:
        categories = ensure_categories()
        enterprises = _seed_enterprises(rng, now, progress("입점기업"))
        approved = [e for e in enterprises if e.status is ApprovalStatus.APPROVED]
        seed_social_values(rng, approved)
        institutions = _seed_institutions(rng, now)
        _seed_users(rng, now, enterprises, institutions)
        products = _seed_products(rng, now, approved, categories, progress("상품과 이미지"))
        db.session.flush()
        seed_exhibitions(rng, products, kst_today(), progress("기획전"))
        seed_art_collabs(rng, products, {e.slug: e for e in approved})
        report = progress("검색 색인")
        index_products(products)
        report(len(products), len(products))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    # Through the services, which commit as they go: after the catalog is in place.
    seed_procurement_history(_account_user("institution"), _account_user("enterprise"), kst_today())
    return True


def _account_user(role: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == _ACCOUNT[role]))


def ensure_categories() -> dict[str, Category]:
    """The two-level demo tree, reusing categories that already exist by slug; slug -> Category."""
    existing = {c.slug: c for c in db.session.scalars(sa.select(Category))}
    for position, top in enumerate(CATEGORIES):
        parent = existing.get(top.slug)
        if parent is None:
            parent = existing[top.slug] = Category(name=top.name, slug=top.slug, position=position)
            db.session.add(parent)
        for sub_position, sub in enumerate(top.subs):
            if sub.slug not in existing:
                existing[sub.slug] = Category(name=sub.name, slug=sub.slug, position=sub_position, parent=parent)
                db.session.add(existing[sub.slug])
    db.session.flush()
    return existing


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN_SYLLABLES, 2))


def _mobile(rng: random.Random) -> str:
    return f"010{rng.randint(2000, 9999)}{rng.randint(0, 9999):04d}"


def _seoul_phone(rng: random.Random) -> str:
    return f"02{rng.randint(300, 9999)}{rng.randint(0, 9999):04d}"


def _business_number(rng: random.Random, taken: set[str], middle: str) -> str:
    while True:
        number = make_business_number(f"{rng.randint(101, 899)}{middle}{rng.randint(1, 9999):04d}")
        if number not in taken:
            taken.add(number)
            return number


def certificate_number(rng: random.Random, kind: EnterpriseType, year: int) -> str:
    n = rng.randint(1, 480)
    return {
        EnterpriseType.SOCIAL_ENTERPRISE: f"제{year}-{n:03d}호",
        EnterpriseType.PRELIMINARY_SOCIAL_ENTERPRISE: f"서울-예비-{year}-{n:03d}호",
        EnterpriseType.COOPERATIVE: f"서울-협동-{year}-{n:04d}",
        EnterpriseType.SOCIAL_COOPERATIVE: f"기재부 인가 제{year}-{n:03d}호",
        EnterpriseType.VILLAGE_ENTERPRISE: f"행안부 지정 마을-{year}-{n:03d}",
        EnterpriseType.SELF_SUFFICIENCY_ENTERPRISE: f"자활-서울-{year}-{n:03d}",
    }[kind]


GROUPS = ("장애인", "고령자", "경력보유여성", "자립준비청년", "자활사업 참여자", "북한이탈주민")


def _story(rng: random.Random, name: str, kind: EnterpriseType, district: str, summary: str,
           founded: int, representative: str) -> str:
    staff = rng.randint(6, 48)
    vulnerable = rng.randint(max(2, staff // 3), max(3, staff * 2 // 3))
    group = rng.choice(GROUPS)
    return sanitize_html(
        f"<p><strong>{summary}</strong> — {josa(name, '은', '는')} {founded}년 서울 {district}에서 문을 열었습니다.</p>"
        f"<p>{MISSIONS[kind]}</p><h3>우리가 하는 일</h3><ul>"
        f"<li>직원 {staff}명 가운데 {vulnerable}명이 {group}입니다.</li>"
        f"<li>{district} 주민과 이웃 기업에서 원료와 부자재를 먼저 구합니다.</li>"
        f"<li>남은 이익의 일부는 지역 돌봄과 교육 사업에 씁니다.</li></ul>"
        f"<blockquote>좋은 물건을 만드는 일이 좋은 일자리를 만드는 일이라고 믿습니다. — 대표 {representative}</blockquote>"
    )


def _seed_enterprises(rng: random.Random, now: datetime, report) -> list[Enterprise]:
    taken = set(db.session.scalars(sa.select(Enterprise.business_number)))
    rows = [(row, ApprovalStatus.APPROVED) for row in ENTERPRISES]
    rows += [(row, ApprovalStatus.PENDING) for row in PENDING_ENTERPRISES]
    enterprises = []
    for index, ((name, slug, kind, district, subs, summary), status) in enumerate(rows):
        founded = rng.randint(2009, 2022)
        representative = person_name(rng)
        base_fee = 0 if all(SUBS[s].service for s in subs) else rng.choice((0, 2500, 3000, 3000, 3500, 4000))
        top = TOP_OF[subs[0]]
        created = now - timedelta(days=rng.randint(400, 1500)) if status is ApprovalStatus.APPROVED \
            else now - timedelta(days=rng.randint(1, 6))
        enterprise = Enterprise(
            name=name, slug=slug, enterprise_type=kind, district=district, summary=summary,
            business_number=_business_number(rng, taken, rng.choice(("81", "82", "86", "87"))),
            representative=representative,
            certificate_number=certificate_number(rng, kind, rng.randint(founded, 2024)),
            address=f"서울특별시 {district} {STREETS[district]} {rng.randint(10, 320)}",
            phone=_seoul_phone(rng), email=f"contact@{slug}.example", founded_year=founded,
            story_html=_story(rng, name, kind, district, summary, founded, representative),
            shipping_base_fee_krw=base_fee,
            free_shipping_threshold_krw=None if base_fee == 0 else rng.choice((30000, 50000, 50000, 70000)),
            shipping_island_fee_krw=rng.choice((3000, 4000, 5000)),
            status=status, created_at=created,
            decided_at=created + timedelta(days=rng.randint(2, 14)) if status is ApprovalStatus.APPROVED else None,
        )
        enterprise.logo_path = images.stored(
            "demo/logos", slug, lambda: images.logo_image(name, top.color, zlib.crc32(slug.encode()))
        )
        db.session.add(enterprise)
        enterprises.append(enterprise)
        report(index + 1, len(rows))
    db.session.flush()
    return enterprises


def _seed_institutions(rng: random.Random, now: datetime) -> list[Institution]:
    taken = set(db.session.scalars(sa.select(Institution.business_number)))
    institutions = []
    for name, kind, address, postcode, target, approved, *_ in INSTITUTIONS:
        created = now - timedelta(days=rng.randint(30, 600) if approved else rng.randint(1, 5))
        institution = Institution(
            name=name, kind=InstitutionKind(kind), business_number=_business_number(rng, taken, "83"),
            postcode=postcode, address=address, address_detail="", phone=_seoul_phone(rng),
            purchase_target_krw=target, created_at=created,
            status=ApprovalStatus.APPROVED if approved else ApprovalStatus.PENDING,
            decided_at=created + timedelta(days=2) if approved else None,
        )
        db.session.add(institution)
        institutions.append(institution)
    db.session.flush()
    return institutions


def _user(rng: random.Random, now: datetime, email: str, role: Role, **kw) -> User:
    user = User(email=email, name=kw.pop("name", None) or person_name(rng), phone=_mobile(rng), role=role,
                created_at=now - timedelta(days=rng.randint(1, 300)), **kw)
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    return user


def _seed_users(rng: random.Random, now: datetime, enterprises: list[Enterprise], institutions: list[Institution]):
    by_slug = {e.slug: e for e in enterprises}
    _user(rng, now, _ACCOUNT["consumer"], Role.CONSUMER, marketing_agreed_at=now)
    _user(rng, now, _ACCOUNT["admin"], Role.ADMIN, name="지원센터 관리자")
    _user(rng, now, _ACCOUNT["enterprise"], Role.ENTERPRISE, enterprise=by_slug[SELLER_ENTERPRISE],
          enterprise_owner=True)
    for email, slug in EXTRA_SELLERS:
        _user(rng, now, email, Role.ENTERPRISE, enterprise=by_slug[slug], enterprise_owner=True)
    for row in PENDING_ENTERPRISES:  # the applicants behind the pending applications
        _user(rng, now, f"{row[1].split('-')[0]}@demo.hamkke.kr", Role.ENTERPRISE, enterprise=by_slug[row[1]],
              enterprise_owner=True)
    for institution, row in zip(institutions, INSTITUTIONS):
        email, department, position = row[6:9]
        buyer = _user(rng, now, email, Role.INSTITUTION, institution=institution, department=department,
                      position=position)
        if institution.is_approved:
            db.session.add(institution_address(institution, department, buyer))
    db.session.flush()


def _pick_sub(subs: tuple[str, ...], pools: dict[str, list], turn: int) -> str | None:
    for offset in range(len(subs)):
        slug = subs[(turn + offset) % len(subs)]
        if pools[slug]:
            return slug
    return None


def _seed_products(rng: random.Random, now: datetime, enterprises: list[Enterprise],
                   categories: dict[str, Category], report) -> list[Product]:
    pools = {slug: rng.sample(name_choices(sub), len(name_choices(sub))) for slug, sub in SUBS.items()}
    subs_of = {row[1]: row[4] for row in ENTERPRISES}
    plan = [(e, PRODUCTS_PER_ENTERPRISE + (1 if i % 3 == 0 else 0)) for i, e in enumerate(enterprises)]
    total = sum(count for _, count in plan)
    products: list[Product] = []
    for enterprise, count in plan:
        for turn in range(count):
            slug = _pick_sub(subs_of[enterprise.slug], pools, turn)
            if slug is None:
                break
            products.append(_product(rng, now, enterprise, SUBS[slug], categories[slug], pools[slug].pop(),
                                     len(products) + 1))
            report(len(products), total)
    if len(products) < total:  # some words ran out: close the bar anyway
        report(total, total)
    db.session.add_all(products)
    return products


def _product(rng, now, enterprise: Enterprise, sub, category: Category, choice, seq: int) -> Product:
    top = TOP_OF[sub.slug]
    slug = f"{sub.slug}-{seq:03d}"
    summary = summary_for(sub, choice)
    origin = SERVICE_ORIGIN if sub.service else rng.choice(sub.origin)
    lead = rng.randint(*sub.lead)
    sold_out = not sub.service and rng.random() < 0.06
    specs = variant_specs(sub, choice.base_price, rng, sold_out=sold_out)
    status = ProductStatus.ACTIVE
    if seq % 97 == 13:
        status = ProductStatus.HIDDEN
    elif seq % 89 == 40:
        status = ProductStatus.PENDING_REVIEW
    created = now - timedelta(days=rng.uniform(0, 365))
    product = Product(
        enterprise=enterprise, category=category, name=choice.name, slug=slug, summary=summary,
        description_html=description_html(sub, choice.name, summary, enterprise.name, origin, lead,
                                          [s.name for s in specs], rng),
        tax_type=TaxType.EXEMPT if sub.tax_exempt else TaxType.TAXABLE, status=status,
        min_order_qty=rng.choice(sub.min_qty), lead_time_days=lead, origin=origin,
        sales_count=sales_count(rng, sub.service), created_at=created, updated_at=created,
    )
    for position, spec in enumerate(specs):
        variant = Variant(name=spec.name, sku=f"HK{seq:04d}-{position + 1}", price_krw=spec.price_krw,
                          stock=spec.stock, track_stock=spec.track_stock, position=position)
        variant.price_tiers = [PriceTier(min_qty=q, unit_price_krw=p) for q, p in spec.tiers]
        product.variants.append(variant)
    path = images.stored("demo/products", slug,
                         lambda: images.product_image(choice.name, top.color, top.motif, seq), effort=0)
    product.images.append(ProductImage(path=path, alt=f"{choice.name} 제품 사진", position=0))
    if rng.random() < 0.5:
        shot = rng.randint(0, 3)
        shared = images.stored("demo/shared", f"{sub.slug}-{shot}", lambda: images.product_image(
            None, top.color, top.motif, zlib.crc32(f"{sub.slug}-{shot}".encode())), effort=0)
        product.images.append(ProductImage(path=shared, alt=f"{choice.name}의 {sub.name} 연출 그림", position=1))
    refresh_listing(product)
    return product
