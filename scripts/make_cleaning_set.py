#!/usr/bin/env python3
"""Build the labelled evaluation set for the PDF text-cleaning step.

Writes data/eval/cleaning/lines.jsonl (one JSON object per line) with keys:
  text   - the raw extracted line (no trailing newline)
  label  - "keep" | "drop" | "mixed" | "repair"
  expect - "mixed": the exact substring that must survive cleaning;
           "repair": the correctly repaired text; otherwise null
  source - where the line came from (kalasin, legacy-font, kedmanee, cid, pua,
           qmarks, english, thai, mixed, repair)
  why    - a few words

Deterministic: every random choice comes from random.Random(SEED).
Standard library only.  Usage:  python3 scripts/make_cleaning_set.py
"""

import collections
import json
import os
import random
import sys

SEED = 20240517

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "data", "eval", "cleaning", "lines.jsonl")
KALASIN_CANDIDATES = [
    "/work/shared/samples/kalasin-raw.txt",
    os.path.join(ROOT, "..", "shared", "samples", "kalasin-raw.txt"),
    os.path.join(ROOT, "shared", "samples", "kalasin-raw.txt"),
]

# ---------------------------------------------------------------------------
# 1. kalasin: every non-empty line of shared/samples/kalasin-raw.txt, labelled
#    by hand.  Embedded verbatim so the set can be rebuilt without the sample;
#    when the sample is present it is checked against this list.
# ---------------------------------------------------------------------------
KALASIN = [
    (
        " The Success of Collaborative Local Governance: Lesson from the Organization",
        "keep",
        None,
        "article title",
    ),
    (
        "of Social Services System for the Aged society in Kalasin Municipality",
        "keep",
        None,
        "title continuation",
    ),
    ("Alongkot Sarakarn**", "keep", None, "author name with footnote marks"),
    ("Abstract", "keep", None, "heading"),
    (
        "The purpose of this article was to present the success principles of collaborative local",
        "keep",
        None,
        "abstract sentence",
    ),
    (
        "governance through the organization of social services system for the aged society in Kalasin",
        "keep",
        None,
        "abstract sentence",
    ),
    (
        "municipality by the Kalasin municipality, Mueang Kalasin district, Kalasin province. For, it was a",
        "keep",
        None,
        "abstract sentence with place names",
    ),
    (
        "lesson for other local government organizations in Thailand. By the qualitative research with",
        "keep",
        None,
        "abstract sentence",
    ),
    (
        "documentation survey and interviews. According to study, it has been found that project for the",
        "keep",
        None,
        "abstract sentence",
    ),
    (
        "organization of social services system for the aged society in Kalasin municipality. It had to start a",
        "keep",
        None,
        "abstract sentence",
    ),
    (
        "collaborative network either government, civil society and the people who came to work together.",
        "keep",
        None,
        "abstract sentence",
    ),
    (
        "It had planning, decision, making, action, exchange and resource mobilization. In addition, there",
        "keep",
        None,
        "abstract sentence",
    ),
    (
        "was collaborative structure and had a common goal. The factors that lead to success was ability",
        "keep",
        None,
        "abstract sentence",
    ),
    (
        "in individual collaboration level and organization level. And it was a policy recommendation",
        "keep",
        None,
        "abstract sentence",
    ),
    (
        "for Development of Thai Local Governance, strengthening consciousness in local ownership,",
        "keep",
        None,
        "abstract sentence",
    ),
    (
        "strengthening fairness in local resource management and strengthening the development of",
        "keep",
        None,
        "abstract sentence",
    ),
    (
        "networking between local communities with local administration.",
        "keep",
        None,
        "end of abstract after page break",
    ),
    (
        " (Kachonrak, O. Public Health Technical Officer 5, Bureau of Public Health and Environment, Kalasin",
        "keep",
        None,
        "interview citation start",
    ),
    ("Municipality. November 30, B.E.2560. Interview)", "keep", None, "interview citation end"),
    (
        " MIuanUasuLazsyaUnsNeINs (Boonplem, C. Mayor of Kalasin Municipality. November 30, B.E.2560.",
        "mixed",
        "(Boonplem, C. Mayor of Kalasin Municipality. November 30, B.E.2560.",
        "legacy-font gibberish then citation",
    ),
    (
        " assniguuarAunademAutaiosnwdug demdsnistuiindennainnusiuiie (MOU) Iiiifuansi",
        "drop",
        None,
        "legacy-font gibberish; stray (MOU) only",
    ),
    (
        " dmiu Frumsaslioufid wuimihenuiiasileufiviesndurumuununuiidlsuaty",
        "drop",
        None,
        "legacy-font gibberish",
    ),
    (
        "sufuetreios ahiane auvililassnsUszaunadiige uaziduiveususoassnzvufe mauiales",
        "drop",
        None,
        "legacy-font gibberish",
    ),
    (
        "nwaug dunuguluaamaunaidon g dumhsnuidisumisnnsduney wifibuduseudiiulii",
        "drop",
        None,
        "legacy-font gibberish",
    ),
    (
        "ddy 01 Tudhunstsativayuteyarnasiferiulgeeny Woun lsmeiunanmidug wesiaudnuuas",
        "drop",
        None,
        "legacy-font gibberish with digits",
    ),
    (
        "msunse e fmiandus lufunssaduauypansunduineinseusunnag 16ud Tsmeia",
        "drop",
        None,
        "legacy-font gibberish with digits",
    ),
    (
        "duaSuguansuawmainan @tinauanssaguiminniwdus (Kachonrak, O. Public Health Technical",
        "mixed",
        "(Kachonrak, O. Public Health Technical",
        "legacy-font gibberish then citation",
    ),
    (
        "Officer 5, Bureau of Public Health and Environment, Kalasin Municipality. November 30, B.E.2560.",
        "keep",
        None,
        "citation continuation",
    ),
    (
        " (Karlers, C. Municipal Clerk of Kalasin Municipality. November 30, B.E.2560. Interview) @un13sinaula",
        "mixed",
        "(Karlers, C. Municipal Clerk of Kalasin Municipality. November 30, B.E.2560. Interview)",
        "citation then legacy-font gibberish",
    ),
    (
        " Kalasin Municipality. November 30, B.E.2560. Interview)",
        "keep",
        None,
        "citation continuation",
    ),
    (" B.E.2560. Interview)", "keep", None, "short citation continuation"),
]

# ---------------------------------------------------------------------------
# Thai sentences used as the *source* of synthetic garbage (legacy-font and
# Kedmanee).  Correct Thai, local-government topics.
# ---------------------------------------------------------------------------
THAI_FOR_GARBAGE = [
    "เทศบาลเมืองกาฬสินธุ์ได้จัดตั้งศูนย์พัฒนาคุณภาพชีวิตผู้สูงอายุ",
    "การปกครองส่วนท้องถิ่นแบบร่วมมือ",
    "องค์กรปกครองส่วนท้องถิ่นต้องทำงานร่วมกับภาคประชาสังคม",
    "ผู้สูงอายุในชุมชนได้รับการดูแลจากอาสาสมัครสาธารณสุข",
    "งบประมาณรายจ่ายประจำปีของเทศบาลเพิ่มขึ้นทุกปี",
    "นายกเทศมนตรีได้ลงนามในบันทึกข้อตกลงความร่วมมือกับโรงพยาบาล",
    "คณะกรรมการชุมชนประชุมทุกเดือน เพื่อวางแผนการพัฒนา",
    "การมีส่วนร่วมของประชาชนเป็นหัวใจของการพัฒนาท้องถิ่น",
    "กองสาธารณสุขและสิ่งแวดล้อมรับผิดชอบโครงการเยี่ยมบ้าน",
    "ชมรมผู้สูงอายุจัดกิจกรรมออกกำลังกายทุกวันพุธ",
    "สังคมผู้สูงอายุเป็นความท้าทายของประเทศไทย",
    "ระบบบริการสังคมสำหรับผู้สูงอายุต้องอาศัยเครือข่ายที่เข้มแข็ง",
    "เจ้าหน้าที่เทศบาลลงพื้นที่สำรวจความต้องการของประชาชน",
    "โรงเรียนผู้สูงอายุเปิดสอนหลักสูตรการดูแลสุขภาพ",
    "การกระจายอำนาจสู่ท้องถิ่นตามรัฐธรรมนูญ",
    "สภาองค์การบริหารส่วนตำบลอนุมัติข้อบัญญัติงบประมาณ",
    "ผู้นำชุมชนมีบทบาทสำคัญในการประสานงานกับหน่วยงานรัฐ",
    "ศูนย์บริการผู้สูงอายุแบบไปเช้าเย็นกลับ",
    "การแลกเปลี่ยนทรัพยากรระหว่างภาคีเครือข่าย",
    "อาสาสมัครดูแลผู้สูงอายุที่บ้านได้รับการอบรมจากโรงพยาบาลจังหวัด",
    "ความรู้สึกเป็นเจ้าของท้องถิ่นของประชาชน",
    "การบริหารจัดการทรัพยากรท้องถิ่นอย่างเป็นธรรม",
    "กองทุนสวัสดิการชุมชนช่วยเหลือสมาชิกที่เจ็บป่วย",
    "ผู้สูงอายุที่มีภาวะพึ่งพิงได้รับการดูแลระยะยาว",
    "เทศบาลจัดสรรงบประมาณสำหรับเบี้ยยังชีพผู้สูงอายุ",
    "การประชาคมหมู่บ้านเพื่อจัดทำแผนพัฒนาท้องถิ่นสี่ปี",
    "หน่วยงานภาครัฐ ภาคเอกชน และภาคประชาชนร่วมกันขับเคลื่อนโครงการ",
    "การติดตามและประเมินผลการดำเนินงานของเทศบาล",
    "ปัจจัยแห่งความสำเร็จคือภาวะผู้นำและความไว้วางใจ",
    "ชุมชนเข้มแข็งสามารถพึ่งตนเองได้",
    "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัด",
    "การสัมภาษณ์เชิงลึกกับผู้ให้ข้อมูลสำคัญ",
    "ข้อเสนอแนะเชิงนโยบายสำหรับการพัฒนาการปกครองท้องถิ่นไทย",
    "โครงการธนาคารเวลาในชุมชนเมือง",
    "วัดและโรงเรียนเป็นศูนย์กลางของกิจกรรมชุมชน",
    "บริการรถรับส่งผู้ป่วยฉุกเฉินตลอดยี่สิบสี่ชั่วโมง",
    "ผลการศึกษาพบว่า โครงการประสบความสำเร็จ",
    "การประสานความร่วมมือระดับบุคคลและระดับองค์กร",
    "คนในชุมชนช่วยกันดูแลผู้สูงอายุที่อยู่ตามลำพัง",
    "เครือข่ายความร่วมมือประกอบด้วยภาครัฐและภาคประชาสังคม",
    "แผนพัฒนาสุขภาพผู้สูงอายุระดับตำบล",
    "การตัดสินใจร่วมกัน และการลงมือปฏิบัติร่วมกัน",
    "เทศบาลตำบลและองค์การบริหารส่วนตำบลมีหน้าที่จัดบริการสาธารณะ",
    "ผู้สูงอายุร้อยละสามสิบอาศัยอยู่ในเขตเทศบาล",
    "การจัดสวัสดิการสังคมโดยท้องถิ่น",
    "สมาชิกสภาเทศบาลเสนอญัตติเรื่องการปรับปรุงถนน",
    "ศูนย์ฟื้นฟูสมรรถภาพผู้สูงอายุและคนพิการ",
    "การเรียนรู้ร่วมกันระหว่างเจ้าหน้าที่และชาวบ้าน",
    "ธรรมาภิบาลในการบริหารงานท้องถิ่น",
    "พระภิกษุสงฆ์ร่วมเยี่ยมผู้ป่วยติดเตียงในชุมชน",
    "ฝ่ายพัฒนาชุมชนจัดฝึกอบรมอาชีพให้กลุ่มแม่บ้าน",
    "ประชาชนสามารถเข้าถึงบริการสุขภาพได้อย่างทั่วถึง",
    "ข้อมูลจากการสัมภาษณ์ถูกวิเคราะห์เชิงเนื้อหา",
    "จังหวัดกาฬสินธุ์ตั้งอยู่ในภาคตะวันออกเฉียงเหนือ",
    "ทุนทางสังคมและความไว้วางใจระหว่างกัน",
    "ครอบครัวเป็นผู้ดูแลหลัก ส่วนเทศบาลเป็นผู้สนับสนุน",
    "ปีงบประมาณ ๒๕๖๐ เทศบาลได้รับเงินอุดหนุนเพิ่มขึ้น",
    "ชุมชนทั้ง ๓๓ แห่งในเขตเทศบาลเข้าร่วมโครงการ",
    "ผู้สูงอายุร้อยละ ๑๘ อาศัยอยู่ตามลำพัง",
]

# ---------------------------------------------------------------------------
# 2. legacy-font: fixed substitution Thai char -> ASCII look-alike, imitating
#    what a PDF extractor (or an English OCR pass) returns for Thai set in a
#    legacy non-Unicode font.  Marks above/below the line mostly vanish.
# ---------------------------------------------------------------------------
LEGACY_FONT = {
    "ก": "n",
    "ข": "v",
    "ฃ": "v",
    "ค": "fi",
    "ฅ": "fi",
    "ฆ": "au",
    "ง": "g",
    "จ": "a",
    "ฉ": "a",
    "ช": "v",
    "ซ": "4",
    "ฌ": "au",
    "ญ": "ny",
    "ฎ": "g",
    "ฏ": "g",
    "ฐ": "5",
    "ฑ": "n",
    "ฒ": "M",
    "ณ": "a",
    "ด": "d",
    "ต": "m",
    "ถ": "@",
    "ท": "n",
    "ธ": "s",
    "น": "u",
    "บ": "u",
    "ป": "U",
    "ผ": "W",
    "ฝ": "W",
    "พ": "w",
    "ฟ": "W",
    "ภ": "n",
    "ม": "u",
    "ย": "e",
    "ร": "s",
    "ฤ": "q",
    "ล": "a",
    "ฦ": "a",
    "ว": "s",
    "ศ": "A",
    "ษ": "u",
    "ส": "a",
    "ห": "n",
    "ฬ": "w",
    "อ": "a",
    "ฮ": "o",
    "ฯ": "1",
    "ะ": "z",
    "ั": "",
    "า": "i",
    "ำ": "n",
    "ิ": "i",
    "ี": "i",
    "ึ": "",
    "ื": "",
    "ุ": "",
    "ู": "",
    "ฺ": "",
    "฿": "B",
    "เ": "i",
    "แ": "u",
    "โ": "I",
    "ใ": "l",
    "ไ": "T",
    "ๅ": "i",
    "ๆ": "q",
    "็": "",
    "่": "",
    "้": "",
    "๊": "",
    "๋": "",
    "์": "",
    "ํ": "",
    "๎": "",
    "๏": "",
    "๐": "o",
    "๑": "@",
    "๒": "b",
    "๓": "m",
    "๔": "d",
    "๕": "&",
    "๖": "b",
    "๗": "n",
    "๘": "d",
    "๙": "a",
    "๚": "",
    "๛": "",
    " ": " ",
}


def legacy_font(thai):
    out = []
    for ch in thai:
        if ch in LEGACY_FONT:
            out.append(LEGACY_FONT[ch])
        elif ord(ch) < 128:
            out.append(ch)
        else:
            raise ValueError("no legacy-font mapping for %r" % ch)
    return "".join(out)


# ---------------------------------------------------------------------------
# 3. kedmanee: Thai typed while the keyboard was in English (US QWERTY) mode.
#    Standard Thai Kedmanee layout, key -> Thai character.
# ---------------------------------------------------------------------------
KEDMANEE_UNSHIFTED = {
    "`": "_",
    "1": "ๅ",
    "2": "/",
    "3": "-",
    "4": "ภ",
    "5": "ถ",
    "6": "ุ",
    "7": "ึ",
    "8": "ค",
    "9": "ต",
    "0": "จ",
    "-": "ข",
    "=": "ช",
    "q": "ๆ",
    "w": "ไ",
    "e": "ำ",
    "r": "พ",
    "t": "ะ",
    "y": "ั",
    "u": "ี",
    "i": "ร",
    "o": "น",
    "p": "ย",
    "[": "บ",
    "]": "ล",
    "\\": "ฃ",
    "a": "ฟ",
    "s": "ห",
    "d": "ก",
    "f": "ด",
    "g": "เ",
    "h": "้",
    "j": "่",
    "k": "า",
    "l": "ส",
    ";": "ว",
    "'": "ง",
    "z": "ผ",
    "x": "ป",
    "c": "แ",
    "v": "อ",
    "b": "ิ",
    "n": "ื",
    "m": "ท",
    ",": "ม",
    ".": "ใ",
    "/": "ฝ",
}
KEDMANEE_SHIFTED = {
    "~": "%",
    "!": "+",
    "@": "๑",
    "#": "๒",
    "$": "๓",
    "%": "๔",
    "^": "ู",
    "&": "฿",
    "*": "๕",
    "(": "๖",
    ")": "๗",
    "_": "๘",
    "+": "๙",
    "Q": "๐",
    "W": '"',
    "E": "ฎ",
    "R": "ฑ",
    "T": "ธ",
    "Y": "ํ",
    "U": "๊",
    "I": "ณ",
    "O": "ฯ",
    "P": "ญ",
    "{": "ฐ",
    "}": ",",
    "|": "ฅ",
    "A": "ฤ",
    "S": "ฆ",
    "D": "ฏ",
    "F": "โ",
    "G": "ฌ",
    "H": "็",
    "J": "๋",
    "K": "ษ",
    "L": "ศ",
    ":": "ซ",
    '"': ".",
    "Z": "(",
    "X": ")",
    "C": "ฉ",
    "V": "ฮ",
    "B": "ฺ",
    "N": "์",
    "M": "?",
    "<": "ฒ",
    ">": "ฬ",
    "?": "ฦ",
}
THAI_TO_KEY = {}
for _table in (KEDMANEE_UNSHIFTED, KEDMANEE_SHIFTED):
    for _key, _thai in _table.items():
        if "\u0e00" <= _thai <= "\u0e7f":
            THAI_TO_KEY[_thai] = _key
THAI_TO_KEY[" "] = " "


def kedmanee(thai):
    out = []
    for ch in thai:
        if ch not in THAI_TO_KEY:
            raise ValueError("no Kedmanee key for %r" % ch)
        out.append(THAI_TO_KEY[ch])
    return "".join(out)


assert kedmanee("สวัสดี") == "l;ylfu"

# ---------------------------------------------------------------------------
# 7. english: real-looking lines from extracted governance articles.  All keep.
# ---------------------------------------------------------------------------
ENGLISH = [
    (
        "sentence broken at line end",
        [
            "Collaborative governance has become a common label for arrangements in which public",
            "agencies engage non-state stakeholders in a formal, consensus-oriented and deliberative",
            "process (Ansell and Gash, 2008). In Thailand, the 1997 and 2007 Constitutions required",
            "local administrative organizations to provide public services with the participation of",
            "the people. The Decentralization Act of B.E.2542 (1999) set out a timetable for the",
            "transfer of functions and budget from central agencies to LAOs, including Provincial",
            "Administrative Organizations, municipalities and Tambon Administrative Organizations.",
            "In 2017, Kalasin Municipality had a population of 34,225, of whom 18.5 percent were",
            "aged 60 or over. The municipality covers 17.65 square kilometres and is divided into",
            "33 communities, each with an elected community committee.",
            'The mayor described the elderly club as "the engine of the network" and stressed that',
            "the municipality did not want to act alone but rather as a facilitator between the",
            "hospital, the temple, schools and the families of older persons.",
            "Data were collected through documentary research and in-depth interviews with 15 key",
            "informants, namely executives, municipal officers, village health volunteers and leaders",
            "of the elderly club, between November and December 2017.",
            "These findings are consistent with Emerson, Nabatchi and Balogh (2012), who argue that",
            "principled engagement, shared motivation and capacity for joint action reinforce one",
            "another over time.",
            "However, the study has limitations. It relies on a single case and on interviews with",
            "actors who were directly involved in the project, which may bias the account towards",
            "success.",
            "Population ageing is proceeding faster in Thailand than in most middle-income countries,",
            "and local governments are expected to fill the gap left by shrinking family care.",
            "Trust between the partners was built gradually, first through small joint activities",
            "such as health check-ups at the temple and later through a shared annual plan.",
            "the day-care centre opened in 2012 with 40 members and had grown to 120 by the time",
            "of the fieldwork;",
            'As one respondent put it, the network "belongs to everybody and to nobody in',
            'particular", which made it resilient to changes in the municipal executive.',
        ],
    ),
    (
        "dense names and acronyms",
        [
            "Comparable arrangements exist elsewhere. In Porto Alegre, the Orçamento Participativo",
            "allowed residents to decide on a share of the capital budget, while Ecuador's Ley",
            "Zanahoria and Bolivia's Law of Popular Participation gave OTBs (Organizaciones",
            "Territoriales de Base) a formal role in municipal planning.",
            "In Indonesia, the Village Law of 2014 created the Dana Desa transfer, and in Rwanda",
            "performance contracts known as imihigo are signed between the President and district",
            "mayors. Indian gram panchayats are accountable to the gram sabha, the assembly of all",
            "registered voters in the village.",
            "The Baan Mankong programme, implemented by CODI since 2003, channels infrastructure",
            "subsidies and housing loans directly to community organizations rather than to",
            "individual households.",
            "Most Tambon Administrative Organizations (TAO) in Khon Kaen and Nakhon Ratchasima",
            "still depend on central grants for more than 70 percent of their revenue.",
            "Under the MOU, the hospital agreed to second two nurses to the day-care centre, while the",
            "municipality provided the building, utilities and a budget of 450,000 baht per year.",
            "The NGO partners, together with UNDP and the Local Development Institute (LDI), supported",
            "training for community volunteers in Mueang Kalasin district.",
            "Extension agencies such as INTA in Argentina worked with rural municipalities on",
            "local development plans, while PT administrations in Brazil expanded participatory",
            "budgeting during the 1990s.",
            "At the Amphoe level, the district chief officer coordinates line agencies, whereas the",
            "Changwat (province) is headed by a governor appointed by the Ministry of Interior.",
            "SAO and TAO are used interchangeably in the literature to denote the Tambon",
            "Administrative Organization (Ongkan Borihan Suan Tambon, OBT).",
            "CODI, NHSO, DLA and ODLOC",
            "Kachonrak and Boonplem both stressed the role of the VHVs (village health volunteers).",
            "Sarakarn (2018) compares Kalasin with Khon Kaen, Udon Thani and Nakhon Ratchasima.",
            "LAO, PAO, SAO, TAO",
            "the Orçamento Participativo (OP) and the Ley Zanahoria",
            "Dana Desa, imihigo and gram sabha: three routes to local accountability",
            "Baan Mankong, Tambon Khao Ruppchang, Amphoe Mueang Songkhla, Changwat Songkhla",
        ],
    ),
    (
        "interview citation",
        [
            "(Sarakarn, A. Deputy Mayor of Kalasin Municipality. December 5, B.E.2560. Interview)",
            "(Srisuk, P. President of the Elderly Club of Kalasin Municipality. November 29,",
            "B.E.2561. Interview)",
            "(Phonphan, W. Village Health Volunteer, Ban Nuea Community. November 28, B.E.2560.",
            "Interview)",
            "(Wongsuwan, S. Director of Kalasin Hospital. December 1, B.E.2560. Interview)",
            "(Thongdee, N. Abbot of Wat Klang. December 2, B.E.2560. Interview)",
            "(Interview, November 30, 2017)",
            "(Boonplem, C., interview, 30 November 2017)",
        ],
    ),
    (
        "reference-list entry",
        [
            "References",
            "Ansell, C., & Gash, A. (2008). Collaborative governance in theory and practice. Journal",
            "of Public Administration Research and Theory, 18(4), 543-571.",
            "Emerson, K., Nabatchi, T., & Balogh, S. (2012). An integrative framework for",
            "collaborative governance. Journal of Public Administration Research and Theory, 22(1),",
            "1-29.",
            "Baiocchi, G. (2005). Militants and Citizens: The Politics of Participatory Democracy in",
            "Porto Alegre. Stanford, CA: Stanford University Press.",
            'Boonyabancha, S. (2005). Baan Mankong: Going to scale with "slum" and squatter',
            "upgrading in Thailand. Environment and Urbanization, 17(1), 21-46.",
            "Nagai, F., Mektrairat, N., & Funatsu, T. (Eds.). (2008). Local Government in Thailand:",
            "Analysis of the Local Administrative Organization Survey. Chiba: IDE-JETRO.",
            "Ostrom, E. (1990). Governing the Commons: The Evolution of Institutions for Collective",
            "Action. Cambridge: Cambridge University Press.",
            "Heller, P. (2001). Moving the state: The politics of democratic decentralization in",
            "Kerala, South Africa, and Porto Alegre. Politics & Society, 29(1), 131-163.",
            "Office of the Decentralization to the Local Government Organization Committee. (2016).",
            "Kalasin Municipality. (2017). Annual Report B.E.2560. Kalasin: Kalasin Municipality.",
        ],
    ),
    (
        "URL, DOI or e-mail",
        [
            "https://doi.org/10.1093/jopart/mur011",
            "DOI: 10.1093/jopart/mum032",
            "Retrieved from http://www.odloc.go.th",
            "Retrieved March 3, 2018, from https://www.nso.go.th",
            "Available at https://www.undp.org/thailand (accessed 12 January 2018).",
            "** Lecturer, College of Local Administration, Khon Kaen University,",
            "E-mail: a.sarakarn@example.ac.th",
            "Corresponding author: governance.lab@example.org",
            "https://codi.or.th",
        ],
    ),
    (
        "heading",
        [
            "Keywords: collaborative governance, local government, aged society, Kalasin",
            "1. Introduction",
            "Introduction",
            "2.1 Research Method",
            "2.2 Key Informants",
            "3. Results",
            "Discussion",
            "Conclusion",
            "Acknowledgements",
            "4.3 Policy Recommendations",
            "Research Objectives",
            "Conceptual Framework",
            "Appendix A",
            "Table 1",
            "Figure 2 Collaborative network of Kalasin Municipality",
            "Journal of Politics and Governance, Vol. 8 No. 1 (January-June 2018)",
            "56",
        ],
    ),
    (
        "numbered or bulleted item",
        [
            "1) to study the organization of social services for the aged society in Kalasin",
            "municipality; and",
            "2) to analyse the factors that led to the success of collaborative local governance.",
            "\u2022 Strengthening consciousness in local ownership",
            "\u2022 Strengthening fairness in local resource management",
            "- Exchange of resources between network partners",
            "(1) planning, (2) decision making, (3) action, and (4) resource mobilization",
            "i. Individual level: trust, commitment and leadership",
            "ii. Organizational level: structure, shared goals and resources",
            "3. The municipality should institutionalize the network through a local ordinance.",
            "a) Kalasin Hospital; b) Wat Klang; c) the elderly club; d) community committees",
            "4.",
        ],
    ),
    (
        "table row",
        [
            "Community Elderly persons Volunteers Visits per month",
            "Ban Nuea 412 18 36",
            "Kalasin Hospital 1 12 -",
            "Total 6,318 240 1,150",
            "2015 5,842 17.2",
            "2016 6,087 17.9",
            "2017 6,318 18.5",
            "Budget item B.E.2559 B.E.2560 B.E.2561",
            "Elderly allowance 28,450,000 30,120,000 31,860,000",
            "Day-care centre 350,000 450,000 480,000",
            "Table 2 Budget for the elderly, Kalasin Municipality, B.E.2559-2561 (baht)",
            "Source: Kalasin Municipality (2017)",
            "Note: * significant at p < 0.05",
            "n = 15",
        ],
    ),
    (
        "short paragraph-final word",
        [
            "network",
            "Thailand.",
            "governance.",
            "municipality.",
            "society.",
            "2017).",
            "Kalasin.",
            "elderly",
        ],
    ),
]

# ---------------------------------------------------------------------------
# 8. thai: genuine Thai Unicode lines.  All keep.
# ---------------------------------------------------------------------------
THAI_KEEP = [
    (
        "Thai sentence",
        [
            "บทคัดย่อ",
            "เอกสารอ้างอิง",
            "สรุปและอภิปรายผล",
            "ข้อเสนอแนะเชิงนโยบาย",
            "การปกครองท้องถิ่นแบบร่วมมือ: บทเรียนจากเทศบาลเมืองกาฬสินธุ์",
            "เทศบาลเมืองกาฬสินธุ์ อำเภอเมืองกาฬสินธุ์ จังหวัดกาฬสินธุ์",
            "ศูนย์พัฒนาคุณภาพชีวิตและส่งเสริมอาชีพผู้สูงอายุ",
            "ขอขอบคุณผู้ให้สัมภาษณ์ทุกท่าน",
            "ผู้สูงอายุที่อยู่ตามลำพังมีความเสี่ยงต่อการถูกทอดทิ้ง",
            "ความสำเร็จของการปกครองท้องถิ่นแบบร่วมมือขึ้นอยู่กับความไว้วางใจ",
            "ประชาชนมีความรู้สึกเป็นเจ้าของท้องถิ่นมากขึ้น",
            "“ถ้าเราไม่ช่วยกันดูแล ผู้สูงอายุก็จะถูกทิ้งไว้ข้างหลัง”",
            "หลักธรรมาภิบาล ได้แก่ หลักนิติธรรม หลักคุณธรรม หลักความโปร่งใส",
            "หลักการมีส่วนร่วม หลักความรับผิดชอบ และหลักความคุ้มค่า",
            "นครราชสีมา ขอนแก่น อุดรธานี และอุบลราชธานี",
            "คณะรัฐศาสตร์และรัฐประศาสนศาสตร์",
            "กองทุนหลักประกันสุขภาพระดับท้องถิ่น",
            "เครือข่าย",
            "กาฬสินธุ์",
            "ชุมชนเข้มแข็งเกิดจากการเรียนรู้ร่วมกันของคนในชุมชน",
        ],
    ),
    (
        "Thai with English terms or numbers",
        [
            "พระราชบัญญัติเทศบาล พ.ศ. 2496 และที่แก้ไขเพิ่มเติม",
            "งบประมาณรายจ่ายประจำปี 2560 จำนวน 12,500,000 บาท",
            "การบันทึกข้อตกลงความร่วมมือ (MOU) ระหว่างเทศบาลและโรงพยาบาลกาฬสินธุ์",
            "องค์การบริหารส่วนตำบล (อบต.) มีจำนวนกว่า 5,300 แห่งทั่วประเทศ",
            "ผู้ให้ข้อมูลสำคัญ (key informants) จำนวน 15 คน",
            "ระเบียบวิธีวิจัยเชิงคุณภาพ (qualitative research)",
            "โครงการบ้านมั่นคง (Baan Mankong) ของสถาบันพัฒนาองค์กรชุมชน (พอช.)",
            "สถาบันพัฒนาองค์กรชุมชน (องค์การมหาชน) หรือ CODI",
            "การดูแลระยะยาว (Long-term Care: LTC) สำหรับผู้สูงอายุที่มีภาวะพึ่งพิง",
            "การประชาคมหมู่บ้านจัดขึ้นเมื่อวันที่ 15 มกราคม 2561",
            "ชุมชนทั้ง 33 ชุมชนในเขตเทศบาลเข้าร่วมโครงการ",
            "อำเภอ (Amphoe) และจังหวัด (Changwat) เป็นราชการส่วนภูมิภาค",
            "ติดต่อผู้เขียน: a.sarakarn@example.ac.th",
            "แผนภาพที่ 2 โครงสร้างเครือข่ายความร่วมมือ",
            "ที่มา: กองสาธารณสุขและสิ่งแวดล้อม เทศบาลเมืองกาฬสินธุ์ (2560)",
            "ตำบล (Tambon) หมู่บ้าน (Muban) และชุมชนเมือง",
            "บทบาทของ อปท. ตาม พ.ร.บ. กำหนดแผนและขั้นตอนการกระจายอำนาจฯ พ.ศ. 2542",
            "Collaborative Local Governance หรือการปกครองท้องถิ่นแบบร่วมมือ",
            "ผู้สูงอายุ 6,318 คน คิดเป็นร้อยละ 18.5 ของประชากร",
            "สำนักงานสถิติแห่งชาติ. (2557). รายงานการสำรวจประชากรสูงอายุในประเทศไทย.",
        ],
    ),
    (
        "Thai with Thai digits",
        [
            "ผู้สูงอายุ หมายถึง บุคคลที่มีอายุตั้งแต่ ๖๐ ปีบริบูรณ์ขึ้นไป",
            "พระราชบัญญัติผู้สูงอายุ พ.ศ. ๒๕๔๖",
            "ตารางที่ ๑ จำนวนผู้สูงอายุจำแนกตามชุมชน",
            "สัมภาษณ์ นายกเทศมนตรีเมืองกาฬสินธุ์ วันที่ ๓๐ พฤศจิกายน ๒๕๖๐",
            "แหล่งที่มา: สำนักงานสถิติแห่งชาติ, ๒๕๕๙",
            "๑. ความเป็นมาและความสำคัญของปัญหา",
            "๒.๑ แนวคิดการปกครองท้องถิ่นแบบร่วมมือ (Collaborative Local Governance)",
            "ร้อยละ ๑๘.๕ ของประชากรเป็นผู้สูงอายุ",
            "อาสาสมัครสาธารณสุขประจำหมู่บ้าน (อสม.) จำนวน ๒๔๐ คน",
            "วารสารการเมืองการปกครอง ปีที่ ๗ ฉบับที่ ๒ หน้า ๑๒๓-๑๔๕",
            "เทศบาลได้จัดสรรงบประมาณ ๓.๕ ล้านบาท เพื่อปรับปรุงศูนย์ฯ",
            "ปีงบประมาณ พ.ศ. ๒๕๕๙–๒๕๖๑",
        ],
    ),
]

# ---------------------------------------------------------------------------
# 9. mixed: a real part that must survive, sharing a line with gibberish.
# ---------------------------------------------------------------------------
MIXED_REAL = [
    (
        "(Sarakarn, A. Deputy Mayor of Kalasin Municipality. December 5, B.E.2560. Interview)",
        "citation",
    ),
    ("(Srisuk, P. President of the Elderly Club. November 29, B.E.2560. Interview)", "citation"),
    ("(Phonphan, W. Village Health Volunteer. November 28, B.E.2560.", "citation start"),
    ("(Wongsuwan, S. Director of Kalasin Hospital. December 1, B.E.2560. Interview)", "citation"),
    ("(Chaiyaphum, K. Leader of Ban Nuea Community. November 29, B.E.2560.", "citation start"),
    ("(Kalasin Municipality, 2017, p. 12)", "in-text citation"),
    ("(National Statistical Office, 2014)", "in-text citation"),
    ("(Ansell & Gash, 2008)", "in-text citation"),
    ("Source: Division of Public Health and Environment (2017)", "table source note"),
    ("Table 2 Number of elderly persons by community, 2015-2017", "table caption"),
    ("12,500,000 baht", "amount"),
    ("18.5 percent", "percentage"),
    ("6,318 persons", "count"),
    ("The project started in 2009 with 33 communities.", "English sentence"),
    ("Local ownership is strengthened through shared decisions.", "English sentence"),
    ("B.E.2561. Interview)", "citation end"),
    ("(Boonplem, C. Mayor of Kalasin Municipality. December 5, B.E.2560. Interview)", "citation"),
    ("Kalasin Municipality. November 29, B.E.2560. Interview)", "citation end"),
]

# ---------------------------------------------------------------------------
# 10. repair: recoverable mojibake.
# ---------------------------------------------------------------------------
REPAIR_ENGLISH = [
    "the mayor\u2019s plan for the aged society",
    "Orçamento Participativo in Porto Alegre \u2013 a comparison",
    "the municipality\u2019s budget rose by 12% \u2014 mostly for elderly care",
    "Journal of Public Administration Research and Theory, 18(4), 543\u2013571.",
    "\u2022 Strengthening fairness in local resource management\u2026",
    "São Paulo\u2019s participatory budget",
    "CODI\u2019s Baan Mankong programme \u2013 community-led upgrading",
    "Kalasin\u2019s elderly club meets every Wednesday",
    "village health volunteers\u2019 monthly reports",
    "2.1 Research Method \u2013 Qualitative Design",
    "It\u2019s the community that owns the project.",
    "Bogotá\u2019s local councils (Juntas Administradoras Locales)",
    "the \u2018network\u2019 of civil society groups",
    "November 30, B.E.2560 \u2014 Interview",
    "Côte d\u2019Ivoire\u2019s decentralisation reform",
    "1,250,000 baht \u2013 15% of the total",
    "Dana Desa \u2013 Indonesia\u2019s village fund",
    "\u201cone network\u201d approach",  # closing quote has no cp1252 glyph: filtered out
]
REPAIR_THAI = [
    "การปกครอง",
    "เทศบาลเมืองกาฬสินธุ์",
    "ผู้สูงอายุในชุมชน",
    "องค์กรปกครองส่วนท้องถิ่น",
    "การมีส่วนร่วมของประชาชน",
    "งบประมาณประจำปี 2560",
    "บทคัดย่อ",
    "เครือข่ายความร่วมมือ",
    "สัมภาษณ์ 30 พฤศจิกายน 2560",
    "ระบบบริการสังคมสำหรับผู้สูงอายุ",
    "อาสาสมัครสาธารณสุขประจำหมู่บ้าน",
    "การกระจายอำนาจ",
    "ข้อบัญญัติงบประมาณ",
    "จังหวัดกาฬสินธุ์",
    "ธรรมาภิบาล",
    "นายกเทศมนตรี",
    "สรุปผลการวิจัย",
]


# ---------------------------------------------------------------------------
def rec(text, label, expect, source, why):
    return {"text": text, "label": label, "expect": expect, "source": source, "why": why}


def load_kalasin():
    for path in KALASIN_CANDIDATES:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                lines = [l.rstrip("\r\n") for l in f]
            lines = [l for l in lines if l.strip()]
            embedded = [t for t, _, _, _ in KALASIN]
            if lines != embedded:
                sys.exit("kalasin sample %s differs from the embedded hand-labelled copy" % path)
            break
    else:
        print("note: kalasin sample not found; using embedded copy", file=sys.stderr)
    return [rec(t, lab, exp, "kalasin", why) for t, lab, exp, why in KALASIN]


def chunk_stream(rng, pieces, n_lines, lo, hi, seen):
    """Join shuffled pieces with spaces and cut into lines of lo..hi chars."""
    out = []
    while len(out) < n_lines:
        order = list(pieces)
        rng.shuffle(order)
        stream = " ".join(order)
        pos = 0
        while pos < len(stream) and len(out) < n_lines:
            n = rng.randint(lo, hi)
            line = stream[pos : pos + n].strip()
            pos += n
            if len(line) < lo or line in seen:
                continue
            if rng.random() < 0.2:
                line = " " + line  # extracted lines often keep a leading space
            seen.add(line)
            out.append(line)
    return out


def make_legacy(rng, seen):
    gib = [legacy_font(s) for s in THAI_FOR_GARBAGE]
    lines = chunk_stream(rng, gib, 96, 10, 90, seen)
    return [rec(l, "drop", None, "legacy-font", "legacy-font Thai mojibake") for l in lines]


def make_kedmanee(rng, seen):
    typed = [kedmanee(s) for s in THAI_FOR_GARBAGE]
    lines = chunk_stream(rng, typed, 46, 10, 90, seen)
    return [rec(l, "drop", None, "kedmanee", "Thai typed on QWERTY (Kedmanee)") for l in lines]


def make_cid(rng, seen):
    out = []
    extras = ["", "", "", " 2", "a", " .", " 17", "(", "-"]
    while len(out) < 12:
        parts = []
        for _ in range(rng.randint(3, 22)):
            parts.append("(cid:%d)" % rng.randint(1, 3200))
            if rng.random() < 0.12:
                parts.append(" ")
        pos = rng.randint(0, len(parts))
        parts.insert(pos, rng.choice(extras))
        line = "".join(parts).strip()
        if line in seen:
            continue
        seen.add(line)
        out.append(rec(line, "drop", None, "cid", "PDF glyph-id run"))
    return out


def make_pua(rng, seen):
    out = []
    thai_pua = [chr(c) for c in range(0xF700, 0xF71B)]
    while len(out) < 12:
        words = []
        for _ in range(rng.randint(1, 7)):
            if rng.random() < 0.5:
                w = "".join(rng.choice(thai_pua) for _ in range(rng.randint(2, 12)))
            else:
                w = "".join(chr(rng.randint(0xE000, 0xF8FF)) for _ in range(rng.randint(2, 12)))
            words.append(w)
        line = " ".join(words)
        if rng.random() < 0.3:
            line += rng.choice([".", " 3", ",", " )"])
        if line in seen:
            continue
        seen.add(line)
        out.append(rec(line, "drop", None, "pua", "private-use-area glyphs"))
    return out


def make_qmarks(rng, seen):
    out = []
    while len(out) < 12:
        words = ["?" * rng.randint(1, 11) for _ in range(rng.randint(1, 9))]
        line = " ".join(words)
        if rng.random() < 0.3:
            line += rng.choice([".", ",", " ?.", ")"])
        if rng.random() < 0.15:
            line = " " + line
        if line in seen:
            continue
        seen.add(line)
        out.append(rec(line, "drop", None, "qmarks", "failed encoding, question marks"))
    return out


def make_keep(groups, source, seen):
    out = []
    for why, lines in groups:
        for line in lines:
            if line in seen:
                raise ValueError("duplicate line: %r" % line)
            seen.add(line)
            out.append(rec(line, "keep", None, source, why))
    return out


def make_mixed(rng, seen):
    gib = [legacy_font(s) for s in THAI_FOR_GARBAGE]
    out = []
    for real, why in MIXED_REAL:
        while True:
            g = rng.choice(gib)
            a = rng.randint(0, max(0, len(g) - 12))
            g = g[a : a + rng.randint(10, 45)].strip()
            shape = rng.choice(["before", "before", "after", "both"])
            if shape == "before":
                line = g + " " + real
            elif shape == "after":
                line = real + " " + g
            else:
                g2 = rng.choice(gib)[: rng.randint(6, 20)].strip()
                line = g + " " + real + " " + g2
            if rng.random() < 0.25:
                line = " " + line
            if line not in seen and len(g) >= 6:
                break
        seen.add(line)
        out.append(rec(line, "mixed", real, "mixed", "gibberish + " + why + " (" + shape + ")"))
    return out


def make_repair(seen):
    out = []
    for s in REPAIR_ENGLISH:
        try:
            m = s.encode("utf-8").decode("cp1252")
        except UnicodeDecodeError:
            continue
        if m.encode("cp1252").decode("utf-8") != s or m == s or m in seen:
            continue
        seen.add(m)
        out.append(rec(m, "repair", s, "repair", "UTF-8 read as cp1252"))
    for i, s in enumerate(REPAIR_THAI):
        codec = "cp1252" if i % 2 == 0 else "latin-1"
        m = s.encode("tis_620").decode(codec)
        if m.encode(codec).decode("tis_620") != s or m == s or m in seen:
            continue
        seen.add(m)
        out.append(rec(m, "repair", s, "repair", "TIS-620 read as " + codec))
    return out


def main():
    rng = random.Random(SEED)
    seen = set()
    records = load_kalasin()
    seen.update(r["text"] for r in records)
    records += make_legacy(rng, seen)
    records += make_kedmanee(rng, seen)
    records += make_cid(rng, seen)
    records += make_pua(rng, seen)
    records += make_qmarks(rng, seen)
    records += make_keep(ENGLISH, "english", seen)
    records += make_keep(THAI_KEEP, "thai", seen)
    records += make_mixed(rng, seen)
    records += make_repair(seen)

    # sanity checks
    texts = [r["text"] for r in records]
    assert len(texts) == len(set(texts)), "duplicate texts"
    for r in records:
        assert "\n" not in r["text"] and "\r" not in r["text"]
        assert r["label"] in ("keep", "drop", "mixed", "repair")
        if r["label"] == "mixed":
            assert r["expect"] and r["expect"] in r["text"], r
        elif r["label"] == "repair":
            assert r["expect"] and r["expect"] != r["text"], r
        else:
            assert r["expect"] is None, r
    labels = collections.Counter(r["label"] for r in records)
    sources = collections.Counter(r["source"] for r in records)
    assert len(records) >= 420, len(records)
    assert labels["drop"] >= 160 and labels["keep"] >= 200, labels
    assert labels["mixed"] >= 15 and labels["repair"] >= 25, labels

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    print("wrote %d lines to %s" % (len(records), os.path.relpath(OUT, ROOT)))
    print("labels:", dict(sorted(labels.items())))
    print("sources:", dict(sorted(sources.items())))
    by = collections.Counter((r["source"], r["label"]) for r in records)
    for (s, l), n in sorted(by.items()):
        print("  %-12s %-7s %d" % (s, l, n))


if __name__ == "__main__":
    main()
