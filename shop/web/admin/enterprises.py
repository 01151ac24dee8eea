"""/admin/enterprises: every enterprise with its state; one enterprise's details, members and history;
퇴점·정지 with a reason its members read, and reinstatement."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shop.accounts.forms import DecisionForm
from shop.audit import services as audit
from shop.catalog.listing import parse_paging
from shop.enterprises import services as enterprises
from shop.enterprises.services import EnterpriseError
from shop.models_base import ApprovalStatus
from shop.web.admin import bp
from shop.web.admin.reauth import password_confirmed

PER_PAGE = 30


@bp.get("/enterprises")
def enterprise_list():
    status = request.args.get("status", "")
    q = request.args.get("q", "").strip()[:100]
    page_no, _ = parse_paging(request.args, strict=False, default_per_page=PER_PAGE, max_per_page=PER_PAGE)
    items, total = enterprises.list_for_staff(status=status, q=q, page=page_no, per_page=PER_PAGE)
    return render_template("admin/enterprises.html", items=items, total=total, page=page_no,
                           pages=max(1, -(-total // PER_PAGE)), status=status, q=q, statuses=list(ApprovalStatus))


@bp.get("/enterprises/<int:enterprise_id>")
def enterprise_detail(enterprise_id: int):
    enterprise = enterprises.get(enterprise_id) or abort(404)
    return render_template("admin/enterprise.html", enterprise=enterprise, form=DecisionForm(),
                           audit_entries=audit.history_of("enterprise", enterprise.id))


def _act(enterprise_id: int, action, done: str):
    enterprise = enterprises.get(enterprise_id) or abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(" ".join(form.reason.errors) or "요청을 처리할 수 없습니다. 다시 시도해 주세요.", "danger")
    else:
        try:
            action(enterprise, form.reason.data)
        except EnterpriseError as exc:
            flash(str(exc), "danger")
        else:
            flash(done.format(name=enterprise.name), "success")
    return redirect(url_for("admin.enterprise_detail", enterprise_id=enterprise_id), code=303)


@bp.post("/enterprises/<int:enterprise_id>/suspend")
@password_confirmed
def suspend_enterprise(enterprise_id: int):
    return _act(enterprise_id, lambda e, reason: enterprises.suspend(e, staff=current_user, reason=reason),
                "'{name}'을(를) 퇴점·정지했습니다. 상품이 장터에서 내려갔습니다.")


@bp.post("/enterprises/<int:enterprise_id>/reinstate")
@password_confirmed
def reinstate_enterprise(enterprise_id: int):
    return _act(enterprise_id, lambda e, reason: enterprises.reinstate(e, staff=current_user, reason=reason),
                "'{name}'의 정지를 해제했습니다. 판매 중이던 상품이 다시 보입니다.")
