"""What every form shares: a service's refusal shown next to the input it is about."""
from __future__ import annotations


class ServiceErrors:
    """Mixed into a Flask-WTF form: `add_error(field, message)` puts a service's Korean message on the
    field it names, or above the form when it names none (or a field the form does not have)."""

    def add_error(self, field_name: str | None, message: str) -> None:
        field = self._fields.get(field_name or "")
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            self.form_errors.append(message)
