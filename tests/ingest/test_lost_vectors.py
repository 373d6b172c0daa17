"""A vector store that lost its vectors while the catalog still holds the passages (its
directory deleted, or vectors deleted from it) is noticed when a command starts, with one
warning line, and `govqa ingest` re-embeds exactly the missing passages: files are unchanged,
so nothing else would bring them back. Each dense channel has its own collection (MiniLM's,
and the multilingual channel's `-use` one); losing vectors from either is found and mended.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.catalog import Catalog
from ingest.channels import multilingual_index
from ingest.settings import Settings
from ingest.vectors import VectorIndex
from tests.support.cli import run_govqa
from tests.support.corpus import write_corpus
from tests.support.index import ingest_and_derive

QUESTION = "How did residents of Zorbania take part?"


def lose_vectors(settings: Settings, how: str) -> tuple[int, int]:
    """Delete the whole Chroma directory, or two vectors of one channel through Chroma
    itself; returns (passages without a vector in the channels that lost any, passages)."""
    catalog = Catalog(settings.catalog_path)
    try:
        ids = sorted(catalog.chunk_ids())
        if how == "directory deleted":
            shutil.rmtree(settings.chroma_dir)
            return len(ids), len(ids)
        index = (
            multilingual_index(settings, catalog=catalog)
            if how == "two multilingual vectors deleted"
            else VectorIndex(settings, catalog=catalog)
        )
        with index:
            index.delete(ids[:2])
        return 2, len(ids)
    finally:
        catalog.close()


def stored_ids(settings: Settings) -> tuple[set[str], set[str], set[str]]:
    """(the catalog's passages, MiniLM's ids, the multilingual channel's ids)."""
    catalog = Catalog(settings.catalog_path)
    try:
        with (
            VectorIndex(settings, catalog=catalog) as minilm,
            multilingual_index(settings, catalog=catalog) as use,
        ):
            return catalog.chunk_ids(), minilm.all_ids(), use.all_ids()
    finally:
        catalog.close()


# (how, what the warning says is missing, who still finds those passages, the ingest's note)
CASES = [
    ("directory deleted", "{lost} of {total} passages have no vector", "keywords", "vector"),
    (
        "two vectors deleted",
        "{lost} of {total} passages have no MiniLM vector",
        "multilingual (USE) and keywords",
        "MiniLM vector",
    ),
    (
        "two multilingual vectors deleted",
        "{lost} of {total} passages have no multilingual (USE) vector",
        "MiniLM and keywords",
        "multilingual (USE) vector",
    ),
]


@pytest.mark.parametrize(("how", "missing", "readers", "noted"), CASES, ids=[c[0] for c in CASES])
def test_lost_vectors_are_reported_and_reembedded(
    tmp_path: Path, how: str, missing: str, readers: str, noted: str
) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    settings = Settings(index_dir=tmp_path / "idx", corpus_dir=corpus)
    assert not ingest_and_derive([corpus], settings).skipped
    lost, total = lose_vectors(settings, how)

    asked = run_govqa("ask", QUESTION, "--index-dir", "idx", cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert "[1]" in asked.stdout  # still answers, by the channels left
    assert asked.stderr.strip().splitlines() == [
        f"warning: idx/chroma: {missing.format(lost=lost, total=total)} (was the vector store "
        f"deleted or emptied?); answers find them by {readers} only until 'govqa ingest' "
        "re-embeds them"
    ]

    ingested = run_govqa("ingest", "corpus", "--index-dir", "idx", cwd=tmp_path)
    assert ingested.returncode == 0, ingested.stderr
    assert "2 unchanged" in ingested.stdout
    assert (
        f"note: {lost} of {total} passages had no {noted} in the vector store "
        "(deleted or emptied?): re-embedded"
    ) in ingested.stdout.splitlines()
    committed, minilm, use = stored_ids(settings)
    assert minilm == committed and use == committed

    again = run_govqa("ask", QUESTION, "--index-dir", "idx", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stderr.strip() == ""  # the store holds a vector for every passage again
    assert "[1]" in again.stdout


def test_reembedded_vectors_are_each_channels_own(tmp_path: Path) -> None:
    """A re-embedded passage gets the vector its own channel's model gives it (MiniLM's
    384 or USE's 512 dimensions), as a fresh ingest would have stored."""
    from ingest.channels import open_channels
    from ingest.pipeline import ingest

    corpus = write_corpus(tmp_path / "corpus")
    settings = Settings(index_dir=tmp_path / "idx", corpus_dir=corpus)
    assert not ingest_and_derive([corpus], settings).skipped
    catalog = Catalog(settings.catalog_path)
    try:
        ids = sorted(catalog.chunk_ids())[:3]
        channels = open_channels(settings, catalog)
        before = {c.name: c.index.embeddings_for(ids) for c in channels}
        for channel in channels:
            channel.index.close()
    finally:
        catalog.close()
    shutil.rmtree(settings.chroma_dir)

    report = ingest([corpus], settings)

    assert any("re-embedded" in notice for notice in report.notices), report.notices
    catalog = Catalog(settings.catalog_path)
    try:
        channels = open_channels(settings, catalog)
        for channel in channels:
            after = channel.index.embeddings_for(ids)
            channel.index.close()
            assert set(after) == set(ids)
            for i in ids:
                assert after[i].shape == before[channel.name][i].shape
                assert float(after[i] @ before[channel.name][i]) > 0.999, (channel.name, i)
    finally:
        catalog.close()
