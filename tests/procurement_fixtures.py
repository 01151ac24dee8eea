"""An approved institution with a buyer and a delivery address, and an enterprise member to answer."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from shop.accounts.models import Role, User
from shop.catalog.models import Product
from shop.extensions import db
from shop.institutions.models import Institution, InstitutionAddress


@dataclass
class Procurement:
    institution: Institution
    buyer: User
    address: InstitutionAddress
    seller: User
    product: Product


def add_address(institution: Institution, **kw) -> InstitutionAddress:
    address = InstitutionAddress(
        institution_id=institution.id, label=kw.pop("label", "본청"), department=kw.pop("department", "총무과"),
        contact_name=kw.pop("contact_name", "박주무관"), contact_phone=kw.pop("contact_phone", "02-2133-1234"),
        postcode=kw.pop("postcode", "04524"), address1=kw.pop("address1", "서울특별시 중구 세종대로 110"),
        address2=kw.pop("address2", "3층"), is_default=kw.pop("is_default", True), **kw,
    )
    db.session.add(address)
    db.session.commit()
    return address


@pytest.fixture
def procurement(make_institution, make_user, make_product, make_enterprise):
    institution = make_institution(name="서울특별시 마포구청", purchase_target_krw=50_000_000)
    buyer = make_user(Role.INSTITUTION, institution=institution, membership_approved=True, name="김구매",
                      department="총무과")
    enterprise = make_enterprise(name="마포 함께 협동조합", address="서울특별시 마포구 월드컵로 1")
    seller = make_user(Role.ENTERPRISE, enterprise=enterprise, name="이판매")
    product = make_product(name="친환경 복사용지 A4", enterprise=enterprise,
                           variants=[("80g 2500매", 25_000, 500)], tiers={0: [(50, 22_000)]})
    return Procurement(institution, buyer, add_address(institution), seller, product)
