"""The vector side of the index: the Chroma client factory and the collection of chunk vectors.

Chroma is never the commit point (see `ingest.catalog`): a vector whose id the catalog does
not hold is an orphan that readers ignore and the next ingest sweeps.

An embedded store (PersistentClient) is shared by processes that each hold part of it in
memory: a client loads the HNSW index and its id map once, and Chroma persists them to disk
only every `sync_threshold` writes, while the records they are checked against live in the
shared chroma.sqlite3. A client opened before another process wrote answers from its stale
index and fails with "Error finding id" on records it does not know, until it is reopened.
So each embedded `VectorIndex` owns its client (not the one Chroma shares between every
client of a path in a process, which keeps whatever it loaded first), reopens it when the
catalog has recorded a vector write it has not seen (`Catalog.vectors_version`), and reopens
it once more when a read fails anyway (a write landing between the check and the read).
A Chroma server is one process: its clients are never stale.

An index that may only be read (`ingest.catalog.index_read_only`) is opened from a private
copy of the embedded store: Chroma cannot open a folder it may not write, and writes its own
files into one it opens.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import numpy as np

from ingest.records import Chunk, DocMetadata, Document
from ingest.settings import Settings
from ingest.text import normalize_space

if TYPE_CHECKING:
    from ingest.catalog import Catalog

T = TypeVar("T")


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


def node_metadata(chunk_id: str, doc_id: str, flat: dict[str, str | int | float]) -> dict:
    """The Chroma metadata llama-index's ChromaVectorStore writes for a TextNode of this
    chunk (`node_to_metadata_dict(node, remove_text=True, flat_metadata=True)`), so a
    llama-index `VectorStoreIndex` reads our collection as its own. Built here because
    importing llama-index for it cost every ingest process 3.6 s; a test checks it equals
    llama-index's own output."""
    node = {
        "id_": chunk_id,
        "embedding": None,
        "metadata": flat,
        "excluded_embed_metadata_keys": [],
        "excluded_llm_metadata_keys": [],
        "relationships": {
            "1": {
                "node_id": doc_id,
                "node_type": None,
                "metadata": {},
                "hash": None,
                "class_name": "RelatedNodeInfo",
            }
        },
        "metadata_template": "{key}: {value}",
        "metadata_separator": "\n",
        "text": "",
        "mimetype": "text/plain",
        "start_char_idx": None,
        "end_char_idx": None,
        "text_template": "{metadata_str}\n\n{content}",
        "class_name": "TextNode",
    }
    return {
        **flat,
        "_node_content": json.dumps(node, ensure_ascii=False),
        "_node_type": "TextNode",
        "document_id": doc_id,
        "doc_id": doc_id,
        "ref_doc_id": doc_id,
    }


OWNER_KEY = "govqa_catalog"


class StoreError(Exception):
    """The vector store cannot be used as configured (bad URL, server down, wrong owner)."""


def _one_line(exc: BaseException) -> str:
    return normalize_space(str(exc))[:300] or type(exc).__name__


_REGISTRY = threading.Lock()  # Chroma's registry of clients per path is process-global


def _own_persistent_client(path: Path, chroma_settings) -> tuple[Any, Callable[[], None]]:
    """An embedded client of the store at `path` on a Chroma System of its own, and the
    function that stops it.

    `chromadb.PersistentClient` hands every client of a path in a process one shared System,
    which keeps the segments it loaded first: a client made after another process wrote would
    still be stale, and stopping the System would break every other client of it.
    """
    from chromadb.api import ServerAPI
    from chromadb.api.client import Client
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import System

    path.mkdir(parents=True, exist_ok=True)
    chroma_settings.is_persistent = True
    chroma_settings.persist_directory = str(path)
    system = System(chroma_settings)
    system.instance(ServerAPI)
    system.start()
    try:
        with _REGISTRY:
            client = Client.from_system(system)
            # from_system registers the System for its path; unregistered, no later client
            # of the path can share (and keep) it
            SharedSystemClient.clear_system_cache()
    except BaseException:
        system.stop()
        raise
    return client, system.stop


def _connect(settings: Settings, path: Path | None = None) -> tuple[Any, Callable[[], None]]:
    """A Chroma client for `settings` (embedded: of the store at `path`, by default the
    index's own) and the function that closes it."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if not settings.chroma_url:
        return _own_persistent_client(path or settings.chroma_dir, chroma_settings)
    url = urlsplit(settings.chroma_url)
    if url.scheme not in ("http", "https") or not url.hostname or url.path.strip("/"):
        raise StoreError(
            f"GOVQA_CHROMA_URL={settings.chroma_url!r}: expected http(s)://host:port "
            "(a proxy must serve Chroma at the root of its host)"
        )
    ssl = url.scheme == "https"
    try:
        client = chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if ssl else 80),
            ssl=ssl,
            settings=chroma_settings,
        )
    except Exception as exc:  # connection refused, TLS, auth: all one line for the user
        raise StoreError(
            f"cannot reach the Chroma server at {settings.chroma_url}: {_one_line(exc)}"
        ) from exc
    return client, client.close


def chroma_client(settings: Settings):
    """Chroma's HttpClient when `settings.chroma_url` names a server, else an embedded client
    of the store under index_dir, on a Chroma System of its own (fresh from disk, and freed
    only when the client is garbage). Telemetry is off either way (no network)."""
    return _connect(settings)[0]


def _private_copy(settings: Settings) -> tuple[Any, Callable[[], None]]:
    """An embedded client of a private copy of the store (for an index that may only be
    read; 0.24 s for the 173 MB store of a 15k-passage index), and the function that stops
    it and deletes the copy."""
    copy = tempfile.TemporaryDirectory(prefix="govqa-vectors-")
    try:
        if settings.chroma_dir.is_dir():
            shutil.copytree(settings.chroma_dir, copy.name, dirs_exist_ok=True)
        client, stop = _connect(settings, Path(copy.name))
    except BaseException:
        copy.cleanup()
        raise

    def stop_and_delete() -> None:
        try:
            stop()
        finally:
            copy.cleanup()

    return client, stop_and_delete


def drop_vectors(settings: Settings) -> list[str]:
    """Delete this index's vector collections (for `govqa ingest --rebuild`): every one in
    the embedded store under index_dir, or on a server only those these settings name, of
    every dense channel (the server may hold other indexes'). Returns the names deleted."""
    client, stop = _connect(settings)
    where = settings.chroma_url or str(settings.chroma_dir)
    try:
        existing = {getattr(c, "name", c) for c in client.list_collections()}
        ours = [settings.vector_collection, settings.multilingual_collection]
        names = ours if settings.chroma_url else sorted(existing)
        dropped = [name for name in names if name in existing]
        for name in dropped:
            client.delete_collection(name)
    except Exception as exc:  # chromadb raises its own types, httpx's, or ValueError
        raise StoreError(f"{where}: cannot delete the old vectors: {_one_line(exc)}") from exc
    finally:
        stop()
    return dropped


@dataclass
class _OpenCollection:
    """One open client's collection and the calls using it: a retired one (replaced, or
    its index closed) is stopped when its last call is done. Guarded by the index's lock."""

    collection: Any
    stop: Callable[[], None]
    seen: int  # the catalog's vectors_version when it was opened
    users: int = 0
    retired: bool = False
    stopped: bool = False
    _store: Any = None

    @property
    def store(self) -> Any:
        """llama-index's ChromaVectorStore over `collection`, made on first use: importing
        llama-index costs seconds, and only a llama-index retriever (the eval's baseline)
        needs it: queries, writes (`node_metadata`) and deletes go to the collection itself.
        Two threads may both make one; either serves."""
        if self._store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._store = ChromaVectorStore(chroma_collection=self.collection)
        return self._store

    def retire(self) -> None:
        self.retired = True
        self.stop_if_done()

    def stop_if_done(self) -> None:
        if self.retired and not self.users and not self.stopped:
            self.stopped = True
            self.stop()


class VectorIndex:
    """The Chroma collection, written through llama-index (its nodes and their flat metadata)
    and queried on the collection itself.

    Embeddings are always passed in: the collection has no embedding function, so Chroma
    never reaches for its default model (which would download). `owner` is the catalog's
    identity: a new collection records it, and an existing one recorded for another catalog
    is refused (several indexes can share one Chroma server, each in its own collection).

    With a `catalog` (its identity is then the owner), every write is recorded in it and an
    embedded client is reopened when another process's write has been recorded (see the
    module docstring). Safe to share between threads; `close` stops the client.

    `read_only` never writes the index: an embedded store is read from a private copy,
    taken again whenever the index is reopened (so a reader still sees other processes'
    recorded writes), deleted when its client stops; `upsert` and `delete` refuse.
    """

    def __init__(
        self,
        settings: Settings,
        owner: str = "",
        catalog: Catalog | None = None,
        collection: str = "",
        text: bool = True,
        read_only: bool = False,
    ):
        """`collection` defaults to the MiniLM one; with `text` False the collection holds
        ids and vectors only (a second channel needs no second copy of every passage)."""
        self.settings = settings
        self.read_only = read_only
        self.name = collection or settings.vector_collection
        self.text = text
        self.embedded = not settings.chroma_url
        self._catalog = catalog
        self._owner = owner or (catalog.identity() if catalog is not None else "")
        self._lock = threading.Lock()
        self._open_collection = self._open()

    def _written(self) -> int:
        """The catalog's count of vector writes (0 without a catalog)."""
        return self._catalog.vectors_version() if self._catalog is not None else 0

    def _open(self) -> _OpenCollection:
        seen = self._written()  # read first: a write made while opening is seen as new
        if self.read_only and self.embedded:
            client, stop = _private_copy(self.settings)
        else:
            client, stop = _connect(self.settings)
        metadata: dict[str, str] = {"hnsw:space": "cosine"}
        if self._owner:
            metadata[OWNER_KEY] = self._owner
        where = self.settings.chroma_url or str(self.settings.chroma_dir)
        try:
            try:
                collection = client.get_or_create_collection(
                    self.name, embedding_function=None, metadata=metadata
                )
            except Exception as exc:  # chromadb raises its own types, httpx's, or ValueError
                raise StoreError(f"{where}: cannot open collection: {_one_line(exc)}") from exc
            # A collection made for another catalog must never be written or swept from
            # here: ingest deletes every vector its catalog does not know (ingest.catalog).
            claimed = (collection.metadata or {}).get(OWNER_KEY)
            if self._owner and claimed and claimed != self._owner:
                raise StoreError(
                    f"{where}: collection '{self.name}' belongs to "
                    f"another index (not {self.settings.index_dir}); give this index its own "
                    "GOVQA_COLLECTION"
                )
        except BaseException:
            stop()
            raise
        return _OpenCollection(collection, stop, seen)

    def _replace(self, stale: _OpenCollection) -> _OpenCollection:
        """Reopen, unless another thread already replaced `stale`; called under the lock."""
        if self._open_collection is stale:
            self._open_collection = self._open()
            stale.retire()
        return self._open_collection

    @contextmanager
    def _using(self) -> Iterator[_OpenCollection]:
        """The open collection, reopened first if an embedded store has had writes since."""
        with self._lock:
            current = self._open_collection
            if current.retired:
                raise StoreError(f"{self.settings.index_dir}: the vector index was closed")
            if self.embedded and self._written() != current.seen:
                current = self._replace(current)
            current.users += 1
        try:
            yield current
        finally:
            with self._lock:
                current.users -= 1
                current.stop_if_done()

    def _call(self, operation: Callable[[_OpenCollection], T]) -> T:
        """`operation` on the open collection; on an embedded store, once more on a reopened
        one if Chroma fails (its client missed a write: one made between the check and the
        call, or one that no catalog recorded)."""
        from chromadb.errors import InternalError

        with self._using() as current:
            try:
                return operation(current)
            except InternalError:
                if not self.embedded:
                    raise
        with self._lock:
            self._replace(current)
        with self._using() as current:
            return operation(current)

    def _refuse_writes(self) -> None:
        """A write to a read-only index would land in its private copy, and be lost."""
        if self.read_only:
            from ingest.catalog import IndexReadOnly

            raise IndexReadOnly(f"{self.settings.index_dir}: the vector index is open read-only")

    def _record_write(self) -> None:
        """Count a write in the catalog, so other processes' clients know theirs are stale;
        this client saw it, so it stays open (unless it had missed an earlier one)."""
        if self._catalog is None:
            return
        written = self._catalog.vectors_written()
        with self._lock:
            if self._open_collection.seen == written - 1:
                self._open_collection.seen = written

    def close(self) -> None:
        """Stop the client (after any read in flight); the index is not usable after."""
        with self._lock:
            self._open_collection.retire()

    @property
    def store(self):
        """llama-index's ChromaVectorStore over the open collection, for llama-index's own
        retrievers (the eval's baseline); calls through it skip the reopen checks."""
        with self._using() as current:
            return current.store

    def __enter__(self) -> VectorIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def count(self) -> int:
        return self._call(lambda c: c.collection.count())

    def _all(self, include: list[str]) -> Iterator[dict]:
        """Every stored record, in pages of 5,000, with the fields in `include`."""
        offset = 0
        while True:
            page = self._call(
                lambda c, offset=offset: c.collection.get(
                    include=include, limit=5000, offset=offset
                )
            )
            yield page
            if len(page["ids"]) < 5000:
                return
            offset += len(page["ids"])

    def all_ids(self) -> set[str]:
        return {i for page in self._all([]) for i in page["ids"]}

    def all_metadata(self) -> dict[str, dict]:
        """Chunk id -> its stored Chroma metadata, for every stored vector."""
        return {
            i: meta
            for page in self._all(["metadatas"])
            for i, meta in zip(page["ids"], page["metadatas"], strict=True)
        }

    def embeddings_for(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Vectors already stored under these content-hash ids (no need to embed them again)."""
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), 2000):  # bounded requests at any corpus size
            part = ids[start : start + 2000]
            got = self._call(
                lambda c, part=part: c.collection.get(ids=part, include=["embeddings"])
            )
            found.update(
                (i, np.asarray(e, dtype=np.float32))
                for i, e in zip(got["ids"], got["embeddings"], strict=True)
            )
        return found

    def upsert(self, docs: list[Document], vectors: dict[str, np.ndarray]) -> None:
        """Write the chunks of several documents (see `upsert_chunks`)."""
        self.upsert_chunks([(c, d.metadata, d.path) for d in docs for c in d.chunks], vectors)

    def upsert_chunks(
        self, chunks: list[tuple[Chunk, DocMetadata, str]], vectors: dict[str, np.ndarray]
    ) -> None:
        """Write (chunk, its document's metadata, its document's path) triples, in as few
        calls as Chroma allows: each call has a fixed cost that small files would otherwise
        pay one by one."""
        self._refuse_writes()
        if not self.text:
            ids = [chunk.id for chunk, _, _ in chunks]
            for start in range(0, len(ids), 2000):
                part_ids = ids[start : start + 2000]
                batch = {"ids": part_ids, "embeddings": np.stack([vectors[i] for i in part_ids])}
                self._call(lambda c, batch=batch: c.collection.upsert(**batch))
            if ids:
                self._record_write()
            return
        for start in range(0, len(chunks), 2000):
            part = chunks[start : start + 2000]
            batch = {
                "ids": [chunk.id for chunk, _, _ in part],
                "embeddings": np.stack([vectors[chunk.id] for chunk, _, _ in part]),
                "documents": [chunk.text for chunk, _, _ in part],
                "metadatas": [
                    node_metadata(chunk.id, chunk.doc_id, chunk_metadata(chunk, meta, path))
                    for chunk, meta, path in part
                ],
            }
            self._call(lambda c, batch=batch: c.collection.upsert(**batch))
        if chunks:
            self._record_write()

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if ids:
            self._refuse_writes()
        for start in range(0, len(ids), 5000):
            part = ids[start : start + 5000]
            self._call(lambda c, part=part: c.collection.delete(ids=part))
        if ids:
            self._record_write()

    def query(
        self, vector: np.ndarray, k: int, where: dict | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) best first.

        Asks Chroma for ids and distances only: the catalog holds every chunk's text and
        metadata, and decoding them for each of hundreds of hits (as llama-index's query
        does) cost 20 ms per 200-hit query at 20k chunks.
        """
        result = self._call(
            lambda c: c.collection.query(
                query_embeddings=[vector.tolist()],
                n_results=k,
                where=where or None,
                include=["distances"],
            )
        )
        ids, distances = result["ids"][0], (result["distances"] or [[]])[0]
        # Chroma's cosine distance is 1 - cosine
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]
