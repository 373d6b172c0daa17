"""Bibliography exports: every format, read back with the library a reader's tool would use
(json, rispy, bibtexparser, python-docx), gives back each item's title, authors, year,
DOI, URL, type and container; an answer's cited pages travel in the note, never in the
item; keys follow the Markdown export's; document text cannot break a file."""

from __future__ import annotations

import json
from pathlib import Path

import bibtexparser
import docx
import pytest
import rispy
from bibtexparser import middlewares

from app.bibliography import (
    BIBTEX_CONTAINER,
    BIBTEX_CONTAINER_DEFAULT,
    BIBTEX_TYPES,
    RIS_TYPES,
    bibtex_keys,
    cited_page,
    items_from_sources,
    to_bibtex,
    to_csl_json,
    to_docx,
    to_ris,
)
from app.export import bibtex_keys as markdown_bibtex_keys
from app.records import Source
from app.styles import csl_item, csl_name, item_year, render_bibliography
from ingest.records import DocMetadata
from tests.support.citations import ARTICLE, METADATA

# round trips compare a type only where the format can hold it one to one
ROUND_TRIP_TYPES = {"article-journal", "book", "report", "webpage", "document"}


def library_items() -> list[dict]:
    """Every kind of item, one with a library key and a cited page, one whose author is
    a person with a suffix."""
    items = [ARTICLE | {"note": "cited: p. 545"}]
    for name, meta in METADATA.items():
        items.append(csl_item(name, meta))
    items[1]["citation-key"] = "ansell2008collab"
    king = DocMetadata(title="Why we can't wait", authors=["King, Martin Luther, Jr."], year=1964)
    items.append(csl_item("king", king.model_copy(update={"item_type": "book"}), page="7"))
    issued = DocMetadata(
        title="Budget transparency in secondary cities",
        authors=["World Bank"],
        year=2018,
        item_type="report",
        publisher="World Bank Publications",
    )
    items.append(csl_item("issued", issued))
    return items


def names(item: dict) -> list[dict]:
    return item.get("author", [])


def source(n: int, doc_id: str, meta: DocMetadata, page: int | None, section: str = "") -> Source:
    return Source(
        n, doc_id, f"{doc_id}-c{n}", meta.title, meta.authors, meta.year, page, section,
        f"{doc_id}.pdf", "passage",
    )  # fmt: skip


def test_csl_json_round_trip() -> None:
    items = library_items()
    assert json.loads(to_csl_json(items)) == items
    assert "Wiśniewski" in to_csl_json(items)  # UTF-8 as written, not \u escapes


def test_ris_round_trip() -> None:
    items = library_items()
    records = rispy.loads(to_ris(items))
    assert len(records) == len(items)
    ris_to_csl = {ty: csl for csl, ty in RIS_TYPES.items()}
    for item, record in zip(items, records, strict=True):
        if item["type"] in ROUND_TRIP_TYPES:
            assert ris_to_csl[record["type_of_reference"]] == item["type"]
        assert record.get("title") == item.get("title")
        # RIS has no mark for an organisation: its name is read back as one
        assert [csl_name(a) for a in record.get("authors", [])] == names(item)
        assert record.get("year") == (str(item_year(item)) if item_year(item) else None)
        assert record.get("doi") == item.get("DOI")
        assert record.get("urls", [None])[0] == item.get("URL")
        assert record.get("secondary_title") == item.get("container-title")
        assert record.get("issn") == item.get("ISBN")
        assert record.get("notes", [None])[0] == item.get("note")
        assert record.get("publisher") == item.get("publisher")


def parse_bibtex(text: str) -> bibtexparser.Library:
    library = bibtexparser.parse_string(
        text, append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
    )
    assert not library.failed_blocks
    return library


def bibtex_name(parts: middlewares.NameParts) -> dict[str, str]:
    last = " ".join(parts.von + parts.last)
    if last.startswith("{") and last.endswith("}") and not parts.first:
        return {"literal": last[1:-1]}
    name = {"family": last, "given": " ".join(parts.first)}
    return name | ({"suffix": " ".join(parts.jr)} if parts.jr else {})


def test_bibtex_round_trip() -> None:
    items = library_items()
    entries = parse_bibtex(to_bibtex(items)).entries
    assert len(entries) == len(items)
    bib_to_csl = {"article": "article-journal", "book": "book", "techreport": "report"}
    bib_to_csl |= {"online": "webpage", "misc": "document"}
    assert {BIBTEX_TYPES.get(t, "misc") for t in ROUND_TRIP_TYPES} == set(bib_to_csl)
    for item, entry in zip(items, entries, strict=True):
        fields = {k: f.value for k, f in entry.fields_dict.items()}
        assert bib_to_csl[entry.entry_type] == item["type"]
        assert fields.get("title") == item.get("title")
        assert [bibtex_name(p) for p in fields.get("author", [])] == names(item)
        assert fields.get("year") == (str(item_year(item)) if item_year(item) else None)
        assert fields.get("doi") == item.get("DOI")
        assert fields.get("url") == item.get("URL")
        assert fields.get("isbn") == item.get("ISBN")
        container = BIBTEX_CONTAINER.get(entry.entry_type, BIBTEX_CONTAINER_DEFAULT)
        assert fields.get(container) == item.get("container-title")
        assert fields.get("note") == item.get("note")
        issuer = "institution" if entry.entry_type == "techreport" else "publisher"
        assert fields.get(issuer) == item.get("publisher")
    assert any(item.get("publisher") for item in items)
    assert [e.key for e in entries] == bibtex_keys(items)
    # the library's key where there is one, else author-year-word, a/b on a clash
    assert [e.key for e in entries][:3] == [
        "ansell2008collaborative",
        "ansell2008collab",
        "oecd2019open",
    ]


def holds_fields(text: str, item: dict) -> bool:
    """Whether an entry's text holds the item's authors, year, DOI, URL and container."""
    wanted = [n.get("family", n.get("literal", "")) for n in names(item)]
    wanted += [str(item_year(item) or "n.d."), item.get("URL", "")]
    wanted += ["https://doi.org/" + item["DOI"] if "DOI" in item else ""]
    container = item.get("container-title", "").casefold()
    return all(w in text for w in wanted) and container in text.casefold()


def test_docx_round_trip(tmp_path: Path) -> None:
    """The paragraphs read back are the styled entries; each holds its item's fields (a
    DOCX bibliography has no field for the type)."""
    items = library_items()
    for style in ("apa", "chicago"):
        path = to_docx(items, style, tmp_path / f"refs-{style}.docx")
        paragraphs = docx.Document(str(path)).paragraphs
        assert paragraphs[0].text == "References"
        assert paragraphs[0].style.name == "Heading 1"
        entries = render_bibliography(items, style)
        assert [p.text for p in paragraphs[1:]] == entries
        for item in items:
            texts = [
                p.text for p in paragraphs[1:] if item["title"].casefold() in p.text.casefold()
            ]
            assert any(holds_fields(text, item) for text in texts), (style, item["id"])
        assert not any("cited:" in p.text for p in paragraphs)  # pages are not references
    # the journal's name is italic, as APA sets it
    apa = docx.Document(str(tmp_path / "refs-apa.docx")).paragraphs
    journal = [r for p in apa for r in p.runs if r.text == ARTICLE["container-title"]]
    assert journal and all(r.italic for r in journal)
    assert apa[1].paragraph_format.first_line_indent < 0  # hanging indent


def test_sources_carry_cited_pages_in_the_note() -> None:
    meta = METADATA["article"].model_copy(update={"page_labels": ["", "", "545", "546"]})
    oecd = METADATA["report"]
    sources = [
        source(1, "a", meta, 3),
        source(2, "r", oecd, None, "Methods"),
        source(3, "a", meta, 4),
        source(4, "a", meta, 9),  # past the known labels: cited by its index, marked
        source(5, "a", meta, 3),
    ]
    items = items_from_sources(sources, {"a": meta, "r": oecd})
    assert [i["id"] for i in items] == ["a", "r"]
    assert items[0]["note"] == "cited: p. 545, p. 546, PDF p. 9"
    assert items[1]["note"] == "cited: section 'Methods'"
    assert items[0]["DOI"] == "10.1093/jopart/mum032"  # from the catalog's metadata
    assert "page" not in items[0] and "locator" not in items[0]
    # without metadata: the source's own fields, pages by index
    (plain,) = items_from_sources([source(1, "a", meta, 3)])
    assert plain == {
        "id": "a",
        "type": "document",
        "title": meta.title,
        "author": [{"family": "Ansell", "given": "Chris"}, {"family": "Gash", "given": "Alison"}],
        "issued": {"date-parts": [[2008]]},
        "note": "cited: PDF p. 3",
    }
    # the exports take sources as they take items
    assert rispy.loads(to_ris(sources))[0]["notes"] == ["cited: PDF p. 3, PDF p. 4, PDF p. 9"]
    assert json.loads(to_csl_json(sources, {"a": meta, "r": oecd})) == items
    assert cited_page(None, source(1, "x", meta, None)) == ""


def test_keys_match_the_markdown_export() -> None:
    """An answer's BibTeX and its Markdown ([@key]) name each document alike."""
    sources = [
        source(1, "a", METADATA["article"], 1),
        source(2, "b", METADATA["article"].model_copy(update={"title": "Collaborative x"}), 2),
        source(3, "w", METADATA["webpage"], 1),
        source(4, "t", METADATA["thai"], 1),
        source(5, "n", METADATA["bare"], 1),
        source(6, "a", METADATA["article"], 4),
    ]
    expected = markdown_bibtex_keys(sources)
    keys = [e.key for e in parse_bibtex(to_bibtex(sources)).entries]
    assert keys == [expected[d] for d in ("a", "b", "w", "t", "n")]
    assert keys[:2] == ["ansell2008collaborative", "ansell2008collaborativea"]


@pytest.mark.parametrize("fmt", ["ris", "bibtex", "json", "docx"])
def test_document_text_cannot_break_a_file(fmt: str, tmp_path: Path) -> None:
    """A title with a line break, control characters, braces and a TeX command stays one
    field of one entry."""
    hostile = {
        "id": "h",
        "type": "report",
        "title": "Budgets}\n@misc{evil, title={x}\nER  - \x1b[2J\\input{/etc/passwd}",
        "author": [{"literal": "Council}, {x"}],
    }
    if fmt == "ris":
        (record,) = rispy.loads(to_ris([hostile]))
        assert record["title"] == "Budgets} @misc{evil, title={x} ER - [2J\\input{/etc/passwd}"
    elif fmt == "bibtex":
        (entry,) = parse_bibtex(to_bibtex([hostile])).entries
        assert entry.fields_dict["title"].value == (
            "Budgets) @misc(evil, title=(x) ER - [2Jinput(/etc/passwd)"
        )
        assert "\\" not in to_bibtex([hostile])
    elif fmt == "json":
        assert json.loads(to_csl_json([hostile])) == [hostile]  # JSON escapes it itself
    else:
        path = to_docx([hostile], "apa", tmp_path / "h.docx")
        (entry,) = [p.text for p in docx.Document(str(path)).paragraphs[1:]]
        assert "\x1b" not in entry and "Budgets}" in entry
