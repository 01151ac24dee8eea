"""The emails a buyer gets about an order: placed, paid, shipped, cancelled, refunded. Each loads what it
needs by id, because it runs after the transaction that made the change has committed."""
from __future__ import annotations

import sqlalchemy as sa

from shop.core.money import format_krw
from shop.extensions import db
from shop.notifications.mail import send_email
from shop.orders.couriers import courier_name, tracking_url
from shop.orders.models import Order, OrderStatus, Shipment
from shop.site import settings as site_settings


def _order(number: str) -> Order:
    return db.session.scalar(sa.select(Order).where(Order.number == number))


def _lines(order: Order) -> str:
    rows = [f"- {i.product_name} ({i.option_name}) × {i.quantity:,} = {format_krw(i.line_total_krw)}" for i in order.items]
    rows.append(f"배송비 {format_krw(order.shipping_total_krw)} / 합계 {format_krw(order.total_krw)} (부가세 {format_krw(order.vat_krw)} 포함)")
    return "\n".join(rows)


def _footer() -> str:
    operator = site_settings.operator_details()
    return f"\n\n함께장터 고객센터 {operator['phone']} · {operator['email']}\n{operator['name']}"


def placed(order: Order) -> None:
    """Sent right after the order is written, with the order as its transaction left it (nothing to reload)."""
    next_step = ("입점기업이 주문을 승인하면 납품이 시작되고, 검수 후 세금계산서가 발행됩니다."
                 if order.status is OrderStatus.ORDERED else "결제를 마치면 주문이 확정됩니다.")
    send_email(order.buyer.email, f"[함께장터] 주문 {order.number} 접수",
               f"{order.buyer.name}님, 주문서가 작성되었습니다. {next_step}\n\n{_lines(order)}{_footer()}")


def paid(number: str) -> None:
    order = _order(number)
    send_email(order.buyer.email, f"[함께장터] 주문 {order.number} 결제 완료",
               f"{order.buyer.name}님, 결제가 완료되었습니다. 입점기업별로 상품을 준비해 보내 드립니다.\n\n"
               f"{_lines(order)}\n\n받는 분: {order.recipient_name} / ({order.postcode}) {order.address1} {order.address2}{_footer()}")


def shipped(shipment_id: int) -> None:
    shipment = db.session.get(Shipment, shipment_id)
    order = shipment.order
    url = tracking_url(shipment.courier, shipment.tracking_number)
    items = ", ".join(f"{i.product_name} × {i.quantity}" for i in shipment.items)
    send_email(order.buyer.email, f"[함께장터] 주문 {order.number} 상품 발송",
               f"{shipment.enterprise.name}에서 상품을 보냈습니다: {items}\n"
               f"택배사 {courier_name(shipment.courier)} / 송장번호 {shipment.tracking_number or '-'}"
               + (f"\n배송 조회: {url}" if url else "") + _footer())


def cancelled(number: str) -> None:
    order = _order(number)
    send_email(order.buyer.email, f"[함께장터] 주문 {order.number} 취소",
               f"{order.buyer.name}님, 주문이 취소되었습니다. 결제하신 금액이 있으면 환불 완료 메일을 따로 보내 드립니다."
               f"\n\n{_lines(order)}{_footer()}")


def refunded(refund_id: int) -> None:
    from shop.payments.models import Refund

    refund = db.session.get(Refund, refund_id)
    order = refund.payment.order
    send_email(order.buyer.email, f"[함께장터] 주문 {order.number} 환불 완료",
               f"{format_krw(refund.amount_krw)}이 환불되었습니다 ({refund.reason}). 카드사에 따라 3~7영업일 뒤 "
               f"카드 명세서에 반영됩니다.{_footer()}")
