"""Comparison tables: one cited sentence per aspect and case, "not in the sources" below
the cell floor, card columns taken from the stored cards (tiny real index)."""

from __future__ import annotations

from app.compare import ASPECTS, compare_cases, is_comparison, question_aspect


def documents(engine):
    ids = sorted(d for d in engine.retriever.documents() if not d.startswith("hillcrest"))
    return ids, [engine.retriever.document_chunks(d) for d in ids]


def test_comparison_wording_and_the_question_s_own_point():
    assert is_comparison("Compare Lakeside and Riverton") and not is_comparison("Who led it?")
    assert question_aspect("compare and in the way residents were chosen") != ""
    assert question_aspect("compare and") == ""


def test_every_filled_cell_quotes_its_source_passage(tiny):
    ids, docs = documents(tiny)
    table, sources = compare_cases(
        docs, tiny.embedder, tiny.settings.cases, asked="who decided how money was spent"
    )
    assert [row.doc_id for row in table.rows] == ids
    assert table.aspects == ["on the question", *ASPECTS]
    by_n = {s.n: s for s in sources}
    assert [s.n for s in sources] == list(range(1, len(sources) + 1))
    filled = [c for row in table.rows for c in row.cells.values() if c.source]
    assert filled
    for row in table.rows:
        for cell in row.cells.values():
            if cell.source:
                source = by_n[cell.source]
                assert source.doc_id == row.doc_id
                assert any(
                    " ".join(source.passage[s:e].split()) == cell.text for s, e in source.spans
                )


def test_below_the_cell_floor_a_cell_is_not_in_the_sources(tiny):
    _, docs = documents(tiny)
    strict = tiny.settings.cases.model_copy(update={"cell_floor": 1.01})
    table, sources = compare_cases(docs, tiny.embedder, strict)
    assert sources == [] and all(not c.source for r in table.rows for c in r.cells.values())


def test_card_columns_are_the_stored_cards_fields(tiny):
    ids, docs = documents(tiny)
    cards = [tiny.cases.case_of(d) for d in ids]
    assert all(cards)
    table, sources = compare_cases(docs, tiny.embedder, tiny.settings.cases, cards=cards)
    by_n = {s.n: s for s in sources}
    for row, card in zip(table.rows, cards, strict=True):
        for name in ASPECTS:
            cell, field = row.cells[name], card.fields[name]
            assert cell.text == field.text
            if cell.source:
                assert by_n[cell.source].chunk_id == next(
                    s.chunk_id for s in card.sources if s.n == field.source
                )


def test_the_engine_compares_and_carries_each_case_s_evidence(tiny):
    answer = tiny.ask("Compare Lakeside and Riverton")
    assert answer.mode == "comparison" and len(answer.table.rows) == 2
    assert {ev.chunk.doc_id for ev in answer.evidence} == set(answer.focus)
    first = [ev.chunk.doc_id for ev in answer.evidence[:2]]
    assert first == answer.focus  # taken in turn, in the order named


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, embedder) -> None:
        self.embedder, self.texts = embedder, []

    def __getattr__(self, name):
        return getattr(self.embedder, name)

    def embed(self, texts):
        self.texts += texts
        return self.embedder.embed(texts)

    def embed_memo(self, texts):
        self.texts += texts
        return self.embedder.embed_memo(texts)


def test_the_question_s_column_reads_the_sentence_vectors_ingest_stored(tiny):
    """Embedding every sentence of the compared documents was most of a comparison's time
    (1-2 s on real reports): with the stored vectors only the question's point is embedded,
    and its column is still filled."""
    ids, docs = documents(tiny)
    cards = [tiny.cases.case_of(d) for d in ids]
    stored = tiny.retriever.sentence_vectors([c.id for chunks in docs for c in chunks])
    assert stored
    counting = CountingEmbedder(tiny.embedder)
    asked = "who decided how the money was spent"
    table, _ = compare_cases(
        docs, counting, tiny.settings.cases, asked=asked, cards=cards, in_context=stored
    )
    assert counting.texts == [asked]
    assert any(row.cells["on the question"].source for row in table.rows)
    counting.texts = []
    compare_cases(docs, counting, tiny.settings.cases, asked=asked, cards=cards)
    assert len(counting.texts) > 1  # without them, every candidate sentence is embedded
