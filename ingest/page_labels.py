"""The page label a reader sees on each PDF page: the PDF's own labels, else printed numbers.

A citation "p. 17" must point where the reader will look: the number printed on the page or
shown by the PDF viewer, not the page's index in the file (a report's front matter, or an
article that starts on page 245 of its journal issue, makes the two differ).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest.text import YEAR

PDF_LABELS = "PDF page labels"
PRINTED_NUMBERS = "printed page numbers"

# Agreement a printed number needs before it is believed: on this share of the pages that
# carry a candidate, and on at least this many pages (all pages of a shorter document).
AGREEING_SHARE = 0.6
AGREEING_PAGES = 3

_ARABIC = r"(?P<arabic>[1-9]\d{0,3})"
# lower case only: front matter is numbered i, ii, iii; an upper-case "I" or "C" alone on
# a line is a word or a grade
_ROMAN = r"(?P<roman>(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))"
_NUMBER = rf"(?:{_ARABIC}|{_ROMAN})"
_DASH = r"[-–—]"
# "Page 12", "Page 12 of 40", "p. 12": said to be a page, so "Page 2019" is not a year
_LABELLED_NUMBER = re.compile(rf"^(?i:page|pg\.|p\.|หน้า)\s*{_NUMBER}(?:\s*(?i:of|/)\s*\d{{1,4}})?$")
# The lines that are a page number: those, "12", "- 12 -", "12 | Report title" and
# "Report title | 12". A number inside a sentence matches none of them.
_PAGE_NUMBER_LINES = (
    re.compile(rf"^{_NUMBER}$"),
    re.compile(rf"^{_DASH}\s*{_NUMBER}\s*{_DASH}$"),
    _LABELLED_NUMBER,
    re.compile(rf"^{_NUMBER}\s*\|\s*\S.*$"),
    re.compile(rf"^.*\S\s*\|\s*{_NUMBER}$"),
)
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}


@dataclass
class PageLabels:
    """One label per page in index order ("" where unknown), and how they were found."""

    labels: list[str]
    kind: str  # PDF_LABELS | PRINTED_NUMBERS | ""


@dataclass
class _Candidate:
    page: int  # index in the file, from 0
    value: int
    roman: bool
    year: bool  # an arabic number that reads as a year: a date line unless a run shows it

    @property
    def offset(self) -> int:
        return self.value - self.page


def roman_to_int(numeral: str) -> int:
    """The value of a well-formed lower-case roman numeral ("xiv" -> 14)."""
    values = [_ROMAN_VALUES[c] for c in numeral]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def int_to_roman(value: int) -> str:
    """The lower-case roman numeral for 1..3999 (14 -> "xiv")."""
    parts = []
    for number, numeral in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):  # fmt: skip
        count, value = divmod(value, number)
        parts.append(numeral * count)
    return "".join(parts)


def _catalog_labels(data: bytes) -> list[str]:
    """The PDF's /PageLabels, one per page, or [] when it has none. PDFium gives "" for a
    page without a label (pypdf would give "1", "2", ... for a PDF without any, which is
    indistinguishable from real labels that count from 1)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return []
    try:
        labels = [pdf.get_page_label(index) for index in range(len(pdf))]
    finally:
        pdf.close()
    return labels if any(labels) else []


def _edge_lines(text: str) -> list[str]:
    """The first and the last non-empty line of a page, where page numbers are printed."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[:1] + lines[-1:] if len(lines) > 1 else lines


def _candidates(page: int, text: str) -> list[_Candidate]:
    """The numbers a page's edge lines print as a page number, believed or not yet."""
    found = []
    for line in _edge_lines(text):
        for pattern in _PAGE_NUMBER_LINES:
            match = pattern.match(line)
            if not match:
                continue
            if match.group("arabic"):
                number = match.group("arabic")
                year = pattern is not _LABELLED_NUMBER and bool(YEAR.fullmatch(number))
                found.append(_Candidate(page, int(number), False, year))
            else:
                value = roman_to_int(match.group("roman"))
                # page "iv" cannot come before the file's fourth page
                if value <= page + 1:
                    found.append(_Candidate(page, value, True, False))
            break
    return found


def _believed_arabic(candidates: list[_Candidate]) -> list[_Candidate]:
    """Arabic candidates, but a year-like number only when three or more of them run on
    with the pages (a journal paginated 1523-1540); alone it is a date line."""
    years = Counter(c.offset for c in candidates if c.year)
    return [
        c for c in candidates if not c.roman and (not c.year or years[c.offset] >= AGREEING_PAGES)
    ]


def _agreed_offset(candidates: list[_Candidate], page_count: int) -> int | None:
    """The offset (label = index + offset) the pages agree on, or None if they do not."""
    offsets_by_page: dict[int, set[int]] = {}
    for c in candidates:
        offsets_by_page.setdefault(c.page, set()).add(c.offset)
    if not offsets_by_page:
        return None
    votes = Counter(offset for offsets in offsets_by_page.values() for offset in offsets)
    offset, agreeing = votes.most_common(1)[0]
    if agreeing < min(AGREEING_PAGES, page_count):
        return None
    if agreeing < AGREEING_SHARE * len(offsets_by_page):
        return None
    return offset


def _fill_roman(labels: list[str], candidates: list[_Candidate], before: int) -> None:
    """Roman front matter before the first arabic page: the pages whose numerals agree,
    and the unnumbered pages between them."""
    romans = [c for c in candidates if c.roman and c.page < before]
    if not romans:
        return
    offset = Counter(c.offset for c in romans).most_common(1)[0][0]
    pages = [c.page for c in romans if c.offset == offset]
    for page in range(min(pages), max(pages) + 1):
        labels[page] = int_to_roman(page + offset)


def printed_page_numbers(page_texts: list[str]) -> list[str]:
    """Labels from the numbers printed at the top or bottom of the pages, or [] when the
    numbers found do not agree on one offset from the page index (then they are table
    cells, footnote marks or dates, not page numbers)."""
    candidates = [c for page, text in enumerate(page_texts) for c in _candidates(page, text)]
    arabic = _believed_arabic(candidates)
    offset = _agreed_offset(arabic, len(page_texts))
    if offset is None:
        return []
    agreeing = [c.page for c in arabic if c.offset == offset]
    first, last = min(agreeing), max(agreeing)
    labels = [""] * len(page_texts)
    for page in range(first, last + 1):
        labels[page] = str(page + offset)
    _fill_roman(labels, candidates, first)
    return labels


def pdf_page_labels(data: bytes, page_texts: list[str]) -> PageLabels:
    """The label of each page of the PDF `data` whose extracted page texts are
    `page_texts`: the PDF's /PageLabels when it has them, else consistent printed page
    numbers, else none."""
    labels = _catalog_labels(data)
    if labels:
        return PageLabels(labels, PDF_LABELS)
    labels = printed_page_numbers(page_texts)
    if labels:
        return PageLabels(labels, PRINTED_NUMBERS)
    return PageLabels([""] * len(page_texts), "")
