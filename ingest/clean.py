"""Clean extracted text: repair mojibake, drop garbage lines, running heads and page numbers
of paged documents, rebuild paragraphs; every repaired and dropped line is recorded with its
reason. The steps live in `mojibake`, `garbage` and `layout`; this module runs them."""

from __future__ import annotations

from ingest.garbage import classify_line, suspicion
from ingest.layout import Line, is_page_number, mark_edges, norm_key, paragraphs, running_lines
from ingest.mojibake import repair_line, repair_tis620
from ingest.records import CleanText, DroppedLine, Page, RepairedLine

__all__ = ["classify_line", "clean_pages", "repair_line", "repair_tis620", "suspicion"]


def _split_pages(pages: list[Page]) -> tuple[list[Page], bool]:
    """The pages, and whether the document is paged: a PDF's pages carry numbers; a text
    file with form feeds (pdftotext output) is paged too, one page per feed."""
    if any(page.number is not None for page in pages):
        return pages, True
    if len(pages) == 1 and "\f" in pages[0].text:
        parts = pages[0].text.split("\f")
        return [Page(text, i + 1) for i, text in enumerate(parts)], True
    return pages, False


def clean_pages(pages: list[Page]) -> CleanText:
    """Clean the pages of one document; see the module docstring for what happens."""
    pages, paged = _split_pages(pages)
    numbered: list[list[Line]] = []
    counter = 0
    for page in pages:
        lines = []
        for raw in page.text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            counter += 1
            lines.append(Line(raw.rstrip(), counter, page.number))
        if paged:
            mark_edges(lines)
        numbered.append(lines)

    running = running_lines(numbered, paged)
    dropped: list[DroppedLine] = []
    repaired: list[RepairedLine] = []
    paragraphs_by_page: list[tuple[int | None, list[tuple[str, bool]]]] = []

    for lines in numbered:
        kept: list[Line | None] = []  # None marks a blank (paragraph break)
        for ln in lines:
            text = ln.text
            if not text.strip():
                kept.append(None)
                continue
            fix = repair_line(text)
            if fix:
                repaired.append(RepairedLine(ln.number, text, fix[0], fix[1], ln.page))
                text = fix[0]
            if ln.at_edge and norm_key(text) in running:
                dropped.append(
                    DroppedLine(ln.number, text.strip(), "running header/footer", ln.page)
                )
                continue
            if is_page_number(Line(text, ln.number, ln.page, ln.at_edge), paged):
                dropped.append(DroppedLine(ln.number, text.strip(), "page number", ln.page))
                continue
            verdict = classify_line(text)
            for cut, reason in verdict.cuts:
                dropped.append(DroppedLine(ln.number, cut, reason, ln.page))
            if verdict.kept:
                kept.append(Line(verdict.kept, ln.number, ln.page))
        paragraphs_by_page.append((lines[0].page if lines else None, paragraphs(kept)))

    text_parts: list[str] = []
    page_starts: list[tuple[int | None, int]] = []
    section_starts: list[tuple[str, int]] = []
    offset = 0
    for page_number, page_paragraphs in paragraphs_by_page:
        page_starts.append((page_number, offset))
        for paragraph, is_heading in page_paragraphs:
            if is_heading:
                section_starts.append((paragraph, offset))
            text_parts.append(paragraph)
            offset += len(paragraph) + 2
    return CleanText("\n\n".join(text_parts), page_starts, section_starts, dropped, repaired)
