"""The question-answering service: one per process, loading model and index on first use.

It decides what kind of answer a question gets (a comparison table, an answer scoped to a
named case or to the previous turn's case, an open answer, or an honest abstention) and
which answerer writes it (extractive by default, a language model when one is configured,
with the extractive answer as the fallback).
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from app.answer import ABSTAIN_TEXT, Reader, extractive_answer, related_cases
from app.cases import CaseLibrary
from app.citations import SourceList
from app.cite import SupportScorer
from app.compare import compare_cases, question_aspect
from app.generate import checked_answer, says_not_in_sources, stream_llm_text
from app.llm import answerer_kind, llm_configured
from app.page_image import PageImageError, page_count, render_highlight
from app.plan import QueryPlan, Search, SpareThread, clean_question, plan_question
from app.records import (
    Answer,
    CitedPage,
    Evidence,
    Filters,
    ReadingItem,
    RelatedCase,
    Reply,
    Source,
    page_locator,
)
from app.retrieve import Retriever, take
from app.stages import StageClock
from ingest.catalog import Catalog, index_read_only
from ingest.channels import missing_vectors_warning, multilingual_embedder, multilingual_index
from ingest.embed import Embedder
from ingest.multilingual import MultilingualEmbedder
from ingest.records import StoredChunk, StoredDocument
from ingest.settings import Settings
from ingest.vectors import VectorIndex


@dataclass
class Update:
    """One step of a streamed answer: the text so far, and the Answer once it is final."""

    text: str
    answer: Answer | None = None


@dataclass(frozen=True)
class Retrieved:
    """An answer's first step (`Engine._retrieve`): the plan, the extractive reply (or the
    comparison table), the evidence shown, the passages a language model would write from
    (none for a comparison), and a comparison's focus."""

    plan: QueryPlan
    reply: Reply
    evidence: list[Evidence]
    written_from: list[Evidence]
    focus: list[str]


# an English and a Thai question, about no case in particular (Engine.warm_up)
WARM_UP_QUESTIONS = (
    "What did residents gain from the programme?",
    "ประชาชนมีส่วนร่วมอย่างไร",
)


class Engine:
    """Answers questions over the index in `settings.index_dir`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def read_only(self) -> str:
        """Why the index is only read ('' when it may be written); see index_read_only."""
        return index_read_only(self.settings)

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.settings.catalog_path, read_only=bool(self.read_only))

    @cached_property
    def embedder(self) -> Embedder:
        return Embedder.from_settings(self.settings, self.settings.embed.query_threads)

    @cached_property
    def multilingual(self) -> MultilingualEmbedder | None:
        """USE, when the multilingual channel is on (the index then holds its vectors)."""
        if not self.settings.embed.multilingual:
            return None
        return multilingual_embedder(self.settings, self.settings.embed.query_threads)

    @cached_property
    def retriever(self) -> Retriever:
        """Every dense channel's index, each read-only when the index is (see VectorIndex)."""
        read_only = bool(self.read_only)
        index = VectorIndex(self.settings, catalog=self.catalog, read_only=read_only)
        cross = None
        if self.multilingual is not None:
            cross = multilingual_index(self.settings, catalog=self.catalog, read_only=read_only)
        return Retriever(
            self.settings, self.catalog, index, self.embedder, cross, save_derived=not read_only
        )

    def answerer_status(self) -> str:
        """What writes the answers, in a few words for the chat and the CLI. A local model
        starts loading here (in the background), so a chat that asks at start-up has it
        ready sooner; until it is, answers are extractive and say so."""
        kind = answerer_kind(self.settings)
        if kind == "remote":
            return f"language model {self.settings.llm.model}"  # the URL may hold a password
        if kind == "extractive":
            return "extractive answers"
        from app.local_model import local_model

        model = local_model(self.settings)
        return f"local model {model.path.name}: {model.status()}"

    def wait_for_answerer(self) -> str:
        """`answerer_status` once a local model has finished loading (well or not): a
        one-shot `govqa ask` or an evaluation wants the model's answers, not the fallback."""
        if answerer_kind(self.settings) == "local":
            from app.local_model import local_model

            local_model(self.settings).wait()
        return self.answerer_status()

    def index_warnings(self) -> list[str]:
        """What a reader should know before trusting answers, one line each, checked when
        a command or the chat starts: passages whose vectors are gone from any channel."""
        lost = missing_vectors_warning(
            self.catalog.chunk_count(), self.retriever.vector_counts(), self.settings
        )
        return [lost] if lost else []

    @cached_property
    def spare_thread(self) -> SpareThread | None:
        """Where a question's USE embedding runs beside MiniLM (plan_question); none when
        there is no second channel or `embed.parallel_channels` is off."""
        if self.multilingual is None or not self.settings.embed.parallel_channels:
            return None
        return SpareThread()

    def close(self) -> None:
        """Close the vector index and the catalog, of those opened (both open on first
        use), and stop the spare thread."""
        spare = self.__dict__.pop("spare_thread", None)
        if spare is not None:
            spare.close()
        if "retriever" in self.__dict__:
            self.retriever.close()
        if "catalog" in self.__dict__:
            self.catalog.close()

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
        clock = StageClock()
        question = clean_question(question, self.settings.answer.max_question_chars)
        if not question:
            yield Update("", Answer(question, [], [], abstained=True, notice="Ask a question."))
            return
        # each step reads the catalog's counters once (Catalog.pinned), never across a yield
        with self.catalog.pinned():
            got = self._retrieve(question, filters, context, compare, clock)
        plan, reply, focus = got.plan, got.reply, got.focus
        if not plan.compare:
            if not reply.abstained and llm_configured(self.settings):
                reply = yield from self._llm(question, got.written_from, reply, clock)
            elif not reply.abstained:
                for i in range(1, len(reply.sentences)):  # the chat shows it as it grows
                    yield Update(" ".join(f"{s.text} [{s.source}]" for s in reply.sentences[:i]))
        with self.catalog.pinned():
            related, sources, reading = self._around(question, plan, reply, filters, clock)
        if not plan.compare:
            focus = plan.focus or _single_document(reply, sources)
        answer = Answer(
            question,
            reply.sentences,
            sources,
            abstained=reply.abstained,
            grounding=reply.grounding,
            notice=reply.notice,
            seconds=time.perf_counter() - started,
            mode=reply.mode,
            focus=focus,
            related=related,
            table=reply.table,
            reading=reading,
            evidence=tuple(got.evidence),
            answerability=reply.answerability,
            stages=clock.milliseconds(),
        )
        yield Update(answer.text, answer)

    def _retrieve(
        self,
        question: str,
        filters: Filters | None,
        context: list[str] | None,
        compare: list[str] | None,
        clock: StageClock,
    ) -> Retrieved:
        """Plan the question, retrieve, and write the extractive reply or the table."""
        with clock.stage("plan"):
            plan = plan_question(
                question,
                self.retriever,
                self.embedder,
                self.settings,
                context,
                compare,
                self.multilingual,
                self.spare_thread,
            )
        if plan.compare:
            with clock.stage("comparison"):
                reply, evidence = self._comparison(plan), self._case_evidence(plan, filters)
            return Retrieved(plan, reply, evidence, [], [row.doc_id for row in reply.table.rows])
        ranking = self.retriever.ranking(plan.search, filters, clock)
        written_from = self._take(ranking, plan.search, self.settings.retrieval.top_k)
        evidence = self._take(ranking, plan.search, self.settings.retrieval.evidence_k)
        return Retrieved(
            plan, self._extractive(plan, written_from, clock), evidence, written_from, []
        )

    def _around(
        self,
        question: str,
        plan: QueryPlan,
        reply: Reply,
        filters: Filters | None,
        clock: StageClock,
    ) -> tuple[list[RelatedCase], list[Source], list[ReadingItem]]:
        """What an answer shows around its text: the cases near an abstention, every source
        (theirs numbered after the answer's) and the reading list."""
        related: list[RelatedCase] = []
        sources = reply.sources
        if reply.abstained:
            with clock.stage("related"):
                nearby = self.retriever.search(
                    plan.nearby_search(self.settings), filters, self.settings.cases.related_depth
                )
                cited = SourceList(first=len(sources) + 1)
                related = related_cases(
                    plan.vector,
                    nearby,
                    self.embedder,
                    cited,
                    self.settings.cases.related_shown,
                    self.retriever.sentence_vectors([ev.chunk.id for ev in nearby]),
                )
            sources = sources + cited.sources()
        with clock.stage("reading"):
            reading = self.cases.reading_list(question, sources, plan.vector)
        return related, sources, reading

    def warm_up(self) -> None:
        """Load what a first question waits for: both models, the chunk snapshot (the saved
        BM25 index and case names), the vector stores' HNSW indexes, the language
        identifier and Thai word segmentation (its dictionary trie takes seconds). The chat
        runs this in the background as it starts; it takes each of WARM_UP_QUESTIONS through
        an answer's first step (`_retrieve`: extractive, so a configured language model is
        never called) and keeps nothing of it."""
        clock = StageClock()
        for question in WARM_UP_QUESTIONS:
            self._retrieve(question, None, None, None, clock)

    def _extractive(self, plan: QueryPlan, evidence: list[Evidence], clock: StageClock) -> Reply:
        """The extractive answer: sentences in the question's script read by MiniLM, those
        in another script by the multilingual channel if it is on."""
        own = Reader(self.embedder, plan.vector, plan.inner_vector)
        cross = None
        if self.multilingual is None and not plan.latin:
            own = None  # MiniLM's cosine of a Thai question to an English sentence is noise
        elif self.multilingual is not None:
            assert plan.multilingual is not None and plan.inner_multilingual is not None
            cross = Reader(self.multilingual, plan.multilingual, plan.inner_multilingual)
        weights, unseen = self.retriever.term_weights(plan.question)
        with clock.stage("sentences"):
            stored = self.retriever.sentence_vectors([ev.chunk.id for ev in evidence])
        return extractive_answer(
            plan.question,
            evidence,
            self.settings,
            own,
            cross,
            plan.name_stems,
            weights,
            unseen,
            clock,
            [stored.get(ev.chunk.id, {}) for ev in evidence],
        )

    def _take(self, ranking: list[Evidence], search: Search, k: int) -> list[Evidence]:
        return take(ranking, k, search.per_document.limit(k))

    def _case_evidence(self, plan: QueryPlan, filters: Filters | None) -> list[Evidence]:
        """A comparison's evidence: each compared case's best passages for the question's
        own point, taken in turn."""
        k = self.settings.retrieval.evidence_k
        per_case = [self.retriever.search(s, filters, k) for s in plan.case_searches()]
        mixed = [ev for rank in itertools.zip_longest(*per_case) for ev in rank if ev]
        return mixed[:k]

    def _comparison(self, plan: QueryPlan) -> Reply:
        doc_ids = list(plan.compare)
        documents = [self.retriever.document_chunks(d) for d in doc_ids]
        all_chunks = [c for chunks in documents for c in chunks]
        vectors = self.retriever.vectors([c.id for c in all_chunks])
        cards = [self.cases.case_of(d) for d in doc_ids]
        table, sources = compare_cases(
            documents,
            self.embedder,
            self.settings.cases,
            asked=question_aspect(plan.inner),
            chunk_vectors=vectors,
            cards=cards,
            in_context=self.retriever.sentence_vectors([c.id for c in all_chunks]),
        )
        cells = [cell for row in table.rows for cell in row.cells.values()]
        filled = [c for c in cells if c.source]
        grounding = sum(c.support for c in filled) / len(filled) if filled else 0.0
        return Reply([], sources, grounding=grounding, table=table, mode="comparison")

    def _llm(
        self, question: str, evidence: list[Evidence], fallback: Reply, clock: StageClock
    ) -> Iterator[Update]:
        """Stream the model's answer and check it; any failure returns the extractive
        answer with a visible notice (generator return value)."""
        from app.llm import LLMError
        from app.local_model import ModelLoading

        text = ""
        try:
            for text in stream_llm_text(self.settings, question, evidence):
                yield Update(text)
        except ModelLoading:
            notice = "The local language model is still loading; this is the extractive answer."
            return dataclasses.replace(fallback, notice=notice)
        except LLMError as exc:
            notice = f"The language model failed ({exc}); this is the extractive answer."
            return dataclasses.replace(fallback, notice=notice)
        if says_not_in_sources(text):
            return Reply([], [], abstained=True, notice=ABSTAIN_TEXT, mode="llm")
        with clock.stage("support"):
            checked = checked_answer(text, evidence, self.scorer, self.settings)
        if not any(s.supported for s in checked.sentences):
            # nothing the model wrote is in the passages (it may have obeyed instructions
            # planted in a document): show the extractive answer, not the model's text
            notice = (
                "The language model's answer was not supported by the passages; "
                "this is the extractive answer."
            )
            return dataclasses.replace(fallback, notice=notice)
        return checked

    def documents(self) -> list[StoredDocument]:
        """Committed documents with their metadata, for the corpus view and facet lists."""
        return self.catalog.documents()

    def cited_page(
        self, chunk_id: str, spans: list[tuple[int, int]], page: int | None = None
    ) -> CitedPage | None:
        """The PDF page of a cited passage (or `page` of the same file, to step through
        it), rendered with the cited span highlighted from its stored offsets; None when
        the passage is not from a PDF or its file is no longer where it was ingested."""
        chunk = self.retriever.chunk(chunk_id)
        if chunk is None or chunk.page is None:
            return None
        source = self.catalog.sources().get(chunk.doc_id) or chunk.path
        path = Path(source)
        if path.suffix.lower() != ".pdf" or not path.is_file():
            return None
        data = path.read_bytes()
        start, end = min(spans) if spans else (0, len(chunk.text))
        span = chunk.text[start:end]
        scale = self.settings.serve.page_scale
        try:
            pages = page_count(data)
            if page is None:
                # a chunk records the page it starts on; a span further into it may be on
                # the next one: the page that holds the span is the cited one
                shown = min(chunk.page, pages)
                png, highlight = render_highlight(data, shown, span, scale)
                if not highlight.matched and shown < pages:
                    png_next, next_highlight = render_highlight(data, shown + 1, span, scale)
                    if next_highlight.matched:
                        shown, png, highlight = shown + 1, png_next, next_highlight
                cited = True
            else:
                # stepping through the file: only the span's own page (its start page or
                # the next) shows the highlight; the text may repeat on a farther page
                shown = min(max(page, 1), pages)
                near = shown - chunk.page in (0, 1)
                png, highlight = render_highlight(data, shown, span if near else "", scale)
                cited = highlight.matched
        except PageImageError:
            return None
        return CitedPage(
            png=png,
            page=shown,
            pages=pages,
            locator=page_locator(shown, chunk.metadata.page_label(shown)),
            cited=cited,
            highlighted=highlight.text if highlight.matched else "",
        )

    def passage_context(self, chunk_id: str) -> list[StoredChunk]:
        """The chunk with its neighbours in the document, for reading a citation in place."""
        chunk = self.retriever.chunk(chunk_id)
        if chunk is None:
            return []
        chunks = self.retriever.document_chunks(chunk.doc_id)
        i = next(i for i, c in enumerate(chunks) if c.id == chunk_id)
        return chunks[max(0, i - 1) : i + 2]


def _single_document(reply: Reply, sources: list[Source]) -> list[str]:
    """The case a follow-up should stay on: the one document the answer drew on, if one."""
    docs = {s.doc_id for s in sources}
    return sorted(docs) if len(docs) == 1 and not reply.abstained else []
