"""Shared set-up for quotation and invoice-order tests: an approved institution with two buyers, a buyer
of another institution, two enterprises with their members, the institution's delivery address, and
small helpers that read what a user would see (stock, statuses, the timeline).

Import the fixtures you use into the test module (`from tests.services.procurement_helpers import ...`)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from shop.accounts.models import Role, User, password_hash_method
from shop.catalog.models import TaxType, Variant
from shop.enterprises.models import Enterprise
from shop.extensions import db
from shop.institutions.models import Institution
from shop.orders import services as orders
from shop.orders.models import Order, OrderEvent, PaymentMethod, Shipment
from shop.orders.services import Delivery
from shop.procurement import quotes
from shop.procurement.models import Quote, QuoteEvent
from tests.factories import PASSWORD
from tests.services.order_helpers import new_key

# The services compare with dates in Korea (a delivery made at 01:00 KST is inspected that KST day).
TODAY = datetime.now(ZoneInfo("Asia/Seoul")).date()
TOMORROW = TODAY + timedelta(days=1)
YESTERDAY = TODAY - timedelta(days=1)

# An institution's receiving department gives its office line, not a mobile.
OFFICE = Delivery("박주무관", "02-2133-1234", "04524", "서울특별시 중구 세종대로 110", "본관 3층",
                  "평일 9시~18시 수령", "총무과")


@dataclass
class Market:
    """Everyone in a quotation or an invoice order, and the options they trade."""

    institution: Institution
    buyer: User  # 김구매, who asks for quotations and orders
    second_buyer: User  # a colleague at the same institution
    outsider: User  # a buyer of another institution
    pending_member: User  # joined the institution, not yet approved by the center
    consumer: User
    staff: User
    paper_co: Enterprise
    farm_co: Enterprise
    seller: User  # member of paper_co
    farm_seller: User  # member of farm_co
    stranger_seller: User  # member of a third enterprise
    paper: Variant  # taxable, 25,000원, 22,000원 from 50, stock 500
    rice: Variant  # tax-exempt (면세), 19,000원, 17,000원 from 20, stock 40
    snack: Variant  # taxable, 8,000원, stock 100 (the same enterprise as the rice)


_PASSWORD_HASH: list[str] = []


def _user(role: Role, name: str, **kw) -> User:
    """A saved member; the password is hashed once per run (scrypt is slow on purpose, ten users a test add up)."""
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(generate_password_hash(PASSWORD, method=password_hash_method()))
    user = User(email=f"{secrets.token_hex(6)}@example.kr", name=name, phone="01012345678", role=role,
                password_hash=_PASSWORD_HASH[0], **kw)
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def market(make_institution, make_enterprise, make_product) -> Market:
    institution = make_institution(name="서울특별시 마포구청")
    other_institution = make_institution(name="서울특별시 은평구청")
    buyer = _user(Role.INSTITUTION, institution=institution, name="김구매", department="총무과")
    second_buyer = _user(Role.INSTITUTION, institution=institution, name="최동료", department="총무과")
    outsider = _user(Role.INSTITUTION, institution=other_institution, name="정타기관")
    pending_member = _user(Role.INSTITUTION, institution=institution, name="신입대기", membership_approved=False)
    paper_co = make_enterprise(name="마포 재생종이 협동조합", shipping_base_fee_krw=3000,
                               free_shipping_threshold_krw=300_000)
    farm_co = make_enterprise(name="늘봄농부 사회적협동조합", shipping_base_fee_krw=4000,
                              free_shipping_threshold_krw=2_000_000)
    third_co = make_enterprise(name="다른 마을기업")
    paper = make_product(name="친환경 복사용지 A4", enterprise=paper_co, variants=[("80g 2500매", 25_000, 500)],
                         tiers={0: [(50, 22_000)]})
    rice = make_product(name="유기농 현미 4kg", enterprise=farm_co, tax_type=TaxType.EXEMPT,
                        variants=[("4kg", 19_000, 40)], tiers={0: [(20, 17_000)]})
    snack = make_product(name="현미 누룽지 선물세트", enterprise=farm_co, variants=[("10봉", 8_000, 100)])
    return Market(
        institution=institution, buyer=buyer, second_buyer=second_buyer, outsider=outsider,
        pending_member=pending_member, consumer=_user(Role.CONSUMER, "이소비"),
        staff=_user(Role.ADMIN, "센터직원"), paper_co=paper_co, farm_co=farm_co,
        seller=_user(Role.ENTERPRISE, enterprise=paper_co, name="이판매"),
        farm_seller=_user(Role.ENTERPRISE, enterprise=farm_co, name="한농부"),
        stranger_seller=_user(Role.ENTERPRISE, enterprise=third_co, name="남기업"),
        paper=paper.variants[0], rice=rice.variants[0], snack=snack.variants[0],
    )


# --- reading what a user would see -----------------------------------------------------------------


def stock_of(variant_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Variant, variant_id).stock


def fresh(model, row_id: int):
    """The row as the database has it now."""
    db.session.expire_all()
    return db.session.get(model, row_id)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def order_timeline(order_id: int) -> list[tuple[int | None, str, str]]:
    """(shipment id, new status, who) for every step of the order, oldest first."""
    rows = db.session.execute(sa.select(OrderEvent.shipment_id, OrderEvent.to_status, OrderEvent.actor_label)
                              .where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)).all()
    return [tuple(row) for row in rows]


def quote_timeline(quote_id: int) -> list[tuple[str, str]]:
    rows = db.session.execute(sa.select(QuoteEvent.to_status, QuoteEvent.actor_label)
                              .where(QuoteEvent.quote_id == quote_id).order_by(QuoteEvent.id)).all()
    return [tuple(row) for row in rows]


# --- doing ------------------------------------------------------------------------------------------


def invoice_order(buyer: User, lines: list[tuple[int, int]], *, today: date = TODAY) -> Order:
    return orders.place_order(buyer, lines, OFFICE, new_key(), today=today, payment_method=PaymentMethod.INVOICE)


def shipment_of(order: Order, enterprise: Enterprise) -> Shipment:
    return next(s for s in fresh(Order, order.id).shipments if s.enterprise_id == enterprise.id)


def request_one(market: Market, lines: list[tuple[int, int]], *, buyer: User | None = None,
                needed_by: date | None = None, today: date = TODAY) -> Quote:
    """A quotation request to the one enterprise whose options are in `lines`."""
    (quote,) = quotes.request_quotes(
        buyer or market.buyer,
        quotes.QuoteRequest(lines, needed_by or today + timedelta(days=14), OFFICE, "납품 시 거래명세서 동봉"),
        today=today,
    )
    return quote


def answer_all(quote: Quote, actor: User, price_by_variant: dict[int, int], *, shipping_fee_krw: int = 0,
               valid_until: date | None = None, today: date = TODAY) -> None:
    quotes.answer(quote, actor, unit_prices={line.id: price_by_variant[line.variant_id] for line in quote.lines},
                  shipping_fee_krw=shipping_fee_krw, valid_until=valid_until or today + timedelta(days=30),
                  note="부가세 포함, 납기 5일", today=today)
