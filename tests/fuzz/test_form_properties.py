"""Hypothesis against the forms people fill in: sign-up (consumer, enterprise, institution), the cart,
checkout, an institution's quotation request, the console's product forms and its stock CSV upload.
Whatever is typed (Korean, control characters, NUL, emoji, whitespace, huge or out-of-range numbers,
very long text), the answer is never a 5xx; a refusal is a 4xx or the form again with a Korean message;
and a refusal saves nothing (no user, product, order or quotation row; no stock change).

Each form is a Scenario (a valid submission, how to submit, what must not change when refused); every
scenario gets random corruptions (hypothesis) and a sweep that puts each TRICKY value in each field."""
from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from shop.accounts.models import Role, User
from shop.cart import services as carts
from shop.cart.models import Cart, CartItem
from shop.catalog.models import Product, ProductStatus, Variant
from shop.core.korea import kst_today, make_business_number
from shop.enterprises.models import Enterprise
from shop.extensions import db
from shop.institutions.models import Institution
from shop.orders.models import Order
from shop.procurement.models import Quote
from tests.fuzz.helpers import (
    FUZZ,
    SPECIAL,
    TRICKY,
    assert_no_server_error,
    assert_refused_in_korean,
    nasty_text,
    refused,
    sign_in,
)

_serial = itertools.count(1)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@st.composite
def corrupted(draw, valid: dict) -> dict:
    """A valid form with one to three of its fields replaced by nasty text."""
    names = draw(st.sets(st.sampled_from(sorted(valid)), min_size=1, max_size=3))
    return {**valid, **{name: draw(nasty_text) for name in sorted(names)}}


@dataclass
class Scenario:
    """One form: a fresh valid submission, how it is sent, and what a refusal must leave as it was."""

    url: str
    valid: Callable[[], dict]
    client: Callable[[], object]  # the browser that submits (a new one, or one signed in once for all)
    unchanged: Callable[[], object]  # compared before and after a refused submission

    def check(self, form: dict) -> None:
        client = self.client()
        before = self.unchanged()
        response = client.post(self.url, data={"csrf_token": client.csrf, **form})
        if refused(response):
            assert_refused_in_korean(response, f"POST {self.url} {shorten(form)}")
            db.session.expire_all()
            assert self.unchanged() == before, f"POST {self.url} was refused but saved something: {shorten(form)}"
        else:
            assert_no_server_error(response, f"POST {self.url}")

    def problems(self, form: dict) -> list[str]:
        """What check() would say, as a list (empty when all is well), so a sweep reports every field."""
        try:
            self.check(form)
        except AssertionError as exc:
            db.session.rollback()
            return [str(exc).splitlines()[0][:300]]
        return []


def shorten(form: dict) -> dict:
    return {k: (v if len(v) < 60 else f"{v[:20]}...({len(v)} chars)") for k, v in form.items()}


# --- the scenarios ----------------------------------------------------------------------------------------


def person(n: int) -> dict:
    return {"name": "김함께", "email": f"fuzz{n}@example.kr", "password": "correct-horse-42",
            "password_confirm": "correct-horse-42", "phone": "010-1234-5678", "agree_terms": "y",
            "agree_privacy": "y"}


def consumer_signup() -> dict:
    return person(next(_serial))


def enterprise_signup() -> dict:
    n = next(_serial)
    return {**person(n), "enterprise_name": f"성수 업사이클 협동조합 {n}",
            "business_number": make_business_number(f"{130000000 + n:09d}"), "representative": "박대표",
            "enterprise_type": "social_cooperative", "certificate_number": "2021-사협-12", "district": "성동구",
            "enterprise_phone": "02-498-1234", "enterprise_email": ""}


def institution_signup() -> dict:
    n = next(_serial)
    return {**person(n), "phone": "02-2133-1234", "department": "경제정책과", "position": "주무관",
            "institution_name": f"서울특별시 시험기관 {n}", "kind": "city_office",
            "business_number": make_business_number(f"{230000000 + n:09d}"), "postcode": "04524",
            "address": "서울특별시 중구 세종대로 110", "address_detail": "3층"}


def accounts() -> tuple[int, int, int]:
    return count(User), count(Enterprise), count(Institution)


IDEMPOTENCY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]*)"')


def listing(product_id: int) -> tuple:
    product = db.session.get(Product, product_id)
    return (product.name, product.summary, product.description_html, product.tax_type, product.min_order_qty,
            product.lead_time_days, product.origin, product.category_id)


def product_details(category) -> dict:
    return {"category_id": str(category.id), "name": "유기농 딸기잼 300g", "summary": "양평 딸기로 끓인 잼",
            "description": "딸기와 설탕만 넣었습니다.", "tax_type": "taxable", "min_order_qty": "1",
            "lead_time_days": "3", "origin": "국내산(경기 양평)"}


@pytest.fixture
def goods(make_product):
    """One option with plenty of stock, so that every accepted order can be placed."""
    return make_product(name="유기농 현미", variants=[("1kg", 12_000, 1_000_000)]).variants[0]


@pytest.fixture
def seller(make_enterprise, make_user):
    return make_user(Role.ENTERPRISE, enterprise=make_enterprise(name="햇살 베이커리 협동조합"))


@pytest.fixture
def jam(make_category):
    return make_category("잼·청", parent=make_category("식품"))


@pytest.fixture
def scenario(request, app, make_user, make_product, goods, seller, jam) -> Scenario:
    name = request.param
    anonymous = lambda: sign_in(app, None)  # a new browser each time: an accepted sign-up signs in
    if name in ("register", "register/enterprise", "register/institution"):
        valid = {"register": consumer_signup, "register/enterprise": enterprise_signup,
                 "register/institution": institution_signup}[name]
        return Scenario(f"/{name}", valid, anonymous, accounts)
    if name == "checkout":
        consumer = make_user(Role.CONSUMER)
        client = sign_in(app, consumer)

        def valid_order() -> dict:
            cart = carts.find_member_cart(consumer)
            if cart is None or not cart.items:
                carts.add_to_member_cart(consumer, goods.id, 2)
            key = IDEMPOTENCY.search(client.get("/checkout").get_data(as_text=True))
            assert key, "the checkout page has no idempotency key"
            return {"idempotency_key": key.group(1), "recipient_name": "김함께", "recipient_phone": "010-1234-5678",
                    "postcode": "04524", "address1": "서울특별시 중구 세종대로 110", "address2": "3층",
                    "memo": "문 앞에 놓아 주세요", "save_address": "y", "agree": "y"}

        return Scenario("/checkout", valid_order, lambda: client,
                        lambda: (count(Order), db.session.get(Variant, goods.id).stock))
    if name == "quote":
        procurement = request.getfixturevalue("procurement")
        client = sign_in(app, procurement.buyer)
        variant_id, address_id = procurement.product.variants[0].id, procurement.address.id
        return Scenario("/institution/quotes/new", lambda: {
            "address_id": str(address_id), "needed_by": (kst_today() + timedelta(days=14)).isoformat(),
            "note": "3층 총무과로 납품해 주세요.", f"qty_{variant_id}": "30"}, lambda: client, lambda: count(Quote))
    client = sign_in(app, seller)
    if name == "product/new":
        return Scenario("/console/products/new", lambda: {
            **product_details(jam), "option_name": "300g", "price_krw": "8,500", "stock": "40", "sku": "",
            "track_stock": "y", "image_alt": "유리병에 담긴 딸기잼"}, lambda: client,
            lambda: (count(Product), count(Variant)))
    if name == "product/edit":
        draft_id = make_product(enterprise=seller.enterprise, category=jam, status=ProductStatus.DRAFT).id
        return Scenario(f"/console/products/{draft_id}/edit", lambda: product_details(jam), lambda: client,
                        lambda: listing(draft_id))
    raise AssertionError(name)


SCENARIOS = ["register", "register/enterprise", "register/institution", "checkout", "quote", "product/new",
             "product/edit"]


@pytest.mark.parametrize("scenario", SCENARIOS, indirect=True)
@FUZZ
@given(data=st.data())
def test_a_refused_form_says_why_in_korean_and_saves_nothing(scenario, data):
    scenario.check(data.draw(corrupted(scenario.valid())))


@pytest.mark.parametrize("scenario", SCENARIOS, indirect=True)
def test_every_field_survives_every_tricky_value(scenario):
    found = [problem for field in scenario.valid() for value in TRICKY
             for problem in scenario.problems({**scenario.valid(), field: value})]
    assert not found, "\n".join(found)


# --- the cart ---------------------------------------------------------------------------------------------


def cart_lines() -> list[tuple[int, int]]:
    db.session.expire_all()
    return sorted(tuple(row) for row in db.session.execute(sa.select(CartItem.variant_id, CartItem.quantity)))


@pytest.fixture
def consumer(make_user):
    return make_user(Role.CONSUMER)


@pytest.fixture
def consumer_client(app, consumer):
    """Signed in once for all the examples (signing in again and again would meet the login rate limit)."""
    return sign_in(app, consumer)


@FUZZ
@given(form=st.fixed_dictionaries({"variant_id": st.one_of(st.just("GOODS"), nasty_text),
                                   "quantity": st.one_of(st.just("2"), nasty_text),
                                   "next": st.one_of(st.just("/"), nasty_text)}),
       accept=st.sampled_from(["text/html", "application/json"]))
def test_adding_to_the_cart_refuses_nonsense_in_korean_and_adds_nothing(app, goods, form, accept):
    client = sign_in(app, None)
    form = {**form, "variant_id": str(goods.id) if form["variant_id"] == "GOODS" else form["variant_id"]}
    before = cart_lines()

    response = client.post("/cart/items", data={"csrf_token": client.csrf, **form}, headers={"Accept": accept})

    if response.status_code >= 400:
        assert_refused_in_korean(response, f"POST /cart/items {shorten(form)}")
        assert cart_lines() == before
    else:
        assert_no_server_error(response, "POST /cart/items")


@FUZZ
@given(quantity=st.one_of(st.sampled_from(TRICKY), nasty_text), accept=st.sampled_from(["text/html",
                                                                                          "application/json"]))
def test_changing_a_quantity_refuses_nonsense_in_korean_and_keeps_the_old_one(consumer, consumer_client, goods,
                                                                               quantity, accept):
    item = carts.add_to_member_cart(consumer, goods.id, 3)

    response = consumer_client.post(f"/cart/items/{item.id}", data={"csrf_token": consumer_client.csrf,
                                                                    "quantity": quantity},
                                    headers={"Accept": accept})

    if response.status_code >= 400:
        assert_refused_in_korean(response, f"POST /cart/items/<id> {quantity[:40]!r}")
        assert cart_lines() == [(goods.id, 3)]
    else:
        assert_no_server_error(response, "POST /cart/items/<id>")
    carts.remove_item(db.session.scalar(sa.select(Cart).where(Cart.user_id == consumer.id)), item.id)


# --- odd field names in a quotation request -------------------------------------------------------------


@pytest.fixture
def buyer_client(app, procurement):
    return sign_in(app, procurement.buyer)


@FUZZ
@given(name=st.one_of(st.sampled_from([f"qty_{s}" for s in TRICKY + SPECIAL if len(s) < 50]),
                      nasty_text.map("qty_".__add__)),
       value=st.one_of(st.just("3"), nasty_text))
def test_odd_quantity_field_names_in_a_quotation_request_are_refused_or_ignored(procurement, buyer_client, name,
                                                                                 value):
    form = {"address_id": str(procurement.address.id), "needed_by": (kst_today() + timedelta(days=14)).isoformat(),
            name: value}
    before = count(Quote)

    response = buyer_client.post("/institution/quotes/new", data={"csrf_token": buyer_client.csrf, **form})

    if refused(response):
        assert_refused_in_korean(response, "POST /institution/quotes/new")
        assert count(Quote) == before


# --- the console's stock CSV upload -----------------------------------------------------------------------

HEADER = ["SKU", "상품명", "옵션", "판매가", "재고관리", "현재고", "새 재고"]
PLAN = re.compile(r'name="plan" type="hidden" value="([^"]+)"|value="([^"]+)"[^>]*name="plan"')


@pytest.fixture
def seller_client(app, seller):
    return sign_in(app, seller)


@pytest.fixture
def shelf(seller, make_product):
    product = make_product(name="유기농 현미", enterprise=seller.enterprise,
                           variants=[("1kg", 12_000, 10), ("4kg", 42_000, 3)])
    return [variant.id for variant in product.variants]


def stock(variant_ids) -> list[tuple[int, int, bool]]:
    db.session.expire_all()
    return [(v.stock, v.price_krw, v.track_stock) for v in (db.session.get(Variant, i) for i in variant_ids)]


def csv_of(rows: list[list[str]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *rows])
    return buffer.getvalue().encode(encoding, errors="replace")


def sheets(skus: list[str]):
    cell = st.one_of(nasty_text, st.sampled_from(["Y", "N", "10", "0", "13,000"]))
    row = st.tuples(st.sampled_from(skus + ["NOPE-1", ""]), cell, cell, cell, cell, cell, cell).map(list)
    return st.one_of(
        st.binary(max_size=3000),
        st.builds(csv_of, st.lists(row, max_size=8), st.sampled_from(["utf-8-sig", "utf-8", "cp949", "utf-16"])),
    )


@FUZZ
@given(data=st.data(), filename=st.sampled_from(["재고.csv", "stock.CSV", "재고.xlsx", "noext", "재\x00고.csv"]))
def test_an_uploaded_stock_sheet_never_breaks_the_page_and_changes_stock_only_when_applied(seller_client, shelf,
                                                                                            data, filename):
    client = seller_client
    skus = [db.session.get(Variant, i).sku for i in shelf]
    body = data.draw(sheets(skus))
    before = stock(shelf)

    preview = client.post("/console/stock/import", data={"csrf_token": client.csrf,
                                                         "file": (io.BytesIO(body), filename)},
                          content_type="multipart/form-data")

    assert_no_server_error(preview, "POST /console/stock/import")
    assert stock(shelf) == before  # a preview applies nothing
    plan = PLAN.search(preview.get_data(as_text=True))
    if plan is None:
        assert_refused_in_korean(preview, "POST /console/stock/import")
        return
    applied = client.post("/console/stock/import/apply", data={"csrf_token": client.csrf,
                                                               "plan": plan.group(1) or plan.group(2)})
    assert_no_server_error(applied, "POST /console/stock/import/apply")
    if refused(applied):
        assert_refused_in_korean(applied, "POST /console/stock/import/apply")
        assert stock(shelf) == before
