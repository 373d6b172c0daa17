"""Precedent brief: selected cases side by side, every claim cited, as Markdown, DOCX and
BibTeX, for an official to circulate.

The brief is built from the stored case cards, so it says exactly what the cards say;
each card's sources are renumbered into one reference list for the whole brief.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from app.bibliography import to_bibtex
from app.case_views import NOT_STATED, case_place, quoted_span
from app.citations import SourceList
from app.export import bibtex_keys, notes_text
from app.records import CARD_FIELDS, FACTS, CaseCard, Source
from app.render import reference
from ingest.text import normalize_space, strip_controls


@dataclass
class BriefRow:
    """One case: its facets, and per field a sentence and its reference number (0: none)."""

    card: CaseCard
    facts: dict[str, str]
    cells: dict[str, tuple[str, int]]


@dataclass
class Brief:
    title: str
    question: str
    date: str
    rows: list[BriefRow]
    references: list[Source]


def make_brief(cards: list[CaseCard], question: str = "") -> Brief:
    """Rows per case and one numbered reference list (a passage cited by two cases is
    listed once)."""
    references = SourceList()
    rows = []
    for card in cards:
        local = references.merge(card.sources)
        cells = {
            name: (card.fields[name].text, local.get(card.fields[name].source, 0))
            for name in CARD_FIELDS
        }
        facts = {name: card.facts[name].value for name in FACTS}
        rows.append(BriefRow(card, facts, cells))
    title = "Precedent brief: " + "; ".join(c.place or c.title for c in cards)
    return Brief(title, question, time.strftime("%Y-%m-%d"), rows, references.sources())


def _cell(text: str, n: int) -> str:
    return f"{text} [{n}]" if n else NOT_STATED


def _reference_line(source: Source, style: str) -> str:
    return f"[{source.n}] {reference(source, style)} File: {Path(source.file).name}."


def brief_markdown(brief: Brief, style: str = "") -> str:
    """Every piece of document text HTML-escaped, without controls (app.export.notes_text)."""
    text = notes_text

    def cell(value: str) -> str:
        return text(normalize_space(value).replace("|", "/"))

    out = [f"# {text(brief.title)}", ""]
    out.append(f"Prepared {brief.date} with govqa from the indexed sources.")
    if brief.question:
        out += ["", f"Question: {text(brief.question)}"]
    out += ["", "## Cases", ""]
    for row in brief.rows:
        authors = ", ".join(row.card.authors) or "unknown author"
        out.append(
            f"- **{text(row.card.title)}** ({text(case_place(row.card))}); {text(authors)} "
            f"({row.card.year or 'n.d.'}); {text(_facet_line(row))}"
        )
    out += ["", "## Comparison", ""]
    out.append("| case | " + " | ".join(CARD_FIELDS) + " |")
    out.append("|" + "---|" * (len(CARD_FIELDS) + 1))
    for row in brief.rows:
        cells = [cell(_cell(*row.cells[name])) for name in CARD_FIELDS]
        out.append(f"| {cell(row.card.place or row.card.title)} | " + " | ".join(cells) + " |")
    out += ["", "## References", ""]
    keys = bibtex_keys(brief.references)
    for source in brief.references:
        out.append(f"{text(_reference_line(source, style))} [@{keys[source.doc_id]}]")
        out.append(f"   > {text(quoted_span(source))}")
    return "\n".join(out) + "\n"


BRIEF_FACTS = ("level", "policy area")  # card facts (records.FACTS) a brief's case list names


def _facet_line(row) -> str:
    """'level: local; policy area: health', the same in Markdown and Word."""
    return "; ".join(f"{name}: {row.facts[name] or NOT_STATED}" for name in BRIEF_FACTS)


def xml_text(text: str) -> str:
    """Text Word's XML can hold: no control characters (python-docx refuses a title with
    an ESC in it: "All strings must be XML compatible") and no U+FFFE/U+FFFF."""
    return strip_controls(text).replace("\ufffe", "").replace("\uffff", "")


def brief_docx(brief: Brief, path: Path, style: str = "") -> None:
    """The brief as a Word document: landscape, the comparison as a real table, the
    references as a numbered list with page numbers. Every string goes through `xml_text`."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.add_heading(xml_text(brief.title), level=0)
    document.add_paragraph(f"Prepared {brief.date} with govqa from the indexed sources.")
    if brief.question:
        document.add_paragraph(xml_text(f"Question: {brief.question}"))
    document.add_heading("Cases", level=1)
    for row in brief.rows:
        paragraph = document.add_paragraph(style="List Bullet")
        paragraph.add_run(xml_text(row.card.title)).bold = True
        paragraph.add_run(xml_text(f" ({case_place(row.card)}); {_facet_line(row)}"))
    document.add_heading("Comparison", level=1)
    table = document.add_table(rows=1, cols=len(CARD_FIELDS) + 1)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["case", *CARD_FIELDS], strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in brief.rows:
        cells = table.add_row().cells
        cells[0].text = xml_text(row.card.place or row.card.title)
        for cell, name in zip(cells[1:], CARD_FIELDS, strict=True):
            cell.text = xml_text(_cell(*row.cells[name]))
    for table_row in table.rows:
        for cell in table_row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)
    document.add_heading("References", level=1)
    for source in brief.references:
        document.add_paragraph(xml_text(_reference_line(source, style)))
        quote = document.add_paragraph(xml_text(quoted_span(source)))
        quote.paragraph_format.left_indent = Pt(18)
        for run in quote.runs:
            run.italic = True
    document.save(str(path))


def write_brief(
    cards: list[CaseCard], out_dir: Path, question: str = "", style: str = ""
) -> list[Path]:
    """brief.md, brief.docx and references.bib in `out_dir`, references in `style`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    brief = make_brief(cards, question)
    md, docx, bib = out_dir / "brief.md", out_dir / "brief.docx", out_dir / "references.bib"
    md.write_text(brief_markdown(brief, style), encoding="utf-8")
    brief_docx(brief, docx, style)
    bib.write_text(to_bibtex(brief.references), encoding="utf-8")
    return [md, docx, bib]
