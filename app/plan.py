"""QueryPlan: what a question is about, decided once before anything is retrieved.

The cases a question names, the countries it names, whether it follows up the previous
turn, whether it asks for a comparison, where to search and how many passages one document
may give: every later step reads these from the plan and none works them out again from the
question's wording.
"""

from __future__ import annotations

import enum
import re
import threading
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np

from app.compare import is_comparison
from ingest.records import StoredChunk
from ingest.settings import Settings
from ingest.text import is_latin, normalize_space, stems

# A question that leans on the previous turn: a pronoun or "the mayor" with no case named.
_FOLLOW_UP = re.compile(
    r"^(and|also|then|so|what about|how about)\b|"
    r"\b(it|its|it's|they|them|their|there|this|that|these|those|he|she|his|her)\b|"
    r"\bthe (city|town|village|municipality|programme|program|project|case|mayor|governor|"
    r"government|network|initiative|scheme|council|reform|law|policy|campaign|model)\b",
    re.I,
)
_SEVERAL_CASES = re.compile(
    r"\b(cases|examples|precedents|cities|towns|countries|municipalities|regions|"
    r"programmes|programs|initiatives|places|governments|councils|where else|"
    r"which (city|town|country|municipality|government|programme|program))\b",
    re.I,
)


def clean_question(question: str, max_chars: int) -> str:
    """One line of at most `max_chars` visible characters: control characters and bidi
    overrides (a pasted terminal escape, a NUL, text that displays reversed) go, and a
    100 kB paste costs no more than its first `max_chars` characters."""
    visible = "".join(
        " " if c.isspace() else c
        for c in question[: max_chars * 4]
        if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    return normalize_space(visible)[:max_chars]


def is_follow_up(question: str) -> bool:
    return bool(_FOLLOW_UP.search(question))


def asks_for_several_cases(question: str) -> bool:
    return bool(_SEVERAL_CASES.search(question))


class Reach(enum.Enum):
    """Where a search may look; each value has one meaning."""

    CORPUS = "the whole corpus: the question names no case"
    CORPUS_IGNORING_NAMES = "the whole corpus although the question names cases"
    DOCUMENTS = "only the scope's documents: the cases the question is about"
    COUNTRIES = "only the scope's documents: the named countries' cases and any named case"


@dataclass(frozen=True)
class Scope:
    """Where a search looks: the whole corpus, or a set of documents."""

    reach: Reach
    documents: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.limited != bool(self.documents):
            raise ValueError(f"{self.reach.name} scope with documents {sorted(self.documents)}")

    @classmethod
    def corpus(cls) -> Scope:
        return cls(Reach.CORPUS)

    @classmethod
    def ignoring_names(cls) -> Scope:
        return cls(Reach.CORPUS_IGNORING_NAMES)

    @classmethod
    def of(cls, documents: set[str] | frozenset[str] | list[str]) -> Scope:
        return cls(Reach.DOCUMENTS, frozenset(documents))

    @classmethod
    def of_countries(cls, documents: set[str] | frozenset[str]) -> Scope:
        return cls(Reach.COUNTRIES, frozenset(documents))

    @property
    def limited(self) -> bool:
        return self.reach in (Reach.DOCUMENTS, Reach.COUNTRIES)


@dataclass(frozen=True)
class PerDocument:
    """How many of a search's k passages one document may give: `at_most` each (0: no
    fixed cap), or, with `shared_by` documents in scope, an equal share of k each; with
    both, `at_most` unless the scope's documents could not fill k that way."""

    at_most: int = 0
    shared_by: int = 0

    def limit(self, k: int) -> int:
        share = -(-k // self.shared_by) if self.shared_by else 0
        if share and self.at_most:
            return max(share, self.at_most)
        return share or self.at_most or k  # several named cases share the evidence


@dataclass(frozen=True)
class Search:
    """One retrieval: the text BM25 reads, the vectors dense search reads (MiniLM's, and
    the multilingual one if that channel is on), whether the text is in Latin script
    (which passages MiniLM and BM25 can read for it), where, and the per-document cap."""

    text: str
    vector: np.ndarray
    scope: Scope
    per_document: PerDocument = PerDocument()
    multilingual: np.ndarray | None = None
    latin: bool = True


@dataclass(frozen=True)
class QueryPlan:
    """What a question is about: the cases it names (with the names found) or else the
    countries it names, whether it follows up the previous turn, the documents to compare,
    and the searches to run."""

    question: str
    named: dict[str, set[str]]
    countries: dict[str, set[str]]  # country as written -> its documents (no named case's)
    follow_up: bool
    compare: tuple[str, ...]
    searched: str  # the question, plus the previous turn's case for a follow-up
    vector: np.ndarray
    inner: str  # the question without the names of the cases it is scoped to
    inner_vector: np.ndarray
    scope: Scope
    per_document: PerDocument
    # the multilingual channel's vectors of `searched` and `inner` (None: channel off)
    multilingual: np.ndarray | None = None
    inner_multilingual: np.ndarray | None = None
    latin: bool = True  # the question is in Latin script, as most of the corpus is

    def _search(self, text: str, inner: bool, scope: Scope, cap: PerDocument) -> Search:
        vector = self.inner_vector if inner else self.vector
        multilingual = self.inner_multilingual if inner else self.multilingual
        return Search(text, vector, scope, cap, multilingual, self.latin)

    @property
    def search(self) -> Search:
        """The answer's evidence search. Inside a case the question is searched without
        the case's name: every passage of the Porto Alegre brief is "about Porto Alegre",
        so the name only adds noise to the ranking there."""
        if self.scope.limited:
            return self._search(self.inner, True, self.scope, self.per_document)
        return self._search(self.searched, False, self.scope, self.per_document)

    def case_searches(self) -> list[Search]:
        """For a comparison, each compared case searched for the question's own point."""
        return [self._search(self.inner, True, Scope.of({d}), PerDocument()) for d in self.compare]

    def nearby_search(self, settings: Settings) -> Search:
        """The cases near the question, whatever it names, several passages of each."""
        cap = PerDocument(at_most=settings.cases.related_per_document)
        return self._search(self.question, False, Scope.ignoring_names(), cap)

    @property
    def focus(self) -> list[str]:
        """The documents of the cases the answer is about, when the plan knows them: the
        named ones, or the previous turn's (a country's many cases are not one)."""
        if self.named:
            return sorted(self.named)
        return sorted(self.scope.documents) if self.follow_up else []

    @property
    def name_stems(self) -> set[str]:
        """Stems of every case and country name found, which the answerer leaves out of
        term overlap (every passage in scope is about them)."""
        names = [" ".join(n) for n in self.named.values()] + list(self.countries)
        return set().union(*(stems(n) for n in names))


class NameFinder(Protocol):
    """What planning needs of the retriever: the cases and countries a question names, and
    labels."""

    def named_cases(self, question: str) -> dict[str, set[str]]: ...

    def named_countries(self, question: str) -> dict[str, set[str]]: ...

    def documents(self) -> dict[str, StoredChunk]: ...


class Embeds(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...


Main = TypeVar("Main")
Side = TypeVar("Side")


class SpareThread:
    """A second thread for the multilingual embedding of a question while MiniLM embeds it
    on the asking thread: both models release the GIL while they compute, so one question
    takes the slower model's time, not both (plan stage, 20k real chunks: 17.7 -> 9.3 ms).

    Used only while idle: under concurrent questions every core is busy anyway, and
    queueing behind one worker made each question wait for every other's embedding (16
    clients: 54 % of the server's thread samples waited there, README Performance)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="govqa-spare")
        self._idle = threading.Semaphore(1)

    def beside(self, main: Callable[[], Main], side: Callable[[], Side]) -> tuple[Main, Side]:
        """main() here and side() on the spare thread if it is idle; else one after the other."""
        if not self._idle.acquire(blocking=False):
            return main(), side()
        future = self._pool.submit(side)
        future.add_done_callback(lambda _: self._idle.release())
        return main(), future.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def plan_question(
    question: str,
    finder: NameFinder,
    embedder: Embeds,
    settings: Settings,
    context: list[str] | None = None,
    compare: list[str] | None = None,
    multilingual: Embeds | None = None,
    spare: SpareThread | None = None,
) -> QueryPlan:
    """Decide what the (cleaned) question is about; `context` is the previous turn's
    focus, `compare` an explicit list of documents to compare, `multilingual` the USE
    embedder when that channel is on, `spare` where USE runs beside MiniLM (none: after)."""
    named = finder.named_cases(question)
    found = finder.named_countries(question)
    # a country adds its cases unless a named case is one of them ("Porto Alegre, Brazil")
    countries = {w: docs for w, docs in found.items() if not docs & set(named)}
    follow_up = bool(context) and not named and not countries and is_follow_up(question)
    # a follow-up is matched against the corpus with its case's name, so "who took part
    # in it?" is judged as a question about Porto Alegre
    searched = f"{question} ({_case_label(finder, context or [])})" if follow_up else question
    if compare or (is_comparison(question) and len(named) >= 2):
        docs = compare or sorted(named, key=lambda d: _first_mention(question, named[d]))
    else:
        docs = []
    inner = _without_names(question, {**named, **{w: {w} for w in found}})
    texts = [searched] if inner == searched else [searched, inner]
    if multilingual is None:
        vectors, cross = embedder.embed(texts), None
    elif spare is None:
        vectors, cross = embedder.embed(texts), multilingual.embed(texts)
    else:
        vectors, cross = spare.beside(
            lambda: embedder.embed(texts), lambda: multilingual.embed(texts)
        )
    in_scope = set(named) or (set(context or []) if follow_up else set())
    # each named case and each named country is one party to the question
    parties = len(in_scope) + len(countries)
    several = asks_for_several_cases(question)
    if countries:
        scope = Scope.of_countries(in_scope.union(*countries.values()))
    elif in_scope:
        scope = Scope.of(in_scope)
    else:
        scope = Scope.corpus()
    cap = settings.retrieval.several_cases_per_document
    if scope.reach is Reach.DOCUMENTS:
        per_document = PerDocument(shared_by=len(in_scope))
    elif scope.reach is Reach.COUNTRIES and several:
        # "which cities in Brazil": several cases answer, as many as the country has
        per_document = PerDocument(at_most=cap, shared_by=len(scope.documents))
    elif scope.reach is Reach.COUNTRIES:
        per_document = PerDocument(shared_by=parties if parties > 1 else 0)
    elif several:
        per_document = PerDocument(at_most=cap)
    else:
        per_document = PerDocument()
    return QueryPlan(
        question,
        named,
        countries,
        follow_up,
        tuple(docs),
        searched,
        vectors[0],
        inner,
        vectors[-1],
        scope,
        per_document,
        cross[0] if cross is not None else None,
        cross[-1] if cross is not None else None,
        is_latin(question),
    )


def _case_label(finder: NameFinder, doc_ids: list[str]) -> str:
    documents = finder.documents()
    return "; ".join(
        documents[d].metadata.place or documents[d].metadata.title
        for d in doc_ids
        if d in documents
    )


def _without_names(question: str, named: dict[str, set[str]]) -> str:
    stripped = question
    for name in sorted(set().union(*named.values()), key=len, reverse=True):
        stripped = re.sub(rf"\b{re.escape(name)}(['’]s)?\b", " ", stripped, flags=re.I)
    stripped = normalize_space(stripped)
    return stripped if len(stripped.split()) >= 2 else question


def _first_mention(question: str, names: set[str]) -> int:
    positions = [m.start() for n in names for m in re.finditer(re.escape(n), question, re.I)]
    return min(positions, default=len(question))
