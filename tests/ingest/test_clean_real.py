"""Cleaning on real inputs: a paged PDF with a running header, a text file whose labelled
lines repeat, lines in other languages, URLs and names, glyph runs and mojibake."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.clean import classify_line, clean_pages, repair_line
from ingest.garbage import BESIDE_REAL, GIBBERISH
from ingest.readers import read_document
from ingest.records import Page
from tests.conftest import KALASIN_RAW, ROOT

PARTICIPEDIA = ROOT / "data" / "real" / "participedia"


def _pdf(path: Path, pages: int) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(1, pages + 1):
        c.drawString(72, 800, "Citizens' Assembly on Climate Change: Final Report")
        for i, y in enumerate(range(740, 500, -20)):
            body = "School year: 2005-2006" if i == 6 else f"Paragraph {i} of page {n}."
            c.drawString(72, y, body)
        c.drawString(72, 480, f"On day {n} the members heard evidence about home insulation.")
        c.drawString(300, 40, str(n))
        c.showPage()
    c.save()
    return path


def test_pdf_running_header_and_page_numbers_go(tmp_path):
    raw = read_document(_pdf(tmp_path / "report.pdf", 4), 10 * 2**20)
    clean = clean_pages(raw.pages)
    reasons = {d.text: d.reason for d in clean.dropped}
    header = "Citizens' Assembly on Climate Change: Final Report"
    assert reasons.get(header) == "running header/footer"
    assert header not in clean.text
    assert "page number" in reasons.values()
    # a line repeated mid-page is body text, not a running head
    assert clean.text.count("School year: 2005-2006") == 4
    assert "On day 3 the members heard evidence" in clean.text


def test_text_file_keeps_repeated_labelled_lines(tmp_path):
    block = [
        "Case study: after-school tutoring",
        "School year: 2005-2006",
        "- Total number of participants: 10,702",
        "",
        "Volunteers met pupils twice a week in the school library.",
        "3",
        "",
    ]
    path = tmp_path / "case.txt"
    path.write_text("\n".join(block * 4), encoding="utf-8")
    clean = clean_pages(read_document(path, 2**20).pages)
    assert clean.dropped == []
    assert clean.text.count("School year: 2005-2006") == 4
    assert clean.text.count("- Total number of participants: 10,702") == 4


def test_form_feeds_make_a_text_file_paged():
    page = "Annual Report of the Village Council\n\nThe council met {n} times.\n\n{n}"
    text = "\f".join(page.format(n=n) for n in range(1, 5))
    clean = clean_pages([Page(text)])
    assert "Annual Report of the Village Council" not in clean.text
    assert "The council met 3 times." in clean.text


@pytest.mark.parametrize(
    "line",
    [
        "Ang bawat tao'y may karapatang makilahok sa pamahalaan ng",  # Tagalog
        "at ganap na pagkaunlad ng kanyang pagkatao.",
        "Melihat meningkatnya minat masyarakat pada cabang olahraga ini,",  # Indonesian
        "penyeludupan barang, manusia ataupun narkotika.",
        "setidak-tidaknya untuk tingkat sekolah rendah dan pendidikan dasar.",  # Malay
        "Anerkennung im Ausland erbrachter Leistungen",  # German
        "Berufsqualifikation nach dem Bachelor-Abschluss",
        "Nell'esercizio dei suoi diritti e delle sue libertà, ognuno deve essere sottoposto",
        "Los problemas, desde los más elementales a los más complejos, son multidisciplinarios.",
        "See http://europa.eu/about-eu/eu-history/",
        "e. info@traverse.ltd w. www.traverse.ltd",
        "openDemocracy http://www.opendemocracy.net",
        "The newDemocracy Foundation and DemocracyLab ran it.",
        "[1]Moriaki Tsuchiya",
        "Institutionalisation of participatory budgeting",
        "Further information on their role can be found on the GCP website11",
        "Number of votes: 38 Rank: =4th",
        "Total Number of Participants: 1 700",
    ],
)
def test_real_lines_of_any_language_survive(line):
    assert classify_line(line).kept == line


# Lines of the real corpus (data/real/participedia pages, council report PDFs; two long ones
# cut short after the token) that the cleaner used to cut a real token from, or drop whole,
# before glued tokens were judged by their parts.
@pytest.mark.parametrize(
    "line",
    [
        "OpenParlamento is a web platform that keeps track of all the legislative activities in "
        "both “La Camera” and “Il Senato”.",
        '"VouliWatch: Crowd-sourcing the Greek Parliament", Challenges to Democracy blog, '
        "Harvard Ash Center.",
        "## LiquidFriesland",
        "## IntegrAzione",
        "PlonePriori",
        "InnoCentive:",
        "## TEDx",
        "The students of the University of Bern held a 48 hour strike supporting UPR "
        "students[xi]. Students from the Universitad Autónoma de Méximo (UNAM) released "
        "communiqués in favour of the student strike[xii]. Also, many students organizations "
        "from Dominican Republic published a letter on May 5, 2010, in favour of UPR students "
        "and their strike[xiii]. Around 230 students from the University of Barcelona signed a "
        "petition in favour of the strike[xiv]. The Professors' Association of the Pontifical "
        'Catholic University of São Paulo also expressed support in the struggle against "the '
        'destruction of education at the University of Puerto Rico"[xv], as Internationalist '
        "Clubs at the City University New York also have done[xvi].",
        "[T]heir general attitudes, policy preferences, and level of knowledge",
        "Philadelphia2035 Website",
        "GovLab - World Bank ICT4Gov",
        "Gov2u Events [26]",
        "Author: Shiva217",
        "Net Party presentation v1",
        "No10 Petitions",
        "17Clodagh Harris. Democratic innovations for engaging and empowering citizens. "
        "University College Cork. URL:<http://www.ucc.ie/en/government/DemocraticReport.pdf>14 "
        "December 2012 [DEAD LINK]",
        "1.http://www.delib.co.uk/",
        '"Freedom House." 2010.www.freedomhouse.org',
        "-Kettering Washington D.C. Headquarters -Businessweek Magazine -http://www.kettering.org",
        "Say&Play[11]",
        "Other: Funding: Autostrade per l'Italia",
        "Matteo D'Alonzo",
        "## NIRAS/l'ONDRAF",
        "Direct_Democracy#Related_Methods",
        "Oregon_Citizen_Initiative_Review_(CIR)",
        "~$1.7million (1.2 million euro)",
        "Quattro di Tre Srl (4d3)",
        # report PDFs
        "and co-founder and Director of the 2030Hub",
        "Knowledge Exchange Fellow of N8 AgriFood",
        "BuroHappold, an engineering firm based on",
        "efficiency standards (such as PassivHaus)",
        "Brent Climate Assembly 1 - Evaluation Form (n=41)",
        "Number of votes: 40 Rank:=2nd",
        "agree their own reports of their findings;and",
        "£3.8billion set aside for 1.8 million homes, that’s an",
        "working for the long term (100yrs).",
        "• We need to encourage the use of electric vehicles to reduce co2.",
        "partnership with Citizens Juries ci.c.",
    ],
)
def test_real_glued_tokens_keep_their_line_whole(line):
    assert classify_line(line).kept == line


@pytest.mark.parametrize(
    ("page", "names"),
    [
        ("cases-openparlamento.html", ["OpenParlamento"]),
        ("cases-vouliwatch-greece.html", ["VouliWatch"]),
        ("cases-integrazione.html", ["IntegrAzione", "Pro.g.re.s.s."]),
        ("cases-2010-university-puerto-rico-strike.html", ["strike[xvii].", "4.2International"]),
        ("organizations-gov2u.html", ["Gov2u", "Africa4allproject"]),
        ("organizations-delib.html", ["4.http://www.behfuture.nhs.uk/"]),
        ("cases-satyamev-jayate-truth-alone-prevails.html", ["16Health.india.com", "23Clodagh"]),
    ],
)
def test_real_pages_lose_no_line_to_the_gibberish_detector(page, names):
    clean = clean_pages(read_document(PARTICIPEDIA / page, 2**24).pages)
    cut = [d.text for d in clean.dropped if d.reason in (GIBBERISH, BESIDE_REAL)]
    assert cut == []
    for name in names:
        assert name in clean.text


@pytest.mark.parametrize(
    "token",
    [
        "MIuanUasuLazsyaUnsNeINs",  # legacy-font Thai: capitals anywhere in a lower-case run
        "nnsuniswMuinisUnfisagnag@iuT",  # @ glues no words
        "agfinsUnfisaga",  # an unknown lower-case start before a capital
        "ts;jk'4k8ug8inv-jkpgxHoxy00ypm",  # keyboard-layout Thai: many one- and two-letter runs
        "z]dkily,4",  # a bracket that closes before it opens
        "hfxhxs9fdu4mf9vfjhfxacjdj1rt",
    ],
)
def test_glued_garbage_is_not_rescued_by_its_parts(token):
    assert classify_line(f"{token} (Boonplem, C. Mayor of Kalasin Municipality. 2017)").kept == (
        "(Boonplem, C. Mayor of Kalasin Municipality. 2017)"
    )
    assert classify_line(token).kept == ""


@pytest.mark.parametrize(
    "run",
    ["a" * 10_000, "a" * 10_000 + ".x", "Ab" * 5_000, "a." * 5_000, "a1" * 5_000, "[a" * 5_000],
)
def test_one_huge_word_is_still_refused(run):
    """The fuzz set's one-word file and its glued kin: no run of thousands is real by its
    parts (each part must be word-sized), and none takes quadratic time."""
    assert clean_pages([Page(run)]).text == ""


def test_kalasin_garbage_is_all_dropped():
    clean = clean_pages([Page(KALASIN_RAW.read_text(encoding="utf-8"))])
    dropped = " ".join(d.text for d in clean.dropped)
    for garbage in ["sufuetreios", "MIuanUasuLazsyaUnsNeINs", "@un13sinaula", "Tudhunstsativa"]:
        assert garbage in dropped and garbage not in clean.text


@pytest.mark.parametrize(
    "line",
    [
        "8;k,9hv'dkil^',kd",  # Thai typed in QWERTY mode
        "ytJEsJePd Ua:VsvVsJTAsJdsiJWuSiuorlnisaJhu",  # legacy-font Thai
        "(cid:202)(cid:230)(cid:186)(cid:229)(cid:204)",
        "\uf700\uf701\uf702\uf703",
        "???? ?????",
    ],
)
def test_garbage_lines_are_dropped(line):
    assert classify_line(line).kept == ""


def test_glyph_runs_are_cut_from_a_real_line():
    verdict = classify_line("\uf0b7 Make cycling and walking safer by better route surfaces")
    assert verdict.kept == "Make cycling and walking safer by better route surfaces"
    assert verdict.cuts[0][1].startswith("private-use")
    verdict = classify_line("bảo vệ quyền lợi của mình. ?????????????????????")
    assert verdict.kept == "bảo vệ quyền lợi của mình."


def test_thai_mojibake_through_macroman_and_double_utf8_is_repaired():
    thai = "ประเพณีดั้งเดิมของแอฟริกา"
    assert repair_line(thai.encode("tis-620").decode("mac_roman"))[0] == thai
    assert repair_line(thai.encode("tis-620").decode("cp1252"))[0] == thai
    twice = "Friedens förderlich".encode().decode("cp1252").encode().decode("cp1252")
    assert repair_line(twice)[0] == "Friedens förderlich"
