"""Citation styles: APA 7th and Chicago author-date (and citeproc-py's Harvard) render the
kinds of documents a governance library holds as the style guides write them, with the
fixes citeproc-py needs, and one item it cannot render never costs the bibliography.

The expected strings were read against the APA Publication Manual (7th ed., ch. 9-10)
and the Chicago Manual of Style (18th ed., ch. 13 author-date). Plain text loses the
italics (the HTML test keeps them)."""

from __future__ import annotations

import html
import logging

import pytest

from app.citeproc_fixes import chicago16_last_page, collation_key
from app.styles import (
    STYLES,
    StyleError,
    csl_item,
    csl_name,
    disambiguate,
    fallback_entry,
    render_bibliography,
    render_citation,
)
from ingest.records import DocMetadata
from tests.support.citations import ARTICLE, METADATA


def item(name: str) -> dict:
    return csl_item(name, METADATA[name])


def entry(name_or_item: str | dict, style: str) -> str:
    data = item(name_or_item) if isinstance(name_or_item, str) else name_or_item
    (only,) = render_bibliography([data], style)
    return only


APA = {
    "article": "Ansell, C., & Gash, A. (2008). Collaborative governance in theory and "
    "practice. Journal of Public Administration Research and Theory. "
    "https://doi.org/10.1093/jopart/mum032",
    "report": "OECD. (2019). Open government data in Thailand. "
    "https://www.oecd.org/gov/open-government-data-thailand.htm",
    # no retrieval date is known, and the style prints "Retrieved" then the URL
    "webpage": "Kowalska, M., & Wiśniewski, Ł. (n.d.). How participatory budgeting works. "
    "Civic Budgets. Retrieved https://example.org/pb",
    "book": "Ostrom, E. (1990). Governing the commons: The evolution of institutions for "
    "collective action.",
    # no author: the title moves to the author's place, once
    "bare": "Community forest management in Nan province. (n.d.).",
    "thai": "สมชาย ใจดี. (2017). การกระจายอำนาจสู่องค์กรปกครองส่วนท้องถิ่น.",
}

CHICAGO = {
    # an article with a DOI and a year but no volume or pages is, to Chicago's style,
    # published ahead of print (DocMetadata holds no volume or pages)
    "article": "Ansell, Chris, and Alison Gash. 2008. “Collaborative Governance in Theory "
    "and Practice.” Journal of Public Administration Research and Theory, ahead of print. "
    "https://doi.org/10.1093/jopart/mum032.",
    "report": "OECD. 2019. Open Government Data in Thailand. "
    "https://www.oecd.org/gov/open-government-data-thailand.htm.",
    "webpage": "Kowalska, Małgorzata, and Łukasz Wiśniewski. n.d. “How Participatory "
    "Budgeting Works.” Civic Budgets. https://example.org/pb.",
    "book": "Ostrom, Elinor. 1990. Governing the Commons: The Evolution of Institutions for "
    "Collective Action.",
    # a document of unknown type (CSL "document") is quoted, as an unpublished work
    "bare": "“Community Forest Management in Nan Province.” n.d.",
    "thai": "สมชาย ใจดี. 2017. การกระจายอำนาจสู่องค์กรปกครองส่วนท้องถิ่น.",
}


@pytest.mark.parametrize("name", list(APA))
def test_apa_entries(name: str) -> None:
    assert entry(name, "apa") == APA[name]


@pytest.mark.parametrize("name", list(CHICAGO))
def test_chicago_entries(name: str) -> None:
    assert entry(name, "chicago") == CHICAGO[name]


def test_full_journal_article_in_both_styles() -> None:
    assert entry(ARTICLE, "apa") == (
        "Ansell, C., & Gash, A. (2008). Collaborative governance in theory and practice. "
        "Journal of Public Administration Research and Theory, 18(4), 543–571. "
        "https://doi.org/10.1093/jopart/mum032"
    )
    # Chicago: full given names (initialize="false"), pages 543-71 (chicago-16), the
    # period inside the quotation marks
    assert entry(ARTICLE, "chicago") == (
        "Ansell, Chris, and Alison Gash. 2008. “Collaborative Governance in Theory and "
        "Practice.” Journal of Public Administration Research and Theory 18 (4): 543–71. "
        "https://doi.org/10.1093/jopart/mum032."
    )


def test_harvard_renders_from_citeproc_bundle() -> None:
    assert "harvard" in STYLES
    assert entry(ARTICLE, "harvard") == (
        "Ansell, C. and Gash, A. (2008) ‘Collaborative governance in theory and practice’, "
        "Journal of Public Administration Research and Theory, 18(4), pp. 543–571. "
        "Available at: https://doi.org/10.1093/jopart/mum032."
    )
    assert render_citation(item("bare"), "harvard") == (
        "(‘Community forest management in Nan province’, no date)"
    )


CITATIONS = {
    # name: (APA, Chicago), each with the locator "12"
    "article": ("(Ansell & Gash, 2008, p. 12)", "(Ansell and Gash 2008, 12)"),
    "report": ("(OECD, 2019, p. 12)", "(OECD 2019, 12)"),
    "webpage": ("(Kowalska & Wiśniewski, n.d., p. 12)", "(Kowalska and Wiśniewski, n.d., 12)"),
    "book": ("(Ostrom, 1990, p. 12)", "(Ostrom 1990, 12)"),
    "bare": (
        "(Community Forest Management in Nan Province, n.d., p. 12)",
        "(“Community Forest Management in Nan Province,” n.d., 12)",
    ),
    "thai": ("(สมชาย ใจดี, 2017, p. 12)", "(สมชาย ใจดี 2017, 12)"),
}


@pytest.mark.parametrize("name", list(CITATIONS))
def test_in_text_citations(name: str) -> None:
    apa, chicago = CITATIONS[name]
    assert render_citation(item(name), "apa", locator="12") == apa
    assert render_citation(item(name), "chicago", locator="12") == chicago


def test_citation_locators() -> None:
    assert render_citation(ARTICLE, "apa") == "(Ansell & Gash, 2008)"
    assert render_citation(ARTICLE, "apa", "12-14") == "(Ansell & Gash, 2008, pp. 12–14)"
    assert render_citation(ARTICLE, "apa", "xii") == "(Ansell & Gash, 2008, p. xii)"
    assert render_citation(ARTICLE, "chicago", "12-14") == "(Ansell and Gash 2008, 12–14)"
    three = ARTICLE | {"author": [*ARTICLE["author"], {"family": "Lee", "given": "Kim"}]}
    assert render_citation(three, "apa") == "(Ansell et al., 2008)"
    assert render_citation(three, "chicago") == "(Ansell et al. 2008)"


def test_bibliography_in_style_order() -> None:
    """Alphabetical by author, or title where there is none: an opening quotation mark
    does not send Chicago's quoted titles to the end, nor "Ł" after "Z"."""
    items = [item(n) for n in METADATA if n != "article"] + [ARTICLE]
    assert render_bibliography(items, "apa") == [
        entry(ARTICLE, "apa"),
        APA["bare"],
        APA["webpage"],
        APA["report"],
        APA["book"],
        APA["thai"],
    ]
    lukasz = {"id": "l", "type": "book", "title": "T", "author": [{"literal": "Łukasz"}]}
    zed = {"id": "z", "type": "book", "title": "T", "author": [{"literal": "Zed"}]}
    assert render_bibliography([zed, lukasz, item("bare")], "chicago") == [
        CHICAGO["bare"],
        "Łukasz. n.d. T.",
        "Zed. n.d. T.",
    ]


def test_year_suffixes_tell_same_author_year_apart() -> None:
    def oecd(n: str, title: str, year: int | None) -> dict:
        issued = {"issued": {"date-parts": [[year]]}} if year else {}
        author = [{"literal": "OECD"}]
        return {"id": n, "type": "report", "title": title, "author": author} | issued

    items = [oecd("1", "Budgets", 2019), oecd("2", "Audits", 2019), oecd("3", "Civic", None)]
    # APA lists the undated one first, then the dated ones by title
    assert render_bibliography(items, "apa") == [
        "OECD. (n.d.). Civic.",
        "OECD. (2019a). Audits.",
        "OECD. (2019b). Budgets.",
    ]
    cited = {i["id"]: render_citation(i, "apa") for i in disambiguate(items, "apa")}
    assert cited == {"1": "(OECD, 2019b)", "2": "(OECD, 2019a)", "3": "(OECD, n.d.)"}
    assert [render_citation(i, "chicago") for i in disambiguate(items[:2], "chicago")] == [
        "(OECD 2019b)",
        "(OECD 2019a)",
    ]
    # two people who share a family name are not one author with two works
    ann, bo = (
        {"id": g, "type": "book", "title": g, "issued": {"date-parts": [[2019]]},
         "author": [{"family": "Smith", "given": g}]}
        for g in ("Ann", "Bo")
    )  # fmt: skip
    assert render_bibliography([bo, ann], "apa") == [
        "Smith, A. (2019). Ann.",
        "Smith, B. (2019). Bo.",
    ]


def test_html_variant_italicises_and_escapes() -> None:
    (apa,) = render_bibliography([ARTICLE], "apa", html=True)
    assert apa == (
        "Ansell, C., &amp; Gash, A. (2008). Collaborative governance in theory and practice. "
        "<i>Journal of Public Administration Research and Theory</i>, <i>18</i>(4), 543–571. "
        "https://doi.org/10.1093/jopart/mum032"
    )
    hostile = {"id": "h", "type": "book", "title": "Budgets <script>alert(1)</script>"}
    (entry_html,) = render_bibliography([hostile], "apa", html=True)
    assert entry_html == "<i>Budgets &#60;script&#62;alert(1)&#60;/script&#62;</i>. (n.d.)."
    assert "<script>" in html.unescape(entry_html)  # shown as text, never run
    assert render_citation(item("bare"), "apa", html=True) == (
        "(<i>Community Forest Management in Nan Province</i>, n.d.)"
    )


def test_title_ending_in_question_mark_takes_no_period() -> None:
    why = {"id": "w", "type": "book", "title": "Why govern?", "issued": {"date-parts": [[2001]]}}
    assert entry(why, "apa") == "Why govern? (2001)."
    assert entry(why | {"type": "document"}, "chicago") == "“Why Govern?” 2001."
    assert render_citation(why | {"type": "document"}, "chicago") == "(“Why Govern?” 2001)"


def test_bad_item_falls_back_without_costing_the_others(caplog) -> None:
    bad = {"id": "bad", "type": "book", "title": "Broken date", "issued": {"date-parts": [["x"]]}}
    bad["author"] = [{"family": "Moss", "given": "Ann"}]
    with caplog.at_level(logging.WARNING, logger="app.styles"):
        entries = render_bibliography([item("report"), bad, ARTICLE], "apa")
    assert entries == [entry(ARTICLE, "apa"), "Moss, Ann (x). Broken date.", APA["report"]]
    assert "cannot render bad in apa" in caplog.text
    assert render_citation(bad, "apa", "4") == "(Moss, x, p. 4)"
    assert fallback_entry({"id": "e"}) == "unknown author (n.d.). untitled."


def test_items_that_fail_together_are_rendered_alone(monkeypatch, caplog) -> None:
    """If the rendered items still fail as one bibliography (sorting compares them),
    each is rendered alone and the entries are sorted by their text."""
    from app import styles

    render = styles._render_entries

    def fails_together(items: list[dict], style: str, html: bool) -> list[str]:
        if len(items) > 1:
            raise TypeError("'<' not supported")
        return render(items, style, html)

    monkeypatch.setattr(styles, "_render_entries", fails_together)
    with caplog.at_level(logging.WARNING, logger="app.styles"):
        entries = render_bibliography([item("report"), item("book"), item("bare")], "apa")
    assert entries == [APA["bare"], APA["report"], APA["book"]]
    assert "cannot sort the bibliography in apa" in caplog.text


def test_an_item_is_listed_once() -> None:
    assert render_bibliography([ARTICLE, dict(ARTICLE)], "apa") == [entry(ARTICLE, "apa")]
    assert render_bibliography([], "chicago") == []


def test_unknown_style_is_an_error() -> None:
    with pytest.raises(StyleError, match="unknown citation style 'mla'"):
        render_bibliography([ARTICLE], "mla")


def test_csl_item_keeps_the_item_clean() -> None:
    meta = METADATA["article"].model_copy(update={"citation_key": "ansell2008collab"})
    data = csl_item("d1", meta, page="12")
    assert data == {
        "id": "d1",
        "type": "article-journal",
        "title": "Collaborative governance in theory and practice",
        "author": [{"family": "Ansell", "given": "Chris"}, {"family": "Gash", "given": "Alison"}],
        "issued": {"date-parts": [[2008]]},
        "DOI": "10.1093/jopart/mum032",  # the https://doi.org/ is the style's to add
        "container-title": "Journal of Public Administration Research and Theory",
        "citation-key": "ansell2008collab",
        "note": "cited: p. 12",  # the cited page: neither `page` nor a locator
    }
    # the note and the key never reach a rendered entry
    assert entry(data, "chicago") == CHICAGO["article"]
    bare = csl_item("d2", DocMetadata(title="T\x1b[2J", authors=["  "]))
    assert bare == {"id": "d2", "type": "document", "title": "T[2J"}


@pytest.mark.parametrize(
    ("author", "name"),
    [
        ("Ansell, Chris", {"family": "Ansell", "given": "Chris"}),
        ("Chris Ansell", {"given": "Chris", "family": "Ansell"}),
        ("Jan van der Berg", {"given": "Jan", "family": "van der Berg"}),
        ("King, Martin Luther, Jr.", {"family": "King", "given": "Martin Luther", "suffix": "Jr."}),
        ("King, Jr., Martin", {"family": "King", "given": "Martin", "suffix": "Jr."}),
        ("Wiśniewski, Łukasz", {"family": "Wiśniewski", "given": "Łukasz"}),
        ("Małgorzata Kowalska", {"given": "Małgorzata", "family": "Kowalska"}),
        ("OECD", {"literal": "OECD"}),
        ("World Bank", {"literal": "World Bank"}),
        ("Transparency International", {"literal": "Transparency International"}),
        ("University of California, Berkeley", {"literal": "University of California, Berkeley"}),
        ("Friends of the Earth", {"literal": "Friends of the Earth"}),
        ("{Kalasin Provincial Administration}", {"literal": "Kalasin Provincial Administration"}),
        ("{Arnstein}", {"literal": "Arnstein"}),
        ("สมชาย ใจดี", {"literal": "สมชาย ใจดี"}),
        ("Ernst & Young", {"literal": "Ernst & Young"}),
    ],
)  # fmt: skip
def test_csl_name(author: str, name: dict) -> None:
    assert csl_name(author) == name


@pytest.mark.parametrize(
    ("first", "last", "printed"),
    [("3", "10", "10"), ("71", "72", "72"), ("100", "104", "104"), ("101", "108", "8"),
     ("321", "328", "28"), ("498", "532", "532"), ("1087", "1089", "89"),
     ("1496", "1500", "500"), ("11564", "11568", "68"), ("xii", "xiv", "xiv")],
)  # fmt: skip
def test_chicago16_page_ranges(first: str, last: str, printed: str) -> None:
    """Chicago's inclusive numbers since its 16th edition, which its style asks for."""
    assert chicago16_last_page(first, last) == printed


def test_collation_key() -> None:
    assert collation_key("“A Page”") == "a page"
    assert collation_key("Łukasz Żak") == "lukasz zak"
    assert collation_key("Ørsted") < collation_key("Peters")
