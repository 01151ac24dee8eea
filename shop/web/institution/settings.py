"""/institution/settings: the institution's annual purchase target, its buyers and its delivery addresses.
Every buyer of the institution sees and changes the same settings; the service scopes each lookup."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from shop.institutions import settings
from shop.institutions.forms import AddressForm, PurchaseTargetForm
from shop.institutions.models import InstitutionAddress
from shop.institutions.settings import AddressNotFound, InstitutionSettingsError
from shop.web.institution import bp, institution_id


def _settings_page(target_form: PurchaseTargetForm | None = None, address_form: AddressForm | None = None):
    """The settings page; a refused form (passed in with its errors) makes it a 400."""
    iid = institution_id()
    refused = target_form is not None or address_form is not None
    target_krw = settings.purchase_target(iid)
    if target_form is None:
        target_form = PurchaseTargetForm(formdata=None, purchase_target=f"{target_krw:,}")
    if address_form is None:
        address_form = AddressForm(formdata=None)
    page = render_template(
        "institution/settings.html",
        target_form=target_form,
        address_form=address_form,
        target_krw=target_krw,
        members=settings.members(iid),
        addresses=settings.addresses(iid),
        max_addresses=settings.MAX_ADDRESSES,
    )
    return page, (400 if refused else 200)


def _address_or_404(address_id: int) -> InstitutionAddress:
    """This institution's address, or 404 (another institution's address does not exist for them)."""
    address = settings.find_address(institution_id(), address_id)
    if address is None:
        abort(404)
    return address


def _back_to_settings():
    return redirect(url_for("institution.settings_page") + "#addresses")


@bp.get("/settings")
def settings_page():
    return _settings_page()


@bp.post("/settings/target")
def update_target():
    form = PurchaseTargetForm()
    if form.validate_on_submit():
        try:
            settings.set_purchase_target(institution_id(), form.amount_krw())
        except InstitutionSettingsError as exc:
            form.add_error(exc.field, str(exc))
        else:
            flash(f"연간 구매 목표액을 {form.amount_krw():,}원으로 저장했습니다.", "success")
            return redirect(url_for("institution.settings_page"))
    return _settings_page(target_form=form)


@bp.post("/settings/addresses")
def add_address():
    form = AddressForm()
    if form.validate_on_submit():
        try:
            address = settings.add_address(institution_id(), form.address_input())
        except InstitutionSettingsError as exc:
            form.add_error(exc.field, str(exc))
        else:
            flash(f"'{address.label}' 배송지를 추가했습니다.", "success")
            return _back_to_settings()
    return _settings_page(address_form=form)


@bp.route("/settings/addresses/<int:address_id>/edit", methods=["GET", "POST"])
def edit_address(address_id: int):
    address = _address_or_404(address_id)
    form = AddressForm.for_address(address)
    if form.validate_on_submit():
        try:
            settings.update_address(institution_id(), address_id, form.address_input())
        except AddressNotFound:
            abort(404)
        except InstitutionSettingsError as exc:
            form.add_error(exc.field, str(exc))
        else:
            flash(f"'{form.label.data}' 배송지를 수정했습니다.", "success")
            return _back_to_settings()
    page = render_template("institution/address_form.html", form=form, address=address)
    return page, (400 if form.is_submitted() else 200)


@bp.post("/settings/addresses/<int:address_id>/delete")
def delete_address(address_id: int):
    label = _address_or_404(address_id).label
    try:
        settings.delete_address(institution_id(), address_id)
    except AddressNotFound:
        abort(404)
    flash(f"'{label}' 배송지를 삭제했습니다.", "success")
    return _back_to_settings()


@bp.post("/settings/addresses/<int:address_id>/default")
def make_default_address(address_id: int):
    label = _address_or_404(address_id).label
    try:
        settings.make_default(institution_id(), address_id)
    except AddressNotFound:
        abort(404)
    flash(f"이제 '{label}' 배송지가 기본 배송지입니다.", "success")
    return _back_to_settings()
