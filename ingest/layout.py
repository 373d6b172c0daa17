"""Page layout: running headers/footers and page numbers of paged documents, end-of-line
hyphenation, headings and paragraphs rebuilt from wrapped lines."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass

from ingest.lexicon import english_words

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:(?:page|p\.|หน้า)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|\d{1,3})"
    r"(?:\s*[-–—])?\s*$",
    re.I,
)
# Without pages a bare number is a table cell or a count, never a page number.
_PAGE_LABEL = re.compile(r"^\s*(?:page|หน้า)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.I)
_LIST_ITEM = re.compile(r"^\s*(?:[-*•▪◦]\s+|\d{1,2}[.)]\s+|\(?[a-z]\)\s+)")
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+(.+?)\s*#*\s*$")
_FOOTNOTE_MARKS = re.compile(r"(?<=[A-Za-z\u0E00-\u0E7F.])[*†‡§¹²³⁴⁵⁶⁷⁸⁹]+(?=\s|,|;|$)")
_SENTENCE_END = re.compile(r"[.!?:;)\]\"'”’]$")
EDGE_LINES = 3  # lines at the top and at the bottom of a page where running heads sit


@dataclass
class Line:
    text: str
    number: int
    page: int | None
    at_edge: bool = False  # among the first or last EDGE_LINES non-blank lines of a page


def mark_edges(page: list[Line]) -> None:
    nonblank = [ln for ln in page if ln.text.strip()]
    for ln in nonblank[:EDGE_LINES] + nonblank[-EDGE_LINES:]:
        ln.at_edge = True


def norm_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text.strip().lower()))


def running_lines(pages: list[list[Line]], paged: bool) -> set[str]:
    """Normalised lines that repeat at the top or bottom of several pages of a paged
    document. A text file or an HTML page has no pages, hence no running heads: a line that
    repeats in its body (`School year: 2005-2006`) is content."""
    if not paged or len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({norm_key(ln.text) for ln in lines if ln.at_edge})
    threshold = max(2, len(pages) // 2)
    return {
        text
        for text, n in counts.items()
        if n >= threshold
        and len(text) <= 100
        and re.search(r"[a-z\u0E00-\u0E7F]", text)
        and len(text.split()) <= 12
        # running heads are titles, not wrapped sentence lines
        and not re.search(r"(?:[a-z]{2}[.;,]|-)$", text)
    }


def is_page_number(ln: Line, paged: bool) -> bool:
    """A page number: a bare number (or `Page 3 of 9`) at a page's edge in a paged document;
    elsewhere only an explicit `Page 3` label."""
    if paged:
        return ln.at_edge and bool(_PAGE_NUMBER.match(ln.text))
    return bool(_PAGE_LABEL.match(ln.text))


def _join(previous: str, line: str) -> str:
    """Join a wrapped line to its paragraph, undoing end-of-line hyphenation."""
    if not previous:
        return line
    # only the tail: a search over the whole paragraph made a 10k-line paragraph quadratic
    hyphen = re.search(r"([A-Za-z]+)-$", previous[-100:])
    first = re.match(r"([a-z]+)", line)
    if hyphen and first:
        left, right = hyphen.group(1), first.group(1)
        words = english_words()
        joined = (left + right).lower()
        if joined in words or not (left.lower() in words and right.lower() in words):
            return previous[:-1] + line
        return previous + line
    return previous + " " + line


def _is_heading(line: str, before_blank: bool, after_blank: bool, following: str = "") -> bool:
    """A short capitalised line without a full stop, on its own between blank lines; or,
    as PDFs and plain text often set them, directly above its section's first line: then
    it must be much shorter than that line (a paragraph's first line runs full width)."""
    words = line.split()
    shaped = 0 < len(words) <= 8 and line[:1].isupper() and not _SENTENCE_END.search(line)
    if not shaped or not before_blank:
        return False
    if after_blank:
        return True
    return (
        len(words) <= 5
        and following[:1].isupper()
        and len(following) >= 3 * len(line)
        and not re.search(r"[,;:\-–(]$|\b(and|or|of|the|in|for|to|a|an)$", line.strip(), re.I)
    )


def _continues(lines: list[Line | None], blank_at: int) -> bool:
    """A blank line inside a sentence (page break) when the next line starts in lower case."""
    rest = itertools.islice(lines, blank_at, None)  # no copy of the tail per blank line
    following = next((ln for ln in rest if ln is not None), None)
    return following is not None and following.text[:1].islower()


def paragraphs(lines: list[Line | None]) -> list[tuple[str, bool]]:
    """Rebuild paragraphs from wrapped lines (None marks a blank line); returns
    (text, is_heading) pairs."""
    out: list[tuple[str, bool]] = []
    current = ""
    for i, ln in enumerate(lines):
        if ln is None:
            if current and (_SENTENCE_END.search(current) or not _continues(lines, i)):
                out.append((current, False))
                current = ""
            continue
        text = ln.text
        if len(text.split()) <= 10:
            text = _FOOTNOTE_MARKS.sub("", text)
        heading = _MD_HEADING.match(text)
        before_blank = i == 0 or lines[i - 1] is None
        after_blank = i + 1 >= len(lines) or lines[i + 1] is None
        following = lines[i + 1].text if i + 1 < len(lines) and lines[i + 1] else ""
        if heading or _is_heading(text, before_blank, after_blank, following):
            if current:
                out.append((current, False))
                current = ""
            out.append((heading.group(1) if heading else text, True))
            continue
        if _LIST_ITEM.match(text) and current:
            out.append((current, False))
            current = text
            continue
        current = _join(current, text)
    if current:
        out.append((current, False))
    return out
