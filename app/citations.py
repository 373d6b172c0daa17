"""SourceList: numbering an answer's sources and marking their spans, the only place it happens.

Every cited output (an answer, a comparison table, a case card, a case hit, a brief) shows
numbered passages, each with the spans its sentences quote. The rules are the same
everywhere, so they live here once: one number per passage, in the order passages are first
cited; each span marked once; a source taken from another list (a stored card's) keeps its
passage and is renumbered into this one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from app.records import Source
from ingest.records import StoredChunk

Span = tuple[int, int]


def source_of(chunk: StoredChunk, n: int) -> Source:
    """A chunk as source number `n`, with no span marked yet."""
    return Source(
        n=n,
        doc_id=chunk.doc_id,
        chunk_id=chunk.id,
        title=chunk.metadata.title or Path(chunk.path).name,
        authors=chunk.metadata.authors,
        year=chunk.metadata.year,
        page=chunk.page,
        section=chunk.section,
        file=chunk.path,
        passage=chunk.text,
        provenance=chunk.provenance,
        lookalike_of=list(chunk.lookalike_of),
        page_label=chunk.metadata.page_label(chunk.page),
        container=chunk.metadata.container,
        publisher=chunk.metadata.publisher,
        doi=chunk.metadata.doi,
        url=chunk.metadata.url,
        item_type=chunk.metadata.item_type,
        citation_key=chunk.metadata.citation_key,
    )


class SourceList:
    """Sources numbered from `first` in the order their passages are first cited."""

    def __init__(self, first: int = 1) -> None:
        self.first = first
        self._by_chunk: dict[str, Source] = {}

    def cite(self, passage: StoredChunk | Source, span: Span | None = None) -> int:
        """The number of `passage` (a chunk, or a source of another list), marking `span`
        in it when given; the same passage always gets the same number."""
        chunk_id = passage.chunk_id if isinstance(passage, Source) else passage.id
        source = self._by_chunk.get(chunk_id)
        if source is None:
            n = self.first + len(self._by_chunk)
            if isinstance(passage, Source):
                source = dataclasses.replace(passage, n=n, spans=[])
            else:
                source = source_of(passage, n)
            self._by_chunk[chunk_id] = source
        if span is not None and span not in source.spans:
            source.spans.append(span)
        return source.n

    def merge(self, other: Iterable[Source]) -> dict[int, int]:
        """Take in another list's sources with all their spans; returns old -> new number."""
        renumbered: dict[int, int] = {}
        for source in other:
            renumbered[source.n] = self.cite(source)
            for span in source.spans:
                self.cite(source, span)
        return renumbered

    def get(self, n: int) -> Source:
        return next(s for s in self._by_chunk.values() if s.n == n)

    def sources(self) -> list[Source]:
        """The sources by number (copies: the list may go on citing)."""
        return [dataclasses.replace(s, spans=list(s.spans)) for s in self._by_chunk.values()]

    def __len__(self) -> int:
        return len(self._by_chunk)
