"""Text facts shared by every step: sentences, words, stems, scripts, years, whitespace."""

import pytest

from ingest.text import (
    YEAR,
    be_to_ce,
    is_thai,
    normalize_space,
    sentence_spans,
    split_sentences,
    stems,
    tokenize,
    word_count,
)


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_abbreviations_and_buddhist_era_dates_do_not_end_a_sentence() -> None:
    text = "Dr. Somchai met O. Kachonrak on November 30, B.E.2560. The network grew."
    assert _sentences(text) == [
        "Dr. Somchai met O. Kachonrak on November 30, B.E.2560.",
        "The network grew.",
    ]


def test_a_paragraph_break_always_ends_a_sentence() -> None:
    text = "Residents voted on priorities\nin assemblies\n\nThe council agreed"
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Residents voted on priorities\nin assemblies",
        "The council agreed",
    ]


def test_thai_sentences_end_at_a_space_between_thai_words() -> None:
    assert len(_sentences("เทศบาลจัดตั้งเครือข่าย ชุมชนร่วมมือกัน")) == 2


def test_thai_words_count_by_length_for_the_chunk_budget() -> None:
    assert word_count("two words") == 2
    assert word_count("ก" * 40) == 1 + 10


def test_is_thai_means_mostly_thai_letters() -> None:
    assert is_thai("เครือข่ายของเทศบาลกาฬสินธุ์ประสบความสำเร็จได้อย่างไร")
    assert not is_thai("What did the เทศบาล network do in Kalasin?")
    assert not is_thai("2560")


def test_stems_join_word_forms_and_drop_stop_words() -> None:
    assert stems("budgets") & stems("budgeting")
    assert not stems("the and of")
    assert "budget" in tokenize("The budgets")


def test_memoised_stems_cannot_be_changed_by_a_caller() -> None:
    """`stems` keeps its results for the next step of an answer: one a caller could change
    in place would change every later answer that reads the same sentence."""
    terms = stems("Residents voted on the budget")
    assert terms is stems("Residents voted on the budget")
    with pytest.raises(AttributeError):
        terms.add("extra")  # type: ignore[attr-defined]
    assert terms - {"budge"} == stems("Residents voted on the")


def test_words_with_accents_are_one_term_and_meet_their_plain_spelling() -> None:
    # an ASCII-only word pattern read "Gdańsk" as "gda" + "sk", so a question naming a city
    # the corpus never mentions found "sk" everywhere and no gap
    assert tokenize("Gdańsk") == tokenize("Gdansk") == ["gdansk"]
    assert tokenize("Düsseldorfer Bürgerhaushalt") == tokenize("Dusseldorfer Burgerhaushalt")
    assert len(tokenize("São Paulo")) == 2 and len(tokenize("Москва")) == 1
    # a decomposed accent (e + U+0301) is part of its letter, not a word break
    assert tokenize("e\u0301te\u0301") == tokenize("été")
    assert "o'brien" in tokenize("O’Brien") and "well-known" in tokenize("well-known")


def test_thai_is_segmented_into_words() -> None:
    terms = tokenize("เครือข่ายชุมชน")
    assert len(terms) >= 2 and "".join(terms) == "เครือข่ายชุมชน"


def test_years_and_buddhist_era() -> None:
    assert YEAR.findall("from 1989 to 2004, B.E. 2560") == ["1989", "2004"]
    assert be_to_ce(2560) == 2017 and be_to_ce(2017) == 2017


def test_normalize_space() -> None:
    assert normalize_space("  a\n b\t\tc ") == "a b c"
