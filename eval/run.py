"""Run systems over a gold set: govqa itself, retrieval baselines, a plain llama-index
top-k answerer, and answers produced elsewhere, all scored by the same functions."""

from __future__ import annotations

import contextlib
import io
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.answer import candidate_sentences
from app.engine import Engine
from app.generate import split_cited
from app.records import Answer, Evidence, Filters
from eval.gold import GoldQuestion, load_jsonl
from eval.metrics import (
    alce_citation_scores,
    evidence_recall,
    key_point_coverage,
    ndcg,
    reciprocal_rank,
    relevant_flags,
)

KS = (1, 5, 10)
_ABSTAIN_WORDS = re.compile(
    r"not in the sources|do(es)? not (answer|contain|say|mention)|cannot answer|no information",
    re.I,
)


@dataclass
class QuestionResult:
    """One system's result on one question; None where a system does not do that part."""

    id: str
    type: str
    system: str
    answerable: bool
    abstained: bool | None = None
    recall: dict[int, float] | None = None
    rr: float | None = None
    ndcg10: float | None = None
    citation_precision: float | None = None
    citation_recall: float | None = None
    key_points: float | None = None
    seconds: float = 0.0
    answer: str = ""
    # govqa's answerability signals and probability (what scripts/calibrate_abstention.py
    # fits the model on)
    answerability: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class AnswerForScoring:
    """What the metrics need of any answer, ours or another system's."""

    text: str
    sentences: list[tuple[str, list[str]]]  # sentence, texts of the passages it cites
    abstained: bool
    passages: list[str] = field(default_factory=list)  # retrieved, best first (optional)


def from_answer(answer: Answer) -> AnswerForScoring:
    passages = {s.n: s.passage for s in answer.sources}
    if answer.table is not None:
        sentences = [
            (cell.text, [passages[cell.source]])
            for row in answer.table.rows
            for cell in row.cells.values()
            if cell.source
        ]
    else:
        sentences = [(s.text, [passages[s.source]] if s.source else []) for s in answer.sentences]
    return AnswerForScoring(answer.text, sentences, answer.abstained)


class Scorer:
    """Scores answers and rankings against gold questions with one support scorer."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.relevant_totals: dict[str, int] = {}
        self._texts: list[str] | None = None

    def _relevant_total(self, q: GoldQuestion) -> int:
        """Passages of the whole index holding an evidence phrase: nDCG's ideal ranking."""
        if self._texts is None:
            self._texts = [c.text for c in self.engine.catalog.all_chunks()]
        if q.id not in self.relevant_totals:
            self.relevant_totals[q.id] = sum(relevant_flags(self._texts, q.evidence))
        return self.relevant_totals[q.id]

    def retrieval(self, result: QuestionResult, q: GoldQuestion, passages: list[str]) -> None:
        if not q.answerable or not q.evidence:
            return
        flags = relevant_flags(passages, q.evidence)
        result.recall = {k: evidence_recall(passages, q.evidence, k) for k in KS}
        result.rr = reciprocal_rank(flags)
        result.ndcg10 = ndcg(flags, self._relevant_total(q))

    def answer(self, result: QuestionResult, q: GoldQuestion, answer: AnswerForScoring) -> None:
        result.abstained = answer.abstained
        result.answer = answer.text
        if answer.abstained or not q.answerable:
            return
        threshold = self.engine.settings.answer.support_threshold
        scorer = self.engine.scorer

        def support(sentence: str, passage: str) -> float:
            return scorer.score([(sentence, passage)])[0]

        precision, recall = alce_citation_scores(answer.sentences, support, threshold)
        result.citation_precision, result.citation_recall = precision, recall
        if q.key_points:
            result.key_points = key_point_coverage(answer.text, q.key_points)


def _filters(q: GoldQuestion) -> Filters | None:
    return Filters(**q.filters) if q.filters else None


def ordered(questions: list[GoldQuestion]) -> list[GoldQuestion]:
    """Each follow-up right after the question it follows, which must run first."""
    by_id = {q.id: q for q in questions}
    out: list[GoldQuestion] = []
    seen: set[str] = set()
    for q in questions:
        chain = []
        while q is not None and q.id not in seen:
            chain.append(q)
            q = by_id.get(q.follow_up_of) if q.follow_up_of else None
        for item in reversed(chain):
            seen.add(item.id)
            out.append(item)
    return out


def run_govqa(
    engine: Engine, questions: list[GoldQuestion], scorer: Scorer, tick: Callable[[], None]
) -> list[QuestionResult]:
    results = []
    focus: dict[str, list[str]] = {}
    for q in ordered(questions):
        context = focus.get(q.follow_up_of) if q.follow_up_of else None
        result = QuestionResult(q.id, q.type, "govqa", q.answerable)
        started = time.perf_counter()
        answer = engine.ask(q.question, _filters(q), context)
        result.seconds = time.perf_counter() - started
        focus[q.id] = answer.focus
        if answer.answerability is not None:
            result.answerability = {
                "features": answer.answerability.features,
                "probability": answer.answerability.probability,
            }
        # the passages the answer was written from, ranked (retrieval.evidence_k deep)
        scorer.retrieval(result, q, [ev.chunk.text for ev in answer.evidence])
        scorer.answer(result, q, from_answer(answer))
        results.append(result)
        tick()
    return results


def run_retrieval_baseline(
    name: str,
    search: Callable[[GoldQuestion], list[Evidence]],
    questions: list[GoldQuestion],
    scorer: Scorer,
    tick: Callable[[], None],
) -> list[QuestionResult]:
    results = []
    for q in questions:
        result = QuestionResult(q.id, q.type, name, q.answerable)
        started = time.perf_counter()
        evidence = search(q)
        result.seconds = time.perf_counter() - started
        scorer.retrieval(result, q, [ev.chunk.text for ev in evidence])
        results.append(result)
        tick()
    return results


def first_sentences_answer(evidence: list[Evidence], top: int = 3) -> AnswerForScoring:
    """The naive answerer: the first full sentence of each of the top chunks, cited."""
    sentences, parts = [], []
    for n, ev in enumerate(evidence[:top], start=1):
        candidates = candidate_sentences([ev])
        if candidates:
            sentences.append((candidates[0].text, [ev.chunk.text]))
            parts.append(f"{candidates[0].text} [{n}]")
    return AnswerForScoring(" ".join(parts), sentences, abstained=not sentences)


def llama_index_retriever(engine: Engine, k: int = 10) -> Callable[[str], list[Evidence]]:
    """A plain llama-index VectorStoreIndex over the same Chroma collection and model."""
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core import VectorStoreIndex
    from llama_index.core.embeddings import BaseEmbedding

    embedder = engine.embedder

    class MiniLM(BaseEmbedding):
        """llama-index face of the packaged MiniLM (llama-index's HuggingFace wrapper is a
        separate package; this keeps the baseline on exactly the same vectors)."""

        def _get_query_embedding(self, query: str) -> list[float]:
            return embedder.embed([query])[0].tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return embedder.embed([text])[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    with contextlib.redirect_stdout(io.StringIO()):  # it prints a notice about MockLLM
        LlamaSettings.llm = None
    index = VectorStoreIndex.from_vector_store(
        engine.retriever.index.store, embed_model=MiniLM(model_name="minilm")
    )
    retriever = index.as_retriever(similarity_top_k=k)

    def search(question: str) -> list[Evidence]:
        nodes = retriever.retrieve(question)
        chunks = engine.catalog.chunks([n.node.node_id for n in nodes])
        return [
            Evidence(chunks[n.node.node_id], float(n.score or 0.0))
            for n in nodes
            if n.node.node_id in chunks
        ]

    return search


def run_llama_index_baseline(
    engine: Engine, questions: list[GoldQuestion], scorer: Scorer, tick: Callable[[], None]
) -> list[QuestionResult]:
    search = llama_index_retriever(engine)
    results = []
    for q in questions:
        result = QuestionResult(q.id, q.type, "llama-index top-k", q.answerable)
        started = time.perf_counter()
        evidence = search(q.question)
        answer = first_sentences_answer(evidence)
        result.seconds = time.perf_counter() - started
        scorer.retrieval(result, q, [ev.chunk.text for ev in evidence])
        scorer.answer(result, q, answer)
        results.append(result)
        tick()
    return results


def load_external_answers(path: Path) -> dict[str, AnswerForScoring]:
    """Answers from another system, in the documented format (docs/eval-format.md):
    {"id", "answer": text with [n] markers, "passages": [{"n", "doc", "text"}],
     "abstained": optional bool}."""
    answers = {}
    for row in load_jsonl(path):
        passages = {int(p["n"]): p["text"] for p in row.get("passages", [])}
        text = row.get("answer", "") or ""
        parsed = split_cited(text)
        sentences = [(s, [passages[n] for n in cites if n in passages]) for s, cites in parsed]
        abstained = row.get("abstained")
        if abstained is None:
            abstained = not text.strip() or bool(_ABSTAIN_WORDS.search(text))
        answers[str(row["id"])] = AnswerForScoring(
            text, sentences, bool(abstained), [passages[n] for n in sorted(passages)]
        )
    return answers


def run_external(
    name: str,
    answers: dict[str, AnswerForScoring],
    questions: Iterable[GoldQuestion],
    scorer: Scorer,
) -> list[QuestionResult]:
    results = []
    for q in questions:
        answer = answers.get(q.id)
        if answer is None:
            continue
        result = QuestionResult(q.id, q.type, name, q.answerable)
        if answer.passages:
            scorer.retrieval(result, q, answer.passages)
        scorer.answer(result, q, answer)
        results.append(result)
    return results
