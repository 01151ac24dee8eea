"""GET /api/v1/openapi.json: the OpenAPI 3.1 description of the public read API (shop.web.api) and of the
enterprise API (shop.web.enterprise_api), written by hand so it says what clients may rely on.

Enumerations (enterprise types, districts, statuses, couriers) and limits come from the code that
enforces them, so the document cannot drift from them; tests/web/test_openapi.py checks every route is
described and that real answers validate against it.
"""
from __future__ import annotations

from flask import jsonify

from shop.catalog import sku_updates
from shop.catalog.listing import MAX_PAGE, MAX_PRICE, MAX_QUERY_LENGTH, SORTS
from shop.catalog.models import ProductStatus, TaxType
from shop.catalog.stock_table import MAX_STOCK
from shop.core.korea import SEOUL_DISTRICTS
from shop.curation.models import ExhibitionKind, ExhibitionPhase, OrganizerType
from shop.enterprises.models import EnterpriseType
from shop.orders.couriers import COURIERS
from shop.orders.dispatch_queue import TO_SHIP
from shop.orders.models import PaymentMethod, ShipmentStatus
from shop.web import enterprise_api

PUBLIC_MAX_PER_PAGE = 100  # shop.web.api.MAX_PER_PAGE (not imported: api.py imports this module)
PUBLIC_DEFAULT_PER_PAGE = 24
JSON = "application/json"
MAX_INT = enterprise_api.MAX_ID


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def response_ref(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def obj(properties: dict, *, optional: tuple[str, ...] = (), description: str | None = None) -> dict:
    """A closed object: every property required unless named optional, nothing else allowed."""
    schema = {"type": "object", "properties": properties,
              "required": [name for name in properties if name not in optional], "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def nullable(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


def values(enum_cls) -> list[str]:
    return [member.value for member in enum_cls]


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
KRW = {"type": "integer", "description": "원 단위 정수 (부가세 포함)"}
URL_PATH = {"type": "string", "description": "이 사이트 안의 경로"}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}


def json_content(schema: dict) -> dict:
    return {JSON: {"schema": schema}}


def answer(description: str, schema: dict, headers: dict | None = None) -> dict:
    response = {"description": description, "content": json_content(schema)}
    if headers:
        response["headers"] = headers
    return response


def query(name: str, schema: dict, description: str, **extra) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description, **extra}


def paging(default_per_page: int, max_per_page: int) -> list[dict]:
    return [
        query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "페이지 (1부터)"),
        query("per_page", {"type": "integer", "minimum": 1, "maximum": max_per_page, "default": default_per_page},
              "한 페이지에 담을 개수"),
    ]


def page_of(item: str) -> dict:
    return obj({"items": {"type": "array", "items": ref(item)}, "page": INTEGER, "per_page": INTEGER,
                "total": INTEGER})


# --- schemas ------------------------------------------------------------------------------------------


def _error(code: dict, **members) -> dict:
    return obj({"error": obj({"code": code, "message": {**STRING, "description": "사용자에게 보여 줄 한국어 안내"},
                              **members})})


def error_schemas() -> dict:
    invalid_item = obj({
        "index": {**INTEGER, "description": "보낸 items 배열에서의 위치 (0부터)"},
        "sku": nullable(STRING),
        "field": nullable({**STRING, "description": "문제가 된 값의 이름; null이면 항목 전체"}),
        "message": STRING,
    })
    conflict = obj({"index": INTEGER, "sku": STRING, "expected_stock": INTEGER,
                    "current_stock": {**INTEGER, "description": "지금의 재고"}})
    return {
        "Error": _error(STRING),
        "ParameterError": _error({"const": "invalid_parameter"}, param=STRING),
        "FieldError": _error({"const": "invalid_field"}, field=STRING),
        "InvalidItem": invalid_item,
        "InvalidItemsError": _error({"const": "invalid_items"}, items={"type": "array", "items": ref("InvalidItem")}),
        "StockConflict": conflict,
        "StockConflictError": _error({"const": "stock_conflict"},
                                     items={"type": "array", "items": ref("StockConflict")}),
    }


def public_schemas() -> dict:
    enterprise_ref = {"slug": STRING, "name": STRING, "type": {"enum": values(EnterpriseType)}, "type_label": STRING}
    product_item = {
        "slug": STRING, "name": STRING, "summary": STRING,
        "price_krw": {**KRW, "description": "오늘 적용되는 가장 낮은 가격 (기획전 특가 포함)"},
        "regular_price_krw": {**KRW, "description": "옵션 정가 중 가장 낮은 가격"},
        "in_stock": BOOLEAN,
        "category": obj({"slug": STRING, "name": STRING}),
        "enterprise": obj(enterprise_ref),
        "url": URL_PATH,
        "image": nullable(URL_PATH),
    }
    option = obj({
        "name": STRING, "sku": STRING, "price_krw": KRW, "regular_price_krw": KRW, "in_stock": BOOLEAN,
        "stock_left": nullable({**INTEGER, "description": "남은 수량이 적을 때만 그 수, 아니면 null"}),
        "bulk_prices": {"type": "array", "items": obj({"min_qty": INTEGER, "unit_price_krw": KRW})},
    })
    detail = {
        **product_item,
        "enterprise": obj({**enterprise_ref, "district": STRING, "url": URL_PATH}),
        "description_html": {**STRING, "description": "정제된 HTML"},
        "tax_type": {"enum": values(TaxType)},
        "min_order_qty": INTEGER, "lead_time_days": INTEGER, "origin": STRING,
        "images": {"type": "array", "items": obj({"url": URL_PATH, "alt": STRING})},
        "options": {"type": "array", "items": option},
        "shipping": obj({"base_fee_krw": KRW, "free_threshold_krw": nullable(KRW), "island_extra_fee_krw": KRW}),
        "exhibitions": {"type": "array", "items": obj({"slug": STRING, "title": STRING, "ends_on": DATE})},
    }
    enterprise = obj({**enterprise_ref, "district": STRING, "summary": STRING, "url": URL_PATH,
                      "product_count": INTEGER})
    exhibition = obj({
        "slug": STRING, "title": STRING, "summary": STRING, "kind": {"enum": values(ExhibitionKind)},
        "kind_label": STRING, "organizer": obj({"type": {"enum": values(OrganizerType)}, "name": STRING}),
        "starts_on": DATE, "ends_on": DATE, "phase": {"enum": values(ExhibitionPhase)}, "phase_label": STRING,
        "url": URL_PATH,
    })
    return {
        "ProductListItem": obj(product_item), "ProductPage": page_of("ProductListItem"), "Product": obj(detail),
        "Enterprise": enterprise, "EnterprisePage": page_of("Enterprise"),
        "Exhibition": exhibition, "ExhibitionPage": page_of("Exhibition"),
    }


# Something to change, and expected_stock only with the stock it guards.
CHANGES_SOMETHING = {"anyOf": [{"required": ["stock"]}, {"required": ["price_krw"]}],
                     "dependentRequired": {"expected_stock": ["stock"]}}


def enterprise_schemas() -> dict:
    stock = {"type": "integer", "minimum": 0, "maximum": MAX_STOCK}
    price = {"type": "integer", "minimum": sku_updates.MIN_PRICE_KRW, "maximum": sku_updates.MAX_PRICE_KRW,
             "description": "판매가, 원 단위 정수 (부가세 포함). 지금 값과 같으면 범위를 다시 따지지 않습니다."}
    product_status = {"enum": values(ProductStatus)}
    option = {"sku": STRING, "name": STRING, "price_krw": KRW,
              "stock": nullable({**INTEGER, "description": "재고; 재고를 관리하지 않는 옵션은 null"}),
              "track_stock": BOOLEAN}
    option_product = obj({"id": INTEGER, "slug": STRING, "name": STRING, "status": product_status,
                          "status_label": STRING})
    changed = {"type": "array", "items": {"enum": [sku_updates.PRICE, sku_updates.STOCK]},
               "description": "값이 실제로 바뀐 항목 (이미 그 값이었으면 비어 있음)"}
    change = {
        "stock": {**stock, "description": "새 재고 (절대값). 재고를 관리하는 옵션만"},
        "expected_stock": {**stock, "description": "확인한 재고. 지금 재고가 이 값(또는 이미 stock)이 아니면 409로 "
                                                   "거절하고 아무것도 바꾸지 않습니다."},
        "price_krw": price,
    }
    shipment_item = obj({"product_name": STRING, "option_name": STRING, "sku": STRING, "quantity": INTEGER})
    recipient = obj({"name": STRING, "phone": STRING, "department": STRING, "postcode": STRING,
                     "address1": STRING, "address2": STRING, "memo": STRING})
    shipment = obj({
        "id": INTEGER, "order_number": STRING,
        "status": {"enum": values(ShipmentStatus)}, "status_label": STRING,
        "payment_method": {"enum": values(PaymentMethod)}, "payment_method_label": STRING,
        "created_at": {**DATE_TIME, "description": "주문 시각"}, "paid_at": nullable(DATE_TIME),
        "recipient": {"anyOf": [recipient, {"type": "null"}],
                      "description": "받는 분; 배송에 필요한 동안에만 보이고, 그 밖에는 null"},
        "items": {"type": "array", "items": shipment_item},
        "shipping_fee_krw": KRW,
        "courier": {"anyOf": [obj({"code": {"enum": list(COURIERS)}, "name": STRING}), {"type": "null"}]},
        "tracking_number": nullable(STRING), "tracking_url": nullable(STRING),
        "shipped_at": nullable(DATE_TIME),
        "actions": {"type": "array", "items": {"enum": sorted(enterprise_api.API_ACTIONS.values())},
                    "description": "지금 이 API로 할 수 있는 처리"},
        "url": URL_PATH,
    })
    return {
        "OwnOption": obj(option),
        "OwnProduct": obj({"id": INTEGER, "slug": STRING, "name": STRING, "status": product_status,
                           "status_label": STRING, "options": {"type": "array", "items": ref("OwnOption")}}),
        "OwnProductPage": page_of("OwnProduct"),
        "OptionDetail": obj({**option, "product": option_product}),
        "AppliedOption": obj({**option, "product": option_product, "changed": changed}),
        "AppliedItem": obj({"index": INTEGER, **option, "product": option_product, "changed": changed}),
        "OptionChange": {**obj(change, optional=tuple(change)), **CHANGES_SOMETHING},
        "BatchItem": {**obj({"sku": {**STRING, "minLength": 1, "maxLength": sku_updates.MAX_SKU_LENGTH}, **change},
                            optional=tuple(change)), **CHANGES_SOMETHING},
        "BatchRequest": obj({"items": {"type": "array", "items": ref("BatchItem"), "minItems": 1,
                                       "maxItems": sku_updates.MAX_BATCH}}),
        "BatchResult": obj({"items": {"type": "array", "items": ref("AppliedItem")},
                            "changed": {**INTEGER, "description": "값이 실제로 바뀐 항목 수"}}),
        "Shipment": shipment,
        "ShipmentQueue": obj({
            "items": {"type": "array", "items": ref("Shipment")}, "limit": INTEGER,
            "next": {"anyOf": [obj({"since": DATE_TIME, "after_id": INTEGER}), {"type": "null"}],
                     "description": "다음 쪽을 받을 since와 after_id; 더 없으면 null"},
        }),
        "ShipRequest": {
            **obj({
                "courier": {"enum": list(COURIERS),
                            "description": ", ".join(f"{c} {n}" for c, (n, _) in COURIERS.items())},
                "tracking_number": {**STRING, "pattern": f"^{enterprise_api.TRACKING_NUMBER}$",
                                    "description": "송장번호, 영문·숫자 8~20자 (숫자 사이 하이픈은 저장할 때 뺍니다). "
                                                   "직접 배송(direct)이면 생략하거나 빈 문자열"},
            }, optional=("tracking_number",)),
            "if": {"properties": {"courier": {"const": "direct"}}},
            "else": {"required": ["tracking_number"], "properties": {"tracking_number": {"minLength": 1}}},
        },
    }


# --- responses ----------------------------------------------------------------------------------------

RATE_HEADERS = {
    "X-RateLimit-Limit": {"schema": INTEGER, "description": "기간 안에 허용되는 호출 수"},
    "X-RateLimit-Remaining": {"schema": INTEGER, "description": "남은 호출 수"},
    "X-RateLimit-Reset": {"schema": INTEGER, "description": "한도가 초기화되는 시각 (Unix 초)"},
    "Retry-After": {"schema": INTEGER, "description": "다시 시도하기까지 기다릴 초"},
}


def shared_responses() -> dict:
    return {
        "Unauthorized": answer("API 키가 없거나, 올바르지 않거나, 폐기되었거나, 키를 만든 구성원이 더는 기업에 없습니다.",
                               ref("Error"), {"WWW-Authenticate": {"schema": STRING, "required": True}}),
        "TooManyRequests": answer("호출 한도를 넘었습니다. Retry-After 초 뒤에 다시 시도해 주세요.", ref("Error"),
                                  RATE_HEADERS),
        "NotFound": answer("찾을 수 없습니다 (다른 기업의 것도 마찬가지입니다).", ref("Error")),
        "BadParameter": answer("쿼리 파라미터가 올바르지 않습니다 (param이 그 이름).", ref("ParameterError")),
        "BadBody": answer("본문이 JSON 객체가 아니거나 Content-Type이 application/json이 아닙니다.", ref("Error")),
        "TooLarge": answer("본문이 너무 큽니다.", ref("Error")),
        "StockConflict": answer("expected_stock을 보낸 옵션의 재고가 그 사이 바뀌어 아무것도 바꾸지 않았습니다.",
                                ref("StockConflictError")),
        "InvalidState": answer("지금 배송 상태에서는 할 수 없는 처리입니다.", ref("Error")),
    }


def enterprise_operation(summary: str, description: str, ok: dict, *, errors: dict | None = None,
                         parameters: list | None = None, body: str | None = None) -> dict:
    responses = {"200": ok, "401": response_ref("Unauthorized"), "429": response_ref("TooManyRequests")}
    if body:
        responses.update({"400": response_ref("BadBody"), "413": response_ref("TooLarge")})
    responses.update(errors or {})
    operation = {"tags": ["기업 API"], "summary": summary, "description": description,
                 "security": [{"apiKey": []}], "responses": dict(sorted(responses.items()))}
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {"required": True, "content": json_content(ref(body))}
    return operation


def public_operation(summary: str, ok: dict, *, parameters: list | None = None, errors: dict | None = None) -> dict:
    operation = {"tags": ["공개 API"], "summary": summary, "security": [],
                 "responses": {"200": ok, **(errors or {})}}
    if parameters:
        operation["parameters"] = parameters
    return operation


def _path(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


SKU = _path("sku", {"type": "string", "minLength": 1}, "옵션의 SKU")
SHIPMENT_ID = _path("shipment_id", {"type": "integer", "minimum": 1, "maximum": MAX_INT}, "배송 번호 (shipments의 id)")


def public_paths() -> dict:
    bad = {"400": response_ref("BadParameter")}
    types = query("type", {"type": "array", "items": {"enum": values(EnterpriseType)}}, "기업 유형 (여러 번 가능)",
                  style="form", explode=True)
    district = query("district", {"enum": list(SEOUL_DISTRICTS)}, "서울시 자치구")
    return {
        "/api/v1/products": {"get": public_operation("판매 중인 상품 목록", answer("상품 목록", ref("ProductPage")),
            parameters=[
                query("q", {"type": "string", "maxLength": MAX_QUERY_LENGTH}, "검색어"),
                types, district,
                query("category", STRING, "카테고리 slug (하위 카테고리 포함)"),
                query("min_price", {"type": "integer", "minimum": 0, "maximum": MAX_PRICE}, "최저 가격"),
                query("max_price", {"type": "integer", "minimum": 0, "maximum": MAX_PRICE}, "최고 가격"),
                query("in_stock", STRING, "1, true, on, yes 중 하나면 품절 상품 제외 (그 밖의 값은 무시)"),
                query("sort", {"enum": list(SORTS), "default": "newest"}, "정렬"),
                *paging(PUBLIC_DEFAULT_PER_PAGE, PUBLIC_MAX_PER_PAGE),
            ], errors=bad)},
        "/api/v1/products/{slug}": {"get": public_operation(
            "상품 하나", answer("상품", ref("Product")),
            parameters=[_path("slug", STRING, "상품 slug")], errors={"404": response_ref("NotFound")})},
        "/api/v1/enterprises": {"get": public_operation(
            "입점 기업 목록", answer("기업 목록", ref("EnterprisePage")),
            parameters=[types, district, *paging(PUBLIC_DEFAULT_PER_PAGE, PUBLIC_MAX_PER_PAGE)], errors=bad)},
        "/api/v1/exhibitions": {"get": public_operation(
            "기획전 목록", answer("기획전 목록", ref("ExhibitionPage")),
            parameters=[query("phase", {"enum": values(ExhibitionPhase)}, "예정, 진행 중, 종료"),
                        *paging(PUBLIC_DEFAULT_PER_PAGE, PUBLIC_MAX_PER_PAGE)], errors=bad)},
        "/api/v1/openapi.json": {"get": public_operation(
            "이 문서 (OpenAPI 3.1)", answer("OpenAPI 문서", {"type": "object"}))},
    }


def enterprise_paths() -> dict:
    prefix = "/api/v1/enterprise"
    not_found = {"404": response_ref("NotFound")}
    return {
        f"{prefix}/products": {"get": enterprise_operation(
            "우리 기업 상품과 옵션", "모든 상태(작성 중, 심사 대기, 판매 중, 숨김)의 상품을 오래된 것부터.",
            answer("상품 목록", ref("OwnProductPage")),
            parameters=paging(enterprise_api.DEFAULT_PER_PAGE, enterprise_api.MAX_PER_PAGE),
            errors={"400": response_ref("BadParameter")})},
        f"{prefix}/options/{{sku}}": {
            "get": enterprise_operation("옵션 하나", "다른 기업의 SKU는 없는 SKU와 똑같이 404입니다.",
                                        answer("옵션", ref("OptionDetail")), parameters=[SKU], errors=not_found),
            "patch": enterprise_operation(
                "옵션의 재고·가격 바꾸기",
                "stock은 새 재고(절대값)입니다. expected_stock을 함께 보내면, 그 사이 주문 등으로 재고가 바뀌었을 때 "
                "409로 거절하고 지금 재고를 알려 줍니다. 가격·재고 변경은 상품 이력에 남습니다.",
                answer("바꾼 뒤의 옵션", ref("AppliedOption")), parameters=[SKU], body="OptionChange",
                errors={**not_found, "409": response_ref("StockConflict"),
                        "422": answer("값이 올바르지 않습니다 (index는 0).", ref("InvalidItemsError"))}),
        },
        f"{prefix}/options/batch": {"post": enterprise_operation(
            "여러 옵션의 재고·가격 한꺼번에 바꾸기",
            f"최대 {sku_updates.MAX_BATCH}개. 전부 적용되거나 하나도 적용되지 않습니다: 문제가 있는 항목이 하나라도 "
            "있으면 모든 문제를 index와 함께 알려 주고 아무것도 바꾸지 않습니다.",
            answer("적용 결과", ref("BatchResult")), body="BatchRequest",
            errors={"409": response_ref("StockConflict"),
                    "422": answer("항목에 문제가 있거나(invalid_items) 본문의 형태가 맞지 않습니다(invalid_field).",
                                  {"oneOf": [ref("InvalidItemsError"), ref("FieldError")]})})},
        f"{prefix}/shipments": {"get": enterprise_operation(
            "보낼 배송 목록",
            "카드 결제 주문은 결제완료·상품준비중, 후불 주문은 주문승인 상태인 배송을 주문 시각 순으로. "
            "응답의 next(since, after_id)를 그대로 보내면 다음 쪽을 받습니다.",
            answer("배송 목록", ref("ShipmentQueue")),
            parameters=[
                query("status", {"enum": [s.value for s in TO_SHIP]}, "한 상태만"),
                query("since", {"anyOf": [{**DATE, "maxLength": enterprise_api.MAX_CURSOR_LENGTH},
                                          {**DATE_TIME, "maxLength": enterprise_api.MAX_CURSOR_LENGTH}]},
                      "이 시각 이후 주문만 (날짜나 RFC 3339 시각; 시간대가 없으면 한국 시각; '+'는 %2B로)"),
                query("after_id", {"type": "integer", "minimum": 0, "maximum": MAX_INT},
                      "since와 같은 시각의 주문 중 이 배송 번호 다음부터 (next에 있는 값; since 없이는 효과 없음)"),
                query("limit", {"type": "integer", "minimum": 1, "maximum": enterprise_api.MAX_PER_PAGE,
                                "default": enterprise_api.DEFAULT_PER_PAGE}, "한 번에 받을 개수"),
            ], errors={"400": response_ref("BadParameter")})},
        f"{prefix}/shipments/{{shipment_id}}": {"get": enterprise_operation(
            "배송 하나", "다른 기업의 배송은 404입니다.", answer("배송", ref("Shipment")),
            parameters=[SHIPMENT_ID], errors=not_found)},
        f"{prefix}/shipments/{{shipment_id}}/preparing": {"post": enterprise_operation(
            "상품준비중으로 바꾸기", "결제완료 상태의 카드 결제 주문만.", answer("바꾼 뒤의 배송", ref("Shipment")),
            parameters=[SHIPMENT_ID], errors={**not_found, "409": response_ref("InvalidState")})},
        f"{prefix}/shipments/{{shipment_id}}/ship": {"post": enterprise_operation(
            "발송 처리 (택배사와 송장번호)",
            "상품준비중(카드 결제)이나 주문승인(후불) 상태의 배송만; 결제완료 상태면 먼저 preparing을 보내 주세요. "
            "구매자에게 송장번호가 안내되고 주문 이력에 남습니다.",
            answer("발송한 배송", ref("Shipment")), parameters=[SHIPMENT_ID], body="ShipRequest",
            errors={**not_found, "409": response_ref("InvalidState"),
                    "422": answer("택배사나 송장번호가 올바르지 않습니다 (field가 그 이름).", ref("FieldError"))})},
    }


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "함께장터 API",
            "version": "1.0.0",
            "description": "공개 API(상품·기업·기획전 조회)와, 입점 기업이 자체 시스템에서 재고·가격과 발송을 처리하는 "
                           "기업 API. 기업 API 키는 판매자 센터 → API 키(/console/api-keys)에서 대표 관리자가 만듭니다. "
                           "금액은 모두 원 단위 정수이며 부가세를 포함합니다. 오류는 "
                           "{\"error\": {\"code\", \"message\", ...}} 형태로, message는 한국어입니다.",
        },
        "tags": [{"name": "공개 API", "description": "인증 없이 쓰는 조회 API"},
                 {"name": "기업 API", "description": "Authorization: Bearer <API 키>"}],
        "paths": {**public_paths(), **enterprise_paths()},
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                           "description": "판매자 센터에서 만든 API 키 (hkm_로 시작)"}},
            "schemas": {**error_schemas(), **public_schemas(), **enterprise_schemas()},
            "responses": shared_responses(),
        },
    }


def document():
    return jsonify(openapi_document())
