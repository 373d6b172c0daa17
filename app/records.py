"""Plain records of the answering side: filters, evidence, sources and answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ingest.store import StoredChunk


@dataclass
class Filters:
    """Case facets an official narrows by; empty fields do not filter."""

    country: str = ""
    level: str = ""
    policy_area: str = ""
    year_from: int | None = None
    year_to: int | None = None

    def matches(self, chunk: StoredChunk) -> bool:
        meta = chunk.metadata
        if self.country and meta.country.lower() != self.country.lower():
            return False
        if self.level and meta.level.lower() != self.level.lower():
            return False
        if self.policy_area and self.policy_area.lower() not in (
            a.lower() for a in meta.policy_area
        ):
            return False
        if self.year_from and (meta.year is None or meta.year < self.year_from):
            return False
        return not (self.year_to and (meta.year is None or meta.year > self.year_to))

    @property
    def active(self) -> bool:
        return any((self.country, self.level, self.policy_area, self.year_from, self.year_to))


@dataclass
class Evidence:
    """A retrieved chunk with its fused score and the ranks that produced it."""

    chunk: StoredChunk
    score: float
    dense: float | None = None
    lexical: float | None = None


@dataclass
class Source:
    """A numbered source of an answer: where the passage is and which spans support it."""

    n: int
    doc_id: str
    chunk_id: str
    title: str
    authors: list[str]
    year: int | None
    page: int | None
    section: str
    file: str  # not "path": gradio_client would treat a dict with "path" as a file to fetch
    passage: str
    spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def locator(self) -> str:
        if self.page is not None:
            return f"p. {self.page}"
        return f"section '{self.section}'" if self.section else ""


@dataclass
class AnswerSentence:
    text: str
    source: int
    support: float
    supported: bool


@dataclass
class Answer:
    question: str
    sentences: list[AnswerSentence]
    sources: list[Source]
    abstained: bool = False
    grounding: float = 0.0
    notice: str = ""
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return " ".join(f"{s.text} [{s.source}]" for s in self.sentences)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["text"] = self.text
        return data
