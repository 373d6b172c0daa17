"""The dense channels of an index: MiniLM always, multilingual USE when enabled.

Each channel is one embedding model with its own Chroma collection. Ingest writes every
channel's vectors before the catalog commits a document, and sweeps or deletes ids in all
of them alike, so the channels never disagree about which chunks exist. A channel whose
collection lost vectors the catalog still commits (its store deleted or emptied) is found by
comparing counts when a reader starts (`missing_vectors_warning`) and refilled from the
catalog's own text by the next ingest (`restore_vectors`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ingest.catalog import Catalog
from ingest.embed import Embedder
from ingest.multilingual import MultilingualEmbedder
from ingest.records import Document
from ingest.sentence_vectors import SentenceVectorRecords
from ingest.settings import Settings
from ingest.text import passage_sentences
from ingest.vectors import VectorIndex


class Embeds(Protocol):
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...

    def embed_memo(self, texts: list[str]) -> np.ndarray: ...


# how a channel is named to people, by DenseChannel.name
CHANNEL_LABELS = {"minilm": "MiniLM", "use": "multilingual (USE)"}


@dataclass
class DenseChannel:
    """One embedding model and the collection holding its vectors."""

    name: str
    index: VectorIndex
    embedder: Embeds
    # where the channel's passages' sentence vectors go (MiniLM's: the catalog), if anywhere
    sentences: SentenceVectorRecords | None = None


def multilingual_embedder(settings: Settings, threads: int | None = None) -> MultilingualEmbedder:
    """USE with `threads` BLAS threads (default: the ingest's `embed.threads`)."""
    threads = (settings.embed.threads if threads is None else threads) or os.cpu_count() or 1
    return MultilingualEmbedder(
        threads=threads, batch_size=settings.embed.multilingual_batch, memo_size=20_000
    )


def multilingual_index(
    settings: Settings, owner: str = "", catalog: Catalog | None = None, read_only: bool = False
) -> VectorIndex:
    """USE's collection: ids and vectors only (the MiniLM one holds text and metadata)."""
    collection = settings.multilingual_collection
    return VectorIndex(
        settings, owner, catalog, collection=collection, text=False, read_only=read_only
    )


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
            sentences=catalog,
        )
    ]
    if settings.embed.multilingual:
        index = multilingual_index(settings, catalog=catalog)
        # beside MiniLM (write_vectors with `parallel`), one BLAS thread: two of them
        # beside ONNX Runtime's two spun for the cores (an ingest of the bench's 1,263
        # passages, with the fused MiniLM graph README Performance describes, took 61-64
        # CPU-seconds that way, 39 with one)
        threads = 1 if settings.embed.parallel_channels else None
        embedder_use = multilingual_embedder(settings, threads)
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


def write_vectors(
    channels: list[DenseChannel], docs: list[Document], parallel: bool = False
) -> set[str]:
    """Every channel's vectors for these documents, embedding only chunks a channel does not
    hold yet (chunk ids are content hashes). Returns the ids MiniLM had to embed.

    With `parallel`, the other channels embed on worker threads while MiniLM embeds on this
    one: both models release the GIL, and USE's numpy scales poorly past one core while
    MiniLM's ONNX session scales well, so they share the cores where they would otherwise
    take turns (600 real passages, MiniLM on two threads: 12.5-12.8 s side by side with USE
    on one, 13.9-14.3 s one after the other)."""
    known: list[dict[str, np.ndarray]] = []
    missing: list[dict[str, str]] = []
    for channel in channels:
        held: dict[str, np.ndarray] = {}
        for doc in docs:
            held.update(channel.index.embeddings_for([c.id for c in doc.chunks]))
        known.append(held)
        missing.append({c.id: c.text for doc in docs for c in doc.chunks if c.id not in held})
    if parallel and len(channels) > 1:
        with ThreadPoolExecutor(max_workers=len(channels) - 1) as pool:
            pairs = zip(channels[1:], missing[1:], strict=True)
            later = [pool.submit(_embed, channel, todo) for channel, todo in pairs]
            vectors = [_embed(channels[0], missing[0]), *(f.result() for f in later)]
    else:
        vectors = [_embed(c, m) for c, m in zip(channels, missing, strict=True)]
    for channel, held, todo, rows in zip(channels, known, missing, vectors, strict=True):
        held.update(zip(todo, rows, strict=True))
        channel.index.upsert(docs, held)
    return set(missing[0])


def _embed(channel: DenseChannel, texts: dict[str, str]) -> np.ndarray:
    """The channel's vectors of `texts` (chunk id -> text), and, where the channel keeps
    them and its model can pool them in the same pass, its sentences' vectors."""
    if not texts:
        return np.zeros((0, channel.embedder.dim), dtype=np.float32)
    if channel.sentences is None or not isinstance(channel.embedder, Embedder):
        return channel.embedder.embed(list(texts.values()))
    spans = [passage_sentences(text) for text in texts.values()]
    vectors, per_sentence = channel.embedder.embed_in_context(list(texts.values()), spans)
    channel.sentences.put_sentence_vectors(
        dict(zip(texts, zip(spans, per_sentence, strict=True), strict=True))
    )
    return vectors


def stored_ids(channels: list[DenseChannel]) -> dict[str, set[str]]:
    """Channel name -> the ids its collection holds."""
    return {c.name: c.index.all_ids() for c in channels}


def restore_vectors(
    channels: list[DenseChannel],
    catalog: Catalog,
    committed: set[str],
    stored: Mapping[str, set[str]],
    window: int,
) -> dict[str, int]:
    """Embed, in each channel, the committed passages its collection has no vector for,
    from the catalog's own text and metadata, `window` passages at a time: their files are
    unchanged, so nothing else would bring them back. Returns channel name -> passages
    re-embedded, for the channels that lacked any."""
    from tqdm import tqdm

    restored: dict[str, int] = {}
    for channel in channels:
        lost = sorted(committed - stored[channel.name])
        if not lost:
            continue
        steps = range(0, len(lost), window)
        for start in tqdm(steps, desc=f"re-embed {channel.name}", disable=None, leave=False):
            chunks = list(catalog.chunks(lost[start : start + window]).values())
            vectors = channel.embedder.embed([c.text for c in chunks])
            channel.index.upsert_chunks(
                [(c, c.metadata, c.path) for c in chunks],
                dict(zip([c.id for c in chunks], vectors, strict=True)),
            )
        restored[channel.name] = len(lost)
    return restored


def fill_sentence_vectors(
    channels: list[DenseChannel], catalog: Catalog, committed: set[str], window: int
) -> int:
    """Store sentence vectors for the committed passages that have none (an index built
    before ingest kept them), `window` passages at a time: their files are unchanged, so
    nothing else would. Costs one MiniLM pass per such passage, once; returns how many."""
    channel = channels[0]
    embedder = channel.embedder
    if channel.sentences is None or not isinstance(embedder, Embedder):
        return 0
    if embedder.backend == "torch":  # sentence-transformers pools inside: nothing to keep
        return 0
    from tqdm import tqdm

    lacking = sorted(channel.sentences.unread_chunks(committed))
    steps = range(0, len(lacking), window)
    for start in tqdm(steps, desc="sentence vectors", disable=None, leave=False):
        chunks = catalog.chunks(lacking[start : start + window]).values()
        _embed(channel, {c.id: c.text for c in chunks})
    return len(lacking)


def _shortfall(missing: Mapping[str, int], committed: int, channels: int) -> str:
    """'n of N passages have no vector' when every channel lacks the same n, else one
    clause per channel that lacks any, named."""
    if len(missing) == channels and len(set(missing.values())) == 1:
        return f"{next(iter(missing.values()))} of {committed} passages have no vector"
    return ", ".join(
        f"{n} of {committed} passages have no {CHANNEL_LABELS.get(name, name)} vector"
        for name, n in missing.items()
    )


def missing_vectors_warning(committed: int, stored: Mapping[str, int], settings: Settings) -> str:
    """A line for a reader when a channel's collection holds fewer vectors than the
    catalog's passages (the store's directory deleted or emptied), else ''. `stored`:
    channel name -> its collection's count. Counts only, so it is cheap at start; an ingest
    compares the ids and re-embeds what is missing (`restore_vectors`)."""
    missing = {name: committed - n for name, n in stored.items() if n < committed}
    if not missing:
        return ""
    where = settings.chroma_url or str(settings.chroma_dir)
    readers = [CHANNEL_LABELS.get(n, n) for n in stored if n not in missing] + ["keywords"]
    return (
        f"{where}: {_shortfall(missing, committed, len(stored))} (was the vector store "
        f"deleted or emptied?); answers find them by {' and '.join(readers)} only until "
        "'govqa ingest' re-embeds them"
    )


def restored_notice(restored: Mapping[str, int], committed: int, channels: int) -> str:
    """What an ingest that refilled lost vectors says it did."""
    shortfall = _shortfall(restored, committed, channels).replace(" have no ", " had no ")
    return f"{shortfall} in the vector store (deleted or emptied?): re-embedded"


def delete_vectors(channels: list[DenseChannel], ids: Iterable[str]) -> None:
    ids = list(ids)
    for channel in channels:
        channel.index.delete(ids)
        if channel.sentences is not None:
            channel.sentences.drop_sentence_vectors(ids)
