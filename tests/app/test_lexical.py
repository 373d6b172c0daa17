"""BM25 over chunk texts: stemmed English, Thai segmented, restricted to allowed ids."""

from __future__ import annotations

from app.lexical import LexicalIndex

IDS = ["budget", "water", "schools", "thai"]
TEXTS = [
    "Residents decided how the city budget was spent on playgrounds.",
    "Villages formed water boards that repaired wells.",
    "Every school had a council of parents and teachers.",
    "กองทุนสวัสดิการชุมชนช่วยเหลือผู้สูงอายุในหมู่บ้าน",
]


def test_the_passage_sharing_the_query_terms_ranks_first():
    index = LexicalIndex(IDS, TEXTS)
    hits = index.search("how were wells repaired", 4)
    assert hits[0][0] == "water" and hits[0][1] > 0
    assert all(score > 0 for _, score in hits)


def test_word_forms_match_through_stems():
    index = LexicalIndex(IDS, TEXTS)
    assert index.search("budgets spending", 4)[0][0] == "budget"
    assert index.search("schools councils", 4)[0][0] == "schools"


def test_thai_is_segmented_into_words():
    index = LexicalIndex(IDS, TEXTS)
    assert index.search("ผู้สูงอายุ", 4)[0][0] == "thai"


def test_allowed_ids_restrict_the_results():
    index = LexicalIndex(IDS, TEXTS)
    assert index.search("water boards", 4, allowed={"budget", "schools"}) == []
    assert [i for i, _ in index.search("water boards", 4, allowed={"water"})] == ["water"]


def test_nothing_matches_unknown_words_or_an_empty_index():
    assert LexicalIndex(IDS, TEXTS).search("zeppelin", 4) == []
    assert LexicalIndex([], []).search("water", 4) == []
