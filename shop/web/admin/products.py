"""/admin/products: the review queue (new products and changes to selling ones), every product with its
state, and the decisions: approve, reject with a reason, stop a sale with a reason, resume it."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shop.accounts.forms import DecisionForm
from shop.audit import services as audit
from shop.catalog import review, staff_queries
from shop.catalog.listing import parse_paging
from shop.catalog.models import Product, ProductStatus
from shop.catalog.review import ListingError
from shop.web.admin import bp
from shop.web.admin.reauth import password_confirmed


def _product_or_404(product_id: int) -> Product:
    product = staff_queries.product_for_staff(product_id)
    if product is None:
        abort(404)
    return product


@bp.get("/products/review")
def review_queue():
    new, changed = review.awaiting_review()
    return render_template("admin/review_queue.html", new=new, changed=changed)


@bp.get("/products")
def products():
    status = request.args.get("status", "")
    q = request.args.get("q", "").strip()[:100]
    page_no, per_page = parse_paging(request.args, strict=False, default_per_page=30, max_per_page=100)
    page = staff_queries.staff_products(status=status, q=q, page=page_no, per_page=per_page)
    return render_template("admin/products.html", page=page, status=status, q=q, statuses=list(ProductStatus))


@bp.get("/products/<int:product_id>")
def product(product_id: int):
    item = _product_or_404(product_id)
    return render_template("admin/product.html", product=item, history=review.history(item),
                           audit_entries=audit.history_of("product", item.id), form=DecisionForm())


def _decide(product_id: int, decision, done: str, *, to_queue: bool = True):
    """Run one decision (given the product and the posted reason); back to the queue when it is taken,
    to the product when it is refused or when it was not a review decision."""
    item = _product_or_404(product_id)
    here = redirect(url_for("admin.product", product_id=product_id), code=303)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(" ".join(form.reason.errors) or "요청을 처리할 수 없습니다. 다시 시도해 주세요.", "danger")
        return here
    try:
        decision(item, form.reason.data)
    except ListingError as exc:
        flash(str(exc), "danger")
        return here
    flash(done.format(name=item.name), "success")
    return redirect(url_for("admin.review_queue"), code=303) if to_queue else here


@bp.post("/products/<int:product_id>/approve")
@password_confirmed
def approve_product(product_id: int):
    return _decide(product_id, lambda p, _: review.approve_product(p, current_user),
                   "'{name}' 판매를 승인했습니다. 장터에 바로 보입니다.")


@bp.post("/products/<int:product_id>/reject")
@password_confirmed
def reject_product(product_id: int):
    return _decide(product_id, lambda p, reason: review.reject_product(p, current_user, reason),
                   "'{name}' 심사를 반려했습니다. 기업이 사유를 확인합니다.")


@bp.post("/products/<int:product_id>/changes/approve")
@password_confirmed
def approve_changes(product_id: int):
    return _decide(product_id, lambda p, _: review.approve_changes(p, current_user),
                   "'{name}'의 변경사항을 반영했습니다.")


@bp.post("/products/<int:product_id>/changes/reject")
@password_confirmed
def reject_changes(product_id: int):
    return _decide(product_id, lambda p, reason: review.reject_changes(p, current_user, reason),
                   "'{name}'의 변경사항을 반려했습니다. 기업이 사유를 확인합니다.")


@bp.post("/products/<int:product_id>/suspend")
@password_confirmed
def suspend_product(product_id: int):
    return _decide(product_id, lambda p, reason: review.suspend_product(p, current_user, reason),
                   "'{name}' 판매를 중지했습니다.", to_queue=False)


@bp.post("/products/<int:product_id>/reinstate")
@password_confirmed
def reinstate_product(product_id: int):
    return _decide(product_id, lambda p, _: review.reinstate_product(p, current_user), "'{name}' 판매를 재개했습니다.",
                   to_queue=False)
