import pytest

from shop.core.korea import (
    SEOUL_DISTRICTS,
    digits_only,
    format_business_number,
    format_phone,
    is_jeju_or_island_postcode,
    is_valid_business_number,
    is_valid_mobile,
    is_valid_phone,
    is_valid_postcode,
    make_business_number,
    normalize_phone,
)


def test_seoul_has_25_distinct_districts():
    assert len(SEOUL_DISTRICTS) == 25
    assert len(set(SEOUL_DISTRICTS)) == 25
    assert {"종로구", "중구", "마포구", "강남구", "강동구"} <= set(SEOUL_DISTRICTS)
    assert all(name.endswith("구") for name in SEOUL_DISTRICTS)


def test_digits_only_keeps_digits_including_full_width():
    assert digits_only("220-81-62517") == "2208162517"
    assert digits_only("０１０ 1234") == "0101234"
    assert digits_only("") == ""
    assert digits_only(None) == ""


@pytest.mark.parametrize("number", ["220-81-62517", "124-81-00998", "104-81-36565", "2208162517", " 220 81 62517 "])
def test_known_business_numbers_are_valid(number):
    assert is_valid_business_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "220-81-62518",  # wrong check digit
        "124-81-00990",  # wrong check digit
        "220-81-6251",  # 9 digits
        "220-81-625170",  # 11 digits
        "22O-81-62517",  # letter O instead of zero
        "220-81-62517a",  # trailing letter
        "abcdefghij",
        "",
        None,
    ],
)
def test_invalid_business_numbers(number):
    assert not is_valid_business_number(number)


def test_check_digit_uses_the_carry_of_the_ninth_digit():
    # 9th digit 8: (8*5)//10 == 4 must be added for the check digit to come out right.
    number = make_business_number("123456788")
    assert is_valid_business_number(number)
    other_last_digits = {number[:9] + str(d) for d in range(10)} - {number}
    assert not any(is_valid_business_number(n) for n in other_last_digits)


def test_make_business_number_reproduces_known_numbers():
    assert make_business_number("220816251") == "2208162517"
    assert make_business_number("124-81-0099") == "1248100998"
    assert make_business_number("104813656") == "1048136565"


@pytest.mark.parametrize("prefix", ["12345678", "1234567890", "12345678a", ""])
def test_make_business_number_needs_nine_digits(prefix):
    with pytest.raises(ValueError, match="9자리"):
        make_business_number(prefix)


def test_format_business_number():
    assert format_business_number("2208162517") == "220-81-62517"
    assert format_business_number(" 220 81 62517") == "220-81-62517"


@pytest.mark.parametrize("number", ["220816251", "22081625170", "abc", "", None])
def test_format_business_number_rejects_wrong_length(number):
    with pytest.raises(ValueError, match="10자리"):
        format_business_number(number)


@pytest.mark.parametrize(
    "phone, formatted",
    [
        ("01012345678", "010-1234-5678"),
        ("010-1234-5678", "010-1234-5678"),
        ("010 1234 5678", "010-1234-5678"),
        ("+82 10-1234-5678", "010-1234-5678"),
        ("011-123-4567", "011-123-4567"),
        ("0161234567", "016-123-4567"),
        ("019-1234-5678", "019-1234-5678"),
        ("021234567", "02-123-4567"),  # Seoul, 9 digits
        ("0212345678", "02-1234-5678"),  # Seoul, 10 digits
        ("(02) 2133-5000", "02-2133-5000"),
        ("0311234567", "031-123-4567"),
        ("031-1234-5678", "031-1234-5678"),
        ("064-123-4567", "064-123-4567"),
        ("070-1234-5678", "070-1234-5678"),
        ("15881234", "1588-1234"),
        ("1644-1234", "1644-1234"),
        ("1800-1234", "1800-1234"),
    ],
)
def test_valid_phones_are_formatted(phone, formatted):
    assert is_valid_phone(phone)
    assert format_phone(phone) == formatted
    assert normalize_phone(phone) == formatted.replace("-", "")


@pytest.mark.parametrize(
    "phone",
    [
        "012-1234-5678",  # no such mobile prefix
        "010-123-4567",  # 010 always has 4 middle digits
        "010-1234-567",
        "010-1234-56789",
        "02-12-3456",  # Seoul, 8 digits
        "02-12345-6789",  # Seoul, 11 digits
        "030-123-4567",  # no such area code
        "065-123-4567",
        "1234-5678",  # not a representative number prefix
        "1588-123",
        "010-1234-567a",
        "phone",
        "",
        None,
    ],
)
def test_invalid_phones(phone):
    assert not is_valid_phone(phone)
    with pytest.raises(ValueError, match="전화번호"):
        format_phone(phone)


def test_mobile_only_accepts_mobile_numbers():
    assert is_valid_mobile("010-1234-5678")
    assert is_valid_mobile("017-123-4567")
    assert not is_valid_mobile("02-123-4567")
    assert not is_valid_mobile("070-1234-5678")
    assert not is_valid_mobile("1588-1234")
    assert not is_valid_mobile("012-1234-5678")


@pytest.mark.parametrize("code", ["03154", "63309", "00000", "69999", " 04524 "])
def test_valid_postcodes(code):
    assert is_valid_postcode(code)


@pytest.mark.parametrize("code", ["1234", "123456", "70000", "99999", "0315a", "031-54", "", None])
def test_invalid_postcodes(code):
    assert not is_valid_postcode(code)


@pytest.mark.parametrize(
    "code",
    ["63000", "63309", "63644", "22386", "23008", "40240", "54000", "58826", "59106", "59790", "31708"],
)
def test_jeju_and_island_postcodes(code):
    assert is_jeju_or_island_postcode(code)


@pytest.mark.parametrize(
    "code",
    ["63645", "62999", "04524", "22389", "58827", "59105", "59791", "54001", "6300", "630000", "73000", ""],
)
def test_mainland_or_invalid_postcodes_are_not_islands(code):
    assert not is_jeju_or_island_postcode(code)
