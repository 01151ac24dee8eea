"""Cart rules: what may be added and how many, scoping to one cart, the merge at login, prices by the
price rule, delivery fees by the enterprise's policy, and many requests adding at once."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from shop.cart import services as carts
from shop.cart.basket import MAX_QTY_PER_LINE
from shop.cart.models import Cart, CartItem
from shop.cart.services import CartError, CartItemNotFound
from shop.catalog.models import ProductStatus
from shop.core.korea import kst_today
from shop.extensions import db
from shop.models_base import ApprovalStatus

TODAY = kst_today()


def items_of(cart_id: int) -> dict[int, int]:
    """variant id -> quantity, read fresh from the database."""
    db.session.expire_all()
    rows = db.session.execute(sa.select(CartItem.variant_id, CartItem.quantity).where(CartItem.cart_id == cart_id))
    return dict(rows.all())


def cart_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count(Cart.id)))


@pytest.fixture
def guest_cart(app):
    """A guest's (empty) cart, saved."""
    cart = Cart(token=carts.new_token())
    db.session.add(cart)
    db.session.commit()
    return cart


@pytest.fixture
def rice(make_product):
    """One option, 12,000원, 10 in stock."""
    return make_product(name="유기농 현미", variants=[("1kg", 12000, 10)])


# --- parsing what people type -------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("3", 3), (" 3 ", 3), ("\t12\n", 12), ("３", 3), ("１２", 12), ("007", 7), (5, 5), (str(MAX_QTY_PER_LINE), MAX_QTY_PER_LINE),
])
def test_quantities_people_type(raw, expected):
    assert carts.parse_quantity(raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("", "수량을 입력해 주세요."),
    ("   ", "수량을 입력해 주세요."),
    (None, "수량을 입력해 주세요."),
    ("0", "수량은 1개 이상이어야 합니다."),
    ("000", "수량은 1개 이상이어야 합니다."),
    ("-1", "수량은 1개 이상이어야 합니다."),
    ("－3", "수량은 1개 이상이어야 합니다."),  # full-width minus
    (-2, "수량은 1개 이상이어야 합니다."),
    ("abc", "수량은 숫자로 입력해 주세요."),
    ("3.5", "수량은 숫자로 입력해 주세요."),
    ("1e3", "수량은 숫자로 입력해 주세요."),
    ("3개", "수량은 숫자로 입력해 주세요."),
    ("١٢", "수량은 숫자로 입력해 주세요."),  # Arabic-Indic digits are not what Korean shoppers type
    (True, "수량은 숫자로 입력해 주세요."),
    ([3], "수량은 숫자로 입력해 주세요."),
    (str(MAX_QTY_PER_LINE + 1), "한 번에 9,999개까지 담을 수 있습니다."),
    ("9" * 5000, "한 번에 9,999개까지 담을 수 있습니다."),
])
def test_quantities_refused_with_a_korean_reason(raw, message):
    with pytest.raises(CartError) as refused:
        carts.parse_quantity(raw)
    assert str(refused.value) == message
    assert refused.value.field == "quantity"


@pytest.mark.parametrize("raw", ["", None, "abc", "0", "-1", "1.5", "99999999999", str(2**31)])
def test_a_missing_or_malformed_option_asks_to_choose(raw):
    with pytest.raises(CartError, match="옵션을 선택해 주세요") as refused:
        carts.parse_variant_id(raw)
    assert refused.value.field == "variant_id"


def test_option_ids_parse():
    assert carts.parse_variant_id(" 42 ") == 42
    assert carts.parse_variant_id(7) == 7


# --- adding -------------------------------------------------------------------------------------


def test_adding_twice_adds_to_the_same_line(guest_cart, rice):
    variant = rice.variants[0]
    carts.add_item(guest_cart, variant.id, 2)
    item = carts.add_item(guest_cart, variant.id, 3)
    assert item.quantity == 5
    assert items_of(guest_cart.id) == {variant.id: 5}


def test_options_of_one_product_are_separate_lines(guest_cart, make_product):
    product = make_product(variants=[("500g", 7000, 10), ("1kg", 12000, 10)])
    carts.add_item(guest_cart, product.variants[0].id, 1)
    carts.add_item(guest_cart, product.variants[1].id, 2)
    assert items_of(guest_cart.id) == {product.variants[0].id: 1, product.variants[1].id: 2}
    assert carts.cart_count(guest_cart) == 2


@pytest.mark.parametrize("state", ["hidden", "draft", "pending_review"])
def test_an_option_of_an_inactive_product_is_refused(guest_cart, make_product, state):
    product = make_product(status=ProductStatus(state))
    with pytest.raises(CartError, match="지금은 판매하지 않는 상품입니다"):
        carts.add_item(guest_cart, product.variants[0].id, 1)
    assert items_of(guest_cart.id) == {}


@pytest.mark.parametrize("state", [ApprovalStatus.PENDING, ApprovalStatus.SUSPENDED])
def test_an_option_of_an_enterprise_not_approved_is_refused(guest_cart, make_enterprise, make_product, state):
    product = make_product(enterprise=make_enterprise(status=state))
    with pytest.raises(CartError, match="지금은 판매하지 않는 상품입니다"):
        carts.add_item(guest_cart, product.variants[0].id, 1)
    assert items_of(guest_cart.id) == {}


def test_an_unknown_option_is_refused(guest_cart):
    with pytest.raises(CartError, match="선택한 옵션을 찾을 수 없습니다") as refused:
        carts.add_item(guest_cart, 987654, 1)
    assert refused.value.field == "variant_id"


def test_the_minimum_order_quantity(guest_cart, make_product):
    product = make_product(min_order_qty=10, variants=[("기본", 1500, 100)])
    with pytest.raises(CartError, match="최소 주문 수량은 10개입니다"):
        carts.add_item(guest_cart, product.variants[0].id, 9)
    carts.add_item(guest_cart, product.variants[0].id, 10)
    carts.add_item(guest_cart, product.variants[0].id, 1)  # on top of 10, the line still meets the minimum
    assert items_of(guest_cart.id) == {product.variants[0].id: 11}


def test_stock_counts_what_is_already_in_the_cart(guest_cart, rice):
    variant = rice.variants[0]  # 10 in stock
    carts.add_item(guest_cart, variant.id, 8)
    with pytest.raises(CartError) as refused:
        carts.add_item(guest_cart, variant.id, 3)
    assert str(refused.value) == "재고가 10개 남아 있습니다. (장바구니에 이미 8개가 담겨 있습니다.)"
    assert items_of(guest_cart.id) == {variant.id: 8}


def test_a_sold_out_option_is_refused(guest_cart, make_product):
    product = make_product(variants=[("기본", 5000, 0)])
    with pytest.raises(CartError, match="품절되었습니다"):
        carts.add_item(guest_cart, product.variants[0].id, 1)


def test_untracked_stock_has_only_the_per_line_maximum(guest_cart, make_product):
    product = make_product(variants=[("주문제작", 30000, 0)])
    product.variants[0].track_stock = False
    db.session.commit()
    carts.add_item(guest_cart, product.variants[0].id, 500)
    carts.add_item(guest_cart, product.variants[0].id, MAX_QTY_PER_LINE - 500)
    with pytest.raises(CartError, match="9,999개까지"):
        carts.add_item(guest_cart, product.variants[0].id, 1)
    assert items_of(guest_cart.id) == {product.variants[0].id: MAX_QTY_PER_LINE}


def test_a_refused_first_addition_leaves_no_guest_cart_behind(make_product):
    product = make_product(variants=[("기본", 5000, 0)])
    with pytest.raises(CartError):
        carts.add_to_guest_cart(None, product.variants[0].id, 1)
    assert cart_rows() == 0


def test_a_guest_without_a_cart_gets_one_with_a_new_token(rice):
    item = carts.add_to_guest_cart("no-such-token", rice.variants[0].id, 1)
    cart = item.cart
    assert cart.user_id is None and cart.token != "no-such-token" and len(cart.token) >= 40
    assert carts.find_guest_cart(cart.token).id == cart.id
    again = carts.add_to_guest_cart(cart.token, rice.variants[0].id, 1)
    assert again.cart_id == cart.id and again.quantity == 2


def test_a_member_cart_is_made_on_the_first_addition(make_user, rice):
    user = make_user()
    assert carts.find_member_cart(user) is None
    carts.add_to_member_cart(user, rice.variants[0].id, 2)
    cart = carts.find_member_cart(user)
    assert items_of(cart.id) == {rice.variants[0].id: 2}
    assert carts.find_guest_cart(cart.token) is None  # a member's cart is never reached by a guest cookie


# --- changing and removing, only in one's own cart ----------------------------------------------


def test_set_quantity_is_checked_like_an_addition(guest_cart, rice):
    item = carts.add_item(guest_cart, rice.variants[0].id, 2)
    carts.set_quantity(guest_cart, item.id, 7)
    assert items_of(guest_cart.id) == {rice.variants[0].id: 7}
    with pytest.raises(CartError, match="재고가 10개 남아 있습니다"):
        carts.set_quantity(guest_cart, item.id, 11)
    with pytest.raises(CartError, match="1개 이상"):
        carts.set_quantity(guest_cart, item.id, 0)
    assert items_of(guest_cart.id) == {rice.variants[0].id: 7}


def test_a_line_of_another_cart_cannot_be_changed_or_removed(guest_cart, rice):
    other = Cart(token=carts.new_token())
    db.session.add(other)
    db.session.commit()
    theirs = carts.add_item(other, rice.variants[0].id, 2)
    with pytest.raises(CartItemNotFound):
        carts.set_quantity(guest_cart, theirs.id, 5)
    with pytest.raises(CartItemNotFound):
        carts.remove_item(guest_cart, theirs.id)
    with pytest.raises(CartItemNotFound):
        carts.remove_item(guest_cart, 2**40)  # larger than any id a row can have
    assert items_of(other.id) == {rice.variants[0].id: 2}


def test_remove_item(guest_cart, rice):
    item = carts.add_item(guest_cart, rice.variants[0].id, 2)
    carts.remove_item(guest_cart, item.id)
    assert items_of(guest_cart.id) == {}
    with pytest.raises(CartItemNotFound):
        carts.remove_item(guest_cart, item.id)


# --- merging at login ---------------------------------------------------------------------------


def test_merge_adds_quantities_and_deletes_the_guest_cart(guest_cart, make_user, make_product):
    user = make_user()
    shared = make_product(variants=[("기본", 8000, 50)]).variants[0]
    guest_only = make_product(variants=[("기본", 3000, 50)]).variants[0]
    member_only = make_product(variants=[("기본", 4000, 50)]).variants[0]
    carts.add_to_member_cart(user, shared.id, 2)
    carts.add_to_member_cart(user, member_only.id, 1)
    carts.add_item(guest_cart, shared.id, 3)
    carts.add_item(guest_cart, guest_only.id, 4)
    token = guest_cart.token

    assert carts.merge_guest_cart(token, user) == []

    member = carts.find_member_cart(user)
    assert items_of(member.id) == {shared.id: 5, guest_only.id: 4, member_only.id: 1}
    assert carts.find_guest_cart(token) is None
    assert cart_rows() == 1
    assert carts.merge_guest_cart(token, user) == []  # idempotent: a second call changes nothing
    assert items_of(member.id) == {shared.id: 5, guest_only.id: 4, member_only.id: 1}


def test_merge_makes_the_member_cart_when_there_is_none(guest_cart, make_user, rice):
    user = make_user()
    carts.add_item(guest_cart, rice.variants[0].id, 2)
    carts.merge_guest_cart(guest_cart.token, user)
    assert items_of(carts.find_member_cart(user).id) == {rice.variants[0].id: 2}


def test_merge_caps_at_stock_with_a_note(guest_cart, make_user, make_product):
    user = make_user()
    variant = make_product(name="수제 그래놀라", variants=[("300g", 9000, 6)]).variants[0]
    carts.add_to_member_cart(user, variant.id, 4)
    carts.add_item(guest_cart, variant.id, 5)
    notes = carts.merge_guest_cart(guest_cart.token, user)
    assert notes == ["수제 그래놀라 (300g): 담을 수 있는 수량이 6개라 6개로 맞췄습니다."]
    assert items_of(carts.find_member_cart(user).id) == {variant.id: 6}


def test_merge_never_lowers_what_the_member_had(guest_cart, make_user, make_product):
    user = make_user()
    variant = make_product(name="수제 그래놀라", variants=[("300g", 9000, 6)]).variants[0]
    carts.add_to_member_cart(user, variant.id, 4)
    carts.add_item(guest_cart, variant.id, 1)
    variant.stock = 3
    db.session.commit()
    notes = carts.merge_guest_cart(guest_cart.token, user)
    assert notes == ["수제 그래놀라 (300g): 재고가 부족해 장바구니에 있던 4개에 더하지 못했습니다."]
    assert items_of(carts.find_member_cart(user).id) == {variant.id: 4}  # the cart page then says why


def test_merge_caps_at_the_per_line_maximum(guest_cart, make_user, make_product):
    user = make_user()
    product = make_product(variants=[("기본", 1000, 0)])
    product.variants[0].track_stock = False
    db.session.commit()
    variant_id = product.variants[0].id
    carts.add_to_member_cart(user, variant_id, 9000)
    carts.add_item(guest_cart, variant_id, 5000)
    notes = carts.merge_guest_cart(guest_cart.token, user)
    assert len(notes) == 1 and "9,999개로 맞췄습니다" in notes[0]
    assert items_of(carts.find_member_cart(user).id) == {variant_id: MAX_QTY_PER_LINE}


def test_merge_leaves_out_what_sold_out_meanwhile(guest_cart, make_user, rice):
    user = make_user()
    carts.add_item(guest_cart, rice.variants[0].id, 2)
    rice.variants[0].stock = 0
    db.session.commit()
    notes = carts.merge_guest_cart(guest_cart.token, user)
    assert notes == ["유기농 현미 (1kg): 품절되어 장바구니에 옮기지 못했습니다."]
    assert carts.cart_count(carts.find_member_cart(user)) == 0
    assert carts.find_guest_cart(guest_cart.token) is None


def test_merge_with_no_guest_cart_changes_nothing(make_user):
    user = make_user()
    assert carts.merge_guest_cart(None, user) == []
    assert carts.merge_guest_cart("unknown", user) == []
    assert cart_rows() == 0


def test_merge_never_takes_another_members_cart(make_user, rice):
    owner, intruder = make_user(), make_user()
    carts.add_to_member_cart(owner, rice.variants[0].id, 3)
    owner_cart = carts.find_member_cart(owner)
    assert carts.merge_guest_cart(owner_cart.token, intruder) == []
    assert items_of(owner_cart.id) == {rice.variants[0].id: 3}
    assert carts.find_member_cart(intruder) is None


# --- prices and delivery ------------------------------------------------------------------------


def test_unit_price_is_the_lowest_of_option_exhibition_and_bulk_price(guest_cart, make_product, make_exhibition):
    product = make_product(variants=[("기본", 10000, 500)], tiers={0: [(10, 9000), (100, 8000)]})
    variant = product.variants[0]
    make_exhibition(products=[product], special_prices={variant: 8500})
    item = carts.add_item(guest_cart, variant.id, 2)

    line = carts.cart_basket(guest_cart, TODAY).lines[0]
    assert (line.unit_price_krw, line.regular_price_krw) == (8500, 10000)
    assert carts.price_reason(line) == "기획전가"

    carts.set_quantity(guest_cart, item.id, 100)
    line = carts.cart_basket(guest_cart, TODAY).lines[0]
    assert line.unit_price_krw == 8000 and line.line_total_krw == 800_000
    assert carts.price_reason(line) == "대량구매가"


def test_bulk_price_without_an_exhibition(guest_cart, make_product):
    variant = make_product(variants=[("기본", 10000, 500)], tiers={0: [(10, 9000)]}).variants[0]
    item = carts.add_item(guest_cart, variant.id, 9)
    assert carts.cart_basket(guest_cart, TODAY).lines[0].unit_price_krw == 10000
    assert carts.price_reason(carts.cart_basket(guest_cart, TODAY).lines[0]) is None
    carts.set_quantity(guest_cart, item.id, 10)
    line = carts.cart_basket(guest_cart, TODAY).lines[0]
    assert (line.unit_price_krw, carts.price_reason(line)) == (9000, "대량구매가")


def test_an_exhibition_that_ended_gives_no_special_price(guest_cart, make_product, make_exhibition):
    from datetime import timedelta

    variant = make_product(variants=[("기본", 10000, 5)]).variants[0]
    make_exhibition(special_prices={variant: 7000}, starts_on=TODAY - timedelta(days=10),
                    ends_on=TODAY - timedelta(days=1))
    carts.add_item(guest_cart, variant.id, 1)
    assert carts.cart_basket(guest_cart, TODAY).lines[0].unit_price_krw == 10000


@pytest.fixture
def towel_shop(make_enterprise, make_product):
    enterprise = make_enterprise(name="노원 수건공방", shipping_base_fee_krw=3500, free_shipping_threshold_krw=50000,
                                 shipping_island_fee_krw=5000)
    return make_product(enterprise=enterprise, variants=[("기본", 12000, 100)]).variants[0]


def test_delivery_fee_below_and_at_the_free_threshold(guest_cart, towel_shop):
    item = carts.add_item(guest_cart, towel_shop.id, 4)  # 48,000원
    basket = carts.cart_basket(guest_cart, TODAY)
    group = basket.groups[0]
    assert (group.items_total_krw, group.shipping_fee_krw, group.free_shipping_gap_krw) == (48000, 3500, 2000)
    assert (basket.items_total_krw, basket.shipping_total_krw, basket.total_krw) == (48000, 3500, 51500)

    carts.set_quantity(guest_cart, item.id, 5)  # 60,000원
    basket = carts.cart_basket(guest_cart, TODAY)
    assert (basket.shipping_total_krw, basket.total_krw, basket.groups[0].free_shipping_gap_krw) == (0, 60000, None)


@pytest.mark.parametrize("postcode, island_fee", [("63100", 5000), ("40200", 5000), ("04524", 0), (None, 0)])
def test_jeju_and_island_postcodes_add_the_surcharge(guest_cart, towel_shop, postcode, island_fee):
    carts.add_item(guest_cart, towel_shop.id, 5)  # free delivery on the mainland
    group = carts.cart_basket(guest_cart, TODAY, postcode=postcode).groups[0]
    assert (group.shipping_fee_krw, group.island_fee_krw) == (island_fee, island_fee)


def test_lines_are_grouped_by_enterprise_each_with_its_fee(guest_cart, make_enterprise, make_product):
    first = make_enterprise(name="가", shipping_base_fee_krw=3000, free_shipping_threshold_krw=30000)
    second = make_enterprise(name="나", shipping_base_fee_krw=2500, free_shipping_threshold_krw=None)
    a1 = make_product(enterprise=first, variants=[("기본", 10000, 10)]).variants[0]
    b1 = make_product(enterprise=second, variants=[("기본", 5000, 10)]).variants[0]
    a2 = make_product(enterprise=first, variants=[("기본", 20000, 10)]).variants[0]
    for variant in (a1, b1, a2):
        carts.add_item(guest_cart, variant.id, 1)
    basket = carts.cart_basket(guest_cart, TODAY)
    assert [g.enterprise.name for g in basket.groups] == ["가", "나"]
    assert [[line.variant.id for line in g.lines] for g in basket.groups] == [[a1.id, a2.id], [b1.id]]
    assert [g.shipping_fee_krw for g in basket.groups] == [0, 2500]
    assert basket.total_krw == 35000 + 2500
    assert basket.can_order


def test_a_line_that_became_unorderable_says_why_and_blocks_the_order(guest_cart, rice):
    carts.add_item(guest_cart, rice.variants[0].id, 5)
    rice.variants[0].stock = 3
    db.session.commit()
    basket = carts.cart_basket(guest_cart, TODAY)
    assert basket.lines[0].problem == "재고가 3개 남아 있습니다."
    assert not basket.can_order


def test_an_empty_or_missing_cart_is_an_empty_basket(guest_cart):
    assert carts.cart_basket(None, TODAY).is_empty
    assert carts.cart_basket(guest_cart, TODAY).is_empty
    assert carts.cart_count(None) == 0


def test_header_count_by_member_or_guest_token(guest_cart, make_user, make_product, count_queries):
    user = make_user()
    a, b = (make_product().variants[0] for _ in range(2))
    carts.add_item(guest_cart, a.id, 1)
    carts.add_item(guest_cart, b.id, 3)
    carts.add_to_member_cart(user, a.id, 1)
    token = guest_cart.token
    with count_queries() as queries:
        assert carts.count_lines_for(token=token) == 2
    assert len(queries) == 1
    assert carts.count_lines_for(user_id=user.id) == 1
    member_token = carts.find_member_cart(user).token
    assert carts.count_lines_for(token=member_token) == 0  # a member's cart is not a guest's
    with count_queries() as queries:
        assert carts.count_lines_for(token=None) == 0
    assert queries == []


# --- many requests at once ----------------------------------------------------------------------


def run_at_once(app, n: int, work) -> list[BaseException]:
    """Run work() in n threads released together, each in its own app context; return their errors."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                work()
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_many_requests_adding_the_same_option_to_one_cart_make_one_line(app, guest_cart, make_product):
    variant_id = make_product(variants=[("기본", 5000, 100)]).variants[0].id
    cart_id = guest_cart.id

    errors = run_at_once(app, 8, lambda: carts.add_item(db.session.get(Cart, cart_id), variant_id, 2))

    assert errors == []
    assert items_of(cart_id) == {variant_id: 16}


def test_many_first_additions_by_one_member_make_one_cart_and_one_line(app, make_user, make_product):
    user_id = make_user().id
    variant_id = make_product(variants=[("기본", 5000, 100)]).variants[0].id

    def add():
        from shop.accounts.models import User

        carts.add_to_member_cart(db.session.get(User, user_id), variant_id, 1)

    errors = run_at_once(app, 6, add)

    assert errors == []
    assert cart_rows() == 1
    cart_id = db.session.scalar(sa.select(Cart.id).where(Cart.user_id == user_id))
    assert items_of(cart_id) == {variant_id: 6}


def test_racing_additions_never_pass_the_stock(app, guest_cart, make_product):
    variant_id = make_product(variants=[("기본", 5000, 5)]).variants[0].id
    cart_id = guest_cart.id

    errors = run_at_once(app, 8, lambda: carts.add_item(db.session.get(Cart, cart_id), variant_id, 1))

    assert len(errors) == 3 and all(isinstance(e, CartError) for e in errors)
    assert items_of(cart_id) == {variant_id: 5}
