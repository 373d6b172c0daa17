"""Build a real index for a test: ingest with the real pipeline, then derive the case cards,
as `govqa ingest` does (reading an index never builds them)."""

from __future__ import annotations

from pathlib import Path

from ingest.pipeline import IngestReport, ingest
from ingest.settings import Settings


def ingest_and_derive(paths: list[Path], settings: Settings, **options) -> IngestReport:
    """Ingest `paths` into `settings.index_dir` and bring the case cards up to date."""
    from app.cards import build_cards
    from app.engine import Engine

    report = ingest(paths, settings, **options)
    engine = Engine(settings)
    try:
        build_cards(engine.catalog, engine.retriever)
    finally:
        engine.close()
    return report
