"""The case facets (country, level, policy area, decade) as one table every view reads.

Why one table: a facet used to be spelled in six places (a CLI flag here, a checkbox id and
a title there, an extractor in a third file), and a new facet or a renamed one had to be
found in all of them. Here each facet is one `Facet` record, after datasette's one class
per facet: its name (the filter field, the JSON key, the CLI option's dest), its title,
the chat's element ids, its CLI flag, and how to read its values from a case card and from
a document's metadata. The CLI, the Ask and Cases tabs, the card views and the corpus view
all loop over `FACET_TABLE`.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from app.records import CaseCard, Filters, case_period
from ingest.metadata import LEVELS
from ingest.records import DocMetadata


def decades(period: tuple[int, int] | None) -> list[str]:
    """'1990s', '2000s', ... for the years a case ran; an open end ("2006 onward") runs
    to this year, not to 9999."""
    if not period:
        return []
    start, end = period
    end = min(end, max(start, time.localtime().tm_year))
    return [f"{d}s" for d in range(start // 10 * 10, end // 10 * 10 + 1, 10)]


def parse_decade(value: str) -> str:
    """'1990', '1990s' or "90s" as the facet value '1990s'."""
    match = re.fullmatch(r"\s*(\d{2,4})s?\s*", value)
    if not match:
        return value
    year = int(match.group(1))
    year = year + 1900 if year < 100 else year
    return f"{year // 10 * 10}s"


def _one(value: str) -> list[str]:
    return [value] if value else []


def _areas(value: str) -> list[str]:
    """Cards store a document's policy areas joined with "; " (app.cards)."""
    return [a.strip() for a in value.split(";") if a.strip()]


def _same(value: str) -> str:
    return value


@dataclass(frozen=True)
class Facet:
    """One facet of a case, as every view names, labels and reads it."""

    name: str  # CaseFilters / Filters field, JSON key, dest of the CLI flag
    title: str  # label in the chat and in facet lists
    flag: str  # the CLI option of `govqa cases` (and of `govqa ask` when `ask_id` is set)
    help: str  # that option's help
    cases_id: str  # elem_id of the Cases tab's checkbox group
    ask_id: str | None  # elem_id of the Ask tab's filter dropdown; None: not an Ask filter
    fact: str | None  # key in CaseCard.facts (records.FACTS) and the corpus view's column
    from_card: Callable[[CaseCard], list[str]]
    from_document: Callable[[DocMetadata], list[str]]
    choices: tuple[str, ...] | None = None  # the only values the facet takes, when fixed
    parse: Callable[[str], str] = _same  # a value as typed on the command line -> facet value

    @property
    def words(self) -> str:
        """The title inside a sentence ("shares policy area health")."""
        return self.title.lower()


FACET_TABLE: tuple[Facet, ...] = (
    Facet(
        name="country",
        title="Country",
        flag="--country",
        help="keep cases in this country (repeat)",
        cases_id="facet-country",
        ask_id="f-country",
        fact="country",
        from_card=lambda card: _one(card.facts["country"].value),
        from_document=lambda meta: _one(meta.country),
    ),
    Facet(
        name="level",
        title="Level",
        flag="--level",
        help=", ".join(LEVELS),
        cases_id="facet-level",
        ask_id="f-level",
        fact="level",
        from_card=lambda card: _one(card.facts["level"].value),
        from_document=lambda meta: _one(meta.level),
        choices=LEVELS,
    ),
    Facet(
        name="policy_area",
        title="Policy area",
        flag="--policy-area",
        help="keep cases in this policy area",
        cases_id="facet-area",
        ask_id="f-area",
        fact="policy area",
        from_card=lambda card: _areas(card.facts["policy area"].value),
        from_document=lambda meta: [a for a in meta.policy_area if a],
    ),
    Facet(
        name="decade",
        title="Decade",
        flag="--decade",
        help="keep cases that ran then, e.g. 1990s",
        cases_id="facet-decade",
        ask_id=None,  # the Ask tab filters by a year range instead
        fact=None,  # derived from the card's "years"
        from_card=lambda card: decades(
            case_period(DocMetadata(case_years=card.facts["years"].value, year=card.year))
        ),
        from_document=lambda meta: decades(case_period(meta)),
        parse=parse_decade,
    ),
)
FACETS = tuple(f.name for f in FACET_TABLE)
FACET_BY_NAME = {f.name: f for f in FACET_TABLE}
ASK_FACETS = tuple(f for f in FACET_TABLE if f.ask_id)


@dataclass
class CaseFilters:
    """Facet values a case list is narrowed to: any of the values within a facet, every
    facet that has values. One field per facet of FACET_TABLE (tests/app/test_facets.py)."""

    country: list[str] = field(default_factory=list)
    level: list[str] = field(default_factory=list)
    policy_area: list[str] = field(default_factory=list)
    decade: list[str] = field(default_factory=list)

    @classmethod
    def from_values(cls, values: Mapping[str, list[str] | None]) -> CaseFilters:
        """From facet name -> values as a user gave them (CLI flags, ticked boxes)."""
        return cls(**{f.name: [f.parse(v) for v in values.get(f.name) or []] for f in FACET_TABLE})

    def without(self, facet: str) -> CaseFilters:
        return dataclasses.replace(self, **{facet: []})

    def matches(self, card: CaseCard) -> bool:
        values = card_facets(card)
        return all(
            not getattr(self, name) or set(getattr(self, name)) & set(values[name])
            for name in FACETS
        )


def ask_filters(
    values: Mapping[str, str | None], year_from: float | None, year_to: float | None
) -> Filters:
    """The answer filters from the Ask facets' values (one each) and a year range."""
    return Filters(
        **{f.name: values.get(f.name) or "" for f in ASK_FACETS},
        year_from=int(year_from) if year_from else None,
        year_to=int(year_to) if year_to else None,
    )


def card_facets(card: CaseCard) -> dict[str, list[str]]:
    """The facet values of a case: its country, level, policy areas and the decades it
    ran in (from its years, or the publication year when the years are unknown)."""
    return {f.name: f.from_card(card) for f in FACET_TABLE}


def facet_counts(cards: list[CaseCard]) -> dict[str, list[tuple[str, int]]]:
    """How many of `cards` have each facet value, most common first."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for card in cards:
        for name, values in card_facets(card).items():
            counts[name].update(set(values))
    return {name: sorted(counts[name].items(), key=lambda kv: (-kv[1], kv[0])) for name in FACETS}


def document_facet_values(documents: list[DocMetadata]) -> dict[str, list[str]]:
    """The values each Ask filter can take, from the documents' metadata, sorted."""
    return {
        f.name: sorted({v for meta in documents for v in f.from_document(meta)}) for f in ASK_FACETS
    }
