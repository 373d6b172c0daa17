"""Answers as terminal text, Markdown and HTML; every piece of document or user text escaped.

Document text is data, never markup: a passage holding `<script>` or `<img onerror=...>`
must show as those characters. HTML output escapes with `html.escape`; Markdown output also
backslash-escapes Markdown syntax so a passage cannot forge links, emphasis or tables.
"""

from __future__ import annotations

import base64
import html
import json
import re
from functools import lru_cache

from app.records import (
    NOT_IN_SOURCES,
    Answer,
    Cell,
    CitedPage,
    ReadingItem,
    Source,
    page_locator,
)
from ingest.text import CONTROL_CHARS, normalize_space

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def md_escape(text: str) -> str:
    """Inert in Markdown and in the HTML it becomes."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(normalize_space(text), quote=False))


def terminal_safe(text: str) -> str:
    """For a terminal: each control character (ingest.text.CONTROL_CHARS) shown as its
    escape, `\\x1b`, so document text can neither colour, move nor clear the screen."""
    return CONTROL_CHARS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def json_safe(text: str) -> str:
    """JSON text for a terminal: the C1 controls and DEL that `json.dumps(ensure_ascii=
    False)` leaves raw (it escapes only C0) written as \\u escapes; still the same JSON."""
    return CONTROL_CHARS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def author_date(authors: list[str], year: int | None) -> str:
    """'A, B (2021)', or 'unknown author (n.d.)': one spelling of the gaps everywhere."""
    return f"{', '.join(authors) or 'unknown author'} ({year or 'n.d.'})"


def reference(source: Source, style: str = "") -> str:
    """How a source is named beside an answer: 'Title. Authors (year), p. 12' by default;
    in a citation style (app.styles.STYLES: "apa", "chicago", ...) the in-text citation
    with the pinpoint page, then the style's full reference."""
    if style:
        return styled_reference(source, style)
    locator = f", {source.locator}" if source.locator else ""
    return f"{source.title}. {author_date(source.authors, source.year)}{locator}"


def styled_reference(source: Source, style: str) -> str:
    """'(Ansell & Gash, 2008, p. 12) Ansell, C., & Gash, A. (2008). Collaborative ...'.
    A page known only by its index in the file is no CSL locator: it follows the
    reference as '(PDF p. 3)'. Rendered once per item and style (citeproc takes ~10-30 ms)."""
    from app.bibliography import source_metadata
    from app.styles import csl_item

    item = json.dumps(csl_item(source.doc_id, source_metadata(source)), sort_keys=True)
    locator = source.page_label if source.page_label else ""
    where = "" if source.page_label or source.page is None else f" ({source.locator})"
    citation, entry = _styled(item, style, locator)
    return f"{citation} {entry}{where}"


@lru_cache(maxsize=4096)
def _styled(item_json: str, style: str, locator: str) -> tuple[str, str]:
    from app.styles import render_bibliography, render_citation

    item = json.loads(item_json)
    return render_citation(item, style, locator), render_bibliography([item], style)[0]


LOOKALIKE_NOTE = (
    "look-alike: this document copies the title or front matter of another one but its "
    "text differs; it is kept as its own case"
)


def origin_line(source: Source) -> str:
    """Where a source's document came from, with the look-alike warning when it is one."""
    warning = f" ⚠ {LOOKALIKE_NOTE}" if source.lookalike_of else ""
    return f"from {source.origin}{warning}"


def marked_passage(source: Source, open_mark: str, close_mark: str, escape: bool) -> str:
    """The passage with its supporting spans marked."""
    out, cursor = [], 0
    text = source.passage
    for start, end in sorted(set(source.spans)):
        if start < cursor:
            continue
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


def _cell_text(cell: Cell) -> str:
    return f"{cell.text} [{cell.source}]" if cell.source else NOT_IN_SOURCES


def answer_as_text(answer: Answer, style: str = "") -> str:
    """For the terminal: the answer, then numbered sources with spans between » and «."""
    lines: list[str] = []
    if answer.table is not None:
        for row in answer.table.rows:
            lines.append(row.case)
            lines += [f"  {a}: {_cell_text(c)}" for a, c in row.cells.items()]
    elif answer.abstained:
        lines.append(answer.notice or "The sources do not answer this question.")
        if answer.related:
            lines.append("\nClosest cases that might help:")
            lines += [
                f"- {r.title} ({r.country or 'country unknown'}): {r.why} [{r.source}]"
                for r in answer.related
            ]
    else:
        lines.append(
            " ".join(
                f"{s.text} [{s.source or 'uncited'}]" + ("" if s.supported else " (unsupported)")
                for s in answer.sentences
            )
        )
    if answer.sources:
        lines += ["", "Sources"]
        for source in answer.sources:
            lines.append(f"[{source.n}] {reference(source, style)}")
            lines.append(f"    {marked_passage(source, '»', '«', escape=False)}")
            lines.append(f"    {origin_line(source)}")
    if answer.reading:
        lines += ["", "Read further"]
        lines += [f"- {reading_label(r)}" for r in answer.reading]
    if not answer.abstained:
        lines.append(f"\nGrounding: {answer.grounding:.2f}  ({answer.seconds * 1000:.0f} ms)")
        if answer.notice:
            lines.append(answer.notice)
    return "\n".join(lines)


def reading_label(item: ReadingItem) -> str:
    """'Authors (year). Title (place, country, years); cited' for a reading-list line: the
    document as a reader would cite it, not the index's case id."""
    country = item.country if item.country != item.place else ""
    where = ", ".join(x for x in (item.place, country, item.years) if x)
    state = "cited in this answer" if item.cited else "close, not cited"
    citation = f"{author_date(item.authors, item.year)}. {item.title}"
    return citation + (f" ({where})" if where else "") + f"; {state}"


def reading_as_markdown(answer: Answer) -> str:
    if not answer.reading:
        return ""
    items = "\n".join(f"- {md_escape(reading_label(r))}" for r in answer.reading)
    return f"\n\n**Read further:**\n{items}"


def answer_as_markdown(answer: Answer) -> str:
    """Chat bubble: escaped sentences with [n] markers, a table for comparisons, the
    closest cases for an abstention, and the grounding score."""
    if answer.table is not None:
        aspects = answer.table.aspects
        rows = [
            "| case | " + " | ".join(aspects) + " |",
            "|" + "---|" * (len(aspects) + 1),
        ]
        for row in answer.table.rows:
            cells = [
                f"{md_escape(c.text)} **\\[{c.source}\\]**" if c.source else f"*{NOT_IN_SOURCES}*"
                for c in row.cells.values()
            ]
            rows.append(f"| {md_escape(row.case)} | " + " | ".join(cells) + " |")
        grounding = f"\n\n<sub>grounding {answer.grounding:.2f}</sub>"
        return "\n".join(rows) + reading_as_markdown(answer) + grounding
    if answer.abstained:
        parts = [md_escape(answer.notice or "The sources do not answer this question.")]
        if answer.related:
            parts.append("\n\n**Closest cases that might help:**\n")
            parts += [
                f"- *{md_escape(r.title)}*: {md_escape(r.why)} {cite_marker(r.source)}"
                for r in answer.related
            ]
        return "\n".join(parts) + reading_as_markdown(answer)
    body = " ".join(
        f"{md_escape(s.text)} {cite_marker(s.source)}"
        + ("" if s.supported else " ⚠ *not supported by the cited passage*")
        for s in answer.sentences
    )
    notice = f"\n\n*{md_escape(answer.notice)}*" if answer.notice else ""
    reading = reading_as_markdown(answer)
    return f"{body}{notice}{reading}\n\n<sub>grounding {answer.grounding:.2f}</sub>"


CITE_ANCHOR = "#govqa-cite-"  # the chat's script opens source n on a click of this link


def cite_marker(n: int | None) -> str:
    """A sentence's bold [n] as a link that opens source n's span beside the chat;
    [uncited] for a sentence with no source."""
    if not n:
        return "**\\[uncited\\]**"
    return f"[**\\[{n}\\]**]({CITE_ANCHOR}{n})"


def focus_as_markdown(titles: list[str]) -> str:
    """The line under the chat naming the case(s) follow-ups stay on; empty when none."""
    if not titles:
        return ""
    names = "; ".join(md_escape(t) for t in titles)
    return f"Follow-up questions stay on: *{names}* (press **New topic** to leave it)"


def sources_as_html(answer: Answer, style: str = "") -> str:
    """Source cards: reference line and the passage with the supporting spans marked."""
    if not answer.sources:
        return "<div class='govqa-sources'><p>No sources.</p></div>"
    cards = []
    for source in answer.sources:
        cards.append(
            "<div class='govqa-source' data-n='{n}'>"
            "<div class='govqa-ref'><b>[{n}]</b> {ref}</div>"
            "<blockquote class='govqa-passage'>{passage}</blockquote>"
            "<div class='govqa-origin'>{origin}</div></div>".format(
                n=source.n,
                ref=html.escape(reference(source, style)),
                passage=marked_passage(source, "<mark>", "</mark>", escape=True),
                origin=html.escape(origin_line(source)),
            )
        )
    return "<div class='govqa-sources'>" + "".join(cards) + "</div>"


def passage_context_html(chunks: list, chunk_id: str, spans: list[tuple[int, int]]) -> str:
    """The cited chunk between its neighbours, its supporting spans marked."""
    if not chunks:
        return "<div class='govqa-passage-view'><p>Pick a source to read it in place.</p></div>"
    parts = []
    for chunk in chunks:
        where = page_locator(chunk.page, chunk.metadata.page_label(chunk.page)) or (
            f"section '{chunk.section}'"
        )
        if chunk.id == chunk_id:
            source = Source(0, chunk.doc_id, chunk.id, "", [], None, None, "", "", chunk.text)
            source.spans = [tuple(s) for s in spans]
            body = marked_passage(source, "<mark>", "</mark>", escape=True)
            parts.append(
                f"<div class='govqa-cited'><small>{html.escape(where)}</small>"
                f"<blockquote>{body}</blockquote></div>"
            )
        else:
            parts.append(
                f"<div class='govqa-context'><small>{html.escape(where)}</small>"
                f"<p>{html.escape(chunk.text)}</p></div>"
            )
    title = html.escape(chunks[0].metadata.title)
    return f"<div class='govqa-passage-view'><h4>{title}</h4>{''.join(parts)}</div>"


def cited_page_html(view: CitedPage | None) -> str:
    """The cited PDF page as an image with its span highlighted, and a caption naming the
    page and quoting the highlighted text (the page's own characters, so a reader and the
    browser test can check the highlight covers what the answer cites)."""
    if view is None:
        return "<div class='govqa-page-view' data-page=''></div>"
    image = base64.b64encode(view.png).decode("ascii")
    where = f"{view.locator} (page {view.page} of {view.pages} in the file)"
    if view.highlighted:
        quoted = html.escape(normalize_space(view.highlighted))
        note = f"highlighted: <q class='govqa-highlighted'>{quoted}</q>"
    elif view.cited:
        note = "the cited span could not be found in this page's text layer"
    else:
        note = "a neighbouring page of the cited one"
    return (
        f"<figure class='govqa-page-view' data-page='{view.page}' data-pages='{view.pages}'>"
        f"<img class='govqa-page' alt='{html.escape(where)}' "
        f"src='data:image/png;base64,{image}'/>"
        f"<figcaption>{html.escape(where)}; {note}</figcaption></figure>"
    )
