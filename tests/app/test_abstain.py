"""Abstention: what a question asks for that the evidence cannot supply (years, numbers,
names, figures), and the engine saying so on a tiny real index."""

from __future__ import annotations

from app.abstain import Cited, asked_figure, coverage_gaps, gives_figure, unknown_names, words_of

PASSAGE = "The council approved 40 projects in 2019 and spent 2 million dollars on them."
CITED = [Cited(PASSAGE, PASSAGE, "Participatory Budgeting in Riverton Riverton", (2015, 2020))]
KNOWN = words_of([PASSAGE, "Participatory Budgeting in Riverton"])


def test_the_kind_of_figure_a_question_asks_for():
    assert asked_figure("How much did Riverton spend?").kind == "money"
    assert asked_figure("What was the turnout rate?").kind == "rate"
    assert asked_figure("How many projects were approved?").unit == "projects"
    assert asked_figure("Why did it work?").kind == ""
    # a sum asked for by its currency or by a verb of paying, not only by "how much"
    assert asked_figure("How large was the grant, in dollars?").kind == "money"
    assert asked_figure("What did the poll cost the ministry?").kind == "money"
    assert asked_figure("What did residents receive?").kind == ""
    # a kind is not a figure, and a noun after an auxiliary is a verb ("share out")
    assert asked_figure("What kind of grant could the group apply for?").kind == ""
    assert asked_figure("What money did the trust share out, and who could bid?").kind == ""
    assert asked_figure("What share of the budget went to schools?").kind == "rate"
    assert asked_figure("What was the total budget of the scheme?").kind == "money"
    # "how many" counts the words before the verb, adjectives and all; a verb alone is none
    assert asked_figure("How many paid staff does the charity employ?").unit == "paid staff"
    assert asked_figure("How many of the proposals were passed?").unit == "proposals"
    assert asked_figure("How many attended the meeting?").unit == ""
    assert asked_figure("How many people attended the meeting?").unit == "people"
    staff = asked_figure("How many paid staff does the charity employ?")
    assert not gives_figure("Each area has a council of 8 people.", staff)
    assert gives_figure("It employs 12 staff.", staff)
    # the number must count the unit: beside it, not elsewhere in the sentence or a list mark
    proposals = asked_figure("How many of the proposals were passed into law?")
    petition = "If a proposal gains more than 50.000 signatures, Parliament must vote on it."
    assert not gives_figure(petition, proposals)
    assert gives_figure("Of the 13 proposals, five were passed.", proposals)
    assert gives_figure("Thirteen winning proposals were funded.", proposals)
    assert gives_figure("Proposals: 13 in all.", proposals)
    members = asked_figure("How many members did the party have?")
    assert not gives_figure("(5) Member means a citizen enrolled in the party.", members)
    assert not gives_figure("The party was founded in 2005 by its members.", members)
    assert gives_figure(PASSAGE, asked_figure("How much did Riverton spend?"))
    assert not gives_figure("Turnout rose.", asked_figure("What was the turnout rate?"))


def test_a_question_the_cited_passage_answers_has_no_gap():
    assert coverage_gaps("How much did Riverton spend in 2019?", CITED, KNOWN) == []


def test_a_year_outside_the_case_that_no_passage_mentions_is_a_gap():
    assert coverage_gaps("What did Riverton approve in 2023?", CITED, KNOWN) == [
        "the passages found never mention 2023"
    ]
    assert coverage_gaps("What did Riverton approve in 2016?", CITED, KNOWN) == []  # in period


def test_an_unknown_place_is_a_gap_and_a_figure_for_another_place_is_no_answer():
    assert unknown_names("How much did Lakeside spend?", KNOWN) == ["Lakeside"]
    # a camel-cased name is a name too
    assert unknown_names("How did the vTaiwan platform work?", KNOWN | {"taiwan"}) == ["vTaiwan"]
    # a German question capitalises its nouns: they are no names the passages missed
    german = "Wie viele Angehörige der Fakultät konnten sich an der Neufassung beteiligen?"
    assert unknown_names(german, KNOWN) == []
    assert unknown_names("How many members of the Fakultät took part?", KNOWN) == ["Fakultät"]
    gaps = coverage_gaps("How much did Lakeside spend?", CITED, KNOWN)
    assert "no passage found mentions Lakeside" in gaps
    assert any("asks for a figure (money)" in g for g in gaps)


def test_a_figure_no_sentence_gives_is_a_gap():
    gaps = coverage_gaps("What was the turnout rate in Riverton?", CITED, KNOWN)
    assert gaps == ["the question asks for a figure (rate) and no passage gives one"]


def test_the_engine_abstains_and_offers_cited_nearby_cases(tiny):
    answer = tiny.ask("How much did the Riverton council pay its mayor in 2023?")
    assert answer.abstained and "2023" in answer.notice and not answer.sentences
    assert answer.related and all(r.source for r in answer.related)
    for case in answer.related:
        source = answer.sources[case.source - 1]
        assert case.why in " ".join(source.passage.split())


def test_the_engine_answers_what_the_passages_hold(tiny):
    answer = tiny.ask("Who led the Lakeside water boards?")
    assert not answer.abstained and "Women led" in answer.text
