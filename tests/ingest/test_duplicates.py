"""One file named twice in one run is ingested once, with one line saying so.

A folder and a file inside it on one command line used to send that file's passages twice
in one Chroma write (DuplicateIDError, a traceback). Two files whose names differ only in
characters an upload replaces (`a b.md`, `a_b.md`) are different files and both stay.
"""

from __future__ import annotations

import json

from ingest.catalog import Catalog
from tests.support.cli import run_govqa
from tests.support.corpus import CLINICS, TINY, brief, write_corpus

MARKETS = brief("Market Boards in Osterby", "Osterby", "Freedonia", "local", ["trade"], "2001-2005")


def test_a_folder_and_a_file_in_it_are_ingested_once(tmp_path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    first = next(iter(TINY))
    (corpus / "a b.md").write_text(CLINICS.replace("Vantor", "Belmar"), encoding="utf-8")
    (corpus / "a_b.md").write_text(MARKETS, encoding="utf-8")

    done = run_govqa("ingest", "corpus", f"corpus/{first}", "--index-dir", "idx", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    notes = [line for line in done.stdout.splitlines() if line.startswith("note: ")]
    assert notes == [f"note: corpus/{first}: named twice; ingested once"]
    catalog = Catalog(tmp_path / "idx" / "catalog.sqlite")
    try:
        stored = sorted(p.rsplit("/", 1)[-1] for p in catalog.paths().values())
    finally:
        catalog.close()
    assert stored == sorted([*TINY, "a b.md", "a_b.md"])


def test_two_names_of_one_file_are_reported_as_the_same_file(tmp_path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    first = next(iter(TINY))

    done = run_govqa(
        "ingest", str(corpus / first), "corpus", "--index-dir", "idx", "--json", cwd=tmp_path
    )

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["notices"] == [
        f"corpus/{first}: the same file as {corpus / first}; ingested once"
    ]
    assert report["totals"]["added"] == len(TINY)
