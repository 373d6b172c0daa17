"""Bibliographies a reference manager or a word processor reads: CSL-JSON, RIS, BibTeX and
DOCX, from CSL items (app.styles.csl_item) or from an answer's sources.

A pinpoint page belongs to a citation, not to the work cited: the items stay clean (the
work's own fields only) and the pages an answer cited go into each item's note field
(CSL `note`, RIS `N1`, BibTeX `note`) as "cited: p. 12, p. 14". Every value is written
without control characters and on one line (RIS is line-based; BibTeX tools and DOCX's
XML reject control characters); BibTeX values lose backslashes and turn braces into
parentheses, as app.export's do, so no document text can open a TeX command or unbalance
an entry.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import rispy

from app.records import Source
from app.styles import csl_item, display_name, item_year, render_bibliography
from ingest.records import DocMetadata
from ingest.text import normalize_space, strip_controls

# CSL type -> RIS TY (RIS 2011 spec); types not listed are GEN
RIS_TYPES = {
    "article-journal": "JOUR",
    "article-magazine": "MGZN",
    "article-newspaper": "NEWS",
    "book": "BOOK",
    "chapter": "CHAP",
    "paper-conference": "CPAPER",
    "report": "RPRT",
    "thesis": "THES",
    "webpage": "ELEC",
    "document": "GEN",
}
# CSL type -> BibTeX entry type (@online is biblatex's, which Zotero and JabRef read);
# types not listed are @misc
BIBTEX_TYPES = {
    "article-journal": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "book": "book",
    "chapter": "incollection",
    "paper-conference": "inproceedings",
    "report": "techreport",
    "thesis": "phdthesis",
    "webpage": "online",
}
# the BibTeX field that holds an item's container-title, per entry type
BIBTEX_CONTAINER = {
    "article": "journal",
    "incollection": "booktitle",
    "inproceedings": "booktitle",
    "book": "series",
    "techreport": "series",
    "phdthesis": "school",
}
BIBTEX_CONTAINER_DEFAULT = "howpublished"

Items = Sequence[dict] | Sequence[Source]


def _one_line(value: object) -> str:
    return normalize_space(strip_controls(str(value)))


def cited_page(meta: DocMetadata | None, source: Source) -> str:
    """Where a source's passage is, as its note lists it: "p. xii" by the page's printed
    label when it is known, else "PDF p. 5" (the page's index in the file, which a
    reader's copy may number otherwise), else the section ("section 'Methods'")."""
    label = source.page_label or (meta.page_label(source.page) if meta else "")
    if label:
        return f"p. {label}"
    if source.page is not None:
        return f"PDF p. {source.page}"
    return source.locator


def source_metadata(source: Source) -> DocMetadata:
    """The bibliographic fields a Source carries (every answer's sources do), as the
    metadata a CSL item is made from when the catalog's is not at hand."""
    return DocMetadata(
        title=source.title,
        authors=source.authors,
        year=source.year,
        container=source.container,
        publisher=source.publisher,
        doi=source.doi,
        url=source.url,
        item_type=source.item_type,
        citation_key=source.citation_key,
    )


def items_from_sources(
    sources: Sequence[Source], metadata: Mapping[str, DocMetadata] | None = None
) -> list[dict]:
    """One CSL item per document among `sources`, in the order they are first cited,
    with the places cited in its note. `metadata` (doc_id -> DocMetadata, the catalog's)
    gives the fields a Source does not carry (DOI, type, container, page labels);
    without it an item has the source's title, authors and year."""
    metadata = metadata or {}
    pages: dict[str, list[str]] = {}
    first: dict[str, Source] = {}
    for source in sources:
        first.setdefault(source.doc_id, source)
        where = cited_page(metadata.get(source.doc_id), source)
        cited = pages.setdefault(source.doc_id, [])
        if where and where not in cited:
            cited.append(where)
    items = []
    for doc_id, source in first.items():
        meta = metadata.get(doc_id) or source_metadata(source)
        item = csl_item(doc_id, meta)
        if pages[doc_id]:
            item["note"] = "cited: " + ", ".join(pages[doc_id])
        items.append(item)
    return items


def as_items(items: Items, metadata: Mapping[str, DocMetadata] | None = None) -> list[dict]:
    """CSL items as given, or made from sources (`items_from_sources`)."""
    if items and isinstance(items[0], Source):
        return items_from_sources(items, metadata)  # type: ignore[arg-type]
    return [dict(item) for item in items]  # type: ignore[arg-type]


def to_csl_json(items: Items, metadata: Mapping[str, DocMetadata] | None = None) -> str:
    """A CSL-JSON array (what Zotero, pandoc and citeproc read), UTF-8 as written."""
    return json.dumps(as_items(items, metadata), ensure_ascii=False, indent=2) + "\n"


def to_ris(items: Items, metadata: Mapping[str, DocMetadata] | None = None) -> str:
    """RIS references (rispy): TY, TI, AU ("Family, Given" or an organisation's name),
    PY, DO, SN (ISBN), UR, T2 (container), PB (publisher) and N1 (the cited pages)."""
    records = []
    for item in as_items(items, metadata):
        record: dict[str, object] = {"type_of_reference": RIS_TYPES.get(item["type"], "GEN")}
        if item.get("title"):
            record["title"] = _one_line(item["title"])
        if item.get("author"):
            record["authors"] = [_one_line(display_name(n)) for n in item["author"]]
        if item_year(item):
            record["year"] = _one_line(item_year(item))
        for key, tag in (
            ("DOI", "doi"),
            ("ISBN", "issn"),
            ("container-title", "secondary_title"),
            ("publisher", "publisher"),
        ):
            if item.get(key):
                record[tag] = _one_line(item[key])
        if item.get("URL"):
            record["urls"] = [_one_line(item["URL"])]
        if item.get("note"):
            record["notes"] = [_one_line(item["note"])]
        records.append(record)
    return rispy.dumps(records)


def _fold_ascii(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", text.lower()))


def bibtex_key(item: dict) -> str:
    """author-year-firsttitleword, ASCII only: the rule of app.export.bibtex_key, so an
    item made from a source gets the key the Markdown export cites it by ([@key])."""
    names = item.get("author") or []
    author = display_name(names[0]).split(",")[0].split() if names else []
    word = next(iter(re.findall(r"[A-Za-z]{4,}", item.get("title", ""))), "doc")
    return _fold_ascii(f"{author[-1] if author else 'anon'}{item_year(item) or 'nd'}{word}")


def _library_key(item: dict) -> str:
    """The user's library's key, kept as written but for characters BibTeX cannot take
    in a key (space, comma, braces, quote, #, %, =, backslash)."""
    return re.sub(r"[\s,{}\"#%=\\~()]", "", strip_controls(str(item.get("citation-key", ""))))


def bibtex_keys(items: Sequence[dict]) -> list[str]:
    """Per item, its library key when it has one, else `bibtex_key`; a key already
    taken gets a, b, ... appended (as app.export.bibtex_keys does)."""
    keys, taken = [], set()
    for item in items:
        base = key = _library_key(item) or bibtex_key(item)
        suffix = iter("abcdefghijklmnopqrstuvwxyz")
        while key in taken:
            key = base + next(suffix, "z" + str(len(taken)))
        keys.append(key)
        taken.add(key)
    return keys


def _bib_value(text: object) -> str:
    return _one_line(text).replace("\\", "").replace("{", "(").replace("}", ")")


def _bib_name(name: dict[str, str]) -> str:
    """'Family, Given' (BibTeX's 'Family, Jr, Given' with a suffix) for a person; an
    organisation in braces, so BibTeX reads "World Bank" as one name, not Mr Bank."""
    if "literal" in name:
        return "{" + _bib_value(name["literal"]) + "}"
    parts = (name.get("family", ""), name.get("suffix", ""), name.get("given", ""))
    return _bib_value(", ".join(p for p in parts if p))


def to_bibtex(items: Items, metadata: Mapping[str, DocMetadata] | None = None) -> str:
    """BibTeX entries (bibtexparser's writer), one per item."""
    # bibtexparser and python-docx load with the first export, not with the chat (0.1 s)
    import bibtexparser
    from bibtexparser.model import Entry, Field

    items = as_items(items, metadata)
    library = bibtexparser.Library()
    for item, key in zip(items, bibtex_keys(items), strict=True):
        entry_type = BIBTEX_TYPES.get(item["type"], "misc")
        values = {
            "author": " and ".join(_bib_name(n) for n in item.get("author", [])),
            "title": _bib_value(item.get("title", "")),
            "year": _bib_value(item_year(item) or ""),
            BIBTEX_CONTAINER.get(entry_type, BIBTEX_CONTAINER_DEFAULT): _bib_value(
                item.get("container-title", "")
            ),
            ("institution" if entry_type == "techreport" else "publisher"): _bib_value(
                item.get("publisher", "")
            ),
            "doi": _bib_value(item.get("DOI", "")),
            "isbn": _bib_value(item.get("ISBN", "")),
            "url": _bib_value(item.get("URL", "")),
            "note": _bib_value(item.get("note", "")),
        }
        fields = [Field(k, v) for k, v in values.items() if v]
        library.add(Entry(entry_type, key, fields))
    return bibtexparser.write_string(library)


class _RunsParser(HTMLParser):
    """citeproc-py's HTML entry as (text, italic, bold, small caps, superscript,
    subscript) runs: the formatting a DOCX paragraph can carry."""

    _TAGS: ClassVar[dict[str, str]] = {
        "i": "italic",
        "b": "bold",
        "sup": "superscript",
        "sub": "subscript",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[tuple[str, frozenset[str]]] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        style = dict(attrs).get("style") or ""
        self._open.append("small_caps" if "small-caps" in style else self._TAGS.get(tag, ""))

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if data:
            self.runs.append((data, frozenset(f for f in self._open if f)))


def to_docx(
    items: Items,
    style: str,
    path: Path | str,
    metadata: Mapping[str, DocMetadata] | None = None,
) -> Path:
    """A Word document with a "References" heading and the bibliography in `style`,
    italics and all, each entry a paragraph with a hanging indent."""
    from docx import Document
    from docx.shared import Inches

    entries = render_bibliography(as_items(items, metadata), style, html=True)
    document = Document()
    document.add_heading("References", level=1)
    for entry in entries:
        parser = _RunsParser()
        parser.feed(entry)
        parser.close()
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Inches(0.5)
        paragraph.paragraph_format.first_line_indent = Inches(-0.5)
        for text, marks in parser.runs:
            run = paragraph.add_run(text)
            for mark in marks:
                setattr(run.font, mark, True)
    path = Path(path)
    document.save(str(path))
    return path
