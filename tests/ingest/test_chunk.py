"""Chunks: sentence-aware, inside MiniLM's window, spans that point into the cleaned text."""

from __future__ import annotations

from ingest.catalog import Catalog
from ingest.text import split_sentences, word_count


def test_sentences_keep_initials_and_era_dates_whole():
    text = "He met Boonplem, C. Mayor of the town. It was B.E.2560. Then work began."
    spans = [text[s:e] for s, e in split_sentences(text)]
    assert spans[0] == "He met Boonplem, C. Mayor of the town."
    assert len(spans) == 3


def test_corpus_chunks_fit_the_model_and_map_back(corpus_settings):
    catalog = Catalog(corpus_settings.catalog_path)
    docs = {d.doc_id: d for d in catalog.documents()}
    chunks = list(catalog.all_chunks())
    assert len(chunks) > 200
    for chunk in chunks:
        assert word_count(chunk.text) <= corpus_settings.ingest.chunk_max_words
        assert docs[chunk.doc_id].text[chunk.start : chunk.end] == chunk.text
    sections = {c.section for c in chunks if c.path.endswith(".md")}
    assert {"Background", "Outcomes"} <= sections
