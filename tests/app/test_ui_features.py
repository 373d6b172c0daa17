"""The chat's features as a reader uses them: a real server on a small index, in Chromium.

One index per module (three sample briefs plus a test-made brief full of markup), one server
and one browser; every test opens its own page, which is a fresh Gradio session.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.app.conftest import served_corpus
from tests.app.test_ui import QUESTION, SHOTS

# A finished bubble: an answer ends with its grounding score, an abstention with nearby cases.
FINAL = re.compile(r"grounding \d|Closest cases|do not answer")

XSS_TITLE = "Waste Sorting in Zorbania <img src=x onerror=window.__xss=5>"
XSS_IMG = """<img src=x onerror="window.__xss=1;alert('xss1')">"""
XSS_SCRIPT = "<script>window.__xss=2;alert('xss2')</script>"
XSS_BRIEF = f"""---
title: '{XSS_TITLE}'
authors: ["govqa test brief"]
year: 2024
place: "Zorbania"
country: "Freedonia"
level: "local"
policy_area: ["waste", "environment"]
case_years: "2011-2016"
---
# Waste Sorting in Zorbania

## Programme

The Zorbania town council said {XSS_IMG} residents sorted waste into nine categories at the \
village recycling station.
The council's waste officer wrote {XSS_SCRIPT} on the notice board to explain the nine \
categories of waste sorting.
Households in Zorbania that sorted their waste received a discount on their refuse fee, and \
the share of recycled waste rose from ten percent to sixty percent by 2016.

## Results

Zorbania's landfill volume fell by half between 2011 and 2016 because residents sorted their \
waste carefully.
"""
UPLOAD_TITLE = "Tool Libraries in Quillmoor, 2015-2019"
UPLOAD_BRIEF = f"""{UPLOAD_TITLE}

Quillmoor is a market town whose borough council opened a public tool library in 2015.
Residents borrowed drills, ladders and garden tools for free with an ordinary library card.
By 2019 the Quillmoor tool library lent twelve thousand items a year, and volunteers repaired \
returned tools every Saturday morning.
The council paid for the tool library from its waste-reduction budget because borrowed tools \
kept thousands of rarely used items out of household bins.
"""


@dataclass
class Site:
    url: str
    index_dir: Path
    corpus_dir: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    """A server over its own small index, so the markup brief and uploads stay in it."""
    samples = [
        "kalasin-raw.txt",
        "paris-participatory-budget.md",
        "porto-alegre-participatory-budgeting.md",
    ]
    root = tmp_path_factory.mktemp("ui-features")
    with served_corpus(root, samples, {"zorbania-waste.md": XSS_BRIEF}) as settings:
        yield Site(
            f"http://127.0.0.1:{settings.serve.port}/", settings.index_dir, settings.corpus_dir
        )


def bot_bubbles(page):
    return page.locator("#chat [data-testid='bot']")


def ask(page, question: str, final: str | re.Pattern = FINAL) -> str:
    """Ask in the browser and wait until the newest bubble is the final answer."""
    from playwright.sync_api import expect

    before = bot_bubbles(page).count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    expect(bot_bubbles(page)).to_have_count(before + 1)
    latest = bot_bubbles(page).last
    expect(latest).to_contain_text(final)
    return latest.inner_text()


def pick_option(page, dropdown: str, typed: str, option: str) -> None:
    """Choose in a Gradio dropdown as a person does: open it, type, click the option."""
    box = page.locator(f"{dropdown} input[role='combobox']")
    box.click()
    box.fill(typed)
    page.get_by_role("option", name=option).click()


def test_markup_in_documents_and_questions_is_shown_as_text(page):
    from playwright.sync_api import expect

    bubble = ask(page, "How did Zorbania residents sort their waste?")
    cards = page.locator("#sources .govqa-source")
    expect(cards.first).to_contain_text("Zorbania")

    assert 'said <img src=x onerror="window.__xss=1' in bubble
    sources_text = page.locator("#sources").inner_text()
    assert XSS_SCRIPT in sources_text
    assert XSS_TITLE in sources_text  # the reference line
    expect(page.locator("#focus")).to_contain_text(XSS_TITLE)

    pick_option(page, "#passage-pick", "[1]", "[1] Waste Sorting in Zorbania")
    viewer = page.locator("#passage .govqa-passage-view")
    expect(viewer.locator("mark").first).to_be_visible()
    assert XSS_IMG in viewer.inner_text()
    assert XSS_TITLE in viewer.locator("h4").inner_text()

    question = "Did Zorbania residents sort <img src=x onerror=window.__xss=3> nine categories?"
    ask(page, question)
    user = page.locator("#chat [data-testid='user']").last
    assert "sort <img src=x onerror=window.__xss=3> nine" in user.inner_text()

    page.get_by_role("tab", name="Corpus").click()
    expect(page.locator("#corpus-docs")).to_contain_text(XSS_TITLE)

    for area in ("#chat", "#sources", "#focus", "#passage", "#corpus-docs"):
        assert page.locator(f"{area} img[src='x']").count() == 0, area
        assert page.locator(f"{area} script").count() == 0, area
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("window.__xss") is None
    assert page.dialogs == []


def test_unanswerable_question_abstains_and_offers_closest_cases(page):
    bubble = ask(page, "What was Kalasin's elderly-care budget in 2019?", final="Closest cases")
    assert "The sources do not answer this question" in bubble
    assert "Kalasin Municipality" in bubble  # a closest case, with its cited sentence
    assert "grounding" not in bubble


def test_follow_up_stays_on_the_case_until_new_topic(page):
    from playwright.sync_api import expect

    ask(page, QUESTION)
    expect(page.locator("#focus")).to_contain_text("Follow-up questions stay on")
    expect(page.locator("#focus")).to_contain_text("Kalasin Municipality")

    ask(page, "And what did its mayor do?")
    cards = page.locator("#sources .govqa-source")
    assert cards.count() >= 1
    for card in cards.all():
        assert "Kalasin" in card.inner_text()
    pick_option(page, "#passage-pick", "[1]", "[1] The Success of Collaborative")
    expect(page.locator("#passage mark").first).to_be_visible()

    page.locator("#new-topic").click()
    expect(page.locator("#chat [data-testid='user']")).to_have_count(0)
    expect(bot_bubbles(page)).to_have_count(0)
    expect(page.locator("#focus")).to_have_text("")
    expect(cards).to_have_count(0)
    expect(page.locator("#passage mark")).to_have_count(0)  # nothing of the old topic stays


def test_passage_viewer_marks_the_cited_sentence(page):
    from playwright.sync_api import expect

    bubble = ask(page, QUESTION)
    pick_option(page, "#passage-pick", "[1]", "[1] The Success of Collaborative")
    viewer = page.locator("#passage .govqa-passage-view")
    marks = viewer.locator(".govqa-cited mark")
    expect(marks.first).to_be_visible()
    assert "Kalasin Municipality" in viewer.locator("h4").inner_text()
    marked = [" ".join(m.split()) for m in marks.all_inner_texts()]
    assert any(m and m in " ".join(bubble.split()) for m in marked), (marked, bubble)


def test_votes_are_thanked_and_logged(page, site):
    from playwright.sync_api import expect

    log = site.index_dir / "feedback.jsonl"
    lines_before = log.read_text().splitlines() if log.exists() else []
    note = page.locator("#feedback-note")

    page.locator("#vote-down").click()
    expect(note).to_contain_text("Ask a question first")

    ask(page, QUESTION)
    page.locator("#vote-up").click()
    expect(note).to_contain_text("Thanks")
    lines = log.read_text().splitlines()
    assert len(lines) == len(lines_before) + 1
    record = json.loads(lines[-1])
    assert record["question"] == QUESTION
    assert record["rating"] == "up"
    assert record["sources"][0]["file"].endswith("kalasin-raw.txt")


def test_export_offers_markdown_and_every_reference_format(page):
    import io

    import rispy
    from docx import Document
    from playwright.sync_api import expect

    ask(page, QUESTION)
    page.locator("#export").click()
    links = page.locator("#export-files a[download]")
    expect(links).to_have_count(5)
    files, raw = {}, {}
    for link in links.all():
        response = page.request.get(link.get_attribute("href"))
        assert response.ok
        name = link.get_attribute("download")
        raw[name] = response.body()
        if not name.endswith(".docx"):
            files[name] = response.text()
    assert set(raw) == {
        "answer.md", "references.bib", "references.ris", "references.json", "references.docx"
    }  # fmt: skip
    title = "The Success of Collaborative Local Governance"
    assert json.loads(files["references.json"])[0]["title"].startswith(title)
    assert rispy.loads(files["references.ris"])[0]["title"].startswith(title)
    paragraphs = [p.text for p in Document(io.BytesIO(raw["references.docx"])).paragraphs]
    assert paragraphs[0] == "References" and any(title in p for p in paragraphs)
    markdown = files["answer.md"]
    assert markdown.startswith(f"# {QUESTION}")
    assert "[1]" in markdown.split("## References")[0]
    assert "## References" in markdown
    assert "1. The Success of Collaborative Local Governance" in markdown
    assert "@misc{" in files["references.bib"]
    assert "Sarakarn, Alongkot" in files["references.bib"]


def test_compare_tab_builds_a_cited_table(page):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Compare").click()
    pick_option(page, "#compare-cases", "Porto", "Participatory Budgeting in Porto Alegre")
    pick_option(page, "#compare-cases", "Paris", "The Paris Participatory Budget")
    page.keyboard.press("Escape")  # the multiselect list stays open over the button
    page.locator("#compare").click()

    rows = page.locator("#compare-table table tbody tr")
    expect(rows).to_have_count(2)
    cases = [row.locator("td").first.inner_text() for row in rows.all()]
    assert cases == ["Porto Alegre", "Paris"]
    cited = 0
    for row in rows.all():
        for cell in row.locator("td").all()[1:]:
            text = cell.inner_text()
            assert re.search(r"\[\d+\]", text) or text.strip() == "not in the sources", text
            cited += bool(re.search(r"\[\d+\]", text))
    assert cited >= 2
    source_cards = page.locator("#compare-sources .govqa-source")
    expect(source_cards.first).to_be_visible()
    sources_text = page.locator("#compare-sources").inner_text()
    assert "Porto Alegre" in sources_text and "Paris" in sources_text
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "compare.png"), full_page=True)


def test_country_filter_keeps_sources_in_that_country(page):
    from playwright.sync_api import expect

    # Unfiltered, this question also draws on Porto Alegre (checked when writing the test).
    page.get_by_text("Filters", exact=True).click()
    pick_option(page, "#f-country", "France", "France")
    expect(page.locator("#f-country input[role='combobox']")).to_have_value("France")
    ask(page, "How were projects chosen?")
    cards = page.locator("#sources .govqa-source")
    assert cards.count() >= 1
    for card in cards.all():
        assert "The Paris Participatory Budget" in card.locator(".govqa-ref").inner_text()


def test_upload_adds_good_files_and_reports_bad_ones(page, site, tmp_path):
    from gradio_client import Client
    from playwright.sync_api import expect

    brief = tmp_path / "quillmoor-tool-library.txt"
    brief.write_text(UPLOAD_BRIEF, encoding="utf-8")
    corrupt = tmp_path / "report.pdf"
    corrupt.write_bytes(random.Random(7).randbytes(4096))

    page.get_by_role("tab", name="Corpus").click()
    docs = page.locator("#corpus-docs")
    expect(docs).to_contain_text("Kalasin Municipality")
    assert UPLOAD_TITLE not in docs.inner_text()

    page.locator("#upload input[type='file']").set_input_files([brief, corrupt])
    for name in (brief.name, corrupt.name):
        expect(page.locator(f"#upload td.filename[aria-label='{name}']")).to_be_visible()
    page.locator("#ingest-upload").click()

    report = page.locator("#upload-report")
    expect(report).to_contain_text("report.pdf")
    lines = report.locator("li").all_inner_texts()
    assert len(lines) == 2, lines
    good = next(line for line in lines if line.startswith(brief.name))
    bad = next(line for line in lines if line.startswith("report.pdf"))
    assert "added" in good
    assert re.fullmatch(r"report\.pdf: skipped: \S.+", bad), bad
    expect(docs).to_contain_text(UPLOAD_TITLE)
    expect(docs).to_contain_text("Kalasin Municipality")
    # stored inside the index, not in the corpus folder or the working directory
    assert len(list((site.index_dir / "uploads").glob(f"*/{brief.name}"))) == 1
    assert not (site.corpus_dir / "uploads").exists()
    expect(docs).to_contain_text("uploaded")

    client = Client(site.url, verbose=False)
    answer = client.predict("How many items did the Quillmoor tool library lend?", api_name="/ask")
    assert not answer["abstained"], answer["text"]
    assert "twelve thousand items" in answer["text"]
    assert answer["sources"][0]["file"].endswith(f"/{brief.name}")
    assert "/uploads/" in answer["sources"][0]["file"]
    assert answer["sources"][0]["provenance"]["origin"] == "upload"
