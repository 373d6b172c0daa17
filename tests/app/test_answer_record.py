"""The Answer is built once and carries its evidence; reading never builds case cards
(tiny real indexes)."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from app.records import Answer


def test_the_answer_is_frozen_and_carries_the_ranked_evidence_it_was_written_from(tiny):
    answer = tiny.ask("How did residents decide on spending?")
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.sources = []
    top_k = tiny.settings.retrieval.top_k
    assert len(answer.evidence) == 8 > top_k  # every passage of the tiny corpus, ranked
    written_from = {ev.chunk.id for ev in answer.evidence[:top_k]}
    assert {s.chunk_id for s in answer.sources} <= written_from
    scores = [ev.score for ev in answer.evidence]
    assert scores == sorted(scores, reverse=True)


def test_the_evidence_stays_out_of_the_serialised_answer(tiny):
    answer = tiny.ask("Who led the Lakeside water boards?")
    data = answer.to_dict()
    assert "evidence" not in data and data["text"] == answer.text
    assert Answer.from_dict(data) == answer and Answer.from_dict(data).evidence == ()


def test_reading_an_index_without_cards_neither_builds_nor_stores_one(tmp_path):
    from app.engine import Engine
    from ingest.pipeline import ingest
    from ingest.settings import Settings
    from tests.support.tiny import TINY

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in TINY.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    assert not ingest([corpus], settings).skipped  # documents only, no derive step
    engine = Engine(settings)
    answer = engine.ask("Who led the Lakeside water boards?")
    assert not answer.abstained and answer.reading == []
    assert engine.cases.find("water boards").hits == []
    assert engine.ask("Compare Lakeside and Riverton").table.rows  # computed live
    assert engine.catalog.derived("card") == {}
    shutil.rmtree(tmp_path / "index")
