"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 document that describes every /api/v1 route and method and
nothing else, whose limits are the code's, and against which real answers validate: every documented
status code of every operation is produced here by a real request and its body checked against the
document's schema (and its required headers looked for)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from shop.accounts.models import Role
from shop.catalog.stock_table import MAX_STOCK
from shop.enterprises import api_tokens
from shop.extensions import db
from shop.orders import services as orders
from shop.web import api, enterprise_api
from tests.services.order_helpers import SEOUL, TODAY, new_key
from tests.web.test_enterprise_api import paid_order

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ENTERPRISE = "/api/v1/enterprise"


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def openapi_path(rule) -> str:
    """/api/v1/enterprise/shipments/<int:shipment_id> -> /api/v1/enterprise/shipments/{shipment_id}"""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)


def api_routes(app) -> set[tuple[str, str]]:
    return {(openapi_path(rule), method.lower()) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1/") for method in rule.methods - {"HEAD", "OPTIONS"}}


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    validate(document)


def test_every_api_route_is_documented_with_its_methods_and_nothing_else(app, document):
    documented = {(path, method) for path, method, _ in operations(document)}
    assert api_routes(app) == documented
    for path, method, operation in operations(document):
        in_path = set(re.findall(r"{([^}]+)}", path))
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert in_path == declared, f"{method} {path}"
        if path.startswith(ENTERPRISE + "/"):
            assert operation["security"] == [{"apiKey": []}], f"{method} {path}"
            assert {"401", "429"} <= set(operation["responses"]), f"{method} {path}"


def test_the_document_states_the_limits_the_code_enforces(document):
    params = {(path, p["name"]): p["schema"] for path, _, op in operations(document) for p in op.get("parameters", [])}
    assert params[("/api/v1/products", "per_page")]["maximum"] == api.MAX_PER_PAGE
    assert params[("/api/v1/exhibitions", "per_page")]["maximum"] == api.MAX_PER_PAGE
    assert params[(f"{ENTERPRISE}/products", "per_page")]["maximum"] == enterprise_api.MAX_PER_PAGE
    schemas = document["components"]["schemas"]
    assert schemas["BatchRequest"]["properties"]["items"]["maxItems"] == 500
    assert schemas["OptionChange"]["properties"]["stock"]["maximum"] == MAX_STOCK
    assert schemas["OptionChange"]["properties"]["price_krw"]["minimum"] == 100
    assert document["components"]["securitySchemes"]["apiKey"] == {
        "type": "http", "scheme": "bearer", "description": "판매자 센터에서 만든 API 키 (hkm_로 시작)"}


# --- real answers against the document ----------------------------------------------------------------


class Conformance:
    """Checks answers against the document and remembers which (path, method, status) it has seen."""

    def __init__(self, app, document: dict):
        self.document = document
        self.registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(document))
        self.adapter = app.url_map.bind("localhost")
        self.seen: set[tuple[str, str, str]] = set()

    def _resolve(self, pointer: str) -> tuple[dict, str]:
        """The response object at `pointer`, following a $ref, and where it really is."""
        node = self.document
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        if "$ref" in node:
            return self._resolve(node["$ref"].removeprefix("#"))
        return node, pointer

    def check(self, response, method: str, url: str) -> None:
        rule, _ = self.adapter.match(urlsplit(url).path, method=method, return_rule=True)
        path, status = openapi_path(rule), str(response.status_code)
        where = f"{method} {url} -> {status}"
        operation = self.document["paths"][path][method.lower()]
        assert status in operation["responses"], f"{where}: status not documented"
        escaped = path.replace("~", "~0").replace("/", "~1")
        answer, pointer = self._resolve(f"/paths/{escaped}/{method.lower()}/responses/{status}")
        assert response.is_json, where
        schema = {"$ref": f"urn:openapi#{pointer}/content/application~1json/schema"}
        validator = Draft202012Validator(schema, registry=self.registry,
                                         format_checker=Draft202012Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(response.get_json()), key=lambda e: list(e.path))
        assert not errors, f"{where}: {errors[0].message} at {list(errors[0].path)}"
        for name, header in answer.get("headers", {}).items():
            if header.get("required"):
                assert name in response.headers, f"{where}: header {name} missing"
        self.seen.add((path, method.lower(), status))

    def documented(self) -> set[tuple[str, str, str]]:
        return {(path, method, status) for path, method, op in operations(self.document) for status in op["responses"]}


HUGE = "{\"pad\": \"" + "x" * (enterprise_api.MAX_BODY_BYTES + 1) + "\"}"


def test_real_answers_validate_against_the_document(app, client, document, monkeypatch, make_user, make_enterprise,
                                                    make_product, make_category, make_exhibition):
    monkeypatch.setitem(app.config, "ENTERPRISE_API_AUTH_FAILURE_LIMIT", "1000 per minute")
    conformance = Conformance(app, document)

    def call(method: str, url: str, *, key: str | None = None, **kwargs):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = client.open(url, method=method, headers=headers, **kwargs)
        conformance.check(response, method, url)
        return response

    coffee = make_category("커피·차", slug="coffee")
    enterprise = make_enterprise(name="성수 커피협동조합")
    owner = make_user(Role.ENTERPRISE, enterprise=enterprise, enterprise_owner=True)
    key = api_tokens.issue(enterprise.id, "재고 연동 서버", owner).secret
    beans = make_product(name="공정무역 원두", slug="beans", category=coffee, enterprise=enterprise,
                         variants=[("200g", 12_000, 3), ("1kg", 45_000, 40)], tiers={1: [(10, 42_000)]})
    made_to_order = make_product(enterprise=enterprise, variants=[("기본", 9_000, 0)])
    made_to_order.variants[0].track_stock = False
    db.session.commit()
    make_exhibition(products=[beans], special_prices={beans.variants[0]: 9_900})
    first = paid_order(make_user(), [(beans.variants[1].id, 1)]).shipments[0]
    second = paid_order(make_user(), [(beans.variants[1].id, 1)]).shipments[0]
    others = make_product(enterprise=make_enterprise(name="다른 협동조합"), variants=[("기본", 5_000, 9)])
    theirs = paid_order(make_user(), [(others.variants[0].id, 1)]).shipments[0]
    orders.place_order(make_user(), [(beans.variants[1].id, 1)], SEOUL, new_key(), today=TODAY)  # unpaid

    # The public read API.
    call("GET", "/api/v1/products?sort=price_asc&type=social_enterprise&in_stock=true")
    call("GET", "/api/v1/products?page=0")
    call("GET", "/api/v1/products/beans")
    call("GET", "/api/v1/products/nope")
    call("GET", "/api/v1/enterprises?district=마포구")
    call("GET", "/api/v1/enterprises?type=bank")
    call("GET", "/api/v1/exhibitions?phase=ongoing")
    call("GET", "/api/v1/exhibitions?phase=soon")
    call("GET", "/api/v1/openapi.json")

    # Products and options.
    sku, untracked = beans.variants[0].sku, made_to_order.variants[0].sku
    products = f"{ENTERPRISE}/products"
    call("GET", products, key=key)
    call("GET", f"{products}?per_page=0", key=key)
    call("GET", f"{ENTERPRISE}/options/{untracked}", key=key)
    call("GET", f"{ENTERPRISE}/options/NOPE", key=key)
    option = f"{ENTERPRISE}/options/{sku}"
    assert call("PATCH", option, key=key, json={"stock": 5, "expected_stock": 3, "price_krw": 11_000}).status_code == 200
    assert call("PATCH", option, key=key, json={"stock": 9, "expected_stock": 3}).status_code == 409
    assert call("PATCH", option, key=key, json={"stock": "many"}).status_code == 422
    assert call("PATCH", f"{ENTERPRISE}/options/NOPE", key=key, json={"stock": 1}).status_code == 404
    assert call("PATCH", option, key=key, data="stock=1", content_type="text/plain").status_code == 400
    assert call("PATCH", option, key=key, data=HUGE, content_type="application/json").status_code == 413
    batch = f"{ENTERPRISE}/options/batch"
    assert call("POST", batch, key=key, json={"items": [{"sku": sku, "stock": 6}, {"sku": untracked,
                                                                                   "price_krw": 9_500}]}).status_code == 200
    assert call("POST", batch, key=key, json={"items": [{"sku": sku, "stock": 1, "expected_stock": 0}]}).status_code == 409
    assert call("POST", batch, key=key, json={"items": [{"sku": untracked, "stock": 1}]}).status_code == 422
    assert call("POST", batch, key=key, json={"items": []}).status_code == 422
    assert call("POST", batch, key=key, data="[]", content_type="application/json").status_code == 400
    assert call("POST", batch, key=key, data=HUGE, content_type="application/json").status_code == 413

    # Shipments.
    listed = call("GET", f"{ENTERPRISE}/shipments?limit=1", key=key).get_json()
    assert listed["next"] is not None
    call("GET", f"{ENTERPRISE}/shipments", key=key, query_string=listed["next"])
    call("GET", f"{ENTERPRISE}/shipments?since=tomorrow", key=key)
    call("GET", f"{ENTERPRISE}/shipments/{first.id}", key=key)
    call("GET", f"{ENTERPRISE}/shipments/{theirs.id}", key=key)
    prepare = f"{ENTERPRISE}/shipments/{first.id}/preparing"
    assert call("POST", prepare, key=key).status_code == 200
    assert call("POST", prepare, key=key).status_code == 409
    assert call("POST", f"{ENTERPRISE}/shipments/{theirs.id}/preparing", key=key).status_code == 404
    ship = f"{ENTERPRISE}/shipments/{first.id}/ship"
    parcel = {"courier": "hanjin", "tracking_number": "412345678901"}
    assert call("POST", ship, key=key, json={"courier": "ups", "tracking_number": "1"}).status_code == 422
    assert call("POST", ship, key=key, data="x", content_type="application/json").status_code == 400
    assert call("POST", ship, key=key, data=HUGE, content_type="application/json").status_code == 413
    assert call("POST", ship, key=key, json=parcel).status_code == 200
    assert call("GET", f"{ENTERPRISE}/shipments/{first.id}", key=key).get_json()["courier"]["code"] == "hanjin"
    assert call("POST", f"{ENTERPRISE}/shipments/{second.id}/ship", key=key, json=parcel).status_code == 409
    assert call("POST", f"{ENTERPRISE}/shipments/{theirs.id}/ship", key=key, json=parcel).status_code == 404

    # Every enterprise operation without a key, then past the rate limit.
    enterprise_calls = [(path.replace("{sku}", sku).replace("{shipment_id}", str(second.id)), method.upper())
                        for path, method, _ in operations(document) if path.startswith(ENTERPRISE + "/")]
    for url, method in enterprise_calls:
        assert call(method, url, json={}).status_code == 401
    monkeypatch.setitem(app.config, "ENTERPRISE_API_RATE_LIMIT", "1 per minute")
    spent = api_tokens.issue(enterprise.id, "한도 점검", owner).secret
    call("GET", products, key=spent)
    for url, method in enterprise_calls:
        assert call(method, url, key=spent, json={}).status_code == 429

    missing = conformance.documented() - conformance.seen
    assert not missing, f"documented but never produced here: {sorted(missing)}"
