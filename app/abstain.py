"""Gaps between what a question asks for and what the evidence can supply.

Similarity alone does not tell "what was Kalasin's budget in 2019?" from "what made Kalasin
succeed?": both are close to the Kalasin article. What differs is that the first asks for a
year and a figure the article never states. These checks find such gaps; they are signals
that `app.answerability`'s fitted model weighs with the others, not verdicts of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.text import YEAR, identify_language, stems

_NUMBER = re.compile(r"(?<![\w=])\d[\d,.]*\b")
# a word with a capital and a small letter: "Kalasin", and camel-cased "vTaiwan" or "eDemocracy"
_NAME = re.compile(r"(?<![\w’'-])(?=[\w’'-]*[A-Z])(?=[\w’'-]*[a-z])[\w’'-]+")
_MARKUP = re.compile(r"<[^>]*>")
# the nouns are matched in lower case only: "the Participatory Budget Council" is a name
# Only a figure asked for up front counts ("What was X's budget", "How much did ..."), not
# one inside a clause ("what rules decided how much money went where"). Nouns are matched
# in lower case only: "the Participatory Budget Council" is a name.
# "what kind of grant" asks for a kind, and in "what money did they share out" the noun
# after an auxiliary is a verb: neither asks for a figure.
_LEAD = (
    r"^(?i:what|which)(?!\s+(?i:kinds?|types?|sorts?|forms?)\s+of\b)"
    r"(?:\s+(?!(?i:did|does|do|can|could|will|would|should|might|may|must)\b)\S+){0,4}?\s+"
)
_MONEY_QUESTION = re.compile(
    r"^(?i:by )?(?i:how much)\b|" + _LEAD + r"(budget|cost|spending|funding|expenditure|price|"
    r"salary|salaries|revenue|allocation|amount|grant|fee|wage|loan)s?\b(?!-)"
)
# a sum asked for by its currency ("How large was the grant, in dollars?") or by a verb of
# paying ("What did the poll cost the department?")
_MONEY_ASKED = re.compile(
    r"\bin (?:US )?(dollars|euros|pounds|baht|pesos|rupees|yen|francs|shillings|rand|reais)\b|"
    r"^(?:what|how much) (?:did|does|do|will|would)\b.*\b(cost|spend|charge|pay)\b",
    re.I,
)
_RATE_QUESTION = re.compile(
    r"^(?i:by )?(?i:how much of)\b|^(?i:by )?(?i:how much)\b.*\b(rate|percentage|share)s?\b|"
    + _LEAD
    + r"(rate|percentage|share|turnout|proportion|"
    r"ratio|portion|fraction|weight|weighting)s?\b(?!-)"
)
_COUNT_QUESTION = re.compile(r"\bhow many (?:of (?:the|its|their|these|those) )?(.*)", re.I)
# words that end the noun phrase after "how many" (auxiliaries, prepositions, articles)
_PHRASE_END = frozenset(
    re.findall(
        r"\w+",
        "did does do was were is are can could should would will has have had been be "
        "the a an in of on at for to with by from into over under per each and or that who",
    )
)
_MONEY = re.compile(
    r"[$€£¥₹฿₱]|\b(US\$|USD|EUR|GBP|Rp|KSh|R\$|baht|pesos?|rupees?|dollars?|euros?|pounds?|"
    r"yen|francs?|shillings?|won|reais|real|million|billion|trillion|thousand|lakh|crore)\b",
    re.I,
)
_PERCENT = re.compile(
    r"\d\s?%|\bper ?cent\b|\bpercentage points?\b|\b(half|third|quarter|fifth|tenth)s?\b", re.I
)
_COUNT_WORDS = re.compile(
    r"\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"(?:thir|four|fif|six|seven|eigh|nine)teen|(?:twen|thir|for|fif|six|seven|eigh|nine)ty|"
    r"dozens?|hundreds?|thousands?|millions?)\b",
    re.I,
)
# languages that write every noun with a capital (py3langid's codes)
_NOUNS_CAPITALISED = frozenset({"de", "lb"})
_CAMEL = re.compile(r"[a-z][A-Z]")
# a sentence's words and numbers for the count check; a bracketed number keeps its bracket
_COUNT_TOKEN = re.compile(r"[(\[]\d[\d,.]*[)\]]|\d[\d,.]*\d|\d|[^\W\d_]+")
_COUNT_BEFORE = 4  # "10,702 of the registered participants": at most three words between
_COUNT_AFTER = 2  # "participants: 10,702", "participants numbered 300"
# capitalised words that start questions or are generic, not names of places or cases
_NOT_NAMES = frozenset(
    re.findall(
        r"\w+",
        "what which who whom whose when where why how did does do was were is are can could "
        "should would will has have had compare and or the a an in of on for to with by from "
        "i we you they it its their this that these those",
    )
)


@dataclass
class Figure:
    """The kind of figure a question asks for, if any, and how to recognise one."""

    kind: str  # "money", "rate", "count" or ""
    unit: str = ""  # for "how many X": X, which the answer must count


def asked_figure(question: str) -> Figure:
    if _RATE_QUESTION.search(question):
        return Figure("rate")
    if _MONEY_QUESTION.search(question) or _MONEY_ASKED.search(question):
        return Figure("money")
    count = _COUNT_QUESTION.search(question)
    if count:
        return Figure("count", count_unit(count.group(1)))
    return Figure("")


def count_unit(phrase: str) -> str:
    """What "how many ..." counts: the words before the first auxiliary, preposition or
    name, at most three ("how many paid staff does ...": "paid staff"), without a verb in
    "-ed" that follows them; the answer must write one of them."""
    words: list[str] = []
    for word in re.findall(r"[\w’'-]+", phrase)[:3]:
        if word.lower() in _PHRASE_END or word[:1].isupper():
            break
        words.append(word)
    # a word in "-ed" after the noun is its verb ("how many people attended", "how many
    # proposals drafted ..."); alone, there is no noun ("how many attended")
    while words and words[-1].lower().endswith("ed"):
        words.pop()
    return " ".join(words)


def _non_year_number(sentence: str) -> bool:
    return any(not YEAR.fullmatch(n) for n in _NUMBER.findall(sentence))


def gives_figure(sentence: str, figure: Figure) -> bool:
    """Whether a sentence states the kind of figure asked for (a year alone is not one)."""
    if figure.kind == "money":
        return bool(_MONEY.search(sentence)) and bool(re.search(r"\d", sentence))
    if figure.kind == "rate":
        return bool(_PERCENT.search(sentence))
    if figure.kind == "count":
        unit = stems(figure.unit)
        if not unit:
            return _non_year_number(sentence) or bool(_COUNT_WORDS.search(sentence))
        return _counts(sentence, unit)
    return True


def _counts(sentence: str, unit: set[str]) -> bool:
    """Whether a number counts the unit: it stands just before the unit's word ("10,702
    participants", "five winning projects") or just after it ("participants: 10,702"). A
    number elsewhere in the sentence counts something else ("a proposal with 50.000
    signatures" gives no count of proposals), and one in brackets is a list mark ("(5)
    Member means ...")."""
    tokens = _COUNT_TOKEN.findall(sentence)
    where = [i for i, t in enumerate(tokens) if stems(t) & unit]
    numbers = [i for i, t in enumerate(tokens) if _is_count(t)]
    return any(
        w - _COUNT_BEFORE <= n < w or w < n <= w + _COUNT_AFTER for w in where for n in numbers
    )


def _is_count(token: str) -> bool:
    if token.startswith(("(", "[")):
        return False
    return _non_year_number(token) or bool(_COUNT_WORDS.fullmatch(token))


def unknown_names(question: str, vocabulary: set[str]) -> list[str]:
    """Capitalised words of the question missing from `vocabulary` (a city, a programme, a
    person the retrieved passages do not cover). The question's first word is capitalised
    anyway, and a derived form counts as known ("Rwandan" for "Rwanda")."""
    found = []
    stems = {w[:n] for w in vocabulary for n in range(5, min(len(w), 12) + 1)}
    # German capitalises every noun: there a capital marks no name ("Fakultät", "Neufassung"
    # are not places the passages missed), so only camel-cased words are read as names
    nouns_capitalised = identify_language(question).lang in _NOUNS_CAPITALISED
    for match in _NAME.finditer(_MARKUP.sub(" ", question)):
        if nouns_capitalised and not _CAMEL.search(match.group(0)):
            continue
        if not question[: match.start()].strip(" \"'“‘(¿¡"):
            continue
        word = match.group(0).removesuffix("'s").removesuffix("’s")
        if word.lower() in _NOT_NAMES:
            continue
        parts = [p for p in re.split(r"[-’']", word.lower()) if p]
        if parts and not all(p in vocabulary or _derived(p, stems) for p in parts):
            found.append(word)
    return found


def _derived(word: str, stems: set[str]) -> bool:
    return len(word) >= 6 and word[: max(5, len(word) - 3)] in stems


def words_of(texts: list[str]) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]+", " ".join(texts))}


@dataclass
class Cited:
    """An answer sentence with what the check needs of its source: the passage, the
    document's labels (title, place, country) and the years the case covers."""

    sentence: str
    passage: str
    labels: str
    period: tuple[int, int] | None


@dataclass
class Gaps:
    """What the question needs that the evidence lacks: years and other numbers no cited
    passage mentions, names no retrieved passage or title mentions, and whether a figure it
    asks for goes unstated. Signals for the answerability model, not verdicts."""

    years: int = 0
    numbers: int = 0
    names: list[str] = field(default_factory=list)
    figure: str = ""  # the kind of figure asked for that no answer sentence gives
    missing: list[str] = field(default_factory=list)  # the years and numbers themselves

    def reasons(self) -> list[str]:
        """In words a reader understands."""
        out = [f"the passages found never mention {m}" for m in self.missing]
        out += [f"no passage found mentions {name}" for name in self.names]
        if self.figure:
            out.append(f"the question asks for a figure ({self.figure}) and no passage gives one")
        return out


def gap_counts(question: str, answer: list[Cited], known_words: set[str]) -> Gaps:
    """- a year outside the periods of the cases cited that their passages never mention
      (Kalasin's 2017 article says nothing of 2019), or another number they never mention,
    - a name that neither the retrieved passages nor their documents' titles mention,
    - a figure asked for ("how much", "the budget of", "how many X") that no answer
      sentence states, or states only for another place than the one asked about.
    """
    gaps = Gaps()
    plain = _MARKUP.sub(" ", question)
    cited = " ".join(c.passage for c in answer)
    for year in sorted(set(YEAR.findall(plain))):
        covered = any(c.period and c.period[0] <= int(year) <= c.period[1] for c in answer)
        if year not in cited and not covered:
            gaps.years += 1
            gaps.missing.append(year)
    for number in sorted(set(_NUMBER.findall(plain)) - set(YEAR.findall(plain))):
        if number not in cited:
            gaps.numbers += 1
            gaps.missing.append(number)
    gaps.names = unknown_names(question, known_words)
    figure = asked_figure(plain)
    if figure.kind:
        names = {n.lower() for n in unknown_names(question, set())}
        if not any(gives_figure(c.sentence, figure) and _about(c, names) for c in answer):
            gaps.figure = figure.kind
    return gaps


def coverage_gaps(question: str, answer: list[Cited], known_words: set[str]) -> list[str]:
    """What the question needs that is missing, in words a reader understands; [] if none."""
    return gap_counts(question, answer, known_words).reasons()


def _about(cited: Cited, names: set[str]) -> bool:
    """A figure answers for the place asked about only if its sentence or its document
    names it (Indonesia's budget is no answer to a question about Turkana)."""
    if not names:
        return True
    words = words_of([cited.sentence, cited.labels])
    return any(all(p in words for p in re.split(r"[-’']", n) if p) for n in names)
