"""Extractive answerer: pick the evidence sentences that answer the question, cite each."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from app.abstain import Cited, asked_figure, gap_counts, gives_figure, words_of
from app.answerability import answerability_features, judge, load_model
from app.citations import SourceList
from app.records import (
    Answerability,
    AnswerSentence,
    Evidence,
    RelatedCase,
    Reply,
    case_period,
)
from app.stages import StageClock
from ingest.channels import Embeds
from ingest.sentence_vectors import SentenceVectors
from ingest.settings import AnswerSettings, Settings
from ingest.text import is_latin, is_thai, passage_sentences, stems

ABSTAIN_TEXT = "The sources do not answer this question."


_PARENTHETICAL = re.compile(r"\([^()]*\)?|^[^()]*\)")


def is_statement(sentence: str) -> bool:
    """A full sentence worth quoting: ends like a sentence (not a heading or title) and has
    six or more words outside parenthetical citations. Thai has no full stop and no spaces
    between words, so a Thai sentence counts when it has 25 or more Thai letters."""
    if is_thai(sentence):
        return len(re.findall(r"[\u0e00-\u0e7f]", sentence)) >= 25
    if not re.search(r"[.!?][\"'”’]?$", sentence.strip()):
        return False
    if sentence.count("(") != sentence.count(")"):  # a fragment of a citation run
        return False
    if _share_in_parentheses(sentence) > 0.5:  # a run of interview citations
        return False
    return len(_PARENTHETICAL.sub(" ", sentence).split()) >= 6


def _share_in_parentheses(sentence: str) -> float:
    depth, inside = 0, 0
    for ch in sentence:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth:
            inside += 1
    return inside / max(1, len(sentence))


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, len(a | b))


@dataclass
class Candidate:
    """A statement sentence inside one evidence passage."""

    evidence: int
    start: int
    end: int
    text: str


def candidate_sentences(evidence: list[Evidence]) -> list[Candidate]:
    out = []
    for i, ev in enumerate(evidence):
        for start, end in passage_sentences(ev.chunk.text):
            text = ev.chunk.text[start:end]
            if is_statement(text):
                out.append(Candidate(i, start, end, re.sub(r"\s+", " ", text).strip()))
    return out


def shortlist(question: str, candidates: list[Candidate], limit: int) -> list[Candidate]:
    """The sentences worth embedding at query time (the costly step of answering): those
    of the best passages and those sharing the most terms with the question."""
    if len(candidates) <= limit:
        return candidates
    terms = stems(question)
    keyed = sorted(
        range(len(candidates)),
        key=lambda i: (
            -(
                len(terms & stems(candidates[i].text)) / max(1, len(terms))
                + 1.0 / (candidates[i].evidence + 2)
            )
        ),
    )
    keep = sorted(keyed[:limit])
    return [candidates[i] for i in keep]


@dataclass(frozen=True)
class Reader:
    """A model that reads a question: its embedder, the question's vector in it (for how
    close a sentence is) and the vector sentences are ranked by (see Engine)."""

    embedder: Embeds
    vector: np.ndarray
    rank_vector: np.ndarray


@dataclass(frozen=True)
class Meaning:
    """Per candidate sentence: cosine to the question and to the rank vector, read by the
    model for its script (NaN where no model reads the sentence)."""

    closeness: np.ndarray
    rank: np.ndarray

    @property
    def read(self) -> bool:
        return bool(np.isfinite(self.closeness).any())


def sentence_meaning(
    question_latin: bool,
    candidates: list[Candidate],
    own: Reader | None,
    cross: Reader | None,
    in_context: list[SentenceVectors] | None = None,
) -> Meaning:
    """Each sentence read by MiniLM (`own`) when it is in the question's script, else by
    the cross-language model (`cross`, USE): MiniLM's cosine between an English question
    and a Thai sentence, or the reverse, is noise. `in_context[n]` holds the MiniLM
    vectors ingest stored for evidence passage n's sentences (ingest.sentence_vectors),
    read in their passage; a sentence without one is embedded now, on its own."""
    n = len(candidates)
    closeness, rank = np.full(n, np.nan), np.full(n, np.nan)
    groups: dict[int, list[int]] = {}
    readers = [own, cross]
    for i, c in enumerate(candidates):
        same = is_latin(c.text) == question_latin
        choice = 0 if (same and own) or not cross else 1
        if readers[choice] is not None:
            groups.setdefault(choice, []).append(i)
    for choice, rows in groups.items():
        reader = readers[choice]
        assert reader is not None
        stored = in_context if choice == 0 else None
        vectors = stored_or_embedded(reader.embedder, [candidates[i] for i in rows], stored)
        closeness[rows] = vectors @ reader.vector
        rank[rows] = vectors @ reader.rank_vector
    return Meaning(closeness, rank)


def stored_or_embedded(
    embedder: Embeds, candidates: list[Candidate], stored: list[SentenceVectors] | None
) -> np.ndarray:
    """The stored vector of each candidate where there is one (`stored[n]`: those of
    evidence passage n, read in their passage at ingest), else its own embedding now."""
    found = [
        stored[c.evidence].get((c.start, c.end)) if stored and c.evidence < len(stored) else None
        for c in candidates
    ]
    todo = [k for k, vector in enumerate(found) if vector is None]
    if todo:
        fresh = embedder.embed_memo([candidates[k].text for k in todo])
        for k, vector in zip(todo, fresh, strict=True):
            found[k] = vector
    return np.stack(found) if found else np.zeros((0, embedder.dim), dtype=np.float32)


def rank_sentences(
    question: str,
    candidates: list[Candidate],
    meaning: Meaning,
    weights: AnswerSettings,
    ignore_terms: set[str] = frozenset(),
) -> np.ndarray:
    """Score per candidate: weighted meaning + shared terms + passage rank (0.6/0.3/0.1 by
    default), plus a bonus for stating the kind of figure the question asks for.

    Terms of the case's own name are left out of the overlap: in a question about Porto
    Alegre every Porto Alegre sentence shares them, so they say nothing about relevance.
    When no model reads the question (a Thai question with the multilingual channel
    off: MiniLM reads Thai as unknown tokens), it is ranked on shared words.
    """
    q_terms = stems(question) - ignore_terms
    overlap = np.array([len(q_terms & stems(c.text)) / max(1, len(q_terms)) for c in candidates])
    prior = np.array([1.0 / (c.evidence + 1) for c in candidates])
    figure = asked_figure(question)
    w = weights
    bonus = np.array(
        [
            w.figure_bonus if figure.kind and gives_figure(c.text, figure) else 0.0
            for c in candidates
        ]
    )
    if not meaning.read:
        return w.thai_terms_weight * overlap + w.thai_rank_weight * prior + bonus
    read = np.nan_to_num(meaning.rank, nan=0.0)
    return w.meaning_weight * read + w.terms_weight * overlap + w.rank_weight * prior + bonus


def extractive_answer(
    question: str,
    evidence: list[Evidence],
    settings: Settings,
    own: Reader | None,
    cross: Reader | None = None,
    ignore_terms: set[str] = frozenset(),
    term_weights: dict[str, float] | None = None,
    unseen: set[str] = frozenset(),
    clock: StageClock | None = None,
    in_context: list[SentenceVectors] | None = None,
) -> Reply:
    """Rank every sentence of the evidence by similarity to the question (embedding) and
    term overlap, keep the best few, and cite each to its passage.

    `own` is MiniLM with the question's vectors (None for a Thai question when the
    multilingual channel is off), `cross` the multilingual USE if that channel is on: it
    reads the sentences in another script than the question's. With neither, sentences are
    ranked on shared words. Abstains when the answerability model (app.answerability)
    judges that the evidence does not answer the question; `term_weights` (IDF of the
    question's terms) and `unseen` (its terms no chunk holds) are among its signals.
    `clock` gets the sentences and abstention stages' time; `in_context` is the stored
    sentence vectors of each evidence passage (see sentence_meaning).
    """
    clock = clock or StageClock()
    with clock.stage("sentences"):
        candidates = shortlist(question, candidate_sentences(evidence), settings.answer.candidates)
        if not candidates:
            return abstention(["no passage matches the question"])
        meaning = sentence_meaning(is_latin(question), candidates, own, cross, in_context)
        if meaning.read:
            closeness = float(np.nanmax(meaning.closeness))
        else:
            terms = stems(question)
            closeness = max(len(terms & stems(c.text)) / max(1, len(terms)) for c in candidates)
        score = rank_sentences(question, candidates, meaning, settings.answer, ignore_terms)
        picked = _pick(score, candidates, evidence, settings.answer)

    with clock.stage("abstention"):
        known = words_of(
            [ev.chunk.text for ev in evidence]
            + [f"{m.title} {m.place} {m.country}" for m in (ev.chunk.metadata for ev in evidence)]
        )
        answer = []
        for j in picked:
            chunk = evidence[candidates[j].evidence].chunk
            meta = chunk.metadata
            labels = f"{meta.title} {meta.place} {meta.country}"
            answer.append(Cited(candidates[j].text, chunk.text, labels, case_period(meta)))
        gaps = gap_counts(question, answer, known)
        features = answerability_features(
            question,
            evidence,
            closeness,
            answer,
            gaps,
            settings.answer.coverage_passages,
            term_weights,
            ignore_terms,
            unseen,
        )
        reasons = gaps.reasons()
        verdict = judge(features, reasons, load_model())
    if verdict.abstain and settings.answer.abstain:
        return abstention(reasons or ["no passage found answers it closely enough"], verdict)

    sources = SourceList()
    sentences: list[AnswerSentence] = []
    for j in picked:
        c = candidates[j]
        n = sources.cite(evidence[c.evidence].chunk, (c.start, c.end))
        sentences.append(AnswerSentence(c.text, n, 1.0, True))  # verbatim quote
    grounding = sum(s.support for s in sentences) / len(sentences)
    return Reply(sentences, sources.sources(), grounding=grounding, answerability=verdict)


def _pick(
    score: np.ndarray,
    candidates: list[Candidate],
    evidence: list[Evidence],
    weights: AnswerSettings,
) -> list[int]:
    """The answer's sentences, best first: within `keep_ratio` of the best, at most
    `max_per_source` per document, none repeating a sentence already picked."""
    best = int(np.argmax(score))
    picked: list[int] = []
    per_doc: dict[str, int] = {}
    for j in np.argsort(-score):
        if len(picked) >= weights.max_sentences:
            break
        if score[j] < weights.keep_ratio * score[best]:
            break
        doc = evidence[candidates[j].evidence].chunk.doc_id
        if per_doc.get(doc, 0) >= weights.max_per_source:
            continue
        if any(
            _jaccard(stems(candidates[j].text), stems(candidates[p].text))
            > weights.duplicate_overlap
            for p in picked
        ):
            continue
        picked.append(int(j))
        per_doc[doc] = per_doc.get(doc, 0) + 1
    return picked


def abstention(reasons: list[str], verdict: Answerability | None = None) -> Reply:
    why = "; ".join(reasons)
    notice = f"{ABSTAIN_TEXT} ({why}.)"
    return Reply([], [], abstained=True, notice=notice, answerability=verdict)


def related_cases(
    question_vector: np.ndarray,
    evidence: list[Evidence],
    embedder: Embeds,
    sources: SourceList,
    limit: int,
    in_context: dict[str, SentenceVectors] | None = None,
) -> list[RelatedCase]:
    """The closest cases to a question, one per document, each with the sentence of its
    passage nearest the question as the reason to look (cited into `sources`)."""
    related: list[RelatedCase] = []
    seen: set[str] = set()
    for ev in evidence:
        if ev.chunk.doc_id in seen or len(related) >= limit:
            continue
        cands = candidate_sentences([ev])
        if not cands:  # e.g. a passage of interview citations: try the case's next passage
            continue
        seen.add(ev.chunk.doc_id)
        stored = [in_context.get(ev.chunk.id, {})] if in_context else None
        cosine = stored_or_embedded(embedder, cands, stored) @ question_vector
        best = cands[int(np.argmax(cosine))]
        n = sources.cite(ev.chunk, (best.start, best.end))
        meta = ev.chunk.metadata
        title = meta.title or ev.chunk.path
        related.append(
            RelatedCase(ev.chunk.doc_id, title, meta.place, meta.country, meta.year, best.text, n)
        )
    return related
