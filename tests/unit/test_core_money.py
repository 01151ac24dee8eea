import pytest

from shop.core.money import format_krw, parse_krw, split_vat, supply_value_of, vat_of


@pytest.mark.parametrize(
    "amount, text",
    [(0, "0원"), (500, "500원"), (12000, "12,000원"), (1234567, "1,234,567원"), (-3000, "-3,000원")],
)
def test_format_krw(amount, text):
    assert format_krw(amount) == text


@pytest.mark.parametrize("amount", [12000.0, 1.5, True, False, "12000", None])
def test_format_krw_accepts_only_int(amount):
    with pytest.raises(TypeError):
        format_krw(amount)


@pytest.mark.parametrize(
    "total, vat",
    [(11000, 1000), (10000, 909), (55, 5), (0, 0), (1, 0), (6, 1), (5, 0), (110, 10), (-11000, -1000), (-6, -1)],
)
def test_vat_of_rounds_half_up(total, vat):
    assert vat_of(total) == vat


def test_supply_value_and_vat_add_up():
    for total in range(0, 5000, 7):
        assert supply_value_of(total) + vat_of(total) == total
    assert supply_value_of(11000) == 10000
    assert supply_value_of(10000) == 9091


def test_split_vat_taxable_and_exempt():
    assert split_vat(11000, taxable=True) == (10000, 1000)
    assert split_vat(10000, taxable=True) == (9091, 909)
    assert split_vat(11000, taxable=False) == (11000, 0)
    assert split_vat(0, taxable=True) == (0, 0)


def test_split_vat_requires_keyword_and_int():
    with pytest.raises(TypeError):
        split_vat(11000, True)  # type: ignore[misc]
    with pytest.raises(TypeError):
        split_vat(110.0, taxable=True)
    with pytest.raises(TypeError):
        vat_of(True)


@pytest.mark.parametrize(
    "text, amount",
    [
        ("12,000", 12000),
        ("12000원", 12000),
        (" 12 000 ", 12000),
        ("12,000 원", 12000),
        ("₩12,000", 12000),
        ("０", 0),
        ("10000000000", 10_000_000_000),
    ],
)
def test_parse_krw(text, amount):
    assert parse_krw(text) == amount


@pytest.mark.parametrize(
    "text",
    ["", "   ", None, "12.5", "12,000.50", "-3000", "-3,000원", "abc", "12k", "원", "10000000001", "1e5"],
)
def test_parse_krw_rejects_with_korean_message(text):
    with pytest.raises(ValueError) as info:
        parse_krw(text)
    assert any("\uac00" <= ch <= "\ud7a3" for ch in str(info.value))
