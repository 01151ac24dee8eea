"""/admin/approvals: staff decide enterprise applications, institution registrations and buyers joining
an institution, each with a reason the applicant reads."""
from __future__ import annotations

from typing import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from shop.accounts.forms import DecisionForm
from shop.enterprises import services as enterprises
from shop.enterprises.services import EnterpriseError
from shop.institutions import services as institutions
from shop.institutions.services import InstitutionError
from shop.web.admin import bp
from shop.web.admin.reauth import password_confirmed
from shop.web.guards import admin_required


@bp.get("/approvals")
@admin_required
def approvals():
    return render_template(
        "admin/approvals.html",
        enterprises=enterprises.pending_applications(),
        institutions=institutions.pending_institutions(),
        memberships=institutions.pending_memberships(),
        form=DecisionForm(),
    )


def _found(obj):
    if obj is None:
        abort(404)
    return obj


def _decide(decision: Callable[[str | None], None], done: str):
    """Run one staff decision from the posted form; refusals come back as a flash message."""
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(" ".join(form.reason.errors) or "요청을 처리할 수 없습니다. 다시 시도해 주세요.", "danger")
    else:
        try:
            decision(form.reason.data)
        except (EnterpriseError, InstitutionError) as exc:
            flash(str(exc), "danger")
        else:
            flash(done, "success")
    return redirect(url_for("admin.approvals"))


@bp.post("/enterprises/<int:enterprise_id>/approve")
@password_confirmed
@admin_required
def approve_enterprise(enterprise_id: int):
    enterprise = _found(enterprises.get(enterprise_id))
    return _decide(lambda reason: enterprises.approve(enterprise, reason=reason, staff=current_user),
                   f"'{enterprise.name}' 입점을 승인했습니다.")


@bp.post("/enterprises/<int:enterprise_id>/reject")
@password_confirmed
@admin_required
def reject_enterprise(enterprise_id: int):
    enterprise = _found(enterprises.get(enterprise_id))
    return _decide(lambda reason: enterprises.reject(enterprise, reason=reason, staff=current_user),
                   f"'{enterprise.name}' 입점 신청을 반려했습니다.")


@bp.post("/institutions/<int:institution_id>/approve")
@password_confirmed
@admin_required
def approve_institution(institution_id: int):
    institution = _found(institutions.get(institution_id))
    return _decide(lambda reason: institutions.approve(institution, reason=reason, staff=current_user),
                   f"'{institution.name}' 기관 등록을 승인했습니다.")


@bp.post("/institutions/<int:institution_id>/reject")
@password_confirmed
@admin_required
def reject_institution(institution_id: int):
    institution = _found(institutions.get(institution_id))
    return _decide(lambda reason: institutions.reject(institution, reason=reason, staff=current_user),
                   f"'{institution.name}' 기관 등록 신청을 반려했습니다.")


@bp.post("/memberships/<int:user_id>/approve")
@password_confirmed
@admin_required
def approve_membership(user_id: int):
    member = _found(institutions.get_member(user_id))
    return _decide(lambda _reason: institutions.approve_membership(member, staff=current_user),
                   f"{member.name}님의 기관 소속을 승인했습니다.")


@bp.post("/memberships/<int:user_id>/reject")
@password_confirmed
@admin_required
def reject_membership(user_id: int):
    member = _found(institutions.get_member(user_id))
    return _decide(lambda reason: institutions.reject_membership(member, reason=reason, staff=current_user),
                   f"{member.name}님의 기관 소속 신청을 반려했습니다.")
