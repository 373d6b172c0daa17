#!/usr/bin/env python3
"""Build the held-out cleaning evaluation set.

Writes data/eval/cleaning/heldout.jsonl (same format as lines.jsonl, see the
README in that folder). Everything here is written independently of the
cleaner and of make_cleaning_set.py: new Thai source sentences, a new
legacy-font substitution table, new English/Thai keep lines, a new seed.

Standard library only; output is byte-identical on every run.
"""

import json
import os
import random
import re
import sys
import textwrap
from collections import Counter

SEED = 7304519
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "data", "eval", "cleaning", "heldout.jsonl")

rng = random.Random(SEED)
rows = []


def add(text, label, source, why, expect=None):
    rows.append(
        {"text": text, "label": label, "expect": expect, "source": "heldout-" + source, "why": why}
    )


# ---------------------------------------------------------------------------
# Thai source sentences (governance topics) used to make gibberish
# ---------------------------------------------------------------------------
THAI_SRC = [
    "การมีส่วนร่วมของประชาชนในการจัดทำแผนพัฒนาท้องถิ่นสี่ปี เป็นเงื่อนไขสำคัญของการบริหารงานที่โปร่งใส",
    "องค์การบริหารส่วนตำบลได้จัดประชุมประชาคมหมู่บ้านทุกเดือน เพื่อรับฟังความคิดเห็นของผู้นำชุมชน",
    "กองทุนหมู่บ้านและชุมชนเมืองช่วยให้ครัวเรือนที่มีรายได้น้อยเข้าถึงแหล่งเงินทุนได้สะดวกขึ้น",
    "นายกเทศมนตรีกล่าวว่า ความร่วมมือระหว่างโรงพยาบาลส่งเสริมสุขภาพตำบลกับอาสาสมัครสาธารณสุขประจำหมู่บ้าน ทำให้การดูแลผู้ป่วยติดเตียงมีประสิทธิภาพมากขึ้น",
    "ปัญหาการทุจริตในการจัดซื้อจัดจ้างยังคงเป็นอุปสรรคต่อความเชื่อมั่นของประชาชนที่มีต่อหน่วยงานรัฐ",
    "ผู้ใหญ่บ้านและกำนันทำหน้าที่ประสานงานระหว่างที่ว่าการอำเภอกับชาวบ้านในพื้นที่ห่างไกล",
    "การกระจายอำนาจทางการคลังยังไม่สมบูรณ์ เนื่องจากรายได้ส่วนใหญ่ขององค์กรปกครองส่วนท้องถิ่นมาจากเงินอุดหนุนของรัฐบาลกลาง",
    "กลุ่มวิสาหกิจชุมชนผลิตผ้าไหมมัดหมี่ได้รับการสนับสนุนจากโครงการหนึ่งตำบลหนึ่งผลิตภัณฑ์",
    "คณะกรรมการธรรมาภิบาลจังหวัดมีบทบาทในการตรวจสอบการใช้จ่ายงบประมาณของหน่วยงานในจังหวัด",
    "ชุมชนริมน้ำได้ร่วมกันจัดการขยะมูลฝอยโดยใช้หลักการลดการใช้ การใช้ซ้ำ และการนำกลับมาใช้ใหม่",
    "ผลการสัมภาษณ์พบว่า เจ้าหน้าที่ส่วนใหญ่ยังขาดความรู้ความเข้าใจเรื่องการบริหารจัดการภาครัฐแนวใหม่",
    "สภาองค์กรชุมชนตำบลเป็นเวทีที่เปิดโอกาสให้ผู้หญิงและเยาวชนได้แสดงความคิดเห็นอย่างเท่าเทียม",
    "การจัดสรรงบประมาณแบบมีส่วนร่วมเริ่มทดลองใช้ในเทศบาลนครขอนแก่นเมื่อสองปีก่อน",
    "ธนาคารขยะของโรงเรียนช่วยปลูกฝังจิตสำนึกด้านสิ่งแวดล้อมให้กับนักเรียนและผู้ปกครอง",
    "ระบบหลักประกันสุขภาพถ้วนหน้าทำให้ผู้สูงอายุในชนบทสามารถเข้ารับบริการได้ใกล้บ้าน",
    "ความไว้วางใจระหว่างภาคีเครือข่ายเป็นปัจจัยที่ทำให้การทำงานร่วมกันประสบความสำเร็จ",
    "ศูนย์พัฒนาเด็กเล็กได้รับงบประมาณอาหารกลางวันจากกรมส่งเสริมการปกครองท้องถิ่น",
    "ผู้วิจัยใช้แบบสอบถามกับกลุ่มตัวอย่างจำนวนสี่ร้อยคน และวิเคราะห์ข้อมูลด้วยสถิติเชิงพรรณนา",
    "การประชาสัมพันธ์ผ่านหอกระจายข่าวและวิทยุชุมชนยังคงได้ผลดีในหมู่บ้านชนบท",
    "นโยบายประชารัฐมุ่งเน้นความร่วมมือระหว่างภาครัฐ ภาคเอกชน และภาคประชาสังคม",
    "สำนักงานตรวจเงินแผ่นดินได้ท้วงติงเรื่องการเบิกจ่ายค่าตอบแทนที่ไม่เป็นไปตามระเบียบ",
    "เครือข่ายปราชญ์ชาวบ้านถ่ายทอดภูมิปัญญาท้องถิ่นด้านเกษตรอินทรีย์ให้แก่คนรุ่นใหม่",
    "อาสาสมัครป้องกันภัยฝ่ายพลเรือนได้รับการฝึกอบรมเพื่อรับมือกับอุทกภัยในฤดูฝน",
    "การเลือกตั้งสมาชิกสภาท้องถิ่นครั้งล่าสุดมีผู้มาใช้สิทธิสูงกว่าค่าเฉลี่ยของประเทศ",
    "ข้าราชการส่วนภูมิภาคบางส่วนมองว่าการกระจายอำนาจทำให้เกิดความซ้ำซ้อนในการทำงาน",
    "โครงการโคกหนองนาโมเดลช่วยให้เกษตรกรบริหารจัดการน้ำได้ดีขึ้นในช่วงฤดูแล้ง",
    "ประชาชนสามารถร้องเรียนผ่านศูนย์ดำรงธรรมได้ทั้งทางโทรศัพท์และทางเว็บไซต์",
    "วัดและโรงเรียนเป็นพื้นที่กลางที่ชาวบ้านใช้ในการพบปะและตัดสินใจร่วมกันบ่อยๆ",
    "แผนชุมชนพึ่งตนเองจัดทำขึ้นจากข้อมูล จปฐ. และข้อมูลความจำเป็นพื้นฐานของครัวเรือน",
    "ผู้นำที่มีวิสัยทัศน์และความซื่อสัตย์ช่วยสร้างแรงจูงใจให้สมาชิกชุมชนเข้าร่วมกิจกรรม",
    "เทศบาลตำบลได้ลงนามบันทึกข้อตกลงความร่วมมือกับมหาวิทยาลัยราชภัฏในพื้นที่",
    "การติดตามและประเมินผลโครงการยังขาดตัวชี้วัดที่ชัดเจนและวัดผลได้จริง",
    "กลุ่มออมทรัพย์เพื่อการผลิตช่วยลดการพึ่งพาเงินกู้นอกระบบของชาวบ้าน",
    "ความขัดแย้งเรื่องการใช้ที่ดินป่าชุมชนได้รับการไกล่เกลี่ยโดยคณะกรรมการหมู่บ้าน",
    "ทุกฝ่ายเห็นพ้องว่าควรเพิ่มอำนาจการตัดสินใจให้กับท้องถิ่นมากยิ่งขึ้นในอนาคต",
    "ร้อยละหกสิบห้าของผู้ตอบแบบสอบถามเห็นด้วยกับการจัดตั้งสภาพลเมือง",
    "ผู้สูงอายุที่อยู่ตามลำพังได้รับการเยี่ยมบ้านจากอาสาสมัครดูแลผู้สูงอายุสัปดาห์ละครั้ง",
    "ระเบียบกระทรวงมหาดไทยว่าด้วยการจัดทำแผนพัฒนาขององค์กรปกครองส่วนท้องถิ่น",
    "คณะผู้บริหารท้องถิ่นต้องรายงานผลการดำเนินงานต่อสภาท้องถิ่นอย่างน้อยปีละหนึ่งครั้ง",
    "ตลาดนัดชุมชนช่วยสร้างรายได้เสริมให้กับเกษตรกรรายย่อยและผู้ประกอบการในท้องถิ่น",
]

# ---------------------------------------------------------------------------
# Held-out legacy-font table (own design: Thai glyph -> Latin look-alike)
# Common consonants become lowercase letters, a few become capitals (mid-word
# capitals), some vowels become digits, mai yamok/paiyannoi become "@", and
# most upper/lower diacritics and tone marks vanish.
# ---------------------------------------------------------------------------
LEGACY = {
    "ก": "h",
    "ข": "y",
    "ฃ": "yj",
    "ค": "a",
    "ฅ": "aj",
    "ฆ": "U",
    "ง": "j",
    "จ": "9",
    "ฉ": "Q",
    "ช": "z",
    "ซ": "zj",
    "ฌ": "Wl",
    "ญ": "N",
    "ฎ": "g",
    "ฏ": "gj",
    "ฐ": "S",
    "ฑ": "M",
    "ฒ": "W",
    "ณ": "nj",
    "ด": "o",
    "ต": "q",
    "ถ": "e",
    "ท": "v",
    "ธ": "E",
    "น": "m",
    "บ": "b",
    "ป": "P",
    "ผ": "W",
    "ฝ": "Wj",
    "พ": "k",
    "ฟ": "kj",
    "ภ": "A",
    "ม": "r",
    "ย": "d",
    "ร": "x",
    "ล": "c",
    "ว": "w",
    "ศ": "F",
    "ษ": "X",
    "ส": "t",
    "ห": "R",
    "ฬ": "Wc",
    "อ": "u",
    "ฮ": "H",
    "ฤ": "G",
    "ฦ": "Gc",
    "ะ": "s",
    "ั": "",
    "า": "f",
    "ำ": "4",
    "ิ": "",
    "ี": "i",
    "ึ": "J",
    "ื": "y",
    "ุ": "",
    "ู": "",
    "ฺ": "",
    "เ": "l",
    "แ": "ll",
    "โ": "I",
    "ใ": "7",
    "ไ": "1",
    "ๅ": "f",
    "ๆ": "@",
    "ฯ": "@",
    "่": "",
    "้": "",
    "๊": "",
    "๋": "",
    "็": "",
    "์": "",
    "ํ": "",
}
for _i, _d in enumerate("๐๑๒๓๔๕๖๗๘๙"):
    LEGACY[_d] = str(_i)

# Kedmanee layout: Thai character -> US QWERTY key that produces it
KEDMANEE = {}
_unshift = "`1234567890-="
_shift = "~!@#$%^&*()_+"
for _k, _s, _pair in zip(
    _unshift, _shift, ["_%", "ๅ+", "/๑", "-๒", "ภ๓", "ถ๔", "ุู", "ึ฿", "ค๕", "ต๖", "จ๗", "ข๘", "ช๙"]
):
    KEDMANEE[_pair[0]] = _k
    KEDMANEE[_pair[1]] = _s
for _keys, _thai in (
    ("qwertyuiop[]\\", "ๆไำพะัีรนยบลฃ"),
    ("QWERTYUIOP{}|", '๐"ฎฑธํ๊ณฯญฐ,ฅ'),
    ("asdfghjkl;'", "ฟหกดเ้่าสวง"),
    ('ASDFGHJKL:"', "ฤฆฏโฌ็๋ษศซ."),
    ("zxcvbnm,./", "ผปแอิืทมใฝ"),
    ("ZXCVBNM<>?", "()ฉฮฺ์?ฒฬฦ"),
):
    assert len(_keys) == len(_thai), (_keys, _thai)
    for _k, _t in zip(_keys, _thai):
        KEDMANEE[_t] = _k
KEDMANEE[" "] = " "


def legacy(s):
    return "".join(LEGACY.get(c, c) for c in s)


def kedmanee(s):
    return "".join(KEDMANEE[c] for c in s)


def chop(stream, n, lo, hi, lead_p=0.12):
    """Cut a long string into n lines of lo..hi chars, preferring spaces."""
    out, pos = [], 0
    while len(out) < n:
        if pos >= len(stream) - hi:
            pos = 0
        want = rng.randint(lo, hi)
        piece = stream[pos : pos + want]
        cut = piece.rfind(" ")
        if cut >= lo and rng.random() < 0.7:
            piece = piece[:cut]
        pos += len(piece)
        piece = piece.strip()
        if len(piece) < lo or piece in out:
            continue
        if rng.random() < lead_p:
            piece = " " + piece
        out.append(piece)
    return out


src_a = THAI_SRC[:]
rng.shuffle(src_a)
legacy_stream = legacy(" ".join(src_a))
src_b = THAI_SRC[:]
rng.shuffle(src_b)
ked_stream = kedmanee(" ".join(src_b))

# ---------------------------------------------------------------------------
# DROP
# ---------------------------------------------------------------------------
for line in chop(legacy_stream, 62, 10, 90):
    add(line, "drop", "legacy-font", "Thai through held-out look-alike table")

for line in chop(ked_stream, 32, 10, 80):
    add(line, "drop", "kedmanee", "Thai typed in QWERTY mode (Kedmanee)")

for _ in range(11):
    n = rng.randint(4, 22)
    sep = rng.choice(["", "", " "])
    ids = [
        rng.choice([rng.randint(1, 120), rng.randint(3, 99), rng.randint(100, 2400)])
        for _ in range(n)
    ]
    line = sep.join("(cid:%d)" % i for i in ids)
    if rng.random() < 0.3:
        line = " " + line
    add(line, "drop", "cid", "(cid:N) glyph ids")

for _ in range(11):
    words = []
    for _w in range(rng.randint(1, 7)):
        k = rng.randint(2, 10)
        chars = []
        for _c in range(k):
            if rng.random() < 0.45:
                chars.append(chr(rng.randint(0xF700, 0xF71A)))
            else:
                chars.append(chr(rng.randint(0xE000, 0xF8FF)))
        words.append("".join(chars))
    add(" ".join(words), "drop", "pua", "private-use-area glyphs")

for _ in range(11):
    words = ["?" * rng.randint(2, 14) for _w in range(rng.randint(1, 8))]
    line = " ".join(words)
    if rng.random() < 0.3:
        line = line + rng.choice([".", " ?", ""])
    add(line, "drop", "qmarks", "failed encoding")

# ---------------------------------------------------------------------------
# KEEP: wrapped prose from several regions
# ---------------------------------------------------------------------------
PROSE = [
    "Since the enactment of Law No. 6/2014 on Villages, each desa has received Dana "
    "Desa transfers from the central budget, and the planning cycle now runs through "
    "Musrenbang Desa, where the kepala desa, the Badan Permusyawaratan Desa (BPD) and "
    "community groups negotiate priorities. Informants in Gunungkidul described the "
    "process as musyawarah rather than voting, and framed road repairs and irrigation "
    "works as gotong royong, even when labour was in fact paid from the village budget. "
    "BAPPENAS guidance and KPK monitoring have added reporting duties that many village "
    "secretaries find difficult to meet.",
    "Under the Local Government Code of 1991 (Republic Act 7160), the Barangay is the "
    "basic political unit, and the Punong Barangay chairs both the Barangay Development "
    "Council and the Lupong Tagapamayapa. DILG Memorandum Circulars set the minimum "
    "share of CSO seats in local special bodies, yet accreditation rules often favour "
    "NGOs that already have ties to the mayor. In Naga City the Empowerment Ordinance "
    "gave the Naga City People's Council a formal voice, a model later cited by NEDA "
    "planners and by LGU officials in Bohol and Iloilo.",
    "The Tambon Administrative Organization (TAO) and the municipality coexist with the "
    "older provincial hierarchy of the Ministry of Interior, in which the kamnan and the "
    "phuyaiban are appointed through DOPA. Respondents in Khon Kaen and Roi Et stressed "
    "that the village heads still decide who attends the prachakhom meetings, and that "
    "OTOP groups, the village fund committee and the NHSO-funded community health fund "
    "draw on the same small circle of leaders. The Sufficiency Economy Philosophy was "
    "invoked in almost every interview, often as a justification for low budgets.",
    "Kerala's People's Plan Campaign (Janakeeya Asoothranam) of 1996 devolved roughly a "
    "third of the state plan outlay to the gram panchayats, and ward sabhas became the "
    "first step in drafting local plans. Kudumbashree, launched in 1998, organises women "
    "into ayalkoottams (neighbourhood groups) federated at the ward and panchayat levels. "
    "In contrast, Panchayati Raj Institutions in Uttar Pradesh and Bihar remain dominated "
    "by the sarpanch, and Gram Sabha meetings are often convened only to satisfy the "
    "quorum requirements of MGNREGA social audits.",
    "In Rwanda, Umuganda, the monthly community work day held on the last Saturday, is "
    "paired with Imihigo performance contracts signed between district mayors and the "
    "President, while Ubudehe categories determine eligibility for community-based health "
    "insurance (mutuelle de santé). Kenyan Harambee, by contrast, emerged as a self-help "
    "tradition in which wananchi pooled resources for schools and clinics; after 2010 the "
    "county governments and the Constituency Development Fund absorbed much of this role. "
    "In Tanzania, Serikali za Mitaa and the Kamati ya Maendeleo ya Kata still rely on "
    "ujamaa-era structures.",
    "Porto Alegre's Orçamento Participativo, introduced by the Workers' Party (PT) "
    "administration in 1989, allowed residents of sixteen regions to rank investment "
    "priorities in public assemblies, and the Conselho do Orçamento Participativo (COP) "
    "translated these rankings into the budget matrix. Similar experiments followed in "
    "Belo Horizonte, in Montevideo and in Villa El Salvador, where the Presupuesto "
    "Participativo became mandatory by law in 2003. Housing cooperatives in São Paulo "
    "relied on mutirão, collective self-construction, while Bolivia's Ley de "
    "Participación Popular (1994) recognised the Organizaciones Territoriales de Base.",
    "In Germany the Bürgerhaushalt spread from Berlin-Lichtenberg to Cologne and "
    "Freiburg, though most municipal councils treated the proposals as advisory. Polish "
    "gminas, in contrast, adopted the fundusz sołecki, a village fund that allows the "
    "zebranie wiejskie to allocate a share of the commune budget, and Lisbon launched "
    "the first capital-city participatory budget in Europe in 2008.",
]
for para in PROSE:
    width = rng.randint(76, 86)
    for line in textwrap.wrap(para, width=width):
        add(line, "keep", "prose", "article text broken at ~80 chars")

# ---------------------------------------------------------------------------
# KEEP: names, terms and acronyms
# ---------------------------------------------------------------------------
NAMES = [
    "BAPPENAS",
    "DILG",
    "NEDA",
    "KPK",
    "CSO",
    "NGO",
    "LGU",
    "OTOP",
    "NHSO",
    "DOPA",
    "Gotong royong",
    "musyawarah mufakat",
    "Musrenbang Kecamatan",
    "Panchayati Raj",
    "Kudumbashree",
    "Barangay",
    "Harambee",
    "Umuganda",
    "Orçamento",
    "mutirão",
    "Barangay Sta. Cruz, Makati City",
    "Sangguniang Kabataan (SK)",
    "Bayanihan",
    "Badan Usaha Milik Desa (BUMDes)",
    "Kudumbashree Mission, Thiruvananthapuram",
    "Abunzi mediation committees",
    "Girinka Munyarwanda",
    "Inteko z'Abaturage",
    "Juntas de Acción Comunal",
    "Consejos Comunales",
    "cabildo abierto",
    "Lok Adalat",
    "Mahatma Gandhi NREGA",
    "ayalkoottam",
    "Ubudehe",
    "Imihigo",
    "Sapha Ongkon Chumchon Tambon",
    "Ban Nong Khu, Tambon Na Chueak",
    "Amphoe Kantharawichai, Maha Sarakham",
    "Kong Thun Muban (Village Fund)",
    "Pracharat",
    "Phuyaiban",
    "Kamnan",
    "Ujamaa",
    "Serikali za Mitaa",
    "ward sabha",
    "Bürgerhaushalt",
    "fundusz sołecki",
    "Katarungang Pambarangay",
    "Pantawid Pamilyang Pilipino Program (4Ps)",
    "Conselhos Gestores",
    "Presupuesto Participativo",
    "Gram Sabha",
    "Umudugudu",
    "kepala desa",
    "Pemerintah Daerah",
    "Dana Desa",
    "Wananchi",
    "Kamukunji",
    "sarpanch",
    "BPD",
    "PRIs",
    "TAO",
    "LAO",
    "KPI",
    "MOI",
    "MGNREGA",
]
for n in NAMES:
    add(n, "keep", "names", "name, term or acronym")

# ---------------------------------------------------------------------------
# KEEP: short continuation fragments and headings
# ---------------------------------------------------------------------------
FRAGMENTS = [
    "the village heads.",
    "and the sub-district",
    "of the Tambon.",
    "in the barangay.",
    "and the kepala desa.",
    "to the district office",
    "were interviewed.",
    "(see Table 2).",
    "participation.",
    "local people.",
    "as well as the NGOs",
    "in Kigali and Musanze.",
    "de la comunidad",
    "in each ward",
    "by the LGU.",
    "et al., 2015).",
    "p. 214).",
    "and so on.",
    "of the gram panchayat",
    "i.e. the",
]
for f in FRAGMENTS:
    add(f, "keep", "fragments", "short continuation fragment")

HEADINGS = [
    "ABSTRACT",
    "I. INTRODUCTION",
    "2. Literature Review",
    "2.1 Collaborative Governance",
    "3. Research Methodology",
    "4. Findings",
    "Conclusion and Recommendations",
    "Bibliography",
    "Acknowledgment",
    "Table 3 Village fund (Dana Desa) transfers by province, 2015-2019 (IDR billion)",
    "Figure 2 Structure of the Barangay Development Council",
    "Keywords: collaborative governance; decentralisation; Kudumbashree; Umuganda",
    "GOVERNANCE IN TRANSITION",
    "Notes",
]
for h in HEADINGS:
    add(h, "keep", "headings", "heading, caption or keywords")

# ---------------------------------------------------------------------------
# KEEP: interview citations (invented informants)
# ---------------------------------------------------------------------------
INTERVIEWS = [
    "(Saengthong, P. Deputy Mayor of Roi Et Municipality. August 7, B.E.2561. Interview)",
    " (Chaiyasit, N. Kamnan of Tambon Nong Kung. February 2, B.E.2562. Interview)",
    "(Boonmee, S. Village Health Volunteer, Ban Don Yang. May 21, B.E.2560. Interview)",
    " (Inthasorn, W. Village Headman, Moo 4, Tambon Khok Si. January 18, B.E.2561.",
    "Interview, field notes)",
    "Health Promoting Hospital. September 9, B.E.2561. Interview)",
    " (Phromma, K. Chief Executive of Ban Lao Subdistrict Administrative Organization.",
    "(Interview with a Barangay Kagawad, Quezon City, 14 March 2018)",
    "(Informant 7, kepala desa, Sleman, interview, 3 August 2017)",
    "(FGD with ayalkoottam members, Palakkad, 12 January 2019)",
    "(Interview, Umudugudu leader, Huye District, 22 June 2016)",
    " March 12, B.E.2562. Interview)",
]
for i in INTERVIEWS:
    add(i, "keep", "interviews", "interview citation")

# ---------------------------------------------------------------------------
# KEEP: reference-list lines
# ---------------------------------------------------------------------------
REFS = [
    "Grindle, M. S. (2007). Going local: Decentralization, democratization, and the",
    "promise of good governance. Princeton, NJ: Princeton University Press.",
    "Baiocchi, G. (2005). Militants and citizens: The politics of participatory democracy",
    "in Porto Alegre. Stanford, CA: Stanford University Press.",
    "Gaventa, J., & Valderrama, C. (1999). Participation, citizenship and local",
    "governance. Brighton: Institute of Development Studies.",
    "Ostrom, E. (1990). Governing the commons: The evolution of institutions for",
    "collective action. Cambridge: Cambridge University Press.",
    "Wampler, B. (2007). Participatory budgeting in Brazil: Contestation, cooperation,",
    "and accountability. University Park: Pennsylvania State University Press.",
    "Mansuri, G., & Rao, V. (2013). Localizing development: Does participation work?",
    "Washington, DC: World Bank.",
    "Bardhan, P., & Mookherjee, D. (Eds.). (2006). Decentralization and local",
    "governance in developing countries. Cambridge, MA: MIT Press.",
    "Public Administration and Development, 23(1), 7–16.",
    "Nickson, R. A. (1995). Local government in Latin America. Boulder, CO: Lynne Rienner.",
    "Fung, A., & Wright, E. O. (Eds.). (2003). Deepening democracy: Institutional",
    "innovations in empowered participatory governance. London: Verso.",
    "Office of the Decentralization to the Local Government Organization Committee.",
    "(B.E.2542). Determining Plans and Process of Decentralization Act B.E.2542.",
    "Bangkok: Office of the Prime Minister. (in Thai)",
    "Department of Local Administration. (2019). Number of Local Administrative",
    "Organizations. Retrieved from http://www.dla.go.th",
]
for r in REFS:
    add(r, "keep", "refs", "reference-list line")

URLS = [
    "https://www.bappenas.go.id",
    "http://www.dilg.gov.ph",
    "https://www.nhso.go.th/",
    "Retrieved from https://www.kudumbashree.org",
    "www.minaloc.gov.rw",
    "Corresponding author: s.wongsa@example.ac.th",
]
for u in URLS:
    add(u, "keep", "urls", "URL or e-mail")

# ---------------------------------------------------------------------------
# KEEP: table rows (invented figures)
# ---------------------------------------------------------------------------
TABLE = [
    "Province 2015 2016 2017 2018 2019",
    "Khon Kaen 2,331 48.6 51.4",
    "Municipality 2,472 31.2",
    "TAO 5,324 67.3",
    "Total 7,850 100.0",
    "Male 186 46.5",
    "Female 214 53.5",
    "Mean S.D. Level",
    "Transparency 3.82 0.71 High",
    "Participation 3.45 0.88 Moderate",
    "Thrissur 1,254 96.1 87.3",
    "Kiambu 12 4 33.3",
    "n = 400",
    "x̄ = 3.67, S.D. = 0.74",
    "Porto Alegre 1989–2004 16 regions",
    "Huye 97.2 95.8 98.1",
    "1 2 3 4 5",
    "p < .05",
]
for t in TABLE:
    add(t, "keep", "tables", "table row or statistic")

# ---------------------------------------------------------------------------
# KEEP: Thai Unicode lines
# ---------------------------------------------------------------------------
THAI_KEEP = [
    "บทนำ",
    "คำสำคัญ: ธรรมาภิบาล การมีส่วนร่วม องค์กรปกครองส่วนท้องถิ่น",
    "องค์การบริหารส่วนตำบลโนนสะอาด อำเภอเมือง จังหวัดอุดรธานี",
    "พระราชบัญญัติกำหนดแผนและขั้นตอนการกระจายอำนาจให้แก่องค์กรปกครองส่วนท้องถิ่น พ.ศ. ๒๕๔๒",
    "ตารางที่ 2 จำนวนองค์กรปกครองส่วนท้องถิ่น จำแนกตามประเภท",
    "สำนักงานหลักประกันสุขภาพแห่งชาติ (สปสช.)",
    "กรมการปกครอง (DOPA) กระทรวงมหาดไทย",
    "ที่มา: กรมส่งเสริมการปกครองท้องถิ่น (2562)",
    "เทศบาลนคร 30 แห่ง เทศบาลเมือง 195 แห่ง",
    "หนึ่งตำบลหนึ่งผลิตภัณฑ์ (OTOP)",
    "ประชารัฐ",
    '"บวร" บ้าน วัด โรงเรียน',
    "การบริหารจัดการที่ดี ๖ ประการ ได้แก่ หลักนิติธรรม หลักคุณธรรม หลักความโปร่งใส",
    "หลักความรับผิดชอบ หลักความคุ้มค่า และหลักการมีส่วนร่วม",
    "สัมภาษณ์ นายสมชาย ใจดี กำนันตำบลบ้านเหล่า วันที่ ๑๒ มีนาคม ๒๕๖๒",
    "ปรัชญาของเศรษฐกิจพอเพียง",
    "อาสาสมัครสาธารณสุขประจำหมู่บ้าน (อสม.)",
    "วารสารการเมืองการปกครอง ปีที่ 9 ฉบับที่ 2",
    "ร้อยละ ๗๘.๕",
    "บรรณานุกรม",
    "ชุมชนเข้มแข็ง",
    "จ.ขอนแก่น",
    "ถนนมิตรภาพ ต.ในเมือง อ.เมือง",
    "(ภาษาไทย)",
    "สถาบันพระปกเกล้า. (2560). รายงานการวิจัยเรื่องนวัตกรรมท้องถิ่น. กรุงเทพฯ: สถาบันพระปกเกล้า.",
    "ผู้ใหญ่บ้าน / กำนัน / นายอำเภอ",
    "กองทุนสวัสดิการชุมชน",
    " ที่ว่าการอำเภอกันทรวิชัย",
]
for t in THAI_KEEP:
    add(t, "keep", "thai", "Thai Unicode")

# ---------------------------------------------------------------------------
# MIXED: real part + gibberish from the held-out table (or Kedmanee)
# ---------------------------------------------------------------------------
gib_pool = chop(legacy(" ".join(reversed(src_a))), 60, 8, 40, lead_p=0)
ked_pool = chop(kedmanee(" ".join(reversed(src_b))), 10, 8, 30, lead_p=0)
gib_iter = iter(gib_pool)
ked_iter = iter(ked_pool)

MIXED = [  # (real part, where the gibberish goes)
    ("(Wongsa, S. Village Headman of Ban Non Sawang. June 4, B.E.2561. Interview)", "before"),
    ("(Thongdee, A. Chief Executive of Khok Si TAO. May 8, B.E.2562.", "before"),
    ("(Kaewmanee, R. Nurse, Ban Phai Hospital.", "before"),
    ("(NHSO, 2017)", "both"),
    ("(OTOP)", "both"),
    ("B.E.2559", "both"),
    ("(Karnchana, P. Deputy Mayor of Yasothon Municipality. July 3, B.E.2561. Interview)", "after"),
    ("Table 4", "after"),
    ("78.25%", "both"),
    ("1,250 households", "both"),
    ("Sufficiency Economy Philosophy", "before"),
    ("community health fund", "after"),
    ("(Department of Local Administration, 2019)", "before"),
    ("(MOU)", "both"),
    ("Good Governance", "both"),
    ("B.E.2560. Interview)", "before"),
    ("(DOPA, B.E.2560)", "ked-before"),
    ("Village Fund", "ked-after"),
]
for real, where in MIXED:
    if where.startswith("ked"):
        g1 = next(ked_iter)
        where = where[4:]
    else:
        g1 = next(gib_iter)
    g2 = next(gib_iter)
    if where == "before":
        text = g1 + " " + real
    elif where == "after":
        text = real + " " + g1
    else:
        text = g1 + " " + real + " " + g2
    if rng.random() < 0.3:
        text = " " + text
    add(text, "mixed", "mixed", "gibberish %s real text" % where, expect=real)

# ---------------------------------------------------------------------------
# REPAIR: exact round-trip mojibake
# ---------------------------------------------------------------------------
UTF8_SRC = [
    "Orçamento Participativo was introduced in Porto Alegre in 1989.",
    "São Paulo’s mutirão housing programme",
    "the Bürgerhaushalt in Köln and Freiburg",
    "Antlöv, H. (2003). Village government and rural development in Indonesia",
    "Presupuesto Participativo in Villa El Salvador, Perú",
    "the 1996–2001 People’s Plan Campaign in Kerala",
    "Juntas de Acción Comunal in Medellín",
    "Conselhos Gestores de Políticas Públicas",
    "fundusz sołecki in Polish gminas",
    "Ley de Participación Popular (1994) in Bolivia",
    "mutuelle de santé and Umuganda — two pillars of local service delivery",
    "the so-called “barangay justice system",
]
for s in UTF8_SRC:
    bad = s.encode("utf-8").decode("cp1252")
    add(bad, "repair", "repair-utf8-cp1252", "UTF-8 read as cp1252", expect=s)

TIS_CP1252 = [
    "การปกครองส่วนท้องถิ่น",
    "องค์การบริหารส่วนตำบล (อบต.)",
    "เทศบาลนครขอนแก่น จังหวัดขอนแก่น",
    "ธรรมาภิบาลและการมีส่วนร่วม",
    "ผู้ใหญ่บ้าน กำนัน และนายอำเภอ",
    "ตารางที่ 1 จำนวนกลุ่มตัวอย่าง",
]
for s in TIS_CP1252:
    bad = s.encode("tis-620").decode("cp1252")
    add(bad, "repair", "repair-tis620-cp1252", "TIS-620 Thai read as cp1252", expect=s)

TIS_LATIN1 = [
    "สำนักงานหลักประกันสุขภาพแห่งชาติ",
    "กองทุนหมู่บ้าน",
    "ประชาคมหมู่บ้าน พ.ศ. 2562",
    "แผนพัฒนาท้องถิ่นสี่ปี",
    "ศูนย์ดำรงธรรมอำเภอ",
    "สภาองค์กรชุมชนตำบล",
]
for s in TIS_LATIN1:
    bad = s.encode("tis-620").decode("latin-1")
    add(bad, "repair", "repair-tis620-latin1", "TIS-620 Thai read as latin-1", expect=s)

# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------
THAI_RE = re.compile("[\u0e00-\u0e7f]")
texts = [r["text"] for r in rows]
dups = [t for t, c in Counter(texts).items() if c > 1]
assert not dups, dups
for r in rows:
    t, lab, exp = r["text"], r["label"], r["expect"]
    assert r["source"].startswith("heldout-")
    assert t.strip(), r
    assert "\n" not in t and "\r" not in t, r
    assert not re.fullmatch(r"\s*[0-9\u0e50-\u0e59]+\s*", t), ("bare number", r)
    if lab in ("keep", "drop"):
        assert exp is None, r
    if lab == "mixed":
        assert exp and exp in t and exp != t, r
    if lab == "repair":
        assert exp and exp != t, r
        if r["source"].endswith("utf8-cp1252"):
            assert t.encode("cp1252").decode("utf-8") == exp, r
        elif r["source"].endswith("cp1252"):
            assert t.encode("cp1252").decode("tis-620") == exp, r
        else:
            assert t.encode("latin-1").decode("tis-620") == exp, r
    if r["source"] in ("heldout-legacy-font", "heldout-kedmanee"):
        assert not THAI_RE.search(t) and t.isascii(), r
        if r["source"] == "heldout-legacy-font":
            assert not re.search(r"(?<![A-Za-z0-9])[0-9][0-9.,]*(?![A-Za-z0-9])", t), (
                "number token in gibberish",
                r,
            )
        assert 10 <= len(t.strip()) <= 90, r

by_label = Counter(r["label"] for r in rows)
assert by_label["drop"] >= 110, by_label
assert by_label["keep"] >= 150, by_label
assert by_label["mixed"] >= 12, by_label
assert by_label["repair"] >= 15, by_label
assert len(rows) >= 300, len(rows)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w", encoding="utf-8", newline="\n") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")

by_source = Counter(r["source"] for r in rows)
print("wrote %d lines to %s" % (len(rows), os.path.relpath(OUT, ROOT)))
for k in ("keep", "drop", "mixed", "repair"):
    print("  %-7s %d" % (k, by_label[k]))
for s, n in by_source.items():
    print("  %-32s %d" % (s, n))
sys.exit(0)
