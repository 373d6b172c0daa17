"""BM25 over chunk texts: stemmed English, Thai segmented, restricted to allowed ids."""

from __future__ import annotations

from pathlib import Path

from app.lexical import LexicalIndex, lexical_index, lexical_key

IDS = ["budget", "water", "schools", "thai"]
TEXTS = [
    "Residents decided how the city budget was spent on playgrounds.",
    "Villages formed water boards that repaired wells.",
    "Every school had a council of parents and teachers.",
    "กองทุนสวัสดิการชุมชนช่วยเหลือผู้สูงอายุในหมู่บ้าน",
]


def test_the_passage_sharing_the_query_terms_ranks_first():
    index = LexicalIndex.build(IDS, TEXTS)
    hits = index.search("how were wells repaired", 4)
    assert hits[0][0] == "water" and hits[0][1] > 0
    assert all(score > 0 for _, score in hits)


def test_word_forms_match_through_stems():
    index = LexicalIndex.build(IDS, TEXTS)
    assert index.search("budgets spending", 4)[0][0] == "budget"
    assert index.search("schools councils", 4)[0][0] == "schools"


def test_thai_is_segmented_into_words():
    index = LexicalIndex.build(IDS, TEXTS)
    assert index.search("ผู้สูงอายุ", 4)[0][0] == "thai"


def test_allowed_ids_restrict_the_results():
    index = LexicalIndex.build(IDS, TEXTS)
    assert index.search("water boards", 4, allowed={"budget", "schools"}) == []
    assert [i for i, _ in index.search("water boards", 4, allowed={"water"})] == ["water"]


def test_nothing_matches_unknown_words_or_an_empty_index():
    assert LexicalIndex.build(IDS, TEXTS).search("zeppelin", 4) == []
    assert LexicalIndex.build([], []).search("water", 4) == []


QUERIES = ["city budget playgrounds", "water wells", "ผู้สูงอายุ", "zeppelin"]


def _same(a: LexicalIndex, b: LexicalIndex) -> None:
    assert a.ids == b.ids
    assert a.non_latin == b.non_latin
    for query in QUERIES:
        assert a.search(query, 4) == b.search(query, 4)
    terms = ["budget", "water", "zeppelin"]
    assert a.idf(terms) == b.idf(terms) and a.unseen(terms) == b.unseen(terms)


def test_a_saved_index_is_read_back_as_built(tmp_path: Path) -> None:
    built = lexical_index(IDS, TEXTS, tmp_path)
    saved = tmp_path / lexical_key(IDS)
    assert saved.is_dir()
    assert built.non_latin == {"thai"}
    _same(built, LexicalIndex.load(saved))
    # the next process reads it: texts it is not given cannot be tokenised into it
    _same(built, lexical_index(IDS, [""] * len(IDS), tmp_path))


def test_another_chunk_set_replaces_the_saved_index(tmp_path: Path) -> None:
    lexical_index(IDS, TEXTS, tmp_path)
    fewer = lexical_index(IDS[:2], TEXTS[:2], tmp_path)
    assert fewer.search("school council", 4) == []
    assert [p.name for p in tmp_path.iterdir()] == [lexical_key(IDS[:2])]


def test_a_damaged_saved_index_is_rebuilt(tmp_path: Path) -> None:
    lexical_index(IDS, TEXTS, tmp_path)
    (tmp_path / lexical_key(IDS) / "chunk_ids.json").write_text("{not json")
    _same(LexicalIndex.build(IDS, TEXTS), lexical_index(IDS, TEXTS, tmp_path))
    _same(LexicalIndex.build(IDS, TEXTS), LexicalIndex.load(tmp_path / lexical_key(IDS)))


def test_without_save_nothing_is_written(tmp_path: Path) -> None:
    lexical_index(IDS, TEXTS, tmp_path / "lexical", save=False)
    assert not (tmp_path / "lexical").exists()
