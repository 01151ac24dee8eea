"""Password rules: length, the passwords attackers try first, and the member's own email and phone."""
from __future__ import annotations

import pytest

from shop.accounts.passwords import PasswordError, check_password_rules, common_passwords


@pytest.mark.parametrize("password", ["1q2w3e4r5t", "qwer1234!@", "Password12", "QWERTYUIOP", "aaaaaaaaaaaa",
                                      "abcabcabcabc", "1212121212", "0000000000"])
def test_common_and_patterned_passwords_are_refused(password):
    with pytest.raises(PasswordError, match="흔하거나 추측하기 쉬운"):
        check_password_rules(password)


def test_short_and_overlong_passwords_are_refused_with_the_limits():
    with pytest.raises(PasswordError, match="10자 이상"):
        check_password_rules("tiny-pw")
    with pytest.raises(PasswordError, match="200자 이하"):
        check_password_rules("가" * 201)


def test_passwords_built_from_the_members_email_or_phone_are_refused():
    with pytest.raises(PasswordError, match="이메일 주소나 전화번호"):
        check_password_rules("Minji.Park!2026", email="minji.park@example.kr")
    with pytest.raises(PasswordError, match="이메일 주소나 전화번호"):
        check_password_rules("pw-12345678!", phone="010-1234-5678")


@pytest.mark.parametrize("password", ["correct-horse-42", "우리동네 빵집 2026", "tangerine-bicycle-7"])
def test_ordinary_strong_passwords_pass(password):
    check_password_rules(password, email="someone@example.kr", phone="010-9876-5432")


def test_the_list_is_loaded_from_the_package_and_holds_only_what_length_does_not_already_refuse():
    words = common_passwords()
    assert len(words) > 1500
    assert all(len(word) >= 10 for word in words)
