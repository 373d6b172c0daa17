"""Files the chat offers for download, each set in a fresh folder Gradio can serve.

Kept out of the UI so the tabs only wire events: an answer's notes (Markdown and BibTeX)
and a precedent brief (Markdown, DOCX, BibTeX) are written here, from library records.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from app.bibliography import to_csl_json, to_docx, to_ris
from app.brief import write_brief
from app.engine import Engine
from app.export import answer_bibtex, answer_markdown
from app.records import Answer


def answer_files(answer: Answer, style: str = "") -> list[str]:
    """answer.md (with references and quoted spans) and the references as a reference
    manager imports them: BibTeX, RIS, CSL-JSON, and a Word bibliography in `style` (APA
    when none is chosen: a bibliography needs one)."""
    folder = Path(tempfile.mkdtemp(prefix="govqa-export-"))
    md, bib = folder / "answer.md", folder / "references.bib"
    ris, csl, docx = (
        folder / "references.ris",
        folder / "references.json",
        folder / "references.docx",
    )
    md.write_text(answer_markdown(answer, style), encoding="utf-8")
    bib.write_text(answer_bibtex(answer), encoding="utf-8")
    ris.write_text(to_ris(answer.sources), encoding="utf-8")
    csl.write_text(to_csl_json(answer.sources), encoding="utf-8")
    to_docx(answer.sources, style or "apa", docx)
    return [str(md), str(bib), str(ris), str(csl), str(docx)]


def brief_files(engine: Engine, case_ids: list[str], question: str = "") -> list[str] | None:
    """A precedent brief on these cases (ids of cases or of their documents; each case
    once), or None when none of them is a case."""
    cards = []
    for case_id in case_ids:
        card = engine.cases.card(case_id)
        if card is not None and card not in cards:
            cards.append(card)
    if not cards:
        return None
    folder = Path(tempfile.mkdtemp(prefix="govqa-brief-"))
    style = engine.settings.answer.citation_style
    return [str(p) for p in write_brief(cards, folder, question, style)]
