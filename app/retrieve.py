"""Hybrid retrieval: executes a plan's Search (dense MiniLM in Chroma + BM25, fused by
reciprocal rank) inside its scope, the committed chunks and the case facets, with at most
the plan's cap of chunks per document. It reads no question: the plan has decided."""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict

import numpy as np

from app.lexical import LexicalIndex
from app.plan import Search
from app.records import Evidence, Filters
from ingest.catalog import Catalog
from ingest.embed import Embedder
from ingest.lexicon import english_words
from ingest.records import StoredChunk
from ingest.settings import Settings
from ingest.text import STOPWORDS
from ingest.vectors import VectorIndex

# words that form place names but name nothing on their own
_GENERIC_PARTS = frozenset(
    re.findall(
        r"\w+",
        "north south east west northern southern eastern western new old city town county "
        "province state states united republic kingdom saint great upper lower central "
        "capital district region municipality metropolitan greater",
    )
)


_TOKEN = re.compile(r"[\w’'-]+")
_INSIDE_CAPITAL = re.compile(r"(?<=[\w,;)] )[A-Z][\w’'-]*")


def _tokens(text: str, inside: bool = False) -> list[str]:
    """Words without a possessive ending; with `inside`, only capitalised words that do
    not start a sentence."""
    found = (_INSIDE_CAPITAL if inside else _TOKEN).findall(text)
    return [w.removesuffix("'s").removesuffix("’s").strip("-'’") for w in found]


def case_names(chunks: list[StoredChunk]) -> dict[str, set[str]]:
    """Distinctive names per document: capitalised phrases of its place and title whose
    words the document itself writes capitalised (so "Porto Alegre" is a name while a
    title-cased "Participatory Budgeting" is not), kept only when they pick out at most two
    documents."""
    text_by_doc: dict[str, list[str]] = defaultdict(list)
    meta_by_doc: dict[str, StoredChunk] = {}
    for chunk in chunks:
        text_by_doc[chunk.doc_id].append(chunk.text)
        meta_by_doc.setdefault(chunk.doc_id, chunk)
    # one pass over the text (a regex per word per document would be quadratic at 20k chunks)
    everywhere = Counter(_tokens(" ".join(c.text for c in chunks)))
    names: dict[str, set[str]] = {}
    for doc_id, first in meta_by_doc.items():
        inside_counts = Counter(_tokens(" ".join(text_by_doc[doc_id]), inside=True))
        meta = first.metadata

        def proper(word: str, inside_counts: Counter = inside_counts) -> bool:
            # capitalised inside a sentence (not merely at its start or in a heading), and
            # rarely written in lower case anywhere in the corpus
            inside, lower = inside_counts[word], everywhere[word.lower()]
            return inside > 0 and inside >= 2 * lower and word.lower() not in STOPWORDS

        found = set()
        labels = f"{meta.place}. {meta.title}. {meta.country}"  # the country is a name too
        for phrase in re.findall(r"[A-Z][\w’'-]+(?: [A-Z][\w’'-]+)*", labels):
            words = [w.removesuffix("'s").removesuffix("’s") for w in phrase.split()]
            kept = [w for w in words if proper(w)]
            if kept and len(kept) == len(words):
                found.add(" ".join(kept))
            if len(words) > 1:  # "Porto" of "Porto Alegre", not "South" of "South Korea"
                found.update(w for w in kept if len(w) >= 4 and w.lower() not in _GENERIC_PARTS)
        names[doc_id] = found
    owners: dict[str, set[str]] = defaultdict(set)
    for doc_id, doc_names in names.items():
        if meta_by_doc[doc_id].lookalike_of:
            continue  # a copy of a case's title must not make its name ambiguous
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


def take(ranking: list[Evidence], k: int, per_document: int) -> list[Evidence]:
    """The first k of a ranking, skipping passages of documents that gave `per_document`."""
    taken: list[Evidence] = []
    per_doc: dict[str, int] = defaultdict(int)
    for ev in ranking:
        if per_doc[ev.chunk.doc_id] >= per_document:
            continue
        per_doc[ev.chunk.doc_id] += 1
        taken.append(ev)
        if len(taken) >= k:
            break
    return taken


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
        self._by_doc: dict[str, list[StoredChunk]] = {}
        self._names: dict[str, set[str]] = {}
        self._version = -1
        self._vector_cache: dict[str, np.ndarray] = {}
        # every committed vector as one matrix (row per chunk id), when the corpus is small
        # enough to score exactly: one product instead of a dot product per chunk
        self._matrix: tuple[dict[str, int], np.ndarray] | None = None
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        with self._lock:
            version = self.catalog.version()
            if version == self._version and self._lexical is not None:
                return
            chunks = list(self.catalog.all_chunks())
            self._chunks = {c.id: c for c in chunks}
            by_doc: dict[str, list[StoredChunk]] = defaultdict(list)
            for chunk in chunks:  # the catalog returns them by document, in order
                by_doc[chunk.doc_id].append(chunk)
            self._by_doc = dict(by_doc)
            self._lexical = LexicalIndex([c.id for c in chunks], [c.text for c in chunks])
            self._names = case_names(chunks)
            self._version = version
            self._vector_cache.clear()
            self._matrix = None

    def chunk(self, chunk_id: str) -> StoredChunk | None:
        self._refresh()
        return self._chunks.get(chunk_id)

    def chunk_map(self) -> dict[str, StoredChunk]:
        """Every committed chunk by id, as of now (one freshness check for many lookups)."""
        self._refresh()
        return self._chunks

    def document_chunks(self, doc_id: str) -> list[StoredChunk]:
        """A document's chunks in order."""
        self._refresh()
        return list(self._by_doc.get(doc_id, []))

    def documents(self) -> dict[str, StoredChunk]:
        """One chunk per document (its metadata travels with every chunk)."""
        self._refresh()
        return {doc_id: chunks[0] for doc_id, chunks in self._by_doc.items() if chunks}

    def named_cases(self, question: str) -> dict[str, set[str]]:
        """Documents whose case the question names ("Kalasin's network"), with the names
        found: the answer should stay on them rather than spread across look-alike cases."""
        self._refresh()
        words = english_words()
        found: dict[str, set[str]] = {}
        for doc_id, names in self._names.items():
            # "Governance" names a case only when written as a name; "kalasin" always does;
            # "Kenyan counties" names Kenya's case as much as "Kenya" does
            hits = {
                n
                for n in names
                if re.search(
                    rf"\b{re.escape(n)}(?:n|ns|an|ans|ian|ians|ese)?\b",
                    question,
                    0 if n.lower() in words else re.I,
                )
            }
            if hits:
                found[doc_id] = hits
        # a question naming a case is about the genuine document, not a look-alike of it
        documents = self._by_doc
        copies = {
            doc_id
            for doc_id in found
            if documents.get(doc_id) and set(documents[doc_id][0].lookalike_of) & set(found)
        }
        return {doc_id: hits for doc_id, hits in found.items() if doc_id not in copies}

    def ranking(self, search: Search, filters: Filters | None = None) -> list[Evidence]:
        """Every candidate of `search` (dense and lexical, fused by reciprocal rank) inside
        its scope and the filters, best first, before any per-document cap."""
        self._refresh()
        assert self._lexical is not None
        filters = filters or Filters()
        allowed = (
            {i for i, c in self._chunks.items() if filters.matches(c)} if filters.active else None
        )
        if search.scope.limited:
            docs = search.scope.documents
            in_scope = {i for i, c in self._chunks.items() if c.doc_id in docs}
            allowed = in_scope if allowed is None else allowed & in_scope
        depth = self.settings.retrieval.candidates_k
        dense = self._dense(search.vector, allowed)
        lexical = self._lexical.search(search.text, depth, allowed)
        fused = reciprocal_rank_fusion(
            [[i for i, _ in dense], [i for i, _ in lexical]], self.settings.retrieval.rrf_k
        )
        dense_by_id, lexical_by_id = dict(dense), dict(lexical)
        return [
            Evidence(self._chunks[i], fused[i], dense_by_id.get(i), lexical_by_id.get(i))
            for i in sorted(fused, key=lambda i: -fused[i])
        ]

    def search(
        self, search: Search, filters: Filters | None = None, k: int | None = None
    ) -> list[Evidence]:
        """The best k passages of `search` (default retrieval.top_k), at most its
        per-document cap from each document."""
        k = k or self.settings.retrieval.top_k
        return take(self.ranking(search, filters), k, search.per_document.limit(k))

    def _dense(
        self, vector: np.ndarray, allowed: set[str] | None, k: int | None = None
    ) -> list[tuple[str, float]]:
        """Nearest committed chunks. Inside a small scope (a named case, a narrow filter)
        every allowed chunk is scored exactly: an approximate top-N over the whole corpus
        may hold none of them."""
        k = k or self.settings.retrieval.candidates_k
        exact = self.settings.retrieval.exact_scope
        if allowed is not None and len(self._chunks) <= exact:
            rows, matrix = self._corpus_matrix()
            positions = np.fromiter(
                (rows[i] for i in allowed if i in rows), dtype=np.int64, count=-1
            )
            if not len(positions):
                return []
            scores = matrix[positions] @ vector
            best = np.argsort(-scores, kind="stable")[:k]
            ids = list(rows)
            return [(ids[positions[j]], float(scores[j])) for j in best]
        if allowed is not None and len(allowed) <= exact:
            ids = sorted(allowed)
            vectors = self.vectors(ids)
            scored = [(i, float(vectors[i] @ vector)) for i in ids if i in vectors]
            return sorted(scored, key=lambda pair: -pair[1])[:k]
        depth = k * (self.settings.retrieval.scoped_overfetch if allowed is not None else 1)
        return [
            (i, s)
            for i, s in self.index.query(vector, depth)
            if i in self._chunks and (allowed is None or i in allowed)
        ][:k]

    def _corpus_matrix(self) -> tuple[dict[str, int], np.ndarray]:
        matrix = self._matrix
        if matrix is None:
            ids = sorted(self._chunks)
            found = self.vectors(ids)
            ids = [i for i in ids if i in found]
            stacked = (
                np.stack([found[i] for i in ids])
                if ids
                else np.zeros((0, self.embedder.dim), np.float32)
            )
            matrix = self._matrix = ({i: n for n, i in enumerate(ids)}, stacked)
        return matrix

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors of committed chunks, cached until the catalog changes."""
        missing = [i for i in ids if i not in self._vector_cache]
        if missing:
            self._vector_cache.update(self.index.embeddings_for(missing))
        return {i: self._vector_cache[i] for i in ids if i in self._vector_cache}

    def chunk_scores(
        self, question: str, vector: np.ndarray, depth: int
    ) -> tuple[dict[str, float], dict[str, float]]:
        """Dense cosine and BM25 score of the `depth` best chunks by each, over the whole
        corpus (exact when it is small), for ranking whole cases rather than passages."""
        self._refresh()
        assert self._lexical is not None
        exact = len(self._chunks) <= self.settings.retrieval.exact_scope
        everything = set(self._chunks) if exact else None
        dense = self._dense(vector, everything, depth)
        return dict(dense), dict(self._lexical.search(question, depth, None))

    def dense_only(self, vector: np.ndarray, k: int) -> list[Evidence]:
        """Baseline: the k nearest chunks by MiniLM cosine, nothing else."""
        self._refresh()
        hits = [(i, s) for i, s in self.index.query(vector, k * 2) if i in self._chunks]
        return [Evidence(self._chunks[i], s, dense=s) for i, s in hits[:k]]

    def lexical_only(self, question: str, k: int) -> list[Evidence]:
        """Baseline: the k best chunks by BM25, nothing else."""
        self._refresh()
        assert self._lexical is not None
        hits = self._lexical.search(question, k, None)
        return [Evidence(self._chunks[i], s, lexical=s) for i, s in hits]
