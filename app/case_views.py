"""Case cards, case search results and facet counts as Markdown (terminal and chat).

With `safe`, every piece of document text is escaped (see app.render.md_escape), so the
chat shows a passage holding markup as plain characters; the terminal gets it as is.
"""

from __future__ import annotations

from collections.abc import Callable

from app.records import CARD_FIELDS, CaseCard, CaseHit, SimilarCase, Source
from app.render import md_escape, reference
from ingest.text import normalize_space

NOT_STATED = "not stated in the sources"
FACET_TITLES = {
    "country": "Country",
    "level": "Level",
    "policy_area": "Policy area",
    "decade": "Decade",
}


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


def card_as_markdown(card: CaseCard, similar: list[SimilarCase] = (), safe: bool = False) -> str:
    """The whole card: facets (with provenance and a quote where one states them), one
    cited sentence per field, interviews, similar cases, and the numbered sources."""
    e = _escaper(safe)
    authors = ", ".join(card.authors) or "unknown author"
    lines = [
        f"## {e(card.title)}",
        "",
        f"{e(authors)} ({card.year or 'n.d.'}) · case `{card.case_id}`"
        + (f" · {len(card.doc_ids)} documents" if len(card.doc_ids) > 1 else ""),
        "",
        "| facet | value | from |",
        "|---|---|---|",
        f"| title | {e(card.title)} | |",
    ]
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
        lines.append(f"{source.n}. {e(reference(source))}: “{e(quoted_span(source))}”")
    return "\n".join(lines) + "\n"


def similar_line(similar: SimilarCase, safe: bool = False) -> str:
    e = _escaper(safe)
    shared = "; ".join(f"{k.replace('_', ' ')} {e(v)}" for k, v in similar.shared.items())
    differs = "; ".join(
        f"{k.replace('_', ' ')} {e(a)} vs {e(b)}" for k, (a, b) in similar.differs.items()
    )
    return (
        f"- {e(similar.card.title)} ({e(case_place(similar.card))}) · case "
        f"`{similar.card.case_id}` · similarity {similar.similarity:.2f}"
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
            f"{rank}. **{e(card.title)}** ({e(case_place(card))}) · case `{card.case_id}`{score}"
        )
        for source, why in zip(hit.sources, hit.why, strict=True):
            lines.append(f"   - “{e(why)}” ({e(reference(source))})")
    return "\n".join(lines)


def facets_as_markdown(counts: dict[str, list[tuple[str, int]]]) -> str:
    lines = []
    for name, values in counts.items():
        if values:
            shown = ", ".join(f"{v} ({n})" for v, n in values)
            lines.append(f"- {FACET_TITLES[name]}: {shown}")
    return "\n".join(lines)
