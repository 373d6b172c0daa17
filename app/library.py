"""The user's library: ingest files, then derive what is built from them (case cards);
add uploaded files and remove documents, the only two ways the chat changes it.

Why one function: `govqa ingest`, the chat's upload and the evaluation's corpora each used
to ingest and then build (or forget to build) the cards their own way. `update_library` is
the only place that does both, so a new derived record is added once for all three.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.cards import CardReport, build_cards
from app.engine import Engine
from ingest.catalog import Catalog, refuse_writes
from ingest.channels import DenseChannel, opened_channels
from ingest.library_metadata import LibraryApplied, apply_library
from ingest.pipeline import (
    IngestBusy,
    IngestOrigin,
    file_hash,
    index_lock,
    ingest,
    remove_document,
    source_path,
)
from ingest.records import FileOutcome, IngestError, IngestReport, StoredDocument
from ingest.settings import Settings

# an upload with one of these suffixes is the user's reference library, not a document
LIBRARY_SUFFIXES = (".bib", ".ris", ".json")
BIBLIOGRAPHY_MARKER = "bibliography.json"  # in the index dir: the reference library applied
NAME_BYTES = 200  # a stored file name's length at most, in UTF-8 bytes (filesystems: 255)
BUSY = (
    "another ingest is running on this library; nothing was taken: upload again once it "
    "has finished"
)
BUSY_REMOVING = "another ingest is running on this library; try again once it has finished"


def printable(text: str) -> str:
    """A file name may hold a line break, a terminal escape or a bidi override: show those
    escaped, so one report line stays one line and cannot repaint the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass
class LibraryReport:
    """What an update did: the ingest's per-file report (with its notices) and the cards it
    (re)built."""

    ingest: IngestReport
    cards: CardReport | None  # None when nothing was ingested (every file refused)
    # the user's reference library, applied after the files (None when there is none)
    bibliography: LibraryApplied | None = None
    bibliography_error: str = ""  # "refs.bib: reason" when the library could not be read

    @property
    def skipped(self) -> list[FileOutcome]:
        return self.ingest.skipped

    def to_dict(self) -> dict:
        """The ingest report's JSON with the card report beside it (`govqa ingest --json`)."""
        cards = asdict(self.cards) if self.cards else None
        applied = self.bibliography
        library = None
        if applied is not None:
            library = {
                "library": applied.library,
                "changed": applied.changed,
                "matches": [
                    {"doc_id": m.doc_id, "entry": m.entry.key or m.entry.origin, "how": m.how}
                    for m in applied.match.matches
                ],
                "unmatched_entries": [e.key or e.origin for e in applied.match.unmatched_entries],
                "unmatched_documents": [d.doc_id for d in applied.match.unmatched_documents],
                "ambiguous": [
                    {"entry": e.key or e.origin, "documents": ids}
                    for e, ids in applied.match.ambiguous
                ],
            }
        return self.ingest.to_dict() | {
            "cards": cards,
            "library": library,
            "library_error": self.bibliography_error,
        }

    def lines(self) -> list[str]:
        """What `govqa ingest` prints: files and passages, cards, one line per notice, then
        one line per skipped file with its reason."""
        report, cards = self.ingest, self.cards
        totals = report.to_dict()["totals"]
        lines = [
            f"ingest: {len(report.files)} files ({totals['added']} added, {totals['updated']} "
            f"updated, {totals['unchanged']} unchanged, {totals['skipped']} skipped, "
            f"{totals['removed']} removed, {totals['flagged']} flagged); "
            f"{report.chunks_written} chunks written, "
            f"{report.embedded} embedded; {report.dropped_lines} lines dropped; "
            f"{report.seconds:.1f} s; {totals['chunks_per_s']} chunks/s",
        ]
        if cards is not None:
            lines.append(
                f"cards: {cards.cases} cases, {cards.built} built, {cards.removed} removed; "
                f"{cards.seconds:.1f} s"
            )
        if self.bibliography is not None:
            lines += [printable(line) for line in self.bibliography.lines()]
        if self.bibliography_error:
            lines.append(f"library not applied: {printable(self.bibliography_error)}")
        lines += [f"note: {printable(n)}" for n in self.ingest.notices]
        lines += [f"flagged: {printable(f.path)}: {printable(f.flag)}" for f in report.flagged]
        lines += [f"note: {printable(f.path)}: {printable(f.note)}" for f in report.files if f.note]
        return lines + [
            f"skipped: {printable(f.path)}: {printable(f.reason or '')}" for f in report.skipped
        ]


def update_library(
    paths: list[Path],
    settings: Settings,
    sync: bool = False,
    engine: Engine | None = None,
    progress: Callable[[FileOutcome], None] | None = None,
    rebuild: bool = False,
    origin: IngestOrigin | None = None,
    bibliography: Path | None = None,
) -> LibraryReport:
    """Ingest `paths` (under the index lock, as `ingest` takes it; raises IngestBusy when
    another ingest holds it), apply the user's reference library, then bring the case cards
    in line with the documents.

    Pass the `engine` that will read the cards (the chat's) to reuse its loaded model and
    passages; without one, a short-lived engine builds them and is closed.
    `origin` says who adds the files and how (default: the CLI's OS user).
    `bibliography` (BibTeX, RIS or CSL-JSON) is remembered in the index, so a later ingest
    without it applies the same library to new and changed files.
    """
    refuse_writes(settings, "ingest")  # before the lock, whose file it would have to write
    with index_lock(settings):  # re-entrant: the ingest takes it again
        report = ingest(
            paths, settings, sync=sync, progress=progress, rebuild=rebuild, origin=origin
        )
        applied, problem = _apply_bibliography(settings, engine, bibliography)
    return LibraryReport(report, _rebuild_cards(settings, engine), applied, problem)


def remembered_bibliography(settings: Settings) -> Path | None:
    """The reference library last applied to this index, if it still exists."""
    marker = settings.index_dir / BIBLIOGRAPHY_MARKER
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        path = Path(json.loads(marker.read_text(encoding="utf-8"))["path"])
        return path if path.is_file() else None
    return None


def _apply_bibliography(
    settings: Settings, engine: Engine | None, given: Path | None
) -> tuple[LibraryApplied | None, str]:
    """Apply `given` (and remember it) or the remembered library; (None, reason) when it
    cannot be read, which never undoes the ingest before it."""
    path = given.resolve() if given else remembered_bibliography(settings)
    if path is None:
        return None, ""
    catalog = engine.catalog if engine else Catalog(settings.catalog_path)
    try:
        applied = apply_library(catalog, path)
    except IngestError as exc:
        return None, str(exc)
    finally:
        if engine is None:
            catalog.close()
    if given:
        marker = settings.index_dir / BIBLIOGRAPHY_MARKER
        marker.write_text(json.dumps({"path": str(path)}), encoding="utf-8")
    return applied, ""


def _rebuild_cards(settings: Settings, engine: Engine | None) -> CardReport:
    owned = engine is None
    engine = engine or Engine(settings)
    try:
        return build_cards(engine.catalog, engine.retriever)
    finally:
        if owned:
            engine.close()


def stored_name(name: str) -> str:
    """A safe file name for an upload, keeping its extension (the reader is chosen by it)
    however long the name: the stem is cut, never the suffix."""
    cleaned = re.sub(r"[^\w.-]+", "_", Path(name.replace("\\", "/")).name).strip("._")
    suffix = Path(cleaned).suffix
    if len(suffix) > 12 or not re.fullmatch(r"\.\w+", suffix):
        suffix = ""
    stem = cleaned[: len(cleaned) - len(suffix)] if suffix else cleaned
    while stem and len((stem + suffix).encode()) > NAME_BYTES:
        stem = stem[:-1]
    return (stem.rstrip("._") or "upload") + suffix


def _discard(path: Path, inside: Path | None = None) -> None:
    """Delete a file, and then each folder it leaves empty strictly inside `inside` (the
    chat's server keeps each upload in a folder of its own, and so does the library)."""
    path.unlink(missing_ok=True)
    if inside is None:
        return
    root, folder = source_path(inside), source_path(path.parent)
    while folder != root and folder.is_relative_to(root):
        with contextlib.suppress(OSError):  # not empty: stop there
            folder.rmdir()
        if folder.exists():
            return
        folder = folder.parent


def discard_uploads(files: list[str | Path], temp_root: Path | None = None) -> None:
    """Delete uploaded temporary files that will not be added (a reader's), and the
    folders under `temp_root` they leave empty."""
    for file in files:
        _discard(Path(file), temp_root)


def add_uploads(
    files: list[str | Path],
    settings: Settings,
    engine: Engine | None = None,
    by: str = "",
    temp_root: Path | None = None,
) -> LibraryReport:
    """Add uploaded files to the library, as `govqa ingest` adds files: the same per-file
    report, case cards refreshed, provenance 'uploaded by `by`'.

    `files` are the caller's temporary copies (named as their owner named them); each is
    deleted once handled, whether it was ingested or refused, with the folders it leaves
    empty under `temp_root` (the chat server's upload folder). Nothing is taken unless
    the index lock is free: a busy library refuses the whole batch before anything is
    stored. A file is stored under `settings.uploads_dir`, in a folder named by its
    content, so it never replaces another upload of the same name (both are kept, and
    the report says so); the same content a second time is refused as already there;
    a file over `ingest.max_upload_mb` is refused.
    """
    temporaries = [Path(f) for f in files]
    refused: list[FileOutcome] = []
    try:
        refuse_writes(settings, "an upload")  # IndexReadOnly; the temporaries still go
        limit = settings.ingest.max_upload_mb
        wanted = []
        for temp in temporaries:
            if not temp.is_file():
                refused.append(FileOutcome(temp.name, "skipped", reason="upload not received"))
            elif temp.stat().st_size > limit * 1024 * 1024:
                reason = f"larger than the upload limit of {limit:g} MB; not stored"
                refused.append(FileOutcome(temp.name, "skipped", reason=reason))
            else:
                wanted.append(temp)
        if not wanted:
            return LibraryReport(IngestReport(refused), None)
        try:
            with index_lock(settings):
                return _store_uploads(wanted, refused, settings, engine, by)
        except IngestBusy:
            busy = [FileOutcome(t.name, "skipped", reason=BUSY) for t in wanted]
            return LibraryReport(IngestReport(refused + busy), None)
    finally:
        discard_uploads(temporaries, temp_root)


def _store_uploads(
    wanted: list[Path],
    refused: list[FileOutcome],
    settings: Settings,
    engine: Engine | None,
    by: str,
) -> LibraryReport:
    """Under the index lock: copy the new files into the library and ingest them."""
    catalog = engine.catalog if engine else Catalog(settings.catalog_path)
    try:
        documents = catalog.documents()
    finally:
        if engine is None:
            catalog.close()
    # content hash -> where that content already is
    there = {d.sha256: f"{d.path} ({d.provenance.describe()})" for d in documents}
    saved: list[Path] = []
    names: dict[str, str] = {}
    bibliography: Path | None = None
    for temp in wanted:
        if temp.suffix.lower() in LIBRARY_SUFFIXES:
            # a reference library, not a document: kept in the index and applied
            bibliography = settings.index_dir / "bibliography" / stored_name(temp.name)
            bibliography.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(temp, bibliography)
            continue
        digest = file_hash(temp, settings)
        if digest in there:
            reason = f"already in the library as {there[digest]}"
            refused.append(FileOutcome(temp.name, "skipped", reason=reason))
            continue
        target = settings.uploads_dir / digest[:16] / stored_name(temp.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        shutil.copyfile(temp, partial)
        os.replace(partial, target)  # never a half-copied file under its real name
        saved.append(target)
        names[str(source_path(target))] = temp.name
        there[digest] = f"{temp.name}, uploaded with it"  # a second copy in this batch
    origin = IngestOrigin("upload", by, names)
    if saved:
        report = update_library(
            saved, settings, engine=engine, origin=origin, bibliography=bibliography
        )
    elif bibliography is not None:
        applied, problem = _apply_bibliography(settings, engine, bibliography)
        cards = _rebuild_cards(settings, engine) if applied and applied.changed else None
        report = LibraryReport(IngestReport(), cards, applied, problem)
    else:
        report = None
    ingested = report.ingest if report else IngestReport()
    _note_namesakes(ingested, names, documents)
    ingested.files = refused + ingested.files
    if report is None:
        return LibraryReport(ingested, None)
    return LibraryReport(ingested, report.cards, report.bibliography, report.bibliography_error)


def _note_namesakes(
    report: IngestReport, names: dict[str, str], documents: list[StoredDocument]
) -> None:
    """Say when an added upload shares its name with a document already there: both are
    kept (an upload never replaces one), and the reader should know which is which."""
    by_name: dict[str, list[StoredDocument]] = {}
    for doc in documents:
        by_name.setdefault(doc.provenance.name or Path(doc.path).name, []).append(doc)
    for outcome in report.files:
        if outcome.status != "added":
            continue
        name = names.get(str(source_path(Path(outcome.path))), "")
        earlier = by_name.get(name, [])
        if earlier:
            first = earlier[0]
            outcome.note = (
                f"a document named {name} was already in the library ({first.path}, "
                f"{first.provenance.describe()}); both are kept: remove the one you do not "
                "want in the Corpus tab"
            )


def find_document(documents: list[StoredDocument], key: str) -> list[StoredDocument]:
    """The documents `key` names: a document id, a file path (as shown or resolved), or a
    unique prefix of an id."""
    exact = [d for d in documents if key in (d.doc_id, d.path, d.source)]
    if exact:
        return exact
    resolved = str(source_path(Path(key)))
    return [d for d in documents if d.source == resolved] or [
        d for d in documents if d.doc_id.startswith(key)
    ]


def remove_documents(
    keys: list[str], settings: Settings, engine: Engine | None = None, by: str = ""
) -> LibraryReport:
    """Remove the documents `keys` name (see find_document) from the library, then bring
    the case cards in line; raises IngestBusy while another ingest holds the index lock.

    An uploaded document's stored file is deleted with it (the library owns it); a file
    ingested from a folder stays where it is, and the report says that ingesting that
    folder again adds it back. Each removal is logged to <index_dir>/removals.jsonl
    with who removed it. A read-only index raises IndexReadOnly before anything is opened.
    """
    refuse_writes(settings, "a removal")
    owned = engine is None
    engine = engine or Engine(settings)
    outcomes: list[FileOutcome] = []
    try:
        with (
            index_lock(settings),
            # every channel, as ingest writes them: a removed document's vectors go from
            # the multilingual collection too, not only MiniLM's
            opened_channels(settings, engine.catalog, engine.embedder) as channels,
        ):
            documents = engine.catalog.documents()
            for key in keys:
                found = find_document(documents, key)
                if len(found) != 1:
                    why = "no such document" if not found else f"{len(found)} documents match"
                    outcomes.append(FileOutcome(key, "skipped", reason=why))
                    continue
                outcomes.append(_remove(found[0], settings, engine.catalog, channels, by))
                documents.remove(found[0])
        cards = build_cards(engine.catalog, engine.retriever)
    finally:
        if owned:
            engine.close()
    return LibraryReport(IngestReport(outcomes), cards)


def _remove(
    doc: StoredDocument,
    settings: Settings,
    catalog: Catalog,
    channels: list[DenseChannel],
    by: str,
) -> FileOutcome:
    chunks = remove_document(doc.doc_id, catalog, channels)
    uploads = source_path(settings.uploads_dir)
    stored = Path(doc.source) if doc.source else None
    if stored is not None and stored.is_relative_to(uploads):
        _discard(stored, uploads)
        note = "its uploaded file was deleted"
    else:
        note = f"its file {doc.path} stays; ingesting it again adds it back"
    record = {
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "by": by,
        "doc_id": doc.doc_id,
        "path": doc.path,
        "title": doc.metadata.title,
        "provenance": asdict(doc.provenance),
    }
    append_line(settings.index_dir / "removals.jsonl", json.dumps(record, ensure_ascii=False))
    return FileOutcome(doc.path, "removed", chunks=chunks, note=note)


def append_line(path: Path, line: str) -> None:
    """One line appended in a single O_APPEND write, so concurrent writers never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def cleaning_lines(settings: Settings) -> Iterator[str]:
    """Every line the cleaner dropped or repaired, one per line (`--show-dropped`)."""
    catalog = Catalog(settings.catalog_path)
    try:
        for doc in catalog.documents():
            for line in doc.dropped:
                where = f"p.{line.page} " if line.page else ""
                yield (
                    f"dropped: {doc.path}:{where}line {line.line}: {line.reason}: {line.text[:120]}"
                )
            for line in doc.repaired:
                yield (
                    f"repaired: {doc.path}:line {line.line}: {line.reason}: "
                    f"{line.before[:60]} -> {line.after[:60]}"
                )
    finally:
        catalog.close()
