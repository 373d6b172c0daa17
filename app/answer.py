"""Extractive answerer: pick the evidence sentences that answer the question, cite each."""

from __future__ import annotations

import re

import numpy as np

from app.cite import passage_sentences, support_score
from app.lexical import tokenize
from app.records import Answer, AnswerSentence, Evidence, Source
from ingest.embed import Embedder
from ingest.settings import Settings

ABSTAIN_TEXT = "The sources do not answer this question."


def _source(n: int, ev: Evidence) -> Source:
    c = ev.chunk
    return Source(
        n=n,
        doc_id=c.doc_id,
        chunk_id=c.id,
        title=c.metadata.title or c.path,
        authors=c.metadata.authors,
        year=c.metadata.year,
        page=c.page,
        section=c.section,
        file=c.path,
        passage=c.text,
    )


_PARENTHETICAL = re.compile(r"\([^()]*\)?|^[^()]*\)")


def is_statement(sentence: str) -> bool:
    """A full sentence worth quoting: ends like a sentence (not a heading or title) and has
    six or more words outside parenthetical citations."""
    if not re.search(r"[.!?][\"'”’]?$", sentence.strip()):
        return False
    return len(_PARENTHETICAL.sub(" ", sentence).split()) >= 6


def _prefixes(text: str) -> set[str]:
    """Stems cut to five letters, so 'succeed' meets 'success' and 'organised' 'organisation'."""
    return {t[:5] for t in tokenize(text)}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, len(a | b))


def extractive_answer(
    question: str,
    question_vector: np.ndarray,
    evidence: list[Evidence],
    embedder: Embedder,
    settings: Settings,
) -> Answer:
    """Rank every sentence of the evidence by similarity to the question (embedding) and
    term overlap, keep the best few, and cite each to its passage.

    Abstains when even the best sentence is far from the question, rather than answering
    from nothing.
    """
    candidates: list[tuple[int, int, int]] = []  # (evidence index, start, end)
    for i, ev in enumerate(evidence):
        for start, end in passage_sentences(ev.chunk.text):
            if is_statement(ev.chunk.text[start:end]):
                candidates.append((i, start, end))
    if not candidates:
        return Answer(question, [], [], abstained=True, notice=ABSTAIN_TEXT)

    texts = [evidence[i].chunk.text[s:e] for i, s, e in candidates]
    cosine = embedder.embed(texts) @ question_vector
    q_terms = _prefixes(question)
    terms = [_prefixes(t) for t in texts]
    overlap = np.array([len(q_terms & t) / max(1, len(q_terms)) for t in terms])
    prior = np.array([1.0 / (i + 1) for i, _, _ in candidates])
    score = 0.6 * cosine + 0.3 * overlap + 0.1 * prior

    best = int(np.argmax(score))
    if cosine[best] < settings.abstain_threshold:
        return Answer(question, [], [], abstained=True, notice=ABSTAIN_TEXT)

    picked: list[int] = []
    per_doc: dict[str, int] = {}
    for j in np.argsort(-score):
        if len(picked) >= settings.answer_max_sentences or score[j] < 0.75 * score[best]:
            break
        doc = evidence[candidates[j][0]].chunk.doc_id
        if per_doc.get(doc, 0) >= settings.max_sentences_per_source:
            continue
        if any(_jaccard(terms[j], terms[p]) > 0.6 for p in picked):
            continue
        picked.append(int(j))
        per_doc[doc] = per_doc.get(doc, 0) + 1

    sources: dict[int, Source] = {}
    sentences: list[AnswerSentence] = []
    for j in picked:
        i, start, end = candidates[j]
        if i not in sources:
            sources[i] = _source(len(sources) + 1, evidence[i])
        source = sources[i]
        source.spans.append((start, end))
        text = re.sub(r"\s+", " ", texts[j]).strip()
        support = support_score(text, source.passage)
        sentences.append(
            AnswerSentence(text, source.n, support, support >= settings.support_threshold)
        )
    grounding = sum(s.support for s in sentences) / len(sentences)
    return Answer(question, sentences, list(sources.values()), grounding=grounding)
