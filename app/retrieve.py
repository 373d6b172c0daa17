"""Hybrid retrieval: executes a plan's Search (dense MiniLM and multilingual USE in Chroma,
plus BM25, fused by reciprocal rank) inside its scope, the committed chunks and the case
facets, with at most the plan's cap of chunks per document. It reads no question: the plan
has decided, including which channels read it (MiniLM is an English model)."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from app.lexical import LexicalIndex, lexical_index
from app.names import countries_in, documents_by_country, named_in, saved_case_names
from app.plan import Search
from app.records import Evidence, Filters
from app.stages import StageClock
from ingest.catalog import Catalog
from ingest.embed import Embedder
from ingest.multilingual import DIM as MULTILINGUAL_DIM
from ingest.records import StoredChunk
from ingest.sentence_vectors import SentenceVectors
from ingest.settings import Settings
from ingest.text import tokenize
from ingest.vectors import VectorIndex


def reciprocal_rank_fusion(
    rankings: list[list[str]],
    k: int,
    weights: list[float] | None = None,
    unread: list[set[str]] | None = None,
    unread_scale: float = 1.0,
) -> dict[str, float]:
    """Cormack et al.'s RRF: robust to the different score scales of BM25 and cosine; a
    ranking's weight scales its votes (a channel that cannot read the question gets 0).

    `unread[n]` are items ranking n cannot read (MiniLM and BM25 cannot read a Thai passage
    for an English question): such an item is judged by the channels that can, its votes
    scaled up by the weight of those that cannot (times `unread_scale`: 1 counts a lone
    reader's vote as much as all channels', 0 not at all), so a passage only USE can read
    is not simply outvoted by channels that never saw it.
    """
    weights = weights or [1.0] * len(rankings)
    total = sum(weights)
    fused: dict[str, float] = defaultdict(float)
    for n, ranking in enumerate(rankings):
        if not weights[n]:
            continue
        for rank, item in enumerate(ranking):
            fused[item] += weights[n] / (k + rank + 1)
    if unread:
        for item in fused:
            readers = sum(
                w for w, cannot in zip(weights, unread, strict=True) if item not in cannot
            )
            if readers and readers < total:
                fused[item] *= 1.0 + unread_scale * (total / readers - 1.0)
    return dict(fused)


@dataclass
class _Space:
    """One dense channel's collection and the vectors read from it (a refresh replaces
    the cache: vectors are keyed by content, so this only bounds memory)."""

    name: str
    index: VectorIndex
    dim: int
    cache: dict[str, np.ndarray] = field(default_factory=dict)

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors of these chunks (ids without one are left out)."""
        cache = self.cache  # a refresh replaces it: this call keeps the one it read
        found = {i: cache[i] for i in ids if i in cache}
        missing = [i for i in ids if i not in found]
        if missing:
            fetched = self.index.embeddings_for(missing)
            cache.update(fetched)
            found.update(fetched)
        return found


@dataclass
class _Snapshot:
    """The committed chunks as of one catalog version and what is built from them. Each call
    reads one snapshot throughout, so a refresh by another thread (after another process's
    commit) can never mix two versions of a document or drop a chunk id mid-ranking."""

    version: int
    chunks: dict[str, StoredChunk]
    by_doc: dict[str, list[StoredChunk]]
    lexical: LexicalIndex
    names: dict[str, set[str]]
    by_country: dict[str, set[str]]
    # per channel, every committed vector as one matrix (row per chunk id), when the corpus
    # is small enough to score exactly: one product instead of a dot product per chunk;
    # built on first use, from a vector store at least as new as this version's commit
    matrices: dict[str, tuple[dict[str, int], np.ndarray]] = field(default_factory=dict)
    # (ids of chunks not in Latin script, ids of Latin-script chunks), built on first use
    by_script: tuple[set[str], set[str]] | None = None

    def scripts(self) -> tuple[set[str], set[str]]:
        """Index with "is the question in Latin script" to get the chunks in the other one."""
        if self.by_script is None:
            other = self.lexical.non_latin
            self.by_script = (set(other), set(self.chunks) - other)
        return self.by_script


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
        self,
        settings: Settings,
        catalog: Catalog,
        index: VectorIndex,
        embedder: Embedder,
        multilingual: VectorIndex | None = None,
        save_derived: bool = True,
    ) -> None:
        """`index` holds the MiniLM vectors, `multilingual` (if the channel is on) USE's;
        the BM25 index is read back from `settings.lexical_dir` when saved there, and the
        case names from the catalog; both are saved after a build with `save_derived` (an
        index that may only be read is never written)."""
        self.settings = settings
        self.save_derived = save_derived
        self.catalog = catalog
        self.index = index
        self.embedder = embedder
        self._snapshot: _Snapshot | None = None
        self._minilm = _Space("minilm", index, embedder.dim)
        self._use = _Space("use", multilingual, MULTILINGUAL_DIM) if multilingual else None
        self._lock = threading.Lock()

    def _refresh(self) -> _Snapshot:
        """The snapshot of the catalog's current version, rebuilt if it has changed."""
        with self._lock:
            version = self.catalog.version()
            if self._snapshot is not None and self._snapshot.version == version:
                return self._snapshot
            chunks = list(self.catalog.all_chunks())
            by_doc: dict[str, list[StoredChunk]] = defaultdict(list)
            for chunk in chunks:  # the catalog returns them by document, in order
                by_doc[chunk.doc_id].append(chunk)
            self._snapshot = _Snapshot(
                version,
                {c.id: c for c in chunks},
                dict(by_doc),
                lexical_index(
                    [c.id for c in chunks],
                    [c.text for c in chunks],
                    self.settings.lexical_dir,
                    self.save_derived,
                ),
                saved_case_names(
                    self.catalog,
                    chunks,
                    self.settings.retrieval.name_max_documents,
                    self.save_derived,
                ),
                documents_by_country(chunks),
            )
            for space in (self._minilm, self._use):
                if space:
                    space.cache = {}
            return self._snapshot

    def vector_counts(self) -> dict[str, int]:
        """Dense channel name (as ingest.channels names it) -> vectors its collection holds."""
        spaces = [space for space in (self._minilm, self._use) if space is not None]
        return {space.name: space.index.count() for space in spaces}

    def close(self) -> None:
        """Stop the vector indexes' clients."""
        self.index.close()
        if self._use is not None:
            self._use.index.close()

    def term_weights(self, text: str) -> tuple[dict[str, float], set[str]]:
        """IDF over the committed chunks of each BM25 term of `text`, and the terms that
        no chunk holds at all."""
        lexical = self._refresh().lexical
        terms = tokenize(text)
        return lexical.idf(terms), lexical.unseen(terms)

    def chunk(self, chunk_id: str) -> StoredChunk | None:
        return self._refresh().chunks.get(chunk_id)

    def chunk_map(self) -> dict[str, StoredChunk]:
        """Every committed chunk by id, as of now (one freshness check for many lookups)."""
        return self._refresh().chunks

    def document_chunks(self, doc_id: str) -> list[StoredChunk]:
        """A document's chunks in order."""
        return list(self._refresh().by_doc.get(doc_id, []))

    def documents(self) -> dict[str, StoredChunk]:
        """One chunk per document (its metadata travels with every chunk)."""
        by_doc = self._refresh().by_doc
        return {doc_id: chunks[0] for doc_id, chunks in by_doc.items() if chunks}

    def named_cases(self, question: str) -> dict[str, set[str]]:
        """Documents whose case the question names ("Kalasin's network"), with the names
        found (app.names): the answer should stay on them rather than spread across
        look-alike cases. A question naming a case is about the genuine document, not a
        look-alike of it (ingest.lookalikes): a copy named with its original is left out."""
        snap = self._refresh()  # names and look-alike flags of one catalog version
        found = named_in(question, snap.names)
        copies = {
            doc_id
            for doc_id in found
            if snap.by_doc.get(doc_id) and set(snap.by_doc[doc_id][0].lookalike_of) & set(found)
        }
        return {doc_id: hits for doc_id, hits in found.items() if doc_id not in copies}

    def named_countries(self, question: str) -> dict[str, set[str]]:
        """The countries the question names ("a Thai study"), as written, with their
        documents: the cases the plan keeps to when the question names no case."""
        return countries_in(question, self._refresh().by_country)

    def ranking(
        self, search: Search, filters: Filters | None = None, clock: StageClock | None = None
    ) -> list[Evidence]:
        """Every candidate of `search` (dense and lexical, fused by reciprocal rank) inside
        its scope and the filters, best first, before any per-document cap; `clock` gets
        the dense, lexical and fusion stages' time."""
        clock = clock or StageClock()
        snap = self._refresh()
        with clock.stage("fusion"):
            allowed = self._allowed(snap, search, filters)
        r = self.settings.retrieval
        crossing = self._use is not None and search.multilingual is not None
        # MiniLM and BM25 cannot read a passage in another script than the question's (an
        # English model reads Thai as single letters): with USE on, such passages are
        # judged by USE alone, and MiniLM's votes for them, which are noise, are dropped
        other = snap.scripts()[not search.latin] if crossing else set()
        multilingual: dict[str, float] = {}
        with clock.stage("dense"):
            if crossing and not search.latin:  # few passages share the question's script
                mine = set(snap.chunks) - other if allowed is None else allowed - other
                dense = self._dense(snap, self._minilm, search.vector, mine)
            else:
                found = self._dense(snap, self._minilm, search.vector, allowed)
                dense = [pair for pair in found if pair[0] not in other]
            if crossing:
                assert self._use is not None and search.multilingual is not None
                multilingual = dict(self._dense(snap, self._use, search.multilingual, allowed))
        with clock.stage("lexical"):
            lexical = snap.lexical.search(search.text, r.candidates_k, allowed)
        with clock.stage("fusion"):
            rankings, weights = [[i for i, _ in dense], [i for i, _ in lexical]], [1.0, 1.0]
            unread = None
            if crossing:
                rankings.append(list(multilingual))
                weights.append(r.multilingual_weight)
                unread = [other, other, set()]
            fused = reciprocal_rank_fusion(rankings, r.rrf_k, weights, unread, r.cross_script_scale)
            dense_by_id, lexical_by_id = dict(dense), dict(lexical)
            return [
                Evidence(
                    snap.chunks[i],
                    fused[i],
                    dense_by_id.get(i),
                    lexical_by_id.get(i),
                    multilingual.get(i),
                )
                for i in sorted(fused, key=lambda i: -fused[i])
            ]

    @staticmethod
    def _allowed(snap: _Snapshot, search: Search, filters: Filters | None) -> set[str] | None:
        """The chunk ids the filters and the plan's scope leave (None: every chunk)."""
        filters = filters or Filters()
        allowed = (
            {i for i, c in snap.chunks.items() if filters.matches(c)} if filters.active else None
        )
        if search.scope.limited:
            docs = search.scope.documents
            in_scope = {c.id for d in docs for c in snap.by_doc.get(d, ())}
            allowed = in_scope if allowed is None else allowed & in_scope
        return allowed

    def search(
        self, search: Search, filters: Filters | None = None, k: int | None = None
    ) -> list[Evidence]:
        """The best k passages of `search` (default retrieval.top_k), at most its
        per-document cap from each document."""
        k = k or self.settings.retrieval.top_k
        return take(self.ranking(search, filters), k, search.per_document.limit(k))

    def _dense(
        self,
        snap: _Snapshot,
        space: _Space,
        vector: np.ndarray,
        allowed: set[str] | None,
        k: int | None = None,
    ) -> list[tuple[str, float]]:
        """Nearest committed chunks. Inside a small scope (a named case, a narrow filter)
        every allowed chunk is scored exactly: an approximate top-N over the whole corpus
        may hold none of them."""
        k = k or self.settings.retrieval.candidates_k
        exact = self.settings.retrieval.exact_scope
        if allowed is not None and len(snap.chunks) <= exact:
            rows, matrix = self._corpus_matrix(snap, space)
            # sorted: a set's order changes with each process's hash seed, and ties (equal
            # scores) would be broken by it, so two runs could rank alike passages apart
            positions = np.sort(
                np.fromiter((rows[i] for i in allowed if i in rows), dtype=np.int64, count=-1)
            )
            if not len(positions):
                return []
            scores = matrix[positions] @ vector
            best = np.argsort(-scores, kind="stable")[:k]
            ids = list(rows)
            return [(ids[positions[j]], float(scores[j])) for j in best]
        if allowed is not None and len(allowed) <= exact:
            ids = sorted(allowed)
            vectors = space.vectors(ids)
            scored = [(i, float(vectors[i] @ vector)) for i in ids if i in vectors]
            return sorted(scored, key=lambda pair: -pair[1])[:k]
        depth = k * (self.settings.retrieval.scoped_overfetch if allowed is not None else 1)
        return [
            (i, s)
            for i, s in space.index.query(vector, depth)
            if i in snap.chunks and (allowed is None or i in allowed)
        ][:k]

    def _corpus_matrix(self, snap: _Snapshot, space: _Space) -> tuple[dict[str, int], np.ndarray]:
        matrix = snap.matrices.get(space.name)
        if matrix is None:
            ids = sorted(snap.chunks)
            found = space.vectors(ids)
            ids = [i for i in ids if i in found]
            stacked = (
                np.stack([found[i] for i in ids]) if ids else np.zeros((0, space.dim), np.float32)
            )
            matrix = snap.matrices[space.name] = ({i: n for n, i in enumerate(ids)}, stacked)
        return matrix

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, SentenceVectors]:
        """The MiniLM vectors ingest stored for these chunks' sentences, read in their
        passage (ingest.sentence_vectors); chunks without any are left out."""
        return self.catalog.sentence_vectors(chunk_ids)

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored MiniLM vectors of these chunks (ids without one are left out), cached
        until the catalog changes."""
        return self._minilm.vectors(ids)

    def chunk_scores(
        self, question: str, vector: np.ndarray, depth: int
    ) -> tuple[dict[str, float], dict[str, float]]:
        """Dense cosine and BM25 score of the `depth` best chunks by each, over the whole
        corpus (exact when it is small), for ranking whole cases rather than passages."""
        snap = self._refresh()
        exact = len(snap.chunks) <= self.settings.retrieval.exact_scope
        everything = set(snap.chunks) if exact else None
        dense = self._dense(snap, self._minilm, vector, everything, depth)
        return dict(dense), dict(snap.lexical.search(question, depth, None))

    def dense_only(self, vector: np.ndarray, k: int) -> list[Evidence]:
        """Baseline: the k nearest chunks by MiniLM cosine, nothing else ("dense-only")."""
        chunks = self._refresh().chunks
        hits = [(i, s) for i, s in self.index.query(vector, k * 2) if i in chunks]
        return [Evidence(chunks[i], s, dense=s) for i, s in hits[:k]]

    def multilingual_only(self, vector: np.ndarray, k: int) -> list[Evidence]:
        """Baseline: the k nearest chunks by USE cosine, nothing else."""
        chunks = self._refresh().chunks
        if self._use is None:
            return []
        hits = [(i, s) for i, s in self._use.index.query(vector, k * 2) if i in chunks]
        return [Evidence(chunks[i], s, multilingual=s) for i, s in hits[:k]]

    def lexical_only(self, question: str, k: int) -> list[Evidence]:
        """Baseline: the k best chunks by BM25, nothing else."""
        snap = self._refresh()
        hits = snap.lexical.search(question, k, None)
        return [Evidence(snap.chunks[i], s, lexical=s) for i, s in hits]
