"""Cases rather than chunks: case-level search, similar cases, facet counts, reading lists.

Case search scores every passage against the query (dense cosine and BM25, as the chat's
retrieval does) and ranks each case by an aggregate of its passages' scores. Which
aggregate is measured, not assumed: `govqa eval` scores all of AGGREGATES on graded case
queries (`--cases`: data/eval/cases.jsonl by default, data/eval/real/cases-*.jsonl over the
real corpus), next to the chunk-level baseline (cases in the order the chat's passage
retrieval first reaches them). DEFAULT_AGGREGATE was chosen on the sample set plus the real
tuning set, and is reported on the real held-out set too.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.answer import Candidate, candidate_sentences
from app.cards import load_cards
from app.citations import SourceList
from app.facets import FACETS, CaseFilters, card_facets, facet_counts, parse_decade  # noqa: F401
from app.records import (
    CaseCard,
    CaseHit,
    Evidence,
    ReadingItem,
    SimilarCase,
    Source,
)
from app.retrieve import Retriever, reciprocal_rank_fusion
from ingest.catalog import Catalog
from ingest.settings import CasesSettings
from ingest.text import normalize_space, stems


@dataclass
class PassageScores:
    """One case's passages with their scores for a query, best first per kind, and how
    many passages the case has in all (the scored ones are those the search reached)."""

    dense: list[float] = field(default_factory=list)
    lexical: list[float] = field(default_factory=list)
    fused: list[tuple[float, str]] = field(default_factory=list)
    passages: int = 0


@dataclass(frozen=True)
class Reached:
    """What a query's search over the corpus reached: the best BM25 score (the mix
    aggregates divide by it) and the last cosine and BM25 score it took (a passage it did
    not reach scores at most that)."""

    top_lexical: float = 1.0
    dense_floor: float = 0.0
    lexical_floor: float = 0.0


def _top_mean(values: list[float], n: int) -> float:
    """Mean of the n best, counting missing ones as 0: a case needs several matching
    passages to score high, so one lucky sentence in a long report does not win."""
    best = sorted(values, reverse=True)[:n]
    return sum(best) / n if best else 0.0


def _prior_mean(values: list[float], passages: int, floor: float, w: CasesSettings) -> float:
    """Mean of a case's best k passages, k = top_passages * n / (n + passage_prior) for
    a case of n passages (at least 1, a fraction weighing the last one in part).

    Why: a case should need several matching passages to score high, but a short one
    cannot have many; with the saturating k (passage_prior 5) a three-passage abstract is
    judged on little more than its best one, a long report on nearly top_passages. A
    passage the search did not reach counts as the last score it took, not 0: it is
    unseen, not unrelated.
    """
    n = max(passages, len(values), 1)
    k = max(1.0, w.top_passages * n / (n + w.passage_prior))
    best = sorted(values, reverse=True)[: math.ceil(k)]
    best += [floor] * (math.ceil(k) - len(best))
    whole = math.floor(k)
    return (sum(best[:whole]) + (k - whole) * (best[whole] if k > whole else 0.0)) / k


def _mix(dense: float, lexical: float, top: float, w: CasesSettings) -> float:
    return w.dense_weight * dense + w.lexical_weight * lexical / top


def _mix_prior(s: PassageScores, r: Reached, w: CasesSettings) -> float:
    dense = _prior_mean(s.dense, s.passages, r.dense_floor, w)
    return _mix(dense, _prior_mean(s.lexical, s.passages, r.lexical_floor, w), r.top_lexical, w)


# Each maps a case's passage scores, what the query's search reached and the weights
# (settings.cases; "3" is its top_passages) to one score.
Aggregate = Callable[[PassageScores, Reached, CasesSettings], float]
AGGREGATES: dict[str, Aggregate] = {
    "dense-max": lambda s, _, w: max(s.dense, default=0.0),
    "dense-mean3": lambda s, _, w: _top_mean(s.dense, w.top_passages),
    "fused-max": lambda s, _, w: max((f for f, _ in s.fused), default=0.0),
    "fused-sum3": lambda s, _, w: sum(
        sorted((f for f, _ in s.fused), reverse=True)[: w.top_passages]
    ),
    "mix-max": lambda s, r, w: _mix(
        max(s.dense, default=0.0), max(s.lexical, default=0.0), r.top_lexical, w
    ),
    "mix-mean3": lambda s, r, w: _mix(
        _top_mean(s.dense, w.top_passages),
        _top_mean(s.lexical, w.top_passages),
        r.top_lexical,
        w,
    ),
    "mix-prior3": _mix_prior,
}
DEFAULT_AGGREGATE = "mix-prior3"


@dataclass
class CaseResults:
    hits: list[CaseHit]
    facets: dict[str, list[tuple[str, int]]]
    total: int  # cases that match the filters (the hits are the best of them)


class CaseLibrary:
    """The stored case cards and the searches over them, reloaded when they change."""

    def __init__(self, catalog: Catalog, retriever: Retriever) -> None:
        self.catalog = catalog
        self.retriever = retriever
        self.settings = retriever.settings.cases
        self._cards: list[CaseCard] = []
        self._by_doc: dict[str, CaseCard] = {}
        self._version = (-1, -1)
        self._sizes: dict[str, int] = {}
        self._sizes_version = (-1, -1)
        self._lock = threading.Lock()

    def cards(self) -> list[CaseCard]:
        """Every stored case card. Cards are derived after each ingest (`govqa ingest`, an
        upload in the chat); reading never builds or stores one, so a document ingested
        without its card is simply not a case yet: case search, reading lists and
        comparisons skip it (a comparison then computes all its columns live)."""
        return self._current()[0]

    def _current(self) -> tuple[list[CaseCard], dict[str, CaseCard]]:
        """The cards and each document's card, as one pair: another thread may reload them
        (after another process's ingest) between two reads of the attributes."""
        with self._lock:
            version = (self.catalog.version(), self.catalog.derived_version())
            if version != self._version:
                documents = set(self.retriever.documents())
                cards = [c for c in load_cards(self.catalog) if set(c.doc_ids) <= documents]
                self._cards = cards
                self._by_doc = {d: c for c in cards for d in c.doc_ids}
                self._version = (self.catalog.version(), self.catalog.derived_version())
            return self._cards, self._by_doc

    def card(self, case_id: str) -> CaseCard | None:
        """A card by case id, by the id of any of its documents, or by a unique prefix."""
        cards, by_doc = self._current()
        if case_id in by_doc:
            return by_doc[case_id]
        matches = [c for c in cards if c.case_id.startswith(case_id)]
        return matches[0] if len(matches) == 1 else None

    def case_of(self, doc_id: str) -> CaseCard | None:
        return self._current()[1].get(doc_id)

    def passage_scores(self, query: str, vector: np.ndarray) -> dict[str, PassageScores]:
        """Per case, the scores of its passages among the best `cases.search_depth` by
        meaning and by words."""
        by_doc = self._current()[1]
        dense, lexical = self.retriever.chunk_scores(query, vector, self.settings.search_depth)
        fused = reciprocal_rank_fusion(
            [sorted(dense, key=lambda i: -dense[i]), sorted(lexical, key=lambda i: -lexical[i])],
            self.retriever.settings.retrieval.rrf_k,
        )
        by_case: dict[str, PassageScores] = defaultdict(PassageScores)
        chunks = self.retriever.chunk_map()
        sizes = self._passage_counts()
        for chunk_id, score in fused.items():
            chunk = chunks.get(chunk_id)
            card = by_doc.get(chunk.doc_id) if chunk else None
            if card is None:
                continue
            scores = by_case[card.case_id]
            scores.fused.append((score, chunk_id))
            if chunk_id in dense:
                scores.dense.append(dense[chunk_id])
            if chunk_id in lexical:
                scores.lexical.append(lexical[chunk_id])
        for case_id, scores in by_case.items():
            scores.fused.sort(reverse=True)
            scores.dense.sort(reverse=True)
            scores.lexical.sort(reverse=True)
            scores.passages = sizes.get(case_id, 0)
        return by_case

    def _passage_counts(self) -> dict[str, int]:
        """Passages per case, counted once per change of the cards."""
        self.cards()
        with self._lock:
            if self._sizes_version != self._version:
                counts: dict[str, int] = defaultdict(int)
                for chunk in self.retriever.chunk_map().values():
                    card = self._by_doc.get(chunk.doc_id)
                    if card is not None:
                        counts[card.case_id] += 1
                self._sizes, self._sizes_version = dict(counts), self._version
            return self._sizes

    def rank(
        self, query: str, vector: np.ndarray, aggregate: str = DEFAULT_AGGREGATE
    ) -> list[tuple[str, float, PassageScores]]:
        """(case id, score, passage scores) for every case with a matching passage."""
        by_case = self.passage_scores(query, vector)
        scores = list(by_case.values())
        dense = [v for s in scores for v in s.dense]
        lexical = [v for s in scores for v in s.lexical]
        reached = Reached(
            max(lexical, default=0.0) or 1.0, min(dense, default=0.0), min(lexical, default=0.0)
        )
        score = AGGREGATES[aggregate]
        scored = [(cid, score(s, reached, self.settings), s) for cid, s in by_case.items()]
        return sorted(scored, key=lambda t: -t[1])

    def find(self, query: str, filters: CaseFilters | None = None, k: int = 10) -> CaseResults:
        """Cases for a precedent query, best first, each with its best passages cited, and
        the facet counts of the list. Without a query, every case in title order.

        Counts follow the usual faceted-search rule: a facet's counts are taken over the
        list narrowed by the other facets only, so choosing "Brazil" still shows how many
        cases "India" would add.
        """
        filters = filters or CaseFilters()
        query = normalize_space(query)
        vector = self.retriever.embedder.embed([query])[0] if query else None
        if vector is None:
            ranked = [(card, 0.0, PassageScores()) for card in self.cards()]
        else:
            cards = {c.case_id: c for c in self.cards()}
            # a case reloaded since `cards` was read (another ingest) is left out of this list
            ranked = [
                (cards[cid], score, s) for cid, score, s in self.rank(query, vector) if cid in cards
            ]

        def top(wanted: CaseFilters) -> list:
            return [r for r in ranked if wanted.matches(r[0])][:k]

        counts = {
            name: facet_counts([card for card, _, _ in top(filters.without(name))])[name]
            for name in FACETS
        }
        shown = top(filters)
        if vector is None:
            hits = [CaseHit(card, 0.0, [], []) for card, _, _ in shown]
        else:
            hits = self._explain(shown, query, vector)
        return CaseResults(hits, counts, sum(1 for r in ranked if filters.matches(r[0])))

    def _explain(
        self, shown: list[tuple[CaseCard, float, PassageScores]], query: str, vector: np.ndarray
    ) -> list[CaseHit]:
        """Each case's best passages, each with the sentence closest to the query marked.
        The sentences of every shown case are embedded in one batch (many small model
        calls cost several times more than one)."""
        picked: list[tuple[CaseHit, Evidence | None, list[Candidate]]] = []
        chunks = self.retriever.chunk_map()
        for card, score, scores in shown:
            hit, taken = (card, score), 0
            for _, chunk_id in scores.fused:
                chunk = chunks.get(chunk_id)
                evidence = Evidence(chunk, 0.0) if chunk else None
                candidates = candidate_sentences([evidence]) if evidence else []
                if candidates:  # a run of interview citations has nothing to quote
                    picked.append((hit, evidence, candidates))
                    taken += 1
                if taken == self.settings.why_passages:
                    break
            picked.append((hit, None, []))  # keeps hits with no quotable passage listed
        texts = [c.text for _, _, candidates in picked for c in candidates]
        meaning = self.retriever.embedder.embed_memo(texts) @ vector if texts else []
        terms, cursor, hits = stems(query), 0, []
        w = self.settings
        sources, why = SourceList(), []
        for (card, score), evidence, candidates in picked:
            if evidence is None:  # the case's last entry: its hit is complete
                hits.append(CaseHit(card, score, sources.sources(), why))
                sources, why = SourceList(), []
                continue
            words = np.array([len(terms & stems(c.text)) / max(1, len(terms)) for c in candidates])
            close = np.asarray(meaning[cursor : cursor + len(candidates)])
            cursor += len(candidates)
            best = candidates[
                int(np.argmax(w.why_meaning_weight * close + w.why_terms_weight * words))
            ]
            sources.cite(evidence.chunk, (best.start, best.end))
            why.append(best.text)
        return hits

    def similar(self, case_id: str, k: int = 5) -> list[SimilarCase]:
        """The nearest other cases by content, with the facets they share and differ on."""
        card = self.card(case_id)
        if card is None:
            return []
        mine = card_facets(card)
        centre = np.asarray(card.centroid, dtype=np.float32)
        out = []
        for other in self.cards():
            if other.case_id == card.case_id:
                continue
            theirs = card_facets(other)
            shared, differs = {}, {}
            for name in mine:
                common = sorted(set(mine[name]) & set(theirs[name]))
                if common:
                    shared[name] = ", ".join(common)
                elif mine[name] or theirs[name]:
                    differs[name] = (", ".join(mine[name]) or "?", ", ".join(theirs[name]) or "?")
            similarity = float(centre @ np.asarray(other.centroid, dtype=np.float32))
            out.append(SimilarCase(other, similarity, shared, differs))
        return sorted(out, key=lambda s: -s.similarity)[:k]

    def reading_list(
        self, question: str, sources: list[Source], vector: np.ndarray
    ) -> list[ReadingItem]:
        """An answer's reading list: the cases its sources come from, then the closest
        `cases.reading_closest` cases it did not cite, leaving out look-alikes of the
        cited ones (a copy of a case must not ride on every answer about it)."""
        all_cards, by_doc = self._current()
        closest = self.settings.reading_closest
        cited: list[CaseCard] = []
        for doc_id in dict.fromkeys(s.doc_id for s in sources):
            card = by_doc.get(doc_id)
            if card is not None and all(card.case_id != c.case_id for c in cited):
                cited.append(card)
        more: list[CaseCard] = []
        if closest:
            cited_docs = {d for c in cited for d in c.doc_ids}
            cards = {c.case_id: c for c in all_cards}
            taken = {c.case_id for c in cited}
            # look-alikes are checked on the ranked cases only: building a set per card of
            # the corpus took 2 of this stage's 10 ms at 20k real chunks
            for case_id, _, _ in self.rank(question, vector):
                card = cards.get(case_id)
                if card is None or case_id in taken or cited_docs.intersection(card.lookalike_of):
                    continue
                more.append(card)
                taken.add(case_id)
                if len(more) == closest:
                    break
        return [_reading_item(c, True) for c in cited] + [_reading_item(c, False) for c in more]


def _reading_item(card: CaseCard, cited: bool) -> ReadingItem:
    title = f"⚠ look-alike: {card.title}" if card.lookalike_of else card.title
    return ReadingItem(
        card.case_id,
        title,
        card.place,
        card.country,
        card.facts["years"].value,
        cited,
        list(card.authors),
        card.year,
    )
