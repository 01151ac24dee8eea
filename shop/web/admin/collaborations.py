"""/admin/collaborations and /admin/artists: staff run the art-collaboration programme (아트콜라보) — artists,
collaborations with their before/after packaging and story, the products that carry the new packaging,
and publishing to the storefront. The rules live in shop.curation.collab_editing."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shop.audit import services as audit
from shop.curation import collab_editing as collabs
from shop.curation.collab_editing import CollabError, CollabNotFound
from shop.curation.models import ArtCollaboration, Artist
from shop.web.admin import bp
from shop.web.admin.forms_collaborations import AddProductForm, ArtistForm, CollaborationForm, ConfirmForm


def _collab_or_404(collaboration_id: int) -> ArtCollaboration:
    return collabs.get_collaboration(collaboration_id) or abort(404)


def _artist_or_404(artist_id: int) -> Artist:
    return collabs.get_artist(artist_id) or abort(404)


def _show_errors(form, exc: CollabError) -> None:
    for field, message in getattr(exc, "errors", {exc.field: str(exc)}).items():
        form.add_error(field, message)


def _posted() -> bool:
    return request.method == "POST"


def _confirmed() -> None:
    """A bare POST carries only its CSRF token (CSRFProtect has already refused a bad one)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.get("/collaborations")
def collaborations():
    return render_template("admin/collaborations.html", collaborations=collabs.list_for_staff(),
                           artists=collabs.artists())


# --- one collaboration ------------------------------------------------------------------------------


def _collab_page(collab: ArtCollaboration | None, form: CollaborationForm, *, product_form=None,
                 problems: dict | None = None, status: int = 200):
    if collab is None:
        return render_template("admin/collaboration_form.html", collab=None, form=form), status
    page = render_template(
        "admin/collaboration_form.html", collab=collab, form=form,
        product_form=product_form or AddProductForm(formdata=None).with_choices(collab),
        problems=collabs.publish_problems(collab) if problems is None else problems,
        publish_refused=problems is not None, audit_entries=audit.history_of(collabs.SUBJECT, collab.id),
    )
    return page, status


def _to_collab(collaboration_id: int, anchor: str = ""):
    return redirect(url_for("admin.collaboration", collaboration_id=collaboration_id) + (f"#{anchor}" if anchor else ""),
                    code=303)


@bp.route("/collaborations/new", methods=["GET", "POST"])
def collaboration_new():
    form = (CollaborationForm() if _posted() else CollaborationForm.blank()).with_choices()
    if not form.validate_on_submit():
        return _collab_page(None, form, status=400 if _posted() else 200)
    try:
        collab = collabs.create_collaboration(form.collaboration(), current_user)
    except CollabError as exc:
        _show_errors(form, exc)
        return _collab_page(None, form, status=400)
    flash(f"'{collab.title}'을(를) 저장했습니다. 새 포장을 입은 상품을 연결한 뒤 공개해 주세요.", "success")
    return _to_collab(collab.id, "products")


@bp.route("/collaborations/<int:collaboration_id>", methods=["GET", "POST"])
def collaboration(collaboration_id: int):
    collab = _collab_or_404(collaboration_id)
    form = (CollaborationForm() if _posted() else CollaborationForm.of(collab)).with_choices(collab)
    if not form.validate_on_submit():
        return _collab_page(collab, form, status=400 if _posted() else 200)
    try:
        saved = collabs.update_collaboration(collaboration_id, form.collaboration(), current_user)
    except CollabNotFound:
        abort(404)
    except CollabError as exc:
        _show_errors(form, exc)
        return _collab_page(_collab_or_404(collaboration_id), form, status=400)
    flash(f"'{saved.title}'을(를) 저장했습니다.", "success")
    return _to_collab(collaboration_id)


def _collab_form(collab: ArtCollaboration) -> CollaborationForm:
    return CollaborationForm.of(collab).with_choices(collab)


@bp.post("/collaborations/<int:collaboration_id>/publish")
def collaboration_publish(collaboration_id: int):
    collab = _collab_or_404(collaboration_id)
    _confirmed()
    try:
        collabs.publish(collaboration_id, current_user)
    except CollabNotFound:
        abort(404)
    except CollabError as exc:
        collab = _collab_or_404(collaboration_id)
        return _collab_page(collab, _collab_form(collab), problems=getattr(exc, "errors", {exc.field: str(exc)}),
                            status=400)
    flash(f"'{collab.title}'을(를) 공개했습니다. 장터의 아트콜라보에 바로 보입니다.", "success")
    return _to_collab(collaboration_id)


@bp.post("/collaborations/<int:collaboration_id>/unpublish")
def collaboration_unpublish(collaboration_id: int):
    collab = _collab_or_404(collaboration_id)
    _confirmed()
    try:
        collabs.unpublish(collaboration_id, current_user)
    except CollabNotFound:
        abort(404)
    flash(f"'{collab.title}'을(를) 비공개로 바꿨습니다. 장터에서 내려갔습니다.", "success")
    return _to_collab(collaboration_id)


@bp.post("/collaborations/<int:collaboration_id>/products")
def collaboration_add_product(collaboration_id: int):
    collab = _collab_or_404(collaboration_id)
    form = AddProductForm().with_choices(collab)
    if form.validate_on_submit():
        try:
            product = collabs.add_product(collaboration_id, form.product_id.data, current_user)
        except CollabNotFound:
            abort(404)
        except CollabError as exc:
            form.add_error("product_id", str(exc))
        else:
            flash(f"'{product.name}'을(를) 연결했습니다.", "success")
            return _to_collab(collaboration_id, "products")
    collab = _collab_or_404(collaboration_id)
    return _collab_page(collab, _collab_form(collab), product_form=form, status=400)


@bp.post("/collaborations/<int:collaboration_id>/products/<int:product_id>/remove")
def collaboration_remove_product(collaboration_id: int, product_id: int):
    _collab_or_404(collaboration_id)
    _confirmed()
    try:
        product = collabs.remove_product(collaboration_id, product_id, current_user)
    except CollabNotFound:
        abort(404)
    except CollabError as exc:
        collab = _collab_or_404(collaboration_id)
        form = AddProductForm(formdata=None).with_choices(collab)
        form.form_errors.append(str(exc))
        return _collab_page(collab, _collab_form(collab), product_form=form, status=400)
    flash(f"'{product.name}'을(를) 연결에서 뺐습니다.", "success")
    return _to_collab(collaboration_id, "products")


# --- artists ----------------------------------------------------------------------------------------


def _artist_page(artist: Artist | None, form: ArtistForm, status: int = 200):
    entries = audit.history_of(collabs.ARTIST_SUBJECT, artist.id) if artist else []
    return render_template("admin/artist_form.html", artist=artist, form=form, audit_entries=entries), status


@bp.route("/artists/new", methods=["GET", "POST"])
def artist_new():
    form = ArtistForm()
    if not form.validate_on_submit():
        return _artist_page(None, form, 400 if _posted() else 200)
    try:
        created = collabs.create_artist(form.artist(), current_user)
    except CollabError as exc:
        _show_errors(form, exc)
        return _artist_page(None, form, 400)
    flash(f"작가 '{created.name}'을(를) 등록했습니다. 이제 아트콜라보에서 고를 수 있습니다.", "success")
    return redirect(url_for("admin.collaborations") + "#artists", code=303)


@bp.route("/artists/<int:artist_id>", methods=["GET", "POST"])
def artist(artist_id: int):
    found = _artist_or_404(artist_id)
    form = ArtistForm() if _posted() else ArtistForm.of(found)
    if not form.validate_on_submit():
        return _artist_page(found, form, 400 if _posted() else 200)
    try:
        saved = collabs.update_artist(artist_id, form.artist(), current_user)
    except CollabNotFound:
        abort(404)
    except CollabError as exc:
        _show_errors(form, exc)
        return _artist_page(_artist_or_404(artist_id), form, 400)
    flash(f"작가 '{saved.name}'의 정보를 저장했습니다.", "success")
    return redirect(url_for("admin.artist", artist_id=artist_id), code=303)
