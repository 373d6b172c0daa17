"""A vector store that lost its vectors while the catalog still holds the passages (its
directory deleted, or vectors deleted from it) is noticed when a command starts, with one
warning line, and `govqa ingest` re-embeds exactly the missing passages: files are unchanged,
so nothing else would bring them back.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.catalog import Catalog
from ingest.settings import Settings
from ingest.vectors import VectorIndex
from tests.support.cli import run_govqa
from tests.support.corpus import write_corpus
from tests.support.index import ingest_and_derive

QUESTION = "How did residents of Zorbania take part?"


def lose_vectors(settings: Settings, how: str) -> tuple[int, int]:
    """Delete the whole Chroma directory, or two vectors through Chroma itself; returns
    (passages without a vector, passages)."""
    catalog = Catalog(settings.catalog_path)
    try:
        ids, owner = sorted(catalog.chunk_ids()), catalog.identity()
    finally:
        catalog.close()
    if how == "directory deleted":
        shutil.rmtree(settings.chroma_dir)
        return len(ids), len(ids)
    VectorIndex(settings, owner=owner).delete(ids[:2])
    return 2, len(ids)


@pytest.mark.parametrize("how", ["directory deleted", "two vectors deleted"])
def test_lost_vectors_are_reported_and_reembedded(tmp_path: Path, how: str) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    settings = Settings(index_dir=tmp_path / "idx", corpus_dir=corpus)
    assert not ingest_and_derive([corpus], settings).skipped
    lost, total = lose_vectors(settings, how)

    asked = run_govqa("ask", QUESTION, "--index-dir", "idx", cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert "[1]" in asked.stdout  # still answers, by keywords
    assert asked.stderr.strip().splitlines() == [
        f"warning: idx/chroma: {lost} of {total} passages have no vector (was the vector store "
        "deleted or emptied?); answers find them by keywords only until 'govqa ingest' "
        "re-embeds them"
    ]

    ingested = run_govqa("ingest", "corpus", "--index-dir", "idx", cwd=tmp_path)
    assert ingested.returncode == 0, ingested.stderr
    assert "2 unchanged" in ingested.stdout
    assert (
        f"note: {lost} of {total} passages had no vector in the vector store "
        "(deleted or emptied?): re-embedded"
    ) in ingested.stdout.splitlines()

    again = run_govqa("ask", QUESTION, "--index-dir", "idx", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stderr.strip() == ""  # the store holds a vector for every passage again
    assert "[1]" in again.stdout
