"""Page labels on real PDFs: the PDF's own /PageLabels, else consistent printed numbers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ingest.page_labels import (
    PDF_LABELS,
    PRINTED_NUMBERS,
    PageLabels,
    int_to_roman,
    pdf_page_labels,
    printed_page_numbers,
    roman_to_int,
)
from ingest.readers import read_pdf

TITLE = "Open Government in Estonia: Towards a Citizen-Centred State"


def _body(index: int) -> list[str]:
    return [
        f"Section {index + 1} reviews how the 79 municipalities publish their budgets.",
        "Councils publishing spending data every quarter",
        "45",  # a table cell: a bare number, but not at the page's edge
        "and 12 hold a public hearing before the budget is adopted.",
    ]


def make_pdf(
    path: Path,
    headers: list[str | None],
    footers: list[str | None],
    bodies: list[list[str]] | None = None,
) -> bytes:
    """A PDF with one page per header/footer pair (None: nothing printed there), text in
    the body, written to `path`; its bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for index, (header, footer) in enumerate(zip(headers, footers, strict=True)):
        if header is not None:
            c.drawString(72, 800, header)
        lines = bodies[index] if bodies else _body(index)
        for y, line in zip(range(740, 100, -20), lines, strict=False):
            c.drawString(72, y, line)
        if footer is not None:
            c.drawCentredString(300, 40, footer)
        c.showPage()
    c.save()
    return path.read_bytes()


def page_texts(data: bytes) -> list[str]:
    """The texts ingest's PDF reader extracts (pypdfium2's text range per page)."""
    return [page.text for page in read_pdf(Path("test.pdf"), data).pages]


def labelled(path: Path, data: bytes, ranges: list[tuple[int, int, dict]]) -> bytes:
    """`data` with /PageLabels set by pypdf: (first index, last index, set_page_label
    keywords) per range."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for first, last, options in ranges:
        writer.set_page_label(first, last, **options)
    writer.write(path)
    return path.read_bytes()


def labels_of(tmp_path: Path, headers: list, footers: list, **kw) -> PageLabels:
    data = make_pdf(tmp_path / "doc.pdf", headers, footers, **kw)
    return pdf_page_labels(data, page_texts(data))


# --- the PDF's own /PageLabels


def test_pdf_page_labels_roman_front_matter_then_arabic_and_a_prefix(tmp_path):
    from pypdf.constants import PageLabelStyle

    data = make_pdf(tmp_path / "plain.pdf", [TITLE] * 9, [None] * 9)
    data = labelled(
        tmp_path / "labelled.pdf",
        data,
        [
            (0, 3, {"style": PageLabelStyle.LOWERCASE_ROMAN}),
            (4, 6, {"style": PageLabelStyle.DECIMAL}),
            (7, 8, {"style": PageLabelStyle.DECIMAL, "prefix": "A-"}),
        ],
    )
    result = pdf_page_labels(data, page_texts(data))
    assert result == PageLabels(["i", "ii", "iii", "iv", "1", "2", "3", "A-1", "A-2"], PDF_LABELS)


def test_pdf_page_labels_with_a_start_number(tmp_path):
    from pypdf.constants import PageLabelStyle

    data = make_pdf(tmp_path / "plain.pdf", [TITLE] * 3, [None] * 3)
    options = {"style": PageLabelStyle.DECIMAL, "start": 245}
    data = labelled(tmp_path / "labelled.pdf", data, [(0, 2, options)])
    assert pdf_page_labels(data, page_texts(data)).labels == ["245", "246", "247"]


def test_pdf_page_labels_win_over_printed_numbers(tmp_path):
    from pypdf.constants import PageLabelStyle

    data = make_pdf(tmp_path / "plain.pdf", [TITLE] * 4, ["7", "8", "9", "10"])
    options = {"style": PageLabelStyle.UPPERCASE_LETTER}
    data = labelled(tmp_path / "labelled.pdf", data, [(0, 3, options)])
    assert pdf_page_labels(data, page_texts(data)) == PageLabels(["A", "B", "C", "D"], PDF_LABELS)


def test_no_page_labels_entry_is_not_read_as_1_2_3(tmp_path):
    """pypdf reports "1", "2", ... for a PDF without /PageLabels; that is not a label."""
    from pypdf import PdfReader

    data = make_pdf(tmp_path / "doc.pdf", [TITLE] * 3, [None] * 3)
    assert PdfReader(io.BytesIO(data)).page_labels == ["1", "2", "3"]
    assert pdf_page_labels(data, page_texts(data)) == PageLabels(["", "", ""], "")


# --- printed page numbers


def test_printed_footers_with_an_offset(tmp_path):
    # an unnumbered cover, then pages printed from 17 (a chapter of a longer report)
    footers = [None, "17", "18", "19", "20"]
    result = labels_of(tmp_path, [TITLE] * 5, footers)
    assert result == PageLabels(["", "17", "18", "19", "20"], PRINTED_NUMBERS)


@pytest.mark.parametrize(
    "headers, footers",
    [
        ([TITLE] * 4, ["- 3 -", "- 4 -", "- 5 -", "- 6 -"]),
        ([TITLE] * 4, ["Page 3 of 9", "Page 4 of 9", "Page 5 of 9", "Page 6 of 9"]),
        ([f"{n} | {TITLE}" for n in (3, 4, 5, 6)], [None] * 4),
        ([f"Annual Report 2021 | {n}" for n in (3, 4, 5, 6)], [None] * 4),
        # even pages in the left header, odd pages in the right header
        (["3 | Estonia", "Estonia | 4", "5 | Estonia", "Estonia | 6"], [None] * 4),
    ],
)
def test_printed_number_forms_in_headers_and_footers(tmp_path, headers, footers):
    result = labels_of(tmp_path, headers, footers)
    assert result == PageLabels(["3", "4", "5", "6"], PRINTED_NUMBERS)


def test_roman_front_matter_then_arabic(tmp_path):
    # cover, ii, (an unnumbered page iii), iv, then 1..5
    footers = [None, "ii", None, "iv", "1", "2", "3", "4", "5"]
    result = labels_of(tmp_path, [TITLE] * 9, footers)
    expected = ["", "ii", "iii", "iv", "1", "2", "3", "4", "5"]
    assert result == PageLabels(expected, PRINTED_NUMBERS)


def test_unnumbered_pages_between_numbered_ones_are_filled_not_after_the_last(tmp_path):
    # a chapter opening (index 2) carries no number; nor do the two back pages
    footers = ["1", "2", None, "4", "5", None, None]
    result = labels_of(tmp_path, [TITLE] * 7, footers)
    assert result.labels == ["1", "2", "3", "4", "5", "", ""]


def test_a_stray_number_between_numbered_pages_is_filled_over(tmp_path):
    # an unnumbered page that ends with a table cell ("45") between pages 2 and 4
    bodies = [_body(i) for i in range(6)]
    bodies[2] = [*bodies[2], "Total", "45"]
    result = labels_of(tmp_path, [TITLE] * 6, ["1", "2", None, "4", "5", "6"], bodies=bodies)
    assert result == PageLabels(["1", "2", "3", "4", "5", "6"], PRINTED_NUMBERS)


def test_share_of_agreeing_pages_decides(tmp_path):
    # 3 of 5 numbered pages agree (60%): believed, the two stray numbers filled over
    agree = labels_of(tmp_path, [TITLE] * 5, ["1", "2", "3", "41", "77"])
    assert agree.kind == PRINTED_NUMBERS
    assert agree.labels == ["1", "2", "3", "", ""]
    # 3 of 6 (50%): not believed
    disagree = labels_of(tmp_path, [TITLE] * 6, ["1", "2", "3", "41", "77", "9"])
    assert disagree == PageLabels([""] * 6, "")


def test_inconsistent_numbers_are_not_page_numbers(tmp_path):
    # bare numbers at the bottom of each page, but table totals, not a sequence
    result = labels_of(tmp_path, [TITLE] * 5, ["45", "12", "7", "300", "12"])
    assert result == PageLabels([""] * 5, "")


def test_two_agreeing_pages_of_a_long_document_are_too_few(tmp_path):
    result = labels_of(tmp_path, [TITLE] * 6, ["5", "6", None, None, None, None])
    assert result.kind == ""


def test_short_document_needs_every_page(tmp_path):
    both = labels_of(tmp_path, [TITLE] * 2, ["9", "10"])
    assert both == PageLabels(["9", "10"], PRINTED_NUMBERS)
    one = labels_of(tmp_path, [TITLE] * 2, ["9", None])
    assert one == PageLabels(["", ""], "")


def test_a_year_is_not_a_page_number(tmp_path):
    # the same year in every footer, and a one-page note dated at its foot
    assert labels_of(tmp_path, [TITLE] * 4, ["2021"] * 4).kind == ""
    assert labels_of(tmp_path, [TITLE], ["2020"]).kind == ""
    assert labels_of(tmp_path, [TITLE], ["Page 2020"]).labels == ["2020"]


def test_year_like_numbers_that_run_with_the_pages_are_pagination(tmp_path):
    # a journal article printed on pages 1523-1526 of its volume
    result = labels_of(tmp_path, [TITLE] * 4, ["1523", "1524", "1525", "1526"])
    assert result == PageLabels(["1523", "1524", "1525", "1526"], PRINTED_NUMBERS)


def test_a_number_inside_a_sentence_is_not_a_page_number(tmp_path):
    footers = [f"Turnout rose to {n} percent in the districts." for n in (1, 2, 3, 4)]
    assert labels_of(tmp_path, [TITLE] * 4, footers).kind == ""


def test_no_labels_and_no_printed_numbers(tmp_path):
    result = labels_of(tmp_path, [TITLE] * 3, [None] * 3)
    assert result == PageLabels(["", "", ""], "")


def test_not_a_pdf_falls_back_to_the_texts():
    texts = ["Title\nbody\n1", "body\n2", "body\n3"]
    assert pdf_page_labels(b"not a pdf", texts) == PageLabels(["1", "2", "3"], PRINTED_NUMBERS)


def test_lone_upper_case_letters_and_words_are_not_roman_numerals():
    texts = [f"body of page {n}\n{word}" for n, word in enumerate(["I", "mix", "C", "di"])]
    assert printed_page_numbers(texts) == []


@pytest.mark.parametrize("value", [1, 4, 9, 14, 40, 90, 400, 1994, 3999])
def test_roman_numerals_round_trip(value):
    assert roman_to_int(int_to_roman(value)) == value


def test_roman_numeral_values():
    assert [int_to_roman(n) for n in (3, 4, 19, 44)] == ["iii", "iv", "xix", "xliv"]
