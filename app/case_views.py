"""Case cards, case search results and facet counts as Markdown (terminal and chat) and
as JSON (`govqa cases --json`, `govqa case --json`).

With `safe`, every piece of document text is escaped (see app.render.md_escape), so the
chat shows a passage holding markup as plain characters; the terminal gets it as is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from app.cases import CaseResults
from app.facets import FACET_BY_NAME
from app.records import CARD_FIELDS, CaseCard, CaseHit, SimilarCase, Source
from app.render import LOOKALIKE_NOTE, md_escape, origin_line, reference
from ingest.text import normalize_space

NOT_STATED = "not stated in the sources"


def _escaper(safe: bool) -> Callable[[str], str]:
    return md_escape if safe else (lambda text: normalize_space(str(text)))


def shorten(text: str, limit: int = 120) -> str:
    """At most `limit` characters, cut at a word with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def case_place(card: CaseCard) -> str:
    """'Place, Country, years' with whatever is known."""
    years = card.facts["years"].value
    parts = [card.place, card.country if card.country != card.place else "", years]
    return ", ".join(x for x in parts if x)


def quoted_span(source: Source) -> str:
    """The marked span(s) of a source's passage, or the passage's start if none."""
    if not source.spans:
        return normalize_space(source.passage)[:240]
    spans = sorted(set(source.spans))
    return " … ".join(normalize_space(source.passage[a:b]) for a, b in spans)


def case_id(card: CaseCard, safe: bool) -> str:
    """' · case `id`' for the command line, where `govqa case ID` takes it; nothing in the
    chat (`safe`), where a case is named by its citation, never an internal id."""
    return "" if safe else f" · case `{card.case_id}`"


def card_as_markdown(card: CaseCard, similar: list[SimilarCase] = (), safe: bool = False) -> str:
    """The whole card: facets (with provenance and a quote where one states them), one
    cited sentence per field, interviews, similar cases, and the numbered sources."""
    e = _escaper(safe)
    authors = ", ".join(card.authors) or "unknown author"
    lines = [
        f"## {e(card.title)}",
        "",
        f"{e(authors)} ({card.year or 'n.d.'}){case_id(card, safe)}"
        + (f" · {len(card.doc_ids)} documents" if len(card.doc_ids) > 1 else ""),
        "",
        "| facet | value | from |",
        "|---|---|---|",
        f"| title | {e(card.title)} | |",
    ]
    if card.lookalike_of:
        ids = ", ".join(f"`{d}`" for d in card.lookalike_of)
        lines[3:3] = ["", f"**⚠ {e(LOOKALIKE_NOTE)}** (imitates {ids})"]
    for name, fact in card.facts.items():
        value = e(fact.value) if fact.value else f"*{NOT_STATED}*"
        origin = e(fact.provenance or ("" if not fact.value else "document metadata"))
        if fact.source:
            origin += f" · “{e(fact.quote)}” [{fact.source}]"
        lines.append(f"| {name} | {value} | {origin} |")
    lines += ["", "### What the sources say", ""]
    for name in CARD_FIELDS:
        cell = card.fields[name]
        text = f"{e(cell.text)} [{cell.source}]" if cell.source else f"*{NOT_STATED}*"
        lines.append(f"- **{name}**: {text}")
    if card.interviews:
        lines += ["", "### Interviews cited", ""]
        for interview in card.interviews:
            who = ", ".join(
                x for x in (interview["name"], interview["role"], interview["organisation"]) if x
            )
            lines.append(f"- {e(who)}" + (f" ({interview['date']})" if interview["date"] else ""))
    if similar:
        lines += ["", "### Similar cases", ""]
        lines += [similar_line(s, safe) for s in similar]
    lines += ["", "### Sources", ""]
    for source in card.sources:
        lines.append(
            f"{source.n}. {e(reference(source))}: “{e(quoted_span(source))}” "
            f"({e(origin_line(source))})"
        )
    return "\n".join(lines) + "\n"


def similar_line(similar: SimilarCase, safe: bool = False) -> str:
    e = _escaper(safe)
    words = {name: facet.words for name, facet in FACET_BY_NAME.items()}
    shared = "; ".join(f"{words[k]} {e(v)}" for k, v in similar.shared.items())
    differs = "; ".join(f"{words[k]} {e(a)} vs {e(b)}" for k, (a, b) in similar.differs.items())
    return (
        f"- {e(similar.card.title)} ({e(case_place(similar.card))})"
        f"{case_id(similar.card, safe)} · similarity {similar.similarity:.2f}"
        + (f"\n  - shares: {shared}" if shared else "\n  - shares no facet")
        + (f"\n  - differs: {differs}" if differs else "")
    )


def hits_as_markdown(hits: list[CaseHit], safe: bool = False) -> str:
    """A ranked case list; each case with the passages that matched, cited."""
    if not hits:
        return "No case matches."
    e = _escaper(safe)
    lines = []
    for rank, hit in enumerate(hits, 1):
        card = hit.card
        score = f" · score {hit.score:.2f}" if hit.sources else ""
        lines.append(
            f"{rank}. **{e(card.title)}** ({e(case_place(card))}){case_id(card, safe)}{score}"
        )
        for source, why in zip(hit.sources, hit.why, strict=True):
            lines.append(f"   - “{e(why)}” ({e(reference(source))})")
    return "\n".join(lines)


def results_as_markdown(results: CaseResults, safe: bool = False) -> str:
    """The ranked cases, how many of how many are shown, and the facet counts."""
    shown = f"{len(results.hits)} of {results.total} cases shown. Facets:"
    return (
        f"{hits_as_markdown(results.hits, safe)}\n\n{shown}\n{facets_as_markdown(results.facets)}"
    )


def facets_as_markdown(counts: dict[str, list[tuple[str, int]]]) -> str:
    lines = []
    for name, values in counts.items():
        if values:
            shown = ", ".join(f"{v} ({n})" for v, n in values)
            lines.append(f"- {FACET_BY_NAME[name].title}: {shown}")
    return "\n".join(lines)


# JSON. CaseHit, SimilarCase and CaseResults have no `to_dict` of their own (they live in
# app.records and app.cases); these are theirs, kept beside the Markdown views of the same
# records so the CLI prints a record's serialisation rather than building one.


def hit_as_dict(hit: CaseHit) -> dict:
    """A found case: id, title, score, each matching sentence with its source, the card
    (without its centroid, 384 numbers no reader wants)."""
    return {
        "case_id": hit.card.case_id,
        "title": hit.card.title,
        "score": round(hit.score, 4),
        "why": [
            {"sentence": why, **asdict(source)}
            for source, why in zip(hit.sources, hit.why, strict=True)
        ],
        "card": hit.card.to_dict() | {"centroid": None},
    }


def results_as_dict(query: str, results: CaseResults) -> dict:
    return {
        "query": query,
        "cases": [hit_as_dict(h) for h in results.hits],
        "facets": results.facets,
        "total": results.total,
    }


def similar_as_dict(similar: SimilarCase) -> dict:
    return {
        "case_id": similar.card.case_id,
        "title": similar.card.title,
        "similarity": round(similar.similarity, 4),
        "shared": similar.shared,
        "differs": similar.differs,
    }


def card_as_dict(card: CaseCard, similar: list[SimilarCase] = ()) -> dict:
    """A case card with its similar cases (`govqa case --json`)."""
    return card.to_dict() | {"similar": [similar_as_dict(s) for s in similar]}
