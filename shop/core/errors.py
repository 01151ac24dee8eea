"""The base of every domain's refusal: a message written for the user, and the form field it concerns."""
from __future__ import annotations


class RuleError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
