"""/console/profile, /console/members and /console/api-keys: the enterprise's details, delivery fees and
settlement account; its members and invitations; the keys of its own systems. Owner-only actions are
refused by the services (NotOwner) and shown as 403 here."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from shop.enterprises import api_tokens, members, profile
from shop.enterprises.members import MemberError, MemberNotFound, NotOwner
from shop.enterprises.profile import ProfileInvalid
from shop.notifications import member_mail
from shop.web.console import bp, enterprise_id
from shop.web.console.forms_profile import (
    ApiKeyForm,
    BankAccountForm,
    ConfirmForm,
    DetailsForm,
    InviteForm,
    LogoForm,
    ShippingForm,
)


def _is_owner() -> bool:
    return members.is_owner(current_user, enterprise_id())


def _owner_only() -> None:
    if not _is_owner():
        abort(403)


def _show_errors(form, exc: ProfileInvalid | MemberError) -> None:
    for field, message in getattr(exc, "errors", {exc.field: str(exc)}).items():
        form.add_error(field, message)


# --- profile ----------------------------------------------------------------------------------------


def _profile_page(details=None, shipping=None, bank=None, logo=None):
    enterprise = current_user.enterprise
    submitted = any(f is not None and f.is_submitted() for f in (details, shipping, bank, logo))
    page = render_template(
        "console/profile.html", enterprise=enterprise, is_owner=_is_owner(),
        details=details or DetailsForm.of(enterprise), shipping=shipping or ShippingForm.of(enterprise),
        bank=bank or BankAccountForm.of(enterprise), masked_account=profile.masked_account_number(enterprise),
        logo=logo or LogoForm(formdata=None),
    )
    return page, (400 if submitted else 200)


def _saved(message: str, anchor: str):
    flash(message, "success")
    return redirect(url_for("console.profile_page") + f"#{anchor}", code=303)


@bp.get("/profile")
def profile_page():
    return _profile_page()


@bp.post("/profile/details")
def save_details():
    form = DetailsForm()
    if form.validate_on_submit():
        try:
            profile.update_details(enterprise_id(), form.details())
        except ProfileInvalid as exc:
            _show_errors(form, exc)
        else:
            return _saved("기업 정보를 저장했습니다. 기업 소개 페이지에 바로 보입니다.", "details")
    return _profile_page(details=form)


@bp.post("/profile/logo")
def save_logo():
    form = LogoForm()
    if form.validate_on_submit():
        try:
            profile.update_logo(enterprise_id(), form.logo.data.stream if form.logo.data else None)
        except ProfileInvalid as exc:
            _show_errors(form, exc)
        else:
            return _saved("로고를 바꿨습니다. 기업 소개 페이지에 바로 보입니다.", "logo")
    return _profile_page(logo=form)


@bp.post("/profile/shipping")
def save_shipping():
    form = ShippingForm()
    if form.validate_on_submit():
        try:
            profile.update_shipping(enterprise_id(), form.policy())
        except ProfileInvalid as exc:
            _show_errors(form, exc)
        else:
            return _saved("배송비 정책을 저장했습니다. 새로 들어오는 주문부터 적용됩니다.", "shipping")
    return _profile_page(shipping=form)


@bp.post("/profile/bank-account")
def save_bank_account():
    _owner_only()
    form = BankAccountForm()
    if form.validate_on_submit():
        try:
            profile.update_bank_account(enterprise_id(), form.account(), current_user)
        except ProfileInvalid as exc:
            _show_errors(form, exc)
        else:
            return _saved("정산 계좌를 저장했습니다.", "bank")
    return _profile_page(bank=form)


# --- members ----------------------------------------------------------------------------------------


def _members_page(invite=None):
    eid = enterprise_id()
    page = render_template("console/members.html", members=members.members(eid),
                           invitations=members.open_invitations(eid) if _is_owner() else [],
                           is_owner=_is_owner(), invite=invite or InviteForm(), confirm=ConfirmForm())
    return page, (400 if invite is not None else 200)


def _members_action(action, done: str):
    _owner_only()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action()
    except MemberNotFound:
        abort(404)
    except NotOwner:
        abort(403)
    except MemberError as exc:
        flash(str(exc), "danger")
    else:
        flash(done, "success")
    return redirect(url_for("console.members_page"), code=303)


@bp.get("/members")
def members_page():
    return _members_page()


@bp.post("/members/invitations")
def invite_member():
    _owner_only()
    form = InviteForm()
    if form.validate_on_submit():
        try:
            issued = members.invite(enterprise_id(), form.email.data or "", current_user)
        except MemberError as exc:
            _show_errors(form, exc)
        else:
            member_mail.invited(issued)
            flash(f"{issued.invitation.email}로 초대 메일을 보냈습니다. 링크는 {members.INVITATION_DAYS}일 동안 "
                  "유효합니다.", "success")
            return redirect(url_for("console.members_page"), code=303)
    return _members_page(invite=form)


@bp.post("/members/invitations/<int:invitation_id>/revoke")
def revoke_invitation(invitation_id: int):
    return _members_action(lambda: members.revoke_invitation(enterprise_id(), invitation_id, current_user),
                           "초대를 취소했습니다. 보낸 링크는 더 이상 쓸 수 없습니다.")


def _member_name(user_id: int) -> str:
    member = next((m for m in members.members(enterprise_id()) if m.id == user_id), None)
    if member is None:
        abort(404)
    return member.name


@bp.post("/members/<int:user_id>/remove")
def remove_member(user_id: int):
    _owner_only()
    name = _member_name(user_id)
    return _members_action(lambda: members.remove_member(enterprise_id(), user_id, current_user),
                           f"{name}님을 구성원에서 내보냈습니다. 이 분이 만든 API 키도 폐기했습니다.")


@bp.post("/members/<int:user_id>/owner")
def hand_over_ownership(user_id: int):
    _owner_only()
    name = _member_name(user_id)
    return _members_action(lambda: members.hand_over_ownership(enterprise_id(), user_id, current_user),
                           f"{name}님이 이제 대표 관리자입니다.")


# --- API keys ---------------------------------------------------------------------------------------


def _keys_page(form=None, issued: api_tokens.IssuedKey | None = None, status: int = 200):
    response = make_response(render_template(
        "console/api_keys.html", tokens=api_tokens.tokens(enterprise_id()), is_owner=_is_owner(),
        form=form or ApiKeyForm(), confirm=ConfirmForm(), issued=issued), status)
    response.headers["Cache-Control"] = "no-store"  # the page may hold a new key in full
    return response


@bp.get("/api-keys")
def api_keys():
    return _keys_page()


@bp.post("/api-keys")
def create_api_key():
    _owner_only()
    form = ApiKeyForm()
    if form.validate_on_submit():
        try:
            issued = api_tokens.issue(enterprise_id(), form.name.data or "", current_user)
        except MemberError as exc:
            _show_errors(form, exc)
        else:
            # Shown on this response only (never stored, never redirected through the session).
            return _keys_page(ApiKeyForm(formdata=None), issued=issued)
    return _keys_page(form, status=400)


@bp.post("/api-keys/<int:token_id>/revoke")
def revoke_api_key(token_id: int):
    _owner_only()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        token = api_tokens.revoke(enterprise_id(), token_id, current_user)
    except MemberNotFound:
        abort(404)
    flash(f"API 키 '{token.name}'을(를) 폐기했습니다. 이 키를 쓰는 시스템은 바로 거절됩니다.", "success")
    return redirect(url_for("console.api_keys"), code=303)
