"""Answers as terminal text, Markdown and HTML; every piece of document or user text escaped."""

from __future__ import annotations

import html

from app.records import Answer, Source


def reference(source: Source) -> str:
    authors = ", ".join(source.authors) or "unknown author"
    year = source.year or "n.d."
    locator = f", {source.locator}" if source.locator else ""
    return f"{source.title}. {authors} ({year}){locator}"


def _marked(source: Source, open_mark: str, close_mark: str, escape: bool) -> str:
    """The passage with its supporting spans marked."""
    out, cursor = [], 0
    text = source.passage
    for start, end in sorted(source.spans):
        piece, span = text[cursor:start], text[start:end]
        out += [
            html.escape(piece) if escape else piece,
            open_mark,
            html.escape(span) if escape else span,
            close_mark,
        ]
        cursor = end
    out.append(html.escape(text[cursor:]) if escape else text[cursor:])
    return "".join(out)


def answer_as_text(answer: Answer) -> str:
    if answer.abstained:
        return answer.notice or "The sources do not answer this question."
    lines = [
        " ".join(
            f"{s.text} [{s.source}]" + ("" if s.supported else " (unsupported)")
            for s in answer.sentences
        ),
        "",
        "Sources",
    ]
    for source in answer.sources:
        lines.append(f"[{source.n}] {reference(source)}")
        lines.append(f"    {_marked(source, '»', '«', escape=False)}")
    lines.append(f"\nGrounding: {answer.grounding:.2f}  ({answer.seconds * 1000:.0f} ms)")
    if answer.notice:
        lines.append(answer.notice)
    return "\n".join(lines)


def answer_as_markdown(answer: Answer) -> str:
    """Chat bubble text: escaped sentences with [n] markers and a grounding line."""
    if answer.abstained:
        return html.escape(answer.notice or "The sources do not answer this question.")
    body = " ".join(
        f"{html.escape(s.text)} **[{s.source}]**" + ("" if s.supported else " ⚠ *unsupported*")
        for s in answer.sentences
    )
    return f"{body}\n\n<sub>grounding {answer.grounding:.2f}</sub>"


def sources_as_html(answer: Answer) -> str:
    if not answer.sources:
        return "<div class='govqa-sources'><p>No sources.</p></div>"
    cards = []
    for source in answer.sources:
        cards.append(
            "<div class='govqa-source' data-n='{n}'>"
            "<div class='govqa-ref'><b>[{n}]</b> {ref}</div>"
            "<blockquote class='govqa-passage'>{passage}</blockquote></div>".format(
                n=source.n,
                ref=html.escape(reference(source)),
                passage=_marked(source, "<mark>", "</mark>", escape=True),
            )
        )
    return "<div class='govqa-sources'>" + "".join(cards) + "</div>"
