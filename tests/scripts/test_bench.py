"""The benchmark's index cache: what makes a cached index stale, and the real corpus's folders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

# bench.py imports its sibling scripts as top-level modules, as it does when run
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import bench
from ingest.settings import Settings


@pytest.fixture
def corpus(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nThe council met residents.\n")
    return [folder]


def test_fingerprint_follows_what_builds_the_index(
    corpus: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = bench.index_fingerprint(corpus, {"embed_backend": "onnx-int8"})
    assert base == bench.index_fingerprint(corpus, {"embed_backend": "onnx-int8"})
    # speed-only knobs leave the index as it is
    assert base == bench.index_fingerprint(
        corpus, {"embed_backend": "onnx-int8", "embed_batch_size": 8, "embed_window": 16}
    )
    changed = [
        bench.index_fingerprint(corpus, {"embed_backend": "torch"}),
        bench.index_fingerprint(corpus, {"embed_backend": "onnx-int8", "embed_model_path": "m"}),
        bench.index_fingerprint(
            corpus, {"embed_backend": "onnx-int8", "ingest_chunk_max_words": 120}
        ),
        bench.index_fingerprint(corpus, {"embed_backend": "onnx-int8", "cases_same_case": 0.5}),
        bench.index_fingerprint([*corpus, tmp_path], {"embed_backend": "onnx-int8"}),
    ]
    monkeypatch.setenv("GOVQA_INGEST_CLEAN_LANGUAGE_MIN_FIT", "-8")
    changed.append(bench.index_fingerprint(corpus, {"embed_backend": "onnx-int8"}))
    monkeypatch.delenv("GOVQA_INGEST_CLEAN_LANGUAGE_MIN_FIT")
    monkeypatch.setattr("ingest.pipeline.PIPELINE_VERSION", "test")
    changed.append(bench.index_fingerprint(corpus, {"embed_backend": "onnx-int8"}))
    monkeypatch.undo()
    monkeypatch.setattr("app.cards.CARD_VERSION", "test")
    changed.append(bench.index_fingerprint(corpus, {"embed_backend": "onnx-int8"}))
    assert all(fingerprint != base for fingerprint in changed)


def test_a_stale_index_is_emptied_and_a_current_one_kept(tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert not bench.claim_index_dir(index, {"v": 1})
    (index / "catalog.sqlite").write_text("built")
    assert bench.claim_index_dir(index, {"v": 1})
    assert (index / "catalog.sqlite").exists()
    assert not bench.claim_index_dir(index, {"v": 2})
    assert not (index / "catalog.sqlite").exists()
    assert json.loads((index / bench.INDEX_MARKER).read_text()) == {"v": 2}


def test_an_index_cached_without_a_marker_is_rebuilt(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    (index / "catalog.sqlite").write_text("built by an older bench")
    assert not bench.claim_index_dir(index, {"v": 1})
    assert not (index / "catalog.sqlite").exists()


def test_real_corpus_uses_the_folders_that_exist(tmp_path: Path) -> None:
    pages, reports = tmp_path / "pages", tmp_path / ".govqa-real" / "reports"
    pages.mkdir()
    for i in range(10):
        (pages / f"p{i}.html").write_text("<p>x</p>")
    paths, notes = bench.real_corpus([pages, reports], None)
    assert paths == [pages]
    assert len(notes) == 1 and str(reports) in notes[0]
    subset, _ = bench.real_corpus([pages], 3)
    assert [p.name for p in subset] == ["p0.html", "p3.html", "p6.html"]


def test_build_index_reuses_a_current_cache_and_rebuilds_a_stale_one(
    corpus: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    first = bench.build_index(corpus, index, {})
    assert not first["cached"] and first["embedded"] == first["chunks"] > 0
    again = bench.build_index(corpus, index, {})
    assert again["cached"] and again["embedded"] == 0
    monkeypatch.setattr("ingest.pipeline.PIPELINE_VERSION", "next")
    # Chroma keeps one client per path for the process, still reading the deleted files; a
    # bench run builds each index once, so only this test meets it
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    rebuilt = bench.build_index(corpus, index, {})
    assert not rebuilt["cached"] and rebuilt["embedded"] == first["chunks"]


def test_best_run_keeps_the_fastest_round_and_lists_every_round() -> None:
    runs = [
        {"chunks_per_s": 8.5, "seconds": 12.0},
        {"chunks_per_s": 11.2, "seconds": 9.1},
    ]
    best = bench.best_run(runs)
    assert best["seconds"] == 9.1
    assert best["rounds_chunks_per_s"] == [8.5, 11.2]
    assert "rounds_chunks_per_s" not in runs[1]


def test_a_real_index_cut_to_a_size_keeps_whole_documents(tmp_path: Path) -> None:
    from ingest.catalog import Catalog
    from tests.support.tiny import tiny_index

    settings = tiny_index(tmp_path)
    (settings.index_dir / bench.INDEX_MARKER).write_text(json.dumps({"v": 1}))
    catalog = Catalog(settings.catalog_path, read_only=True)
    try:
        counts = {d.doc_id: d.chunks for d in catalog.documents()}
    finally:
        catalog.close()
    cut = tmp_path / "cut"
    made = bench.real_subset(settings.index_dir, 1, cut, seed=0)
    assert not made["cached"]
    kept = Catalog(Settings(index_dir=cut).catalog_path, read_only=True)
    try:
        left = {d.doc_id: d.chunks for d in kept.documents()}
    finally:
        kept.close()
    assert len(left) == 1 and left.items() <= counts.items()  # one whole document
    assert made["chunks"] == sum(left.values())
    assert bench.real_subset(settings.index_dir, 1, cut, seed=0)["cached"]
    assert len(counts) == 3  # the full index is untouched


def test_stage_summary_counts_stages_a_question_skipped_as_zero() -> None:
    summary = bench.stage_summary([{"plan": 2.0, "related": 4.0}, {"plan": 4.0}])
    assert list(summary) == ["plan", "related"]
    assert summary["plan"]["mean"] == 3.0 and summary["plan"]["reached"] == 2
    assert summary["related"]["p50"] == 2.0 and summary["related"]["reached"] == 1
