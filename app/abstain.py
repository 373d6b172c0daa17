"""Honest abstention: find what a question asks for that the evidence cannot supply.

Similarity alone does not tell "what was Kalasin's budget in 2019?" from "what made Kalasin
succeed?": both are close to the Kalasin article. What differs is that the first asks for a
year and a figure the article never states. These checks look for such gaps; any gap means
the answer would be made up, so the system says the sources do not answer.
"""

from __future__ import annotations

import re

_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_NAME = re.compile(r"\b[A-Z][\w’'-]*[a-z][\w’'-]*\b")
_QUANTITY = re.compile(
    r"\bhow (much|many|large|big|long)\b|"
    r"\b(what|which) (was|were|is|are) the (total |annual |overall )?"
    r"(budget|cost|amount|spending|number|share|percentage|rate|turnout|salary|salaries|"
    r"population|revenue|size|figure|funding|expenditure|price|value|count)\b|"
    r"\b(budget|cost|spending|funding|expenditure|turnout|percentage|salary) "
    r"(of|in|for|was|were)\b|"
    r"\b\w+['’]s (\w+[- ])?(budget|cost|spending|funding|expenditure|turnout|salary)\b",
    re.I,
)
_DIGITS_OR_QUANTITY_WORDS = re.compile(
    r"\d|\b(half|third|quarter|twice|double|percent|million|billion|thousand|hundred|"
    r"dozen|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b",
    re.I,
)
# capitalised words that start questions or are generic, not names of places or cases
_NOT_NAMES = frozenset(
    re.findall(
        r"\w+",
        "what which who whom whose when where why how did does do was were is are can could "
        "should would will has have had compare and or the a an in of on for to with by from "
        "i we you they it its their this that these those",
    )
)


def asks_for_quantity(question: str) -> bool:
    return bool(_QUANTITY.search(question))


def unknown_names(question: str, vocabulary: set[str]) -> list[str]:
    """Capitalised words of the question missing from `vocabulary` (a city, a programme, a
    person the retrieved passages do not cover)."""
    found = []
    for match in _NAME.finditer(question):
        word = match.group(0).removesuffix("'s").removesuffix("’s")
        if word.lower() in _NOT_NAMES:
            continue
        parts = [p for p in re.split(r"[-’']", word.lower()) if p]
        if parts and not all(p in vocabulary for p in parts):
            found.append(word)
    return found


def coverage_gaps(
    question: str, answer_sentences: list[str], evidence_texts: list[str]
) -> list[str]:
    """What the question needs that is missing, in words a reader understands; [] if none.

    - a year or number of the question that appears in none of the retrieved passages,
    - a name none of the passages mentions (retrieval found nothing about it, so anything
      said would be about something else: "participatory budgeting in New York" answered
      from Porto Alegre),
    - a figure asked for ("how much", "the budget of") while no answer sentence has one.
    """
    gaps: list[str] = []
    evidence = " ".join(evidence_texts)
    vocabulary = {w.lower() for w in re.findall(r"[^\W\d_]+", evidence)}
    for number in sorted(set(_YEAR.findall(question)) | set(_NUMBER.findall(question))):
        if number not in evidence:
            gaps.append(f"nothing in the passages mentions {number}")
    for name in unknown_names(question, vocabulary):
        gaps.append(f"no passage found mentions {name}")
    if asks_for_quantity(question) and not any(
        _DIGITS_OR_QUANTITY_WORDS.search(s) for s in answer_sentences
    ):
        gaps.append("the question asks for a figure and no passage gives one")
    return gaps
