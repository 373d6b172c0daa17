"""A damaged catalog (garbage bytes in the SQLite file) gives one clear line, and
`govqa ingest --rebuild` is the repair: the old catalog is set aside, the old vectors
deleted, and the index built again from the files.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ingest.settings import Settings
from tests.support.cli import run_govqa
from tests.support.corpus import TINY, write_corpus
from tests.support.index import ingest_and_derive

QUESTION = "How did residents of Zorbania take part?"


def damage(catalog: Path, keep_header: bool) -> None:
    """Overwrite the file with random bytes of the same size, or all but its first page
    (then SQLite opens it and meets the damage in its tables)."""
    data = catalog.read_bytes()
    start = 4096 if keep_header else 0
    noise = random.Random(18).randbytes(len(data) - start)
    catalog.write_bytes(data[:start] + noise)


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture
def index(tmp_path: Path) -> Settings:
    corpus = write_corpus(tmp_path / "corpus")
    settings = Settings(index_dir=tmp_path / "idx", corpus_dir=corpus)
    assert not ingest_and_derive([corpus], settings).skipped
    return settings


def test_damaged_catalog_is_one_line_and_rebuild_repairs_it(index: Settings, tmp_path) -> None:
    damage(index.catalog_path, keep_header=False)

    asked = run_govqa("ask", QUESTION, "--index-dir", "idx", cwd=tmp_path)
    assert asked.returncode == 2
    line = one_error_line(asked.stderr)
    assert line.startswith("Error: idx/catalog.sqlite: the catalog is damaged (")
    assert "govqa ingest --rebuild" in line

    ingested = run_govqa("ingest", "corpus", "--index-dir", "idx", cwd=tmp_path)
    assert ingested.returncode == 2
    assert "govqa ingest --rebuild" in one_error_line(ingested.stderr)

    rebuilt = run_govqa("ingest", "corpus", "--rebuild", "--index-dir", "idx", cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"{len(TINY)} added" in rebuilt.stdout
    assert "note: rebuild: the old catalog is kept as idx/catalog.sqlite.old" in rebuilt.stdout
    assert (tmp_path / "idx" / "catalog.sqlite.old").is_file()

    again = run_govqa("ask", QUESTION, "--index-dir", "idx", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "zorbania-waste.md" in again.stdout or "Zorbania" in again.stdout
    assert "[1]" in again.stdout


def test_damage_past_the_header_is_found_at_open(index: Settings, tmp_path) -> None:
    damage(index.catalog_path, keep_header=True)

    asked = run_govqa("ask", QUESTION, "--index-dir", "idx", cwd=tmp_path)

    assert asked.returncode == 2
    line = one_error_line(asked.stderr)
    assert "the catalog is damaged" in line and "--rebuild" in line
