"""Plain records passed between ingestion steps (reader -> cleaner -> chunker -> catalog)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class IngestError(Exception):
    """A file a user gave us that cannot be ingested; ends as one line `file: reason`."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass
class Page:
    """Text of one page (PDF) or of the whole file (formats without pages: number None)."""

    text: str
    number: int | None = None


@dataclass
class RawDocument:
    """What a reader returns: page texts plus the bibliographic fields it could read."""

    path: Path
    format: str
    pages: list[Page]
    read_fields: dict[str, object] = field(default_factory=dict)
    read_from: str = ""
    # the file's own metadata dictionary (a PDF's Info), where identifiers may be recorded
    file_info: dict[str, str] = field(default_factory=dict)
    # the printed label of each page (PDF only), and how they were found
    page_labels: list[str] = field(default_factory=list)
    page_label_kind: str = ""


@dataclass
class DroppedLine:
    line: int
    text: str
    reason: str
    page: int | None = None


@dataclass
class RepairedLine:
    line: int
    before: str
    after: str
    reason: str
    page: int | None = None


@dataclass
class CleanText:
    """Cleaned document text with where each page and section starts in it."""

    text: str
    page_starts: list[tuple[int | None, int]]
    section_starts: list[tuple[str, int]]
    dropped: list[DroppedLine] = field(default_factory=list)
    repaired: list[RepairedLine] = field(default_factory=list)


class Interview(BaseModel):
    """An interview citation such as `(Kachonrak, O. Officer 5, Bureau X. November 30, B.E.2560.
    Interview)`, with its date converted to the common era."""

    name: str
    role: str = ""
    organisation: str = ""
    date: str = ""  # ISO yyyy-mm-dd (C.E.), or yyyy when only the year is known
    raw: str


class DocMetadata(BaseModel):
    """Bibliographic fields and case facets; `provenance` says, per field, read or inferred."""

    title: str = ""
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    abstract: str = ""
    place: str = ""
    country: str = ""
    level: str = ""
    policy_area: list[str] = Field(default_factory=list)
    case_years: str = ""
    # identifiers and bibliographic fields a reference manager keeps (issue 16): read from
    # the user's library when an entry matches, else from the file itself (a DOI printed on
    # its first pages); stored in the catalog's metadata JSON, so no schema change
    doi: str = ""
    isbn: str = ""
    arxiv: str = ""
    url: str = ""
    container: str = ""  # journal, book or series the item appeared in
    publisher: str = ""  # a report's institution, a book's publisher
    item_type: str = ""  # CSL type: article-journal, report, webpage, book, chapter, ...
    citation_key: str = ""  # the key the user's library gives it (Better BibTeX's)
    library_match: str = ""  # how a library entry was matched: "refs.bib: smith2020, by DOI"
    # the printed label of each PDF page in index order ("" where none is known, and the
    # page is then cited by its index, marked as such); how they were found
    page_labels: list[str] = Field(default_factory=list)
    page_label_kind: str = ""  # "PDF page labels" | "printed page numbers" | ""
    provenance: dict[str, str] = Field(default_factory=dict)
    # what a library entry replaced (field -> [value, provenance]), so an entry edited or
    # removed from the library later gives the document back its own fields
    before_library: dict[str, list] = Field(default_factory=dict)

    def page_label(self, page: int | None) -> str:
        """The label a reader sees on page `page` (1-based index), or "" if none is known."""
        if page is None or not 0 < page <= len(self.page_labels):
            return ""
        return self.page_labels[page - 1]


@dataclass
class Chunk:
    """A retrievable passage: its text is `doc.text[start:end]` of the cleaned document."""

    id: str
    doc_id: str
    ordinal: int
    text: str
    start: int
    end: int
    page: int | None
    section: str
    interviews: list[Interview] = field(default_factory=list)


Origin = Literal["cli", "upload", ""]


@dataclass
class Provenance:
    """Where a document came from: how it entered the library (`govqa ingest` or an upload
    in the chat; "" for a document committed before this was recorded), when, by whom,
    and the file's name as that person gave it (an upload is stored under another path)."""

    origin: Origin = ""
    at: str = ""  # ISO 8601, UTC, seconds
    by: str = ""
    name: str = ""

    def describe(self) -> str:
        """'uploaded by ana, 2025-01-02 10:11 UTC' (one line for cards and tables)."""
        if not self.origin:
            return "ingested before provenance was recorded"
        how = "uploaded" if self.origin == "upload" else "ingested by CLI"
        # a chat without logins knows no name: say so rather than name nobody
        who = f" by {self.by}" if self.by else (" (no login)" if self.origin == "upload" else "")
        when = f", {self.at[:16].replace('T', ' ')} UTC" if self.at else ""
        return f"{how}{who}{when}"


@dataclass
class CleanedDocument:
    """What every document record holds once its file is read, cleaned and described.

    `source` (the resolved path) is the file's identity and `doc_id` is made from it;
    `path` is only how the file is shown (relative to the working directory when inside it).
    `lookalike_of` holds the ids of earlier documents whose title or front matter this one
    copies while its text differs (ingest.lookalikes.lookalikes): it is its own case, and a
    question naming the case it imitates is not answered from it.
    """

    doc_id: str
    path: str
    source: str
    format: str
    sha256: str
    metadata: DocMetadata
    text: str
    dropped: list[DroppedLine]
    repaired: list[RepairedLine]
    interviews: list[Interview]
    provenance: Provenance = field(default_factory=Provenance, kw_only=True)
    lookalike_of: list[str] = field(default_factory=list, kw_only=True)


@dataclass
class Document(CleanedDocument):
    """One ingested file, cleaned, described and chunked."""

    chunks: list[Chunk]


@dataclass(kw_only=True)
class StoredChunk(Chunk):
    """A committed chunk with its document's display path and metadata, as retrieval needs.

    A subclass rather than a wrapper (`stored.chunk.text`): it *is* the chunk the pipeline
    committed, so everything that reads a Chunk (`text`, `doc_id`, offsets, page) reads a
    stored one unchanged, and a field added to Chunk reaches the stored one with no second
    list to keep in step. The added fields are keyword-only, so Chunk's defaults stay legal.
    """

    path: str
    metadata: DocMetadata
    provenance: Provenance = field(default_factory=Provenance)
    lookalike_of: list[str] = field(default_factory=list)


@dataclass
class StoredDocument(CleanedDocument):
    """A committed document as the catalog returns it: its chunks counted, not loaded
    (the corpus view lists every document; retrieval reads chunks on their own)."""

    chunks: int


FileStatus = Literal["added", "updated", "unchanged", "skipped", "removed"]


@dataclass
class FileOutcome:
    path: str
    status: FileStatus
    chunks: int = 0
    embedded: int = 0
    dropped_lines: int = 0
    repaired_lines: int = 0
    reason: str = ""
    # set when the file copies an earlier document's title or front matter with other text
    lookalike_of: list[str] = field(default_factory=list)
    flag: str = ""
    note: str = ""  # anything else its owner should know (an earlier file of that name kept)


@dataclass
class IngestReport:
    """What an ingest run did, per file and in total; printed and written as JSON.

    `notices` are one-line facts about the run that are no file's outcome (a file named
    twice and ingested once)."""

    files: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0
    notices: list[str] = field(default_factory=list)

    def count(self, status: FileStatus) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def skipped(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "skipped"]

    @property
    def flagged(self) -> list[FileOutcome]:
        return [f for f in self.files if f.flag]

    @property
    def chunks_written(self) -> int:
        return sum(f.chunks for f in self.files if f.status in ("added", "updated"))

    @property
    def embedded(self) -> int:
        return sum(f.embedded for f in self.files)

    @property
    def dropped_lines(self) -> int:
        return sum(f.dropped_lines for f in self.files)

    def to_dict(self) -> dict:
        return {
            "files": [asdict(f) for f in self.files],
            "notices": self.notices,
            "totals": {
                status: self.count(status)
                for status in ("added", "updated", "unchanged", "skipped", "removed")
            }
            | {
                "flagged": len(self.flagged),
                "chunks_written": self.chunks_written,
                "embedded": self.embedded,
                "dropped_lines": self.dropped_lines,
                "seconds": round(self.seconds, 3),
                "chunks_per_s": round(self.embedded / self.seconds, 2) if self.seconds else 0.0,
            },
        }
