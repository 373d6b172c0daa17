"""The SQLite catalog: the index's commit point for documents and their chunks.

Chroma and a docstore cannot be written in one transaction, so the catalog decides what is
in the index. A file's vectors are upserted first (content-hash ids, so a repeat overwrites),
then its catalog rows are replaced in one SQLite transaction, then its stale vectors are
deleted. Readers only trust vectors whose id is in the catalog, so a process killed at any
moment leaves each file wholly old or wholly new; the next run sweeps orphan vectors. Each of
those vector writes is counted here too (`vectors_version`): readers in other processes
reopen an embedded Chroma client that has not seen the last one (see `ingest.vectors`).

One connection serves every thread of a process (the chat's workers read while an upload
ingests), so every statement on it, read or write, runs under one lock; writes go through
`_transaction`, the only place a transaction is opened.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from urllib.parse import quote

from ingest.derived import DERIVED_SCHEMA, DerivedRecords
from ingest.records import (
    DocMetadata,
    Document,
    DroppedLine,
    Interview,
    Provenance,
    RepairedLine,
    StoredChunk,
    StoredDocument,
)
from ingest.sentence_vectors import SENTENCE_SCHEMA, SentenceVectorRecords
from ingest.settings import Settings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    metadata TEXT NOT NULL,
    text TEXT NOT NULL,
    dropped TEXT NOT NULL,
    repaired TEXT NOT NULL,
    interviews TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    provenance TEXT NOT NULL DEFAULT '{}',
    lookalike_of TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id),
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    page INTEGER,
    section TEXT NOT NULL,
    interviews TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

# Columns added after the first release, each with the default an older catalog reads as
# ("not recorded"): a writer adds them in place (so an index written before keeps working
# and nothing is re-embedded), a read-only reader sees them through a view (`_read_as_new`).
_ADDED_COLUMNS = {
    "source": "''",  # identity from the resolved path
    "provenance": "'{}'",  # Provenance(): origin unknown
    "lookalike_of": "'[]'",
}
_DOCUMENT_COLUMNS = (
    "doc_id, path, source, format, sha256, metadata, text, dropped, repaired, interviews, "
    "provenance, lookalike_of"
)
_CHUNK_SELECT = (
    'SELECT c.id, c.doc_id, c.ordinal, c.text, c.start, c."end", c.page, c.section, '
    "c.interviews, d.path, d.metadata, d.provenance, d.lookalike_of "
    "FROM chunks c JOIN documents d USING (doc_id)"
)
_QUERY_IDS = 500  # ids per `IN (...)` query: well under SQLite's bound-parameter limit


def _json_list(items: Iterable[object]) -> str:
    """Records as a JSON list: dataclasses by their fields, pydantic models by theirs."""
    return json.dumps(
        [i.model_dump() if hasattr(i, "model_dump") else asdict(i) for i in items],
        ensure_ascii=False,
    )


class IndexReadOnly(Exception):
    """The index may only be read: ingest, uploads and feedback refuse, with this line."""


def index_read_only(settings: Settings) -> str:
    """Why the index in `settings.index_dir` must only be read ('' when it may be written):
    `settings.read_only`, or a part of it this process cannot write (a read-only mount,
    another user's files; os.access, so root on a writable disk may write)."""
    if settings.read_only:
        return "--read-only or GOVQA_READ_ONLY is set"
    parts = [settings.index_dir, settings.catalog_path, settings.chroma_dir]
    for path in [*parts, settings.chroma_dir / "chroma.sqlite3"]:
        if path.exists() and not os.access(path, os.W_OK):
            return f"{path} is not writable"
    return ""


def refuse_writes(settings: Settings, what: str) -> None:
    """Raise IndexReadOnly, naming `what` was refused, when the index may only be read."""
    if reason := index_read_only(settings):
        raise IndexReadOnly(
            f"{settings.index_dir}: the index is read-only ({reason}); {what} needs to write "
            "it (ask and chat still read it)"
        )


class CatalogDamaged(Exception):
    """The catalog file is not a sound SQLite database (garbage bytes, a torn copy)."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        detail = " ".join(detail.split())  # SQLite's reports run over several lines
        super().__init__(
            f"{path}: the catalog is damaged ({detail}); build the index again from your "
            f"files with 'govqa ingest --rebuild [PATHS]', or delete {path.parent} and ingest"
        )


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """SQLite's own verdict: SQLITE_CORRUPT (and its extended codes) or SQLITE_NOTADB.
    A locked or read-only database is an OperationalError with another code."""
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith("SQLITE_CORRUPT") or name == "SQLITE_NOTADB"


@contextmanager
def _damage_as(path: Path) -> Iterator[None]:
    """Raise CatalogDamaged for a damaged file, whichever statement first meets it."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if not _is_damage(exc):
            raise
        raise CatalogDamaged(path, str(exc)) from exc


class Catalog(DerivedRecords, SentenceVectorRecords):
    """SQLite record of committed documents and chunks; one transaction per file.

    The derived-records table (`ingest.derived`) and the sentence vectors
    (`ingest.sentence_vectors`) live on the same connection, so their writes take the same
    lock and transactions as the documents they were derived from.
    A damaged file raises CatalogDamaged: at open (SQLite's quick_check, 0.05 s on a
    15k-passage catalog), or from the statement that meets the damage.

    `read_only` opens the file for reading only and writes nothing next to it (no schema
    update); a write raises IndexReadOnly.
    """

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path, self.read_only = path, read_only
        self._lock = threading.Lock()
        self._pins = threading.local()  # this thread's `pinned` state rows, if any
        self._db: sqlite3.Connection | None = None
        try:
            with _damage_as(path):
                self._db = self._connect()
                self._open()
        except BaseException:
            if self._db is not None:
                self._db.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        options = {"check_same_thread": False, "isolation_level": None}
        if not self.read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return sqlite3.connect(self.path, **options)
        if not self.path.is_file():
            raise IndexReadOnly(f"{self.path}: no catalog to read (the index is read-only)")
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        db = sqlite3.connect(uri, uri=True, **options)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchall()
            return db
        except sqlite3.OperationalError:
            # a folder nobody may write: SQLite cannot make the WAL's shared-memory file
            # there, so read the file as immutable (commits left in a WAL that its writer
            # never checkpointed, a killed ingest's last ones, are then not seen)
            db.close()
            return sqlite3.connect(uri + "&immutable=1", uri=True, **options)

    def _open(self) -> None:
        if self.read_only:
            self._check()
            self._read_as_new()
            return
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._check()
        self._db.executescript(_SCHEMA + DERIVED_SCHEMA + SENTENCE_SCHEMA)
        if set(_ADDED_COLUMNS) - self._columns():
            self._migrate()

    def _columns(self) -> set[str]:
        return {row[1] for row in self._db.execute("PRAGMA table_info(documents)")}

    def _migrate(self) -> None:
        """Add the columns an older catalog lacks. The columns are read again inside the
        write transaction: a chat and an ingest opening one old catalog at once would
        otherwise both add a column, and the second would fail on a duplicate."""
        with self._transaction() as db:
            columns = self._columns()
            for name, default in _ADDED_COLUMNS.items():
                if name not in columns:
                    db.execute(
                        f"ALTER TABLE documents ADD COLUMN {name} TEXT NOT NULL DEFAULT {default}"
                    )

    def _read_as_new(self) -> None:
        """A read-only catalog written before some columns cannot be migrated: a temporary
        view of this connection alone (held in memory, nothing is written) shadows the
        table with each missing column read as its default, so every query reads the old
        catalog as a migrated one."""
        columns = self._columns()
        missing = [name for name in _ADDED_COLUMNS if name not in columns]
        if columns and missing:
            added = ", ".join(f"{_ADDED_COLUMNS[name]} AS {name}" for name in missing)
            self._db.execute(f"CREATE TEMP VIEW documents AS SELECT *, {added} FROM main.documents")

    def _check(self) -> None:
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check(1)")]
        if problems != ["ok"]:
            raise CatalogDamaged(self.path, problems[0] if problems else "quick_check failed")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT under the connection lock; any exception (a kill
        signal's KeyboardInterrupt too) rolls back, so no half-written file is committed."""
        if self.read_only:
            raise IndexReadOnly(f"{self.path}: the catalog is open read-only")
        self._pins.state = None  # this thread writes: what it pinned is no longer so
        with self._lock, _damage_as(self.path):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # a failed COMMIT may have rolled back already
                    self._db.execute("ROLLBACK")
                raise

    def _rows(self, sql: str, params: Iterable[object] = ()) -> list[tuple]:
        """Every row of one read, fetched under the lock (a cursor left open across threads
        would interleave with another thread's statements)."""
        with self._lock, _damage_as(self.path):
            return self._db.execute(sql, tuple(params)).fetchall()

    def _state(self, key: str) -> int:
        pinned = getattr(self._pins, "state", None)
        if pinned is not None:
            if not pinned:  # the first read inside `pinned`: every counter at once
                pinned.update(self._rows("SELECT key, value FROM state"))
                pinned[""] = 0  # read, even from a catalog with no counters yet
            return int(pinned.get(key, 0))
        rows = self._rows("SELECT value FROM state WHERE key=?", (key,))
        return int(rows[0][0]) if rows else 0

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Within it, this thread reads the catalog's counters (`version`,
        `vectors_version`, `derived_version`) once, all together, and sees them unchanged
        (until it writes itself): an answer checked them 15 times, each a query under the
        connection's lock, and now twice (once per step, app.engine). Never hold it across a
        generator's `yield`: the generator may resume on another thread."""
        outer = getattr(self._pins, "state", None)
        self._pins.state = {} if outer is None else outer
        try:
            yield
        finally:
            self._pins.state = outer

    @staticmethod
    def _bump(db: sqlite3.Connection, key: str) -> None:
        """Count a change of `key`'s records; called inside the writing transaction."""
        db.execute(
            "INSERT INTO state VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET value = value + 1",
            (key,),
        )

    def version(self) -> int:
        """Bumped by every commit, so caches built from the catalog know when to rebuild."""
        return self._state("version")

    def vectors_version(self) -> int:
        """Bumped after every write to the vector store (`ingest.vectors`), commit or not: an
        embedded Chroma client opened before the last bump may be stale and is reopened."""
        return self._state("vectors")

    def vectors_written(self) -> int:
        """Count one write to the vector store; returns the new `vectors_version`."""
        with self._transaction() as db:
            self._bump(db, "vectors")
            return int(db.execute("SELECT value FROM state WHERE key='vectors'").fetchone()[0])

    def identity(self) -> str:
        """A random id made when the catalog is first opened: it names the vector collection
        this catalog owns, so two indexes sharing a Chroma server cannot sweep each other.
        Read-only, an index that never recorded one has none ('')."""
        if self.read_only:
            rows = self._rows("SELECT value FROM state WHERE key='identity'")
            return f"{int(rows[0][0]):016x}" if rows else ""
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO state VALUES ('identity', ?)", (secrets.randbits(62),)
            )
            row = db.execute("SELECT value FROM state WHERE key='identity'").fetchone()
        return f"{int(row[0]):016x}"

    def hashes(self) -> dict[str, str]:
        return dict(self._rows("SELECT doc_id, sha256 FROM documents"))

    def paths(self) -> dict[str, str]:
        """doc_id -> the path shown for it."""
        return dict(self._rows("SELECT doc_id, path FROM documents"))

    def sources(self) -> dict[str, str]:
        """doc_id -> the resolved path it was made from ('' for a document committed
        before identity came from the resolved path)."""
        return dict(self._rows("SELECT doc_id, source FROM documents"))

    def resemblances(self) -> dict[str, tuple[DocMetadata, str, list[str]]]:
        """doc_id -> (metadata, shown path, lookalike_of): what deciding whether a new
        document copies an earlier one needs, without loading any text."""
        rows = self._rows("SELECT doc_id, metadata, path, lookalike_of FROM documents")
        return {r[0]: (DocMetadata.model_validate_json(r[1]), r[2], json.loads(r[3])) for r in rows}

    def text(self, doc_id: str) -> str:
        """A committed document's cleaned text ('' when there is none)."""
        rows = self._rows("SELECT text FROM documents WHERE doc_id=?", (doc_id,))
        return rows[0][0] if rows else ""

    def chunk_ids(self, doc_id: str | None = None) -> set[str]:
        if doc_id is None:
            return {r[0] for r in self._rows("SELECT id FROM chunks")}
        return {r[0] for r in self._rows("SELECT id FROM chunks WHERE doc_id=?", (doc_id,))}

    def chunk_count(self) -> int:
        return int(self._rows("SELECT COUNT(*) FROM chunks")[0][0])

    def commit_document(self, doc: Document, replaces: Iterable[str] = ()) -> None:
        """Replace a document and all its chunks atomically; documents in `replaces` (the
        same file stored under an older identity) go in the same transaction."""
        with self._transaction() as db:
            for old in {doc.doc_id, *replaces}:
                db.execute("DELETE FROM chunks WHERE doc_id=?", (old,))
                db.execute("DELETE FROM documents WHERE doc_id=?", (old,))
            db.execute(
                f"INSERT INTO documents ({_DOCUMENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    doc.doc_id,
                    doc.path,
                    doc.source,
                    doc.format,
                    doc.sha256,
                    doc.metadata.model_dump_json(),
                    doc.text,
                    _json_list(doc.dropped),
                    _json_list(doc.repaired),
                    _json_list(doc.interviews),
                    json.dumps(asdict(doc.provenance), ensure_ascii=False),
                    json.dumps(doc.lookalike_of),
                ),
            )
            db.executemany(
                "INSERT OR REPLACE INTO chunks VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        c.id,
                        c.doc_id,
                        c.ordinal,
                        c.text,
                        c.start,
                        c.end,
                        c.page,
                        c.section,
                        _json_list(c.interviews),
                    )
                    for c in doc.chunks
                ],
            )
            self._bump(db, "version")

    def set_metadata(self, changed: dict[str, DocMetadata]) -> int:
        """Replace the metadata of documents (doc_id -> metadata) in one transaction, their
        text, chunks and vectors untouched: a library entry changes what a document is
        called, never what it says, so nothing is re-embedded. Returns the rows changed."""
        if not changed:
            return 0
        with self._transaction() as db:
            count = 0
            for doc_id, meta in changed.items():
                cursor = db.execute(
                    "UPDATE documents SET metadata=? WHERE doc_id=?",
                    (meta.model_dump_json(), doc_id),
                )
                count += cursor.rowcount
            if count:
                self._bump(db, "version")
            return count

    def remove_document(self, doc_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
            self._bump(db, "version")

    @staticmethod
    def _chunk(row: tuple, documents: dict[str, tuple] | None = None) -> StoredChunk:
        """A chunk from a `_CHUNK_SELECT` row. With `documents` (doc id -> parsed document
        columns, filled here), a document's metadata, provenance and look-alikes are parsed
        once for all of its chunks, which then share those objects: read them, never change
        them (parsing them per chunk was a second of a cold start at 15k chunks)."""
        parsed = documents.get(row[1]) if documents is not None else None
        if parsed is None:
            parsed = (
                DocMetadata.model_validate_json(row[10]),
                Provenance(**json.loads(row[11])),
                json.loads(row[12]),
            )
            if documents is not None:
                documents[row[1]] = parsed
        metadata, provenance, lookalike_of = parsed
        return StoredChunk(
            id=row[0],
            doc_id=row[1],
            ordinal=row[2],
            text=row[3],
            start=row[4],
            end=row[5],
            page=row[6],
            section=row[7],
            interviews=[Interview(**i) for i in json.loads(row[8])],
            path=row[9],
            metadata=metadata,
            provenance=provenance,
            lookalike_of=lookalike_of,
        )

    def chunks(self, ids: Iterable[str]) -> dict[str, StoredChunk]:
        """Committed chunks among `ids`; ids of uncommitted vectors are simply absent."""
        ids = list(ids)
        found: dict[str, StoredChunk] = {}
        for i in range(0, len(ids), _QUERY_IDS):
            part = ids[i : i + _QUERY_IDS]
            marks = ",".join("?" * len(part))
            for row in self._rows(f"{_CHUNK_SELECT} WHERE c.id IN ({marks})", part):
                found[row[0]] = self._chunk(row)
        return found

    def all_chunks(self) -> Iterator[StoredChunk]:
        """Every committed chunk, by document, in order (one query: one version)."""
        documents: dict[str, tuple] = {}
        for row in self._rows(f"{_CHUNK_SELECT} ORDER BY c.doc_id, c.ordinal"):
            yield self._chunk(row, documents)

    def documents(self) -> list[StoredDocument]:
        rows = self._rows(
            f"SELECT {_DOCUMENT_COLUMNS}, (SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.doc_id)"
            " FROM documents d ORDER BY d.path"
        )
        return [
            StoredDocument(
                doc_id=r[0],
                path=r[1],
                source=r[2],
                format=r[3],
                sha256=r[4],
                metadata=DocMetadata.model_validate_json(r[5]),
                text=r[6],
                dropped=[DroppedLine(**d) for d in json.loads(r[7])],
                repaired=[RepairedLine(**d) for d in json.loads(r[8])],
                interviews=[Interview(**i) for i in json.loads(r[9])],
                provenance=Provenance(**json.loads(r[10])),
                lookalike_of=json.loads(r[11]),
                chunks=r[12],
            )
            for r in rows
        ]
