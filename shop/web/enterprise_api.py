"""/api/v1/enterprise: an enterprise's own systems (stock sync, warehouse) read its products and the
parcels it has to send, set stock and prices by SKU, and mark parcels as sent.

Only an API key authenticates (`Authorization: Bearer hkm_...`, made by the owner in 판매자 센터 → API 키);
a signed-in browser's session cookie is ignored, so the API needs no CSRF token and cannot be driven
from another site. Each key is rate-limited, and so is each address's failed calls, so keys cannot be
guessed quickly. Errors answer {"error": {"code", "message", ...}} with a Korean message, like the
public API. The rules are in shop.catalog.sku_updates and the order services; views parse and answer.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_limiter.util import get_remote_address

from shop.catalog import sku_updates
from shop.catalog.listing import MAX_PAGE, FilterError
from shop.catalog.models import Product
from shop.catalog.sku_updates import ItemsInvalid, OptionState, SkuUpdateError, StockMoved
from shop.core.korea import format_phone
from shop.enterprises import api_tokens
from shop.enterprises.api_tokens import ApiCaller
from shop.extensions import limiter
from shop.models_base import as_utc
from shop.orders import dispatch_queue
from shop.orders import enterprise_queries as queries
from shop.orders import services as orders
from shop.orders.couriers import COURIERS, courier_name, tracking_url
from shop.orders.dispatch_queue import TO_SHIP, Cursor
from shop.orders.models import Shipment, ShipmentStatus
from shop.orders.services import OrderError

bp = Blueprint("enterprise_api", __name__)

DEFAULT_AUTH_FAILURE_LIMIT = "20 per minute"  # per address; ENTERPRISE_API_AUTH_FAILURE_LIMIT overrides
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
MAX_BODY_BYTES = 512 * 1024  # a full batch of 500 items is about 50 KB
MAX_ID = 2**31 - 1  # larger ids exist nowhere, and PostgreSQL refuses them as integers
MAX_CURSOR_LENGTH = 64
# 8 to 20 letters and digits, single hyphens between them allowed (dropped when stored); may be empty
# only for a direct delivery. The OpenAPI document states the same pattern.
TRACKING_NUMBER = r"(?:[0-9A-Za-z](?:-?[0-9A-Za-z]){7,19})?"
API_ACTIONS = {queries.PREPARE: "preparing", queries.SHIP: "ship"}  # console action -> endpoint here

NO_KEY = ("API 키가 필요합니다. 'Authorization: Bearer <API 키>' 헤더로 보내 주세요. "
          "키는 판매자 센터 → API 키에서 대표 관리자가 만들 수 있습니다.")
BAD_KEY = "API 키가 올바르지 않거나 폐기되었습니다. 판매자 센터 → API 키에서 확인해 주세요."


# --- keys and limits --------------------------------------------------------------------------------


def presented_key() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def rate_limit_key() -> str:
    """The SHA-256 of the presented key (never the key itself), or the address when there is none."""
    key = presented_key()
    return f"key:{hashlib.sha256(key.encode()).hexdigest()}" if key else f"ip:{get_remote_address()}"


limiter.shared_limit(lambda: current_app.config["ENTERPRISE_API_RATE_LIMIT"], scope="enterprise-api",
                     key_func=rate_limit_key)(bp)
# Counted only when a call is refused for its key, but checked before every call: past the limit an
# address is refused before its key is even looked at.
limiter.shared_limit(lambda: current_app.config.get("ENTERPRISE_API_AUTH_FAILURE_LIMIT", DEFAULT_AUTH_FAILURE_LIMIT),
                     scope="enterprise-api-auth-failures", key_func=get_remote_address,
                     deduct_when=lambda response: response.status_code == 401)(bp)


def caller() -> ApiCaller:
    return g.api_caller


# --- errors -----------------------------------------------------------------------------------------


class ApiRefusal(Exception):
    """An answer other than success: HTTP status, error code, Korean message and any extra members."""

    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def error_response(status: int, code: str, message: str, **extra):
    response = jsonify(error={"code": code, "message": message, **extra})
    response.status_code = status
    return response


@bp.errorhandler(ApiRefusal)
def refused(error: ApiRefusal):
    return error_response(error.status, error.code, error.message, **error.extra)


@bp.errorhandler(FilterError)
def invalid_parameter(error: FilterError):
    return error_response(400, "invalid_parameter", str(error), param=error.param)


@bp.errorhandler(ItemsInvalid)
def invalid_items(error: ItemsInvalid):
    items = [{"index": p.index, "sku": p.sku, "field": p.field, "message": p.message} for p in error.problems]
    return error_response(422, "invalid_items", str(error), items=items)


@bp.errorhandler(StockMoved)
def stock_conflict(error: StockMoved):
    items = [{"index": c.index, "sku": c.sku, "expected_stock": c.expected_stock, "current_stock": c.current_stock}
             for c in error.conflicts]
    return error_response(409, "stock_conflict", str(error), items=items)


@bp.errorhandler(SkuUpdateError)
def invalid_request(error: SkuUpdateError):
    return error_response(422, "invalid_field", str(error), field=error.field)


@bp.errorhandler(OrderError)
def order_refused(error: OrderError):
    """A field the service names is bad input; anything else is a state that does not allow the move."""
    if error.field:
        return error_response(422, "invalid_field", str(error), field=error.field)
    return error_response(409, "invalid_state", str(error))


@bp.before_request
def require_key():
    key = presented_key()
    found = api_tokens.authenticate(key)
    if found is None:
        response = error_response(401, "unauthorized", BAD_KEY if key else NO_KEY)
        response.headers["WWW-Authenticate"] = 'Bearer realm="hamkke-api"' + (', error="invalid_token"' if key else "")
        return response
    g.api_caller = found
    return None


@bp.after_request
def not_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


# --- parsing ----------------------------------------------------------------------------------------


def json_object() -> dict:
    """The request's JSON object, or a 400/413 refusal that says what is wrong with it."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise ApiRefusal(413, "payload_too_large", f"본문은 {MAX_BODY_BYTES // 1024:,}KB 이하로 보내 주세요.")
    if not request.is_json:
        raise ApiRefusal(400, "invalid_body", "본문을 JSON으로 보내 주세요. (Content-Type: application/json)")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # absurdly deep nesting is not a ValueError to the JSON parser
        data = None
    if not isinstance(data, dict):
        raise ApiRefusal(400, "invalid_body", "본문을 JSON 객체로 보내 주세요. 예: {\"stock\": 10}")
    return data


def _only(body: dict, names: tuple[str, ...]) -> None:
    """Refuse a member the endpoint does not know, so a misspelt one is not silently ignored."""
    unknown = sorted(set(body) - set(names))
    if unknown:
        raise ApiRefusal(422, "invalid_field", f"알 수 없는 항목입니다. 보낼 수 있는 값: {', '.join(names)}",
                         field=sku_updates.shown(unknown[0], 40))


def _arg(name: str) -> str | None:
    """A query parameter given once, or None if absent; given empty or twice is a mistake here (machines
    call this API, and a blank they did not mean would silently widen what they get)."""
    values = request.args.getlist(name)
    if not values:
        return None
    if len(values) > 1 or not values[0].strip():
        raise FilterError(name, f"{name}은(는) 값과 함께 한 번만 보내 주세요.")
    return values[0].strip()


def _int_arg(name: str, *, low: int, high: int) -> int | None:
    raw = _arg(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or not low <= int(raw) <= high:
        raise FilterError(name, f"{name}은(는) {low:,}~{high:,} 사이의 정수여야 합니다.")
    return int(raw)


def _cursor() -> Cursor | None:
    raw = _arg("since")
    after_id = _int_arg("after_id", low=0, high=MAX_ID)
    if raw is None:  # after_id only orders the shipments of one `since` moment; alone it has nothing to order
        return None
    try:
        if len(raw) > MAX_CURSOR_LENGTH:
            raise ValueError(raw)
        since = dispatch_queue.parse_moment(raw)
    except ValueError:
        raise FilterError("since", "since는 ISO 8601 날짜나 시각으로 보내 주세요. 예: 2026-03-01, "
                                   "2026-03-01T09:00:00+09:00 (시간대가 없으면 한국 시각)") from None
    return Cursor(since, after_id)


def _status() -> ShipmentStatus | None:
    raw = _arg("status")
    if raw is None:
        return None
    if raw not in {s.value for s in TO_SHIP}:
        raise FilterError("status", f"status는 {', '.join(s.value for s in TO_SHIP)} 중 하나여야 합니다.")
    return ShipmentStatus(raw)


# --- documents --------------------------------------------------------------------------------------


def option_item(option: OptionState) -> dict:
    return {"sku": option.sku, "name": option.name, "price_krw": option.price_krw, "stock": option.stock,
            "track_stock": option.track_stock}


def option_document(option: OptionState) -> dict:
    document = option_item(option)
    document["product"] = {"id": option.product_id, "slug": option.product_slug, "name": option.product_name,
                           "status": option.product_status.value, "status_label": option.product_status.label}
    return document


def product_item(product: Product) -> dict:
    return {
        "id": product.id, "slug": product.slug, "name": product.name, "status": product.status.value,
        "status_label": product.status.label,
        "options": [option_item(OptionState.of(variant, product)) for variant in product.variants],
    }


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment else None


def _recipient(shipment: Shipment) -> dict | None:
    """Where the parcel goes, while the console would show it too; None once it is not needed."""
    if shipment.status not in queries.CONTACT_VISIBLE:
        return None
    order = shipment.order
    try:
        phone = format_phone(order.recipient_phone)
    except ValueError:
        phone = order.recipient_phone
    return {"name": order.recipient_name, "phone": phone, "department": order.recipient_department,
            "postcode": order.postcode, "address1": order.address1, "address2": order.address2,
            "memo": order.delivery_memo}


def shipment_document(shipment: Shipment) -> dict:
    order = shipment.order
    return {
        "id": shipment.id,
        "order_number": order.number,
        "status": shipment.status.value,
        "status_label": shipment.status.label,
        "payment_method": order.payment_method.value,
        "payment_method_label": order.payment_method.label,
        "created_at": _iso(order.placed_at),
        "paid_at": _iso(order.paid_at),
        "recipient": _recipient(shipment),
        "items": [{"product_name": item.product_name, "option_name": item.option_name, "sku": item.sku,
                   "quantity": item.quantity} for item in shipment.items],
        "shipping_fee_krw": shipment.shipping_fee_krw,
        "courier": {"code": shipment.courier, "name": courier_name(shipment.courier)} if shipment.courier else None,
        "tracking_number": shipment.tracking_number,
        "tracking_url": tracking_url(shipment.courier, shipment.tracking_number),
        "shipped_at": _iso(shipment.shipped_at),
        "actions": [API_ACTIONS[a] for a in queries.enterprise_actions(shipment) if a in API_ACTIONS],
        "url": url_for("enterprise_api.shipment", shipment_id=shipment.id),
    }


# --- products and options ---------------------------------------------------------------------------


def _via() -> str:
    return f"API 키 '{caller().token.name}'"


@bp.get("/products")
def products():
    page_no = _int_arg("page", low=1, high=MAX_PAGE) or 1
    per_page = _int_arg("per_page", low=1, high=MAX_PER_PAGE) or DEFAULT_PER_PAGE
    page = sku_updates.product_page(caller().enterprise_id, page=page_no, per_page=per_page)
    return jsonify(items=[product_item(p) for p in page.items], page=page.page, per_page=page.per_page,
                   total=page.total)


def _unknown_sku(sku: str) -> ApiRefusal:
    return ApiRefusal(404, "not_found", f"우리 기업 상품에서 찾을 수 없는 SKU입니다: {sku[:64]}")


@bp.get("/options/<sku>")
def option(sku: str):
    found = sku_updates.option_state(caller().enterprise_id, sku)
    if found is None:
        raise _unknown_sku(sku)
    return jsonify(option_document(found))


def _applied(applied: sku_updates.Applied) -> dict:
    return {"index": applied.index, **option_document(applied.option), "changed": list(applied.changed)}


@bp.patch("/options/<sku>")
def update_option(sku: str):
    body = json_object()
    try:
        applied = sku_updates.update_option(caller().enterprise_id, sku, body, caller().member, via=_via())
    except LookupError:
        raise _unknown_sku(sku) from None
    document = _applied(applied)
    del document["index"]
    return jsonify(document)


@bp.post("/options/batch")
def update_options():
    body = json_object()
    _only(body, ("items",))
    applied = sku_updates.update_options(caller().enterprise_id, body.get("items"), caller().member, via=_via())
    return jsonify(items=[_applied(a) for a in applied], changed=sum(1 for a in applied if a.changed))


# --- shipments --------------------------------------------------------------------------------------


@bp.get("/shipments")
def shipments():
    limit = _int_arg("limit", low=1, high=MAX_PER_PAGE) or DEFAULT_PER_PAGE
    page = dispatch_queue.shipments_to_send(caller().enterprise_id, status=_status(), cursor=_cursor(), limit=limit)
    following = {"since": page.next.since.isoformat(), "after_id": page.next.after_id} if page.next else None
    return jsonify(items=[shipment_document(s) for s in page.items], limit=limit, next=following)


def _own_shipment(shipment_id: int) -> Shipment:
    """The enterprise's own shipment (another's does not exist here), expired first if its payment
    deadline has passed, as the console does."""
    found = queries.enterprise_shipment(caller().enterprise_id, shipment_id) if shipment_id <= MAX_ID else None
    if found is None:
        raise ApiRefusal(404, "not_found", "배송을 찾을 수 없습니다.")
    if found.status is ShipmentStatus.AWAITING_PAYMENT:
        orders.expire_if_overdue(found.order)
        found = queries.enterprise_shipment(caller().enterprise_id, shipment_id)
    return found


@bp.get("/shipments/<int:shipment_id>")
def shipment(shipment_id: int):
    return jsonify(shipment_document(_own_shipment(shipment_id)))


@bp.post("/shipments/<int:shipment_id>/preparing")
def start_preparing(shipment_id: int):
    found = _own_shipment(shipment_id)
    orders.start_preparing(found, caller().member)
    return jsonify(shipment_document(_own_shipment(shipment_id)))


@bp.post("/shipments/<int:shipment_id>/ship")
def ship(shipment_id: int):
    found = _own_shipment(shipment_id)
    body = json_object()
    _only(body, ("courier", "tracking_number"))
    courier, number = body.get("courier"), body.get("tracking_number", "")
    if not isinstance(courier, str) or courier not in COURIERS:
        raise ApiRefusal(422, "invalid_field", f"택배사 코드(courier)를 보내 주세요: {', '.join(COURIERS)}",
                         field="courier")
    if not isinstance(number, str) or not re.fullmatch(TRACKING_NUMBER, number) or (not number and courier != "direct"):
        raise ApiRefusal(422, "invalid_field", "송장번호(tracking_number)는 영문·숫자 8~20자 문자열로 보내 주세요. "
                                               "(하이픈은 숫자 사이에 하나씩만, 직접 배송이면 생략 가능)",
                         field="tracking_number")
    orders.ship(found, caller().member, courier=courier, tracking_number=number)
    return jsonify(shipment_document(_own_shipment(shipment_id)))
