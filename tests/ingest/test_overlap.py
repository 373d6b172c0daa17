"""Ingest overlaps its steps to use both cores: the next files are read on a worker thread
while the window before is embedded (`ingest.read_ahead`), and USE embeds beside MiniLM
(`embed.parallel_channels`). Neither may change what is stored, or in what order files are
reported, bad ones included."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ingest.catalog import Catalog
from ingest.channels import opened_channels
from ingest.pipeline import ingest
from ingest.settings import Settings
from tests.support.tiny import TINY


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    for name, text in TINY.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _stored(settings: Settings) -> tuple[dict[str, str], dict[str, dict[str, np.ndarray]]]:
    """(chunk id -> text, channel name -> chunk id -> vector) of an index."""
    catalog = Catalog(settings.catalog_path)
    try:
        ids = sorted(catalog.chunk_ids())
        texts = {c.id: c.text for c in catalog.chunks(ids).values()}
        with opened_channels(settings, catalog) as channels:
            return texts, {c.name: c.index.embeddings_for(ids) for c in channels}
    finally:
        catalog.close()


def test_reading_ahead_reports_every_file_in_its_place_and_stores_the_same(
    tmp_path: Path,
) -> None:
    corpus = _corpus(tmp_path / "corpus")
    (corpus / "m-broken.pdf").write_bytes(b"%PDF-1.4\nnot a real PDF\n")  # in the middle
    reports, stored = {}, {}
    for ahead in (0, 2):
        settings = Settings(index_dir=tmp_path / f"idx-{ahead}", ingest_read_ahead=ahead)
        report = ingest([corpus], settings)
        reports[ahead] = [(Path(f.path).name, f.status, f.chunks, f.reason) for f in report.files]
        stored[ahead] = _stored(settings)[0]
    assert sorted((name, status) for name, status, _, _ in reports[2]) == [
        ("hillcrest-schools.md", "added"),
        ("lakeside-water.md", "added"),
        ("m-broken.pdf", "skipped"),
        ("riverton-budget.md", "added"),
    ]
    assert reports[2] == reports[0]
    assert stored[2] == stored[0] and len(stored[0]) > 5


def test_channels_embedded_side_by_side_store_each_passage_its_own_vectors(
    tmp_path: Path,
) -> None:
    corpus = _corpus(tmp_path / "corpus")
    vectors = {}
    for parallel in (False, True):
        settings = Settings(
            index_dir=tmp_path / f"idx-{parallel}", embed_parallel_channels=parallel
        )
        assert not ingest([corpus], settings).skipped
        vectors[parallel] = _stored(settings)[1]
    for name in ("minilm", "use"):
        alone, beside = vectors[False][name], vectors[True][name]
        assert set(beside) == set(alone) and len(alone) > 5
        for chunk_id, vector in alone.items():
            # BLAS on one thread or two sums in another order: equal to float noise
            np.testing.assert_allclose(beside[chunk_id], vector, atol=1e-4)
