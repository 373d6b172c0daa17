"""The SQLite catalog on a real file: atomic replacement, versions, identity, typed rows."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from pathlib import Path

import pytest

from ingest.catalog import Catalog
from ingest.records import Chunk, DroppedLine, RepairedLine
from tests.support.documents import make_document

FIRST = ["Volunteers visited elderly residents weekly.", "The network grew to twelve villages."]
SECOND = ["The hospital trained the volunteers.", "Visits fell after the budget was cut."]


@pytest.fixture
def catalog(tmp_path: Path):
    catalog = Catalog(tmp_path / "index" / "catalog.sqlite")
    yield catalog
    catalog.close()


def test_commit_replaces_a_documents_rows(catalog: Catalog) -> None:
    catalog.commit_document(make_document("kalasin", FIRST))
    catalog.commit_document(make_document("kalasin", SECOND, sha256="v2"))
    stored = catalog.chunks(catalog.chunk_ids("kalasin"))
    assert sorted(c.text for c in stored.values()) == sorted(SECOND)
    assert catalog.hashes() == {"kalasin": "v2"}
    assert [d.chunks for d in catalog.documents()] == [2]


def test_a_failed_commit_leaves_the_old_rows(catalog: Catalog) -> None:
    catalog.commit_document(make_document("kalasin", FIRST))
    before = (catalog.chunk_ids(), catalog.hashes(), catalog.version())
    broken = make_document("kalasin", SECOND, sha256="v2")
    broken.chunks[1] = dataclasses.replace(broken.chunks[1], page=object())  # cannot bind
    with pytest.raises(sqlite3.Error):
        catalog.commit_document(broken)
    assert (catalog.chunk_ids(), catalog.hashes(), catalog.version()) == before
    catalog.commit_document(make_document("other", SECOND))  # the lock and connection recovered
    assert set(catalog.paths()) == {"kalasin", "other"}


def test_commit_removes_the_documents_it_replaces_in_one_transaction(catalog: Catalog) -> None:
    catalog.commit_document(make_document("old-id", FIRST))
    catalog.commit_document(make_document("new-id", FIRST), replaces=["old-id"])
    assert set(catalog.paths()) == {"new-id"}
    assert {c.doc_id for c in catalog.all_chunks()} == {"new-id"}


def test_every_write_bumps_the_version(catalog: Catalog) -> None:
    assert catalog.version() == 0
    catalog.commit_document(make_document("kalasin", FIRST))
    catalog.commit_document(make_document("solo", SECOND))
    assert catalog.version() == 2
    catalog.remove_document("solo")
    assert catalog.version() == 3
    assert set(catalog.paths()) == {"kalasin"} and catalog.chunk_ids("solo") == set()


def test_identity_is_made_once_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    first = Catalog(path)
    identity = first.identity()
    assert identity == first.identity() and len(identity) == 16
    first.close()
    again = Catalog(path)
    assert again.identity() == identity
    again.close()
    other = Catalog(tmp_path / "other.sqlite")
    assert other.identity() != identity
    other.close()


def test_stored_rows_come_back_typed(catalog: Catalog) -> None:
    doc = make_document("kalasin", FIRST)
    catalog.commit_document(doc)
    [stored] = catalog.documents()
    assert stored.dropped == doc.dropped and isinstance(stored.dropped[0], DroppedLine)
    assert stored.repaired == doc.repaired and isinstance(stored.repaired[0], RepairedLine)
    assert stored.interviews == doc.interviews
    assert (stored.path, stored.source, stored.metadata) == (doc.path, doc.source, doc.metadata)
    chunk = catalog.chunks([doc.chunks[0].id])[doc.chunks[0].id]
    assert chunk.path == doc.path and chunk.metadata.place == "Kalasin"
    fields = [f.name for f in dataclasses.fields(Chunk)]
    assert [getattr(chunk, f) for f in fields] == [getattr(doc.chunks[0], f) for f in fields]


def test_reads_from_other_threads_never_see_half_a_commit(catalog: Catalog) -> None:
    """One connection serves the chat's threads: a read must not run inside a commit's
    transaction, where a document can have lost its chunks and not yet got the new ones."""
    catalog.commit_document(make_document("doc0", FIRST))
    problems: list[str] = []

    def read() -> None:
        known: set[str] = set()
        for _ in range(300):
            docs = catalog.documents()
            problems.extend(f"{d.doc_id}: {d.chunks} chunks" for d in docs if d.chunks != 2)
            if known - {d.doc_id for d in docs}:
                problems.append(f"documents vanished: {sorted(known)}")
            known |= {d.doc_id for d in docs}

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    for n in range(150):
        catalog.commit_document(make_document(f"doc{n % 4}", FIRST if n % 2 else SECOND))
    for thread in readers:
        thread.join()
    assert not problems, problems[:3]


def old_catalog(tmp_path: Path) -> Path:
    """A catalog of one document as written before the provenance columns, checkpointed
    (the whole database in the file, none in the write-ahead log)."""
    path = tmp_path / "catalog.sqlite"
    old = Catalog(path)
    old.commit_document(make_document("kalasin", FIRST))
    old.close()
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE documents DROP COLUMN provenance")
    db.execute("ALTER TABLE documents DROP COLUMN lookalike_of")
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


def test_an_old_catalog_migrated_meanwhile_by_another_process_opens(tmp_path, monkeypatch):
    """A chat and an ingest opening one catalog written before the provenance columns: the
    second sees them missing, the first adds them, and the second must still open (adding
    a column twice is an error), with the rows and the added columns read back."""
    path = old_catalog(tmp_path)

    real = Catalog._columns
    checks: list[set[str]] = []

    def checked_then_migrated_elsewhere(self: Catalog) -> set[str]:
        columns = real(self)
        if not checks:
            checks.append(columns)
            Catalog(path).close()  # the other process, between this check and the ALTER
        return columns

    monkeypatch.setattr(Catalog, "_columns", checked_then_migrated_elsewhere)
    catalog = Catalog(path)
    try:
        assert not {"provenance", "lookalike_of"} & checks[0]  # this one did see them missing
        [doc] = catalog.documents()
        assert doc.provenance.origin == "" and doc.lookalike_of == []
        assert set(catalog.chunk_ids()) == set(catalog.chunk_ids("kalasin"))
    finally:
        catalog.close()


def test_an_old_catalog_opened_read_only_reads_the_new_columns_as_not_recorded(tmp_path):
    """A read-only index (ingest.catalog.index_read_only) written before the provenance
    columns cannot be migrated; it must still be read, each missing column as its default,
    and not a byte of the file may change."""
    path = old_catalog(tmp_path)
    before = path.read_bytes()

    catalog = Catalog(path, read_only=True)
    try:
        [doc] = catalog.documents()
        assert doc.provenance.origin == "" and doc.lookalike_of == []
        chunks = list(catalog.all_chunks())
        assert [c.provenance.origin for c in chunks] == ["", ""]
        assert catalog.resemblances()["kalasin"][2] == []
    finally:
        catalog.close()
    assert path.read_bytes() == before
    columns = {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(documents)")}
    assert not {"provenance", "lookalike_of"} & columns


def test_pinned_counters_are_read_once_until_this_thread_writes(tmp_path: Path) -> None:
    """Inside `pinned` a thread reads every counter in one query and keeps it: another
    process's commit shows after the block (or on another thread), and this thread's own
    write shows at once."""
    path = tmp_path / "index" / "catalog.sqlite"
    reader, writer = Catalog(path), Catalog(path)
    try:
        writer.commit_document(make_document("kalasin", FIRST))
        start = reader.version()
        with reader.pinned():
            assert reader.version() == start
            writer.commit_document(make_document("solo", SECOND))
            assert reader.version() == start  # pinned
            seen: list[int] = []
            other = threading.Thread(target=lambda: seen.append(reader.version()))
            other.start()
            other.join()
            assert seen == [start + 1]  # another thread is not pinned
            reader.put_derived("card", {"x": ("sig", "{}")})
            assert reader.version() == start + 1  # its own write unpins it
        assert reader.version() == start + 1
    finally:
        reader.close()
        writer.close()
