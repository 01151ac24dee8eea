"""/admin/audit: every staff action and every price, state and approval change, newest first, filtered by
kind of thing, action, who and when."""
from __future__ import annotations

from datetime import date

from flask import render_template, request

from shop.audit import services as audit
from shop.web.admin import bp
from shop.web.params import page_number


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip()) if raw else None
    except ValueError:
        return None




@bp.get("/audit")
def audit_log():
    args = request.args
    filters = audit.AuditFilters(
        subject_type=args.get("subject", "") if args.get("subject", "") in audit.SUBJECTS else "",
        action=args.get("action", "") if args.get("action", "") in audit.ACTIONS else "",
        staff_only=args.get("staff") == "1",
        actor=args.get("actor", "").strip()[:50], q=args.get("q", "").strip()[:100],
        since=_day(args.get("since")), until=_day(args.get("until")), page=page_number(args.get("page")),
    )
    page = audit.entries(filters)
    query = {k: v for k, v in args.items() if k != "page" and v}
    return render_template("admin/audit.html", page=page, filters=filters, query=query,
                           subjects=audit.SUBJECTS, actions=audit.ACTIONS, action_label=audit.action_label)
