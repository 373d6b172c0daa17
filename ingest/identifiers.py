"""DOI, ISBN and arXiv identifiers read from a file itself: its PDF metadata, its first pages.

A reference manager matches a file to its library entry by identifier first, and a cited
answer can link a source by its DOI; a publisher prints these on the first page, so they are
read there and only there. A references list cites dozens of other works' identifiers, so
everything after a "References" heading is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote

METADATA = "PDF metadata"

# Crossref's recommended pattern (it matches all but a few of the DOIs it has registered),
# and the doi.org address form, which may percent-encode characters outside it ("%3C" for
# "<"). The suffix may be empty here: the line may break right after its "/". DOIs are
# case-insensitive, so they are compared and stored in lower case.
_DOI_CHAR_SET = "-._;()/:A-Za-z0-9"
_DOI_CHARS = f"[{_DOI_CHAR_SET}]"
_DOI = re.compile(
    rf"https?://(?:dx\.)?doi\.org/(?P<url>10\.\d{{4,9}}/[{_DOI_CHAR_SET}%]*)"
    rf"|(?P<bare>10\.\d{{4,9}}/{_DOI_CHARS}*)",
    re.I,
)
_DOI_CONTINUATION = re.compile(_DOI_CHARS + "+")
# a next line that starts an identifier or an address of its own is not this DOI's tail
_STARTS_OWN = re.compile(r"10\.\d{4,9}/|https?:|doi:|www\.", re.I)
_SENTENCE_PUNCTUATION = ".,;:"
# arXiv's own DOIs (since 2022) carry the arXiv identifier
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(.+)")

_ISBN_LABEL = re.compile(r"\bISBN(?:s|[- ]?1[03])?\b", re.I)
# between the label and the number: ": ", " (print): ", "-13 ", not another number
_ISBN_GAP = re.compile(r"[^\d\n]{0,25}\n?[^\d\n]{0,10}")
_DASHES = "-‐‑‒–—"
_SEP = rf"[{_DASHES} ]?"
# a digit straight after, or after a dash, makes it part of a longer number
_ISBN13 = re.compile(rf"97[89](?:{_SEP}\d){{10}}(?![{_DASHES}]?\d)")
_ISBN10 = re.compile(rf"\d(?:{_SEP}\d){{8}}{_SEP}[\dXx](?![{_DASHES}]?[\dXx])")

_ARXIV = re.compile(
    r"\barXiv\s?:\s?"
    r"(\d{2}(?:0[1-9]|1[0-2])\.\d{4,5}(?:v\d+)?"  # 2101.01234v2 (four digits until 2014)
    r"|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)"  # hep-th/9901001, math.AG/0309136
    r"(?!\w|\.\d)",
    re.I,
)
_ARXIV_URL = re.compile(
    r"arxiv\.org/(?:abs|pdf)/(\d{2}(?:0[1-9]|1[0-2])\.\d{4,5}(?:v\d+)?"
    r"|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)"
    r"(?!\w|\.\d)",
    re.I,
)

# A heading on a line of its own: "References", "7. Bibliography", "REFERENCES:".
_REFERENCES_HEADING = re.compile(
    r"^\s*(?:\d{1,2}\.?\s+)?(?:references|bibliography|reference list|works cited"
    r"|literature cited)\s*:?\s*$",
    re.I | re.M,
)
# Metadata keys that name the DOI itself ("doi", "/doi", "prism:doi", "pdfx:doi"); after
# them, the Info fields Elsevier, Springer and others write it into.
_DOI_KEY = re.compile(r"^/?(?:[a-z]+:)?doi$", re.I)
_METADATA_FIELDS = ("subject", "keywords", "title", "description")


@dataclass
class Identifiers:
    """The identifiers a file states about itself, and where each was read."""

    doi: str = ""  # normalised lower case, no prefix ("10.1016/j.giq.2020.101234")
    isbn: str = ""  # ISBN-13 digits (an ISBN-10 converted), checksum-valid only
    arxiv: str = ""  # "2101.01234" / "2101.01234v2" / "hep-th/9901001"
    found_in: dict[str, str] = field(default_factory=dict)  # "doi" -> "page 1 text"


def _strip_sentence_punctuation(doi: str) -> str:
    """Drop the full stop, comma or bracket of the sentence a DOI ends: a `)` stays only
    when it closes a `(` inside the DOI ("10.1002/(sici)1097-4571(199806)49")."""
    while doi and (
        doi[-1] in _SENTENCE_PUNCTUATION or (doi[-1] == ")" and doi.count(")") > doi.count("("))
    ):
        doi = doi[:-1]
    return doi


def _continues(doi: str, next_line: str) -> str:
    """The part of `next_line` that continues a DOI broken at the end of a line, or "".

    Only a break after `/`, `-` or `.` with the next line going on without a space; after a
    `.` the tail must hold a digit ("j.giq.\\n2020.101234"), since a full stop before the
    next sentence ("10.1000/xyz.\\nThe next") is far more common than a word after a dot."""
    tail = _DOI_CONTINUATION.match(next_line)
    if not tail or doi[-1] not in "/-." or _STARTS_OWN.match(next_line):
        return ""
    text = tail.group()
    if doi[-1] == "." and not re.search(r"\d", text):
        return ""
    return text


def _dois(text: str) -> Iterator[str]:
    """DOIs in reading order, each joined across line breaks and stripped of punctuation."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        for match in _DOI.finditer(line):
            doi = unquote(match.group("url")) if match.group("url") else match.group("bare")
            following = number + 1
            # a DOI that runs to the end of the line may go on at the start of the next
            while (
                match.end() == len(line.rstrip())
                and following < len(lines)
                and (tail := _continues(doi, lines[following]))
            ):
                doi += tail
                if len(tail) < len(lines[following].rstrip()):
                    break
                following += 1
            doi = _strip_sentence_punctuation(doi)
            if "/" in doi and not doi.endswith("/"):
                yield doi.lower()


def _isbn10_to_13(digits: str) -> str:
    body = "978" + digits[:9]
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


def _valid_isbn13(digits: str) -> bool:
    return sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0


def _valid_isbn10(digits: str) -> bool:
    values = [10 if d in "Xx" else int(d) for d in digits]
    if any(v == 10 for v in values[:9]):
        return False
    return sum((10 - i) * v for i, v in enumerate(values)) % 11 == 0


def _isbns(text: str, labelled: bool = False) -> Iterator[str]:
    """Checksum-valid ISBNs as ISBN-13 digits, each right after an "ISBN" label (or at the
    start of `text` when the text is already labelled, as a metadata field named "isbn"
    is): a 13-digit number alone is as likely an order or account number."""
    starts = [0] if labelled else []
    for label in _ISBN_LABEL.finditer(text):
        gap = _ISBN_GAP.match(text, label.end())
        starts.append(gap.end() if gap else label.end())
    for start in starts:
        for pattern in (_ISBN13, _ISBN10):
            number = pattern.match(text, start)
            if not number:
                continue
            digits = re.sub(r"[^\dXx]", "", number.group())
            if len(digits) == 13 and _valid_isbn13(digits):
                yield digits
                break
            if len(digits) == 10 and _valid_isbn10(digits):
                yield _isbn10_to_13(digits)
                break


def _arxivs(text: str) -> Iterator[str]:
    """arXiv identifiers, labelled "arXiv:" or in an arxiv.org address, in text order."""
    found = [(m.start(), m.group(1)) for m in _ARXIV.finditer(text)]
    found += [(m.start(), m.group(1)) for m in _ARXIV_URL.finditer(text)]
    for _start, identifier in sorted(found):
        # an old-style subject class is upper case ("math.AG/0309136"): keep it as printed
        yield identifier if "/" in identifier else identifier.lower()


def _before_references(text: str) -> tuple[str, bool]:
    """The text before a references heading, and whether there was one."""
    heading = _REFERENCES_HEADING.search(text)
    return (text[: heading.start()], True) if heading else (text, False)


def _metadata_sources(info: dict[str, str]) -> list[tuple[str, str]]:
    """(key, value) pairs in the order a DOI is looked for: keys that name a DOI, then the
    Info fields publishers write one into, then the rest."""
    items = [(str(k), str(v)) for k, v in info.items() if v]
    named = [kv for kv in items if _DOI_KEY.match(kv[0])]

    def rank(kv: tuple[str, str]) -> int:
        key = kv[0].lstrip("/").lower()
        return _METADATA_FIELDS.index(key) if key in _METADATA_FIELDS else len(_METADATA_FIELDS)

    rest = sorted((kv for kv in items if kv not in named), key=rank)
    return named + rest


def _take(found: Identifiers, name: str, candidates: Iterator[str], where: str) -> None:
    """Keep the first candidate for identifier `name` unless one was found already."""
    if not getattr(found, name) and (value := next(candidates, "")):
        setattr(found, name, value)
        found.found_in[name] = where


def _from_metadata(info: dict[str, str], found: Identifiers) -> None:
    for key, value in _metadata_sources(info):
        name = key.lstrip("/").lower().rsplit(":", 1)[-1]
        # a field named "doi" may hold the bare DOI or a "doi:" / doi.org form of it
        _take(found, "doi", _dois(value), METADATA)
        _take(found, "isbn", _isbns(value, labelled=name == "isbn"), METADATA)
        _take(found, "arxiv", _arxivs(value), METADATA)


def _from_pages(pages: list[str], found: Identifiers) -> None:
    for number, page in enumerate(pages, 1):
        text, ends = _before_references(page)
        where = f"page {number} text"
        _take(found, "doi", _dois(text), where)
        _take(found, "isbn", _isbns(text), where)
        _take(found, "arxiv", _arxivs(text), where)
        if ends:
            return  # the rest is the references list: other works' identifiers


def find_identifiers(
    pages: list[str], info: dict[str, str] | None = None, first_pages: int = 3
) -> Identifiers:
    """The file's DOI, ISBN and arXiv identifier: from its PDF metadata first (`info`, as
    pypdfium2's `get_metadata_dict` or pypdf's `metadata` return it; keys compared without
    case), else the first one printed on its first `first_pages` pages, in reading order
    (so page 1 wins), up to a references heading."""
    found = Identifiers()
    if info:
        _from_metadata(info, found)
    _from_pages(pages[:first_pages], found)
    if not found.arxiv and (arxiv := _ARXIV_DOI.match(found.doi)):
        found.arxiv, found.found_in["arxiv"] = arxiv.group(1), found.found_in["doi"]
    return found
