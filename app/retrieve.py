"""Hybrid retrieval: dense (MiniLM in Chroma) + BM25, fused by reciprocal rank, filtered to
committed chunks and case facets, with at most a few chunks per document."""

from __future__ import annotations

import re
import threading
from collections import defaultdict

import numpy as np

from app.lexical import LexicalIndex
from app.records import Evidence, Filters
from ingest.embed import Embedder
from ingest.lexicon import english_words
from ingest.settings import Settings
from ingest.store import Catalog, StoredChunk, VectorIndex


def case_names(chunks: list[StoredChunk]) -> dict[str, set[str]]:
    """Distinctive names per document (place words and proper nouns of the title that are
    not English words), kept only when they pick out at most two documents."""
    words = english_words()
    names: dict[str, set[str]] = defaultdict(set)
    for chunk in chunks:
        if chunk.doc_id in names:
            continue
        meta = chunk.metadata
        found = set()
        for phrase in re.findall(r"[A-Z][\w’'-]+(?: [A-Z][\w’'-]+)*", f"{meta.place} {meta.title}"):
            kept = [w for w in phrase.split() if w.lower().strip("’'s") not in words]
            if kept and len(kept) == len(phrase.split()):
                found.add(" ".join(kept))
            found.update(w for w in kept if len(w) >= 4)
        names[chunk.doc_id] = {n.removesuffix("'s").removesuffix("’s") for n in found}
    owners: dict[str, set[str]] = defaultdict(set)
    for doc_id, doc_names in names.items():
        for name in doc_names:
            owners[name.lower()].add(doc_id)
    return {
        doc_id: {n for n in doc_names if len(owners[n.lower()]) <= 2}
        for doc_id, doc_names in names.items()
    }


def reciprocal_rank_fusion(rankings: list[list[str]], k: int) -> dict[str, float]:
    """Cormack et al.'s RRF: robust to the different score scales of BM25 and cosine."""
    fused: dict[str, float] = defaultdict(float)
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            fused[item] += 1.0 / (k + rank + 1)
    return dict(fused)


class Retriever:
    """Owns the lexical index, rebuilt only when the catalog has changed."""

    def __init__(
        self, settings: Settings, catalog: Catalog, index: VectorIndex, embedder: Embedder
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.index = index
        self.embedder = embedder
        self._lexical: LexicalIndex | None = None
        self._chunks: dict[str, StoredChunk] = {}
        self._names: dict[str, set[str]] = {}
        self._version = -1
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        with self._lock:
            version = self.catalog.version()
            if version == self._version and self._lexical is not None:
                return
            chunks = list(self.catalog.all_chunks())
            self._chunks = {c.id: c for c in chunks}
            self._lexical = LexicalIndex([c.id for c in chunks], [c.text for c in chunks])
            self._names = case_names(chunks)
            self._version = version

    def focus(self, question: str) -> set[str]:
        """Documents whose case the question names ("Kalasin's network"): the answer should
        stay on them rather than spread across look-alike cases."""
        self._refresh()
        return {
            doc_id
            for doc_id, names in self._names.items()
            if any(re.search(rf"\b{re.escape(n)}\b", question, re.I) for n in names)
        }

    def search(
        self,
        question: str,
        filters: Filters | None = None,
        k: int | None = None,
        per_document: int = 2,
        vector: np.ndarray | None = None,
    ) -> list[Evidence]:
        """Best chunks for the question; pass `vector` when the caller already embedded it."""
        self._refresh()
        assert self._lexical is not None
        k = k or self.settings.top_k
        filters = filters or Filters()
        allowed = (
            {i for i, c in self._chunks.items() if filters.matches(c)} if filters.active else None
        )
        focused = self.focus(question)
        if focused:
            in_focus = {i for i, c in self._chunks.items() if c.doc_id in focused}
            allowed = in_focus if allowed is None else allowed & in_focus
            per_document = k
        depth = self.settings.candidates_k * (4 if allowed is not None else 1)
        if vector is None:
            vector = self.embedder.embed([question])[0]
        dense = [
            (i, s)
            for i, s in self.index.query(vector, depth)
            if i in self._chunks and (allowed is None or i in allowed)
        ]
        lexical = self._lexical.search(question, self.settings.candidates_k, allowed)
        fused = reciprocal_rank_fusion(
            [[i for i, _ in dense], [i for i, _ in lexical]], self.settings.rrf_k
        )
        dense_by_id, lexical_by_id = dict(dense), dict(lexical)
        ranked = sorted(fused, key=lambda i: -fused[i])
        taken: list[Evidence] = []
        per_doc: dict[str, int] = defaultdict(int)
        for chunk_id in ranked:
            chunk = self._chunks[chunk_id]
            if per_doc[chunk.doc_id] >= per_document:
                continue
            per_doc[chunk.doc_id] += 1
            taken.append(
                Evidence(
                    chunk, fused[chunk_id], dense_by_id.get(chunk_id), lexical_by_id.get(chunk_id)
                )
            )
            if len(taken) >= k:
                break
        return taken
