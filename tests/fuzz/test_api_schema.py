"""Schemathesis against GET /api/v1/openapi.json, in process (WSGI): generated requests to every public
and enterprise operation, with a live API key and without one, never get a 5xx, and every answer is one
the document promises (documented status code, content type, body schema, required headers)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from shop.accounts.models import Role
from shop.enterprises import api_tokens
from shop.extensions import db
from shop.orders import services as orders
from shop.web.openapi import openapi_document
from tests.services.order_helpers import SEOUL, TODAY, new_key
from tests.web.test_enterprise_api import paid_order

# Bounded and seeded so that CI runs the same requests every time, within a minute on SQLite.
CONFIG = SchemathesisConfig.from_dict({
    "seed": 20261127,
    "base-url": "http://localhost",
    # The key is ours to send (below), not a generated header that could replace it.
    "generation": {"max-examples": 8, "deterministic": True, "with-security-parameters": False},
})
# What the document promises. Left out on purpose: positive_data_acceptance (cross-field rules such as
# min_price <= max_price cannot be written in the schema, so a schema-valid request may rightly get a 400)
# and negative_data_rejection (lenient parsing, e.g. an empty ?page= meaning page 1, is not a defect).
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]
# Health checks off: the fixtures are built once per operation on purpose, and schemathesis's own strategies
# filter (a too_slow or filter_too_much from them says nothing about the app).
FUZZ_SETTINGS = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))


@dataclass
class Market:
    """What the generated requests can be aimed at: the live key, the options' SKUs, parcels to ship."""

    key: str
    skus: list[str]
    shipment_ids: list[int]
    slug: str


@pytest.fixture
def market(app, monkeypatch, make_user, make_enterprise, make_product, make_category, make_exhibition) -> Market:
    """An approved enterprise with products (one in an exhibition), orders to ship, and a live API key."""
    monkeypatch.setitem(app.config, "ENTERPRISE_API_RATE_LIMIT", "100000 per minute")
    monkeypatch.setitem(app.config, "ENTERPRISE_API_AUTH_FAILURE_LIMIT", "100000 per minute")
    enterprise = make_enterprise(name="성수 커피협동조합")
    owner = make_user(Role.ENTERPRISE, enterprise=enterprise, enterprise_owner=True)
    beans = make_product(name="공정무역 원두", slug="beans", category=make_category("커피·차", slug="coffee"),
                         enterprise=enterprise, variants=[("200g", 12_000, 30), ("1kg", 45_000, 40)],
                         tiers={1: [(10, 42_000)]})
    make_exhibition(products=[beans], special_prices={beans.variants[0]: 9_900})
    shipments = [paid_order(make_user(), [(beans.variants[1].id, 1)]).shipments[0].id for _ in range(2)]
    orders.place_order(make_user(), [(beans.variants[0].id, 1)], SEOUL, new_key(), today=TODAY)
    db.session.commit()
    key = api_tokens.issue(enterprise.id, "재고 연동 서버", owner).secret
    return Market(key, [variant.sku for variant in beans.variants], shipments, beans.slug)


def aimed_at_real_rows(case, market: Market) -> None:
    """Point about half of the generated requests at rows that exist (by the parity of what was generated,
    so runs repeat), so that random bodies reach the stock, price and shipping rules instead of a 404."""
    params = case.path_parameters or {}
    for name, real in (("sku", market.skus), ("shipment_id", market.shipment_ids), ("slug", [market.slug])):
        if name in params and len(str(params[name])) % 2 == 0:
            params[name] = real[len(str(params[name])) % len(real)]
    items = case.body.get("items") if isinstance(case.body, dict) else None
    for position, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and position % 2 == 0:
            item["sku"] = market.skus[position % len(market.skus)]


# The document is built here so that pytest can make one test per operation at collection time (the lazy
# schemathesis.pytest.from_fixture loader does not work with pytest 9.2's node ids); the first test checks
# that the app serves exactly this document.
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)


def test_the_app_serves_the_document_under_test(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == schema.raw_schema


def documented_method(case) -> bool:
    """False for the requests with another method that schemathesis also sends (answered 405)."""
    return case.method.upper() == case.operation.method.upper()


@schema.parametrize()
@FUZZ_SETTINGS
def test_with_a_live_key(case, app, market):
    aimed_at_real_rows(case, market)
    response = case.call_and_validate(app=app, checks=CHECKS, headers={"Authorization": f"Bearer {market.key}"})
    if documented_method(case):
        assert response.status_code != 401, "the live key was refused"


@schema.parametrize()
@FUZZ_SETTINGS
def test_without_a_key(case, app, market):
    aimed_at_real_rows(case, market)
    response = case.call_and_validate(app=app, checks=CHECKS)
    if case.path.startswith("/api/v1/enterprise/") and documented_method(case):
        # 404 only where Flask's <int:...> route converter refuses the id (negative, too long): nothing ran.
        assert response.status_code in (401, 404), "an enterprise operation answered without a key"
