"""The corpus as the chat shows it: documents and facets, cleaning report, uploads, feedback."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import time
from pathlib import Path

from app.case_views import shorten
from app.engine import Engine
from app.facets import FACET_TABLE, document_facet_values
from app.library import LibraryReport, update_library
from ingest.catalog import refuse_writes
from ingest.settings import Settings

# The facets a document's metadata states, in the facet table's order.
COLUMN_FACETS = [f for f in FACET_TABLE if f.fact]
DOCUMENT_COLUMNS = ["title", "authors", "year", "place", *(f.fact for f in COLUMN_FACETS), "file"]
QUALITY_COLUMNS = ["file", "format", "chunks", "dropped lines", "repaired lines", "first drops"]


def document_rows(engine: Engine) -> list[list]:
    rows = []
    for doc in engine.documents():
        m = doc.metadata
        facets = ["; ".join(f.from_document(m)) for f in COLUMN_FACETS]
        rows.append(
            [m.title, "; ".join(m.authors), m.year or "", m.place, *facets, Path(doc.path).name]
        )
    return rows


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
        out.append((shorten(label), doc.doc_id))
    return sorted(out)


def _safe_name(name: str) -> str:
    stem = re.sub(r"[^\w.-]+", "_", Path(name).name).strip("._") or "upload"
    return stem[:120]


def _unused_name(name: str, taken: set[str]) -> str:
    """`name`, or `stem-2.ext`, `stem-3.ext`, ... when another file of the same upload
    already took it."""
    path, n = Path(name), 1
    while name in taken:
        n += 1
        name = f"{path.stem}-{n}{path.suffix}"
    return name


def add_uploads(files: list[str | Path], engine: Engine) -> LibraryReport:
    """Copy uploaded files into `<corpus>/uploads/` (so later ingests keep them) and add
    just those files to the library, as `govqa ingest` does: the same per-file report,
    and the case cards refreshed.

    Two files of one upload whose safe names agree (`a b.md` and `a_b.md`) are both kept:
    the later one is saved under a numbered name, with a notice saying so. A file named as
    an earlier upload replaces it (an edited report uploaded again)."""
    refuse_writes(engine.settings, "an upload")  # before a file is copied
    target = engine.settings.corpus_dir / "uploads"
    target.mkdir(parents=True, exist_ok=True)
    saved, taken, renamed = [], set(), []
    for file in files:
        wanted = _safe_name(str(file))
        name = _unused_name(wanted, taken)
        if name != wanted:
            renamed.append(
                f"{Path(file).name}: saved as {name} "
                f"(another file of this upload is saved as {wanted})"
            )
        taken.add(name)
        shutil.copyfile(file, target / name)
        saved.append(target / name)
    report = update_library(saved, engine.settings, engine=engine)
    return dataclasses.replace(report, notices=report.notices + renamed)


def report_lines(report: LibraryReport) -> list[str]:
    """One line per file: what happened, or why it was skipped; then one per notice."""
    lines = []
    for f in report.ingest.files:
        name = Path(f.path).name
        if f.status == "skipped":
            lines.append(f"{name}: skipped: {f.reason}")
        else:
            lines.append(f"{name}: {f.status}, {f.chunks} chunks, {f.dropped_lines} lines dropped")
    return lines + [f"note: {notice}" for notice in report.all_notices]


def log_feedback(settings: Settings, answer: dict, rating: str, comment: str = "") -> Path:
    """Append one JSON line per vote; a single O_APPEND write keeps concurrent votes whole.
    Raises IndexReadOnly when the index may only be read."""
    refuse_writes(settings, "feedback")
    path = settings.index_dir / "feedback.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "rating": rating,
        "comment": comment,
        "question": answer.get("question", ""),
        "answer": answer.get("text", ""),
        "grounding": answer.get("grounding"),
        "mode": answer.get("mode"),
        "sources": [
            {"n": s["n"], "file": s["file"], "chunk_id": s["chunk_id"]}
            for s in answer.get("sources", [])
        ],
    }
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return path
