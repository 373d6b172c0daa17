"""The question-answering service: one per process, loading model and index on first use.

It decides what kind of answer a question gets (a comparison table, an answer scoped to a
named case or to the previous turn's case, an open answer, or an honest abstention) and
which answerer writes it (extractive by default, a language model when one is configured,
with the extractive answer as the fallback).
"""

from __future__ import annotations

import itertools
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from app.answer import ABSTAIN_TEXT, extractive_answer, related_cases
from app.cases import CaseLibrary
from app.cite import SupportScorer
from app.compare import compare_cases, is_comparison, question_aspect
from app.generate import checked_answer, says_not_in_sources, stream_llm_text
from app.llm import llm_configured
from app.records import Answer, Evidence, Filters
from app.retrieve import Retriever
from ingest.catalog import Catalog
from ingest.embed import Embedder
from ingest.records import StoredChunk, StoredDocument
from ingest.settings import Settings
from ingest.text import normalize_space, stems
from ingest.vectors import VectorIndex

MAX_QUESTION_CHARS = 2000
# A question that leans on the previous turn: a pronoun or "the mayor" with no case named.
_FOLLOW_UP = re.compile(
    r"^(and|also|then|so|what about|how about)\b|"
    r"\b(it|its|it's|they|them|their|there|this|that|these|those|he|she|his|her)\b|"
    r"\bthe (city|town|village|municipality|programme|program|project|case|mayor|governor|"
    r"government|network|initiative|scheme|council|reform|law|policy|campaign|model)\b",
    re.I,
)


def clean_question(question: str) -> str:
    """One line of at most MAX_QUESTION_CHARS visible characters: control characters and
    bidi overrides (a pasted terminal escape, a NUL, text that displays reversed) go, and
    a 100 kB paste costs no more than its first 2,000 characters."""
    visible = "".join(
        " " if c.isspace() else c
        for c in question[: MAX_QUESTION_CHARS * 4]
        if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    return normalize_space(visible)[:MAX_QUESTION_CHARS]


def is_follow_up(question: str) -> bool:
    return bool(_FOLLOW_UP.search(question))


@dataclass
class Plan:
    """What a question is about: the text to search, its vector, the cases it names, and
    the documents to stay on (None: the whole corpus) or to compare."""

    question: str
    searched: str
    vector: np.ndarray
    named: dict[str, set[str]]
    follow_up: bool
    scope: set[str] | None
    compare: list[str]
    inner: str  # the question without the names of the cases it is scoped to
    inner_vector: np.ndarray


@dataclass
class Update:
    """One step of a streamed answer: the text so far, and the Answer once it is final."""

    text: str
    answer: Answer | None = None


class Engine:
    """Answers questions over the index in `settings.index_dir`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.settings.catalog_path)

    @cached_property
    def embedder(self) -> Embedder:
        return Embedder.from_settings(self.settings)

    @cached_property
    def retriever(self) -> Retriever:
        index = VectorIndex(self.settings, owner=self.catalog.identity())
        return Retriever(self.settings, self.catalog, index, self.embedder)

    @cached_property
    def cases(self) -> CaseLibrary:
        return CaseLibrary(self.catalog, self.retriever)

    @cached_property
    def scorer(self) -> SupportScorer:
        return SupportScorer(self.embedder)

    def ask(
        self,
        question: str,
        filters: Filters | None = None,
        context: list[str] | None = None,
        compare: list[str] | None = None,
    ) -> Answer:
        """The final answer of `stream`."""
        answer = None
        for update in self.stream(question, filters, context, compare):
            answer = update.answer or answer
        assert answer is not None
        return answer

    def stream(
        self,
        question: str,
        filters: Filters | None = None,
        context: list[str] | None = None,
        compare: list[str] | None = None,
    ) -> Iterator[Update]:
        """Answer `question`, yielding the text as it grows and the final Answer last.

        `context` is the previous turn's `Answer.focus`: a follow-up question that names no
        case stays on it. `compare` asks for a comparison table of those documents.
        """
        started = time.perf_counter()
        question = clean_question(question)
        if not question:
            yield Update("", Answer(question, [], [], abstained=True, notice="Ask a question."))
            return
        plan = self.plan(question, context, compare)
        if plan.compare:
            answer = self._comparison(question, plan.compare, question_aspect(plan.inner))
        else:
            evidence = self._evidence(plan, filters)
            answer = extractive_answer(
                question,
                plan.vector,
                evidence,
                self.embedder,
                self.settings,
                set().union(*(stems(" ".join(n)) for n in plan.named.values())),
                plan.inner_vector,
            )
            if not answer.abstained and llm_configured(self.settings):
                answer = yield from self._llm(question, evidence, answer)
            elif not answer.abstained:
                for i in range(1, len(answer.sentences)):  # the chat shows it as it grows
                    yield Update(" ".join(f"{s.text} [{s.source}]" for s in answer.sentences[:i]))
            if answer.abstained:
                nearby = self.retriever.search(
                    question, filters, k=12, per_document=2, vector=plan.vector, scope=set()
                )
                answer.related, answer.sources = related_cases(plan.vector, nearby, self.embedder)
            answer.focus = sorted(plan.scope) if plan.scope else _single_document(answer)
        self.cases.reading_list(answer, plan.vector)
        answer.seconds = time.perf_counter() - started
        yield Update(answer.text, answer)

    def plan(
        self, question: str, context: list[str] | None = None, compare: list[str] | None = None
    ) -> Plan:
        """Decide what the question is about before anything is retrieved."""
        named = self.retriever.focus(question)
        follow_up = bool(context) and not named and is_follow_up(question)
        # a follow-up is matched against the corpus with its case's name, so "who took part
        # in it?" is judged as a question about Porto Alegre
        searched = f"{question} ({self._case_label(context or [])})" if follow_up else question
        if compare or (is_comparison(question) and len(named) >= 2):
            docs = compare or sorted(named, key=lambda d: _first_mention(question, named[d]))
        else:
            docs = []
        inner = _without_names(question, named)
        texts = [searched] if inner == searched else [searched, inner]
        vectors = self.embedder.embed(texts)
        return Plan(
            question,
            searched,
            vectors[0],
            named,
            follow_up,
            set(named) or (set(context or []) if follow_up else None),
            docs,
            inner,
            vectors[-1],
        )

    def _evidence(self, plan: Plan, filters: Filters | None, k: int | None = None):
        """Inside a case, search with the question stripped of the case's name: every
        passage of the Porto Alegre brief is "about Porto Alegre", so the name only adds
        noise to the ranking there."""
        if plan.scope:
            return self.retriever.search(
                plan.inner, filters, k=k, vector=plan.inner_vector, scope=plan.scope
            )
        return self.retriever.search(plan.searched, filters, k=k, vector=plan.vector)

    def retrieve(
        self,
        question: str,
        filters: Filters | None = None,
        context: list[str] | None = None,
        k: int | None = None,
    ) -> list[Evidence]:
        """The evidence `stream` answers from (the evaluation scores it at k=10); for a
        comparison, each case's best passages for the question, taken in turn."""
        plan = self.plan(question, context)
        if plan.compare:
            # each compared case searched for the question's own point, interleaved
            per_case = [
                self.retriever.search(
                    plan.inner, filters, k=k, vector=plan.inner_vector, scope={doc_id}
                )
                for doc_id in plan.compare
            ]
            mixed = [ev for rank in itertools.zip_longest(*per_case) for ev in rank if ev]
            return mixed[:k] if k else mixed
        return self._evidence(plan, filters, k)

    def _case_label(self, doc_ids: list[str]) -> str:
        documents = self.retriever.documents()
        return "; ".join(
            documents[d].metadata.place or documents[d].metadata.title
            for d in doc_ids
            if d in documents
        )

    def _comparison(self, question: str, doc_ids: list[str], asked: str = "") -> Answer:
        documents = [self.retriever.document_chunks(d) for d in doc_ids]
        vectors = self.retriever.vectors([c.id for chunks in documents for c in chunks])
        cards = [self.cases.case_of(d) for d in doc_ids]
        table, sources = compare_cases(
            documents, self.embedder, asked=asked, chunk_vectors=vectors, cards=cards
        )
        cells = [cell for row in table.rows for cell in row.cells.values()]
        filled = [c for c in cells if c.source]
        return Answer(
            question,
            [],
            sources,
            grounding=sum(c.support for c in filled) / len(filled) if filled else 0.0,
            table=table,
            focus=[row.doc_id for row in table.rows],
            mode="comparison",
        )

    def _llm(self, question: str, evidence, fallback: Answer) -> Iterator[Update]:
        """Stream the model's answer and check it; any failure returns the extractive
        answer with a visible notice (generator return value)."""
        from app.llm import LLMError

        text = ""
        try:
            for text in stream_llm_text(self.settings, question, evidence):
                yield Update(text)
        except LLMError as exc:
            fallback.notice = f"The language model failed ({exc}); this is the extractive answer."
            return fallback
        if says_not_in_sources(text):
            return Answer(question, [], [], abstained=True, notice=ABSTAIN_TEXT, mode="llm")
        checked = checked_answer(question, text, evidence, self.scorer, self.settings)
        if not any(s.supported for s in checked.sentences):
            # nothing the model wrote is in the passages (it may have obeyed instructions
            # planted in a document): show the extractive answer, not the model's text
            fallback.notice = (
                "The language model's answer was not supported by the passages; "
                "this is the extractive answer."
            )
            return fallback
        return checked

    def documents(self) -> list[StoredDocument]:
        """Committed documents with their metadata, for the corpus view and facet lists."""
        return self.catalog.documents()

    def passage_context(self, chunk_id: str) -> list[StoredChunk]:
        """The chunk with its neighbours in the document, for reading a citation in place."""
        chunk = self.retriever.chunk(chunk_id)
        if chunk is None:
            return []
        chunks = self.retriever.document_chunks(chunk.doc_id)
        i = next(i for i, c in enumerate(chunks) if c.id == chunk_id)
        return chunks[max(0, i - 1) : i + 2]


def _without_names(question: str, named: dict[str, set[str]]) -> str:
    stripped = question
    for name in sorted(set().union(*named.values()), key=len, reverse=True):
        stripped = re.sub(rf"\b{re.escape(name)}(['’]s)?\b", " ", stripped, flags=re.I)
    stripped = normalize_space(stripped)
    return stripped if len(stripped.split()) >= 2 else question


def _first_mention(question: str, names: set[str]) -> int:
    positions = [m.start() for n in names for m in re.finditer(re.escape(n), question, re.I)]
    return min(positions, default=len(question))


def _single_document(answer: Answer) -> list[str]:
    """The case a follow-up should stay on: the one document the answer drew on, if one."""
    docs = {s.doc_id for s in answer.sources}
    return sorted(docs) if len(docs) == 1 and not answer.abstained else []
