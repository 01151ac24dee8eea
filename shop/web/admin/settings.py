"""/admin/settings: the operator's legal details shown at the foot of every page, and the texts of the
terms, privacy and withdrawal pages. Saved values show on the next page anyone opens."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shop.audit import services as audit
from shop.site import settings as site_settings
from shop.site.settings import SettingsConflict, SettingsInvalid
from shop.web.admin import bp
from shop.web.admin.forms_site import SettingsForm

HISTORY = 10


def _page(form: SettingsForm, status: int = 200):
    history = audit.entries(audit.AuditFilters(subject_type="settings"), per_page=HISTORY).items
    return render_template("admin/settings.html", form=form, policies=site_settings.POLICIES,
                           max_policy=site_settings.MAX_POLICY, audit_entries=history), status


@bp.route("/settings", methods=["GET", "POST"], endpoint="settings")
def settings_page():
    if request.method == "GET":
        return _page(SettingsForm.of(site_settings.current()))
    form = SettingsForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = site_settings.save(form.values(), actor=current_user)
    except SettingsInvalid as exc:
        for field_name, message in exc.errors.items():
            form.add_error(field_name, message)
        return _page(form, 400)
    except SettingsConflict as exc:
        form.add_error(None, str(exc))
        return _page(form, 400)
    if changed:
        flash(f"사이트 설정을 저장했습니다 ({', '.join(changed)}). 모든 화면에 바로 보입니다.", "success")
    else:
        flash("바뀐 내용이 없습니다.", "info")
    return redirect(url_for("admin.settings"), code=303)
