"""The dense channels of an index: MiniLM always, multilingual USE when enabled.

Each channel is one embedding model with its own Chroma collection. Ingest writes every
channel's vectors before the catalog commits a document, and sweeps or deletes ids in all
of them alike, so the channels never disagree about which chunks exist.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ingest.catalog import Catalog
from ingest.embed import Embedder
from ingest.multilingual import MultilingualEmbedder
from ingest.records import Document
from ingest.settings import Settings
from ingest.vectors import VectorIndex


class Embeds(Protocol):
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...

    def embed_memo(self, texts: list[str]) -> np.ndarray: ...


@dataclass
class DenseChannel:
    """One embedding model and the collection holding its vectors."""

    name: str
    index: VectorIndex
    embedder: Embeds


def multilingual_embedder(settings: Settings) -> MultilingualEmbedder:
    threads = settings.embed.multilingual_threads or os.cpu_count() or 1
    return MultilingualEmbedder(
        threads=threads, batch_size=settings.embed.multilingual_batch, memo_size=20_000
    )


def multilingual_index(
    settings: Settings, owner: str = "", catalog: Catalog | None = None
) -> VectorIndex:
    """USE's collection: ids and vectors only (the MiniLM one holds text and metadata)."""
    collection = settings.multilingual_collection
    return VectorIndex(settings, owner, catalog, collection=collection, text=False)


def open_channels(
    settings: Settings, catalog: Catalog, embedder: Embedder | None = None
) -> list[DenseChannel]:
    """MiniLM first (the channel answers are ranked with), then USE if enabled; each index
    records its writes in `catalog` (see ingest.vectors)."""
    channels = [
        DenseChannel(
            "minilm",
            VectorIndex(settings, catalog=catalog),
            embedder or Embedder.from_settings(settings),
        )
    ]
    if settings.embed.multilingual:
        index = multilingual_index(settings, catalog=catalog)
        embedder_use = multilingual_embedder(settings)
        channels.append(DenseChannel("use", index, embedder_use))
    return channels


@contextmanager
def opened_channels(
    settings: Settings, catalog: Catalog, embedder: Embedder | None = None
) -> Iterator[list[DenseChannel]]:
    """`open_channels`, each index closed on leaving (a writer's clients, ingest's or a
    removal's, must not outlive the index lock it wrote under)."""
    with ExitStack() as stack:
        channels = open_channels(settings, catalog, embedder)
        for channel in channels:
            stack.enter_context(channel.index)
        yield channels


def write_vectors(channels: list[DenseChannel], docs: list[Document]) -> set[str]:
    """Every channel's vectors for these documents, embedding only chunks a channel does not
    hold yet (chunk ids are content hashes). Returns the ids MiniLM had to embed."""
    fresh: set[str] = set()
    for n, channel in enumerate(channels):
        known: dict[str, np.ndarray] = {}
        for doc in docs:
            known.update(channel.index.embeddings_for([c.id for c in doc.chunks]))
        missing = {c.id: c.text for doc in docs for c in doc.chunks if c.id not in known}
        if missing:
            vectors = channel.embedder.embed(list(missing.values()))
            known.update(zip(missing, vectors, strict=True))
        channel.index.upsert(docs, known)
        if n == 0:
            fresh = set(missing)
    return fresh


def stored_ids(channels: list[DenseChannel]) -> set[str]:
    return set().union(*(c.index.all_ids() for c in channels))


def delete_vectors(channels: list[DenseChannel], ids: Iterable[str]) -> None:
    ids = list(ids)
    for channel in channels:
        channel.index.delete(ids)
