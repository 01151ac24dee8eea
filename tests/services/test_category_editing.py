"""Staff edit the category tree: two levels only, names unique among siblings, slugs made from the name,
positions kept 0, 1, 2 ... through moves and deletions, no deleting what products or sub-categories use,
the search index following a rename, and an audit entry for every change."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.accounts.models import Role, User
from shop.audit.models import AuditEntry
from shop.catalog import categories
from shop.catalog.categories import CategoryError
from shop.catalog.models import Category, ProductStatus
from shop.extensions import db
from shop.search.services import index_products, matching_ids
from tests.services.order_helpers import race


@pytest.fixture
def staff(make_user):
    return make_user(Role.ADMIN, name="분류담당")


def names(parent: Category | None = None) -> list[tuple[str, int]]:
    """(name, position) of one level, in display order."""
    db.session.expire_all()
    where = Category.parent_id.is_(None) if parent is None else Category.parent_id == parent.id
    return [(c.name, c.position) for c in db.session.scalars(
        sa.select(Category).where(where).order_by(Category.position, Category.id))]


def audit_of(category_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.subject_type == "category", AuditEntry.subject_id == category_id).order_by(AuditEntry.id)))


def test_staff_add_top_categories_and_sub_categories_in_order(app, staff):
    food = categories.add("식품", parent_id=None, actor=staff)
    office = categories.add(" 사무용품 ", parent_id=None, actor=staff)
    coffee = categories.add("커피·차", parent_id=food.id, actor=staff)
    categories.add("잼·청", parent_id=food.id, actor=staff)
    assert names() == [("식품", 0), ("사무용품", 1)]
    assert names(food) == [("커피·차", 0), ("잼·청", 1)]
    assert office.slug == "사무용품" and coffee.slug == "커피-차" and coffee.parent_id == food.id
    [entry] = audit_of(coffee.id)
    assert entry.action == "category.saved" and entry.before is None and entry.reason == "추가"
    assert entry.after == {"name": "커피·차", "parent": "식품", "position": "1번째", "slug": "커피-차"}
    assert entry.subject_label == "식품 > 커피·차" and entry.actor_id == staff.id


def test_never_three_levels(app, staff):
    food = categories.add("식품", parent_id=None, actor=staff)
    coffee = categories.add("커피·차", parent_id=food.id, actor=staff)
    with pytest.raises(CategoryError, match="2단계까지만"):
        categories.add("원두", parent_id=coffee.id, actor=staff)
    with pytest.raises(CategoryError, match="상위 카테고리를 찾을 수 없습니다"):
        categories.add("원두", parent_id=999_999, actor=staff)
    assert names(coffee) == []


@pytest.mark.parametrize("name, message", [
    ("", "카테고리 이름을 입력해 주세요"),
    ("   ", "카테고리 이름을 입력해 주세요"),
    ("가" * 51, "50자 이하"),
])
def test_a_name_is_required_and_short(app, staff, name, message):
    with pytest.raises(CategoryError, match=message) as refused:
        categories.add(name, parent_id=None, actor=staff)
    assert refused.value.field == "name" and names() == []


def test_names_are_unique_among_siblings_only(app, staff):
    food = categories.add("식품", parent_id=None, actor=staff)
    gifts = categories.add("선물세트", parent_id=None, actor=staff)
    categories.add("Coffee", parent_id=food.id, actor=staff)
    with pytest.raises(CategoryError, match="같은 이름의 카테고리 'Coffee'"):
        categories.add("coffee", parent_id=food.id, actor=staff)
    with pytest.raises(CategoryError, match="최상위 카테고리에 같은 이름"):
        categories.add("식품", parent_id=None, actor=staff)
    same_elsewhere = categories.add("Coffee", parent_id=gifts.id, actor=staff)
    assert same_elsewhere.slug == "coffee-2"  # slugs stay unique across the tree


def test_rename_keeps_the_slug_and_checks_siblings(app, staff):
    food = categories.add("식품", parent_id=None, actor=staff)
    coffee = categories.add("커피", parent_id=food.id, actor=staff)
    categories.add("잼", parent_id=food.id, actor=staff)
    with pytest.raises(CategoryError, match="같은 이름"):
        categories.rename(coffee, "잼", actor=staff)
    assert categories.rename(coffee, "커피 ", actor=staff) is False  # unchanged: no write, no entry
    assert categories.rename(coffee, "커피·차", actor=staff) is True
    db.session.expire_all()
    renamed = db.session.get(Category, coffee.id)
    assert renamed.name == "커피·차" and renamed.slug == "커피"
    assert [(e.before, e.after, e.reason) for e in audit_of(coffee.id)][-1] == (
        {"name": "커피"}, {"name": "커피·차"}, "이름 변경")
    assert len(audit_of(coffee.id)) == 2


def test_rename_reindexes_the_products_so_search_finds_the_new_name(app, staff, make_category, make_product):
    food = make_category("식품")
    jam = make_category("잼", parent=food)
    product = make_product(name="유기농 딸기", category=jam)
    index_products([product])
    db.session.commit()

    def found(term: str) -> set[int]:
        return set(db.session.scalars(matching_ids(term)))

    assert product.id not in found("콩포트")
    categories.rename(db.session.get(Category, jam.id), "잼·콩포트", actor=staff)
    assert product.id in found("콩포트")
    categories.rename(db.session.get(Category, food.id), "먹거리", actor=staff)  # a top category's name too
    assert product.id in found("먹거리")


def test_moving_swaps_neighbours_and_keeps_positions_contiguous(app, staff, make_category):
    food = make_category("식품")
    # positions as a careless import left them: gaps and a tie
    first, second, third = (make_category(n, parent=food, position=p) for n, p in (("가", 5), ("나", 5), ("다", 9)))
    categories.move(third, categories.UP, actor=staff)
    assert names(food) == [("가", 0), ("다", 1), ("나", 2)]
    categories.move(db.session.get(Category, first.id), categories.DOWN, actor=staff)
    assert names(food) == [("다", 0), ("가", 1), ("나", 2)]
    entry = audit_of(first.id)[-1]
    assert (entry.before, entry.after, entry.reason) == ({"position": "1번째"}, {"position": "2번째"}, "아래로 이동")
    with pytest.raises(CategoryError, match="이미 맨 아래"):
        categories.move(db.session.get(Category, second.id), categories.DOWN, actor=staff)
    with pytest.raises(CategoryError, match="이미 맨 위"):
        categories.move(db.session.get(Category, third.id), categories.UP, actor=staff)
    with pytest.raises(CategoryError, match="방향"):
        categories.move(db.session.get(Category, third.id), "sideways", actor=staff)
    assert names(food) == [("다", 0), ("가", 1), ("나", 2)]


def test_moving_a_top_category_leaves_the_sub_categories_alone(app, staff):
    food = categories.add("식품", parent_id=None, actor=staff)
    categories.add("사무용품", parent_id=None, actor=staff)
    categories.add("커피", parent_id=food.id, actor=staff)
    categories.move(db.session.get(Category, food.id), categories.DOWN, actor=staff)
    assert names() == [("사무용품", 0), ("식품", 1)]
    assert names(db.session.get(Category, food.id)) == [("커피", 0)]


def test_a_category_that_products_use_cannot_be_deleted(app, staff, make_category, make_product):
    food = make_category("식품")
    jam = make_category("잼", parent=food)
    make_product(category=jam)
    make_product(category=jam)
    with pytest.raises(CategoryError, match="'잼'에 상품 2개가 있어 삭제할 수 없습니다"):
        categories.delete(jam, actor=staff)
    with pytest.raises(CategoryError, match="하위 카테고리 1개가 있어 삭제할 수 없습니다"):
        categories.delete(db.session.get(Category, food.id), actor=staff)
    assert names(db.session.get(Category, food.id)) == [("잼", 0)]
    assert audit_of(jam.id) == []


def test_a_top_category_with_products_of_its_own_cannot_be_deleted(app, staff, make_category, make_product):
    gifts = make_category("선물세트")
    make_product(category=gifts)
    with pytest.raises(CategoryError, match="상품 1개"):
        categories.delete(gifts, actor=staff)


def test_deleting_closes_the_gap_and_is_audited(app, staff):
    food = categories.add("식품", parent_id=None, actor=staff)
    ids = [categories.add(n, parent_id=food.id, actor=staff).id for n in ("가", "나", "다")]
    assert categories.delete(db.session.get(Category, ids[0]), actor=staff) == "식품 > 가"
    assert names(db.session.get(Category, food.id)) == [("나", 0), ("다", 1)]
    [_added, removed] = audit_of(ids[0])
    assert removed.before == {"name": "가", "parent": "식품", "position": "1번째", "slug": "가"}
    assert removed.after is None and removed.reason == "삭제"
    for child in ids[1:]:
        categories.delete(db.session.get(Category, child), actor=staff)
    categories.delete(db.session.get(Category, food.id), actor=staff)
    assert names() == []


def test_the_tree_counts_products_in_every_state(app, make_category, make_product):
    food = make_category("식품", position=1)
    make_category("사무용품", position=0)
    jam = make_category("잼", parent=food)
    make_product(category=jam)
    make_product(category=jam, status=ProductStatus.DRAFT)
    make_product(category=food)
    tree = categories.tree()
    assert [n.category.name for n in tree] == ["사무용품", "식품"]
    food_node = tree[1]
    assert (food_node.product_count, food_node.total_count, food_node.deletable) == (1, 3, False)
    assert [(c.category.name, c.product_count) for c in food_node.children] == [("잼", 2)]
    assert tree[0].deletable


def test_two_staff_adding_at_the_top_level_at_once_get_distinct_positions(app, make_user):
    ids = [make_user(Role.ADMIN).id for _ in range(4)]
    results = race(app, 4, lambda i: categories.add(f"분류{i}", parent_id=None,
                                                    actor=db.session.get(User, ids[i])).id)
    assert all(isinstance(r, int) for r in results), results
    assert sorted(p for _, p in names()) == [0, 1, 2, 3]


def test_the_same_name_added_twice_at_once_is_saved_once(app, make_user, make_category):
    food_id = make_category("식품").id
    ids = [make_user(Role.ADMIN).id for _ in range(3)]
    results = race(app, 3, lambda i: categories.add("커피", parent_id=food_id,
                                                    actor=db.session.get(User, ids[i])).id)
    assert sum(isinstance(r, int) for r in results) == 1
    assert all(isinstance(r, (int, CategoryError)) for r in results), results
    assert names(db.session.get(Category, food_id)) == [("커피", 0)]
