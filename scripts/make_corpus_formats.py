"""Make the PDF, DOCX and HTML sample briefs in data/corpus from Markdown sources (run once;
the outputs are committed). Needs the dev extras (reportlab, python-docx).

- a header/footer-heavy PDF (running head, footer, page numbers, hyphenated line ends),
- a two-column PDF,
- a DOCX with core properties and heading styles,
- an HTML page with citation_* meta tags and a script that must not be ingested.
The Markdown sources live in data/brief-sources/ so the corpus holds each case once.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "data" / "brief-sources"
CORPUS = ROOT / "data" / "corpus"


def load(name: str) -> tuple[dict, list[tuple[str, str]]]:
    """Front matter and (heading, paragraph) blocks of a Markdown brief."""
    text = (SOURCES / name).read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    blocks: list[tuple[str, str]] = []
    heading = ""
    for part in re.split(r"\n\s*\n", body.strip()):
        part = part.strip()
        if part.startswith("#"):
            heading = part.lstrip("#").strip()
            blocks.append((heading, ""))
        elif part:
            blocks.append(("", re.sub(r"\*\*|__", "", part)))
    return yaml.safe_load(front), blocks


def _wrap(canvas, text: str, width: float, font: str, size: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if stringWidth(trial, font, size) <= width:
            line = trial
            continue
        # hyphenate long words at the margin, as typeset articles do
        if len(word) > 8 and line:
            head = word[: len(word) // 2]
            if stringWidth(f"{line} {head}-", font, size) <= width:
                lines.append(f"{line} {head}-")
                line = word[len(word) // 2 :]
                continue
        lines.append(line)
        line = word
    if line:
        lines.append(line)
    return lines


def make_pdf(name: str, out: str, columns: int) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas as pdf

    meta, blocks = load(name)
    path = CORPUS / out
    c = pdf.Canvas(str(path), pagesize=A4)
    c.setTitle(meta["title"])
    c.setAuthor(", ".join(meta["authors"]))
    width, height = A4
    margin, gap = 56, 24
    col_width = (width - 2 * margin - gap * (columns - 1)) / columns
    page = 1

    def furniture() -> None:
        c.setFont("Helvetica", 8)
        c.drawString(margin, height - 36, "Governance Case Briefs  |  govqa sample collection")
        c.drawString(margin, 30, "Sample brief written for the govqa project")
        c.drawRightString(width - margin, 30, str(page))

    furniture()
    c.setFont("Helvetica-Bold", 14)
    y = height - 80
    for line in _wrap(c, meta["title"], width - 2 * margin, "Helvetica-Bold", 14):
        c.drawString(margin, y, line)
        y -= 18
    c.setFont("Helvetica", 10)
    c.drawString(margin, y, ", ".join(meta["authors"]))
    top = y - 24
    column, y = 0, top
    for heading, paragraph in blocks:
        font, size = ("Helvetica-Bold", 11) if heading else ("Helvetica", 10)
        lines = [*_wrap(c, heading or paragraph, col_width, font, size), ""]
        for line in lines:
            if y < 56:
                column += 1
                if column >= columns:
                    c.showPage()
                    page += 1
                    furniture()
                    column, top = 0, height - 60
                y = top
            c.setFont(font, size)
            c.drawString(margin + column * (col_width + gap), y, line)
            y -= 13
    c.save()


def make_docx(name: str, out: str) -> None:
    import docx

    meta, blocks = load(name)
    document = docx.Document()
    document.core_properties.title = meta["title"]
    document.core_properties.author = ", ".join(meta["authors"])
    document.add_heading(meta["title"], level=0)
    for heading, paragraph in blocks:
        if heading and heading != meta["title"]:
            document.add_heading(heading, level=1)
        elif paragraph:
            document.add_paragraph(paragraph)
    document.save(str(CORPUS / out))


def make_html(name: str, out: str) -> None:
    meta, blocks = load(name)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(meta['title'])}</title>",
        f"<meta name='citation_title' content='{html.escape(meta['title'], quote=True)}'>",
        *[f"<meta name='citation_author' content='{html.escape(a)}'>" for a in meta["authors"]],
        f"<meta name='citation_publication_date' content='{meta['year']}'>",
        f"<meta name='govqa:country' content='{html.escape(meta['country'])}'>",
        f"<meta name='govqa:place' content='{html.escape(meta['place'])}'>",
        f"<meta name='govqa:level' content='{html.escape(meta['level'])}'>",
        f"<meta name='govqa:policy_area' content='{html.escape('; '.join(meta['policy_area']))}'>",
        "<style>body{font-family:serif}</style>",
        "<script>var tracking = 'this script text must never be ingested';</script>",
        "</head><body><nav>Home | Briefs | About</nav><article>",
    ]
    for heading, paragraph in blocks:
        if heading:
            parts.append(f"<h2>{html.escape(heading)}</h2>")
        elif paragraph:
            parts.append(f"<p>{html.escape(paragraph)}</p>")
    parts.append("</article></body></html>")
    (CORPUS / out).write_text("\n".join(parts), encoding="utf-8")


if __name__ == "__main__":
    make_pdf("seoul-open-system.md", "seoul-open-system.pdf", columns=1)
    make_pdf("naga-city-model.md", "naga-city-model.pdf", columns=2)
    make_docx("estonia-e-governance.md", "estonia-e-governance.docx")
    make_html("kamikatsu-zero-waste.md", "kamikatsu-zero-waste.html")
    print("wrote 2 PDFs, 1 DOCX, 1 HTML to", CORPUS)
