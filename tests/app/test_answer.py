"""Answers: cited, extractive, on the right case."""

from __future__ import annotations


def test_kalasin_question_cites_the_kalasin_finding(engine):
    answer = engine.ask("What made Kalasin's network succeed?")
    assert not answer.abstained
    assert answer.sentences and all(s.source >= 1 for s in answer.sentences)
    first = answer.sources[answer.sentences[0].source - 1]
    assert first.file.endswith("kalasin-raw.txt")
    assert "collaborative network" in first.passage
    text = answer.text.lower()
    assert "government, civil society and the people" in text
    assert "individual collaboration level and organization level" in text
    # every answer sentence is a verbatim span of the passage it cites
    for sentence in answer.sentences:
        source = answer.sources[sentence.source - 1]
        assert sentence.text in " ".join(source.passage.split())
        assert sentence.supported and sentence.support == 1.0
    assert answer.grounding == 1.0


def test_named_case_stays_on_that_case(engine):
    answer = engine.ask("How did Porto Alegre decide on budget priorities?")
    assert answer.sources
    assert all("porto-alegre" in s.file for s in answer.sources)


def test_empty_question_does_not_answer(engine):
    answer = engine.ask("   ")
    assert answer.abstained and not answer.sources
