"""The vector side of the index: the Chroma client factory and the collection of chunk vectors.

Chroma is never the commit point (see `ingest.catalog`): a vector whose id the catalog does
not hold is an orphan that readers ignore and the next ingest sweeps.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import numpy as np

from ingest.records import Chunk, DocMetadata, Document
from ingest.settings import Settings
from ingest.text import normalize_space


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

    def __init__(
        self, settings: Settings, owner: str = "", collection: str = "", text: bool = True
    ) -> None:
        """`collection` defaults to the MiniLM one; with `text` False the collection holds
        ids and vectors only (a second channel needs no second copy of every passage)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        name = collection or settings.vector_collection
        self.text = text

        self._client = chroma_client(settings)
        metadata: dict[str, str] = {"hnsw:space": "cosine"}
        if owner:
            metadata[OWNER_KEY] = owner
        where = settings.chroma_url or str(settings.chroma_dir)
        try:
            self.collection = self._client.get_or_create_collection(
                name, embedding_function=None, metadata=metadata
            )
        except Exception as exc:  # chromadb raises its own types, httpx's, or ValueError
            raise StoreError(f"{where}: cannot open collection: {_one_line(exc)}") from exc
        # A collection made for another catalog must never be written or swept from here:
        # ingest deletes every vector its catalog does not know (see ingest.catalog).
        claimed = (self.collection.metadata or {}).get(OWNER_KEY)
        if owner and claimed and claimed != owner:
            raise StoreError(
                f"{where}: collection '{name}' belongs to another "
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
        if not self.text:
            ids = [c.id for doc in docs for c in doc.chunks]
            for start in range(0, len(ids), 2000):
                part_ids = ids[start : start + 2000]
                self.collection.upsert(
                    ids=part_ids, embeddings=np.stack([vectors[i] for i in part_ids])
                )
            return
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
