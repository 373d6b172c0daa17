"""The one ingestion entry point: `ingest(paths, settings) -> IngestReport`."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.chunk import chunk_document
from ingest.clean import clean_pages
from ingest.embed import Embedder
from ingest.metadata import describe, extract_interviews
from ingest.readers import READERS, check_size, read_document
from ingest.records import Document, FileOutcome, IngestError, IngestReport
from ingest.settings import Settings
from ingest.store import Catalog, VectorIndex

# Bump when cleaning or chunking changes what a file turns into, so unchanged files re-ingest.
PIPELINE_VERSION = "7"


class IngestBusy(Exception):
    """Another ingest holds the index lock."""


@contextmanager
def index_lock(settings: Settings) -> Iterator[None]:
    """One writer at a time; the OS drops the lock if the holder is killed."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.index_dir / "ingest.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IngestBusy(f"{settings.index_dir}: another ingest is running") from exc
        yield


def display_path(path: Path) -> str:
    """Path relative to the working directory when inside it (stable across clones)."""
    try:
        resolved = path.resolve()
    except (RuntimeError, OSError):  # symlink loop: Python 3.11 raises RuntimeError
        resolved = Path(os.path.abspath(path))
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


def document_id(shown_path: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", Path(shown_path).stem.lower()).strip("-")[:40] or "doc"
    return f"{stem}-{hashlib.sha1(shown_path.encode()).hexdigest()[:8]}"


def discover(paths: list[Path]) -> tuple[list[Path], list[FileOutcome]]:
    """Expand directories into files; report paths that cannot be walked or read."""
    files: list[Path] = []
    problems: list[FileOutcome] = []
    for root in paths:
        try:
            if root.is_dir():
                for path in sorted(root.rglob("*")):
                    if any(part.startswith(".") for part in path.relative_to(root).parts):
                        continue
                    if path.is_symlink() and not path.exists():
                        problems.append(
                            FileOutcome(
                                display_path(path),
                                "skipped",
                                reason="broken symlink or symlink loop",
                            )
                        )
                    elif path.is_file():
                        files.append(path)
                    elif not path.is_dir():
                        problems.append(_not_regular(path))
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
        f"{settings.ingest.chunk_overlap_sentences}|{settings.embed.backend}|".encode()
    )
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_document(path: Path, shown: str, sha256: str, settings: Settings) -> Document:
    """Read, clean, describe and chunk one file (no index access)."""
    raw = read_document(path, max_bytes(settings))
    clean = clean_pages(raw.pages)
    if not clean.text.strip():
        raise IngestError(path, "no text left after cleaning (all lines were garbage)")
    interviews = extract_interviews(clean.text)
    metadata = describe(raw.read_fields, raw.read_from, clean, interviews)
    doc_id = document_id(shown)
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
        format=raw.format,
        sha256=sha256,
        metadata=metadata,
        text=clean.text,
        chunks=chunks,
        dropped=clean.dropped,
        repaired=clean.repaired,
        interviews=interviews,
    )


def _store_documents(
    docs: list[Document], catalog: Catalog, index: VectorIndex, embedder: Embedder
) -> list[int]:
    """Embed the new passages of several documents in one length-sorted call (small
    documents alone make small, slow batches) and write all their vectors in one Chroma
    call (+20% ingest throughput over a call per file); then commit each document on its
    own and delete its stale vectors (see ingest.store). A kill still leaves every file
    wholly old or wholly new: vectors without a commit are orphans the next run sweeps.
    Returns embeddings per doc."""
    import numpy as np

    known: dict[str, np.ndarray] = {}
    for doc in docs:
        known.update(index.embeddings_for([c.id for c in doc.chunks]))
    missing: dict[str, str] = {}
    for doc in docs:
        missing.update({c.id: c.text for c in doc.chunks if c.id not in known})
    if missing:
        vectors = embedder.embed(list(missing.values()))
        known.update(zip(missing, vectors, strict=True))
    index.upsert(docs, known)  # every document's vectors before any catalog commit
    embedded = []
    for doc in docs:
        ids = [c.id for c in doc.chunks]
        old = catalog.chunk_ids(doc.doc_id)
        catalog.commit_document(doc)
        index.delete(old - set(ids))
        embedded.append(sum(1 for i in set(ids) if i in missing))
    return embedded


def ingest(
    paths: list[Path],
    settings: Settings,
    sync: bool = False,
    progress: Callable[[FileOutcome], None] | None = None,
) -> IngestReport:
    """Bring the index in line with `paths`: add new files, replace changed ones, skip
    unchanged ones, and with `sync` remove documents whose files under `paths` are gone.

    Bad files become `skipped` outcomes with a reason; the run always goes on.
    """
    started = time.perf_counter()
    report = IngestReport()
    files, problems = discover(paths)
    report.files.extend(problems)
    with index_lock(settings):
        catalog = Catalog(settings.catalog_path)
        try:
            index = VectorIndex(settings, owner=catalog.identity())
            embedder = Embedder.from_settings(settings)
            orphans = index.all_ids() - catalog.chunk_ids()
            index.delete(orphans)  # leftovers of a run that was killed before its commit
            hashes = catalog.hashes()
            seen: set[str] = set()
            pending: list[tuple[Document, str]] = []

            def flush() -> None:
                for outcome in _store_pending(pending, catalog, index, embedder):
                    report.files.append(outcome)
                    if progress:
                        progress(outcome)
                pending.clear()

            for path in _progress(files):
                prepared = _prepare_file(path, settings, hashes)
                if isinstance(prepared, FileOutcome):
                    seen.add(document_id(prepared.path))
                    report.files.append(prepared)
                    if progress:
                        progress(prepared)
                    continue
                doc, status = prepared
                seen.add(doc.doc_id)
                pending.append((doc, status))
                if sum(len(d.chunks) for d, _ in pending) >= settings.embed.window:
                    flush()
            flush()
            if sync:
                report.files.extend(_remove_vanished(paths, seen, catalog, index))
        finally:
            catalog.close()
    report.seconds = time.perf_counter() - started
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    tmp = settings.index_dir / "last_ingest.json.tmp"
    tmp.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    os.replace(tmp, settings.index_dir / "last_ingest.json")
    return report


def _progress(files: list[Path]) -> Iterator[Path]:
    from tqdm import tqdm

    yield from tqdm(files, desc="ingest", unit="file", disable=None, leave=False)


def _prepare_file(
    path: Path, settings: Settings, hashes: dict[str, str]
) -> FileOutcome | tuple[Document, str]:
    """The file's outcome if there is nothing to store (unchanged, skipped), else its
    Document and whether it is added or updated."""
    shown = display_path(path)
    if path.suffix.lower() not in READERS:
        return FileOutcome(shown, "skipped", reason=f"unsupported file type '{path.suffix}'")
    try:
        check_size(path, max_bytes(settings))
        sha256 = file_hash(path, settings)
        doc_id = document_id(shown)
        if hashes.get(doc_id) == sha256:
            return FileOutcome(shown, "unchanged")
        doc = build_document(path, shown, sha256, settings)
    except IngestError as exc:
        return FileOutcome(shown, "skipped", reason=exc.reason)
    except OSError as exc:
        return FileOutcome(shown, "skipped", reason=f"cannot read: {exc.strerror or exc}")
    except (ValueError, RecursionError, MemoryError, UnicodeError) as exc:
        return FileOutcome(shown, "skipped", reason=f"unreadable ({type(exc).__name__}: {exc})")
    return doc, ("updated" if doc_id in hashes else "added")


def _store_pending(
    pending: list[tuple[Document, str]],
    catalog: Catalog,
    index: VectorIndex,
    embedder: Embedder,
) -> list[FileOutcome]:
    if not pending:
        return []
    embedded = _store_documents([d for d, _ in pending], catalog, index, embedder)
    return [
        FileOutcome(
            doc.path,
            status,
            chunks=len(doc.chunks),
            embedded=n,
            dropped_lines=len(doc.dropped),
            repaired_lines=len(doc.repaired),
        )
        for (doc, status), n in zip(pending, embedded, strict=True)
    ]


def _remove_vanished(
    paths: list[Path], seen: set[str], catalog: Catalog, index: VectorIndex
) -> list[FileOutcome]:
    roots = [display_path(p) for p in paths if p.is_dir()]
    removed = []
    for doc_id, shown in catalog.paths().items():
        inside = any(shown == r or shown.startswith(r.rstrip("/") + "/") or r == "." for r in roots)
        if inside and doc_id not in seen:
            old = catalog.chunk_ids(doc_id)
            catalog.remove_document(doc_id)
            index.delete(old)
            removed.append(FileOutcome(shown, "removed", chunks=len(old)))
    return removed
