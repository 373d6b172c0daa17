"""The index: a SQLite catalog (the commit point) beside a Chroma vector collection.

Chroma and a docstore cannot be written in one transaction, so the catalog decides what is
in the index. A file's vectors are upserted first (content-hash ids, so a repeat overwrites),
then its catalog rows are replaced in one SQLite transaction, then its stale vectors are
deleted. Readers only trust vectors whose id is in the catalog, so a process killed at any
moment leaves each file wholly old or wholly new; the next run sweeps orphan vectors.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from ingest.records import Chunk, DocMetadata, Document, Interview
from ingest.settings import Settings
from ingest.text import normalize_space

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
    interviews TEXT NOT NULL
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
CREATE TABLE IF NOT EXISTS derived (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    signature TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
"""


@dataclass
class StoredChunk:
    """A committed chunk with its document's metadata, as retrieval needs it."""

    id: str
    doc_id: str
    ordinal: int
    text: str
    start: int
    end: int
    page: int | None
    section: str
    interviews: list[Interview]
    path: str
    metadata: DocMetadata


@dataclass
class StoredDocument:
    doc_id: str
    path: str
    format: str
    sha256: str
    metadata: DocMetadata
    text: str
    dropped: list[dict]
    repaired: list[dict]
    interviews: list[Interview]
    chunks: int


class Catalog:
    """SQLite record of committed documents and chunks; one transaction per file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def version(self) -> int:
        """Bumped by every commit, so caches built from the catalog know when to rebuild."""
        with self._lock:  # one connection serves the chat's worker threads: serialise
            row = self._db.execute("SELECT value FROM state WHERE key='version'").fetchone()
        return int(row[0]) if row else 0

    def identity(self) -> str:
        """A random id made when the catalog is first opened: it names the vector collection
        this catalog owns, so two indexes sharing a Chroma server cannot sweep each other."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO state VALUES ('identity', ?)",
                (secrets.randbits(62),),
            )
            row = self._db.execute("SELECT value FROM state WHERE key='identity'").fetchone()
        return f"{int(row[0]):016x}"

    def hashes(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT doc_id, sha256 FROM documents"))

    def paths(self) -> dict[str, str]:
        with self._lock:  # the chat's threads read it too
            return dict(self._db.execute("SELECT doc_id, path FROM documents"))

    def chunk_ids(self, doc_id: str | None = None) -> set[str]:
        if doc_id is None:
            return {r[0] for r in self._db.execute("SELECT id FROM chunks")}
        return {r[0] for r in self._db.execute("SELECT id FROM chunks WHERE doc_id=?", (doc_id,))}

    def commit_document(self, doc: Document) -> None:
        """Replace a document and all its chunks atomically."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM chunks WHERE doc_id=?", (doc.doc_id,))
                self._db.execute(
                    "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?)",
                    (
                        doc.doc_id,
                        doc.path,
                        doc.format,
                        doc.sha256,
                        doc.metadata.model_dump_json(),
                        doc.text,
                        json.dumps([vars(d) for d in doc.dropped], ensure_ascii=False),
                        json.dumps([vars(r) for r in doc.repaired], ensure_ascii=False),
                        json.dumps([i.model_dump() for i in doc.interviews], ensure_ascii=False),
                    ),
                )
                self._db.executemany(
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
                            json.dumps([i.model_dump() for i in c.interviews], ensure_ascii=False),
                        )
                        for c in doc.chunks
                    ],
                )
                self._bump()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def remove_document(self, doc_id: str) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
                self._db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
                self._bump()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _bump(self, key: str = "version") -> None:
        self._db.execute(
            "INSERT INTO state VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET value = value + 1",
            (key,),
        )

    # Derived records (case cards, document centroids): computed from committed documents
    # by later steps, each stored with the signature of what it was computed from, so a
    # stale or missing one is rebuilt and a crash between two of them loses nothing.

    def derived(self, kind: str) -> dict[str, tuple[str, str]]:
        """key -> (signature, JSON value) of every derived record of `kind`."""
        with self._lock:
            rows = self._db.execute(
                "SELECT key, signature, value FROM derived WHERE kind=?", (kind,)
            ).fetchall()
        return {key: (signature, value) for key, signature, value in rows}

    def put_derived(self, kind: str, records: dict[str, tuple[str, str]]) -> None:
        """Write records (key -> (signature, JSON value)) in one transaction."""
        self._replace_derived(kind, records, ())

    def drop_derived(self, kind: str, keys: Iterable[str]) -> None:
        self._replace_derived(kind, {}, keys)

    def _replace_derived(
        self, kind: str, records: dict[str, tuple[str, str]], dropped: Iterable[str]
    ) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "DELETE FROM derived WHERE kind=? AND key=?", [(kind, k) for k in dropped]
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO derived VALUES (?,?,?,?)",
                    [(kind, k, sig, value) for k, (sig, value) in records.items()],
                )
                self._bump("derived_version")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def derived_version(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE key='derived_version'").fetchone()
        return int(row[0]) if row else 0

    _CHUNK_SELECT = (
        'SELECT c.id, c.doc_id, c.ordinal, c.text, c.start, c."end", c.page, c.section, '
        "c.interviews, d.path, d.metadata FROM chunks c JOIN documents d USING (doc_id)"
    )

    @staticmethod
    def _chunk(row: tuple) -> StoredChunk:
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
            metadata=DocMetadata.model_validate_json(row[10]),
        )

    def chunks(self, ids: Iterable[str]) -> dict[str, StoredChunk]:
        """Committed chunks among `ids`; ids of uncommitted vectors are simply absent."""
        ids = list(ids)
        found: dict[str, StoredChunk] = {}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            with self._lock:
                rows = self._db.execute(
                    f"{self._CHUNK_SELECT} WHERE c.id IN ({marks})", part
                ).fetchall()
            for row in rows:
                found[row[0]] = self._chunk(row)
        return found

    def all_chunks(self) -> Iterator[StoredChunk]:
        with self._lock:
            rows = self._db.execute(f"{self._CHUNK_SELECT} ORDER BY c.doc_id, c.ordinal").fetchall()
        for row in rows:
            yield self._chunk(row)

    def documents(self) -> list[StoredDocument]:
        with self._lock:
            rows = self._db.execute(
                "SELECT d.*, (SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.doc_id)"
                " FROM documents d ORDER BY d.path"
            ).fetchall()
        return [
            StoredDocument(
                doc_id=r[0],
                path=r[1],
                format=r[2],
                sha256=r[3],
                metadata=DocMetadata.model_validate_json(r[4]),
                text=r[5],
                dropped=json.loads(r[6]),
                repaired=json.loads(r[7]),
                interviews=[Interview(**i) for i in json.loads(r[8])],
                chunks=r[9],
            )
            for r in rows
        ]


def chunk_metadata(chunk: Chunk, meta: DocMetadata, path: str) -> dict[str, str | int | float]:
    """Flat Chroma metadata: the facets later steps filter on (Chroma takes scalars only)."""
    flat: dict[str, str | int | float] = {
        "doc_id": chunk.doc_id,
        "path": path,
        "title": meta.title,
        "country": meta.country,
        "level": meta.level,
        "policy_area": "; ".join(meta.policy_area),
        "place": meta.place,
        "section": chunk.section,
        "ordinal": chunk.ordinal,
    }
    if meta.year is not None:
        flat["year"] = meta.year
    if chunk.page is not None:
        flat["page"] = chunk.page
    return flat


OWNER_KEY = "govqa_catalog"


class StoreError(Exception):
    """The vector store cannot be used as configured (bad URL, server down, wrong owner)."""


def _one_line(exc: BaseException) -> str:
    return normalize_space(str(exc))[:300] or type(exc).__name__


def chroma_client(settings: Settings):
    """Chroma's HttpClient when `settings.chroma_url` names a server, else the embedded
    PersistentClient under index_dir. Telemetry is off either way (no network)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if not settings.chroma_url:
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    url = urlsplit(settings.chroma_url)
    if url.scheme not in ("http", "https") or not url.hostname or url.path.strip("/"):
        raise StoreError(
            f"GOVQA_CHROMA_URL={settings.chroma_url!r}: expected http(s)://host:port "
            "(a proxy must serve Chroma at the root of its host)"
        )
    ssl = url.scheme == "https"
    try:
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if ssl else 80),
            ssl=ssl,
            settings=chroma_settings,
        )
    except Exception as exc:  # connection refused, TLS, auth: all one line for the user
        raise StoreError(
            f"cannot reach the Chroma server at {settings.chroma_url}: {_one_line(exc)}"
        ) from exc


class VectorIndex:
    """The Chroma collection, written and queried through llama-index's ChromaVectorStore.

    Embeddings are always passed in: the collection has no embedding function, so Chroma
    never reaches for its default model (which would download). `owner` is the catalog's
    identity: a new collection records it, and an existing one recorded for another catalog
    is refused (several indexes can share one Chroma server, each in its own collection).
    """

    def __init__(self, settings: Settings, owner: str = "") -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self._client = chroma_client(settings)
        metadata: dict[str, str] = {"hnsw:space": "cosine"}
        if owner:
            metadata[OWNER_KEY] = owner
        where = settings.chroma_url or str(settings.chroma_dir)
        try:
            self.collection = self._client.get_or_create_collection(
                settings.vector_collection, embedding_function=None, metadata=metadata
            )
        except Exception as exc:  # chromadb raises its own types, httpx's, or ValueError
            raise StoreError(f"{where}: cannot open collection: {_one_line(exc)}") from exc
        # A collection made for another catalog must never be written or swept from here:
        # ingest deletes every vector its catalog does not know (see the module docstring).
        claimed = (self.collection.metadata or {}).get(OWNER_KEY)
        if owner and claimed and claimed != owner:
            raise StoreError(
                f"{where}: collection '{settings.vector_collection}' belongs to another "
                f"index (not {settings.index_dir}); give this index its own GOVQA_COLLECTION"
            )
        self.store = ChromaVectorStore(chroma_collection=self.collection)

    def count(self) -> int:
        return self.collection.count()

    def all_ids(self) -> set[str]:
        ids: set[str] = set()
        offset = 0
        while True:
            page = self.collection.get(include=[], limit=5000, offset=offset)["ids"]
            ids.update(page)
            if len(page) < 5000:
                return ids
            offset += len(page)

    def embeddings_for(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Vectors already stored under these content-hash ids (no need to embed them again)."""
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), 2000):  # bounded requests at any corpus size
            got = self.collection.get(ids=ids[start : start + 2000], include=["embeddings"])
            found.update(
                (i, np.asarray(e, dtype=np.float32))
                for i, e in zip(got["ids"], got["embeddings"], strict=True)
            )
        return found

    def upsert(self, docs: list[Document], vectors: dict[str, np.ndarray]) -> None:
        """Write the chunks of several documents, in as few calls as Chroma allows: each
        call has a fixed cost that small files would otherwise pay one by one."""
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
        from llama_index.core.vector_stores.utils import node_to_metadata_dict

        nodes = [
            TextNode(
                id_=chunk.id,
                text=chunk.text,
                metadata=chunk_metadata(chunk, doc.metadata, doc.path),
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc.doc_id)},
            )
            for doc in docs
            for chunk in doc.chunks
        ]
        for start in range(0, len(nodes), 2000):
            part = nodes[start : start + 2000]
            self.collection.upsert(
                ids=[n.node_id for n in part],
                embeddings=np.stack([vectors[n.node_id] for n in part]),
                documents=[n.get_content() for n in part],
                metadatas=[
                    node_to_metadata_dict(n, remove_text=True, flat_metadata=True) for n in part
                ],
            )

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), 5000):
            self.store.delete_nodes(node_ids=ids[start : start + 5000])

    def query(
        self, vector: np.ndarray, k: int, where: dict | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) best first.

        Asks Chroma for ids and distances only: the catalog holds every chunk's text and
        metadata, and decoding them for each of hundreds of hits (as llama-index's query
        does) cost 20 ms per 200-hit query at 20k chunks.
        """
        result = self.collection.query(
            query_embeddings=[vector.tolist()],
            n_results=k,
            where=where or None,
            include=["distances"],
        )
        ids, distances = result["ids"][0], (result["distances"] or [[]])[0]
        # Chroma's cosine distance is 1 - cosine
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]
