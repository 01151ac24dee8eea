"""Placing an order and every state change after it. Each change goes through one function that checks
the transition and applies it with a conditional UPDATE, so two racing requests cannot both win."""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from shop.accounts.models import Role, User
from shop.audit import services as audit
from shop.audit.models import AuditEntry
from shop.cart.basket import Basket, max_qty_per_line, member_cart_id, price_basket, price_member_cart
from shop.cart.models import CartItem
from shop.core.cache import cart_lines, note_changed, touching
from shop.core.errors import RuleError
from shop.core.korea import digits_only, is_valid_mobile, is_valid_phone, is_valid_postcode, normalize_phone
from shop.core.rows import insert_loaded
from shop.core.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from shop.core.transactions import write_transaction
from shop.extensions import db
from shop.institutions import services as institutions
from shop.models_base import as_utc, utcnow
from shop.notifications import order_mail
from shop.orders import stock
from shop.orders.couriers import COURIERS
from shop.orders.models import (
    Order,
    OrderChannel,
    OrderEvent,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    ReturnReason,
    Shipment,
    ShipmentStatus,
)
from shop.orders.numbering import new_order_number

BUYER, SYSTEM, ENTERPRISE, STAFF = "구매자", "시스템", "입점기업", "지원센터"

SHIPMENT_TRANSITIONS: dict[ShipmentStatus, set[ShipmentStatus]] = {
    ShipmentStatus.AWAITING_PAYMENT: {ShipmentStatus.PAID, ShipmentStatus.CANCELLED},
    ShipmentStatus.PAID: {ShipmentStatus.PREPARING, ShipmentStatus.CANCELLED},
    ShipmentStatus.PREPARING: {ShipmentStatus.SHIPPED, ShipmentStatus.CANCELLED},
    ShipmentStatus.SHIPPED: {ShipmentStatus.DELIVERED},
    ShipmentStatus.DELIVERED: {ShipmentStatus.CONFIRMED, ShipmentStatus.RETURN_REQUESTED},
    ShipmentStatus.RETURN_REQUESTED: {ShipmentStatus.RETURNED, ShipmentStatus.DELIVERED},
    ShipmentStatus.CONFIRMED: set(),
    ShipmentStatus.RETURNED: set(),
    ShipmentStatus.CANCELLED: set(),
}
# An institution's invoice order (후불) is accepted by the enterprise instead of paid, and after delivery
# it is inspected, invoiced and settled instead of confirmed or returned.
INVOICE_SHIPMENT_TRANSITIONS: dict[ShipmentStatus, set[ShipmentStatus]] = {
    ShipmentStatus.ORDERED: {ShipmentStatus.ACCEPTED, ShipmentStatus.DECLINED, ShipmentStatus.CANCELLED},
    ShipmentStatus.ACCEPTED: {ShipmentStatus.SHIPPED, ShipmentStatus.CANCELLED},
    ShipmentStatus.SHIPPED: {ShipmentStatus.DELIVERED},
    ShipmentStatus.DELIVERED: {ShipmentStatus.INSPECTED, ShipmentStatus.INSPECTION_REJECTED},
    ShipmentStatus.INSPECTION_REJECTED: {ShipmentStatus.SHIPPED, ShipmentStatus.CANCELLED},
    ShipmentStatus.INSPECTED: {ShipmentStatus.INVOICED},
    ShipmentStatus.INVOICED: {ShipmentStatus.SETTLED},
    ShipmentStatus.SETTLED: {ShipmentStatus.COMPLETED},
    ShipmentStatus.DECLINED: set(),
    ShipmentStatus.CANCELLED: set(),
    ShipmentStatus.COMPLETED: set(),
}
STOCK_HELD = {ShipmentStatus.ORDERED, ShipmentStatus.ACCEPTED}  # invoice shipments not yet sent
ENDED_WITHOUT_SALE = {ShipmentStatus.DECLINED, ShipmentStatus.CANCELLED}
CANCELLABLE_SHIPMENTS = {ShipmentStatus.AWAITING_PAYMENT, ShipmentStatus.PAID, ShipmentStatus.PREPARING,
                         ShipmentStatus.ORDERED, ShipmentStatus.ACCEPTED}


def transitions_for(order: Order) -> dict[ShipmentStatus, set[ShipmentStatus]]:
    return INVOICE_SHIPMENT_TRANSITIONS if order.payment_method is PaymentMethod.INVOICE else SHIPMENT_TRANSITIONS
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


class OrderError(RuleError):
    """A rule refused the change; the message is for the user."""


@dataclass(frozen=True)
class Delivery:
    recipient_name: str
    recipient_phone: str
    postcode: str
    address1: str
    address2: str = ""
    memo: str = ""
    department: str = ""  # the receiving department of an institution

    def checked(self) -> Delivery:
        """The same delivery, trimmed and normalised, or OrderError naming the first bad field."""
        name, address1 = self.recipient_name.strip(), self.address1.strip()
        for field in ("recipient_name", "recipient_phone", "postcode", "address1", "address2", "memo", "department"):
            if has_control_characters(getattr(self, field)):
                raise OrderError(CONTROL_CHARACTERS_MESSAGE, field)
        if not name or len(name) > 50:
            raise OrderError("받는 분 이름을 50자 이내로 입력해 주세요.", "recipient_name")
        # An institution's receiving department may give its office line; a household gives a mobile.
        phone_ok = is_valid_phone if self.department.strip() else is_valid_mobile
        if not phone_ok(self.recipient_phone):
            what = "전화번호를 02-1234-5678 또는" if self.department.strip() else "휴대전화 번호를"
            raise OrderError(f"{what} 010-1234-5678 형식으로 입력해 주세요.", "recipient_phone")
        if not is_valid_postcode(self.postcode):
            raise OrderError("우편번호 5자리를 입력해 주세요.", "postcode")
        if not address1 or len(address1) > 200:
            raise OrderError("주소를 입력해 주세요.", "address1")
        if len(self.address2.strip()) > 200:
            raise OrderError("상세주소는 200자 이내로 입력해 주세요.", "address2")
        if len(self.memo.strip()) > 100:
            raise OrderError("배송 메모는 100자 이내로 입력해 주세요.", "memo")
        if len(self.department.strip()) > 80:
            raise OrderError("부서명은 80자 이내로 입력해 주세요.", "department")
        return Delivery(name, normalize_phone(self.recipient_phone), digits_only(self.postcode), address1,
                        self.address2.strip(), self.memo.strip(), self.department.strip())


# --- placing ---------------------------------------------------------------------------------------


def find_by_idempotency_key(buyer: User, key: str) -> Order | None:
    return db.session.scalar(sa.select(Order).where(Order.buyer_id == buyer.id, Order.idempotency_key == key))


def _check_key(idempotency_key: str) -> None:
    if not IDEMPOTENCY_KEY.fullmatch(idempotency_key or ""):
        raise OrderError("주문서가 올바르지 않습니다. 장바구니에서 다시 주문해 주세요.")


def _channel_for(buyer: User, payment_method: PaymentMethod) -> OrderChannel:
    if institutions.buys_for(buyer):
        return OrderChannel.INSTITUTION
    if payment_method is PaymentMethod.INVOICE:
        raise OrderError("후불(세금계산서) 결제는 승인된 공공기관 구매담당자만 이용할 수 있습니다.")
    return OrderChannel.CONSUMER


class NothingToOrder(OrderError):
    """The order names no lines (the cart was emptied, in another tab say)."""


WHOLE_CART = None  # place_order's `quantities` for everything in the buyer's cart


def place_order(
    buyer: User,
    quantities: list[tuple[int, int]] | None,
    delivery: Delivery,
    idempotency_key: str,
    *,
    today: date,
    payment_method: PaymentMethod = PaymentMethod.CARD,
    with_order: Callable[[Order], None] | None = None,
) -> Order:
    """Create the order, one shipment per enterprise, prices frozen, stock taken, its lines gone from the
    buyer's cart — all or nothing, in one transaction. `quantities`: (option id, quantity) pairs, or
    WHOLE_CART for what the cart holds, read in the query that prices it. The same idempotency key from the
    same buyer always yields the same single order. `with_order` runs in that transaction with the new
    order (its payment's record, the address the buyer asked to keep)."""
    _check_key(idempotency_key)
    try:
        return _place_new(buyer, quantities, delivery, idempotency_key, today=today, payment_method=payment_method,
                          with_order=with_order)
    except OrderError:
        # A repeated submit is refused only if the key placed nothing: the first may have taken the last unit.
        existing = find_by_idempotency_key(buyer, idempotency_key)
        if existing is None:
            raise
        return existing


def _place_new(buyer: User, quantities: list[tuple[int, int]], delivery: Delivery, idempotency_key: str, *,
               today: date, payment_method: PaymentMethod, with_order: Callable[[Order], None] | None) -> Order:
    """place_order without looking the key up first: a key that placed an order before makes the insert
    fail on the unique constraint, and place_priced_order returns that order instead."""
    channel = _channel_for(buyer, payment_method)
    delivery = delivery.checked()
    max_qty = max_qty_per_line(buyer)

    def priced() -> Basket:
        # The order is written from the basket, not shown with it: no images.
        if quantities is WHOLE_CART:
            return price_member_cart(buyer.id, today=today, postcode=delivery.postcode, max_qty=max_qty,
                                     with_images=False)
        return price_basket(quantities, today=today, postcode=delivery.postcode, max_qty=max_qty, with_images=False)

    basket = priced()
    if basket.is_empty:
        raise NothingToOrder("주문할 상품이 없습니다.")
    if not basket.can_order and expire_overdue_orders(holding=_options_of(basket)):
        basket = priced()  # abandoned unpaid orders were holding stock (lazy expiry): price again with it back
    if not basket.can_order:
        raise OrderError(" ".join(basket.problems) or "주문할 수 없는 상품이 있습니다.")
    ordered = _options_of(basket) if quantities is WHOLE_CART else [variant_id for variant_id, _ in quantities]

    def after_insert(order: Order) -> None:
        if with_order is not None:
            with_order(order)
        _remove_from_cart(buyer, ordered)  # its autoflush writes the timeline, the audit entry and with_order's rows

    return place_priced_order(buyer, basket, delivery, idempotency_key, channel=channel,
                              payment_method=payment_method, after_insert=after_insert)


def _options_of(basket: Basket) -> list[int]:
    return [line.variant.id for line in basket.lines]


def place_priced_order(buyer: User, basket: Basket, delivery: Delivery, idempotency_key: str, *,
                       channel: OrderChannel, payment_method: PaymentMethod, quote_id: int | None = None,
                       before_insert=None, after_insert=None) -> Order:
    """Insert an already priced, checked basket as an order, taking its stock; once per idempotency key.
    `before_insert` runs inside the same transaction first (a quotation's acceptance) and may return an
    existing order to stop there; `after_insert` runs in it last, with the new order."""
    def insert_once() -> tuple[Order, bool]:
        return _insert_once(buyer, basket, delivery, idempotency_key, channel, payment_method, quote_id,
                            before_insert, after_insert)

    try:
        try:
            order, created = insert_once()
        except stock.OutOfStock:
            # Abandoned unpaid orders may be holding the stock: release them now (lazy expiry), retry once.
            if not expire_overdue_orders(holding=_options_of(basket)):
                raise
            order, created = insert_once()
    except stock.OutOfStock as exc:
        line = next(line for line in basket.lines if line.variant.id == exc.variant_id)
        raise OrderError(f"{line.product.name} ({line.variant.name})의 재고가 부족합니다. 수량을 줄여 주세요.") from exc
    except IntegrityError:
        # A concurrent submit with the same key (or the same quotation) won the unique constraint;
        # ours rolled back whole.
        existing = find_by_idempotency_key(buyer, idempotency_key)
        if existing is None and quote_id is not None:
            existing = db.session.scalar(sa.select(Order).where(Order.quote_id == quote_id))
        if existing is None:
            raise
        return existing
    if created:
        order_mail.placed(order)
    return order


def _insert_once(buyer, basket: Basket, delivery: Delivery, key: str, channel, payment_method, quote_id,
                 before_insert, after_insert) -> tuple[Order, bool]:
    """(the order, whether this call created it)."""
    # Without a quotation to take, nothing loaded before is read inside: the order is written from the
    # priced basket and the stock taken by conditional UPDATEs.
    with write_transaction(keep_loaded=before_insert is None):
        if before_insert is not None:
            existing = find_by_idempotency_key(buyer, key) or before_insert()
            if existing is not None:
                return existing, False
        # Otherwise the caller looked the key up already; a concurrent submit with the same key that
        # committed since makes this insert fail on the unique constraint, and rolls all of it back.
        order = _insert_order(buyer, basket, delivery, key, channel, payment_method, quote_id)
        if after_insert is not None:
            after_insert(order)
        return order, True


def _insert_order(buyer, basket: Basket, delivery: Delivery, key: str, channel, payment_method,
                  quote_id) -> Order:
    # Lock order: option rows by id, as stock edits and the API take them, so two orders (or an order
    # and a stock edit) touching the same options wait for each other instead of deadlocking.
    emptied = set()
    for line in sorted(basket.lines, key=lambda line: line.variant.id):
        if stock.take(line.variant.id, line.quantity, line.product.id) == 0:
            emptied.add(line.product.id)
    stock.refresh_in_stock(emptied)  # only an option's last unit can make its product sold out
    now = utcnow()
    invoice = payment_method is PaymentMethod.INVOICE
    status = OrderStatus.ORDERED if invoice else OrderStatus.PENDING_PAYMENT
    # Core INSERTs, one per table (insert_loaded): the rows are all new and their links known here.
    [order] = insert_loaded(Order, [{
        "number": new_order_number(now), "buyer_id": buyer.id, "institution_id": buyer.institution_id,
        "channel": channel, "payment_method": payment_method, "status": status, "quote_id": quote_id,
        "idempotency_key": key, "recipient_name": delivery.recipient_name, "recipient_phone": delivery.recipient_phone,
        "recipient_department": delivery.department, "postcode": delivery.postcode, "address1": delivery.address1,
        "address2": delivery.address2, "delivery_memo": delivery.memo, "items_total_krw": basket.items_total_krw,
        "shipping_total_krw": basket.shipping_total_krw, "total_krw": basket.total_krw, "vat_krw": basket.vat_krw,
        "placed_at": now,
        "expires_at": None if invoice else now + timedelta(minutes=current_app.config["ORDER_PAYMENT_MINUTES"]),
    }])
    first_status = ShipmentStatus.ORDERED if invoice else ShipmentStatus.AWAITING_PAYMENT
    shipments = insert_loaded(Shipment, [{
        "order_id": order.id, "enterprise_id": group.enterprise.id, "items_total_krw": group.items_total_krw,
        "shipping_fee_krw": group.shipping_fee_krw, "status": first_status,
    } for group in basket.groups])
    items = insert_loaded(OrderItem, [{
        "order_id": order.id, "shipment_id": shipment.id, "product_id": line.product.id, "variant_id": line.variant.id,
        "product_name": line.product.name, "option_name": line.variant.name, "sku": line.variant.sku,
        "regular_price_krw": line.regular_price_krw, "unit_price_krw": line.unit_price_krw,
        "quantity": line.quantity, "line_total_krw": line.line_total_krw, "tax_type": line.product.tax_type,
        "stock_tracked": line.variant.track_stock,
    } for shipment, group in zip(shipments, basket.groups, strict=True) for line in group.lines])
    _link(order, shipments, items, buyer, [group.enterprise for group in basket.groups])
    _record(order, None, None, status.value, buyer, BUYER, "견적 수락으로 주문" if quote_id else "주문서 작성",
            first=True)
    return order


def _link(order: Order, shipments: list[Shipment], items: list[OrderItem], buyer: User, enterprises: list) -> None:
    """Set the new order's relationships as loaded, so its mail and pages read them without a query."""
    set_committed_value(order, "buyer", buyer)
    set_committed_value(order, "shipments", shipments)
    set_committed_value(order, "items", items)
    for shipment, enterprise in zip(shipments, enterprises, strict=True):
        set_committed_value(shipment, "order", order)
        set_committed_value(shipment, "enterprise", enterprise)
        set_committed_value(shipment, "items", [item for item in items if item.shipment_id == shipment.id])
    by_id = {shipment.id: shipment for shipment in shipments}
    for item in items:
        set_committed_value(item, "order", order)
        set_committed_value(item, "shipment", by_id[item.shipment_id])


def _remove_from_cart(buyer: User, variant_ids: list[int]) -> None:
    emptied = db.session.scalars(_remove_lines(), {"buyer_id": buyer.id, "variant_ids": variant_ids}).all()
    note_changed(db.session, {cart_lines(c) for c in emptied})  # the header's count of this cart only


@functools.cache
def _remove_lines() -> sa.Delete:
    """Built once: every order runs it."""
    return (sa.delete(CartItem)
            .where(CartItem.cart_id == member_cart_id(sa.bindparam("buyer_id")),
                   CartItem.variant_id.in_(sa.bindparam("variant_ids", expanding=True)))
            .returning(CartItem.cart_id).execution_options(**touching()))


# --- reading ---------------------------------------------------------------------------------------


def _order_query():
    return sa.select(Order).options(
        selectinload(Order.shipments).selectinload(Shipment.items),
        selectinload(Order.shipments).joinedload(Shipment.enterprise),  # with the shipments, not a query of its own
        selectinload(Order.events),
    )


def _list_query():
    """For order lists: a row shows the first item, the count of the rest and who ordered, so each
    page loads its orders' items in one query and their buyers with the orders."""
    return sa.select(Order).options(selectinload(Order.items), joinedload(Order.buyer))


def buyer_order(buyer: User, number: str) -> Order | None:
    """One of the buyer's own orders (no one else's), with shipments, items and timeline."""
    return db.session.scalar(_order_query().where(Order.number == number, Order.buyer_id == buyer.id))


def buyer_orders(buyer: User, *, page: int = 1, per_page: int = 20) -> list[Order]:
    stmt = (_list_query().where(Order.buyer_id == buyer.id).order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(per_page).offset((page - 1) * per_page))
    return list(db.session.scalars(stmt))


def institution_order(institution_id: int, number: str) -> Order | None:
    """An order of the institution, whichever of its buyers placed it; no other institution's."""
    return db.session.scalar(_order_query().where(Order.number == number, Order.institution_id == institution_id))


def institution_orders(institution_id: int, *, page: int = 1, per_page: int = 20) -> list[Order]:
    stmt = (_list_query().where(Order.institution_id == institution_id)
            .order_by(Order.placed_at.desc(), Order.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return list(db.session.scalars(stmt))


def recent_orders(limit: int = 50) -> list[Order]:
    """For center staff: the newest orders of every buyer."""
    # a row names the buyer and each shipment's enterprise and status; items and timelines wait for the order page
    stmt = sa.select(Order).options(joinedload(Order.buyer),
                                    selectinload(Order.shipments).joinedload(Shipment.enterprise))
    return list(db.session.scalars(stmt.order_by(Order.placed_at.desc(), Order.id.desc()).limit(limit)))


def order_by_number(number: str) -> Order | None:
    return db.session.scalar(_order_query().where(Order.number == number))


# --- order state -----------------------------------------------------------------------------------


def _record(order: Order, shipment: Shipment | None, from_status: str | None, to_status: str,
            actor: User | None, actor_label: str, note: str = "", *, first: bool = False) -> None:
    """The timeline event and the audit entry of a change. `first`: a new order's first, written now with
    its rows (insert_loaded), not by the unit of work."""
    event = {"shipment_id": shipment.id if shipment else None, "from_status": from_status, "to_status": to_status,
             "actor_id": actor.id if actor else None, "actor_label": actor_label, "note": note}
    subject = "shipment" if shipment else "order"
    entry = audit.entry_values(actor, f"{subject}.status", subject, shipment.id if shipment else order.id,
                               f"주문 {order.number}" + (f" 배송 {shipment.id}" if shipment else ""),
                               before={"status": from_status} if from_status else None, after={"status": to_status},
                               reason=note or None, actor_text=None if actor else actor_label)
    if first:
        [written] = insert_loaded(OrderEvent, [{"order_id": order.id, **event}])
        set_committed_value(written, "order", order)
        set_committed_value(order, "events", [written])
        insert_loaded(AuditEntry, [entry])
    else:
        db.session.add(OrderEvent(order=order, **event))
        db.session.add(AuditEntry(**entry))


def _move_order(order: Order, frm: OrderStatus, to: OrderStatus, **values) -> bool:
    """Conditional UPDATE: True only for the one caller that actually moved the order."""
    result = db.session.execute(
        sa.update(Order).where(Order.id == order.id, Order.status == frm).values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _give_back_stock(order: Order) -> None:
    items = db.session.scalars(sa.select(OrderItem).where(OrderItem.order_id == order.id)
                               .order_by(OrderItem.variant_id)).all()  # the lock order stock takes
    for item in items:
        if item.stock_tracked and item.variant_id is not None:
            stock.give_back(item.variant_id, item.quantity, item.product_id)
    stock.refresh_in_stock(item.product_id for item in items if item.product_id)


def _cancel_shipments(order: Order, actor: User | None, actor_label: str, note: str) -> None:
    for shipment in db.session.scalars(sa.select(Shipment).where(Shipment.order_id == order.id)):
        frm = shipment.status
        if frm in CANCELLABLE_SHIPMENTS:
            _move_shipment_row(shipment, ShipmentStatus.CANCELLED)
            _record(order, shipment, frm.value, ShipmentStatus.CANCELLED.value, actor, actor_label, note)


def mark_paid(order_id: int, *, note: str) -> bool:
    """pending_payment → paid, and its shipments with it. True when this call made the change.
    Called only by the payments service once the provider confirmed the exact amount."""
    order = db.session.get(Order, order_id)
    if not _move_order(order, OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, paid_at=utcnow()):
        return False
    for shipment in db.session.scalars(sa.select(Shipment).where(Shipment.order_id == order.id)):
        _move_shipment_row(shipment, ShipmentStatus.PAID)
        _record(order, shipment, ShipmentStatus.AWAITING_PAYMENT.value, ShipmentStatus.PAID.value, None, "결제사")
    _record(order, None, OrderStatus.PENDING_PAYMENT.value, OrderStatus.PAID.value, None, "결제사", note)
    return True


def release_unpaid(order_id: int, to: OrderStatus, *, actor: User | None, actor_label: str, note: str) -> bool:
    """An unpaid order is cancelled or expires: stock goes back, exactly once (whoever wins the UPDATE)."""
    assert to in (OrderStatus.CANCELLED, OrderStatus.EXPIRED)
    order = db.session.get(Order, order_id)
    if not _move_order(order, OrderStatus.PENDING_PAYMENT, to, cancelled_at=utcnow()):
        return False
    _give_back_stock(order)
    _cancel_shipments(order, actor, actor_label, note)
    _record(order, None, OrderStatus.PENDING_PAYMENT.value, to.value, actor, actor_label, note)
    return True


def expire_overdue_orders(now: datetime | None = None, *, holding: Collection[int] | None = None) -> list[str]:
    """Expire every unpaid order past its deadline; returns their numbers. Safe to run anywhere, any time.
    `holding`: only those holding one of these options, for a checkout short of them: it then frees what it
    needs without working off a backlog the periodic job left (every overdue order of the mall)."""
    now = now or utcnow()
    stmt = sa.select(Order.id).where(Order.status == OrderStatus.PENDING_PAYMENT, Order.expires_at <= now)
    if holding is not None:
        stmt = stmt.where(Order.id.in_(sa.select(OrderItem.order_id).where(OrderItem.variant_id.in_(holding))))
    overdue = db.session.scalars(stmt.order_by(Order.id)).all()
    expired = []
    for order_id in overdue:
        with write_transaction():
            if release_unpaid(order_id, OrderStatus.EXPIRED, actor=None, actor_label=SYSTEM,
                              note="결제 기한이 지나 주문이 취소되었습니다."):
                expired.append(db.session.get(Order, order_id).number)
    return expired


def expire_if_overdue(order: Order, now: datetime | None = None) -> None:
    """Lazy expiry: an order page never shows 결제대기 for an order whose time ran out."""
    now = now or utcnow()
    if order.status is OrderStatus.PENDING_PAYMENT and order.expires_at and as_utc(order.expires_at) <= now:
        with write_transaction():
            release_unpaid(order.id, OrderStatus.EXPIRED, actor=None, actor_label=SYSTEM,
                           note="결제 기한이 지나 주문이 취소되었습니다.")
        db.session.refresh(order)


def cancellable(order: Order) -> bool:
    """The buyer may cancel until any of the order's shipments has left."""
    if order.status is OrderStatus.PENDING_PAYMENT:
        return True
    if order.status is OrderStatus.ORDERED:  # an invoice order: what still holds stock can be withdrawn
        return (any(s.status in STOCK_HELD for s in order.shipments)
                and all(s.status in STOCK_HELD | ENDED_WITHOUT_SALE for s in order.shipments))
    return order.status is OrderStatus.PAID and all(s.status in CANCELLABLE_SHIPMENTS for s in order.shipments)


def cancel_paid_order(order_id: int, *, actor: User, actor_label: str) -> bool:
    """paid → cancelled while nothing has shipped: shipments cancelled, stock back. The caller (payments)
    records the refund in the same transaction. False when the order is no longer cancellable."""
    shipped = db.session.scalar(
        sa.select(sa.func.count()).select_from(Shipment)
        .where(Shipment.order_id == order_id, Shipment.status.not_in(CANCELLABLE_SHIPMENTS))
    )
    if shipped:
        raise OrderError("이미 발송된 상품이 있어 주문을 취소할 수 없습니다. 배송완료 후 반품을 신청해 주세요.")
    order = db.session.get(Order, order_id)
    if not _move_order(order, OrderStatus.PAID, OrderStatus.CANCELLED, cancelled_at=utcnow()):
        return False
    _give_back_stock(order)
    _cancel_shipments(order, actor, actor_label, "구매자 주문 취소")
    _record(order, None, OrderStatus.PAID.value, OrderStatus.CANCELLED.value, actor, actor_label, "주문 취소")
    return True


# --- shipments -------------------------------------------------------------------------------------


_TIMESTAMPS = {
    ShipmentStatus.SHIPPED: "shipped_at",
    ShipmentStatus.DELIVERED: "delivered_at",
    ShipmentStatus.CONFIRMED: "confirmed_at",
    ShipmentStatus.RETURN_REQUESTED: "return_requested_at",
}


def _move_shipment_row(shipment: Shipment, to: ShipmentStatus, **values) -> None:
    frm = shipment.status
    if to not in transitions_for(shipment.order)[frm]:
        raise OrderError(f"'{frm.label}' 상태에서는 '{to.label}'(으)로 바꿀 수 없습니다.")
    if to in _TIMESTAMPS and _TIMESTAMPS[to] not in values:
        values[_TIMESTAMPS[to]] = utcnow()
    result = db.session.execute(
        sa.update(Shipment).where(Shipment.id == shipment.id, Shipment.status == frm).values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise OrderError("방금 다른 곳에서 배송 상태가 바뀌었습니다. 새로고침 후 다시 시도해 주세요.")
    db.session.expire(shipment)


def move_shipment(shipment: Shipment, to: ShipmentStatus, *, actor: User | None, actor_label: str,
                  note: str = "", **values) -> None:
    """The one way a shipment changes state: checked against the transition table, recorded on the
    timeline, committed; a refused or lost race changes nothing."""
    with write_transaction():
        db.session.refresh(shipment)
        move_shipment_in_transaction(shipment, to, actor=actor, actor_label=actor_label, note=note, **values)
    db.session.refresh(shipment)


def move_shipment_in_transaction(shipment: Shipment, to: ShipmentStatus, *, actor: User | None,
                                 actor_label: str, note: str = "", **values) -> None:
    """`move_shipment` inside the caller's write transaction, for a move that writes more rows with it."""
    frm = shipment.status
    _move_shipment_row(shipment, to, **values)
    _record(shipment.order, shipment, frm.value, to.value, actor, actor_label, note)


def enterprise_actor_label(shipment: Shipment, actor: User) -> str:
    """The timeline label of a user allowed to act for the shipment's enterprise, or OrderError."""
    if actor.role is Role.ADMIN:
        return STAFF
    if actor.role is Role.ENTERPRISE and actor.enterprise_id == shipment.enterprise_id:
        return ENTERPRISE
    raise OrderError("이 배송을 처리할 권한이 없습니다.")


def _require_buyer(shipment: Shipment, buyer: User) -> None:
    if shipment.order.buyer_id != buyer.id:
        raise OrderError("본인의 주문만 처리할 수 있습니다.")


def start_preparing(shipment: Shipment, actor: User) -> None:
    move_shipment(shipment, ShipmentStatus.PREPARING, actor=actor, actor_label=enterprise_actor_label(shipment, actor))


def ship(shipment: Shipment, actor: User, *, courier: str, tracking_number: str) -> None:
    label = enterprise_actor_label(shipment, actor)
    number = (tracking_number or "").strip().replace("-", "")
    if courier not in COURIERS:
        raise OrderError("택배사를 목록에서 골라 주세요.", "courier")
    if courier != "direct" and not re.fullmatch(r"[0-9A-Za-z]{8,20}", number):
        raise OrderError("송장번호는 숫자·영문 8~20자로 입력해 주세요.", "tracking_number")
    move_shipment(shipment, ShipmentStatus.SHIPPED, actor=actor, actor_label=label,
                  note=f"{COURIERS[courier][0]} {number}".strip(), courier=courier, tracking_number=number or None)
    order_mail.shipped(shipment.id)


def mark_delivered(shipment: Shipment, actor: User | None) -> None:
    label = enterprise_actor_label(shipment, actor) if actor else SYSTEM
    move_shipment(shipment, ShipmentStatus.DELIVERED, actor=actor, actor_label=label)


def confirm_purchase(shipment: Shipment, buyer: User) -> None:
    _require_buyer(shipment, buyer)
    move_shipment(shipment, ShipmentStatus.CONFIRMED, actor=buyer, actor_label=BUYER, note="구매확정")


def auto_confirm_deliveries(now: datetime | None = None) -> int:
    """구매확정 by itself AUTO_CONFIRM_DAYS after delivery, unless a return is under way."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["AUTO_CONFIRM_DAYS"])
    due = db.session.scalars(
        sa.select(Shipment).where(Shipment.status == ShipmentStatus.DELIVERED, Shipment.delivered_at <= cutoff)
    ).all()
    confirmed = 0
    for shipment in due:
        try:
            move_shipment(shipment, ShipmentStatus.CONFIRMED, actor=None, actor_label=SYSTEM, note="자동 구매확정")
            confirmed += 1
        except OrderError:
            continue  # the buyer acted meanwhile
    return confirmed


def return_fee_for(shipment: Shipment, reason: ReturnReason) -> int:
    """A change of mind costs the buyer the delivery both ways (전자상거래법 제18조 ⑨); the original
    fee was already paid unless delivery was free, in which case it is charged now."""
    if not reason.buyer_pays_return_fee:
        return 0
    base = shipment.enterprise.shipping_base_fee_krw
    return base if shipment.shipping_fee_krw > 0 else 2 * base


def return_refund_amount(shipment: Shipment) -> int:
    """What a buyer gets back for a returned shipment."""
    reason = shipment.return_reason
    if reason is not None and reason.buyer_pays_return_fee:
        return max(shipment.items_total_krw - shipment.return_fee_krw, 0)
    return shipment.total_krw


def can_request_return(shipment: Shipment, now: datetime | None = None) -> bool:
    if shipment.status is not ShipmentStatus.DELIVERED or shipment.delivered_at is None:
        return False
    window = timedelta(days=current_app.config["RETURN_WINDOW_DAYS"])
    return (now or utcnow()) <= as_utc(shipment.delivered_at) + window


def request_return(shipment: Shipment, buyer: User, *, reason: str, detail: str, now: datetime | None = None) -> None:
    _require_buyer(shipment, buyer)
    try:
        reason_enum = ReturnReason(reason)
    except ValueError:
        raise OrderError("반품 사유를 골라 주세요.", "reason") from None
    detail = (detail or "").strip()
    if len(detail) > 500:
        raise OrderError("상세 사유는 500자 이내로 입력해 주세요.", "detail")
    if not can_request_return(shipment, now):
        raise OrderError(f"반품은 배송완료 후 {current_app.config['RETURN_WINDOW_DAYS']}일 이내에 신청할 수 있습니다.")
    move_shipment(shipment, ShipmentStatus.RETURN_REQUESTED, actor=buyer, actor_label=BUYER,
                  note=f"{reason_enum.label}: {detail}"[:300], return_reason=reason_enum, return_detail=detail,
                  return_fee_krw=return_fee_for(shipment, reason_enum), return_rejection_reason=None)


def reject_return(shipment: Shipment, actor: User, *, reason: str) -> None:
    label = enterprise_actor_label(shipment, actor)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise OrderError("반려 사유를 500자 이내로 입력해 주세요. 구매자에게 그대로 안내됩니다.", "reason")
    move_shipment(shipment, ShipmentStatus.DELIVERED, actor=actor, actor_label=label,
                  note=f"반품 반려: {reason}"[:300], return_rejection_reason=reason)


def accept_return(shipment: Shipment, actor: User) -> str:
    """return_requested → returned and the stock back, inside the caller's transaction (payments records
    the refund in the same one). Returns the actor label."""
    label = enterprise_actor_label(shipment, actor)
    frm = shipment.status
    _move_shipment_row(shipment, ShipmentStatus.RETURNED)
    for item in shipment.items:
        if item.stock_tracked and item.variant_id is not None:
            stock.give_back(item.variant_id, item.quantity, item.product_id)
    stock.refresh_in_stock(item.product_id for item in shipment.items if item.product_id)
    _record(shipment.order, shipment, frm.value, ShipmentStatus.RETURNED.value, actor, label, "반품 승인")
    return label


# --- invoice orders (후불) ----------------------------------------------------------------------------



def _give_back_shipment_stock(shipment: Shipment) -> None:
    items = db.session.scalars(sa.select(OrderItem).where(OrderItem.shipment_id == shipment.id)).all()
    for item in items:
        if item.stock_tracked and item.variant_id is not None:
            stock.give_back(item.variant_id, item.quantity, item.product_id)
    stock.refresh_in_stock(item.product_id for item in items if item.product_id)


def _end_shipment(shipment: Shipment, to: ShipmentStatus, actor: User | None, actor_label: str, note: str,
                  **values) -> None:
    """Inside a transaction: an invoice-order shipment ends unsold. Stock it still holds goes back
    (goods sent back after a failed inspection are not restocked: the enterprise checks them first)."""
    frm = shipment.status
    _move_shipment_row(shipment, to, **values)
    if frm in STOCK_HELD:
        _give_back_shipment_stock(shipment)
    _record(shipment.order, shipment, frm.value, to.value, actor, actor_label, note)


def _cancel_order_if_nothing_left(order: Order, actor: User | None, actor_label: str) -> None:
    statuses = db.session.scalars(sa.select(Shipment.status).where(Shipment.order_id == order.id)).all()
    if all(status in ENDED_WITHOUT_SALE for status in statuses) and _move_order(
            order, OrderStatus.ORDERED, OrderStatus.CANCELLED, cancelled_at=utcnow()):
        _record(order, None, OrderStatus.ORDERED.value, OrderStatus.CANCELLED.value, actor, actor_label,
                "주문한 상품이 모두 취소·거절되었습니다.")


def end_invoice_shipment(shipment: Shipment, to: ShipmentStatus, *, actor: User | None, actor_label: str,
                         note: str, **values) -> None:
    """An invoice-order shipment declined by the enterprise or cancelled: stock back exactly once, and
    the order cancelled when none of it is left."""
    assert to in ENDED_WITHOUT_SALE
    with write_transaction():
        db.session.refresh(shipment)
        _end_shipment(shipment, to, actor, actor_label, note, **values)
        _cancel_order_if_nothing_left(shipment.order, actor, actor_label)
    db.session.refresh(shipment)


def cancel_invoice_order(order: Order, *, actor: User, actor_label: str) -> None:
    """The buyer withdraws a whole invoice order before anything of it has left; a part an enterprise
    already declined stays declined, the rest is cancelled."""
    with write_transaction():
        shipments = db.session.scalars(sa.select(Shipment).where(Shipment.order_id == order.id)).all()
        if order.status is not OrderStatus.ORDERED \
                or any(s.status not in STOCK_HELD | ENDED_WITHOUT_SALE for s in shipments):
            raise OrderError("이미 발송되었거나 처리된 상품이 있어 주문 전체를 취소할 수 없습니다.")
        for shipment in shipments:
            if shipment.status in STOCK_HELD:
                _end_shipment(shipment, ShipmentStatus.CANCELLED, actor, actor_label, "구매기관 주문 취소")
        _cancel_order_if_nothing_left(order, actor, actor_label)
    db.session.refresh(order)
