"""Reference library: Zotero / Better BibTeX / RIS / CSL-JSON exports read, entries matched
to documents one to one, and every tie the evidence cannot break listed, not guessed."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from ingest.records import IngestError
from ingest.reference_library import (
    DocumentRef,
    LibraryEntry,
    match_library,
    read_library,
)

DATA = Path(__file__).parent / "data"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def bib_entry(key: str, title: str, *, doi: str = "", file: str = "") -> str:
    fields = [f"title = {{{title}}}", "year = {2019}"]
    fields += [f"doi = {{{doi}}}"] * bool(doi) + [f"file = {{{file}}}"] * bool(file)
    return f"@article{{{key},\n  " + ",\n  ".join(fields) + "\n}\n"


def library(tmp_path: Path, *entries: str) -> list[LibraryEntry]:
    return read_library(write(tmp_path, "refs.bib", "\n".join(entries)))


def keys(entries: list[LibraryEntry]) -> list[str]:
    return [e.key for e in entries]


# ------------------------------------------------------------------ reading BibTeX

ZOTERO_BIBTEX = r"""
@techreport{ozturk_governance_2019,
	title = {Gover{\'e}nance, Trust {\&} Local Elections in {T}{\"u}rkiye},
	author = {{\"O}zt{\"u}rk, Ay{\c s}e and {World Bank} and van der Berg, Jan},
	year = {2019},
	institution = {World Bank},
	url = {https://documents.worldbank.org/en/report_2019},
	doi = {10.1596/1813-9450-8912},
	file = {Full Text PDF:/z/AB12/Ozturk.pdf:application/pdf;Snapshot:C\:\\u\\snap.html:text/html},
}
"""


def test_zotero_bibtex_export_is_read_with_latex_accents_institutions_and_attachments(tmp_path):
    (entry,) = read_library(write(tmp_path, "zotero.bib", ZOTERO_BIBTEX))
    assert entry == LibraryEntry(
        key="ozturk_governance_2019",
        item_type="report",
        title="Goverénance, Trust & Local Elections in Türkiye",
        authors=["Öztürk, Ayşe", "World Bank", "van der Berg, Jan"],
        year=2019,
        container="",
        doi="10.1596/1813-9450-8912",
        url="https://documents.worldbank.org/en/report_2019",
        isbn="",
        files=[
            "/z/AB12/Ozturk.pdf",
            "C:\\u\\snap.html",
        ],
        origin="zotero.bib #1",
        publisher="World Bank",
    )


BETTER_BIBTEX = r"""
@article{mungiu2019control,
  title = {Controlling Corruption through Collective Action: {Evidence} from {Gda{\'n}sk}},
  shorttitle = {Controlling Corruption},
  author = {Mungiu, Alina and Nowak, Agnieszka and {Transparency International}},
  date = {2019-05},
  journaltitle = {Journal of Democracy},
  volume = {30},
  doi = {https://doi.org/10.1353/JOD.2019.0031},
  url = {https://example.org/papers/control%20corruption.pdf},
  isbn = {978-1-4648-1571-3},
  file = {/home/u/Zotero/storage/QW12/Mungiu et al. - 2019.pdf;/home/u/papers/appendix.pdf}
}
"""


def test_better_bibtex_export_is_read_with_a_biblatex_date_and_plain_file_paths(tmp_path):
    (entry,) = read_library(write(tmp_path, "My Library.bib", BETTER_BIBTEX))
    assert entry == LibraryEntry(
        key="mungiu2019control",
        item_type="article-journal",
        title="Controlling Corruption through Collective Action: Evidence from Gdańsk",
        authors=["Mungiu, Alina", "Nowak, Agnieszka", "Transparency International"],
        year=2019,
        container="Journal of Democracy",
        doi="10.1353/jod.2019.0031",
        # a "%" in a URL is a LaTeX comment to a decoder: verbatim fields are not decoded
        url="https://example.org/papers/control%20corruption.pdf",
        isbn="978-1-4648-1571-3",
        files=[
            "/home/u/Zotero/storage/QW12/Mungiu et al. - 2019.pdf",
            "/home/u/papers/appendix.pdf",
        ],
        origin="My Library.bib #1",
    )


def test_bibtex_entry_types_map_to_csl_types(tmp_path):
    types = [
        "article",
        "techreport",
        "report",
        "book",
        "incollection",
        "inbook",
        "inproceedings",
        "online",
        "phdthesis",
        "mastersthesis",
        "thesis",
        "unpublished",
    ]
    text = "".join(f"@{t}{{k{i}, title = {{T}}}}\n" for i, t in enumerate(types))
    text += "@misc{web, title = {W}, url = {https://example.org}}\n@Misc{plain, title = {P}}\n"
    entries = read_library(write(tmp_path, "types.bib", text))
    assert [e.item_type for e in entries] == [
        "article-journal",
        "report",
        "report",
        "book",
        "chapter",
        "chapter",
        "paper-conference",
        "webpage",
        "thesis",
        "thesis",
        "thesis",
        "document",
        "webpage",
        "document",
    ]
    assert [e.origin for e in entries[-2:]] == ["types.bib #13", "types.bib #14"]


def test_bibtex_container_is_journal_book_or_series_and_an_institution_the_publisher(tmp_path):
    text = (
        "@article{a, title={A}, journal={Governance}, date={2020-01-15}}\n"
        "@incollection{b, title={B}, booktitle={Handbook of Policy}, series={S}, year={n.d.}}\n"
        "@book{c, title={C}, series={Cambridge Studies in Comparative Politics}}\n"
        "@techreport{d, title={D}, institution={Asian Development Bank}, year={2004}}\n"
    )
    entries = read_library(write(tmp_path, "c.bib", text))
    assert [(e.container, e.publisher, e.year) for e in entries] == [
        ("Governance", "", 2020),
        ("Handbook of Policy", "", None),
        ("Cambridge Studies in Comparative Politics", "", None),
        ("", "Asian Development Bank", 2004),
    ]


# ------------------------------------------------------------------ reading RIS and CSL-JSON

ZOTERO_RIS = "\r\n".join(
    [
        "TY  - RPRT",
        "TI  - Decentralisation and Local Service Delivery in Côte d’Ivoire",
        "AU  - Koné, Aminata",
        "AU  - World Bank",
        "A1  - Müller, Jörg",
        "T2  - Policy Research Working Papers",
        "PY  - 2019///",
        "DO  - https://doi.org/10.1596/1813-9450-8000",
        "SN  - 1813-9450",
        "UR  - https://openknowledge.worldbank.org/handle/10986/31000",
        "L1  - file:///home/u/Zotero/storage/AB12/Kone%20-%202019.pdf",
        "L1  - /home/u/Zotero/storage/CD34/annex.pdf",
        "L2  - https://openknowledge.worldbank.org/full-text",
        "L4  - /home/u/Zotero/storage/EF56/map.png",
        "ER  - ",
        "",
        "TY  - BOOK",
        "TI  - Governing the Commons",
        "AU  - Ostrom, Elinor",
        "DA  - 1990/11/30/",
        "T2  - Political Economy of Institutions and Decisions",
        "SN  - 0-521-40599-8 (pbk.)",
        "ID  - ostrom1990",
        "ER  - ",
        "",
        "TY  - CHAP",
        "TI  - Audit Institutions",
        "BT  - The Oxford Handbook of Public Accountability",
        "Y1  - 2014",
        "SN  - 978-0-19-928498-7",
        "ER  - ",
        "",
        "TY  - JOUR",
        "TI  - Citizen Voice and State Response",
        "JO  - Governance",
        "ER  - ",
        *[
            f"TY  - {ty}\r\nTI  - t\r\nER  - "
            for ty in ("CONF", "ELEC", "WEB", "THES", "GEN", "MAP")
        ],
        "",
    ]
)


def test_zotero_ris_export_is_read(tmp_path):
    # Windows Zotero writes a BOM and CRLF line ends
    path = write(tmp_path, "export.ris", ZOTERO_RIS, encoding="utf-8-sig")
    report, book, chapter, article, *rest = read_library(path)
    assert report == LibraryEntry(
        key="",
        item_type="report",
        title="Decentralisation and Local Service Delivery in Côte d’Ivoire",
        authors=["Koné, Aminata", "World Bank", "Müller, Jörg"],
        year=2019,
        container="Policy Research Working Papers",
        doi="10.1596/1813-9450-8000",
        url="https://openknowledge.worldbank.org/handle/10986/31000",
        isbn="",  # 1813-9450 is the series' ISSN
        files=[
            "/home/u/Zotero/storage/AB12/Kone - 2019.pdf",
            "/home/u/Zotero/storage/CD34/annex.pdf",
            "/home/u/Zotero/storage/EF56/map.png",
        ],
        origin="export.ris #1",
    )
    assert (book.key, book.item_type, book.year, book.isbn) == (
        "ostrom1990",
        "book",
        1990,
        "0-521-40599-8",
    )
    assert book.container == "Political Economy of Institutions and Decisions"
    # a mistyped check digit is not an ISBN
    assert (chapter.item_type, chapter.container, chapter.year, chapter.isbn) == (
        "chapter",
        "The Oxford Handbook of Public Accountability",
        2014,
        "",
    )
    assert (article.item_type, article.container, article.year) == (
        "article-journal",
        "Governance",
        None,
    )
    assert [e.item_type for e in rest] == [
        "paper-conference",
        "webpage",
        "webpage",
        "thesis",
        "document",
        "document",
    ]


def test_csl_json_export_is_read(tmp_path):
    items = [
        {
            "id": "http://zotero.org/users/1/items/ABCD1234",
            "type": "chapter",
            "title": "Participatory Budgeting in São Paulo",
            "author": [
                {"family": "Wampler", "given": "Brian"},
                {"literal": "Instituto Pólis"},
                {"family": "Berg", "given": "Jan", "non-dropping-particle": "van der"},
            ],
            "issued": {"date-parts": [["2008", 6]]},
            "container-title": "Participatory Budgeting",
            "DOI": "doi:10.1596/978-0-8213-6923-4_CH3",
            "URL": "https://example.org/pb",
            "ISBN": "978-0-8213-6923-4",
        },
        {"id": 7, "title": "Untyped", "issued": {"raw": "May 2021"}},
        {"id": "x", "type": "webpage", "title": "No date", "issued": {"literal": "n.d."}},
    ]
    first, second, third = read_library(write(tmp_path, "zotero.json", json.dumps(items)))
    assert first == LibraryEntry(
        key="http://zotero.org/users/1/items/ABCD1234",
        item_type="chapter",
        title="Participatory Budgeting in São Paulo",
        authors=["Wampler, Brian", "Instituto Pólis", "van der Berg, Jan"],
        year=2008,
        container="Participatory Budgeting",
        doi="10.1596/978-0-8213-6923-4_ch3",
        url="https://example.org/pb",
        isbn="978-0-8213-6923-4",
        files=[],
        origin="zotero.json #1",
    )
    assert (second.key, second.item_type, second.year) == ("7", "document", 2021)
    assert (third.item_type, third.year) == ("webpage", None)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "broken.bib",
            "@article{a, title={Fine}}\n\n@article{b,\n  title = {Open\n\n@book{c, title={C}}\n",
            "entry at line 3 cannot be read: Unexpected block start: `@book`. "
            "Was still looking for field-value closing `}`",
        ),
        (
            "dup.bib",
            "@article{a, title={One}}\n@article{a, title={Two}}\n",
            "duplicate citation key 'a' (line 2)",
        ),
        ("empty.bib", "% exported by hand\n", "no BibTeX entries in the file"),
        ("wrong.ris", "@article{a, title={One}}\n", "no RIS entries in the file"),
        (
            "cut.ris",
            "TY  - JOUR\nTI  - One\nER  - \nTY  - JOUR\nTI  - Two\n",
            "1 of 2 records end without an 'ER  -' line",
        ),
        (
            "bad.json",
            '[{"id": "a",}]',
            "not valid JSON (line 1: Expecting property name enclosed in double quotes)",
        ),
        ("obj.json", '{"items": []}', "not CSL-JSON: expected a list of items"),
        ("mixed.json", '[{"id": "a"}, "b"]', "not CSL-JSON: item 2 is not an object"),
        ("refs.txt", "anything", "unknown library format '.txt' (expected .bib, .ris, .json)"),
        ("binary.bib", "\x00\x01PK\x03\x04", "binary content (NUL bytes), not a text file"),
    ],
)
def test_an_unreadable_library_is_one_ingest_error_naming_the_file(tmp_path, name, content, reason):
    path = write(tmp_path, name, content)
    with pytest.raises(IngestError) as raised:
        read_library(path)
    assert raised.value.reason == reason
    assert str(raised.value) == f"{path}: {reason}"


def test_a_missing_library_is_an_ingest_error(tmp_path):
    with pytest.raises(IngestError, match=r"gone\.bib: cannot read the library: No such file"):
        read_library(tmp_path / "gone.bib")


# ------------------------------------------------------------------ matching, level by level


def test_attachment_path_matches_after_expanding_home_and_resolving_links(tmp_path, monkeypatch):
    home = tmp_path / "home"
    first = write(home, "Zotero/storage/AB12/paper.pdf", "%PDF")
    second = write(home, "Zotero/storage/CD34/paper.pdf", "%PDF")
    (tmp_path / "linked").symlink_to(second.parent)
    monkeypatch.setenv("HOME", str(home))
    entries = library(
        tmp_path,
        bib_entry("a", "Paper One", file="~/Zotero/storage/AB12/paper.pdf"),
        bib_entry(
            "b", "Paper Two", file=f"Full Text PDF:{tmp_path}/linked/paper.pdf:application/pdf"
        ),
    )
    documents = [
        DocumentRef("d2", str(second.resolve()), "Some other title"),
        DocumentRef("d1", str(first.resolve()), ""),
    ]
    result = match_library(entries, documents)
    assert [(m.doc_id, m.entry.key, m.how) for m in result.matches] == [
        ("d2", "b", "attachment path"),
        ("d1", "a", "attachment path"),
    ]
    assert (result.unmatched_entries, result.unmatched_documents, result.ambiguous) == ([], [], [])


def test_attachment_file_name_matches_only_when_unique_among_documents_and_entries(tmp_path):
    composed = unicodedata.normalize("NFC", "Müller - 2018.pdf")
    decomposed = unicodedata.normalize("NFD", composed)
    entries = library(
        tmp_path,
        # exported on another machine: the paths are not this one's, the names are
        bib_entry("stale", "Paper One", file=f"/Users/ana/Zotero/storage/XY/{composed}"),
        bib_entry(
            "windows", "Paper Two", file=r"Full Text PDF:C\:\\Users\\ana\\Two.pdf:application/pdf"
        ),
        bib_entry("relative", "Paper Three", file="files/12/Three.pdf"),
        bib_entry("report", "Paper Four", file="/Users/ana/report.pdf"),  # two documents named so
        bib_entry("shared1", "Paper Five", file="/Users/ana/a/shared.pdf"),  # two entries name it
        bib_entry("shared2", "Paper Six", file="/Users/ana/b/shared.pdf"),
    )
    documents = [
        DocumentRef("one", f"/srv/corpus/{decomposed}", ""),
        DocumentRef("two", "/srv/corpus/Two.pdf", ""),
        DocumentRef("three", "/srv/corpus/Three.pdf", ""),
        DocumentRef("kenya", "/srv/corpus/kenya/report.pdf", ""),
        DocumentRef("uganda", "/srv/corpus/uganda/report.pdf", ""),
        DocumentRef("shared", "/srv/corpus/shared.pdf", ""),
    ]
    result = match_library(entries, documents)
    assert [(m.doc_id, m.entry.key, m.how) for m in result.matches] == [
        ("one", "stale", "attachment file name"),
        ("two", "windows", "attachment file name"),
        ("three", "relative", "attachment file name"),
    ]
    assert keys(result.unmatched_entries) == ["report", "shared1", "shared2"]
    assert [d.doc_id for d in result.unmatched_documents] == ["kenya", "uganda", "shared"]
    assert result.ambiguous == []  # a name that is not unique is no evidence, not a tie


def test_doi_matches_across_the_ways_it_is_written(tmp_path):
    entries = library(
        tmp_path,
        bib_entry("a", "Paper One", doi="10.1016/j.worlddev.2018.07.021"),
        bib_entry("b", "Paper Two", doi="https://doi.org/10.1177/0020852319867402"),
        bib_entry("c", "Paper Three", doi=r"10.1007/978-3-030-64771-1\_4"),
    )
    documents = [
        DocumentRef(
            "one", "/srv/1.pdf", "", doi="https://dx.doi.org/10.1016/J.WORLDDEV.2018.07.021"
        ),
        DocumentRef("two", "/srv/2.pdf", "", doi="doi: 10.1177/0020852319867402"),
        DocumentRef("three", "/srv/3.pdf", "", doi="10.1007/978-3-030-64771-1_4"),
    ]
    result = match_library(entries, documents)
    assert [(m.doc_id, m.entry.key, m.how) for m in result.matches] == [
        ("one", "a", "DOI"),
        ("two", "b", "DOI"),
        ("three", "c", "DOI"),
    ]


def test_title_matches_ignoring_case_accents_and_punctuation(tmp_path):
    entries = library(
        tmp_path,
        bib_entry("porto", "Participatory Budgeting in Porto Alegre: Deliberation and Its Limits"),
        bib_entry("sp", r"Neighbourhood Associations in {S}{\~a}o {P}aulo's Periphery"),
        bib_entry("blr", "Citizen Report Cards and Public Service Accountability"),
    )
    documents = [
        DocumentRef(
            "a",
            "/srv/a.pdf",
            "PARTICIPATORY BUDGETING IN PORTO ALEGRE — DELIBERATION AND ITS LIMITS",
        ),
        DocumentRef("b", "/srv/b.pdf", "Neighbourhood associations in Sao Paulo’s periphery"),
        DocumentRef("c", "/srv/c.pdf", "Citizen report cards and public-service accountability"),
        DocumentRef("d", "/srv/d.pdf", "Citizen Report Cards and Public Service"),
    ]
    result = match_library(entries, documents)
    assert [(m.doc_id, m.entry.key, m.how) for m in result.matches] == [
        ("a", "porto", "title"),
        ("b", "sp", "title"),
        ("c", "blr", "title"),
    ]
    assert [d.doc_id for d in result.unmatched_documents] == ["d"]


def test_short_titles_never_match(tmp_path):
    entries = library(
        tmp_path,
        bib_entry("intro", "Introduction"),
        bib_entry("annual", "Annual Report"),
        bib_entry("acc", "Accountability"),  # one word, 14 characters
        bib_entry("dec", "Decentralisation"),  # one word, 16 characters: long enough
        bib_entry("commons", "Governing the Commons"),  # three words: long enough
    )
    documents = [
        DocumentRef(name, f"/srv/{name}.pdf", title)
        for name, title in [
            ("i", "Introduction"),
            ("r", "ANNUAL REPORT"),
            ("a", "Accountability"),
            ("d", "decentralisation"),
            ("c", "Governing the commons"),
        ]
    ]
    result = match_library(entries, documents)
    assert [(m.doc_id, m.entry.key) for m in result.matches] == [("d", "dec"), ("c", "commons")]
    assert keys(result.unmatched_entries) == ["intro", "annual", "acc"]
    assert result.ambiguous == []


def test_a_title_match_is_refused_when_both_dois_are_known_and_differ(tmp_path):
    entries = library(
        tmp_path,
        bib_entry(
            "pub",
            "The Politics of Service Delivery Reform in Kenya",
            doi="10.1017/s0022278x19000123",
        ),
        bib_entry("nodoi", "Community Forestry and Elite Capture in Nepal"),
    )
    documents = [
        DocumentRef(
            "wp",
            "/srv/wp.pdf",
            "The Politics of Service Delivery Reform in Kenya",
            doi="10.2139/ssrn.3311",
        ),
        DocumentRef(
            "np", "/srv/np.pdf", "Community Forestry and Elite Capture in Nepal", doi="10.1/x"
        ),
    ]
    result = match_library(entries, documents)
    assert [(m.doc_id, m.entry.key, m.how) for m in result.matches] == [("np", "nodoi", "title")]
    assert keys(result.unmatched_entries) == ["pub"]


# ------------------------------------------------------------------ precedence and ambiguity


def test_an_attachment_path_match_beats_a_conflicting_doi(tmp_path):
    paper = write(tmp_path, "corpus/paper.pdf", "%PDF")
    entries = library(
        tmp_path,
        bib_entry("cited", "A Paper the Document Cites", doi="10.1111/gove.12144"),
        bib_entry("attached", "Fiscal Decentralization in Thailand", file=str(paper)),
    )
    document = DocumentRef(
        "doc", str(paper.resolve()), "Fiscal Decentralization in Thailand", doi="10.1111/GOVE.12144"
    )
    result = match_library(entries, [document])
    assert [(m.doc_id, m.entry.key, m.how) for m in result.matches] == [
        ("doc", "attached", "attachment path")
    ]
    assert keys(result.unmatched_entries) == ["cited"]
    assert result.ambiguous == []


def test_a_doi_match_beats_a_title_match(tmp_path):
    entries = library(
        tmp_path,
        bib_entry("same-title", "Decentralised Forest Governance in Nepal"),
        bib_entry(
            "same-doi",
            "Forest Governance in Nepal (Accepted Version)",
            doi="10.1016/j.forpol.2015.01.004",
        ),
    )
    document = DocumentRef(
        "doc",
        "/srv/doc.pdf",
        "Decentralised Forest Governance in Nepal",
        doi="10.1016/j.forpol.2015.01.004",
    )
    result = match_library(entries, [document])
    assert [(m.entry.key, m.how) for m in result.matches] == [("same-doi", "DOI")]
    assert keys(result.unmatched_entries) == ["same-title"]


def test_two_candidates_at_one_level_are_listed_as_ambiguous_not_guessed(tmp_path):
    title = "Decentralization and Local Governance in Developing Countries"
    entries = library(
        tmp_path,
        bib_entry("book", title),
        bib_entry("chapter", title.upper()),
        bib_entry("report", "Municipal Finances and Local Accountability in East Asia"),
    )
    documents = [
        DocumentRef("dlg", "/srv/dlg.pdf", title),
        DocumentRef(
            "wb-2019", "/srv/wb.pdf", "Municipal finances and local accountability in East Asia"
        ),
        DocumentRef(
            "wb-2019-copy",
            "/srv/wb-copy.pdf",
            "Municipal Finances and Local Accountability in East Asia",
        ),
    ]
    result = match_library(entries, documents)
    assert result.matches == []
    assert [(e.key, docs) for e, docs in result.ambiguous] == [
        ("book", ["dlg"]),
        ("chapter", ["dlg"]),
        ("report", ["wb-2019", "wb-2019-copy"]),
    ]
    # everything not matched is listed as unmatched, the ambiguous included
    assert keys(result.unmatched_entries) == ["book", "chapter", "report"]
    assert [d.doc_id for d in result.unmatched_documents] == ["dlg", "wb-2019", "wb-2019-copy"]
    assert result.report_lines() == [
        f'dlg: not matched, could be refs.bib #1 book "{title}"; '
        f'refs.bib #2 chapter "{title.upper()}"',
        'wb-2019: not matched, could be refs.bib #3 report "Municipal Finances and Local '
        'Accountability in East Asia"',
        'wb-2019-copy: not matched, could be refs.bib #3 report "Municipal Finances and Local '
        'Accountability in East Asia"',
        f'refs.bib #1 book "{title}": not matched, could be dlg',
        f'refs.bib #2 chapter "{title.upper()}": not matched, could be dlg',
        'refs.bib #3 report "Municipal Finances and Local Accountability in East Asia": '
        "not matched, could be wb-2019, wb-2019-copy",
    ]


def test_an_entry_attaching_two_ingested_files_is_ambiguous(tmp_path):
    main = write(tmp_path, "storage/AB/report.pdf", "%PDF")
    annex = write(tmp_path, "storage/AB/annex.pdf", "%PDF")
    entries = library(tmp_path, bib_entry("r", "Report With Annex", file=f"{main};{annex}"))
    documents = [
        DocumentRef("main", str(main), "Report With Annex"),
        DocumentRef("annex", str(annex), ""),
    ]
    result = match_library(entries, documents)
    assert result.matches == []
    assert [(e.key, docs) for e, docs in result.ambiguous] == [("r", ["main", "annex"])]


def test_a_tie_at_a_stronger_level_is_not_broken_by_a_weaker_one(tmp_path):
    paper = write(tmp_path, "storage/paper.pdf", "%PDF")
    entries = library(
        tmp_path,
        bib_entry("dup1", "Duplicate Item in the Library", file=str(paper), doi="10.1/abc"),
        bib_entry("dup2", "Duplicate Item in the Library", file=str(paper)),
    )
    result = match_library(
        entries, [DocumentRef("doc", str(paper), "Duplicate Item in the Library", doi="10.1/abc")]
    )
    assert result.matches == []
    assert [(e.key, docs) for e, docs in result.ambiguous] == [("dup1", ["doc"]), ("dup2", ["doc"])]


# ------------------------------------------------------------------ a real-sized library

Z = "/home/ana/Zotero/storage/"
C = "/srv/govqa/corpus/"
# document n is what entry n of library-30.bib describes, for n up to 24
LIBRARY_30_SOURCES = {
    # matched by attachment path: the ingested file is the one Zotero stores
    "d01": Z + "7QX2MD4A/Kachonrak and Pimentel - 2021 - Fiscal Decentralization.pdf",
    "d02": Z + "H3K9PL2B/World Bank - 2019 - Municipal Finances.pdf",
    "d03": Z + "2VBN8TQE/Muller und Nowak - 2018 - Co-Production.pdf",
    "d04": Z + "Q8TR4ZXW/Perez-Linan - 2017 - Presidential Impeachment.pdf",
    "d05": Z + "MM4K2R7C/Osei and Boateng - 2020 - Mobile Money.pdf",
    "d06": Z + "ZK3P9WQ1/multi-level-governance-reforms-2022.html",
    "d07": Z + "B7WQ2L5N/Santos - 2016 - Participatory Councils.pdf",
    "d08": Z + "XC2J8HBV/Rothberg and Kovacs - 2015 - Anti-Corruption Agencies.pdf",
    "d09": Z + "U6NDP20C/UNDP - 2020 - Local Governance and Social Cohesion.pdf",
    "d10": Z + "CH19PT4E/Chen and Li - 2019 - Performance Targets.pdf",
    # matched by file name: the library was exported on another machine
    "d11": C + "Ribeiro - 2012 - Water User Associations.pdf",
    "d12": C + "Macuacua and Linden - 2014 - Traditional Authorities.pdf",
    "d13": C + "Haque-2015-Union-Parishads.pdf",
    "d14": C + "Okafor and Mensah - 2020 - Metropolitan Governance in Africa.pdf",
    "d15": C + "Wibowo - 2011 - Community-Driven Development in Indonesia.pdf",
    # matched by DOI (d16's and d20's titles agree too: DOI comes first)
    "d16": C + "adeyemi.pdf",
    "d17": C + "lindqvist.pdf",
    "d18": C + "morales.pdf",
    "d19": C + "nowak.pdf",
    "d20": C + "tran.pdf",
    # matched by title
    "d21": C + "porto-alegre.pdf",
    "d22": C + "sao-paulo.pdf",
    "d23": C + "bangalore.pdf",
    "d24": C + "nepal.pdf",
    # not matched: two entries share its title; a title too short; a file name two
    # documents share (twice); a title whose DOI contradicts the entry's; nothing at all
    "d25": C + "dlg.pdf",
    "d26": C + "intro.pdf",
    "d27": C + "kenya/report.pdf",
    "d28": C + "uganda/report.pdf",
    "d29": C + "wanjiru-wp.pdf",
    "d30": C + "minutes-2017-03.pdf",
}
LIBRARY_30_TITLES = {
    "d01": "Fiscal Decentralization and Provincial Service Delivery in Thailand",
    "d03": "Co-Production of Public Services",
    "d05": "Mobile Money and Local Revenue Collection",
    "d06": "Multi-level governance reforms",
    "d16": "Budget Transparency and Legislative Oversight in Nigerian States",
    "d18": "Contracting Out and Accountability",
    "d20": "Grievance Redress Mechanisms and Citizen Trust in Vietnamese Provinces",
    "d21": "PARTICIPATORY BUDGETING IN PORTO ALEGRE — DELIBERATION, REDISTRIBUTION, AND ITS LIMITS",
    "d22": "Neighbourhood associations in Sao Paulo’s periphery",
    "d23": "Citizen report cards and public-service accountability in Bangalore",
    "d24": "Decentralised forest governance in Nepal : community user groups after two decades",
    "d25": "Decentralization and local governance in developing countries: "
    "a comparative perspective",
    "d26": "Introduction",
    "d27": "County Government Budget Implementation Review",
    "d28": "Local Government Finance Commission Annual Report",
    "d29": "The Politics of Service Delivery Reform in Kenya",
    "d30": "Minutes of the District Council Meeting, March 2017",
}
LIBRARY_30_DOIS = {
    "d08": "10.1111/gove.12144",
    # its first page prints the DOI of an article it cites (entry 30): the path decides
    "d10": "10.1561/100.00017123",
    "d16": "https://doi.org/10.1016/J.WORLDDEV.2018.07.021",
    "d17": "10.1177/0020852319867402",
    "d18": "doi:10.1093/JOPART/MUZ012",
    "d19": "10.1007/978-3-030-64771-1_4",
    "d20": "10.1080/01900692.2020.1742739",
    "d29": "10.1017/s0022278x19000999",
}


def test_a_library_of_30_entries_matches_30_documents():
    entries = read_library(DATA / "library-30.bib")
    assert len(entries) == 30
    documents = [
        DocumentRef(i, source, LIBRARY_30_TITLES.get(i, ""), LIBRARY_30_DOIS.get(i, ""))
        for i, source in LIBRARY_30_SOURCES.items()
    ]
    assert len(documents) == 30
    result = match_library(entries, documents)

    assert Counter(m.how for m in result.matches) == {
        "attachment path": 10,
        "attachment file name": 5,
        "DOI": 5,
        "title": 4,
    }
    # document n is entry n for the 24 that match: no pair is crossed
    assert [(m.doc_id, m.entry.origin) for m in result.matches] == [
        (f"d{n:02}", f"library-30.bib #{n}") for n in range(1, 25)
    ]
    assert [(m.doc_id, m.how) for m in result.matches if m.doc_id in ("d10", "d16", "d21")] == [
        ("d10", "attachment path"),
        ("d16", "DOI"),
        ("d21", "title"),
    ]
    assert [(e.key, docs) for e, docs in result.ambiguous] == [
        ("hadley2006decentralization", ["d25"]),
        ("hadley2006decentralizationch1", ["d25"]),
    ]
    assert keys(result.unmatched_entries) == [
        "hadley2006decentralization",
        "hadley2006decentralizationch1",
        "okoth2006introduction",
        "mof2018annual",
        "wanjiru2019kenya",
        "souza2018audits",
    ]
    assert [d.doc_id for d in result.unmatched_documents] == [f"d{n}" for n in range(25, 31)]

    lines = result.report_lines()
    assert len(lines) == 36  # one per document, one per unmatched entry
    assert lines[0] == (
        'd01: library-30.bib #1 kachonrak2021 "Fiscal Decentralization and Provincial Service '
        'Delivery in Thailand", by attachment path'
    )
    assert lines[28] == "d29: no library entry"
    assert lines[-1] == (
        'library-30.bib #30 souza2018audits "Audits, Elections and Local Corruption: Evidence '
        'from Brazilian Municipalities": no ingested document'
    )
