"""Password rules for every member: long enough, not one of the passwords attackers try first, and not
made of the member's own email address or phone number (the first things a guesser types)."""
from __future__ import annotations

import re
from functools import cache
from importlib import resources

from shop.core.errors import RuleError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
TOO_COMMON = "너무 흔하거나 추측하기 쉬운 비밀번호입니다. 다른 비밀번호를 입력해 주세요."
TOO_PERSONAL = "이메일 주소나 전화번호가 들어간 비밀번호는 쓸 수 없습니다."


class PasswordError(RuleError):
    """A refused password; the message is for the member, the field is always `password`."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="password")


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("shop.accounts").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _is_pattern(password: str) -> bool:
    """One character repeated, or a short unit repeated (abcabcabca, 1212121212)."""
    return re.fullmatch(r"(.{1,3})\1+.{0,2}", password) is not None


def check_password_rules(password: str | None, *, email: str = "", phone: str = "") -> None:
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"비밀번호는 {MIN_PASSWORD_LENGTH}자 이상이어야 합니다.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordError(f"비밀번호는 {MAX_PASSWORD_LENGTH}자 이하로 입력해 주세요.")
    lowered = password.lower()
    if lowered in common_passwords() or _is_pattern(lowered):
        raise PasswordError(TOO_COMMON)
    local_part = email.split("@")[0].lower()
    phone_digits = re.sub(r"\D", "", phone)
    if (len(local_part) >= 4 and local_part in lowered) or (len(phone_digits) >= 8 and phone_digits[-8:] in password):
        raise PasswordError(TOO_PERSONAL)
