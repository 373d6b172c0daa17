"""What the first question of a new engine (as of a new process) reads from disk instead of
building: the saved BM25 index and case names (app.lexical, app.names) give the answers a
built one gives, and an index that may only be read is never written to save them."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from app.engine import Engine
from tests.support.tiny import tiny_index

QUESTIONS = [
    "How did residents take part in the budget meetings?",
    "ประชาชนมีส่วนร่วมอย่างไร",
]


def _answers(engine: Engine) -> list[dict]:
    timings = ("seconds", "stages")
    return [
        {k: v for k, v in engine.ask(q).to_dict().items() if k not in timings} for q in QUESTIONS
    ]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory):
    return tiny_index(tmp_path_factory.mktemp("saved"))


def test_a_new_engine_answers_alike_from_what_was_saved(settings) -> None:
    # ingest built the cards through a retriever, which saved its BM25 index
    saved = list(settings.lexical_dir.iterdir())
    assert len(saved) == 1 and (saved[0] / "chunk_ids.json").is_file()
    first = Engine(settings)
    try:
        first.warm_up()
        expected = _answers(first)
    finally:
        first.close()
    # the same answers from a build, with nothing saved to read
    shutil.rmtree(settings.lexical_dir)
    rebuilt = Engine(settings)
    try:
        assert _answers(rebuilt) == expected
    finally:
        rebuilt.close()
    assert [p.name for p in settings.lexical_dir.iterdir()] == [saved[0].name]


def test_a_read_only_index_is_not_written_to_save_them(settings, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(settings.index_dir, copy)
    shutil.rmtree(copy / "lexical")
    with sqlite3.connect(copy / "catalog.sqlite") as con:
        con.execute("DELETE FROM derived WHERE kind = 'case-names'")
    con.close()
    derived = _derived_rows(copy)
    reader = Engine(settings.model_copy(update={"index_dir": copy, "read_only": True}))
    try:
        assert reader.ask(QUESTIONS[0]).sources
    finally:
        reader.close()
    assert not (copy / "lexical").exists()
    assert _derived_rows(copy) == derived


def _derived_rows(index_dir: Path) -> list[tuple]:
    con = sqlite3.connect(f"{(index_dir / 'catalog.sqlite').as_uri()}?mode=ro", uri=True)
    try:
        return con.execute("SELECT kind, key, signature FROM derived ORDER BY 1, 2").fetchall()
    finally:
        con.close()
