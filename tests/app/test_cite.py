"""The support check: a verbatim quote is supported; a sentence whose number the passage
contradicts is not (real packaged model, shipped support model)."""

from __future__ import annotations

import pytest

from app.cite import SupportScorer, is_verbatim

PASSAGE = (
    "The council approved 40 projects in 2019 after residents voted on the proposals. "
    "Turnout in the Riverton vote rose every year the programme ran."
)


@pytest.fixture(scope="module")
def scorer():
    from ingest.embed import Embedder
    from ingest.settings import Settings

    return SupportScorer(Embedder.from_settings(Settings()))


def test_a_verbatim_quote_is_supported_whatever_its_spacing_and_case():
    assert is_verbatim("the council approved 40 projects   in 2019", PASSAGE)


def test_a_verbatim_quote_scores_one(scorer):
    quote = "Turnout in the Riverton vote rose every year the programme ran."
    assert scorer.score([(quote, PASSAGE)]) == [1.0]


def test_a_contradicted_number_is_not_supported(scorer):
    from ingest.settings import Settings

    threshold = Settings().answer.support_threshold
    faithful, wrong = scorer.score(
        [
            ("Residents voted and the council then approved 40 projects in 2019.", PASSAGE),
            ("Residents voted and the council then approved 95 projects in 2019.", PASSAGE),
        ]
    )
    assert wrong < threshold < faithful


def test_a_sentence_about_something_else_is_not_supported(scorer):
    from ingest.settings import Settings

    [score] = scorer.score([("The mayor built a new airport with foreign loans.", PASSAGE)])
    assert score < Settings().answer.support_threshold
