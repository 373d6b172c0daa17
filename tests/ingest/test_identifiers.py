"""DOI, ISBN and arXiv identifiers from PDF metadata and first pages, and what must not match."""

from __future__ import annotations

import pytest

from ingest.identifiers import Identifiers, find_identifiers

ARTICLE_PAGE_1 = """\
Government Information Quarterly 37 (2020) 101234
Contents lists available at ScienceDirect
Government Information Quarterly
journal homepage: www.elsevier.com/locate/govinf
Participatory budgeting and trust in local government: Evidence from Seoul
Ji-won Park a,*, Daniel Moreno b
a Graduate School of Public Administration, Seoul National University, Republic of Korea
ARTICLE INFO
Keywords: Participatory budgeting; Trust; Local government
ABSTRACT
We study 25 districts over 2012-2018 and find that participation raised trust.
https://doi.org/10.1016/j.giq.2020.101234
Received 3 March 2019; Received in revised form 12 May 2020
0740-624X/© 2020 Elsevier Inc. All rights reserved.
"""

REFERENCES_PAGE = """\
of the councils that took part in the scheme.
References
Fung, A. (2006). Varieties of participation in complex governance. Public Administration
Review, 66, 66-75. https://doi.org/10.1111/j.1540-6210.2006.00667.x
Wampler, B. (2012). Participatory budgeting: Core principles and key impacts. Journal of
Public Deliberation, 8(2). doi:10.16997/jdd.138
"""

REPORT_COVER = """\
OECD Public Governance Reviews
Open Government in Estonia
TOWARDS A CITIZEN-CENTRED STATE
"""

REPORT_IMPRINT = """\
This document was approved by the Public Governance Committee on 12 March 2021.
Please cite this publication as:
OECD (2021), Open Government in Estonia, OECD Public Governance Reviews, OECD Publishing, Paris.
ISBN 978-92-64-12345-8 (print)
ISBN 978-92-64-44263-5 (pdf)
Photo credits: Cover © Tallinn City Government.
© OECD 2021
"""

ARXIV_PAGE_1 = """\
arXiv:2101.01234v2  [cs.CY]  4 Feb 2021
Measuring Deliberative Quality in Online Citizen Assemblies
Anna Berg, Tomas Lind
Department of Political Science, Lund University
Abstract
We annotate 4,812 contributions to three national online assemblies.
"""


def test_journal_article_doi_on_page_1():
    found = find_identifiers([ARTICLE_PAGE_1, "Body text.", REFERENCES_PAGE])
    assert found == Identifiers(doi="10.1016/j.giq.2020.101234", found_in={"doi": "page 1 text"})


def test_report_isbn_on_imprint_page_first_one_wins():
    found = find_identifiers([REPORT_COVER, REPORT_IMPRINT, "Foreword"])
    assert found.isbn == "9789264123458"
    assert found.found_in == {"isbn": "page 2 text"}
    assert found.doi == found.arxiv == ""


def test_arxiv_preprint_stamp():
    found = find_identifiers([ARXIV_PAGE_1])
    assert found.arxiv == "2101.01234v2"
    assert found.found_in == {"arxiv": "page 1 text"}


@pytest.mark.parametrize(
    "text, arxiv",
    [
        ("Preprint arXiv:hep-th/9901001, submitted to JHEP.", "hep-th/9901001"),
        ("See arXiv:math.AG/0309136v3.", "math.AG/0309136v3"),
        ("arXiv: 1412.6980 (2014).", "1412.6980"),
        ("Available at https://arxiv.org/abs/2305.10601v1", "2305.10601v1"),
        ("DOI: 10.48550/arXiv.2101.01234", "2101.01234"),
    ],
)
def test_arxiv_forms(text, arxiv):
    assert find_identifiers([text]).arxiv == arxiv


@pytest.mark.parametrize(
    "text",
    [
        "arXiv:2113.01234",  # no 13th month
        "arXiv:2101.012345",  # six digits
        "the arXiv preprint server hosts 2101.01234 papers",  # no "arXiv:" label
    ],
)
def test_not_arxiv(text):
    assert find_identifiers([text]).arxiv == ""


@pytest.mark.parametrize(
    "text",
    [
        "DOI: 10.1016/J.GIQ.2020.101234",
        "doi:10.1016/j.giq.2020.101234",
        "https://doi.org/10.1016/j.giq.2020.101234",
        "http://dx.doi.org/10.1016/j.giq.2020.101234",
        "Available online 10.1016/j.giq.2020.101234",
    ],
)
def test_doi_forms_normalise_to_bare_lower_case(text):
    assert find_identifiers([text]).doi == "10.1016/j.giq.2020.101234"


def test_doi_url_percent_encoding_is_decoded():
    text = "https://doi.org/10.1002/%28SICI%291097-4571%28199806%2949"
    assert find_identifiers([text]).doi == "10.1002/(sici)1097-4571(199806)49"


@pytest.mark.parametrize(
    "text, doi",
    [
        ("as argued before (doi:10.1000/xyz123).", "10.1000/xyz123"),
        ("see 10.1000/xyz123, and", "10.1000/xyz123"),
        ("see 10.1000/xyz123; also", "10.1000/xyz123"),
        ("[https://doi.org/10.1000/xyz123]", "10.1000/xyz123"),
        ("doi: 10.1000/xyz123:", "10.1000/xyz123"),
        # a ")" that closes a "(" in the DOI belongs to it
        (
            "Lancet 395. https://doi.org/10.1016/S0140-6736(20)30183-5.",
            "10.1016/s0140-6736(20)30183-5",
        ),
        ("(see 10.1002/(SICI)1097-4571(199806)).", "10.1002/(sici)1097-4571(199806)"),
    ],
)
def test_trailing_sentence_punctuation_is_not_part_of_the_doi(text, doi):
    assert find_identifiers([text]).doi == doi


@pytest.mark.parametrize(
    "text, doi",
    [
        ("https://doi.org/10.1016/j.giq.\n2020.101234\nReceived", "10.1016/j.giq.2020.101234"),
        ("DOI: 10.1080/\n14719037.2019.1584629.", "10.1080/14719037.2019.1584629"),
        ("doi:10.1111/j.1540-\n6210.2010.02201.x", "10.1111/j.1540-6210.2010.02201.x"),
        (
            "doi:10.1093/oxfordhb/\n9780199646135.\n013.0001 (2015)",
            "10.1093/oxfordhb/9780199646135.013.0001",
        ),
    ],
)
def test_doi_broken_over_a_line_end_is_joined(text, doi):
    assert find_identifiers([text]).doi == doi


@pytest.mark.parametrize(
    "text, doi",
    [
        # a full stop ends the sentence; the next line is a sentence, not the DOI's tail
        ("doi:10.1000/xyz123.\nThe survey ran in 2019.", "10.1000/xyz123"),
        # the next line starts with a space: a new word
        ("doi:10.1000/xyz-\n continued later", "10.1000/xyz-"),
        # the next line is another DOI
        ("doi:10.1000/abc.\n10.2000/def", "10.1000/abc"),
        # no break after "/", "." or "-": the line just ends
        ("doi:10.1000/abc\ndef", "10.1000/abc"),
    ],
)
def test_doi_not_joined_to_a_line_that_does_not_continue_it(text, doi):
    assert find_identifiers([text]).doi == doi


def test_doi_in_references_list_is_not_the_documents():
    # page 1 has none; the references on page 2 cite other works: no DOI is taken
    found = find_identifiers(["Working paper\nLocal councils and trust", REFERENCES_PAGE])
    assert found.doi == ""
    assert found.found_in == {}


def test_references_heading_ends_the_search_on_later_pages_too():
    page_3 = "Table A1\nhttps://doi.org/10.5555/appendix.1"
    assert find_identifiers(["Short note", REFERENCES_PAGE, page_3]).doi == ""


def test_doi_before_the_references_heading_on_the_same_page_counts():
    page = "Cite as: doi:10.5555/note.42\nBody.\n7. REFERENCES\ndoi:10.1111/other.1"
    assert find_identifiers([page]).doi == "10.5555/note.42"


def test_page_1_doi_wins_over_later_pages():
    found = find_identifiers(["doi:10.5555/first", "doi:10.5555/second"])
    assert found.doi == "10.5555/first"


def test_only_the_first_pages_are_read():
    pages = ["Cover", "Contents", "Foreword", "doi:10.5555/deep.in.the.body"]
    assert find_identifiers(pages).doi == ""
    assert find_identifiers(pages, first_pages=4).doi == "10.5555/deep.in.the.body"


@pytest.mark.parametrize(
    "info",
    [
        {"doi": "10.1016/J.GIQ.2020.101234"},
        {"/doi": "doi:10.1016/j.giq.2020.101234"},
        {"prism:doi": "10.1016/j.giq.2020.101234"},
        {"DOI": "https://doi.org/10.1016/j.giq.2020.101234"},
        {"Subject": "Government Information Quarterly 37 (2020). doi:10.1016/j.giq.2020.101234"},
        {"/Keywords": "trust; budgeting; 10.1016/j.giq.2020.101234"},
    ],
)
def test_metadata_doi_wins_over_page_text(info):
    found = find_identifiers(["doi:10.5555/printed.one"], info)
    assert found.doi == "10.1016/j.giq.2020.101234"
    assert found.found_in["doi"] == "PDF metadata"


def test_metadata_key_named_doi_wins_over_a_doi_in_subject():
    info = {"Subject": "Responds to doi:10.5555/other", "doi": "10.1016/j.giq.2020.101234"}
    assert find_identifiers([], info).doi == "10.1016/j.giq.2020.101234"


def test_metadata_without_identifiers_falls_back_to_pages():
    info = {"Title": "Participatory budgeting", "Producer": "pdfTeX-1.40.25"}
    found = find_identifiers([ARTICLE_PAGE_1], info)
    assert found.found_in == {"doi": "page 1 text"}


def test_isbn_in_metadata_and_field_named_isbn():
    assert find_identifiers([], {"Keywords": "ISBN 978-92-64-12345-8"}).isbn == "9789264123458"
    assert find_identifiers([], {"isbn": "0-8044-2957-X"}).isbn == "9780804429573"


@pytest.mark.parametrize(
    "text",
    [
        "ISBN 978-92-64-12345-8",
        "ISBN-13: 978-92-64-12345-8",
        "ISBN 978 92 64 12345 8",
        "ISBN (print): 9789264123458",
        "isbn:9789264123458.",
        "ISBN\n978–92–64–12345–8",  # en dashes, number on the next line
        "ISBN-10: 92-64-12345-8",  # converted to ISBN-13
    ],
)
def test_isbn_forms(text):
    assert find_identifiers([text]).isbn == "9789264123458"


def test_isbn_10_with_x_check_digit():
    assert find_identifiers(["ISBN 0-8044-2957-X"]).isbn == "9780804429573"


@pytest.mark.parametrize(
    "text",
    [
        "Order number 9789264123458, invoice 0804429573",  # no ISBN label
        "ISBN 978-92-64-12345-7",  # checksum fails
        "ISBN 0-8044-2957-5",  # checksum fails
        "ISBN 978-92-64-12345-8-1",  # fourteen digits
        "ISBN forthcoming. Printed in 2021 by 9789264123458",  # a year follows the label
    ],
)
def test_not_isbn(text):
    assert find_identifiers([text]).isbn == ""


def test_nothing_found_is_empty():
    assert find_identifiers(["Plain text page, 2019, 1234567890123."]) == Identifiers()
    assert find_identifiers([]) == Identifiers()


def test_real_pdf_metadata_and_text(tmp_path):
    """A PDF made with reportlab, read the way ingest's reader reads one (pypdfium2)."""
    import pypdfium2 as pdfium
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "article.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("Participatory budgeting and trust")
    c.setSubject("Government Information Quarterly 37 (2020). doi:10.1016/j.giq.2020.101234")
    for y, line in zip(range(800, 400, -20), ARTICLE_PAGE_1.splitlines(), strict=False):
        c.drawString(40, y, line.replace("10.1016/j.giq.2020.101234", "10.1016/j.giq.2020.999"))
    c.drawString(40, 300, "arXiv:2101.01234v2")
    c.showPage()
    c.save()
    pdf = pdfium.PdfDocument(path.read_bytes())
    pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    info = pdf.get_metadata_dict(skip_empty=True)
    pdf.close()
    found = find_identifiers(pages, info)
    assert found.doi == "10.1016/j.giq.2020.101234"
    assert found.arxiv == "2101.01234v2"
    assert found.found_in == {"doi": "PDF metadata", "arxiv": "page 1 text"}
