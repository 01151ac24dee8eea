"""/api/v1/enterprise: an enterprise's own systems read its products, set stock and prices by SKU (one or a
batch, all or nothing, compare-and-set), list the parcels to send and mark them sent; only a live API key
authenticates; bad input is a 4xx JSON answer, never a 500; keys and failed calls are rate-limited."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.catalog.models import Product, ProductEvent, ProductEventKind, ProductStatus, Variant
from shop.enterprises import api_tokens, members
from shop.enterprises.models import Enterprise
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order, OrderEvent, PaymentMethod, Shipment, ShipmentStatus
from shop.payments import services as payments
from shop.procurement import invoice_orders
from tests.conftest import signed_in
from tests.services.order_helpers import SEOUL, TODAY, new_key, race

API = "/api/v1/enterprise"
KOREAN = range(0xAC00, 0xD7A4)


def korean(text: str) -> bool:
    return any(ord(ch) in KOREAN for ch in text)


@dataclass
class Seller:
    enterprise: Enterprise
    owner: User
    key: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture
def make_seller(make_enterprise, make_user):
    def make(name: str = "성수 커피협동조합") -> Seller:
        enterprise = make_enterprise(name=name)
        owner = make_user(Role.ENTERPRISE, enterprise=enterprise, enterprise_owner=True, name="김대표")
        return Seller(enterprise, owner, api_tokens.issue(enterprise.id, "재고 연동 서버", owner).secret)

    return make


@pytest.fixture
def seller(make_seller) -> Seller:
    return make_seller()


@pytest.fixture
def beans(seller, make_product) -> Product:
    """Two tracked options: 200g at 12,000원 (10 left) and 1kg at 45,000원 (sold out)."""
    return make_product(name="공정무역 원두", slug="beans", enterprise=seller.enterprise,
                        variants=[("200g", 12_000, 10), ("1kg", 45_000, 0)])


def sku_of(product: Product, position: int = 0) -> str:
    return product.variants[position].sku


def fresh_variant(sku: str) -> Variant:
    db.session.expire_all()
    return db.session.scalar(sa.select(Variant).where(Variant.sku == sku))


def events(product: Product) -> list[ProductEvent]:
    return list(db.session.scalars(sa.select(ProductEvent).where(ProductEvent.product_id == product.id)
                                   .order_by(ProductEvent.id)))


def paid_order(buyer: User, lines: list[tuple[int, int]]) -> Order:
    order = orders.place_order(buyer, lines, SEOUL, new_key(), today=TODAY)
    payments.pay_in_test_mode(order, buyer)
    return order


# --- products and options ---------------------------------------------------------------------------


def test_products_lists_own_products_in_every_state_with_their_options(client, seller, beans, make_product,
                                                                        make_seller, count_queries):
    draft = make_product(name="드립백 (준비 중)", enterprise=seller.enterprise, status=ProductStatus.DRAFT,
                         variants=[("10개입", 8_000, 3)])
    make_product(name="남의 상품", enterprise=make_seller("다른 협동조합").enterprise)
    body = client.get(f"{API}/products", headers=seller.headers).get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 2)
    assert [p["name"] for p in body["items"]] == ["공정무역 원두", "드립백 (준비 중)"]
    assert body["items"][0] == {
        "id": beans.id, "slug": "beans", "name": "공정무역 원두", "status": "active", "status_label": "판매 중",
        "options": [
            {"sku": sku_of(beans), "name": "200g", "price_krw": 12_000, "stock": 10, "track_stock": True},
            {"sku": sku_of(beans, 1), "name": "1kg", "price_krw": 45_000, "stock": 0, "track_stock": True},
        ],
    }
    second = client.get(f"{API}/products?per_page=1&page=2", headers=seller.headers).get_json()
    assert [p["id"] for p in second["items"]] == [draft.id] and second["total"] == 2

    db.session.expire_all()  # as in a fresh request: nothing known beforehand
    with count_queries() as few:
        client.get(f"{API}/products", headers=seller.headers)
    for n in range(8):
        make_product(enterprise=seller.enterprise, variants=[("기본", 1000 + n, n), ("대용량", 5000, 1)])
    db.session.expire_all()
    with count_queries() as many:
        assert len(client.get(f"{API}/products", headers=seller.headers).get_json()["items"]) == 10
    assert len(few) == len(many)


@pytest.mark.parametrize("query, param", [("page=0", "page"), ("per_page=101", "per_page"), ("page=x", "page"),
                                          ("page=", "page"), ("page=1&page=2", "page"), ("per_page=%EF%BC%92", "per_page")])
def test_products_refuses_bad_paging(client, seller, query, param):
    response = client.get(f"{API}/products?{query}", headers=seller.headers)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter" and error["param"] == param and korean(error["message"])


def test_one_option_by_sku(client, seller, beans):
    body = client.get(f"{API}/options/{sku_of(beans)}", headers=seller.headers).get_json()
    assert body == {"sku": sku_of(beans), "name": "200g", "price_krw": 12_000, "stock": 10, "track_stock": True,
                    "product": {"id": beans.id, "slug": "beans", "name": "공정무역 원두", "status": "active",
                                "status_label": "판매 중"}}


def test_another_enterprise_sku_is_exactly_an_unknown_sku(client, seller, beans, make_seller, make_product):
    other = make_product(enterprise=make_seller("다른 협동조합").enterprise, variants=[("기본", 9_000, 5)])
    theirs, unknown = sku_of(other), "NO-SUCH-SKU"
    for sku in (theirs, unknown):
        got = client.get(f"{API}/options/{sku}", headers=seller.headers)
        patched = client.patch(f"{API}/options/{sku}", headers=seller.headers, json={"stock": 0, "price_krw": 100})
        assert got.status_code == patched.status_code == 404
        assert got.get_json() == patched.get_json() == {
            "error": {"code": "not_found", "message": f"우리 기업 상품에서 찾을 수 없는 SKU입니다: {sku}"}}
        batch = client.post(f"{API}/options/batch", headers=seller.headers,
                            json={"items": [{"sku": sku_of(beans), "stock": 3}, {"sku": sku, "stock": 0}]})
        assert batch.status_code == 422
        assert batch.get_json()["error"]["items"] == [
            {"index": 1, "sku": sku, "field": "sku", "message": f"우리 기업 상품에서 찾을 수 없는 SKU입니다: {sku}"}]
    assert (fresh_variant(theirs).stock, fresh_variant(theirs).price_krw) == (5, 9_000)
    assert fresh_variant(sku_of(beans)).stock == 10


def test_setting_stock_and_price_shows_in_the_storefront_and_the_history(client, seller, beans):
    sold_out = sku_of(beans, 1)
    assert client.get("/api/v1/products/beans").get_json()["options"][1]["in_stock"] is False

    response = client.patch(f"{API}/options/{sold_out}", headers=seller.headers,
                            json={"stock": 4, "expected_stock": 0, "price_krw": 9_900})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["changed"] == ["price_krw", "stock"]
    assert (response.get_json()["price_krw"], response.get_json()["stock"]) == (9_900, 4)

    shown = client.get("/api/v1/products/beans").get_json()
    assert shown["options"][1]["in_stock"] is True and shown["options"][1]["price_krw"] == 9_900
    assert shown["price_krw"] == 9_900  # the listing's "from" price is now the 1kg option's
    listing = client.get("/api/v1/products?q=원두").get_json()["items"][0]
    assert (listing["price_krw"], listing["in_stock"]) == (9_900, True)

    history = events(beans)
    assert [(e.kind, e.actor_id) for e in history] == [(ProductEventKind.PRICE_CHANGED, seller.owner.id),
                                                       (ProductEventKind.STOCK_SET, seller.owner.id)]
    assert history[0].note == "1kg: 45,000원 → 9,900원 (API 키 '재고 연동 서버')"
    assert history[1].note == "1kg: 0개 → 4개 (API 키 '재고 연동 서버')"


def test_the_last_units_gone_the_product_shows_sold_out(client, seller, beans):
    assert client.patch(f"{API}/options/{sku_of(beans)}", headers=seller.headers, json={"stock": 0}).status_code == 200
    assert client.get("/api/v1/products/beans").get_json()["in_stock"] is False
    assert client.get("/api/v1/products?in_stock=true").get_json()["total"] == 0


def test_a_batch_applies_every_item_and_refreshes_every_listing(client, seller, beans, make_product):
    tea = make_product(name="유기농 녹차", slug="tea", enterprise=seller.enterprise, variants=[("50g", 15_000, 2)])
    response = client.post(f"{API}/options/batch", headers=seller.headers, json={"items": [
        {"sku": sku_of(tea), "price_krw": 11_000},
        {"sku": sku_of(beans), "stock": 25, "expected_stock": 10},
        {"sku": sku_of(beans, 1), "stock": 3, "price_krw": 10_000},
    ]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["changed"] == 3
    assert [(i["index"], i["sku"], i["changed"]) for i in body["items"]] == [
        (0, sku_of(tea), ["price_krw"]), (1, sku_of(beans), ["stock"]), (2, sku_of(beans, 1), ["price_krw", "stock"])]
    assert client.get("/api/v1/products/tea").get_json()["price_krw"] == 11_000
    assert client.get("/api/v1/products/beans").get_json()["price_krw"] == 10_000
    assert fresh_variant(sku_of(beans)).stock == 25 and fresh_variant(sku_of(beans, 1)).stock == 3
    assert len(events(beans)) == 3 and len(events(tea)) == 1

    again = client.post(f"{API}/options/batch", headers=seller.headers,
                        json={"items": [{"sku": sku_of(tea), "price_krw": 11_000}]}).get_json()
    assert again["changed"] == 0 and again["items"][0]["changed"] == []
    assert len(events(tea)) == 1  # setting what already is records nothing


def test_a_batch_with_one_bad_item_applies_nothing_and_names_it(client, seller, beans, make_product):
    tea = make_product(name="유기농 녹차", enterprise=seller.enterprise, variants=[("50g", 15_000, 2)])
    response = client.post(f"{API}/options/batch", headers=seller.headers, json={"items": [
        {"sku": sku_of(tea), "price_krw": 11_000},
        {"sku": sku_of(beans), "stock": 25},
        {"sku": sku_of(beans, 1), "price_krw": 99},
    ]})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_items" and korean(error["message"])
    assert error["items"] == [{"index": 2, "sku": sku_of(beans, 1), "field": "price_krw",
                               "message": "판매가는 100원 이상 100,000,000원 이하로 보내 주세요."}]
    assert fresh_variant(sku_of(tea)).price_krw == 15_000 and fresh_variant(sku_of(beans)).stock == 10
    assert events(beans) == [] and events(tea) == []


BAD_ITEMS = [
    ({"stock": "abc"}, "stock"), ({"stock": True}, "stock"), ({"stock": 1.5}, "stock"), ({"stock": -1}, "stock"),
    ({"stock": 10_000_000}, "stock"), ({"stock": None}, "stock"), ({"stock": [1]}, "stock"),
    ({"price_krw": "12000"}, "price_krw"), ({"price_krw": 99}, "price_krw"), ({"price_krw": 100_000_001}, "price_krw"),
    ({"price_krw": 12000.5}, "price_krw"), ({"price_krw": False}, "price_krw"), ({"price_krw": -100}, "price_krw"),
    ({"stock": 5, "expected_stock": "10"}, "expected_stock"), ({"expected_stock": 10}, "expected_stock"),
    ({"stok": 5}, "stok"), ({}, None), ({"sku": None, "stock": 1}, "sku"), ({"sku": 12, "stock": 1}, "sku"),
    ({"sku": "", "stock": 1}, "sku"), ({"sku": "x" * 5000, "stock": 1}, "sku"), ({"sku": "A\x00B", "stock": 1}, "sku"),
    ({"sku": "A\ud800B", "stock": 1}, "sku"), ({"\udfff": 1}, "?"), ({"stock": float("inf")}, "stock"),
]


@pytest.mark.parametrize("change, field", BAD_ITEMS)
def test_a_bad_item_is_named_with_its_field(client, seller, beans, change, field):
    item = {"sku": sku_of(beans), **change}
    body = json.dumps({"items": [{"sku": sku_of(beans, 1), "stock": 2}, item]})  # \u-escapes, lone surrogates too
    response = client.post(f"{API}/options/batch", headers=seller.headers, data=body, content_type="application/json")
    assert response.status_code == 422, response.get_json()
    problems = response.get_json()["error"]["items"]
    assert [(p["index"], p["field"]) for p in problems][:1] == [(1, field)]
    assert all(korean(p["message"]) for p in problems)
    assert fresh_variant(sku_of(beans, 1)).stock == 0
    if "sku" not in change:  # the single PATCH says the same, with index 0
        single = client.patch(f"{API}/options/{sku_of(beans)}", headers=seller.headers, data=json.dumps(change),
                              content_type="application/json")
        assert single.status_code == 422
        assert [(p["index"], p["field"]) for p in single.get_json()["error"]["items"]][:1] == [(0, field)]


def test_a_whole_number_written_with_a_point_is_that_number(client, seller, beans):
    """JSON (and JSON Schema) do not tell 5 from 5.0."""
    response = client.patch(f"{API}/options/{sku_of(beans)}", headers=seller.headers,
                            data='{"stock": 5.0, "price_krw": 1.2e4}', content_type="application/json")
    assert response.status_code == 200 and (response.get_json()["stock"], response.get_json()["price_krw"]) == (5, 12_000)


def test_the_same_sku_twice_in_a_batch_is_refused(client, seller, beans):
    response = client.post(f"{API}/options/batch", headers=seller.headers, json={"items": [
        {"sku": sku_of(beans), "stock": 1}, {"sku": sku_of(beans), "stock": 2}]})
    assert response.status_code == 422
    assert [(p["index"], p["field"]) for p in response.get_json()["error"]["items"]] == [(1, "sku")]


@pytest.mark.parametrize("body, field", [
    ({}, "items"), ({"items": []}, "items"), ({"items": "SKU-1"}, "items"), ({"items": {"sku": "x"}}, "items"),
    ({"items": [{"sku": "x", "stock": 1}] * 501}, "items"), ({"items": [], "dry_run": True}, "dry_run"),
])
def test_a_batch_body_of_the_wrong_shape_is_refused(client, seller, body, field):
    response = client.post(f"{API}/options/batch", headers=seller.headers, json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid_field", field) and korean(error["message"])


def test_stock_of_an_untracked_option_is_refused_but_its_price_changes(client, seller, make_product):
    made_to_order = make_product(name="주문 제작 도시락", enterprise=seller.enterprise, variants=[("기본", 9_000, 0)])
    db.session.execute(sa.update(Variant).where(Variant.product_id == made_to_order.id).values(track_stock=False))
    db.session.commit()
    sku = sku_of(made_to_order)
    assert client.get(f"{API}/options/{sku}", headers=seller.headers).get_json()["stock"] is None
    refused = client.patch(f"{API}/options/{sku}", headers=seller.headers, json={"stock": 5})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["items"][0]["field"] == "stock"
    assert "재고를 관리하지 않는" in refused.get_json()["error"]["items"][0]["message"]
    priced = client.patch(f"{API}/options/{sku}", headers=seller.headers, json={"price_krw": 9_500})
    assert priced.status_code == 200 and priced.get_json()["stock"] is None
    assert fresh_variant(sku).price_krw == 9_500


def test_compare_and_set_refuses_when_an_order_took_units_meanwhile(client, seller, beans, make_user):
    sku = sku_of(beans)
    orders.place_order(make_user(), [(beans.variants[0].id, 2)], SEOUL, new_key(), today=TODAY)  # 10 → 8

    conflict = client.patch(f"{API}/options/{sku}", headers=seller.headers,
                            json={"stock": 30, "expected_stock": 10, "price_krw": 11_000})
    assert conflict.status_code == 409
    error = conflict.get_json()["error"]
    assert error["code"] == "stock_conflict" and korean(error["message"])
    assert error["items"] == [{"index": 0, "sku": sku, "expected_stock": 10, "current_stock": 8}]
    assert (fresh_variant(sku).stock, fresh_variant(sku).price_krw) == (8, 12_000)  # the price did not apply either

    batch = client.post(f"{API}/options/batch", headers=seller.headers, json={"items": [
        {"sku": sku_of(beans, 1), "stock": 5}, {"sku": sku, "stock": 30, "expected_stock": 10}]})
    assert batch.status_code == 409 and batch.get_json()["error"]["items"][0]["index"] == 1
    assert fresh_variant(sku_of(beans, 1)).stock == 0

    done = client.patch(f"{API}/options/{sku}", headers=seller.headers, json={"stock": 30, "expected_stock": 8})
    assert done.status_code == 200 and fresh_variant(sku).stock == 30
    retried = client.patch(f"{API}/options/{sku}", headers=seller.headers, json={"stock": 30, "expected_stock": 8})
    assert retried.status_code == 200 and retried.get_json()["changed"] == []  # already so: a retry is harmless


def test_a_stock_set_racing_orders_never_resurrects_a_sold_unit(app, seller, make_product, make_user):
    product = make_product(enterprise=seller.enterprise, variants=[("300g", 8_000, 40)])
    sku, variant_id = sku_of(product), product.variants[0].id
    buyer_ids = [make_user(Role.CONSUMER).id for _ in range(5)]

    def act(i: int):
        if i == 0:
            response = app.test_client().patch(f"{API}/options/{sku}", headers=seller.headers,
                                               json={"stock": 100, "expected_stock": 40})
            return response.status_code
        return orders.place_order(db.session.get(User, buyer_ids[i - 1]), [(variant_id, 2)], SEOUL, new_key(),
                                  today=TODAY).number

    results = race(app, 6, act)
    sold = 2 * sum(isinstance(r, str) for r in results)
    assert sold == 10, results
    final = fresh_variant(sku).stock
    if results[0] == 200:  # the set won only if no order had taken units before it
        assert final == 100 - sold
    else:
        assert results[0] == 409, results
        assert final == 40 - sold


def test_a_batch_racing_orders_of_its_options_neither_deadlocks_nor_loses_a_sale(app, seller, make_product, make_user):
    """Options of two products set at once while orders take units of each: the batch locks its option
    rows in id order before any product, as orders do, so the two wait for each other and never deadlock."""
    first = make_product(enterprise=seller.enterprise, variants=[("300g", 8_000, 20), ("1kg", 20_000, 20)])
    second = make_product(enterprise=seller.enterprise, variants=[("기본", 5_000, 20)])
    variants = [*first.variants, *second.variants]
    skus, ids = [v.sku for v in variants], [v.id for v in variants]
    buyer_ids = [make_user(Role.CONSUMER).id for _ in range(6)]

    def act(i: int):
        if i == 0:
            items = [{"sku": sku, "stock": 50, "expected_stock": 20} for sku in reversed(skus)]
            return app.test_client().post(f"{API}/options/batch", headers=seller.headers,
                                          json={"items": items}).status_code
        return orders.place_order(db.session.get(User, buyer_ids[i - 1]), [(ids[(i - 1) % 3], 1)], SEOUL, new_key(),
                                  today=TODAY).number

    results = race(app, 7, act)
    assert all(isinstance(r, str) for r in results[1:]), results  # every order went through
    finals = [fresh_variant(sku).stock for sku in skus]
    start = 50 if results[0] == 200 else 20
    assert results[0] in (200, 409), results
    assert finals == [start - 2, start - 2, start - 2]


# --- shipments --------------------------------------------------------------------------------------


@pytest.fixture
def two_shops(seller, beans, make_seller, make_product, make_user):
    """A paid consumer order split between the seller and another enterprise, and an unpaid one."""
    other = make_seller("다른 협동조합")
    theirs = make_product(enterprise=other.enterprise, variants=[("기본", 9_000, 5)])
    buyer = make_user(name="박구매")
    order = paid_order(buyer, [(beans.variants[0].id, 2), (theirs.variants[0].id, 1)])
    orders.place_order(make_user(), [(beans.variants[0].id, 1)], SEOUL, new_key(), today=TODAY)  # unpaid
    mine = next(s for s in order.shipments if s.enterprise_id == seller.enterprise.id)
    return order, mine, other


def test_shipments_to_send_are_the_paid_ones_of_this_enterprise(client, seller, two_shops):
    order, mine, _ = two_shops
    body = client.get(f"{API}/shipments", headers=seller.headers).get_json()
    assert body["next"] is None and body["limit"] == 50
    assert [s["id"] for s in body["items"]] == [mine.id]
    shipment = body["items"][0]
    assert shipment["order_number"] == order.number
    assert (shipment["status"], shipment["status_label"]) == ("paid", "결제완료")
    assert shipment["payment_method"] == "card" and shipment["paid_at"] and shipment["created_at"]
    assert shipment["recipient"] == {"name": "김서울", "phone": "010-2345-6789", "department": "", "postcode": "04524",
                                     "address1": "서울특별시 중구 세종대로 110", "address2": "3층",
                                     "memo": "문 앞에 놓아 주세요"}
    assert shipment["items"] == [{"product_name": "공정무역 원두", "option_name": "200g",
                                  "sku": mine.items[0].sku, "quantity": 2}]
    assert shipment["shipping_fee_krw"] == mine.shipping_fee_krw
    assert shipment["actions"] == ["preparing"] and shipment["courier"] is None  # a card order is prepared first
    assert client.get(shipment["url"], headers=seller.headers).get_json() == shipment
    too_soon = client.post(f"{shipment['url']}/ship", headers=seller.headers,
                           json={"courier": "cj", "tracking_number": "612345678901"})
    assert too_soon.status_code == 409 and too_soon.get_json()["error"]["code"] == "invalid_state"


def test_preparing_then_shipping_with_a_tracking_number(app, client, seller, two_shops):
    order, mine, other = two_shops
    url = f"{API}/shipments/{mine.id}"
    prepared = client.post(f"{url}/preparing", headers=seller.headers)
    assert prepared.status_code == 200 and prepared.get_json()["status"] == "preparing"
    assert client.get(f"{API}/shipments?status=preparing", headers=seller.headers).get_json()["items"][0]["id"] == mine.id

    shipped = client.post(f"{url}/ship", headers=seller.headers,
                          json={"courier": "cj", "tracking_number": "6123-4567-8901"})
    assert shipped.status_code == 200, shipped.get_json()
    body = shipped.get_json()
    assert (body["status"], body["tracking_number"]) == ("shipped", "612345678901")
    assert body["courier"] == {"code": "cj", "name": "CJ대한통운"} and "612345678901" in body["tracking_url"]
    assert body["shipped_at"] and body["actions"] == []

    db.session.expire_all()
    assert db.session.get(Shipment, mine.id).tracking_number == "612345678901"
    timeline = db.session.scalars(sa.select(OrderEvent).where(OrderEvent.shipment_id == mine.id)
                                  .order_by(OrderEvent.id)).all()
    assert [(e.to_status, e.actor_id, e.actor_label) for e in timeline[-2:]] == [
        ("preparing", seller.owner.id, "입점기업"), ("shipped", seller.owner.id, "입점기업")]
    assert timeline[-1].note == "CJ대한통운 612345678901"
    assert client.get(f"{API}/shipments", headers=seller.headers).get_json()["items"] == []
    with app.app_context():
        buyer, _ = signed_in(app, order.buyer)
        page = buyer.get(f"/account/orders/{order.number}").get_data(as_text=True)
    assert "CJ대한통운 612345678901" in " ".join(page.split())  # the buyer follows the parcel

    again = client.post(f"{url}/ship", headers=seller.headers, json={"courier": "cj", "tracking_number": "612345678901"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "invalid_state" and korean(again.get_json()["error"]["message"])
    theirs = next(s for s in order.shipments if s.enterprise_id == other.enterprise.id)
    assert client.post(f"{API}/shipments/{theirs.id}/ship", headers=seller.headers,
                       json={"courier": "cj", "tracking_number": "612345678901"}).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"courier": "ups", "tracking_number": "612345678901"}, "courier"), ({"tracking_number": "612345678901"}, "courier"),
    ({"courier": 1, "tracking_number": "612345678901"}, "courier"), ({"courier": "cj"}, "tracking_number"),
    ({"courier": "cj", "tracking_number": "123"}, "tracking_number"),
    ({"courier": "cj", "tracking_number": 612345678901}, "tracking_number"),
    ({"courier": "cj", "tracking_number": "송장번호12345678"}, "tracking_number"),
    ({"courier": "cj", "tracking_number": " 612345678901"}, "tracking_number"),
    ({"courier": "cj", "tracking_number": "6123--45678901"}, "tracking_number"),
    ({"courier": "cj", "tracking_number": "1" * 21}, "tracking_number"), ({"courier": "cj", "tracking_number": ""},
                                                                          "tracking_number"),
    ({"courier": "direct", "tracking_number": "x" * 31}, "tracking_number"), ({"courier": ["cj"]}, "courier"),
    ({"courier": {"cj": 1}}, "courier"), ({"courier": "cj", "tracking_number": "612345678901", "memo": "x"}, "memo"),
])
def test_shipping_refuses_bad_courier_or_tracking_number(client, seller, two_shops, body, field):
    _, mine, _ = two_shops
    response = client.post(f"{API}/shipments/{mine.id}/ship", headers=seller.headers, json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid_field", field) and korean(error["message"])
    db.session.expire_all()
    assert db.session.get(Shipment, mine.id).status is ShipmentStatus.PAID


def test_an_invoice_order_waits_to_be_sent_once_accepted(client, procurement, make_user):
    seller = procurement.seller
    key = api_tokens.issue(seller.enterprise_id, "창고", make_user(Role.ENTERPRISE, enterprise=seller.enterprise,
                                                                  enterprise_owner=True)).secret
    headers = {"Authorization": f"Bearer {key}"}
    order = orders.place_order(procurement.buyer, [(procurement.product.variants[0].id, 10)],
                               orders.Delivery("박주무관", "02-2133-1234", "04524", "서울특별시 중구 세종대로 110",
                                               department="총무과"),
                               new_key(), today=TODAY, payment_method=PaymentMethod.INVOICE)
    assert client.get(f"{API}/shipments", headers=headers).get_json()["items"] == []  # not accepted yet
    invoice_orders.accept(order.shipments[0], seller)
    listed = client.get(f"{API}/shipments", headers=headers).get_json()["items"]
    assert [(s["status"], s["payment_method"], s["paid_at"]) for s in listed] == [("accepted", "invoice", None)]
    assert listed[0]["recipient"]["department"] == "총무과" and listed[0]["actions"] == ["ship"]
    shipped = client.post(f"{API}/shipments/{listed[0]['id']}/ship", headers=headers,
                          json={"courier": "direct"})
    assert shipped.status_code == 200 and shipped.get_json()["status"] == "shipped"
    assert client.post(f"{API}/shipments/{listed[0]['id']}/preparing", headers=headers).status_code == 409


def test_shipments_page_by_since_and_after_id(client, seller, beans, make_user):
    made = [paid_order(make_user(), [(beans.variants[0].id, 1)]).shipments[0].id for _ in range(3)]
    first = client.get(f"{API}/shipments?limit=2", headers=seller.headers).get_json()
    assert [s["id"] for s in first["items"]] == made[:2] and first["next"]["after_id"] == made[1]
    following = client.get(f"{API}/shipments", headers=seller.headers, query_string={"limit": 2, **first["next"]})
    assert following.status_code == 200, following.get_json()
    assert [s["id"] for s in following.get_json()["items"]] == made[2:] and following.get_json()["next"] is None

    today = TODAY.isoformat()
    assert len(client.get(f"{API}/shipments?since={today}", headers=seller.headers).get_json()["items"]) == 3
    later = client.get(f"{API}/shipments?since=2999-01-01T00:00:00%2B09:00", headers=seller.headers).get_json()
    assert later["items"] == []
    assert client.get(f"{API}/shipments?status=accepted", headers=seller.headers).get_json()["items"] == []


@pytest.mark.parametrize("since, found", [
    ("2000-01-01", 1), ("0000-01-01T00:00:00Z", 1), ("0001-01-01T00:00:00", 1), ("2000-01-01t00:00:00.123456789z", 1),
    ("2000-01-01T23:59:60+09:00", 1), ("2000-01-01T09:00:00 09:00", 1), ("9999-12-31T23:59:59-12:00", 0),
    ("2999-01-01", 0),
])
def test_since_takes_any_rfc_3339_moment(client, seller, beans, make_user, since, found):
    paid_order(make_user(), [(beans.variants[0].id, 1)])
    response = client.get(f"{API}/shipments", headers=seller.headers, query_string={"since": since})
    assert response.status_code == 200, response.get_json()
    assert len(response.get_json()["items"]) == found


@pytest.mark.parametrize("query, param", [
    ("status=shipped", "status"), ("status=x", "status"), ("since=yesterday", "since"), ("since=2026-13-01", "since"),
    ("since=2026-02-30", "since"), ("since=2026-03-01T25:00", "since"), ("since=2026-03-01T09:00:00%2B24:00", "since"),
    ("since=2026-03-01T09:00:00.123Zjunk", "since"), ("since=" + "2" * 65, "since"), ("after_id=x", "after_id"),
    ("since=", "since"), ("status=", "status"), ("status=paid&status=preparing", "status"),
    ("since=2026-01-01&after_id=-1", "after_id"), ("limit=0", "limit"), ("limit=101", "limit"), ("limit=1.5", "limit"),
])
def test_shipments_refuse_bad_parameters(client, seller, query, param):
    response = client.get(f"{API}/shipments?{query}", headers=seller.headers)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert (error["code"], error["param"]) == ("invalid_parameter", param) and korean(error["message"])


@pytest.mark.parametrize("shipment_id", ["999999", "2147483648", "99999999999999999999999"])
def test_unknown_shipments_are_404(client, seller, shipment_id):
    response = client.get(f"{API}/shipments/{shipment_id}", headers=seller.headers)
    assert response.status_code == 404 and response.is_json


# --- who may call -----------------------------------------------------------------------------------


def assert_unauthorized(response, *, key_sent: bool = True) -> None:
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "unauthorized" and korean(error["message"])
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert ('error="invalid_token"' in response.headers["WWW-Authenticate"]) is key_sent


def test_a_revoked_key_stops_at_once(client, seller, beans):
    assert client.get(f"{API}/products", headers=seller.headers).status_code == 200
    token = api_tokens.tokens(seller.enterprise.id)[0]
    api_tokens.revoke(seller.enterprise.id, token.id, seller.owner)
    assert_unauthorized(client.get(f"{API}/products", headers=seller.headers))
    assert_unauthorized(client.patch(f"{API}/options/{sku_of(beans)}", headers=seller.headers, json={"stock": 0}))
    assert fresh_variant(sku_of(beans)).stock == 10


def test_the_key_of_a_removed_member_stops_at_once(client, seller, beans, make_user):
    colleague = make_user(Role.ENTERPRISE, enterprise=seller.enterprise, enterprise_owner=True, name="최동료")
    key = api_tokens.issue(seller.enterprise.id, "동료의 스크립트", colleague).secret
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get(f"{API}/products", headers=headers).status_code == 200
    members.remove_member(seller.enterprise.id, colleague.id, seller.owner)
    assert_unauthorized(client.get(f"{API}/products", headers=headers))
    assert client.get(f"{API}/products", headers=seller.headers).status_code == 200  # the owner's key still works


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", "Basic aGttOng=", "hkm_abc",
                                           "Bearer hkm_not-a-real-key", "Bearer " + "hkm_" + "x" * 500,
                                           "Bearer nothkm_", "Token hkm_x"])
def test_anything_but_a_live_key_is_401(client, seller, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    key_sent = bool(authorization) and authorization.lower().startswith("bearer ") and authorization.strip() != "Bearer"
    assert_unauthorized(client.get(f"{API}/products", headers=headers), key_sent=key_sent)


def test_a_signed_in_browser_without_a_key_is_401(app, seller, beans):
    with app.app_context():
        browser, _ = signed_in(app, seller.owner)
        assert browser.get("/console").status_code == 200  # the session itself is good
        assert_unauthorized(browser.get(f"{API}/products"), key_sent=False)
        assert_unauthorized(browser.patch(f"{API}/options/{sku_of(beans)}", json={"stock": 0}), key_sent=False)
    assert fresh_variant(sku_of(beans)).stock == 10


# --- bad input is never a 500 -------------------------------------------------------------------------


def _raw(client, method: str, url: str, headers: dict, data, content_type: str | None = "application/json"):
    return client.open(url, method=method, headers=headers, data=data, content_type=content_type)


MALFORMED = [
    ("not json", "application/json"), ("{\"stock\": 1", "application/json"), ("[]", "application/json"),
    ("null", "application/json"), ("12", "application/json"), ("\"stock\"", "application/json"),
    ("stock=1", "application/x-www-form-urlencoded"), ("{\"stock\": 1}", "text/plain"), ("", None),
    ("[" * 100_000, "application/json"), (b"\xff\xfe{\x00", "application/json"),
    ("{\"stock\": 1e999}", "application/json"), ("{\"stock\": NaN}", "application/json"),
    ("{\"stock\": 99999999999999999999999999999999}", "application/json"),
    ("{\"price_krw\": " + "9" * 5000 + "}", "application/json"),
    ("{\"pad\": \"" + "x" * 600_000 + "\"}", "application/json"),
]


@pytest.mark.parametrize("data, content_type", MALFORMED)
def test_malformed_bodies_are_answered_in_json_never_500(client, seller, two_shops, beans, data, content_type):
    _, mine, _ = two_shops
    for method, url in (("PATCH", f"{API}/options/{sku_of(beans)}"), ("POST", f"{API}/options/batch"),
                        ("POST", f"{API}/shipments/{mine.id}/ship")):
        response = _raw(client, method, url, seller.headers, data, content_type)
        assert response.status_code in (400, 413, 422), (method, url, response.status_code)
        assert response.is_json and korean(response.get_json()["error"]["message"])
    assert fresh_variant(sku_of(beans)).stock == 10 - 2 - 1  # only the two orders took any


# --- rate limits --------------------------------------------------------------------------------------


def test_each_key_is_rate_limited_with_a_json_429(client, app, seller, make_seller, monkeypatch):
    monkeypatch.setitem(app.config, "ENTERPRISE_API_RATE_LIMIT", "3 per minute")
    for _ in range(3):
        assert client.get(f"{API}/products", headers=seller.headers).status_code == 200
    limited = client.get(f"{API}/shipments", headers=seller.headers)
    assert limited.status_code == 429
    error = limited.get_json()["error"]
    assert error["code"] == "too_many_requests" and korean(error["message"])
    assert int(limited.headers["Retry-After"]) > 0 and limited.headers["X-RateLimit-Limit"] == "3"
    assert client.get(f"{API}/products", headers=make_seller("다른 협동조합").headers).status_code == 200


def test_failed_calls_are_limited_per_address_so_keys_cannot_be_guessed(client, app, seller, monkeypatch):
    monkeypatch.setitem(app.config, "ENTERPRISE_API_AUTH_FAILURE_LIMIT", "3 per minute")
    for _ in range(5):  # successful calls do not count
        assert client.get(f"{API}/products", headers=seller.headers).status_code == 200
    for n in range(3):
        assert client.get(f"{API}/products", headers={"Authorization": f"Bearer hkm_guess{n}"}).status_code == 401
    guessed = client.get(f"{API}/products", headers={"Authorization": "Bearer hkm_guess9"})
    assert guessed.status_code == 429 and guessed.get_json()["error"]["code"] == "too_many_requests"
    # Past the limit the address is refused before any key is looked at, even a right one.
    assert client.get(f"{API}/products", headers=seller.headers).status_code == 429
    other_address = client.get(f"{API}/products", headers=seller.headers,
                               environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other_address.status_code == 200


def test_bodies_are_json_objects_and_api_answers_are_not_cached(client, seller, beans):
    response = client.patch(f"{API}/options/{sku_of(beans)}", headers=seller.headers,
                            data=json.dumps({"stock": 3}), content_type="application/json; charset=utf-8")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
