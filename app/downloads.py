"""Files the chat offers for download, each set in a fresh folder Gradio can serve.

Kept out of the UI so the tabs only wire events: an answer's notes (Markdown and BibTeX)
and a precedent brief (Markdown, DOCX, BibTeX) are written here, from library records.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from app.brief import write_brief
from app.engine import Engine
from app.export import answer_bibtex, answer_markdown
from app.records import Answer


def answer_files(answer: Answer) -> list[str]:
    """answer.md (with references and quoted spans) and references.bib."""
    folder = Path(tempfile.mkdtemp(prefix="govqa-export-"))
    md, bib = folder / "answer.md", folder / "references.bib"
    md.write_text(answer_markdown(answer), encoding="utf-8")
    bib.write_text(answer_bibtex(answer), encoding="utf-8")
    return [str(md), str(bib)]


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
    return [str(p) for p in write_brief(cards, folder, question)]
