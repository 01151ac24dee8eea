import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from shop.core.text import (
    compact,
    document_grams,
    normalize,
    query_grams,
    search_document,
    search_terms,
    slugify,
)


def test_decomposed_hangul_normalises_to_composed():
    decomposed = unicodedata.normalize("NFD", "커피")
    assert decomposed != "커피"
    assert normalize(decomposed) == "커피"
    assert document_grams(decomposed) == document_grams("커피")


def test_full_width_and_case_are_folded():
    assert normalize("ＡＢＣ") == "abc"
    assert normalize("Coffee １２３") == "coffee 123"


def test_all_whitespace_collapses():
    assert normalize("  유기농\u3000커피\u00a0 원두\t\n") == "유기농 커피 원두"
    assert normalize("") == ""
    assert normalize(None) == ""


def test_compact_removes_spacing():
    assert compact("유기농 커피") == compact("유기농커피") == "유기농커피"
    assert compact(" A\u3000b ") == "ab"


def test_search_terms():
    assert search_terms("  유기농  커피! 커피 ") == ["유기농", "커피"]
    assert search_terms("C++ 원두(200g)") == ["c", "원두200g"]
    assert search_terms("!!! ---") == []
    assert search_terms("") == []
    assert search_terms("a b c d e f g") == ["a", "b", "c", "d", "e"]
    assert search_terms("a b c", max_terms=2) == ["a", "b"]
    assert search_terms("가" * 50) == ["가" * 30]
    assert search_terms("abcdef abcxyz", max_len=3) == ["abc"]


def test_document_grams_are_per_field_unigrams_and_bigrams():
    grams = document_grams("유기농 쌀", "현미")
    assert "쌀" in grams
    assert "농쌀" in grams
    assert "유기" in grams and "기농" in grams
    assert "쌀현" not in grams  # never across fields
    assert grams == sorted(set(grams))


def test_document_grams_ignore_punctuation_and_spacing():
    assert document_grams("유기농-커피") == document_grams("유기농 커피") == document_grams("유기농커피")
    assert document_grams("", None) == []


def test_query_grams():
    assert query_grams("비누") == ["비누"]
    assert query_grams("쌀") == ["쌀"]
    assert query_grams("유기농") == ["기농", "유기"]
    assert query_grams("아아아") == ["아아"]
    assert query_grams("") == []


def test_search_document_joins_compacted_fields():
    assert search_document("유기농 커피", "함께 협동조합") == "유기농커피|함께협동조합"
    assert search_document("a|b", "C") == "ab|c"
    assert "커피" in search_document("유기농\u3000커피")


def test_search_document_matches_terms_written_around_punctuation():
    document = search_document("커피·차", "1+1 행사")
    for query in ("커피차", "커피·차", "1+1"):
        assert all(term in document for term in search_terms(query))


def test_slugify():
    assert slugify("유기농 커피 (원두)") == "유기농-커피-원두"
    assert slugify("Hello, World!") == "hello-world"
    assert slugify("ＡＢＣ　１２３") == "abc-123"
    assert slugify("---") == "item"
    assert slugify("") == "item"
    assert slugify("a" * 100) == "a" * 80
    assert slugify("ab cd", max_length=3) == "ab"


# Hangul syllables, ASCII letters and digits, spaces and punctuation: the text products are made of.
_chars = st.one_of(
    st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    st.sampled_from(" \u3000\u00a0-·,.()!|"),
)
_text = st.text(_chars, max_size=20)


@given(prefix=_text, term=_text.filter(lambda t: compact(t)), suffix=_text, other=_text)
def test_query_grams_are_found_in_any_document_containing_the_term(prefix, term, suffix, other):
    field = prefix + term + suffix
    grams = set(document_grams(other, field))
    assert set(query_grams(term)) <= grams
    for search_term in search_terms(term, max_terms=50, max_len=100):
        assert set(query_grams(search_term)) <= grams
        assert search_term in search_document(other, field)


@given(_text)
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)
    assert compact(compact(text)) == compact(text)
