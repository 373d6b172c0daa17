"""Ingest-then-derive is one function: `govqa ingest` and the chat's upload both leave the
case cards built, through app.library.update_library."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT
from tests.support.corpus import TINY, card_files, stored_cards, write_corpus


def test_govqa_ingest_leaves_cards_built(tmp_path):
    from ingest.settings import Settings

    corpus = write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    command = ["ingest", str(corpus), "--index-dir", str(index), "--json"]
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["totals"]["added"] == len(TINY)
    assert report["cards"]["cases"] == len(TINY) and report["cards"]["built"] == len(TINY)
    assert card_files(stored_cards(Settings(index_dir=index))) == set(TINY)


def test_upload_leaves_cards_built_and_reports_per_file(tmp_path):
    from app.corpus import report_lines
    from app.engine import Engine
    from app.library import add_uploads, update_library
    from ingest.settings import Settings

    first, second = list(TINY)
    corpus = write_corpus(tmp_path / "corpus", [first])
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    assert update_library([corpus], settings).cards.built == 1
    engine = Engine(settings)
    upload = write_corpus(tmp_path / "browser-temp", [second]) / second
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")

    report = add_uploads([upload, tmp_path / "empty.txt"], settings, engine)

    # kept inside the index it belongs to (later ingests of the corpus do not touch it)
    assert list(settings.uploads_dir.glob(f"*/{second}"))
    assert report.cards.built == 1 and report.cards.cases == 2
    assert card_files(stored_cards(settings)) == set(TINY)
    lines = report_lines(report)
    assert lines[0].startswith(f"{second}: added") or lines[1].startswith(f"{second}: added")
    assert any(line.startswith("empty.txt: skipped: ") for line in lines), lines
