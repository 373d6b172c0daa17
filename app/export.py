"""Answers exported for a student's notes: Markdown with references, and BibTeX.

Document text is data here too: in the Markdown every piece of it is HTML-escaped (a
Markdown viewer would otherwise run a passage's `<script>` or show its `<img onerror>`),
and control characters are dropped from both files (`cat answer.md` must not repaint the
terminal, and BibTeX tools choke on them).
"""

from __future__ import annotations

import html
import re
import unicodedata

from app.records import NOT_IN_SOURCES, Answer, Source
from app.render import reading_label, reference
from ingest.text import normalize_space, strip_controls


def notes_text(text: str) -> str:
    """Document or user text as it goes into an exported Markdown file: no control
    characters, HTML escaped (Markdown passes HTML through), otherwise as written."""
    return html.escape(strip_controls(text), quote=False)


def bibtex_key(source: Source) -> str:
    """author-year-firsttitleword, ASCII only, so every BibTeX tool accepts it."""
    author = source.authors[0].split(",")[0].split()[-1] if source.authors else "anon"
    word = next((w for w in re.findall(r"[A-Za-z]{4,}", source.title)), "doc")
    raw = f"{author}{source.year or 'nd'}{word}".lower()
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", raw))


def bibtex_keys(sources: list[Source]) -> dict[str, str]:
    """doc_id -> key, with a, b, ... appended when two documents would share a key."""
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for source in sources:
        if source.doc_id in keys:
            continue
        base = key = bibtex_key(source)
        suffix = iter("abcdefghijklmnopqrstuvwxyz")
        while key in taken:
            key = base + next(suffix, "z" + str(len(taken)))
        keys[source.doc_id] = key
        taken.add(key)
    return keys


def _bib_value(text: str) -> str:
    text = strip_controls(text)
    return "{" + text.replace("\\", "").replace("{", "(").replace("}", ")") + "}"


def answer_bibtex(answer: Answer) -> str:
    """One @misc entry per cited document (page or section in the note)."""
    return sources_bibtex(answer.sources)


def sources_bibtex(sources: list[Source]) -> str:
    """One @misc entry per document among `sources` (the first locator in the note)."""
    entries: dict[str, str] = {}
    keys = bibtex_keys(sources)
    for source in sources:
        key = keys[source.doc_id]
        if key in entries:
            continue
        fields = {
            "title": source.title,
            "author": " and ".join(source.authors) or "Unknown",
            "year": str(source.year or ""),
            "note": source.locator,
            "howpublished": source.file.rsplit("/", 1)[-1],
        }
        body = ",\n".join(f"  {k} = {_bib_value(v)}" for k, v in fields.items() if v)
        entries[key] = f"@misc{{{key},\n{body}\n}}"
    return "\n\n".join(entries.values()) + "\n"


def answer_markdown(answer: Answer) -> str:
    """The answer with [n] markers, the quoted spans, and a numbered reference list."""
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
        out.append(f"{source.n}. {text(reference(source))} [@{keys[source.doc_id]}]")
        for start, end in sorted(source.spans):
            quote = normalize_space(source.passage[start:end])
            out.append(f"   > {text(quote)}")
    return "\n".join(out) + "\n"
