"""A PDF source as a reader checks it: the answer's [n] is a link that opens the cited page,
drawn with the supporting span highlighted, in Chromium against a real server.

The highlight comes from the passage's stored span located in the PDF's text layer; the
page's caption quotes the characters under it, so the test compares them with the span
the sources panel marks, and reads the highlight's colour off a screenshot.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.app.conftest import served_corpus
from tests.app.test_ui_features import Site, ask

QUESTION = "How many volunteer fixers did the Quillfield repair café train?"
PAGES = [
    [
        "Repair Cafés and the Borough of Quillfield",
        "Journal of Local Sustainability 12 (2021)",
        "The borough council of Quillfield opened its first repair café in a church hall.",
        "Residents brought broken lamps, bicycles and toasters on the first Saturday of",
        "every month, and volunteers mended them while the owners watched and learned.",
    ],
    [
        "Volunteers were recruited through the borough's library and its allotment society.",
        "The Quillfield repair café trained 35 volunteer fixers in its first year, and the",
        "borough council paid the rent of the hall from its waste-reduction budget.",
        "Each session mended about forty items that would otherwise have been thrown away.",
    ],
    [
        "A survey of visitors found that most came back with a second broken item, and",
        "that many learned to make simple repairs at home without help from the café.",
        "The council kept a public register of the items mended and the weight saved.",
    ],
]
FIRST_PRINTED = 41


def article_pdf() -> bytes:
    """Three pages of an article printed as pages 41-43."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    for index, lines in enumerate(PAGES):
        for y, line in zip(range(760, 100, -18), lines, strict=False):
            c.drawString(72, y, line)
        c.drawCentredString(300, 40, str(FIRST_PRINTED + index))
        c.showPage()
    c.save()
    return out.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("ui-pages")
    with served_corpus(root, ["kalasin-raw.txt"], {"quillfield.pdf": article_pdf()}) as settings:
        yield Site(
            f"http://127.0.0.1:{settings.serve.port}/", settings.index_dir, settings.corpus_dir
        )


def squeeze(text: str) -> str:
    return re.sub(r"[\s\-‐]", "", text)


def yellow_pixels(png: bytes) -> int:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for r, g, b in image.getdata() if r > 200 and g > 180 and b < 170)


def test_a_cited_pdf_page_opens_from_the_answer_with_the_span_highlighted(page, tmp_path: Path):
    from playwright.sync_api import expect

    bubble = ask(page, QUESTION)
    assert "35" in bubble, bubble
    link = page.locator("#chat [data-testid='bot']").last.locator("a[href='#govqa-cite-1']")
    link.first.click()

    figure = page.locator("#page-view figure.govqa-page-view")
    expect(figure).to_be_visible()
    expect(page.locator("#passage-pick input[role='combobox']")).to_have_value(
        re.compile(r"^\[1\]")
    )
    caption = figure.locator("figcaption")
    expect(caption).to_contain_text("p. 42 (page 2 of 3 in the file)")

    cited = page.locator("#sources .govqa-source[data-n='1'] mark").all_inner_texts()
    highlighted = figure.locator("q.govqa-highlighted").inner_text()
    assert cited and squeeze(highlighted) == squeeze(" ".join(cited)), (highlighted, cited)
    assert "35 volunteer fixers" in " ".join(highlighted.split())

    shot = figure.locator("img.govqa-page").screenshot(path=str(tmp_path / "page.png"))
    assert yellow_pixels(shot) > 500

    page.locator("#page-next").click()
    expect(figure).to_have_attribute("data-page", "3")
    expect(caption).to_contain_text("p. 43 (page 3 of 3 in the file); a neighbouring page")
    assert yellow_pixels(figure.locator("img.govqa-page").screenshot()) < 50
    page.locator("#page-prev").click()
    expect(figure).to_have_attribute("data-page", "2")
    expect(figure.locator("q.govqa-highlighted")).to_have_text(highlighted)


def test_the_sources_panel_names_documents_by_citation_never_by_id(page):
    ask(page, QUESTION)
    panel = page.locator("#sources").inner_text()
    assert "Repair Cafés and the Borough of Quillfield" in panel
    assert not re.search(r"[a-z]+-[0-9a-f]{8}\b", panel), panel
