"""Factories for test data, as fixtures: each returns a function that makes one saved object."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from shop.accounts.models import Role, User
from shop.catalog.models import Category, PriceTier, Product, ProductImage, ProductStatus, TaxType, Variant
from shop.catalog.services import refresh_listing
from shop.core.korea import kst_today, make_business_number
from shop.curation.models import (
    ArtCollaboration,
    Artist,
    Exhibition,
    ExhibitionItem,
    ExhibitionKind,
    ExhibitionPrice,
    OrganizerType,
)
from shop.enterprises.models import Enterprise, EnterpriseType, SocialValueArea, SocialValueRecord
from shop.extensions import db
from shop.institutions.models import Institution, InstitutionKind
from shop.models_base import ApprovalStatus
from shop.search.services import index_products

PASSWORD = "correct-horse-42"
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


@pytest.fixture
def make_enterprise(app):
    def make(**kw) -> Enterprise:
        n = _n()
        enterprise = Enterprise(
            name=kw.pop("name", f"함께협동조합{n}"),
            slug=kw.pop("slug", f"enterprise-{n}"),
            business_number=kw.pop("business_number", make_business_number(f"{110000000 + n:09d}")),
            representative=kw.pop("representative", "홍길동"),
            enterprise_type=kw.pop("enterprise_type", EnterpriseType.SOCIAL_ENTERPRISE),
            district=kw.pop("district", "마포구"),
            phone=kw.pop("phone", "0212345678"),
            status=kw.pop("status", ApprovalStatus.APPROVED),
            summary=kw.pop("summary", "취약계층과 함께 만드는 제품"),
            **kw,
        )
        db.session.add(enterprise)
        db.session.commit()
        return enterprise

    return make


@pytest.fixture
def make_category(app):
    def make(name: str | None = None, parent: Category | None = None, **kw) -> Category:
        n = _n()
        category = Category(name=name or f"카테고리{n}", slug=kw.pop("slug", f"category-{n}"), parent=parent, **kw)
        db.session.add(category)
        db.session.commit()
        return category

    return make


@pytest.fixture
def make_product(app, make_enterprise, make_category):
    """make_product(name=..., variants=[(name, price, stock)], tiers={0: [(min_qty, price)]})"""

    def make(**kw) -> Product:
        n = _n()
        variants = kw.pop("variants", [("기본", kw.pop("price", 12000), kw.pop("stock", 10))])
        tiers = kw.pop("tiers", {})
        product = Product(
            name=kw.pop("name", f"유기농 현미 {n}"),
            slug=kw.pop("slug", f"product-{n}"),
            summary=kw.pop("summary", "서울 근교 농가와 함께 기른 곡물"),
            enterprise=kw.pop("enterprise", None) or make_enterprise(),
            category=kw.pop("category", None) or make_category(),
            status=kw.pop("status", ProductStatus.ACTIVE),
            tax_type=kw.pop("tax_type", TaxType.TAXABLE),
            **kw,
        )
        for position, (name, price, stock) in enumerate(variants):
            variant = Variant(name=name, price_krw=price, stock=stock, sku=f"SKU-{n}-{position}", position=position)
            for min_qty, unit_price in tiers.get(position, []):
                variant.price_tiers.append(PriceTier(min_qty=min_qty, unit_price_krw=unit_price))
            product.variants.append(variant)
        product.images.append(ProductImage(path=f"test/{n}.webp", alt=f"{product.name} 사진", position=0))
        refresh_listing(product)
        db.session.add(product)
        db.session.flush()
        index_products([product])
        db.session.commit()
        return product

    return make


@pytest.fixture
def make_user(app):
    def make(role: Role = Role.CONSUMER, **kw) -> User:
        n = _n()
        user = User(
            email=kw.pop("email", f"user{n}@example.kr"),
            name=kw.pop("name", f"김회원{n}"),
            phone=kw.pop("phone", "01012345678"),
            role=role,
            **kw,
        )
        user.set_password(kw.pop("password", PASSWORD))
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_institution(app):
    def make(**kw) -> Institution:
        n = _n()
        institution = Institution(
            name=kw.pop("name", f"서울시 테스트기관{n}"),
            kind=kw.pop("kind", InstitutionKind.DISTRICT_OFFICE),
            business_number=kw.pop("business_number", make_business_number(f"{210000000 + n:09d}")),
            postcode=kw.pop("postcode", "04524"),
            address=kw.pop("address", "서울특별시 중구 세종대로 110"),
            status=kw.pop("status", ApprovalStatus.APPROVED),
            **kw,
        )
        db.session.add(institution)
        db.session.commit()
        return institution

    return make


@pytest.fixture
def make_social_value(app):
    def make(enterprise: Enterprise, year: int = 2025, amount: int = 120_000_000,
             area: SocialValueArea = SocialValueArea.EMPLOYMENT, **kw) -> SocialValueRecord:
        record = SocialValueRecord(enterprise=enterprise, year=year, amount_krw=amount, area=area, **kw)
        db.session.add(record)
        db.session.commit()
        return record

    return make


@pytest.fixture
def make_exhibition(app):
    def make(products=(), special_prices: dict | None = None, **kw) -> Exhibition:
        """special_prices maps a Variant to its special price."""
        n = _n()
        today = kst_today()
        exhibition = Exhibition(
            title=kw.pop("title", f"공공구매 기획전 {n}"),
            slug=kw.pop("slug", f"exhibition-{n}"),
            organizer_type=kw.pop("organizer_type", OrganizerType.CITY),
            organizer_name=kw.pop("organizer_name", "서울특별시"),
            kind=kw.pop("kind", ExhibitionKind.PUBLIC_PROCUREMENT),
            starts_on=kw.pop("starts_on", today - timedelta(days=3)),
            ends_on=kw.pop("ends_on", today + timedelta(days=10)),
            is_published=kw.pop("is_published", True),
            **kw,
        )
        for position, product in enumerate(products):
            exhibition.items.append(ExhibitionItem(product=product, position=position))
        for variant, price in (special_prices or {}).items():
            exhibition.special_prices.append(ExhibitionPrice(variant=variant, price_krw=price))
        db.session.add(exhibition)
        db.session.commit()
        return exhibition

    return make


@pytest.fixture
def make_art_collab(app, make_enterprise):
    def make(products=(), **kw) -> ArtCollaboration:
        n = _n()
        artist = kw.pop("artist", None) or Artist(name=f"작가{n}", bio="신진 일러스트레이터")
        collab = ArtCollaboration(
            title=kw.pop("title", f"새 옷을 입은 포장 {n}"),
            slug=kw.pop("slug", f"art-collab-{n}"),
            artist=artist,
            enterprise=kw.pop("enterprise", None) or make_enterprise(),
            year=kw.pop("year", 2025),
            is_published=kw.pop("is_published", True),
            before_image_path="test/before.webp",
            before_image_alt="기존 포장",
            after_image_path="test/after.webp",
            after_image_alt="새 포장",
            **kw,
        )
        collab.products.extend(products)
        db.session.add(collab)
        db.session.commit()
        return collab

    return make
