"""The corpus as the chat shows it: documents and facets, cleaning report, uploads, feedback."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from app.case_views import shorten
from app.engine import Engine
from app.facets import FACET_TABLE, document_facet_values
from app.library import LibraryReport
from app.render import LOOKALIKE_NOTE
from ingest.catalog import refuse_writes
from ingest.records import DocMetadata
from ingest.settings import Settings

# The facets a document's metadata states, in the facet table's order.
COLUMN_FACETS = [f for f in FACET_TABLE if f.fact]
# where a document came from sits beside its title: two look-alike titles differ there
DOCUMENT_COLUMNS = [
    "title",
    "added",
    "authors",
    "year",
    "place",
    *(f.fact for f in COLUMN_FACETS),
    "file",
    "look-alike of",
    "DOI",
    "metadata from",
    "pages cited by",
]
# A vote's text fields are cut to this many characters: the answer a vote carries comes
# from the page, and a client can send any size.
VOTE_FIELD_CHARS = 4000
VOTE_SOURCES = 20
VOTE_SOURCE_CHARS = 300  # a source's file and chunk id
QUALITY_COLUMNS = ["file", "format", "chunks", "dropped lines", "repaired lines", "first drops"]


def document_rows(engine: Engine) -> list[list]:
    rows = []
    for doc in engine.documents():
        m = doc.metadata
        facets = ["; ".join(f.from_document(m)) for f in COLUMN_FACETS]
        rows.append(
            [
                f"⚠ look-alike: {m.title}" if doc.lookalike_of else m.title,
                doc.provenance.describe(),
                "; ".join(m.authors),
                m.year or "",
                m.place,
                *facets,
                doc.path,
                "; ".join(doc.lookalike_of),
                m.doi,
                m.library_match or metadata_origin(m),
                m.page_label_kind or ("PDF page index" if doc.format == "pdf" else ""),
            ]
        )
    return rows


def metadata_origin(meta: DocMetadata) -> str:
    """Where the title came from when no library entry matched: 'read: PDF metadata',
    'inferred: first line', ..."""
    return meta.provenance.get("title", "")


def removal_choices(engine: Engine) -> list[tuple[str, str]]:
    """(label, doc_id) for the remove picker: the file, when and how it came, and title."""
    return [
        (shorten(f"{doc.path} ({doc.provenance.describe()}): {doc.metadata.title}"), doc.doc_id)
        for doc in engine.documents()
    ]


def quality_rows(engine: Engine) -> list[list]:
    """Per document: what the cleaner dropped or repaired, so a reader can judge it."""
    rows = []
    for doc in engine.documents():
        first = "; ".join(f"line {d.line}: {d.reason}" for d in doc.dropped[:3])
        name = Path(doc.path).name
        rows.append([name, doc.format, doc.chunks, len(doc.dropped), len(doc.repaired), first])
    return rows


def facet_values(engine: Engine) -> dict[str, list[str]]:
    """The values each Ask filter can take, from the committed documents."""
    return document_facet_values([doc.metadata for doc in engine.documents()])


def document_titles(engine: Engine, doc_ids: list[str]) -> list[str]:
    """Titles of these documents (the id where one is gone), from the passages the
    retriever already holds: no catalog read per answer."""
    documents = engine.retriever.documents()
    return [documents[d].metadata.title if d in documents else d for d in doc_ids]


def case_choices(engine: Engine) -> list[tuple[str, str]]:
    """(label, doc_id) for pickers: place and title, so look-alike titles stay apart."""
    out = []
    for doc in engine.documents():
        m = doc.metadata
        label = f"{m.place}: {m.title}" if m.place and m.place not in m.title else m.title
        if doc.lookalike_of:
            label = f"⚠ look-alike: {label} ({doc.provenance.describe()})"
        out.append((shorten(label), doc.doc_id))
    return sorted(out)


def report_lines(report: LibraryReport) -> list[str]:
    """One line per file: what happened, or why it was skipped; then one per notice."""
    lines = []
    for f in report.ingest.files:
        name = Path(f.path).name
        if f.status == "skipped":
            lines.append(f"{name}: skipped: {f.reason}")
            continue
        line = f"{name}: {f.status}, {f.chunks} chunks, {f.dropped_lines} lines dropped"
        if f.status == "removed":
            line = f"{name}: removed, {f.chunks} chunks"
        if f.flag:
            line += f"; flagged ({LOOKALIKE_NOTE.split(':')[0]}): {f.flag}"
        if f.note:
            line += f"; {f.note}"
        lines.append(line)
    return lines + [f"note: {notice}" for notice in report.ingest.notices]


def log_feedback(
    settings: Settings, answer: dict, rating: str, comment: str = "", user: str = ""
) -> Path:
    """Append one JSON line per vote, keeping the newest `serve.max_votes`.

    The log is trimmed back to max_votes once it passes it by a tenth, so a full log is
    rewritten once per max_votes/10 votes, not at every vote. The file is locked while a
    vote is added, so concurrent votes stay whole and a trim never loses one; each text
    field is cut (VOTE_FIELD_CHARS), so the log's size is bounded whatever a client sends.
    Raises IndexReadOnly when the index may only be read."""
    refuse_writes(settings, "feedback")
    path = settings.index_dir / "feedback.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)

    def cut(value: object) -> str:
        return str(value or "")[:VOTE_FIELD_CHARS]

    sources = answer.get("sources") or []
    grounding = answer.get("grounding")
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "rating": rating,
        "user": cut(user),
        "comment": cut(comment),
        "question": cut(answer.get("question")),
        "answer": cut(answer.get("text")),
        "grounding": grounding if isinstance(grounding, float | int) else None,
        "mode": cut(answer.get("mode")),
        "sources": [
            {
                "n": s.get("n") if isinstance(s.get("n"), int) else None,
                "file": cut(s.get("file"))[:VOTE_SOURCE_CHARS],
                "chunk_id": cut(s.get("chunk_id"))[:VOTE_SOURCE_CHARS],
            }
            for s in sources[:VOTE_SOURCES]
            if isinstance(s, dict)
        ],
    }
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
    with _locked_log(path) as handle:
        handle.write(line)
        handle.flush()
        handle.seek(0)
        data = handle.read()
        keep = settings.serve.max_votes
        if data.count(b"\n") > keep + max(1, keep // 10):
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(b"".join(data.splitlines(keepends=True)[-keep:]))
            os.replace(tmp, path)  # a crash leaves the old log or the trimmed one, whole
    return path


@contextmanager
def _locked_log(path: Path) -> Iterator[BinaryIO]:
    """The log opened for appending under an exclusive lock. A writer that waited while
    another trimmed the log holds the replaced file: it reopens until it holds the one at
    `path`, so no vote goes to a file that is gone."""
    while True:
        handle = open(path, "ab+")  # noqa: SIM115 (closed below, or by the with)
        fcntl.flock(handle, fcntl.LOCK_EX)
        if os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino:
            break
        handle.close()
    with handle:
        yield handle
