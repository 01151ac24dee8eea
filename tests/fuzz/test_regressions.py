"""Plain regression tests for the inputs the fuzz tests found that answered 500: digits that str.isdigit()
accepts but int() refuses ("²"), digit strings longer than int() converts (over 4,300) or than a database
integer holds, in the places that parsed numbers themselves."""
from __future__ import annotations

from datetime import timedelta

import pytest

from shop.accounts.models import Role
from shop.catalog.models import Product
from shop.core.korea import kst_today
from shop.enterprises.social_value import SocialValueError
from shop.enterprises.verified_value import _enterprise
from shop.extensions import db
from shop.orders import services as orders
from shop.procurement import invoice_orders, quotes
from shop.procurement.models import Quote
from shop.web.console.forms_orders import parse_won
from tests.fuzz.helpers import HANGUL, assert_refused_in_korean, sign_in

NOT_INT = ["²", "٣²", "9" * 20, "9" * 5000]


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def buyer(app, procurement):
    return sign_in(app, procurement.buyer)


def quote_form(procurement, **fields) -> dict:
    return {"address_id": str(procurement.address.id), "needed_by": (kst_today() + timedelta(days=14)).isoformat(),
            **fields}


@pytest.mark.parametrize("fields", [
    {"qty_²": "3"},  # the key's variant id: isdigit() but not int()
    {"qty_" + "9" * 20: "3"},  # overflowed the INTEGER variant id
    {"qty_{v}": "²"},
    {"qty_{v}": "9" * 5000},  # int() refuses more than 4,300 digits
    {"qty_{v}": "3", "address_id": "²"},
    {"qty_{v}": "3", "address_id": "9" * 20},
])
def test_a_quotation_request_with_unreadable_numbers_is_refused_in_korean(buyer, procurement, fields):
    variant_id = procurement.product.variants[0].id
    form = quote_form(procurement, **{k.replace("{v}", str(variant_id)): v for k, v in fields.items()})

    response = buyer.post("/institution/quotes/new", data={"csrf_token": buyer.csrf, **form})

    assert_refused_in_korean(response, str(fields))
    assert response.status_code == 400 and count(Quote) == 0


@pytest.mark.parametrize("query", ["variant=²", "variant_id=1&qty=²", "variant_id=" + "9" * 20,
                                   "variant_id=1&quantity=" + "9" * 5000])
def test_the_quotation_request_page_ignores_unreadable_numbers_in_its_link(buyer, query):
    response = buyer.get(f"/institution/quotes/new?{query}")

    assert response.status_code in (200, 302)


def test_an_unreadable_page_number_shows_the_first_page_of_institution_orders(buyer):
    for page in NOT_INT:
        response = buyer.get(f"/institution/orders?page={page}")
        assert response.status_code == 200 and HANGUL.search(response.get_data(as_text=True))


def test_an_unreadable_accepted_quantity_in_an_inspection_is_refused_in_korean(buyer, procurement):
    p = procurement
    quote = quotes.request_quotes(p.buyer, quotes.QuoteRequest(
        [(p.product.variants[0].id, 10)], kst_today() + timedelta(days=14),
        orders.Delivery("박주무관", "02-2133-1234", "04524", "서울특별시 중구 세종대로 110", "3층", "", "총무과"),
        ""), today=kst_today())[0]
    quotes.answer(quote, p.seller, unit_prices={quote.lines[0].id: 20_000}, shipping_fee_krw=0,
                  valid_until=kst_today() + timedelta(days=30), note="", today=kst_today())
    order = quotes.accept(quote, p.buyer, payment_method="invoice", today=kst_today())
    shipment = order.shipments[0]
    invoice_orders.accept(shipment, p.seller)
    orders.ship(shipment, p.seller, courier="cj", tracking_number="612345678901")
    orders.mark_delivered(shipment, p.seller)
    item = shipment.items[0]

    response = buyer.post(f"/institution/orders/{order.number}/shipments/{shipment.id}/inspect", data={
        "csrf_token": buyer.csrf, f"accepted_{item.id}": "²", "inspected_on": kst_today().isoformat(),
        "inspector_name": "박검수", "note": ""})

    assert_refused_in_korean(response, "inspect with accepted=²")


@pytest.fixture
def seller(app, make_enterprise, make_user, make_category):
    member = make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="햇살 베이커리 협동조합"))
    member.category = make_category("잼·청", parent=make_category("식품"))
    return member


def product_form(category_id: str) -> dict:
    return {"category_id": category_id, "name": "유기농 딸기잼 300g", "summary": "양평 딸기로 끓인 잼",
            "description": "딸기와 설탕만", "tax_type": "taxable", "min_order_qty": "1", "lead_time_days": "3",
            "origin": "국내산", "option_name": "300g", "price_krw": "8,500", "stock": "40", "sku": ""}


@pytest.mark.parametrize("category_id", ["²", "9" * 20, "9" * 5000])
def test_a_product_with_an_unreadable_category_is_refused_in_korean(app, seller, make_product, category_id):
    client = sign_in(app, seller)
    draft = make_product(enterprise=seller.enterprise, category=seller.category)

    created = client.post("/console/products/new", data={"csrf_token": client.csrf, **product_form(category_id)})
    edited = client.post(f"/console/products/{draft.id}/edit",
                         data={"csrf_token": client.csrf, **product_form(category_id)})

    assert_refused_in_korean(created, "new")
    assert_refused_in_korean(edited, "edit")
    assert "카테고리를 골라 주세요" in created.get_data(as_text=True)
    assert count(Product) == 1


@pytest.mark.parametrize("url", ["/console/orders", "/console/stock", "/console/stock/low"])
def test_console_lists_show_the_first_page_for_an_unreadable_page_number(app, seller, url):
    client = sign_in(app, seller)
    for page in NOT_INT:
        assert client.get(f"{url}?page={page}").status_code == 200


@pytest.mark.parametrize("raw", ["²", "1²", "٣"])
def test_won_amounts_in_digits_int_refuses_are_not_amounts(raw):
    assert parse_won(raw) is None


def test_an_enterprise_chosen_as_a_digit_int_refuses_is_refused_in_korean(app):
    with pytest.raises(SocialValueError, match="입점기업을 목록에서 골라 주세요"):
        _enterprise("²")


# --- control characters: PostgreSQL refuses a NUL in text (500 there; stored as typed on SQLite) -----------

CONTROL = ["a\x00b", "줄\x1b[31m바꿈", "\x7f"]


@pytest.mark.parametrize("typed", CONTROL)
def test_a_product_name_with_control_characters_is_refused_in_korean(app, seller, typed):
    client = sign_in(app, seller)
    form = {**product_form(str(seller.category.id)), "name": typed}

    response = client.post("/console/products/new", data={"csrf_token": client.csrf, **form})

    assert_refused_in_korean(response, repr(typed))
    assert "제어 문자" in response.get_data(as_text=True) and count(Product) == 0


@pytest.mark.parametrize("field", ["recipient_name", "address1", "address2", "memo"])
def test_a_delivery_with_control_characters_is_refused_in_korean(app, make_user, make_product, field):
    from shop.cart import services as carts
    from shop.orders.models import Order
    from tests.fuzz.test_form_properties import IDEMPOTENCY

    consumer = make_user(Role.CONSUMER)
    carts.add_to_member_cart(consumer, make_product().variants[0].id, 1)
    client = sign_in(app, consumer)
    key = IDEMPOTENCY.search(client.get("/checkout").get_data(as_text=True)).group(1)
    form = {"idempotency_key": key, "recipient_name": "김함께", "recipient_phone": "010-1234-5678",
            "postcode": "04524", "address1": "서울특별시 중구 세종대로 110", "address2": "3층", "memo": "",
            "agree": "y", field: "a\x00b"}

    response = client.post("/checkout", data={"csrf_token": client.csrf, **form})

    assert_refused_in_korean(response, field)
    assert "제어 문자" in response.get_data(as_text=True) and count(Order) == 0


def test_a_quotation_request_note_with_a_nul_is_refused_in_korean(buyer, procurement):
    form = quote_form(procurement, note="a\x00b", **{f"qty_{procurement.product.variants[0].id}": "3"})

    response = buyer.post("/institution/quotes/new", data={"csrf_token": buyer.csrf, **form})

    assert_refused_in_korean(response, "note")
    assert "제어 문자" in response.get_data(as_text=True) and count(Quote) == 0


def test_a_quotation_answer_note_with_a_nul_is_refused(procurement):
    p = procurement
    quote = quotes.request_quotes(p.buyer, quotes.QuoteRequest(
        [(p.product.variants[0].id, 10)], kst_today() + timedelta(days=14),
        orders.Delivery("박주무관", "02-2133-1234", "04524", "서울특별시 중구 세종대로 110", "3층", "", "총무과"),
        ""), today=kst_today())[0]

    with pytest.raises(quotes.QuoteError, match="제어 문자"):
        quotes.answer(quote, p.seller, unit_prices={quote.lines[0].id: 20_000}, shipping_fee_krw=0,
                      valid_until=kst_today() + timedelta(days=30), note="a\x00b", today=kst_today())
