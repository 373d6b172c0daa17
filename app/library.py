"""The user's library: ingest files, then derive what is built from them (case cards).

Why one function: `govqa ingest`, the chat's upload and the evaluation's corpora each used
to ingest and then build (or forget to build) the cards their own way. `update_library` is
the only place that does both, so a new derived record is added once for all three.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from app.cards import CardReport, build_cards
from app.engine import Engine
from ingest.catalog import Catalog
from ingest.pipeline import ingest
from ingest.records import FileOutcome, IngestReport
from ingest.settings import Settings


def printable(text: str) -> str:
    """A file name may hold a line break, a terminal escape or a bidi override: show those
    escaped, so one report line stays one line and cannot repaint the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass
class LibraryReport:
    """What an update did: the ingest's per-file report, and the cards it (re)built."""

    ingest: IngestReport
    cards: CardReport

    @property
    def skipped(self) -> list[FileOutcome]:
        return self.ingest.skipped

    def to_dict(self) -> dict:
        """The ingest report's JSON with the card report beside it (`govqa ingest --json`)."""
        return self.ingest.to_dict() | {"cards": asdict(self.cards)}

    def lines(self) -> list[str]:
        """What `govqa ingest` prints: files and passages, cards, then one line per
        skipped file with its reason."""
        report, cards = self.ingest, self.cards
        totals = report.to_dict()["totals"]
        return [
            f"ingest: {len(report.files)} files ({totals['added']} added, {totals['updated']} "
            f"updated, {totals['unchanged']} unchanged, {totals['skipped']} skipped, "
            f"{totals['removed']} removed); {report.chunks_written} chunks written, "
            f"{report.embedded} embedded; {report.dropped_lines} lines dropped; "
            f"{report.seconds:.1f} s; {totals['chunks_per_s']} chunks/s",
            f"cards: {cards.cases} cases, {cards.built} built, {cards.removed} removed; "
            f"{cards.seconds:.1f} s",
        ] + [f"skipped: {printable(f.path)}: {printable(f.reason or '')}" for f in report.skipped]


def update_library(
    paths: list[Path],
    settings: Settings,
    sync: bool = False,
    engine: Engine | None = None,
    progress: Callable[[FileOutcome], None] | None = None,
) -> LibraryReport:
    """Ingest `paths` (under the index lock, as `ingest` takes it; raises IngestBusy when
    another ingest holds it), then bring the case cards in line with the documents.

    Pass the `engine` that will read the cards (the chat's) to reuse its loaded model and
    passages; without one, a short-lived engine builds them and is closed.
    """
    report = ingest(paths, settings, sync=sync, progress=progress)
    owned = engine is None
    engine = engine or Engine(settings)
    try:
        return LibraryReport(report, build_cards(engine.catalog, engine.retriever))
    finally:
        if owned:
            engine.close()


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
