"""QueryPlan: what a question is about, decided once before anything is retrieved.

The cases a question names, whether it follows up the previous turn, whether it asks for a
comparison, where to search and how many passages one document may give: every later step
reads these from the plan and none works them out again from the question's wording.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

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
    DOCUMENTS = "only the scope's documents"


@dataclass(frozen=True)
class Scope:
    """Where a search looks: the whole corpus, or a set of documents."""

    reach: Reach
    documents: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if (self.reach is Reach.DOCUMENTS) != bool(self.documents):
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

    @property
    def limited(self) -> bool:
        return self.reach is Reach.DOCUMENTS


@dataclass(frozen=True)
class PerDocument:
    """How many of a search's k passages one document may give: `at_most` each (0: no
    fixed cap), or, with `shared_by` documents in scope, an equal share of k each."""

    at_most: int = 0
    shared_by: int = 0

    def limit(self, k: int) -> int:
        if self.shared_by:
            return -(-k // self.shared_by)  # several named cases share the evidence
        return self.at_most or k


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
    """What a question is about: the cases it names (with the names found), whether it
    follows up the previous turn, the documents to compare, and the searches to run."""

    question: str
    named: dict[str, set[str]]
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
    def name_stems(self) -> set[str]:
        """Stems of every name found, which the answerer leaves out of term overlap."""
        return set().union(*(stems(" ".join(names)) for names in self.named.values()))


class NameFinder(Protocol):
    """What planning needs of the retriever: the cases a question names, and labels."""

    def named_cases(self, question: str) -> dict[str, set[str]]: ...

    def documents(self) -> dict[str, StoredChunk]: ...


class Embeds(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...


def plan_question(
    question: str,
    finder: NameFinder,
    embedder: Embeds,
    settings: Settings,
    context: list[str] | None = None,
    compare: list[str] | None = None,
    multilingual: Embeds | None = None,
) -> QueryPlan:
    """Decide what the (cleaned) question is about; `context` is the previous turn's
    focus, `compare` an explicit list of documents to compare, `multilingual` the USE
    embedder when that channel is on."""
    named = finder.named_cases(question)
    follow_up = bool(context) and not named and is_follow_up(question)
    # a follow-up is matched against the corpus with its case's name, so "who took part
    # in it?" is judged as a question about Porto Alegre
    searched = f"{question} ({_case_label(finder, context or [])})" if follow_up else question
    if compare or (is_comparison(question) and len(named) >= 2):
        docs = compare or sorted(named, key=lambda d: _first_mention(question, named[d]))
    else:
        docs = []
    inner = _without_names(question, named)
    texts = [searched] if inner == searched else [searched, inner]
    vectors = embedder.embed(texts)
    cross = multilingual.embed(texts) if multilingual is not None else None
    in_scope = set(named) or (set(context or []) if follow_up else set())
    scope = Scope.of(in_scope) if in_scope else Scope.corpus()
    if scope.limited:
        per_document = PerDocument(shared_by=len(in_scope))
    elif asks_for_several_cases(question):
        per_document = PerDocument(at_most=settings.retrieval.several_cases_per_document)
    else:
        per_document = PerDocument()
    return QueryPlan(
        question,
        named,
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
