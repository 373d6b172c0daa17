"""A PDF's printed page numbers and DOI survive ingestion: the catalog records them and a
cited passage gives the page a reader sees, not the file's page index."""

from __future__ import annotations

from pathlib import Path

from app.citations import source_of
from ingest.catalog import Catalog
from ingest.pipeline import ingest
from ingest.settings import Settings

DOI = "10.1016/j.giq.2019.101234"
BODY = [
    "Participatory budgeting in {city} began when the council opened {n} district forums.",
    "Residents proposed projects and voted on them every spring, and turnout rose each year.",
    "The council published every decision with the reasons it gave for it.",
]


def make_article(path: Path, first_printed: int) -> None:
    """Four pages of an article whose pages are printed first_printed, first_printed + 1..."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    cities = ["Porto Alegre", "Recife", "Belo Horizonte", "Guarulhos"]
    for index, city in enumerate(cities):
        if index == 0:
            c.drawString(72, 800, "Government Information Quarterly 36 (2019)")
            c.drawString(72, 780, f"https://doi.org/{DOI}")
        for y, line in zip(range(740, 600, -20), BODY, strict=False):
            c.drawString(72, y, line.format(city=city, n=index + 3))
        c.drawCentredString(300, 40, str(first_printed + index))
        c.showPage()
    c.save()


def test_printed_page_numbers_and_the_doi_reach_the_citation(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_article(corpus / "article.pdf", first_printed=17)
    settings = Settings(index_dir=tmp_path / "index")
    report = ingest([corpus], settings)
    assert report.count("added") == 1
    catalog = Catalog(settings.catalog_path)
    try:
        (document,) = catalog.documents()
        meta = document.metadata
        assert meta.doi == DOI
        assert meta.provenance["doi"] == "read: page 1 text"
        assert meta.page_labels == ["17", "18", "19", "20"]
        assert meta.page_label_kind == "printed page numbers"
        # reportlab's Info placeholders ("untitled", "anonymous") are not taken as read
        assert meta.title != "untitled" and meta.authors != ["anonymous"]
        assert meta.provenance.get("title", "").startswith("inferred") or not meta.title
        chunks = list(catalog.all_chunks())
    finally:
        catalog.close()
    by_page = {c.page: source_of(c, 1) for c in chunks}
    assert by_page[3].locator == "p. 19"
    assert by_page[3].doi == DOI
    assert all(s.locator == f"p. {16 + page}" for page, s in by_page.items())
