"""/admin/categories: the two-level category tree with product counts; add a top category or a
sub-category, rename, move up or down, delete one that nothing uses. Refusals show the page again
with the reason (400); every change goes back to the list (303) with a message."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from shop.audit import services as audit
from shop.catalog import categories
from shop.catalog.categories import CategoryError
from shop.catalog.models import Category
from shop.web.admin import bp
from shop.web.admin.forms_site import CategoryAddForm, CategoryMoveForm, CategoryRenameForm, ConfirmForm


def _category_or_404(category_id: int) -> Category:
    return categories.get(category_id) or abort(404)


def _list_page(add_form: CategoryAddForm | None = None, refusal: str | None = None, status: int = 200):
    form = add_form or CategoryAddForm()
    form.with_parents(categories.top_level())
    nodes = categories.tree()
    return render_template("admin/categories.html", nodes=nodes, sub_count=sum(len(n.children) for n in nodes),
                           add_form=form, refusal=refusal), status


def _to_list(category_id: int | None = None):
    anchor = f"#category-{category_id}" if category_id else ""
    return redirect(url_for("admin.categories") + anchor, code=303)


@bp.get("/categories", endpoint="categories")
def category_list():
    return _list_page()


@bp.post("/categories")
def category_add():
    form = CategoryAddForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        parent_id = form.parent()
    except ValueError:
        form.add_error("parent_id", "위치를 목록에서 골라 주세요.")
        return _list_page(form, status=400)
    try:
        category = categories.add(form.name.data, parent_id=parent_id, actor=current_user)
    except CategoryError as exc:
        form.add_error(exc.field, str(exc))
        return _list_page(form, status=400)
    flash(f"'{categories.label(category)}' 카테고리를 추가했습니다. 상품 등록 화면에서 바로 고를 수 있습니다.", "success")
    return _to_list(category.id)


def _edit_page(category: Category, form: CategoryRenameForm | None = None, refusal: str | None = None,
               status: int = 200):
    return render_template("admin/category_form.html", category=category,
                           form=form or CategoryRenameForm(data={"name": category.name}),
                           product_count=categories.product_count(category),
                           label=categories.label(category), refusal=refusal,
                           audit_entries=audit.history_of("category", category.id)), status


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
def category_edit(category_id: int):
    category = _category_or_404(category_id)
    form = CategoryRenameForm()
    if not form.is_submitted():
        return _edit_page(category)
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = categories.rename(category, form.name.data, actor=current_user)
    except CategoryError as exc:
        form.add_error(exc.field, str(exc))
        return _edit_page(_category_or_404(category_id), form, status=400)
    flash(f"카테고리 이름을 '{form.name.data.strip()}'(으)로 바꿨습니다." if changed else "바뀐 내용이 없습니다.",
          "success" if changed else "info")
    return _to_list(category_id)


@bp.post("/categories/<int:category_id>/move")
def category_move(category_id: int):
    category = _category_or_404(category_id)
    form = CategoryMoveForm()
    if not form.validate_on_submit():
        abort(400)
    name = category.name
    try:
        categories.move(category, (form.direction.data or "").strip(), actor=current_user)
    except CategoryError as exc:
        return _list_page(refusal=str(exc), status=400)
    flash(f"'{name}'을(를) {categories.DIRECTIONS[form.direction.data.strip()]} 옮겼습니다.", "success")
    return _to_list(category_id)


@bp.post("/categories/<int:category_id>/delete")
def category_delete(category_id: int):
    category = _category_or_404(category_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        shown = categories.delete(category, actor=current_user)
    except CategoryError as exc:
        return _edit_page(_category_or_404(category_id), refusal=str(exc), status=400)
    flash(f"'{shown}' 카테고리를 삭제했습니다.", "success")
    return _to_list()
