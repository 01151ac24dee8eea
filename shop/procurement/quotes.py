"""Quotations (견적): an institution's buyer asks one enterprise for prices on some options; the
enterprise answers with unit prices, a delivery fee and a valid-until date; the buyer accepts (an order
at exactly those prices, made once) or declines; an answer lapses after its valid-until date.
Every move goes through `_move`, which checks QUOTE_TRANSITIONS with a conditional UPDATE."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from shop.accounts.models import Role, User
from shop.audit import services as audit
from shop.cart.basket import (
    INSTITUTION_MAX_QTY_PER_LINE,
    Basket,
    BasketLine,
    EnterpriseGroup,
    line_problem,
    load_variants,
    price_basket,
)
from shop.catalog.models import ProductStatus
from shop.core.errors import RuleError
from shop.core.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from shop.core.transactions import write_transaction
from shop.extensions import db
from shop.institutions import services as institutions
from shop.models_base import utcnow
from shop.orders import services as orders
from shop.orders.models import Order, OrderChannel, PaymentMethod
from shop.orders.numbering import ALPHABET, KST
from shop.orders.services import Delivery, OrderError
from shop.procurement.models import Quote, QuoteEvent, QuoteLine, QuoteStatus

BUYER, ENTERPRISE, STAFF, SYSTEM = "구매기관", "입점기업", "지원센터", "시스템"
MAX_LINES = 50
NEVER_LISTED = (ProductStatus.DRAFT, ProductStatus.PENDING_REVIEW)  # listings buyers have never seen
MAX_UNIT_PRICE_KRW = 100_000_000
MAX_SHIPPING_FEE_KRW = 10_000_000

QUOTE_TRANSITIONS: dict[QuoteStatus, set[QuoteStatus]] = {
    QuoteStatus.REQUESTED: {QuoteStatus.ANSWERED, QuoteStatus.REFUSED, QuoteStatus.WITHDRAWN},
    QuoteStatus.ANSWERED: {QuoteStatus.ACCEPTED, QuoteStatus.DECLINED, QuoteStatus.WITHDRAWN, QuoteStatus.EXPIRED},
    QuoteStatus.ACCEPTED: set(),
    QuoteStatus.DECLINED: set(),
    QuoteStatus.REFUSED: set(),
    QuoteStatus.WITHDRAWN: set(),
    QuoteStatus.EXPIRED: set(),
}


class QuoteError(RuleError):
    """A refused quotation action; the message is for the user."""


@dataclass(frozen=True)
class QuoteRequest:
    """What the buyer asks for: (variant id, quantity) lines, when and where it is needed."""

    lines: list[tuple[int, int]]
    needed_by: date | None
    delivery: Delivery
    note: str = ""


# --- who may act ---------------------------------------------------------------------------------


def _buyer_label(quote: Quote, user: User) -> str:
    if institutions.buys_for(user, quote.institution_id):
        return BUYER
    raise QuoteError("이 견적을 처리할 권한이 없습니다.")


def _enterprise_label(quote: Quote, user: User) -> str:
    if user.role is Role.ADMIN:
        return STAFF
    if user.role is Role.ENTERPRISE and user.enterprise_id == quote.enterprise_id:
        return ENTERPRISE
    raise QuoteError("이 견적을 처리할 권한이 없습니다.")


# --- the one state change ------------------------------------------------------------------------


def _move(quote: Quote, to: QuoteStatus, actor: User | None, actor_label: str, note: str = "", **values) -> bool:
    """Inside the caller's transaction: move the quote if the table allows it and nobody moved it first.
    Returns False when another request changed it meanwhile; raises QuoteError for a refused move."""
    frm = quote.status
    if to not in QUOTE_TRANSITIONS[frm]:
        raise QuoteError(f"'{frm.label}' 상태의 견적은 '{to.label}'(으)로 바꿀 수 없습니다.")
    result = db.session.execute(
        sa.update(Quote).where(Quote.id == quote.id, Quote.status == frm).values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.add(QuoteEvent(quote_id=quote.id, from_status=frm.value, to_status=to.value,
                              actor_id=actor.id if actor else None, actor_label=actor_label, note=note[:300]))
    audit.record(actor, "quote.status", "quote", quote.id, f"견적 {quote.number}", before={"status": frm},
                 after={"status": to}, reason=note or None, actor_text=None if actor else actor_label)
    return True


def _move_now(quote: Quote, to: QuoteStatus, actor: User | None, actor_label: str, note: str = "",
              **values) -> None:
    with write_transaction():
        db.session.refresh(quote)
        if not _move(quote, to, actor, actor_label, note, **values):
            raise QuoteError("방금 다른 곳에서 견적 상태가 바뀌었습니다. 새로고침 후 다시 확인해 주세요.")
    db.session.refresh(quote)


# --- reading, always within one institution or one enterprise -----------------------------------


def _query():
    # the one-of relations ride along in the same query; lines and events take one more query each
    return sa.select(Quote).options(selectinload(Quote.lines), selectinload(Quote.events),
                                    joinedload(Quote.enterprise), joinedload(Quote.institution),
                                    joinedload(Quote.requester))


def institution_quotes(institution_id: int, *, limit: int = 100) -> list[Quote]:
    return list(db.session.scalars(_query().where(Quote.institution_id == institution_id)
                                   .order_by(Quote.created_at.desc(), Quote.id.desc()).limit(limit)))


def institution_quote(institution_id: int, number: str) -> Quote | None:
    return db.session.scalar(_query().where(Quote.institution_id == institution_id, Quote.number == number))


def enterprise_quotes(enterprise_id: int, *, status: QuoteStatus | None = None, limit: int = 100) -> list[Quote]:
    stmt = _query().where(Quote.enterprise_id == enterprise_id)
    if status is not None:
        stmt = stmt.where(Quote.status == status)
    return list(db.session.scalars(stmt.order_by(Quote.created_at.desc(), Quote.id.desc()).limit(limit)))


def enterprise_quote(enterprise_id: int, number: str) -> Quote | None:
    return db.session.scalar(_query().where(Quote.enterprise_id == enterprise_id, Quote.number == number))


def order_of(quote: Quote) -> Order | None:
    return db.session.scalar(sa.select(Order).where(Order.quote_id == quote.id))


# --- requesting -----------------------------------------------------------------------------------


def _new_number() -> str:
    """`Q20261127-7K3QX2`, in the style of order numbers."""
    now = utcnow().astimezone(KST)
    return f"Q{now:%Y%m%d}-" + "".join(secrets.choice(ALPHABET) for _ in range(6))


def request_quotes(buyer: User, request: QuoteRequest, *, today: date) -> list[Quote]:
    """One request per enterprise among the lines; the mall's current price for each quantity is
    kept for comparison. All requests are saved, or none."""
    if not institutions.buys_for(buyer):
        raise QuoteError("견적 요청은 승인된 공공기관 구매담당자만 할 수 있습니다.")
    lines = [(vid, qty) for vid, qty in request.lines if qty]
    if not lines:
        raise QuoteError("견적 받을 상품과 수량을 골라 주세요.")
    if len(lines) > MAX_LINES:
        raise QuoteError(f"한 번에 {MAX_LINES}개 품목까지 견적을 요청할 수 있습니다.")
    if not isinstance(request.needed_by, date):
        raise QuoteError("납품 요청일을 입력해 주세요.", "needed_by")
    if request.needed_by < today:
        raise QuoteError("납품 요청일은 오늘 이후로 골라 주세요.", "needed_by")
    note = (request.note or "").strip()
    if len(note) > 1000:
        raise QuoteError("요청 사항은 1,000자 이내로 입력해 주세요.", "note")
    if has_control_characters(note):
        raise QuoteError(CONTROL_CHARACTERS_MESSAGE, "note")
    try:
        delivery = request.delivery.checked()
    except OrderError as exc:
        raise QuoteError(str(exc), exc.field) from None
    merged: dict[int, int] = {}
    for vid, qty in lines:
        merged[vid] = merged.get(vid, 0) + qty
    basket = price_basket(list(merged.items()), today=today, postcode=delivery.postcode,
                          max_qty=INSTITUTION_MAX_QTY_PER_LINE)
    # An option id is anyone's to type: a listing never shown to buyers is as unknown as a made-up id.
    if len(basket.lines) != len(merged) or any(line.product.status in NEVER_LISTED for line in basket.lines):
        raise QuoteError("없는 상품이 포함되어 있습니다. 다시 골라 주세요.")
    problems = [f"{line.product.name} ({line.variant.name}): {line.problem}" for line in basket.lines
                if line.problem and not line.problem.startswith("재고") and line.problem != "품절되었습니다."]
    if problems:  # stock is the enterprise's to answer for in its quotation
        raise QuoteError(" ".join(problems))
    quotes = []
    with write_transaction():
        for group in basket.groups:
            quote = Quote(
                number=_new_number(), institution_id=buyer.institution_id, requester_id=buyer.id,
                enterprise_id=group.enterprise.id, status=QuoteStatus.REQUESTED, needed_by=request.needed_by,
                recipient_name=delivery.recipient_name, recipient_phone=delivery.recipient_phone,
                recipient_department=delivery.department, postcode=delivery.postcode,
                address1=delivery.address1, address2=delivery.address2, request_note=note,
            )
            for line in group.lines:
                quote.lines.append(QuoteLine(
                    product_id=line.product.id, variant_id=line.variant.id, product_name=line.product.name,
                    option_name=line.variant.name, sku=line.variant.sku, tax_type=line.product.tax_type,
                    quantity=line.quantity, list_price_krw=line.unit_price_krw,
                ))
            quote.events.append(QuoteEvent(to_status=QuoteStatus.REQUESTED.value, actor_id=buyer.id,
                                           actor_label=BUYER, note="견적 요청"))
            db.session.add(quote)
            quotes.append(quote)
    return quotes


def withdraw(quote: Quote, buyer: User, *, reason: str = "") -> None:
    label = _buyer_label(quote, buyer)
    _move_now(quote, QuoteStatus.WITHDRAWN, buyer, label, f"요청 취소 {reason}".strip(),
              decision_reason=(reason or "").strip()[:500] or None)


# --- the enterprise's answer ---------------------------------------------------------------------


def answer(quote: Quote, actor: User, *, unit_prices: dict[int, int], shipping_fee_krw: int,
           valid_until: date | None, note: str = "", today: date) -> None:
    """The enterprise's prices for every line, its delivery fee and how long the offer holds."""
    label = _enterprise_label(quote, actor)
    prices = {}
    for line in quote.lines:
        price = unit_prices.get(line.id)
        if isinstance(price, bool) or not isinstance(price, int) or not 0 < price <= MAX_UNIT_PRICE_KRW:
            raise QuoteError(f"{line.product_name}: 단가를 1원 이상 {MAX_UNIT_PRICE_KRW:,}원 이하로 입력해 주세요.",
                             f"price_{line.id}")
        prices[line.id] = price
    if isinstance(shipping_fee_krw, bool) or not isinstance(shipping_fee_krw, int) \
            or not 0 <= shipping_fee_krw <= MAX_SHIPPING_FEE_KRW:
        raise QuoteError("배송비를 0원 이상으로 입력해 주세요.", "shipping_fee_krw")
    if not isinstance(valid_until, date) or valid_until < today:
        raise QuoteError("견적 유효기한은 오늘 이후 날짜로 입력해 주세요.", "valid_until")
    note = (note or "").strip()
    if len(note) > 1000:
        raise QuoteError("견적 메모는 1,000자 이내로 입력해 주세요.", "note")
    if has_control_characters(note):
        raise QuoteError(CONTROL_CHARACTERS_MESSAGE, "note")
    with write_transaction():
        db.session.refresh(quote)
        if not _move(quote, QuoteStatus.ANSWERED, actor, label, f"견적 회신 (유효기한 {valid_until:%Y-%m-%d})",
                     shipping_fee_krw=shipping_fee_krw, valid_until=valid_until, answer_note=note,
                     answered_at=utcnow(), answered_by_id=actor.id):
            raise QuoteError("방금 다른 곳에서 견적 상태가 바뀌었습니다. 새로고침 후 다시 확인해 주세요.")
        for line_id, price in prices.items():
            db.session.execute(sa.update(QuoteLine).where(QuoteLine.id == line_id, QuoteLine.quote_id == quote.id)
                               .values(unit_price_krw=price).execution_options(synchronize_session=False))
    db.session.expire_all()


def refuse(quote: Quote, actor: User, *, reason: str) -> None:
    """The enterprise cannot supply what was asked."""
    label = _enterprise_label(quote, actor)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise QuoteError("견적 불가 사유를 500자 이내로 입력해 주세요. 구매기관에 그대로 안내됩니다.", "reason")
    _move_now(quote, QuoteStatus.REFUSED, actor, label, f"견적 불가: {reason}", decision_reason=reason)


# --- the buyer's decision ------------------------------------------------------------------------


def expire_if_lapsed(quote: Quote, today: date) -> bool:
    """Lazy expiry: an answered quotation past its valid-until date cannot be accepted."""
    if quote.status is QuoteStatus.ANSWERED and quote.valid_until is not None and quote.valid_until < today:
        with write_transaction():
            db.session.refresh(quote)  # someone may have accepted, declined or expired it meanwhile
            moved = quote.status is QuoteStatus.ANSWERED and _move(quote, QuoteStatus.EXPIRED, None, SYSTEM,
                                                                   "유효기한 경과")
        db.session.refresh(quote)
        return moved
    return False


def expire_lapsed_quotes(today: date) -> int:
    """For the scheduler: every answered quotation past its valid-until date lapses."""
    lapsed = db.session.scalars(sa.select(Quote).where(Quote.status == QuoteStatus.ANSWERED,
                                                       Quote.valid_until < today)).all()
    return sum(expire_if_lapsed(quote, today) for quote in lapsed)


def decline(quote: Quote, buyer: User, *, reason: str = "") -> None:
    label = _buyer_label(quote, buyer)
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise QuoteError("사유는 500자 이내로 입력해 주세요.", "reason")
    _move_now(quote, QuoteStatus.DECLINED, buyer, label, f"견적 거절 {reason}".strip(), decision_reason=reason or None)


def _quoted_basket(quote: Quote) -> Basket:
    """The quotation as a basket at exactly the quoted prices and delivery fee."""
    variants = load_variants(line.variant_id for line in quote.lines if line.variant_id)
    group = EnterpriseGroup(quote.enterprise, shipping_fee_krw=quote.shipping_fee_krw)
    for line in quote.lines:
        variant = variants.get(line.variant_id)
        if variant is None:
            raise QuoteError(f"{line.product_name} ({line.option_name})은(는) 더 이상 판매하지 않는 상품입니다.")
        problem = line_problem(variant, line.quantity, INSTITUTION_MAX_QTY_PER_LINE)
        if problem:
            raise QuoteError(f"{line.product_name} ({line.option_name}): {problem}")
        group.lines.append(BasketLine(variant, line.quantity, line.unit_price_krw))
    return Basket([group], quote.postcode)


def accept(quote: Quote, buyer: User, *, payment_method: str = PaymentMethod.INVOICE.value, today: date) -> Order:
    """Turn the answered quotation into an order at exactly its prices. Accepting twice, even at the
    same moment from two buyers of the institution, yields the one order."""
    label = _buyer_label(quote, buyer)
    try:
        method = PaymentMethod(payment_method)
    except ValueError:
        raise QuoteError("결제 방법을 골라 주세요.", "payment_method") from None
    if quote.status is QuoteStatus.ACCEPTED:
        existing = order_of(quote)
        if existing is not None:
            return existing
    if expire_if_lapsed(quote, today):
        raise QuoteError(f"견적 유효기한({quote.valid_until:%Y-%m-%d})이 지나 수락할 수 없습니다. 다시 견적을 요청해 주세요.")
    if quote.status is not QuoteStatus.ANSWERED:
        raise QuoteError(f"'{quote.status.label}' 상태의 견적은 수락할 수 없습니다.")
    basket = _quoted_basket(quote)
    delivery = Delivery(quote.recipient_name, quote.recipient_phone, quote.postcode, quote.address1,
                        quote.address2, f"견적 {quote.number}", quote.recipient_department)

    def take_the_quote() -> Order | None:
        db.session.refresh(quote)
        if quote.status is QuoteStatus.ACCEPTED:
            return order_of(quote)
        if not _move(quote, QuoteStatus.ACCEPTED, buyer, label, "견적 수락, 주문 전환"):
            db.session.refresh(quote)
            existing = order_of(quote)
            if existing is None:
                raise QuoteError("방금 다른 곳에서 견적 상태가 바뀌었습니다. 새로고침 후 다시 확인해 주세요.")
            return existing
        return None

    try:
        order = orders.place_priced_order(buyer, basket, delivery, f"quote-acceptance-{quote.id:08d}",
                                          channel=OrderChannel.INSTITUTION, payment_method=method,
                                          quote_id=quote.id, before_insert=take_the_quote)
    except OrderError as exc:
        raise QuoteError(str(exc), exc.field) from None
    db.session.refresh(quote)
    return order
