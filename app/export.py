"""Answers exported for a student's notes: Markdown with references, and BibTeX."""

from __future__ import annotations

import re
import unicodedata

from app.records import NOT_IN_SOURCES, Answer, Source
from app.render import reference


def bibtex_key(source: Source) -> str:
    """author-year-firsttitleword, ASCII only, so every BibTeX tool accepts it."""
    author = source.authors[0].split(",")[0].split()[-1] if source.authors else "anon"
    word = next((w for w in re.findall(r"[A-Za-z]{4,}", source.title)), "doc")
    raw = f"{author}{source.year or 'nd'}{word}".lower()
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", raw))


def _bib_value(text: str) -> str:
    return "{" + text.replace("\\", "").replace("{", "(").replace("}", ")") + "}"


def answer_bibtex(answer: Answer) -> str:
    """One @misc entry per cited document (page or section in the note)."""
    entries: dict[str, str] = {}
    for source in answer.sources:
        key = bibtex_key(source)
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
    out = [f"# {answer.question}", ""]
    if answer.table is not None:
        out.append("| case | " + " | ".join(answer.table.aspects) + " |")
        out.append("|" + "---|" * (len(answer.table.aspects) + 1))
        for row in answer.table.rows:
            cells = [
                f"{c.text} [{c.source}]".replace("|", "/") if c.source else NOT_IN_SOURCES
                for c in row.cells.values()
            ]
            out.append(f"| {row.case} | " + " | ".join(cells) + " |")
    elif answer.abstained:
        out.append(answer.notice)
        for r in answer.related:
            out.append(f"- {r.title}: {r.why} [{r.source}]")
    else:
        out.append(answer.text)
    out += ["", f"Grounding score: {answer.grounding:.2f}", "", "## References", ""]
    for source in answer.sources:
        out.append(f"{source.n}. {reference(source)} [@{bibtex_key(source)}]")
        for start, end in sorted(source.spans):
            quote = " ".join(source.passage[start:end].split())
            out.append(f"   > {quote}")
    return "\n".join(out) + "\n"
