"""Plain records of the answering side: filters, evidence, sources and answers."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import asdict, dataclass, field

from ingest.records import DocMetadata, Provenance, StoredChunk
from ingest.text import YEAR

# What a comparison cell shows when no sentence of the case states its aspect (the model's
# reply token for "the passages do not answer" is app.generate.MODEL_NOT_IN_SOURCES).
NOT_IN_SOURCES = "not in the sources"


def case_period(meta: DocMetadata) -> tuple[int, int] | None:
    """The years a case covers: its `case_years` ("1989-2004", "2006 onward") when known,
    else the publication year. An official asking for 1990s cases means when the case
    ran, not when a brief about it was written."""
    years = [int(y) for y in YEAR.findall(meta.case_years)]
    if years:
        open_ended = re.search(r"onward|since|after|present|ongoing|-\s*$", meta.case_years, re.I)
        return min(years), (9999 if open_ended and len(years) == 1 else max(years))
    return (meta.year, meta.year) if meta.year else None


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
        if self.year_from or self.year_to:
            span = case_period(meta)
            if span is None:
                return False
            start, end = span
            if self.year_from and end < self.year_from:
                return False
            if self.year_to and start > self.year_to:
                return False
        return True

    @property
    def active(self) -> bool:
        return any((self.country, self.level, self.policy_area, self.year_from, self.year_to))


@dataclass
class Evidence:
    """A retrieved chunk with its fused score and each channel's score that produced it
    (None: that channel did not offer it)."""

    chunk: StoredChunk
    score: float
    dense: float | None = None  # MiniLM cosine
    lexical: float | None = None  # BM25
    multilingual: float | None = None  # USE cosine


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
    provenance: Provenance = field(default_factory=Provenance)
    lookalike_of: list[str] = field(default_factory=list)
    # the printed label of `page` ("xii", "45"), "" when unknown (the index is cited then,
    # marked as such); and the fields a reference manager or a citation style needs
    page_label: str = ""
    container: str = ""
    publisher: str = ""
    doi: str = ""
    url: str = ""
    item_type: str = ""
    citation_key: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> Source:
        """Inverse of asdict (answers and stored cards keep sources as JSON)."""
        return cls(
            **{
                **data,
                "spans": [tuple(x) for x in data["spans"]],
                "provenance": Provenance(**data.get("provenance", {})),
            }
        )

    @property
    def origin(self) -> str:
        """Where the passage's document came from: its file, and how it entered the library."""
        return f"{self.file}; {self.provenance.describe()}"

    @property
    def locator(self) -> str:
        return page_locator(self.page, self.page_label) or (
            f"section '{self.section}'" if self.section else ""
        )


def page_locator(page: int | None, label: str) -> str:
    """'p. 45' for a page whose printed label is known; 'PDF p. 3' for one known only by
    its place in the file (what a reader types into a PDF viewer, not what is printed)."""
    if label:
        return f"p. {label}"
    return f"PDF p. {page}" if page is not None else ""


@dataclass
class AnswerSentence:
    """One sentence of an answer and its check against the passage it cites (source 0 means
    the sentence cited nothing, which only a language model can do)."""

    text: str
    source: int
    support: float
    supported: bool


@dataclass
class RelatedCase:
    """A case near the question, offered when the sources do not answer it (or to read
    further): which document, and the sentence that makes it worth a look."""

    doc_id: str
    title: str
    place: str
    country: str
    year: int | None
    why: str
    source: int  # the Source number that holds `why`


@dataclass
class ReadingItem:
    """A case to read further after an answer: one it drew on (`cited`), or one of the
    closest cases it did not cite."""

    case_id: str  # for links and the API; never shown to a reader
    title: str
    place: str
    country: str
    years: str
    cited: bool
    authors: list[str] = field(default_factory=list)
    year: int | None = None


@dataclass
class Cell:
    """One comparison cell: a cited sentence, or nothing (rendered "not in the sources")."""

    text: str = ""
    source: int = 0
    support: float = 0.0


@dataclass
class ComparisonRow:
    doc_id: str
    case: str
    cells: dict[str, Cell]


@dataclass
class Comparison:
    aspects: list[str]
    rows: list[ComparisonRow]


@dataclass(frozen=True)
class Answerability:
    """The signals read for one question and the model's probability that the sources do
    not answer it; `abstain` is that probability at or above the fitted threshold."""

    features: dict[str, float]
    probability: float
    threshold: float
    reasons: tuple[str, ...] = ()

    @property
    def abstain(self) -> bool:
        return self.probability >= self.threshold


@dataclass(frozen=True)
class Reply:
    """What an answerer writes (extractive, a model, a comparison table, an abstention);
    the engine adds what the rest of the turn found and builds the Answer from it."""

    sentences: list[AnswerSentence]
    sources: list[Source]
    abstained: bool = False
    grounding: float = 0.0
    notice: str = ""
    mode: str = "extractive"
    table: Comparison | None = None
    answerability: Answerability | None = None


@dataclass(frozen=True)
class Answer:
    """Everything the chat, the CLI and the evaluation need to show or score an answer,
    built once per turn. `evidence` is the ranked passages the answer was written from
    (deep enough for recall@10); it is not serialised (see `to_dict`)."""

    question: str
    sentences: list[AnswerSentence]
    sources: list[Source]
    abstained: bool = False
    grounding: float = 0.0
    notice: str = ""
    seconds: float = 0.0
    mode: str = "extractive"
    focus: list[str] = field(default_factory=list)  # documents the question was scoped to
    related: list[RelatedCase] = field(default_factory=list)
    table: Comparison | None = None
    reading: list[ReadingItem] = field(default_factory=list)
    evidence: tuple[Evidence, ...] = field(default=(), compare=False, repr=False)
    # why the answer abstained or did not: the signals and the model's probability
    answerability: Answerability | None = field(default=None, compare=False)
    # milliseconds per stage of answering (app.stages), for the bench and the CLI's --json
    stages: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def text(self) -> str:
        """Plain text with [n] markers: the sentences, or the table as one line per cell."""
        if self.table is not None:
            return "\n".join(
                f"{row.case}, {aspect}: "
                + (f"{cell.text} [{cell.source}]" if cell.source else NOT_IN_SOURCES)
                for row in self.table.rows
                for aspect, cell in row.cells.items()
            )
        if self.abstained:
            return self.notice
        return " ".join(
            f"{s.text} [{s.source}]" if s.source else f"{s.text} [uncited]" for s in self.sentences
        )

    def to_dict(self) -> dict:
        """The answer as JSON-ready data, without the evidence: each passage it cites is
        already in `sources`, and the chat keeps this in the page's state."""
        data = asdict(dataclasses.replace(self, evidence=()))
        del data["evidence"]
        data["text"] = self.text
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Answer:
        """Inverse of `to_dict` (the chat keeps answers as JSON in the page's state)."""
        table = None
        if data.get("table"):
            table = Comparison(
                data["table"]["aspects"],
                [
                    ComparisonRow(
                        r["doc_id"], r["case"], {k: Cell(**c) for k, c in r["cells"].items()}
                    )
                    for r in data["table"]["rows"]
                ],
            )
        return cls(
            question=data["question"],
            sentences=[AnswerSentence(**s) for s in data["sentences"]],
            sources=[Source.from_dict(s) for s in data["sources"]],
            abstained=data["abstained"],
            grounding=data["grounding"],
            notice=data["notice"],
            seconds=data["seconds"],
            mode=data["mode"],
            focus=data["focus"],
            related=[RelatedCase(**r) for r in data["related"]],
            table=table,
            reading=[ReadingItem(**r) for r in data.get("reading", [])],
            answerability=_answerability(data.get("answerability")),
            stages=dict(data.get("stages", {})),
        )


def _answerability(data: dict | None) -> Answerability | None:
    if not data:
        return None
    return Answerability(
        dict(data["features"]),
        data["probability"],
        data["threshold"],
        tuple(data.get("reasons", ())),
    )


CARD_FIELDS = ["actors", "mechanism", "resources", "outcome", "success factors"]
FACTS = ["place", "country", "level", "policy area", "years"]


@dataclass
class Fact:
    """A facet of a case card: its value, whether it was read from the file or inferred,
    and, when a sentence of the case states it, that sentence's source."""

    value: str
    provenance: str = ""
    source: int = 0
    quote: str = ""


@dataclass
class CaseCard:
    """One case (a document, or several documents about one place and programme): facets,
    one cited sentence per field (an empty Cell is "not stated in the sources"), the
    interviews it cites, and its centroid for finding similar cases. Built at ingest."""

    case_id: str
    doc_ids: list[str]
    title: str
    authors: list[str]
    year: int | None
    facts: dict[str, Fact]
    fields: dict[str, Cell]
    sources: list[Source]
    interviews: list[dict]
    centroid: list[float]
    files: list[str] = field(default_factory=list)
    lookalike_of: list[str] = field(default_factory=list)  # see ingest.lookalikes.lookalikes

    @property
    def place(self) -> str:
        return self.facts["place"].value

    @property
    def country(self) -> str:
        return self.facts["country"].value

    @property
    def label(self) -> str:
        """Place and title, so look-alike titles stay apart in lists."""
        place = self.place
        label = f"{place}: {self.title}" if place and place not in self.title else self.title
        return f"⚠ look-alike: {label}" if self.lookalike_of else label

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> CaseCard:
        return cls(
            case_id=data["case_id"],
            doc_ids=data["doc_ids"],
            title=data["title"],
            authors=data["authors"],
            year=data["year"],
            facts={k: Fact(**v) for k, v in data["facts"].items()},
            fields={k: Cell(**v) for k, v in data["fields"].items()},
            sources=[Source.from_dict(s) for s in data["sources"]],
            interviews=data["interviews"],
            centroid=data["centroid"],
            files=data.get("files", []),
            lookalike_of=data.get("lookalike_of", []),
        )


@dataclass
class CaseHit:
    """A case found by case-level search, with the passages that matched best (cited:
    `sources` hold each passage and the span of its sentence closest to the query)."""

    card: CaseCard
    score: float
    sources: list[Source]
    why: list[str]  # per source, the sentence quoted as the reason


@dataclass
class SimilarCase:
    """A case near another one, with the facets they share and where they differ."""

    card: CaseCard
    similarity: float
    shared: dict[str, str]
    differs: dict[str, tuple[str, str]]


@dataclass
class CitedPage:
    """A PDF page shown for a citation: the rendered page, with the cited span highlighted
    when this is the page the passage is on and the span was found in its text layer."""

    png: bytes
    page: int  # 1-based index in the file
    pages: int
    locator: str  # 'p. 19' or 'PDF p. 3'
    cited: bool  # the passage's own page (neighbouring pages are shown plain)
    highlighted: str = ""  # the text-layer characters under the highlight ("" if none)
