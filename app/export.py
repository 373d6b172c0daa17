"""Answers exported for a student's notes: Markdown with references, and BibTeX (the other
reference formats are app.bibliography's).

Document text is data here too: in the Markdown every piece of it is HTML-escaped (a
Markdown viewer would otherwise run a passage's `<script>` or show its `<img onerror>`),
and control characters are dropped from both files (`cat answer.md` must not repaint the
terminal, and BibTeX tools choke on them).
"""

from __future__ import annotations

import html

from app.bibliography import bibtex_keys as item_keys
from app.bibliography import items_from_sources, to_bibtex
from app.records import NOT_IN_SOURCES, Answer, Source
from app.render import reading_label, reference
from ingest.text import normalize_space, strip_controls


def notes_text(text: str) -> str:
    """Document or user text as it goes into an exported Markdown file: no control
    characters, HTML escaped (Markdown passes HTML through), otherwise as written."""
    return html.escape(strip_controls(text), quote=False)


def bibtex_keys(sources: list[Source]) -> dict[str, str]:
    """doc_id -> BibTeX key: the user's library key when it has one, else
    author-year-firsttitleword, a/b appended on a clash (app.bibliography's rule, so the
    Markdown's [@key] and the exported .bib agree)."""
    items = items_from_sources(sources)
    return {item["id"]: key for item, key in zip(items, item_keys(items), strict=True)}


def answer_bibtex(answer: Answer) -> str:
    """One entry per cited document, the cited pages in its note."""
    return to_bibtex(answer.sources)


def answer_markdown(answer: Answer, style: str = "") -> str:
    """The answer with [n] markers, the quoted spans, and a numbered reference list (in
    the citation `style`, when one is chosen)."""
    text = notes_text
    out = [f"# {text(answer.question)}", ""]
    if answer.table is not None:
        out.append("| case | " + " | ".join(map(text, answer.table.aspects)) + " |")
        out.append("|" + "---|" * (len(answer.table.aspects) + 1))
        for row in answer.table.rows:
            cells = [
                text(f"{c.text} [{c.source}]".replace("|", "/")) if c.source else NOT_IN_SOURCES
                for c in row.cells.values()
            ]
            out.append(f"| {text(row.case)} | " + " | ".join(cells) + " |")
    elif answer.abstained:
        out.append(text(answer.notice))
        for r in answer.related:
            out.append(f"- {text(r.title)}: {text(r.why)} [{r.source}]")
    else:
        out.append(text(answer.text))
    if answer.reading:
        out += ["", "## Read further", ""]
        out += [f"- {text(reading_label(r))}" for r in answer.reading]
    out += ["", f"Grounding score: {answer.grounding:.2f}", "", "## References", ""]
    keys = bibtex_keys(answer.sources)
    for source in answer.sources:
        out.append(f"{source.n}. {text(reference(source, style))} [@{keys[source.doc_id]}]")
        for start, end in sorted(source.spans):
            quote = normalize_space(source.passage[start:end])
            out.append(f"   > {text(quote)}")
    return "\n".join(out) + "\n"
