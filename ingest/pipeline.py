"""The one ingestion entry point: `ingest(paths, settings) -> IngestReport`."""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from ingest.catalog import Catalog, refuse_writes
from ingest.channels import (
    DenseChannel,
    delete_vectors,
    fill_sentence_vectors,
    open_channels,
    restore_vectors,
    restored_notice,
    stored_ids,
    write_vectors,
)
from ingest.chunk import chunk_document
from ingest.clean import clean_pages
from ingest.lookalikes import Known, lookalike_flag, lookalikes
from ingest.metadata import describe, extract_interviews
from ingest.readers import READERS, check_size, read_document
from ingest.records import (
    Document,
    FileOutcome,
    FileStatus,
    IngestError,
    IngestReport,
    Origin,
    Provenance,
)
from ingest.settings import Settings
from ingest.vectors import drop_vectors

# Bump when cleaning or chunking changes what a file turns into, so unchanged files re-ingest.
PIPELINE_VERSION = "10"


class IngestBusy(Exception):
    """Another ingest holds the index lock."""


_held = threading.local()  # lock files this thread holds: index_lock is re-entrant


@contextmanager
def index_lock(settings: Settings) -> Iterator[None]:
    """One writer at a time; the OS drops the lock if the holder is killed.

    Re-entrant in one thread, so a caller that must do something before the ingest under
    the same lock (an upload copies its files only once it holds it) can take it and then
    call `ingest`, which takes it again.
    """
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    path = str((settings.index_dir / "ingest.lock").resolve())
    held: set[str] = _held.__dict__.setdefault("paths", set())
    if path in held:
        yield
        return
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IngestBusy(f"{settings.index_dir}: another ingest is running") from exc
        held.add(path)
        try:
            yield
        finally:
            held.discard(path)


@dataclass
class IngestOrigin:
    """Who is adding this run's files and how: recorded as each committed document's
    Provenance. `names` maps a file's resolved path to the name its owner gave it (an
    upload is stored under a path of the library's choosing)."""

    origin: Origin = "cli"
    by: str = field(default_factory=lambda: os_user())
    names: dict[str, str] = field(default_factory=dict)

    def provenance(self, source: Path) -> Provenance:
        at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return Provenance(self.origin, at, self.by, self.names.get(str(source), source.name))


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's arbitrary uid)
        return ""


def source_path(path: Path) -> Path:
    """The file's identity: its resolved absolute path, whatever directory it was named from.

    Chosen over "content hash + path relative to the ingested root": two folders can hold
    files with the same relative names (two corpora, or an upload beside the sample corpus),
    and a content identity would make an edited file a new document beside its old self
    instead of an update of it. Symlinks resolve to their target, so a file reached through
    two links is one document.
    """
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # symlink loop: Python 3.11 raises RuntimeError
        return Path(os.path.abspath(path))


def display_path(path: Path) -> str:
    """How a file is shown: relative to the working directory when inside it (short, and the
    same across clones). Display only: identity is `source_path`."""
    resolved = source_path(path)
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


def document_id(source: Path) -> str:
    """A readable id made from the resolved path: its stem plus a hash of the whole path."""
    stem = re.sub(r"[^a-z0-9]+", "-", source.stem.lower()).strip("-")[:40] or "doc"
    return f"{stem}-{hashlib.sha1(str(source).encode()).hexdigest()[:8]}"


@dataclass
class SourceFile:
    """A file to ingest, who it is, and the stored documents it replaces: the same file
    committed under another id (by the scheme that took identity from the shown path)."""

    path: Path
    shown: str
    source: Path
    doc_id: str
    replaces: list[str]


def stored_sources(catalog: Catalog, settings: Settings) -> dict[str, set[Path]]:
    """doc_id -> the files each stored document may have been read from.

    A document committed with its resolved path has exactly that one. One committed before
    (identity from the path shown relative to its ingest's working directory, which was not
    recorded) gets its shown path resolved against the current directory and against the
    directory holding the index, where the default `.govqa` sits and so where that ingest
    usually ran: a guess, needed only until such a document is replaced or removed.
    """
    shown = catalog.paths()
    bases = {Path.cwd(), settings.index_dir.resolve().parent}
    found: dict[str, set[Path]] = {}
    for doc_id, source in catalog.sources().items():
        if source:
            found[doc_id] = {Path(source)}
        else:
            found[doc_id] = {source_path(base / shown[doc_id]) for base in bases}
    return found


def identify(path: Path, owners: dict[Path, list[str]]) -> SourceFile:
    """`owners`: resolved path -> ids of the stored documents read from it."""
    source = source_path(path)
    doc_id = document_id(source)
    replaces = [d for d in owners.get(source, ()) if d != doc_id]
    return SourceFile(path, display_path(path), source, doc_id, sorted(replaces))


def discover(
    paths: list[Path], follow_symlinks: bool = False
) -> tuple[list[Path], list[FileOutcome]]:
    """Expand directories into files; report paths that cannot be walked or read.

    A path named here is read even when it is a symlink (the user asked for it); inside a
    directory, see `_walk` for the symlinks that are not followed."""
    files: list[Path] = []
    problems: list[FileOutcome] = []
    for root in paths:
        try:
            if root.is_dir():
                for found in _walk(root, follow_symlinks):
                    (files if isinstance(found, Path) else problems).append(found)
            elif root.is_file():
                files.append(root)
            elif root.exists():
                problems.append(_not_regular(root))
            else:
                reason = (
                    "broken symlink or symlink loop"
                    if root.is_symlink()
                    else ("no such file or directory")
                )
                problems.append(FileOutcome(str(root), "skipped", reason=reason))
        except OSError as exc:
            problems.append(FileOutcome(str(root), "skipped", reason=exc.strerror or str(exc)))
    return files, problems


def _walk(root: Path, follow_symlinks: bool) -> Iterator[Path | FileOutcome]:
    """Files under `root` in path order, names starting with '.' left out.

    A symlink whose target lies outside `root` is skipped with a reason unless
    `follow_symlinks`: a link in a shared or unpacked folder to a home directory or /etc
    would otherwise be read into the index. A link to a folder inside `root` is passed over
    (its files are reached directly); a file linked from inside is read, and reported as the
    same file by `drop_repeats`. Followed folders are entered once each, so a loop ends.
    """
    top = source_path(root)
    entered = {top}

    def visit(folder: Path) -> Iterator[Path | FileOutcome]:
        try:
            entries = sorted(folder.iterdir())
        except OSError as exc:
            reason = f"cannot list folder: {exc.strerror or exc}"
            yield FileOutcome(display_path(folder), "skipped", reason=reason)
            return
        for path in entries:
            if path.name.startswith("."):
                continue
            if path.is_symlink():
                if not path.exists():
                    reason = "broken symlink or symlink loop"
                    yield FileOutcome(_link_path(path), "skipped", reason=reason)
                    continue
                target = source_path(path)
                if not follow_symlinks and not target.is_relative_to(top):
                    reason = (
                        f"symlink to {target}, outside {root}; not followed "
                        "(--follow-symlinks reads it)"
                    )
                    yield FileOutcome(_link_path(path), "skipped", reason=reason)
                    continue
                if path.is_dir() and (target.is_relative_to(top) or target in entered):
                    continue
            if path.is_dir():
                entered.add(source_path(path))
                yield from visit(path)
            elif path.is_file():
                yield path
            else:
                yield _not_regular(path)

    yield from visit(root)


def _link_path(path: Path) -> str:
    """A symlink as the user named it (`display_path` would show its target)."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(absolute)


def drop_repeats(files: list[Path]) -> tuple[list[Path], list[str]]:
    """Each file once, with a notice for every later name of it: a folder and a file inside
    it on one command line, or two names of one file, would otherwise send the same
    passages twice in one write (Chroma refuses a batch with duplicate ids)."""
    first: dict[Path, Path] = {}
    kept: list[Path] = []
    notices: list[str] = []
    for path in files:
        source = source_path(path)
        if source not in first:
            first[source] = path
            kept.append(path)
        elif str(path) == str(first[source]):
            notices.append(f"{path}: named twice; ingested once")
        else:
            notices.append(f"{path}: the same file as {first[source]}; ingested once")
    return kept, notices


def _not_regular(path: Path) -> FileOutcome:
    """FIFOs, sockets and devices would block or never end when read."""
    return FileOutcome(
        display_path(path), "skipped", reason="not a regular file (FIFO, socket or device)"
    )


def max_bytes(settings: Settings) -> int:
    return int(settings.ingest.max_file_mb * 1024 * 1024)


def file_hash(path: Path, settings: Settings) -> str:
    digest = hashlib.sha256()
    digest.update(
        f"{PIPELINE_VERSION}|{settings.ingest.chunk_max_words}|"
        f"{settings.ingest.chunk_overlap_sentences}|{settings.embed.backend}|"
        f"{settings.embed.multilingual}|".encode()
    )
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_document(path: Path, shown: str, sha256: str, settings: Settings) -> Document:
    """Read, clean, describe and chunk one file (no index access); `shown` is display only."""
    raw = read_document(path, max_bytes(settings))
    clean = clean_pages(raw.pages)
    if not clean.text.strip():
        raise IngestError(path, "no text left after cleaning (all lines were garbage)")
    interviews = extract_interviews(clean.text)
    metadata = describe(
        raw,
        clean,
        interviews,
        settings.ingest.identifier_pages,
        settings.ingest.identifier_chars,
    )
    source = source_path(path)
    doc_id = document_id(source)
    chunks = chunk_document(
        doc_id,
        clean,
        interviews,
        settings.ingest.chunk_max_words,
        settings.ingest.chunk_overlap_sentences,
    )
    return Document(
        doc_id=doc_id,
        path=shown,
        source=str(source),
        format=raw.format,
        sha256=sha256,
        metadata=metadata,
        text=clean.text,
        chunks=chunks,
        dropped=clean.dropped,
        repaired=clean.repaired,
        interviews=interviews,
    )


@dataclass
class _Pending:
    """A built document waiting for its window's embedding call, with what it replaces."""

    doc: Document
    status: FileStatus
    replaces: list[str]
    flag: str = ""


def _store_documents(
    pending: list[_Pending], catalog: Catalog, channels: list[DenseChannel], parallel: bool
) -> list[int]:
    """Embed the new passages of several documents in one length-sorted call per channel
    (small documents alone make small, slow batches) and write all their vectors in one
    Chroma call per channel (+20% ingest throughput over a call per file); then commit each
    document on its own (with any older copy of the same file, in the same transaction), and
    last delete their stale vectors in one call per channel (see ingest.catalog): each vector
    write makes every other process's embedded client reopen (ingest.vectors), so a window
    writes a few times, not once per file. A kill still leaves every file wholly old or
    wholly new: vectors without a commit are orphans the next run sweeps. Returns MiniLM
    embeddings per doc."""
    fresh = write_vectors(channels, [item.doc for item in pending], parallel)
    embedded, stale, kept = [], set(), set()
    for item in pending:
        ids = {c.id for c in item.doc.chunks}
        old = set().union(*(catalog.chunk_ids(d) for d in [item.doc.doc_id, *item.replaces]))
        catalog.commit_document(item.doc, replaces=item.replaces)
        stale |= old - ids
        kept |= ids
        embedded.append(len(ids & fresh))
    delete_vectors(channels, stale - kept)  # never a vector one of these documents still uses
    return embedded


def set_index_aside(settings: Settings) -> list[str]:
    """Start the index afresh (`govqa ingest --rebuild`, the repair of a damaged catalog):
    the catalog is renamed `catalog.sqlite.old` (kept for a look, never read again) and the
    index's vectors are deleted, since their collection belongs to the old catalog.
    Returns the notices saying what was done."""
    catalog = settings.catalog_path
    kept = Path(f"{catalog}.old")
    notices = []
    if catalog.exists():
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{catalog}{suffix}")
            if part.exists():
                os.replace(part, Path(f"{kept}{suffix}"))
        notices.append(f"rebuild: the old catalog is kept as {kept}")
    dropped = drop_vectors(settings)
    if dropped:
        notices.append(f"rebuild: deleted the old vectors ({', '.join(dropped)})")
    return notices


def ingest(
    paths: list[Path],
    settings: Settings,
    sync: bool = False,
    progress: Callable[[FileOutcome], None] | None = None,
    rebuild: bool = False,
    origin: IngestOrigin | None = None,
) -> IngestReport:
    """Bring the index in line with `paths`: add new files, replace changed ones, skip
    unchanged ones, and with `sync` remove documents whose files under `paths` are gone.
    With `rebuild`, first set the old index aside (`set_index_aside`), so every file is
    read and embedded anew, the uploads kept in the index too.

    Bad files become `skipped` outcomes with a reason; the run always goes on. An index
    that may only be read (`index_read_only`) raises IndexReadOnly before anything is read.
    A new document that copies an earlier one's title or front matter with other text is
    committed flagged (`lookalike_of`, the outcome's `flag`). `origin` says who adds the
    files and how (default: `govqa ingest` run by this OS user).
    """
    refuse_writes(settings, "ingest")
    started = time.perf_counter()
    origin = origin or IngestOrigin()
    report = IngestReport()
    files, problems = discover(paths, settings.ingest.follow_symlinks)
    # a rebuild starts a new catalog from `paths`, whose walk never enters the hidden index
    # folder: the uploads the library keeps there go in again, or they would stay on disk
    # with nothing in the library pointing at them
    uploads = source_path(settings.uploads_dir)
    if rebuild and uploads.is_dir():
        files += discover([uploads])[0]
    files, report.notices = drop_repeats(files)
    report.files.extend(problems)
    with index_lock(settings), ExitStack() as stack:
        if rebuild:
            report.notices.extend(set_index_aside(settings))
        catalog = stack.enter_context(closing(Catalog(settings.catalog_path)))
        channels = open_channels(settings, catalog)
        for channel in channels:
            stack.enter_context(channel.index)
        stored, committed = stored_ids(channels), catalog.chunk_ids()
        orphans = set().union(*stored.values()) - committed
        delete_vectors(channels, orphans)  # leftovers of a run killed before its commit
        # a channel's store deleted or emptied under us: its files are unchanged, so only
        # this brings their vectors back
        restored = restore_vectors(channels, catalog, committed, stored, settings.embed.window)
        if restored:
            report.notices.append(restored_notice(restored, len(committed), len(channels)))
        filled = fill_sentence_vectors(channels, catalog, committed, settings.embed.window)
        if filled:
            report.notices.append(
                f"{filled} passages of an index built by an older govqa had no sentence "
                "vectors: stored now (answers rank their sentences without the model)"
            )
        hashes = catalog.hashes()
        known = {d: Known(*row) for d, row in catalog.resemblances().items()}
        texts: dict[str, str] = {}  # documents of this run not yet committed

        def text_of(doc_id: str) -> str:
            return texts[doc_id] if doc_id in texts else catalog.text(doc_id)

        owners: dict[Path, list[str]] = defaultdict(list)
        for doc_id, sources in stored_sources(catalog, settings).items():
            for source in sources:
                owners[source].append(doc_id)
        seen: set[str] = set()
        pending: list[_Pending] = []
        reuploaded = 0

        def flush() -> None:
            parallel = settings.embed.parallel_channels
            for outcome in _store_pending(pending, catalog, channels, parallel):
                report.files.append(outcome)
                if progress:
                    progress(outcome)
            pending.clear()
            texts.clear()

        for file, prepared in _prepared_ahead(_progress(files), owners, settings, hashes):
            if isinstance(prepared, FileOutcome):
                # a file that cannot be read now keeps whatever was stored for it
                seen.update([file.doc_id, *file.replaces])
                report.files.append(prepared)
                if progress:
                    progress(prepared)
                continue
            seen.add(file.doc_id)
            how = origin
            if rebuild and file.source.is_relative_to(uploads):
                how = IngestOrigin("upload", by="")  # who and when was in the old catalog
                reuploaded += 1
            prepared = _describe_origin(prepared, file, how, known, text_of, settings)
            known[prepared.doc.doc_id] = Known(
                prepared.doc.metadata, prepared.doc.path, prepared.doc.lookalike_of
            )
            texts[prepared.doc.doc_id] = prepared.doc.text
            pending.append(prepared)
            if sum(len(item.doc.chunks) for item in pending) >= settings.embed.window:
                flush()
        flush()
        if sync:
            report.files.extend(_remove_vanished(paths, seen, catalog, channels, settings))
        if reuploaded:
            report.notices.append(
                f"rebuild: {reuploaded} uploaded files kept in {settings.uploads_dir} read "
                "again (who uploaded them, and when, was recorded in the old catalog)"
            )
    report.seconds = time.perf_counter() - started
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    tmp = settings.index_dir / "last_ingest.json.tmp"
    tmp.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    os.replace(tmp, settings.index_dir / "last_ingest.json")
    return report


def _describe_origin(
    item: _Pending,
    file: SourceFile,
    origin: IngestOrigin,
    known: dict[str, Known],
    text_of: Callable[[str], str],
    settings: Settings,
) -> _Pending:
    """The document with its provenance and look-alike flag. A new document is checked
    against every earlier one; an updated one keeps a flag only while it still holds (so
    editing a genuine document never flags it against the copy that imitated it)."""
    doc = item.doc
    earlier = next((known[d] for d in (doc.doc_id, *file.replaces) if d in known), None)
    others = {d: k for d, k in known.items() if d not in {doc.doc_id, *file.replaces}}
    found = lookalikes(doc, others, text_of, settings.ingest.lookalike_copied_share)
    if earlier is not None:
        found = [d for d in found if d in earlier.lookalike_of]
    doc = replace(doc, provenance=origin.provenance(file.source), lookalike_of=found)
    flag = lookalike_flag(doc, found, others) if found else ""
    return _Pending(doc, item.status, item.replaces, flag)


def _prepared_ahead(
    paths: Iterable[Path], owners: dict[Path, list[str]], settings: Settings, hashes: dict[str, str]
) -> Iterator[tuple[SourceFile, FileOutcome | _Pending]]:
    """Each file with `_prepare_file`'s result, in order, read by a worker thread up to
    `ingest.read_ahead` files ahead of the caller.

    Why: reading, cleaning and chunking are Python and hold the GIL, but touch no index,
    while the models embedding the window before release it, so the next files are read
    while the models run. It was ~9 % of the main thread's time on the bench's 119 files
    (py-spy), and PDFs cost more to read: the 19 real report PDFs (3,020 passages) took
    86.7 s with it, 92.9 s without. A file that cannot be read is still its own outcome,
    reported as before; an interrupt stops after the file being read, which the index
    never saw."""
    ahead = settings.ingest.read_ahead
    if ahead <= 0:
        for path in paths:
            file = identify(path, owners)
            yield file, _prepare_file(file, settings, hashes)
        return
    queued: deque[tuple[SourceFile, Future]] = deque()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="govqa-read") as reader:
        try:
            for path in paths:
                file = identify(path, owners)
                queued.append((file, reader.submit(_prepare_file, file, settings, hashes)))
                if len(queued) > ahead:
                    done, future = queued.popleft()
                    yield done, future.result()
            while queued:
                done, future = queued.popleft()
                yield done, future.result()
        finally:
            for _, future in queued:
                future.cancel()


def _progress(files: list[Path]) -> Iterator[Path]:
    from tqdm import tqdm

    yield from tqdm(files, desc="ingest", unit="file", disable=None, leave=False)


def _prepare_file(
    file: SourceFile, settings: Settings, hashes: dict[str, str]
) -> FileOutcome | _Pending:
    """The file's outcome if there is nothing to store (unchanged, skipped), else its
    Document and whether it is added or updated. A file stored under an older identity is
    rebuilt even when unchanged: its chunk ids are made from its document id."""
    path, shown = file.path, file.shown
    if path.suffix.lower() not in READERS:
        return FileOutcome(shown, "skipped", reason=f"unsupported file type '{path.suffix}'")
    try:
        check_size(path, max_bytes(settings))
        sha256 = file_hash(path, settings)
        if hashes.get(file.doc_id) == sha256 and not file.replaces:
            return FileOutcome(shown, "unchanged")
        doc = build_document(path, shown, sha256, settings)
    except IngestError as exc:
        return FileOutcome(shown, "skipped", reason=exc.reason)
    except OSError as exc:
        return FileOutcome(shown, "skipped", reason=f"cannot read: {exc.strerror or exc}")
    except (ValueError, RecursionError, MemoryError, UnicodeError) as exc:
        return FileOutcome(shown, "skipped", reason=f"unreadable ({type(exc).__name__}: {exc})")
    stored = file.doc_id in hashes or file.replaces
    return _Pending(doc, "updated" if stored else "added", file.replaces)


def _store_pending(
    pending: list[_Pending], catalog: Catalog, channels: list[DenseChannel], parallel: bool
) -> list[FileOutcome]:
    if not pending:
        return []
    embedded = _store_documents(pending, catalog, channels, parallel)
    return [
        FileOutcome(
            item.doc.path,
            item.status,
            chunks=len(item.doc.chunks),
            embedded=n,
            dropped_lines=len(item.doc.dropped),
            repaired_lines=len(item.doc.repaired),
            lookalike_of=item.doc.lookalike_of,
            flag=item.flag,
        )
        for item, n in zip(pending, embedded, strict=True)
    ]


def _remove_vanished(
    paths: list[Path],
    seen: set[str],
    catalog: Catalog,
    channels: list[DenseChannel],
    settings: Settings,
) -> list[FileOutcome]:
    """Remove stored documents read from under a directory in `paths` whose file this run
    did not see (uploads stored in the index excepted). Compared as resolved paths, so
    the directory a run starts in changes nothing."""
    roots = [source_path(p) for p in paths if p.is_dir()]
    uploads = source_path(settings.uploads_dir)
    shown = catalog.paths()
    removed = []
    for doc_id, sources in stored_sources(catalog, settings).items():
        inside = any(source.is_relative_to(root) for source in sources for root in roots)
        # the library's own uploads are removed only by a curator, never because a sync
        # of a folder holding the (hidden) index did not walk into it
        uploaded = any(source.is_relative_to(uploads) for source in sources)
        if inside and not uploaded and doc_id not in seen:
            chunks = remove_document(doc_id, catalog, channels)
            removed.append(FileOutcome(shown[doc_id], "removed", chunks=chunks))
    return removed


def remove_document(doc_id: str, catalog: Catalog, channels: list[DenseChannel]) -> int:
    """Remove one committed document; returns how many chunks it had. The catalog goes
    first (the commit point: gone for every reader at once), then its vectors in every
    channel alike; a kill in between leaves orphans the next ingest sweeps."""
    old = catalog.chunk_ids(doc_id)
    catalog.remove_document(doc_id)
    delete_vectors(channels, old)
    return len(old)
