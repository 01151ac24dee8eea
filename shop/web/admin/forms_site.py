"""Forms of /admin/categories and /admin/settings (Flask-WTF, so each carries a CSRF token). The services
check the values; the forms carry them and show the services' messages next to the inputs."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField, TelField, TextAreaField

from shop.catalog import categories
from shop.catalog.models import Category
from shop.core.forms import ServiceErrors
from shop.site import settings as site_settings

# --- categories ---------------------------------------------------------------------------------------

TOP_LEVEL = ""


class CategoryAddForm(ServiceErrors, FlaskForm):
    name = StringField("새 카테고리 이름", render_kw={"maxlength": categories.MAX_NAME, "autocomplete": "off"})
    parent_id = SelectField("위치", validate_choice=False)

    def with_parents(self, parents: list[Category]) -> CategoryAddForm:
        self.parent_id.choices = [SelectChoice(TOP_LEVEL, "최상위 카테고리로"),
                                  *(SelectChoice(str(c.id), f"{c.name}의 하위 카테고리로") for c in parents)]
        return self

    def parent(self) -> int | None:
        """The chosen parent's id, None for the top level; ValueError for anything else."""
        raw = (self.parent_id.data or "").strip()
        if raw == TOP_LEVEL:
            return None
        if not raw.isdigit() or len(raw) > 9:
            raise ValueError(raw)
        return int(raw)


class CategoryRenameForm(ServiceErrors, FlaskForm):
    name = StringField("카테고리 이름", render_kw={"maxlength": categories.MAX_NAME, "autocomplete": "off"})


class CategoryMoveForm(FlaskForm):
    direction = StringField()  # the pressed button's value: up or down


class ConfirmForm(FlaskForm):
    """A bare POST (delete): only the CSRF token."""


# --- site settings ------------------------------------------------------------------------------------

_OPERATOR_WIDGETS = {"phone": TelField, "email": EmailField}
_OPERATOR_ATTRS = {
    "business_number": {"inputmode": "numeric", "placeholder": "220-81-62517"},
    "phone": {"inputmode": "tel", "placeholder": "02-123-4567"},
    "email": {"inputmode": "email"},
    "mail_order_number": {"placeholder": "2026-서울마포-0000"},
}


class SettingsForm(ServiceErrors, FlaskForm):
    """The nine operator details and the three policy texts; field names are the settings' own names
    (`phone`, `policy_terms` ...), so the service's errors land on the right input."""

    @classmethod
    def of(cls, values: site_settings.SettingsInput) -> SettingsForm:
        data = {**values.operator, **{f"policy_{name}": text for name, text in values.policies.items()}}
        return cls(data=data)

    def values(self) -> site_settings.SettingsInput:
        return site_settings.SettingsInput(
            operator={name: self[name].data or "" for name in site_settings.OPERATOR_FIELDS},
            policies={name: self[f"policy_{name}"].data or "" for name in site_settings.POLICIES},
        )

    def operator_fields(self):
        return [self[name] for name in site_settings.OPERATOR_FIELDS]

    def policy_fields(self):
        return [(name, self[f"policy_{name}"]) for name in site_settings.POLICIES]


for _name, (_label, _longest) in site_settings.OPERATOR_FIELDS.items():
    setattr(SettingsForm, _name, _OPERATOR_WIDGETS.get(_name, StringField)(
        _label, render_kw={"maxlength": _longest, "autocomplete": "off", **_OPERATOR_ATTRS.get(_name, {})}))
for _name, _label in site_settings.POLICIES.items():
    setattr(SettingsForm, f"policy_{_name}", TextAreaField(
        f"{_label} (선택)", render_kw={"rows": 12, "maxlength": site_settings.MAX_POLICY, "spellcheck": "false",
                   "placeholder": "비워 두면 기본 문구가 보입니다. 예: <h3>제1조 (목적)</h3><p>…</p>"}))
