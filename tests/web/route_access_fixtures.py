"""Set-up for tests/web/test_route_access.py: the victims (a consumer, an institution, an enterprise and the
center's own records) with real objects in every state the URLs name, the attackers (one of each role,
each owning something of its own), and a snapshot of every row that is not the attackers' own."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.cart import services as carts
from shop.catalog import review
from shop.enterprises import api_tokens, members
from shop.extensions import db
from shop.models_base import ApprovalStatus
from shop.orders import services as orders
from shop.orders.models import PaymentMethod
from shop.payments import services as payments
from shop.procurement import invoice_orders, quotes
from shop.procurement.quotes import QuoteRequest
from shop.reviews import services as reviews
from tests.procurement_fixtures import add_address
from tests.services.order_helpers import SEOUL, TODAY, new_key
from tests.services.test_catalog_editing import new_draft

SECRET_PRODUCT = "비밀 레시피 유자청"
SECRET_REVIEW = "포장이 꼼꼼하고 유자 향이 진해서 또 주문하려고 합니다."
VICTIM_NAME = "정피해"
INSTITUTION_DELIVERY = orders.Delivery("박주무관", "02-2133-1234", "04524", "서울특별시 중구 세종대로 110", "3층", "",
                                       "총무과")


@dataclass
class Attackers:
    consumer: User
    institution_buyer: User
    enterprise_member: User
    staff: User
    api_key: str  # the attacking enterprise's own key

    def roots(self) -> dict[str, set[int]]:
        """The rows everything the attackers own hangs from: their users, enterprise and institution."""
        users = {self.consumer.id, self.institution_buyer.id, self.enterprise_member.id, self.staff.id}
        return {"user": users, "enterprise": {self.enterprise_member.enterprise_id},
                "institution": {self.institution_buyer.institution_id}}


@dataclass
class Victims:
    """The values that fill URL parameters, one namespace per owner, and text that only they may see."""
    buyer: dict = field(default_factory=dict)        # the consumer's orders, reviews
    cart: dict = field(default_factory=dict)         # the consumer's cart
    enterprise: dict = field(default_factory=dict)   # the enterprise's console objects
    institution: dict = field(default_factory=dict)  # the institution's orders, quotes, addresses
    staff: dict = field(default_factory=dict)        # what the center decides on
    api: dict = field(default_factory=dict)          # the enterprise's objects by API
    people: dict = field(default_factory=dict)       # insiders with less than the owner's rights
    secrets: tuple = ()


def _deliver(shipment, seller) -> None:
    orders.start_preparing(shipment, seller)
    orders.ship(shipment, seller, courier="cj", tracking_number="612345678901")
    orders.mark_delivered(shipment, seller)


@pytest.fixture(name="victims")
def victims_fixture(procurement, make_user, make_product, make_enterprise, make_institution, make_category,
            make_exhibition, make_art_collab, make_social_value) -> Victims:
    p = procurement
    enterprise = p.product.enterprise
    owner = make_user(Role.ENTERPRISE, enterprise=enterprise, enterprise_owner=True, name="이대표")
    colleague = make_user(Role.ENTERPRISE, enterprise=enterprise, name="박동료")
    product = make_product(name=SECRET_PRODUCT, enterprise=enterprise,
                           variants=[("500g", 18_000, 40), ("1kg", 30_000, 20)])
    small, large = product.variants

    # The consumer: an unpaid order, a paid one, a delivered one with a review, a cart line.
    consumer = make_user(Role.CONSUMER, name=VICTIM_NAME)
    unpaid = orders.place_order(consumer, [(small.id, 1)], SEOUL, new_key(), today=TODAY)
    paid = orders.place_order(consumer, [(small.id, 2)], SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(paid, consumer)
    delivered = orders.place_order(consumer, [(small.id, 1), (large.id, 1)], SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(delivered, consumer)
    _deliver(delivered.shipments[0], owner)
    reviewed, unreviewed = sorted(delivered.items, key=lambda item: item.id)
    written = reviews.write_review(consumer, reviewed.id, 5, SECRET_REVIEW)
    cart_item = carts.add_to_member_cart(consumer, large.id, 3)

    # The institution: an answered and an open quotation, a delivered and an unaccepted invoice order.
    answered = quotes.request_quotes(p.buyer, QuoteRequest([(small.id, 10)], TODAY + timedelta(days=7),
                                                           INSTITUTION_DELIVERY), today=TODAY)[0]
    quotes.answer(answered, owner, unit_prices={answered.lines[0].id: 16_000}, shipping_fee_krw=0,
                  valid_until=TODAY + timedelta(days=7), today=TODAY)
    requested = quotes.request_quotes(p.buyer, QuoteRequest([(large.id, 5)], TODAY + timedelta(days=7),
                                                            INSTITUTION_DELIVERY), today=TODAY)[0]
    invoiced = orders.place_order(p.buyer, [(small.id, 5)], INSTITUTION_DELIVERY, new_key(), today=TODAY,
                                  payment_method=PaymentMethod.INVOICE)
    invoice_shipment = invoiced.shipments[0]
    invoice_orders.accept(invoice_shipment, owner)
    orders.ship(invoice_shipment, owner, courier="cj", tracking_number="612345678902")
    orders.mark_delivered(invoice_shipment, owner)
    waiting = orders.place_order(p.buyer, [(large.id, 2)], INSTITUTION_DELIVERY, new_key(), today=TODAY,
                                 payment_method=PaymentMethod.INVOICE)

    # The enterprise's own records, and a key of its own.
    record = make_social_value(enterprise, year=2025, measured_by="자체 측정")
    invitation = members.invite(enterprise.id, "newcomer@example.kr", owner).invitation
    key = api_tokens.issue(enterprise.id, "E의 재고 연동", owner).token

    # What the center decides on: a listing in review, applications, curation, a verified record.
    draft = new_draft(owner, make_category("잼·청", parent=make_category("식품")))
    review.submit_product(enterprise.id, draft.id, owner)
    pending = make_enterprise(name="도봉 마을부엌", status=ApprovalStatus.PENDING)
    applying = make_institution(name="서울시 도봉구청", status=ApprovalStatus.PENDING)
    joining = make_user(Role.INSTITUTION, institution=make_institution(name="서울시 은평구청"),
                        membership_approved=False)
    exhibition = make_exhibition(products=[draft])
    collab = make_art_collab(enterprise=enterprise, products=[draft])
    verified = make_social_value(enterprise, year=2024, verified=True, measured_by="SPC")

    former = make_user(Role.ENTERPRISE, enterprise=enterprise, name="최퇴사")
    applicant = make_user(Role.INSTITUTION, institution=p.institution, membership_approved=False, name="윤신청")

    return Victims(
        buyer={"number": unpaid.number, "delivered": delivered.number, "shipment_id": delivered.shipments[0].id,
               "order_item_id": unreviewed.id, "review_id": written.id},
        cart={"item_id": cart_item.id},
        enterprise={"product_id": product.id, "variant_id": small.id, "shipment_id": paid.shipments[0].id,
                    "invoice_shipment": invoice_shipment.id, "waiting_shipment": waiting.shipments[0].id,
                    "number": requested.number, "answered": answered.number, "record_id": record.id,
                    "user_id": colleague.id, "invitation_id": invitation.id, "token_id": key.id},
        institution={"number": invoiced.number, "waiting": waiting.number, "shipment_id": invoice_shipment.id,
                     "item_id": invoiced.items[0].id, "quote": answered.number, "requested": requested.number, "address_id": p.address.id},
        staff={"product_id": draft.id, "enterprise_id": pending.id, "institution_id": applying.id,
               "user_id": joining.id, "number": paid.number, "shipment_id": paid.shipments[0].id,
               "action": "ship", "exhibition_id": exhibition.id, "collaboration_id": collab.id,
               "artist_id": collab.artist_id, "category_id": draft.category_id, "record_id": verified.id},
        api={"sku": small.sku, "shipment_id": paid.shipments[0].id},
        people={"owner": owner, "plain_member": p.seller, "former_member": former, "applicant": applicant},
        # (the SKU in URLs is echoed back as sent, so only the other one is a secret)
        secrets=(SECRET_PRODUCT, SECRET_REVIEW, VICTIM_NAME, large.sku, unpaid.number, paid.number,
                 delivered.number, invoiced.number, waiting.number, answered.number, requested.number,
                 "김서울", "세종대로 110", "박주무관", "김구매"),
    )


@pytest.fixture(name="attackers")
def attackers_fixture(make_user, make_institution, make_enterprise) -> Attackers:
    """One of each role, none of them the victims' own: each has an institution, enterprise or key of its own."""
    institution = make_institution(name="서울시 강남구청", address="서울특별시 강남구 학동로 426")
    add_address(institution, label="강남구청", department="기획예산과", contact_name="최담당",
                contact_phone="02-3423-5114", address1="서울특별시 강남구 학동로 426", address2="")
    member = make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="다른 협동조합"), enterprise_owner=True,
                       name="한경쟁")
    return Attackers(
        consumer=make_user(Role.CONSUMER, name="최공격"),
        institution_buyer=make_user(Role.INSTITUTION, institution=institution, membership_approved=True,
                                    name="오타기관"),
        enterprise_member=member,
        staff=make_user(Role.ADMIN, name="센터직원"),
        api_key=api_tokens.issue(member.enterprise_id, "다른 기업의 서버", member).secret,
    )


# --- the snapshot -------------------------------------------------------------------------------------

# Rows that point here are not thereby anyone's: a category is the center's, whoever files under it.
NEUTRAL_TABLES = {"category"}


def _key(table, row) -> tuple:
    return tuple(row._mapping[c] for c in table.primary_key.columns)


def everyone_elses_rows(attackers: Attackers, also: User | None = None) -> dict[str, list[tuple]]:
    """Every row of every table except the attackers' own, as plain values.

    A row is the attackers' own when it is one of their root rows, or when every row it points to
    (outside the neutral tables) is theirs: their keys, invitations, addresses, audit entries. `also` is
    one more user counted as theirs (an insider signed in for the attempt). A row
    that also points to anyone else's (a review of the victim's order item, the victim's quote answered
    by the attacker) stays in the snapshot, so writing one shows up as a change."""
    db.session.expire_all()
    roots = attackers.roots()
    if also is not None:
        roots["user"] = roots["user"] | {also.id}
    theirs: dict[str, set] = {}
    snapshot: dict[str, list[tuple]] = {}
    for table in db.metadata.sorted_tables:
        own = theirs.setdefault(table.name, set())
        kept = []
        for row in db.session.execute(sa.select(table).order_by(*table.primary_key.columns)):
            key = _key(table, row)
            refs = [(fk.column.table.name, row._mapping[column]) for column in table.columns
                    for fk in column.foreign_keys
                    if row._mapping[column] is not None and fk.column.table.name not in NEUTRAL_TABLES]
            is_root = len(key) == 1 and key[0] in roots.get(table.name, ())
            if is_root or (refs and all((value,) in theirs.get(name, ()) for name, value in refs)):
                own.add(key)
            else:
                kept.append(tuple(row))
        snapshot[table.name] = kept
    return snapshot


def changed_tables(before: dict, after: dict) -> dict[str, tuple[list, list]]:
    """Per table, the rows that went away and the rows that appeared."""
    changes = {}
    for name, rows in before.items():
        gone = [row for row in rows if row not in after[name]]
        new = [row for row in after[name] if row not in rows]
        if gone or new:
            changes[name] = (gone, new)
    return changes
