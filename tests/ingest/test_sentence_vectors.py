"""Sentence vectors kept at ingest: pooled in the passage's own model pass, stored per
chunk, dropped with it, filled in for an index built before they were kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from ingest.catalog import Catalog
from ingest.embed import Embedder
from ingest.pipeline import ingest
from ingest.settings import Settings
from ingest.text import passage_sentences
from tests.support.tiny import tiny_index

PASSAGE = (
    "Residents of the district met every month. They chose which roads to repair first.\n\n"
    "The council published each decision within a week."
)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder.from_settings(Settings(embed_batch_size=2), threads=1)


def test_in_context_vectors_come_from_the_passage_pass(embedder: Embedder) -> None:
    texts = [PASSAGE, "A short passage. With two sentences."]
    spans = [passage_sentences(t) for t in texts]
    vectors, per_sentence = embedder.embed_in_context(texts, spans)
    # the passages' own vectors are exactly what embed gives
    assert np.allclose(vectors, embedder.embed(texts), atol=1e-5)
    assert [len(p) for p in per_sentence] == [3, 2]
    for rows in per_sentence:
        assert np.isfinite(rows).all()
        assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    # read in its passage, a sentence is near its own embedding, not equal to it
    alone = embedder.embed([PASSAGE[a:b] for a, b in spans[0]])
    cosines = np.sum(alone * per_sentence[0], axis=1)
    assert (cosines > 0.5).all() and (cosines < 0.9999).all(), cosines
    # and nearer its own sentence than the passage's others
    assert (np.argmax(per_sentence[0] @ alone.T, axis=1) == np.arange(3)).all()


def test_a_sentence_past_the_models_window_has_no_vector(embedder: Embedder) -> None:
    long = " ".join(f"Sentence number {i} is about the budget." for i in range(80))
    spans = passage_sentences(long)
    _, (rows,) = embedder.embed_in_context([long], [spans])
    assert np.isfinite(rows[0]).all()
    assert np.isnan(rows[-1]).all()  # MiniLM reads 256 tokens: the 80th sentence is past them


def _rows(settings: Settings) -> dict[str, int]:
    with sqlite3.connect(settings.catalog_path) as db:
        rows = db.execute("SELECT chunk_id, length(spans) FROM sentence_vectors").fetchall()
    return {chunk_id: size // 8 for chunk_id, size in rows}


def test_ingest_keeps_every_passages_sentence_vectors(tmp_path: Path) -> None:
    settings = tiny_index(tmp_path)
    catalog = Catalog(settings.catalog_path)
    try:
        chunks = {c.id: c for c in catalog.all_chunks()}
        assert set(_rows(settings)) == set(chunks)
        stored = catalog.sentence_vectors(list(chunks))
    finally:
        catalog.close()
    for chunk_id, chunk in chunks.items():
        assert set(stored[chunk_id]) == set(passage_sentences(chunk.text))
    # the same files again: nothing embedded, no row changed
    before = _rows(settings)
    report = ingest([settings.corpus_dir], settings)
    assert report.embedded == 0 and _rows(settings) == before
    # a removed file's passages take their rows with them
    removed = sorted(settings.corpus_dir.iterdir())[0]
    removed.unlink()
    ingest([settings.corpus_dir], settings, sync=True)
    catalog = Catalog(settings.catalog_path)
    try:
        assert set(_rows(settings)) == catalog.chunk_ids()
    finally:
        catalog.close()


def test_an_index_without_them_gets_them_from_the_next_ingest(tmp_path: Path) -> None:
    settings = tiny_index(tmp_path)
    full = _rows(settings)
    with sqlite3.connect(settings.catalog_path) as db:
        db.execute("DROP TABLE sentence_vectors")  # as an index built before the table
    catalog = Catalog(settings.catalog_path, read_only=True)
    try:
        assert catalog.sentence_vectors(list(full)) == {}  # read, it is simply absent
    finally:
        catalog.close()
    report = ingest([settings.corpus_dir], settings)
    assert report.embedded == 0
    assert any(f"{len(full)} passages" in n and "sentence vectors" in n for n in report.notices)
    assert _rows(settings) == full
    report = ingest([settings.corpus_dir], settings)
    assert not any("sentence vectors" in n for n in report.notices)


def test_a_passage_with_no_sentence_vector_kept_reads_back_empty(tmp_path: Path) -> None:
    """The torch backend pools no spans (every row NaN), so each of its passages is stored
    as read with none kept; an answer over such an index embeds those sentences itself
    (reading the empty row once crashed every answer of a torch-built index)."""
    catalog = Catalog(tmp_path / "catalog.sqlite")
    try:
        spans = [(0, 10), (11, 20)]
        catalog.put_sentence_vectors(
            {
                "none-kept": (spans, np.full((2, 384), np.nan, dtype=np.float32)),
                "kept": (spans, np.ones((2, 384), dtype=np.float32) / np.sqrt(384)),
            }
        )
        stored = catalog.sentence_vectors(["none-kept", "kept"])
        assert catalog.unread_chunks({"none-kept", "kept", "new"}) == {"new"}
    finally:
        catalog.close()
    assert stored["none-kept"] == {}
    assert set(stored["kept"]) == set(spans)
