"""A document's identity is its resolved path: the directory an ingest starts in changes nothing."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
from pathlib import Path

from ingest.catalog import Catalog
from ingest.pipeline import ingest, source_path
from ingest.settings import Settings
from ingest.vectors import VectorIndex
from tests.conftest import CORPUS, ROOT
from tests.support.cli import last_report, run_govqa

SAMPLES = ["kalasin-raw.txt", "solo-street-vendors.md", "paris-participatory-budget.md"]


def _corpus(root: Path) -> Path:
    corpus = root / "corpus"
    (corpus / "more").mkdir(parents=True)
    shutil.copyfile(CORPUS / SAMPLES[0], corpus / SAMPLES[0])
    for name in SAMPLES[1:]:
        shutil.copyfile(CORPUS / name, corpus / "more" / name)
    return corpus


def _statuses(index_dir: Path) -> dict[str, str]:
    return {Path(f["path"]).name: f["status"] for f in last_report(index_dir)["files"]}


def test_ingest_from_three_directories_stores_each_file_once(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    index = tmp_path / "index"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    first = run_govqa("ingest", os.path.relpath(corpus, ROOT), "--index-dir", str(index), cwd=ROOT)
    assert first.returncode == 0, first.stderr
    assert _statuses(index) == dict.fromkeys(SAMPLES, "added")

    second = run_govqa("ingest", str(corpus), "--index-dir", str(index), cwd=Path("/"))
    assert second.returncode == 0, second.stderr
    assert _statuses(index) == dict.fromkeys(SAMPLES, "unchanged")
    assert last_report(index)["totals"]["embedded"] == 0

    third = run_govqa("ingest", "../corpus", "--sync", "--index-dir", str(index), cwd=elsewhere)
    assert third.returncode == 0, third.stderr
    assert _statuses(index) == dict.fromkeys(SAMPLES, "unchanged")

    catalog = Catalog(index / "catalog.sqlite")
    try:
        sources = sorted(catalog.sources().values())
    finally:
        catalog.close()
    assert sources == sorted(str(p.resolve()) for p in corpus.rglob("*") if p.is_file())


def _old_document_id(shown: str) -> str:
    """The id the scheme before resolved-path identity gave a file shown as `shown`."""
    stem = re.sub(r"[^a-z0-9]+", "-", Path(shown).stem.lower()).strip("-")[:40] or "doc"
    return f"{stem}-{hashlib.sha1(shown.encode()).hexdigest()[:8]}"


def _make_legacy(catalog_path: Path) -> None:
    """Rewrite a catalog as the old scheme left it: ids from the shown path, no `source`."""
    db = sqlite3.connect(catalog_path)
    with db:
        for doc_id, shown in db.execute("SELECT doc_id, path FROM documents").fetchall():
            old = _old_document_id(shown)
            db.execute("UPDATE documents SET doc_id=? WHERE doc_id=?", (old, doc_id))
            db.execute("UPDATE chunks SET doc_id=? WHERE doc_id=?", (old, doc_id))
        db.execute("ALTER TABLE documents DROP COLUMN source")
    db.close()


def test_a_catalog_of_the_old_scheme_keeps_no_duplicates(tmp_path: Path, monkeypatch) -> None:
    corpus = _corpus(tmp_path)
    settings = Settings(index_dir=tmp_path / "index")
    monkeypatch.chdir(tmp_path)
    ingest([Path("corpus")], settings)
    _make_legacy(settings.catalog_path)
    legacy = Catalog(settings.catalog_path)
    legacy_ids = set(legacy.paths())
    legacy.close()

    monkeypatch.chdir("/")  # the same files by absolute path, from another directory
    report = ingest([corpus], settings, sync=True)

    assert {Path(f.path).name: f.status for f in report.files} == dict.fromkeys(SAMPLES, "updated")
    catalog = Catalog(settings.catalog_path)
    try:
        assert not legacy_ids & set(catalog.paths())
        assert sorted(catalog.sources().values()) == sorted(
            str(source_path(p)) for p in corpus.rglob("*") if p.is_file()
        )
        index = VectorIndex(settings, owner=catalog.identity())
        assert index.all_ids() == catalog.chunk_ids(), "vectors of the old ids were kept"
    finally:
        catalog.close()
    again = ingest([corpus], settings)
    assert {f.status for f in again.files} == {"unchanged"} and again.embedded == 0
