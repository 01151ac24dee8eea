"""/console/products: the enterprise's listings — create and edit products, options, bulk prices and
images; submit them for review; hide, show and duplicate. Every lookup is scoped to the member's
enterprise in the service, so another enterprise's product is a 404 here."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shop.catalog import editing, review
from shop.catalog.forms import ALT_HINT, ImageForm, NewProductForm, OptionForm, ProductForm
from shop.catalog.listing import parse_paging
from shop.catalog.models import Product, ProductStatus
from shop.catalog.review import ListingError, ProductNotFound
from shop.web.console import bp, enterprise_id


def _own_or_404(product_id: int) -> Product:
    product = review.own_product(enterprise_id(), product_id)
    if product is None:
        abort(404)
    return product


def _show_errors(form, exc: ListingError) -> None:
    for field, message in getattr(exc, "errors", {exc.field: str(exc)}).items():
        form.add_error(field, message)


def _to_edit(product_id: int, anchor: str = ""):
    return redirect(url_for("console.product_edit", product_id=product_id) + (f"#{anchor}" if anchor else ""),
                    code=303)


def _act(product_id: int, action, done: str, anchor: str = ""):
    """Run a small POST action; a refusal is flashed, a missing or foreign product is a 404."""
    _own_or_404(product_id)
    try:
        action()
    except ProductNotFound:
        abort(404)
    except ListingError as exc:
        flash(str(exc), "danger")
    else:
        flash(done, "success")
    return _to_edit(product_id, anchor)


# --- the list and a new product --------------------------------------------------------------------


@bp.get("/products")
def product_list():
    status = request.args.get("status", "")
    if status not in editing.STATUS_FILTERS:
        status = ""
    q = request.args.get("q", "").strip()[:100]
    page_no, per_page = parse_paging(request.args, strict=False, default_per_page=20, max_per_page=100)
    page = editing.list_products(enterprise_id(), status=status, q=q, page=page_no, per_page=per_page)
    return render_template("console/products.html", page=page, status=status, q=q,
                           filters=editing.STATUS_FILTERS, counts=editing.status_counts(enterprise_id()))


@bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    form = NewProductForm()
    preview = None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = editing.description_html(form.description.data)
        else:
            try:
                product = editing.create_product(enterprise_id(), form.details(), form.option(), current_user,
                                                 image=form.image.data, image_alt=form.image_alt.data or "")
            except ListingError as exc:
                _show_errors(form, exc)
            else:
                flash(f"'{form.name.data}' 상품을 임시 저장했습니다. 이미지와 설명을 확인한 뒤 심사를 요청해 주세요.",
                      "success")
                return _to_edit(product.id)
    page = render_template("console/product_form.html", form=form, product=None, preview=preview,
                           categories=editing.sub_categories(), alt_hint=ALT_HINT)
    return page, (400 if form.errors or form.form_errors else 200)


@bp.post("/products/<int:product_id>/duplicate")
def product_duplicate(product_id: int):
    _own_or_404(product_id)
    try:
        copy = editing.duplicate_product(enterprise_id(), product_id, current_user)
    except ProductNotFound:
        abort(404)
    flash(f"'{copy.name}'(으)로 복제했습니다. 새 SKU를 만들었고 재고는 0입니다. "
          "확인한 뒤 심사를 요청해 주세요.", "success")
    return _to_edit(copy.id)


# --- the edit page and its details form ------------------------------------------------------------


def _edit_page(product: Product, *, details_form=None, option_form=None, image_form=None, preview=None):
    refused = any(f is not None and (f.errors or f.form_errors) for f in (details_form, option_form, image_form))
    page = render_template(
        "console/product_form.html",
        product=product,
        content=product.revision or product,
        form=details_form or ProductForm(formdata=None, data=ProductForm.values_of(product)),
        option_form=option_form or OptionForm(formdata=None, prefix="new"),
        image_form=image_form or ImageForm(formdata=None, prefix="upload"),
        preview=preview,
        saved_preview=editing.description_html((product.revision or product).description_html),
        categories=editing.sub_categories(),
        alt_hint=ALT_HINT,
        history=review.history(product),
        max_images=editing.MAX_IMAGES,
        max_tiers=editing.MAX_TIERS,
    )
    return page, (400 if refused else 200)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
def product_edit(product_id: int):
    product = _own_or_404(product_id)
    if request.method == "GET":
        return _edit_page(product)
    form = ProductForm()
    if request.form.get("action") == "preview":
        return _edit_page(product, details_form=form, preview=editing.description_html(form.description.data))
    try:
        saved = editing.update_details(enterprise_id(), product_id, form.details(), current_user)
    except ProductNotFound:
        abort(404)
    except ListingError as exc:
        _show_errors(form, exc)
        return _edit_page(_own_or_404(product_id), details_form=form)
    if saved.for_review:
        flash("상품명·소개·설명의 변경을 저장했습니다. '변경 심사 요청'을 누르면 지원센터가 확인한 뒤 반영됩니다."
              + (" 나머지 정보는 바로 반영했습니다." if saved.applied else ""), "success")
    elif saved.applied:
        flash("상품 정보를 저장했습니다.", "success")
    else:
        flash("바뀐 내용이 없습니다.", "info")
    return _to_edit(product_id)


# --- review, visibility ----------------------------------------------------------------------------


@bp.post("/products/<int:product_id>/submit")
def product_submit(product_id: int):
    if _own_or_404(product_id).status is ProductStatus.DRAFT:
        return _act(product_id, lambda: review.submit_product(enterprise_id(), product_id, current_user),
                    "심사를 요청했습니다. 지원센터가 확인한 뒤 판매가 시작됩니다.")
    return _act(product_id, lambda: review.submit_changes(enterprise_id(), product_id, current_user),
                "변경 심사를 요청했습니다. 승인되기 전까지는 지금 모습 그대로 판매됩니다.")


@bp.post("/products/<int:product_id>/withdraw")
def product_withdraw(product_id: int):
    if _own_or_404(product_id).status is ProductStatus.PENDING_REVIEW:
        return _act(product_id, lambda: review.withdraw_product(enterprise_id(), product_id, current_user),
                    "심사 요청을 취소했습니다. 수정한 뒤 다시 요청해 주세요.")
    return _act(product_id, lambda: review.withdraw_changes(enterprise_id(), product_id, current_user),
                "변경 심사 요청을 취소했습니다.")


@bp.post("/products/<int:product_id>/discard-changes")
def product_discard_changes(product_id: int):
    return _act(product_id, lambda: review.discard_changes(enterprise_id(), product_id, current_user),
                "심사 전 변경사항을 지웠습니다. 판매 중인 내용은 그대로입니다.")


@bp.post("/products/<int:product_id>/hide")
def product_hide(product_id: int):
    return _act(product_id, lambda: review.hide_product(enterprise_id(), product_id, current_user),
                "상품을 숨겼습니다. 장터에 보이지 않고 주문도 받지 않습니다.")


@bp.post("/products/<int:product_id>/show")
def product_show(product_id: int):
    return _act(product_id, lambda: review.show_product(enterprise_id(), product_id, current_user),
                "상품을 다시 판매합니다.")


# --- images ----------------------------------------------------------------------------------------


@bp.post("/products/<int:product_id>/images")
def product_image_upload(product_id: int):
    product = _own_or_404(product_id)
    form = ImageForm(prefix="upload")
    try:
        editing.add_image(enterprise_id(), product_id, form.image.data, form.image_alt.data or "", current_user)
    except ProductNotFound:
        abort(404)
    except ListingError as exc:
        _show_errors(form, exc)
        return _edit_page(product, image_form=form)
    flash("이미지를 올렸습니다." + ("" if product.status is ProductStatus.DRAFT else
                                  " 변경 심사가 승인되면 장터에 보입니다."), "success")
    return _to_edit(product_id, "images")


def _image_path() -> str:
    return request.form.get("image", "")


@bp.post("/products/<int:product_id>/images/alt")
def product_image_alt(product_id: int):
    return _act(product_id, lambda: editing.set_image_alt(enterprise_id(), product_id, _image_path(),
                                                           request.form.get("alt", ""), current_user),
                "이미지 설명을 저장했습니다.", "images")


@bp.post("/products/<int:product_id>/images/move")
def product_image_move(product_id: int):
    offset = -1 if request.form.get("direction") == "up" else 1
    return _act(product_id, lambda: editing.move_image(enterprise_id(), product_id, _image_path(), offset,
                                                       current_user),
                "이미지 순서를 바꿨습니다.", "images")


@bp.post("/products/<int:product_id>/images/delete")
def product_image_delete(product_id: int):
    return _act(product_id, lambda: editing.delete_image(enterprise_id(), product_id, _image_path(), current_user),
                "이미지를 삭제했습니다.", "images")


# --- options and bulk prices -----------------------------------------------------------------------


@bp.post("/products/<int:product_id>/options")
def product_option_add(product_id: int):
    product = _own_or_404(product_id)
    form = OptionForm(prefix="new")
    try:
        editing.add_option(enterprise_id(), product_id, form.option(), current_user)
    except ProductNotFound:
        abort(404)
    except ListingError as exc:
        _show_errors(form, exc)
        return _edit_page(product, option_form=form)
    flash(f"'{form.option_name.data}' 옵션을 추가했습니다.", "success")
    return _to_edit(product_id, "options")


@bp.post("/products/<int:product_id>/options/<int:variant_id>")
def product_option_edit(product_id: int, variant_id: int):
    f = request.form
    option = editing.OptionInput(name=f.get("option_name", ""), price_krw=f.get("price_krw"), sku=f.get("sku", ""),
                                 stock=f.get("stock"), track_stock=f.get("track_stock") == "y")
    return _act(product_id, lambda: editing.update_option(enterprise_id(), product_id, variant_id, option,
                                                          current_user, stock_seen=f.get("stock_seen")),
                f"'{option.name}' 옵션을 저장했습니다. 가격과 재고는 바로 반영됩니다.", f"option-{variant_id}")


@bp.post("/products/<int:product_id>/options/<int:variant_id>/delete")
def product_option_remove(product_id: int, variant_id: int):
    return _act(product_id, lambda: editing.remove_option(enterprise_id(), product_id, variant_id, current_user),
                "옵션을 삭제했습니다.", "options")


@bp.post("/products/<int:product_id>/options/<int:variant_id>/tiers")
def product_tiers_edit(product_id: int, variant_id: int):
    rows = list(zip(request.form.getlist("tier_qty"), request.form.getlist("tier_price")))
    return _act(product_id, lambda: editing.set_price_tiers(enterprise_id(), product_id, variant_id, rows,
                                                            current_user),
                "대량 구매가를 저장했습니다.", f"option-{variant_id}")
