"""/admin/exhibitions: staff create and run exhibitions (기획전) — details and banner, curated products in
order, special prices per option, publishing. The rules live in shop.curation.editing; a refusal
re-renders the page with 400 and the message next to its field, a change redirects (303) with a note."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shop.audit import services as audit
from shop.catalog.listing import parse_paging
from shop.core.korea import SEOUL_DISTRICTS, kst_today
from shop.curation import editing
from shop.curation.editing import ExhibitionError, ExhibitionNotFound
from shop.curation.models import Exhibition
from shop.web.admin import bp
from shop.web.admin.forms_exhibitions import AddProductForm, ExhibitionForm

PER_PAGE = 30
MOVES = {"up": -1, "down": 1}


def _exhibition_or_404(exhibition_id: int) -> Exhibition:
    return editing.get_for_staff(exhibition_id) or abort(404)


def _errors_of(exc: ExhibitionError) -> dict[str, str]:
    return getattr(exc, "errors", None) or {exc.field or "": str(exc)}


def _show_errors(form, exc: ExhibitionError) -> None:
    for field, message in _errors_of(exc).items():
        form.add_error(field, message)


def _to_edit(exhibition_id: int, anchor: str = ""):
    return redirect(url_for("admin.exhibition_edit", exhibition_id=exhibition_id) + (f"#{anchor}" if anchor else ""),
                    code=303)


def _problems(form, add_form, prices, notice) -> list[tuple[str, str]]:
    """(element id, message) of everything refused, for the summary at the top of the edit page."""
    found = [(form[name].id, errors[0]) for name, errors in form.errors.items() if name in form]
    found += [("details", message) for message in form.form_errors]
    if add_form is not None:
        found += [("product_id", errors[0]) for errors in add_form.errors.values()]
    if prices:
        found += [(field.replace("_", "-"), message) for field, message in prices[2].items()]
    if notice:
        found.append(notice)
    return found


def _form_page(exhibition: Exhibition | None, *, form=None, add_form=None, prices=None, notice=None):
    """The new-exhibition page, or the edit page with its products; 400 when something was refused.
    `prices`: (product id, {option id: typed}, {field: message}) of a refused special-price form;
    `notice`: (section, message) of a refused action."""
    form = form or (ExhibitionForm.of(exhibition) if exhibition else ExhibitionForm(formdata=None))
    problems = _problems(form, add_form, prices, notice)
    context = {"exhibition": exhibition, "form": form, "districts": SEOUL_DISTRICTS,
               "default_organizers": editing.DEFAULT_ORGANIZERS, "problems": problems}
    if exhibition is not None:
        q = request.args.get("q", "").strip()[:100]
        context.update(
            today=kst_today(),
            add_form=add_form or AddProductForm(formdata=None),
            specials=editing.special_prices_of(exhibition),
            on_sale=editing.on_sale,
            q=q,
            found=editing.search_products(q, exhibition.id) if q else None,
            refused_prices=prices or (None, {}, {}),
            notice=notice or (None, None),
            history=audit.history_of("exhibition", exhibition.id, limit=30),
        )
    return render_template("admin/exhibition_form.html", **context), (400 if problems else 200)


# --- the list, a new exhibition, the edit page ----------------------------------------------------


@bp.get("/exhibitions")
def exhibition_list():
    phase = request.args.get("phase", "")
    if phase not in editing.PHASE_FILTERS:
        phase = ""
    page_no, _ = parse_paging(request.args, strict=False, default_per_page=PER_PAGE, max_per_page=PER_PAGE)
    today = kst_today()
    return render_template("admin/exhibitions.html", page=editing.list_for_staff(
        phase=phase, today=today, page=page_no, per_page=PER_PAGE), phase=phase, today=today,
        filters=editing.PHASE_FILTERS, counts=editing.phase_counts(today))


@bp.route("/exhibitions/new", methods=["GET", "POST"])
def exhibition_new():
    if request.method == "GET":
        return _form_page(None)
    form = ExhibitionForm()
    try:
        exhibition = editing.create_exhibition(form.details(), current_user, banner=form.banner.data)
    except ExhibitionError as exc:
        _show_errors(form, exc)
        return _form_page(None, form=form)
    flash(f"'{exhibition.title}' 기획전을 만들었습니다. 상품을 추가하고 특가를 정한 뒤 공개해 주세요.", "success")
    return _to_edit(exhibition.id, "items")


@bp.route("/exhibitions/<int:exhibition_id>", methods=["GET", "POST"])
def exhibition_edit(exhibition_id: int):
    exhibition = _exhibition_or_404(exhibition_id)
    if request.method == "GET":
        return _form_page(exhibition)
    form = ExhibitionForm()
    try:
        changed = editing.update_exhibition(exhibition_id, form.details(), current_user, banner=form.banner.data,
                                            remove_banner=bool(form.remove_banner.data))
    except ExhibitionNotFound:
        abort(404)
    except ExhibitionError as exc:
        _show_errors(form, exc)
        return _form_page(_exhibition_or_404(exhibition_id), form=form)
    if changed:
        flash("기획전 정보를 저장했습니다.", "success")
    else:
        flash("바뀐 내용이 없습니다.", "info")
    return _to_edit(exhibition_id)


# --- actions -------------------------------------------------------------------------------------


def _act(exhibition_id: int, action, done: str, anchor: str, *, section: str,
         unchanged: str = "이미 그렇게 되어 있습니다. 바뀐 내용이 없습니다."):
    """Run one small action; a refusal re-renders the page with its message in `section`, and an action
    that changed nothing (it returned False) says so."""
    _exhibition_or_404(exhibition_id)
    try:
        result = action()
    except ExhibitionNotFound:
        abort(404)
    except ExhibitionError as exc:
        return _form_page(_exhibition_or_404(exhibition_id), notice=(section, str(exc)))
    if result is False:
        flash(unchanged, "info")
    else:
        flash(done, "success")
    return _to_edit(exhibition_id, anchor)


@bp.post("/exhibitions/<int:exhibition_id>/publish")
def exhibition_publish(exhibition_id: int):
    return _act(exhibition_id, lambda: editing.publish(exhibition_id, current_user),
                "기획전을 공개했습니다. 장터에 보이고, 기간 중에는 특가가 적용됩니다.", "publish", section="publish",
                unchanged="이미 공개 중인 기획전입니다.")


@bp.post("/exhibitions/<int:exhibition_id>/unpublish")
def exhibition_unpublish(exhibition_id: int):
    return _act(exhibition_id, lambda: editing.unpublish(exhibition_id, current_user),
                "기획전을 비공개로 바꿨습니다. 장터에서 내려가고 특가도 더는 적용되지 않습니다.", "publish",
                section="publish", unchanged="이미 비공개인 기획전입니다.")


@bp.post("/exhibitions/<int:exhibition_id>/items")
def exhibition_item_add(exhibition_id: int):
    _exhibition_or_404(exhibition_id)
    form = AddProductForm()
    try:
        product = editing.add_product(exhibition_id, form.product_id.data, current_user)
    except ExhibitionNotFound:
        abort(404)
    except ExhibitionError as exc:
        _show_errors(form, exc)
        return _form_page(_exhibition_or_404(exhibition_id), add_form=form)
    flash(f"'{product.name}'을(를) 기획전에 추가했습니다.", "success")
    return _to_edit(exhibition_id, f"item-{product.id}")


@bp.post("/exhibitions/<int:exhibition_id>/items/<int:product_id>/remove")
def exhibition_item_remove(exhibition_id: int, product_id: int):
    return _act(exhibition_id, lambda: editing.remove_product(exhibition_id, product_id, current_user),
                "상품을 기획전에서 뺐습니다. 그 상품의 기획전 특가도 지웠습니다.", "items", section="items")


@bp.post("/exhibitions/<int:exhibition_id>/items/<int:product_id>/move")
def exhibition_item_move(exhibition_id: int, product_id: int):
    offset = MOVES.get(request.form.get("direction", ""))
    if offset is None:
        abort(400)
    return _act(exhibition_id, lambda: editing.move_product(exhibition_id, product_id, offset, current_user),
                "상품 순서를 바꿨습니다.", f"item-{product_id}", section="items",
                unchanged="이미 맨 앞(또는 맨 뒤)에 있는 상품입니다.")


@bp.post("/exhibitions/<int:exhibition_id>/items/<int:product_id>/prices")
def exhibition_prices(exhibition_id: int, product_id: int):
    exhibition = _exhibition_or_404(exhibition_id)
    item = next((i for i in exhibition.items if i.product_id == product_id), None) or abort(404)
    typed = {v.id: request.form[f"special_{v.id}"] for v in item.product.variants if f"special_{v.id}" in request.form}
    try:
        changed = editing.set_special_prices(exhibition_id, product_id, typed, current_user)
    except ExhibitionNotFound:
        abort(404)
    except ExhibitionError as exc:
        return _form_page(_exhibition_or_404(exhibition_id), prices=(product_id, typed, _errors_of(exc)))
    if changed:
        flash(f"'{item.product.name}'의 기획전 특가를 저장했습니다.", "success")
    else:
        flash("바뀐 특가가 없습니다.", "info")
    return _to_edit(exhibition_id, f"item-{product_id}")
