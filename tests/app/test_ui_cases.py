"""The Cases tab as a reader uses it: precedent search with facets, case cards, precedent
briefs (from Cases and from Compare) and the chat's reading list, in Chromium.

One small index (five sample cases plus the markup brief), one server and one browser per
module; every test opens its own page, which is a fresh Gradio session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.app.conftest import served_corpus
from tests.app.test_ui import QUESTION, SHOTS
from tests.app.test_ui_features import (
    XSS_BRIEF,
    XSS_IMG,
    XSS_SCRIPT,
    XSS_TITLE,
    ask,
    pick_option,
)

PRECEDENT_QUERY = "a municipality working with hospitals and volunteers on elderly care"
KALASIN = "The Success of Collaborative Local Governance"
THAI_FUNDS = "Community Welfare Funds in Thailand"
FIELDS = ("actors", "mechanism", "resources", "outcome", "success factors")
NOT_STATED = "not stated in the sources"
SUMMARY = re.compile(r"(\d+) of (\d+) cases shown")
WHY = re.compile(r"^“(.+)” \((.+)\)$")  # a why-line: “sentence” (reference)
CITED = re.compile(r"\[(\d+)\]")


@dataclass
class Site:
    url: str
    settings: object


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    """A server over its own small index; case cards are built on first use."""
    samples = [
        "kalasin-raw.txt",
        "ceara-health-agents.txt",
        "thailand-community-welfare-funds.md",
        "porto-alegre-participatory-budgeting.md",
        "paris-participatory-budget.md",
    ]
    root = tmp_path_factory.mktemp("ui-cases")
    with served_corpus(root, samples, {"zorbania-waste.md": XSS_BRIEF}) as settings:
        yield Site(f"http://127.0.0.1:{settings.serve.port}/", settings)


def words(text: str) -> str:
    return " ".join(text.split())


def open_cases(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Cases").click()
    expect(page.locator("#cases-results")).to_contain_text(SUMMARY)


def find_cases(page, query: str):
    """Search as a person does; returns the result items once the ranked list is shown."""
    from playwright.sync_api import expect

    page.locator("#cases-query textarea").fill(query)
    page.locator("#cases-search").click()
    results = page.locator("#cases-results")
    expect(results).to_contain_text(" · score ")  # only a searched list carries scores
    return results.locator("ol > li")


def facet_counts(page, facet: str) -> dict[str, int]:
    """The choices a facet offers, as shown: 'Brazil (2)' -> {'Brazil': 2}."""
    labels = page.locator(f"#{facet} label").all_inner_texts()
    counts = {}
    for label in labels:
        match = re.fullmatch(r"(.+) \((\d+)\)", label.strip())
        assert match, label
        counts[match.group(1)] = int(match.group(2))
    return counts


def summary(page) -> tuple[int, int]:
    shown, total = SUMMARY.search(page.locator("#cases-results em").first.inner_text()).groups()
    return int(shown), int(total)


def download(page, link, folder: Path) -> Path:
    response = page.request.get(link.get_attribute("href"))
    assert response.ok, response.status
    path = folder / link.get_attribute("download")
    path.write_bytes(response.body())
    return path


def brief_files(page, area: str, folder: Path) -> dict[str, Path]:
    from playwright.sync_api import expect

    links = page.locator(f"{area} a[download]")
    expect(links).to_have_count(3)
    return {link.get_attribute("download"): download(page, link, folder) for link in links.all()}


def read_docx_brief(path: Path) -> tuple[list[list[str]], dict[int, tuple[str, str]]]:
    """The brief's comparison table (rows of cell texts) and its numbered references, each
    with the quote under it; the references must follow the table under 'References'."""
    import docx

    document = docx.Document(str(path))
    assert len(document.tables) == 1
    table = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    order = list(document.element.body.iterchildren())
    paragraphs = document.paragraphs
    heading = next(p for p in paragraphs if p.text == "References")
    assert heading.style.name.startswith("Heading")
    assert order.index(heading._p) > order.index(document.tables[0]._tbl)
    after = [p.text for p in paragraphs[paragraphs.index(heading) + 1 :]]
    assert after and after[0].startswith("[1] "), after[:2]
    references = {}
    for line, quote in zip(after, [*after[1:], ""], strict=True):
        match = re.match(r"\[(\d+)\] ", line)
        if match:
            references[int(match.group(1))] = (line, words(quote))
    return table, references


def check_brief_table(table: list[list[str]], references: dict[int, tuple[str, str]]) -> None:
    """Every cell is a sentence cited [n] to a reference whose quote holds that sentence."""
    assert table[0] == ["case", *FIELDS]
    for row in table[1:]:
        for cell in row[1:]:
            if cell == NOT_STATED:
                continue
            match = re.fullmatch(r"(.+) \[(\d+)\]", words(cell))
            assert match, cell
            sentence, n = match.group(1), int(match.group(2))
            assert n in references, (n, sorted(references))
            assert sentence in references[n][1], (cell, references[n])


def test_search_finds_precedents_and_says_why(page, site):
    from app.engine import Engine

    open_cases(page)
    items = find_cases(page, PRECEDENT_QUERY)
    assert items.count() >= 3
    titles = [item.locator("strong").first.inner_text() for item in items.all()]
    assert any("Kalasin" in t for t in titles[:3]), titles
    assert any(t.startswith(THAI_FUNDS) for t in titles[:3]), titles

    texts = {d.metadata.title: words(d.text) for d in Engine(site.settings).documents()}
    for item, title in zip(items.all(), titles, strict=True):
        whys = item.locator("ul > li").all_inner_texts()
        assert 1 <= len(whys) <= 3, (title, whys)
        for line in whys:
            match = WHY.match(words(line))
            assert match, line
            sentence = match.group(1)
            assert "\\" not in sentence, sentence  # Markdown escapes must not show
            assert sentence in texts[title], (title, sentence)
            assert match.group(2).startswith(title), line  # cited to its own document


def test_facets_narrow_the_list_and_count_the_others(page):
    from playwright.sync_api import expect

    open_cases(page)
    results = page.locator("#cases-results")
    items = results.locator("ol > li")
    everything = summary(page)
    before = facet_counts(page, "facet-country")
    assert before["Thailand"] >= 2 and len(before) >= 3, before
    assert sum(before.values()) == everything[1]

    page.locator("#facet-country label", has_text="Thailand").click()
    n = before["Thailand"]
    expect(results).to_contain_text(f"{n} of {n} cases shown")
    expect(items).to_have_count(n)
    for text in items.all_inner_texts():
        assert "Thailand" in text, text
    expect(page.locator("#facet-country input[name='Thailand']")).to_be_checked()
    # The country facet is counted over the list narrowed by the other facets (none), so
    # the other countries stay on offer with their counts.
    assert facet_counts(page, "facet-country") == before
    # Other facets are counted over the Thailand cases only.
    levels = facet_counts(page, "facet-level")
    assert sum(levels.values()) == n, levels  # each sample case has one level
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "cases-facets.png"), full_page=True)

    page.locator("#facet-country label", has_text="Thailand").click()
    expect(results).to_contain_text(f"{everything[0]} of {everything[1]} cases shown")
    expect(items).to_have_count(everything[0])
    expect(page.locator("#facet-country input[name='Thailand']")).not_to_be_checked()


def test_case_card_cites_every_field_and_lists_similar_cases(page):
    from playwright.sync_api import expect

    open_cases(page)
    find_cases(page, PRECEDENT_QUERY)
    pick_option(page, "#case-pick", "Kalasin", KALASIN)
    card = page.locator("#case-card")
    expect(card.locator("h2")).to_contain_text(KALASIN)
    expect(card).to_contain_text("What the sources say")
    # the chat names a case by its citation, never by its internal id (the CLI shows ids)
    assert not re.search(r"kalasin-raw-[0-9a-f]{8}", card.inner_text())

    sources = card.locator("h3:text-is('Sources') + ol > li")
    expect(sources.first).to_be_visible()
    numbered = range(1, sources.count() + 1)
    assert card.locator("h3:text-is('Sources') + ol").get_attribute("start") in (None, "1")

    fields = card.locator("h3:text-is('What the sources say') + ul > li").all_inner_texts()
    assert [f.split(":")[0] for f in fields] == list(FIELDS), fields
    cited = 0
    for line in fields:
        match = CITED.search(line)
        assert (match and line.rstrip().endswith("]")) or line.endswith(NOT_STATED), line
        cited += bool(match)
    assert cited >= 3, fields
    facet_table = card.locator("table").inner_text()
    for text in (*fields, facet_table):
        for n in CITED.findall(text):
            assert int(n) in numbered, (n, text)

    interviews = card.locator("h3:text-is('Interviews cited') + ul").inner_text()
    assert "Boonplem" in interviews and "Mayor" in interviews

    similar = card.locator("h3:text-is('Similar cases') + ul > li")
    assert similar.count() >= 3
    for item in similar.all():
        text = item.inner_text()
        assert re.search(r"similarity \d\.\d\d", text), text
        assert re.search(r"shares|differs", text), text
        assert not re.search(r"-[0-9a-f]{8}\b", text), text
        assert KALASIN not in text
    assert THAI_FUNDS in similar.first.inner_text()  # same country, closest content

    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "cases.png"), full_page=True)


def test_brief_from_cases_tab_is_a_cited_word_table(page, tmp_path):
    open_cases(page)
    chosen = page.locator("#brief-cases")
    chosen.locator("label", has_text=KALASIN).click()
    chosen.locator("label", has_text=THAI_FUNDS).click()
    page.locator("#brief-export").click()

    files = brief_files(page, "#brief-files", tmp_path)
    assert set(files) == {"brief.md", "brief.docx", "references.bib"}
    table, references = read_docx_brief(files["brief.docx"])
    assert len(table) == 3, table
    assert sorted(row[0] for row in table[1:]) == ["Kalasin Municipality", "Thailand"]
    check_brief_table(table, references)
    assert any(KALASIN in line for line, _ in references.values())
    assert any(THAI_FUNDS in line for line, _ in references.values())

    markdown = files["brief.md"].read_text(encoding="utf-8")
    assert markdown.startswith("# Precedent brief")
    assert "## References" in markdown
    bib = files["references.bib"].read_text(encoding="utf-8")
    assert bib.count("@misc{") == 2, bib  # one document per chosen case
    # each entry notes where the brief cites it (its sections, or its printed pages)
    assert "author = {Sarakarn, Alongkot}" in bib
    assert bib.count("note = {cited: section '") == 2, bib


def test_a_page_load_refreshes_the_lists_and_keeps_what_was_ticked(engine):
    """The page is usable before its load event returns; a case ticked for a brief (or a
    facet) meanwhile must survive the refresh, so the refresh sends choices, not values."""
    import gradio as gr

    from app.ui.cases import build_cases_tab

    with gr.Blocks():
        refresh, outputs = build_cases_tab(engine)
    updates = refresh()
    assert len(updates) == len(outputs)
    assert "cases shown" in updates[0]
    for update in updates[1:]:
        assert update["choices"], update
        assert "value" not in update, update


def test_brief_from_compare_tab(page, tmp_path):
    page.get_by_role("tab", name="Compare").click()
    pick_option(page, "#compare-cases", "Porto", "Participatory Budgeting in Porto Alegre")
    pick_option(page, "#compare-cases", "Paris", "The Paris Participatory Budget")
    page.keyboard.press("Escape")  # the multiselect list stays open over the buttons
    page.locator("#compare-brief").click()

    files = brief_files(page, "#compare-brief-files", tmp_path)
    assert set(files) == {"brief.md", "brief.docx", "references.bib"}
    table, references = read_docx_brief(files["brief.docx"])
    assert [row[0] for row in table[1:]] == ["Porto Alegre", "Paris"]
    check_brief_table(table, references)
    bib = files["references.bib"].read_text(encoding="utf-8")
    assert bib.count("@misc{") == 2, bib


def test_answer_ends_with_a_reading_list(page):
    bubble = ask(page, QUESTION)
    assert "Read further" in bubble, bubble
    reading = bubble[bubble.index("Read further") : bubble.rindex("grounding")]
    states = ("cited in this answer", "close, not cited")
    lines = [line for line in reading.splitlines() if line.rstrip().endswith(states)]
    assert lines and not any(re.search(r"\bcase \S+-[0-9a-f]{8}\b", line) for line in lines)
    # each line cites the document: authors, then the year in brackets, then the title
    assert all(re.match(r"\S.* \((\d{4}|n\.d\.)\)\. ", line.strip()) for line in lines), lines
    kalasin = [line for line in lines if KALASIN in line]
    assert kalasin and kalasin[0].rstrip().endswith("cited in this answer"), lines
    close = [line for line in lines if line.rstrip().endswith("close, not cited")]
    assert 1 <= len(close) <= 3, lines
    assert lines.index(kalasin[0]) < lines.index(close[0])  # cited cases come first
    assert all(KALASIN not in line for line in close)


def test_markup_in_case_titles_and_sentences_is_text(page):
    from playwright.sync_api import expect

    open_cases(page)
    items = find_cases(page, "waste sorting")
    first = items.first
    expect(first.locator("strong").first).to_have_text(XSS_TITLE)
    results = page.locator("#cases-results").inner_text()
    assert "<img src=x" in results
    assert XSS_SCRIPT in results or XSS_IMG in results, results

    pick_option(page, "#case-pick", "Zorbania", "Waste Sorting in Zorbania")
    card = page.locator("#case-card")
    expect(card.locator("h2")).to_have_text(XSS_TITLE)
    expect(page.locator("#brief-cases")).to_contain_text(XSS_TITLE)

    for area in ("#cases-results", "#case-card", "#case-pick", "#brief-cases"):
        assert page.locator(f"{area} img").count() == 0, area
        assert page.locator(f"{area} script").count() == 0, area
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("window.__xss") is None
    assert page.dialogs == []
