"""A buyer's reviews: write one for a delivered item, edit or delete it, see them and what awaits one."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from shop.reviews import services as reviews
from shop.reviews.forms import EditReviewForm, ReviewForm
from shop.reviews.services import ReviewError, ReviewNotFound
from shop.web.guards import safe_next_url
from shop.web.params import page_number

bp = Blueprint("reviews", __name__, url_prefix="/account/reviews")


def _back(default: str | None = None):
    """After a change: the page the buyer came from (e.g. the order), else my reviews."""
    target = safe_next_url(request.values.get("next")) or default or url_for("reviews.mine")
    return redirect(target, code=303)


def _form_page(form, status: int, **context):
    return render_template("reviews/form.html", form=form, next_url=safe_next_url(request.values.get("next")),
                           **context), status


def _refused(form, exc: ReviewError) -> int:
    """Show the refusal on the form: 400 for bad input, 409 when the state does not allow it."""
    form.add_error(exc.field, str(exc))
    return 400 if exc.field else 409


@bp.get("")
@login_required
def mine():
    page = page_number(request.args.get("page"))
    return render_template("reviews/mine.html", reviews=reviews.user_reviews(current_user, page=page),
                           waiting=reviews.reviewable_items(current_user), page=page, per_page=reviews.PER_PAGE)


@bp.route("/new/<int:order_item_id>", methods=["GET", "POST"])
@login_required
def new(order_item_id: int):
    item = reviews.own_order_item(current_user, order_item_id) or abort(404)
    existing = reviews.review_of_item(current_user, item.id)
    if existing is not None and request.method == "GET":
        flash(reviews.ALREADY_REVIEWED, "info")
        return redirect(url_for("reviews.edit", review_id=existing.id), code=303)
    if request.method == "GET" and (reason := reviews.refusal(item)):
        flash(reason, "error")
        return _back()
    form = ReviewForm()
    if not form.validate_on_submit():
        return _form_page(form, 400 if form.is_submitted() else 200, item=item)
    try:
        reviews.write_review(current_user, item.id, form.rating.data, form.body.data, form.photo.data)
    except ReviewNotFound:
        abort(404)
    except ReviewError as exc:
        return _form_page(form, _refused(form, exc), item=item)
    flash("후기를 등록했습니다. 소중한 후기 감사합니다.", "success")
    return _back()


@bp.route("/<int:review_id>/edit", methods=["GET", "POST"])
@login_required
def edit(review_id: int):
    review = reviews.own_review(current_user, review_id) or abort(404)
    form = EditReviewForm(obj=None if request.method == "POST" else review)
    if request.method == "GET":
        form.rating.data = str(review.rating)
    if not form.validate_on_submit():
        return _form_page(form, 400 if form.is_submitted() else 200, item=review.order_item, review=review)
    try:
        reviews.edit_review(current_user, review.id, form.rating.data, form.body.data, form.photo.data,
                            remove_photo=form.remove_photo.data)
    except ReviewNotFound:
        abort(404)
    except ReviewError as exc:
        return _form_page(form, _refused(form, exc), item=review.order_item, review=review)
    flash("후기를 고쳤습니다.", "success")
    return _back()


@bp.post("/<int:review_id>/delete")
@login_required
def delete(review_id: int):
    try:
        reviews.delete_review(current_user, review_id)
    except ReviewNotFound:
        abort(404)
    flash("후기를 삭제했습니다.", "success")
    return _back()
