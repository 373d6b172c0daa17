"""Where an answer's time goes, and the stored sentence vectors that spare its slowest
stage the model."""

from __future__ import annotations

from app.engine import Engine
from app.stages import STAGES

QUESTION = "What made Kalasin's network succeed?"


def test_an_answer_says_where_its_time_went(engine: Engine) -> None:
    answer = engine.ask(QUESTION)
    assert not answer.abstained
    ran = {"plan", "dense", "lexical", "fusion", "sentences", "abstention", "reading"}
    assert ran <= set(answer.stages) <= set(STAGES)
    assert list(answer.stages) == [s for s in STAGES if s in answer.stages]
    assert all(ms >= 0 for ms in answer.stages.values())
    assert sum(answer.stages.values()) <= answer.seconds * 1000 + 1
    # an abstention also finds the cases nearby: its own stage
    declined = engine.ask("What did the Martian colony council spend on canals in 1850?")
    assert declined.abstained and "related" in declined.stages


def test_answer_sentences_are_read_from_the_index_not_the_model(corpus_settings) -> None:
    engine = Engine(corpus_settings)  # its own, so no earlier answer filled the memo
    try:
        answer = engine.ask(QUESTION)
        assert not answer.abstained and answer.sentences
        # every candidate sentence had a stored vector: none was embedded at question time
        assert len(engine.embedder._memo) == 0
    finally:
        engine.close()


def test_a_comparison_is_timed_as_its_own_stage(engine: Engine) -> None:
    ids = sorted({d.doc_id for d in engine.documents()})[:2]
    answer = engine.ask("Compare how they involved residents", compare=ids)
    assert answer.table is not None and answer.table.rows
    assert "comparison" in answer.stages
    # the table's retrieval is inside it: the stages still add up to the answer's time
    assert answer.stages["comparison"] > 0
    assert sum(answer.stages.values()) <= answer.seconds * 1000 + 1
