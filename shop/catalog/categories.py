"""Staff edit the two-level category tree: add a top category or a sub-category under one, rename,
move up or down among siblings (positions stay 0, 1, 2 ...), delete one that nothing uses. Every change
is one transaction with its audit entry; a rename also rewrites the search index of the products it names."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from shop.accounts.models import User
from shop.audit import services as audit
from shop.catalog.models import Category, Product
from shop.core.errors import RuleError
from shop.core.text import first_free_slug, slugify
from shop.core.transactions import write_transaction
from shop.extensions import db
from shop.search.services import index_products

MAX_NAME = 50
SLUG_MAX_LENGTH = 80
UP, DOWN = "up", "down"
DIRECTIONS = {UP: "위로", DOWN: "아래로"}
_REINDEX_BATCH = 500
_TREE_LOCK = 7_202_611  # any constant of our own; pg_advisory_xact_lock takes a bigint


class CategoryError(RuleError):
    """A refused change to the category tree, with the message staff read."""


# --- reading ------------------------------------------------------------------------------------------


@dataclass
class CategoryNode:
    """A category as the staff list shows it: its own products, its children, and the total below it."""

    category: Category
    product_count: int  # products filed directly under this category, in any state
    children: list[CategoryNode] = field(default_factory=list)

    @property
    def total_count(self) -> int:
        return self.product_count + sum(child.product_count for child in self.children)

    @property
    def deletable(self) -> bool:
        return self.product_count == 0 and not self.children


def _product_counts() -> dict[int, int]:
    rows = db.session.execute(sa.select(Product.category_id, sa.func.count()).group_by(Product.category_id))
    return {category_id: n for category_id, n in rows}


def tree() -> list[CategoryNode]:
    """Top categories and their sub-categories in display order, with product counts; three queries."""
    counts = _product_counts()
    tops = db.session.scalars(
        sa.select(Category).where(Category.parent_id.is_(None)).order_by(Category.position, Category.id)
        .options(selectinload(Category.children))
    )
    return [
        CategoryNode(top, counts.get(top.id, 0),
                     [CategoryNode(child, counts.get(child.id, 0)) for child in _ordered(top.children)])
        for top in tops
    ]


def top_level() -> list[Category]:
    """The categories a sub-category can go under."""
    return list(db.session.scalars(
        sa.select(Category).where(Category.parent_id.is_(None)).order_by(Category.position, Category.id)))


def get(category_id: int) -> Category | None:
    return db.session.get(Category, category_id)


def label(category: Category) -> str:
    """`식품 > 커피·차` for a sub-category, the name for a top one."""
    return f"{category.parent.name} > {category.name}" if category.parent else category.name


def product_count(category: Category) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Product.category_id == category.id)) or 0


# --- rules --------------------------------------------------------------------------------------------


def _ordered(categories: Iterable[Category]) -> list[Category]:
    return sorted(categories, key=lambda c: (c.position, c.id or 0))


def _lock_tree() -> None:
    """Category changes take turns: SQLite's write transaction already holds the database, PostgreSQL
    takes one advisory lock for the tree (so two additions at the top level cannot both take the last
    position, and a category is never deleted while a sub-category is added under it)."""
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_TREE_LOCK)))


def _fresh(category_id: int) -> Category | None:
    return db.session.get(Category, category_id, populate_existing=True)


def _siblings(parent_id: int | None) -> list[Category]:
    """The categories under one parent (or the top level), in order."""
    query = sa.select(Category).where(
        Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    ).order_by(Category.position, Category.id).execution_options(populate_existing=True)
    return list(db.session.scalars(query))


def _renumber(siblings: list[Category]) -> None:
    for position, category in enumerate(siblings):
        if category.position != position:
            category.position = position


def _clean_name(raw: str | None) -> str:
    name = " ".join(unicodedata.normalize("NFC", raw or "").split())
    if not name:
        raise CategoryError("카테고리 이름을 입력해 주세요.", field="name")
    if len(name) > MAX_NAME:
        raise CategoryError(f"카테고리 이름은 {MAX_NAME}자 이하로 입력해 주세요.", field="name")
    return name


def _same_name(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def _check_unique(name: str, siblings: list[Category], *, parent: Category | None, itself: Category | None = None):
    for other in siblings:
        if other is not itself and _same_name(other.name, name):
            where = f"'{parent.name}' 아래에" if parent else "최상위 카테고리에"
            raise CategoryError(f"{where} 같은 이름의 카테고리 '{other.name}'이(가) 이미 있습니다.", field="name")


def unique_slug(name: str) -> str:
    """slugify(name), with -2, -3 ... appended when a category already uses it."""
    base = slugify(name, max_length=SLUG_MAX_LENGTH - 6)
    used = set(db.session.scalars(
        sa.select(Category.slug).where((Category.slug == base) | Category.slug.like(f"{base}-%"))))
    return first_free_slug(base, used)


def _facts(category: Category) -> dict[str, str]:
    """What the audit log keeps of a category; text only, so the log shows it as written."""
    return {"name": category.name, "parent": category.parent.name if category.parent else "(최상위)",
            "position": f"{category.position + 1}번째", "slug": category.slug}


def _conflict() -> CategoryError:
    return CategoryError("다른 담당자가 방금 같은 카테고리를 바꿨습니다. 목록을 새로 고친 뒤 다시 시도해 주세요.")


# --- changing -----------------------------------------------------------------------------------------


def add(name: str, *, parent_id: int | None, actor: User) -> Category:
    """A new category at the end of its siblings: top-level, or under a top category (never deeper)."""
    clean = _clean_name(name)
    try:
        with write_transaction():
            _lock_tree()
            parent = None
            if parent_id is not None:
                parent = _fresh(parent_id)
                if parent is None:
                    raise CategoryError("상위 카테고리를 찾을 수 없습니다. 목록을 새로 고쳐 주세요.", field="parent_id")
                if parent.parent_id is not None:
                    raise CategoryError("카테고리는 2단계까지만 만들 수 있습니다. 최상위 카테고리를 골라 주세요.",
                                        field="parent_id")
            siblings = _siblings(parent_id)
            _check_unique(clean, siblings, parent=parent)
            _renumber(siblings)
            category = Category(name=clean, slug=unique_slug(clean), parent=parent, position=len(siblings))
            db.session.add(category)
            db.session.flush()
            audit.record(actor, "category.saved", "category", category.id, label(category), after=_facts(category),
                         reason="추가")
    except IntegrityError:
        raise _conflict() from None
    return category


def rename(category: Category, name: str, *, actor: User) -> bool:
    """Give the category a new name (its address, the slug, stays, so links keep working); False when
    the name is unchanged. The products it names are re-indexed so a search finds them by the new name."""
    clean = _clean_name(name)
    if clean == category.name:
        return False
    category_id = category.id
    try:
        with write_transaction():
            _lock_tree()
            category = _fresh(category_id)
            if category is None:
                raise CategoryError("이 카테고리는 방금 삭제되었습니다.")
            _check_unique(clean, _siblings(category.parent_id), parent=category.parent, itself=category)
            before = {"name": category.name}
            category.name = clean
            _reindex(category)
            audit.record(actor, "category.saved", "category", category.id, label(category),
                         before=before, after={"name": clean}, reason="이름 변경")
    except IntegrityError:
        raise _conflict() from None
    return True


def _reindex(category: Category) -> None:
    ids = [category.id, *(child.id for child in category.children)]
    last_id = 0
    while True:
        batch = list(db.session.scalars(
            sa.select(Product).where(Product.category_id.in_(ids), Product.id > last_id).order_by(Product.id)
            .limit(_REINDEX_BATCH)
            .options(selectinload(Product.enterprise), selectinload(Product.category).selectinload(Category.parent))
        ))
        if not batch:
            return
        index_products(batch)
        last_id = batch[-1].id


def move(category: Category, direction: str, *, actor: User) -> None:
    """Swap the category with its neighbour above or below; the siblings end up numbered 0, 1, 2 ..."""
    if direction not in DIRECTIONS:
        raise CategoryError("이동 방향이 올바르지 않습니다.", field="direction")
    category_id, parent_id = category.id, category.parent_id
    with write_transaction():
        _lock_tree()
        siblings = _siblings(parent_id)
        index = next((i for i, c in enumerate(siblings) if c.id == category_id), None)
        if index is None:
            raise CategoryError("이 카테고리는 방금 삭제되었거나 옮겨졌습니다. 목록을 새로 고쳐 주세요.")
        other = index - 1 if direction == UP else index + 1
        if not 0 <= other < len(siblings):
            raise CategoryError("이미 맨 위에 있습니다." if direction == UP else "이미 맨 아래에 있습니다.",
                                field="direction")
        _renumber(siblings)
        moving = siblings[index]
        before = {"position": f"{moving.position + 1}번째"}
        siblings[index], siblings[other] = siblings[other], siblings[index]
        _renumber(siblings)
        audit.record(actor, "category.saved", "category", moving.id, label(moving), before=before,
                     after={"position": f"{moving.position + 1}번째"}, reason=f"{DIRECTIONS[direction]} 이동")


def delete(category: Category, *, actor: User) -> str:
    """Remove a category no product uses (and, for a top category, with no sub-categories); the siblings
    after it move up. Returns its label for the message."""
    category_id = category.id
    try:
        with write_transaction():
            _lock_tree()
            category = _fresh(category_id)
            if category is None:
                raise CategoryError("이 카테고리는 이미 삭제되었습니다.")
            in_use = product_count(category)
            if in_use:
                raise CategoryError(f"'{category.name}'에 상품 {in_use:,}개가 있어 삭제할 수 없습니다. "
                                    "상품을 다른 카테고리로 옮긴 뒤 삭제해 주세요.")
            children = db.session.scalar(sa.select(sa.func.count()).where(Category.parent_id == category.id)) or 0
            if children:
                raise CategoryError(f"'{category.name}' 아래에 하위 카테고리 {children}개가 있어 삭제할 수 없습니다. "
                                    "하위 카테고리를 먼저 삭제해 주세요.")
            shown = label(category)
            audit.record(actor, "category.saved", "category", category.id, shown, before=_facts(category),
                         reason="삭제")
            parent_id = category.parent_id
            db.session.delete(category)
            db.session.flush()
            _renumber(_siblings(parent_id))
    except IntegrityError:  # a product was filed under it meanwhile (the foreign key refuses)
        raise CategoryError("방금 이 카테고리에 상품이 등록되어 삭제할 수 없습니다.") from None
    return shown
