"""Cleaning: the Kalasin sample, the labelled line sets, repairs and paragraph rebuilding."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eval.cleaning import score_cleaning
from ingest.clean import clean_pages, repair_line
from ingest.readers import read_document
from ingest.records import Page
from tests.conftest import KALASIN_RAW, ROOT

GARBAGE_STARTS = [
    "MIuanUasuLazsyaUnsNeINs",
    "assniguuarAunademAutaiosnwdug",
    "dmiu Frumsaslioufid",
    "sufuetreios",
    "nwaug dunuguluaamaunaidon",
    "ddy 01 Tudhunstsativayuteyarnasiferiulgeeny",
    "msunse e fmiandus",
    "duaSuguansuawmainan",
]


@pytest.fixture(scope="module")
def kalasin():
    return clean_pages([Page(KALASIN_RAW.read_text(encoding="utf-8"))])


def test_kalasin_garbage_lines_are_dropped_and_recorded(kalasin):
    for start in GARBAGE_STARTS:
        assert start.split()[0] not in kalasin.text
        assert any(d.text.startswith(start.split()[0]) for d in kalasin.dropped), start
    assert "@un13sinaula" not in kalasin.text
    assert all(d.reason for d in kalasin.dropped)


def test_kalasin_keeps_every_sentence_and_name(kalasin):
    raw = KALASIN_RAW.read_text(encoding="utf-8")
    for sentence in [
        "It had to start a collaborative network either government, civil society and the "
        "people who came to work together.",
        "The factors that lead to success was ability in individual collaboration level and "
        "organization level.",
        "In addition, there was collaborative structure and had a common goal.",
    ]:
        assert sentence in kalasin.text
    for name in ["Kalasin", "Boonplem", "Kachonrak", "Karlers", "Alongkot Sarakarn", "B.E.2560"]:
        assert name in kalasin.text
    # the citation sharing a line with garbage survives, footnote marks on the author go
    assert (
        "(Karlers, C. Municipal Clerk of Kalasin Municipality. November 30, B.E.2560. "
        "Interview)" in kalasin.text
    )
    assert "(Boonplem, C. Mayor of Kalasin Municipality." in kalasin.text
    assert "Sarakarn**" not in kalasin.text and "Sarakarn**" in raw
    # a sentence broken by a blank line is joined again
    assert "strengthening the development of networking between" in kalasin.text


@pytest.mark.parametrize("name", ["lines.jsonl", "heldout.jsonl"])
def test_cleaning_set_floors(name):
    scores = score_cleaning(ROOT / "data" / "eval" / "cleaning" / name)
    assert scores.counts["drop"] >= 100
    assert scores.drop_recall >= 0.97, scores.errors
    assert scores.keep_precision >= 0.99, scores.errors
    assert scores.repair_accuracy >= 0.95, scores.errors


@pytest.mark.parametrize("split", ["tuning", "heldout"])
def test_real_lines_floors(split):
    scores = score_cleaning(ROOT / "data" / "eval" / "cleaning" / "real-lines.jsonl")
    half = scores.by_split[split]
    assert half["counts"]["keep"] >= 300
    assert half["keep_precision"] >= 0.995, scores.errors
    assert half["keep_recall"] >= 0.98, scores.errors
    assert half["drop_recall"] >= 0.98, scores.errors
    assert half["repair_accuracy"] >= 0.95, scores.errors


def test_repairs_tis620_and_utf8_mojibake():
    assert repair_line("¡ÒÃ»¡¤ÃÍ§")[0] == "การปกครอง"
    assert repair_line("the mayorâ€™s plan")[0] == "the mayor’s plan"
    assert repair_line("Kalasin Municipality") is None


def test_headers_footers_page_numbers_and_hyphenation():
    pages = []
    for page in range(1, 5):
        body = ["Journal of Local Governance  |  Vol. 3", ""]
        body += [
            f"In year {page} the municipality worked with volunteers and the district hos-",
            f"pital to visit {page * 10} older residents at home every week.",
            "",
        ]
        body += ["Sample footer line", str(page)]
        pages.append(Page("\n".join(body), page))
    clean = clean_pages(pages)
    assert "Journal of Local Governance" not in clean.text
    assert "Sample footer line" not in clean.text
    assert "district hospital to visit" in clean.text
    reasons = {d.reason for d in clean.dropped}
    assert {"running header/footer", "page number"} <= reasons


def test_pdf_pages_keep_their_numbers():
    clean = clean_pages([Page("First page text here.", 1), Page("Second page text.", 2)])
    assert [p for p, _ in clean.page_starts] == [1, 2]
    assert clean.text.index("Second") >= clean.page_starts[1][1]


def test_thai_unicode_is_kept():
    line = "การปกครองส่วนท้องถิ่นแบบร่วมมือของเทศบาลเมืองกาฬสินธุ์"
    assert line in clean_pages([Page(line)]).text


def test_sample_briefs_lose_no_line():
    """The sample briefs are text files: their repeated header lines are body text."""
    for path in Path(ROOT / "data" / "corpus").glob("*.txt"):
        if path.name.startswith("kalasin"):
            continue
        clean = clean_pages(read_document(path, 2**24).pages)
        assert clean.dropped == [], (path, clean.dropped)
        # hyphenation is undone wherever the word continues on the next line (a kept header
        # line between the halves, as these page-less files have, keeps them apart)
        assert not re.search(r"[a-z]-\n+[a-z]", clean.text), path
