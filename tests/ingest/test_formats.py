"""Readers on the committed PDF/DOCX/HTML briefs and on legacy text encodings."""

from __future__ import annotations

import pytest

from ingest.pipeline import build_document
from ingest.readers import read_document
from ingest.records import IngestError
from ingest.settings import Settings
from tests.conftest import CORPUS

SETTINGS = Settings()


def doc(name: str):
    return build_document(CORPUS / name, name, "test", SETTINGS)


@pytest.mark.parametrize("name", ["seoul-open-system.pdf", "naga-city-model.pdf"])
def test_pdf_brief_keeps_pages_and_drops_running_heads(name):
    d = doc(name)
    assert d.metadata.title and d.metadata.authors == ["govqa sample brief"]
    assert d.metadata.provenance["title"].startswith("read: PDF metadata")
    pages = {c.page for c in d.chunks}
    assert 1 in pages and 2 in pages
    assert "Governance Case Briefs" not in d.text
    assert any(x.reason == "running header/footer" for x in d.dropped)
    assert "-\n" not in d.text


def test_docx_brief_has_sections_and_properties():
    d = doc("estonia-e-governance.docx")
    assert d.metadata.provenance["title"].startswith("read: DOCX")
    assert {"Background", "Outcomes"} <= {c.section for c in d.chunks}
    assert d.metadata.country == "Estonia"


def test_html_brief_drops_scripts_and_reads_meta_tags():
    d = doc("kamikatsu-zero-waste.html")
    assert "must never be ingested" not in d.text
    assert d.metadata.country == "Japan" and d.metadata.level == "local"
    assert d.metadata.authors == ["govqa sample brief"]


def test_legacy_encodings_are_detected(tmp_path):
    thai = "การปกครองส่วนท้องถิ่นแบบร่วมมือของเทศบาลเมืองกาฬสินธุ์ ผู้สูงอายุได้รับบริการดูแลที่บ้าน"
    (tmp_path / "thai.txt").write_bytes(((thai + "\n") * 5).encode("cp874"))
    western = "The mayor’s “open budget” café meetings – a résumé of 2015.\n" * 5
    (tmp_path / "west.txt").write_bytes(western.encode("cp1252"))
    assert thai in read_document(tmp_path / "thai.txt", 10**7).pages[0].text
    assert "mayor’s “open budget” café" in read_document(tmp_path / "west.txt", 10**7).pages[0].text


def test_binary_named_txt_is_reported(tmp_path):
    (tmp_path / "noise.txt").write_bytes(bytes(range(256)) * 40)
    with pytest.raises(IngestError) as err:
        read_document(tmp_path / "noise.txt", 10**7)
    assert "binary" in err.value.reason or "decode" in err.value.reason


def test_html_table_cells_and_list_items_stay_apart(tmp_path) -> None:
    """Cells a browser shows apart must not run together into one 'word' the cleaner would
    take for gibberish (seen on real Participedia pages: 'unknownN/A', 'unregisteredYesNo')."""
    page = tmp_path / "table.html"
    page.write_text(
        "<html><body><table><tr><th>Body</th><th>Level</th><th>Registered</th></tr>"
        "<tr><td>(HRSDC)</td><td>Federal</td><td>unknown</td><td>N/A</td></tr></table>"
        "<dl><dt>Funding</dt><dd>Yes</dd></dl></body></html>",
        encoding="utf-8",
    )
    text = read_document(page, 1 << 20).pages[0].text
    assert "Body | Level | Registered" in text
    assert "(HRSDC) | Federal | unknown | N/A" in text
    assert "FundingYes" not in text and "Funding" in text and "Yes" in text
