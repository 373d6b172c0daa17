"""The question-answering service: one per process, loading model and index on first use."""

from __future__ import annotations

import time
from functools import cached_property

from app.answer import extractive_answer
from app.records import Answer, Filters
from app.retrieve import Retriever
from ingest.embed import Embedder
from ingest.settings import Settings
from ingest.store import Catalog, VectorIndex

MAX_QUESTION_CHARS = 2000


class Engine:
    """Answers questions over the index in `settings.index_dir`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.settings.catalog_path)

    @cached_property
    def embedder(self) -> Embedder:
        return Embedder(self.settings.model_path, self.settings.embed_batch_size)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.settings, self.catalog, VectorIndex(self.settings), self.embedder)

    def ask(self, question: str, filters: Filters | None = None) -> Answer:
        started = time.perf_counter()
        question = " ".join(question.split())[:MAX_QUESTION_CHARS]
        if not question:
            return Answer(question, [], [], abstained=True, notice="Ask a question first.")
        vector = self.embedder.embed([question])[0]
        evidence = self.retriever.search(question, filters, vector=vector)
        answer = extractive_answer(question, vector, evidence, self.embedder, self.settings)
        answer.seconds = time.perf_counter() - started
        return answer
