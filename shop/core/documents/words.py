"""Amounts written in Korean words, the way 견적서 and 거래명세서 state a total so it cannot be altered."""
from __future__ import annotations

_DIGITS = ("", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구")
_SMALL_UNITS = ("", "십", "백", "천")  # within a group of four digits
_GROUP_UNITS = ("", "만", "억", "조", "경")  # one per group of four digits


def _group_in_words(group: int) -> str:
    # Documents write 일 before every unit (일천, 일백, 일십) so no digit can be slipped in later.
    words = []
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit:
            words.append(_DIGITS[digit] + _SMALL_UNITS[position])
    return "".join(words)


def krw_in_words(amount: int) -> str:
    """`일금 일백이십삼만사천오백육십칠원정` for 1234567; `일금 영원정` for 0."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("금액은 원 단위 정수여야 합니다.")
    if amount < 0:
        raise ValueError("음수 금액은 한글로 쓸 수 없습니다.")
    if amount >= 10_000 ** len(_GROUP_UNITS):
        raise ValueError("금액이 너무 큽니다.")
    if amount == 0:
        return "일금 영원정"
    words = []
    for index in range(len(_GROUP_UNITS) - 1, -1, -1):
        group = amount // 10_000**index % 10_000
        if group:
            words.append(_group_in_words(group) + _GROUP_UNITS[index])
    return f"일금 {''.join(words)}원정"
