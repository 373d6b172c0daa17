"""Bibliographic fields, case facets, interview citations and Buddhist Era dates."""

from __future__ import annotations

import re
from collections import Counter

from ingest.identifiers import find_identifiers
from ingest.lexicon import english_words
from ingest.records import CleanText, DocMetadata, Interview, RawDocument
from ingest.text import BE_YEAR, YEAR, be_to_ce

LEVELS = ("local", "regional", "national", "multi-level")

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ]
    )
}

# Facet vocabularies: general governance terms, not tied to any one corpus.
_LEVEL_TERMS = {
    "local": r"municipal\w*|city|cities|town|village\w*|district|commune|ward|tambon|barangay"
    r"|neighbou?rhood\w*|mayor\w*|local government|county council",
    "regional": r"province|provincial|state government|regional|prefecture|governor",
    "national": r"national|nationwide|federal|ministry|parliament|president\w*|central government"
    r"|constitution\w*",
}
_POLICY_TERMS = {
    "budgeting": r"budget\w*|fiscal|spending|tax\w*",
    "participation": r"participat\w*|deliberat\w*|assembl\w*|citizens?'? (?:jury|panel)|consult\w*",
    "social services": r"social (?:service|welfare|care)\w*|care services?",
    "health": r"health\w*|hospital\w*|clinic\w*|mortality|vaccin\w*|nurse\w*",
    "education": r"school\w*|education\w*|teacher\w*|librar\w*",
    "housing": r"housing|slum\w*|tenure|dwelling\w*|upgrading",
    "urban development": r"urban\w*|transport\w*|infrastructure|public space\w*",
    "agriculture and food": r"agricultur\w*|garden\w*|farm\w*|food",
    "environment": r"waste|recycl\w*|environment\w*|climate|pollution|water",
    "digital government": r"digital|online|e-government|internet|platform\w*|software|data",
    "transparency and anti-corruption": r"corrupt\w*|transparen\w*|accountab\w*|audit\w*",
    "public safety": r"police|policing|crime\w*|violence|safety|homicide\w*",
    "local economy": r"procurement|employment|jobs?|econom\w*|vendors?|market\w*|enterprise\w*",
    "decentralisation": r"decentrali[sz]\w*|devolution|devolved|transfer\w* to local",
    "poverty reduction": r"poverty|poor|cash transfer\w*|low-income",
    "elderly care": r"elderly|older (?:people|persons)|aged|ageing|aging",
    "welfare": r"welfare fund\w*|savings group\w*|social protection|pension\w*",
    "constitutional reform": r"constitution\w*|referend\w*|amendment\w*",
}

_COUNTRIES = [
    "Afghanistan",
    "Albania",
    "Algeria",
    "Angola",
    "Argentina",
    "Armenia",
    "Australia",
    "Austria",
    "Azerbaijan",
    "Bangladesh",
    "Belarus",
    "Belgium",
    "Benin",
    "Bhutan",
    "Bolivia",
    "Botswana",
    "Brazil",
    "Bulgaria",
    "Burundi",
    "Cambodia",
    "Cameroon",
    "Canada",
    "Chad",
    "Chile",
    "China",
    "Colombia",
    "Croatia",
    "Cuba",
    "Cyprus",
    "Denmark",
    "Ecuador",
    "Egypt",
    "Estonia",
    "Eswatini",
    "Ethiopia",
    "Fiji",
    "Finland",
    "France",
    "Gabon",
    "Gambia",
    "Georgia",
    "Germany",
    "Ghana",
    "Greece",
    "Guatemala",
    "Guinea",
    "Haiti",
    "Honduras",
    "Hungary",
    "Iceland",
    "India",
    "Indonesia",
    "Iran",
    "Iraq",
    "Ireland",
    "Israel",
    "Italy",
    "Jamaica",
    "Japan",
    "Jordan",
    "Kazakhstan",
    "Kenya",
    "Kosovo",
    "Kuwait",
    "Kyrgyzstan",
    "Laos",
    "Latvia",
    "Lebanon",
    "Lesotho",
    "Liberia",
    "Libya",
    "Lithuania",
    "Luxembourg",
    "Madagascar",
    "Malawi",
    "Malaysia",
    "Maldives",
    "Mali",
    "Malta",
    "Mauritania",
    "Mauritius",
    "Mexico",
    "Moldova",
    "Mongolia",
    "Montenegro",
    "Morocco",
    "Mozambique",
    "Myanmar",
    "Namibia",
    "Nepal",
    "Netherlands",
    "Nicaragua",
    "Niger",
    "Nigeria",
    "Norway",
    "Oman",
    "Pakistan",
    "Panama",
    "Paraguay",
    "Peru",
    "Philippines",
    "Poland",
    "Portugal",
    "Qatar",
    "Romania",
    "Russia",
    "Rwanda",
    "Senegal",
    "Serbia",
    "Singapore",
    "Slovakia",
    "Slovenia",
    "Somalia",
    "Spain",
    "Sudan",
    "Suriname",
    "Sweden",
    "Switzerland",
    "Syria",
    "Taiwan",
    "Tajikistan",
    "Tanzania",
    "Thailand",
    "Togo",
    "Tunisia",
    "Turkey",
    "Uganda",
    "Ukraine",
    "Uruguay",
    "Uzbekistan",
    "Venezuela",
    "Vietnam",
    "Yemen",
    "Zambia",
    "Zimbabwe",
    "Burkina Faso",
    "Costa Rica",
    "Czech Republic",
    "Dominican Republic",
    "El Salvador",
    "New Zealand",
    "North Macedonia",
    "Papua New Guinea",
    "Saudi Arabia",
    "Sierra Leone",
    "South Africa",
    "South Korea",
    "Sri Lanka",
    "Timor-Leste",
    "Trinidad and Tobago",
    "United Arab Emirates",
    "United Kingdom",
    "United States",
    "Bosnia and Herzegovina",
]
_COUNTRY_ALIASES = {
    "Korea": "South Korea",
    "Republic of Korea": "South Korea",
    "USA": "United States",
    "U.S.": "United States",
    "UK": "United Kingdom",
    "Britain": "United Kingdom",
    "England": "United Kingdom",
    "Thai": "Thailand",
    "Brazilian": "Brazil",
    "Indian": "India",
    "Indonesian": "Indonesia",
    "Mexican": "Mexico",
}

_INTERVIEW = re.compile(
    r"\((?P<name>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)*,\s*(?:[A-Z]\.\s*)+)\s*"
    r"(?P<who>[^()]*?)[.,]?\s*"
    r"(?P<date>(?:[A-Z][a-z]+\.? \d{1,2},?|\d{1,2} [A-Z][a-z]+,?)\s*"
    r"(?:B\.\s?E\.\s?|C\.\s?E\.\s?|A\.\s?D\.\s?)?\s?\d{4})"
    r"\.?\s*(?:Interview\w*\.?)?\)?"
)


def parse_date(text: str) -> str:
    """'November 30, B.E.2560' or '30 November 2560' -> '2017-11-30'; '' when unreadable."""
    year_match = re.search(r"(\d{4})\s*$", text.strip())
    if not year_match:
        return ""
    year = be_to_ce(int(year_match.group(1)))
    month = next((n for name, n in _MONTHS.items() if name[:3] in text.lower()), None)
    day = re.search(r"\b(\d{1,2})\b", text[: year_match.start()])
    if month and day:
        return f"{year:04d}-{month:02d}-{int(day.group(1)):02d}"
    return f"{year:04d}"


def extract_interviews(text: str) -> list[Interview]:
    """Structured records for every interview-style citation in the text."""
    found = []
    for match in _INTERVIEW.finditer(text):
        who = re.sub(r"\s+", " ", match.group("who")).strip(" .,")
        role, organisation = who, ""
        if " of " in who.split(",")[0]:
            role, organisation = who.split(" of ", 1)
        elif "," in who:
            role, organisation = (part.strip() for part in who.split(",", 1))
        found.append(
            Interview(
                name=re.sub(r"\s+", " ", match.group("name")).strip(),
                role=role.strip(),
                organisation=organisation.strip(),
                date=parse_date(match.group("date")),
                raw=re.sub(r"\s+", " ", match.group(0)).strip(),
            )
        )
    return found


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in re.split(r";|,| and ", str(value)) if p.strip()]


def _count(pattern: str, text: str) -> int:
    return len(re.findall(rf"\b(?:{pattern})\b", text, re.I))


def infer_level(text: str) -> str:
    scores = {level: _count(terms, text) for level, terms in _LEVEL_TERMS.items()}
    local, national = scores["local"], scores["national"] + scores["regional"]
    if local and national and min(local, national) >= 0.4 * max(local, national):
        return "multi-level"
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] else ""


def infer_policy_areas(text: str, most: int = 3) -> list[str]:
    scores = Counter({area: _count(terms, text) for area, terms in _POLICY_TERMS.items()})
    top = [(area, n) for area, n in scores.most_common(most) if n >= 3]
    if not top:
        return []
    return [area for area, n in top if n >= 0.4 * top[0][1]]


def infer_country(text: str) -> str:
    counts: Counter[str] = Counter()
    for name in _COUNTRIES:
        counts[name] += len(re.findall(rf"\b{re.escape(name)}\b", text))
    for alias, name in _COUNTRY_ALIASES.items():
        counts[name] += len(re.findall(rf"(?<![\w.]){re.escape(alias)}\b", text))
    best = counts.most_common(1)
    return best[0][0] if best and best[0][1] else ""


def infer_place(title: str, text: str, exclude: set[str]) -> str:
    """The most frequent proper name that is not an English word, a country or a person."""
    words = english_words()
    candidates: Counter[str] = Counter()
    for match in re.finditer(r"(?<=[a-z,;] )([A-Z][a-z]{2,}(?: [A-Z][a-z]{2,})?)", text):
        name = match.group(1)
        first = name.split()[0]
        if first.lower() in words or name in exclude or first in exclude:
            continue
        candidates[name] += 1
    for match in re.finditer(r"\b(?:in|of) ([A-Z][a-z]{2,}(?: [A-Z][a-z]{2,})?)", title):
        if match.group(1).split()[0].lower() not in words:
            candidates[match.group(1)] += 3
    for match in re.finditer(r"\b([A-Z][a-z]{2,}(?: [A-Z][a-z]{2,})?)(?:'s|’s)\b", title):
        candidates[match.group(1)] += 5  # "Seoul's OPEN System": the case's place
    best = candidates.most_common(1)
    return best[0][0] if best else ""


def _title_like(line: str) -> bool:
    """A short first line, no sentence end, most of its longer words capitalised (or a
    script without capitals): how titles are set, unlike a sentence run over a line."""
    words = line.split()
    if not 2 <= len(words) <= 20 or line.endswith((".", ",", ";", ":")):
        return False
    long = [w for w in words if len(w) > 3 and w[0].isalpha()]
    cased = [w for w in long if w[0].lower() != w[0].upper()]
    if not cased:
        return bool(long)
    return sum(w[0].isupper() for w in cased) >= 0.6 * len(cased)


def describe(
    raw: RawDocument,
    clean: CleanText,
    interviews: list[Interview],
    identifier_pages: int,
    identifier_chars: int,
) -> DocMetadata:
    """Merge fields read from the file with fields inferred from its cleaned text.

    Identifiers (DOI, ISBN, arXiv) are looked for in the file's metadata and on its first
    `identifier_pages` pages; a file without pages is one long page, so only its first
    `identifier_chars` characters count (a web page's body cites other works' DOIs)."""
    read, read_from = raw.read_fields, raw.read_from
    meta = DocMetadata()
    provenance: dict[str, str] = {}
    source = f"read: {read_from or 'file'}"
    pages = [p.text for p in raw.pages]
    if len(pages) == 1:
        pages = [pages[0][:identifier_chars]]
    found = find_identifiers(pages, raw.file_info, identifier_pages)
    for name in ("doi", "isbn", "arxiv"):
        if getattr(found, name):
            setattr(meta, name, getattr(found, name))
            provenance[name] = f"read: {found.found_in.get(name, 'file')}"
    if any(raw.page_labels):
        meta.page_labels, meta.page_label_kind = list(raw.page_labels), raw.page_label_kind
        provenance["page_labels"] = f"read: {raw.page_label_kind}"

    if read.get("title"):
        meta.title, provenance["title"] = str(read["title"]).strip(), source
    authors = _as_list(read.get("authors") or read.get("author"))
    if authors:
        meta.authors, provenance["authors"] = authors, source
    year = read.get("year")
    if year and re.fullmatch(r"\d{4}", str(year).strip()):
        meta.year, provenance["year"] = be_to_ce(int(str(year).strip())), source
    for key in ("place", "country", "case_years", "abstract"):
        if read.get(key):
            setattr(meta, key, str(read[key]).strip())
            provenance[key] = source
    if read.get("level") and str(read["level"]).strip().lower() in LEVELS:
        meta.level, provenance["level"] = str(read["level"]).strip().lower(), source
    areas = _as_list(read.get("policy_area"))
    if areas:
        meta.policy_area, provenance["policy_area"] = areas, source

    paragraphs = [p for p in clean.text.split("\n\n") if p.strip()]
    if not meta.title and paragraphs:
        first = paragraphs[0]
        if len(first.split()) <= 40 and not first.rstrip().endswith("."):
            meta.title, provenance["title"] = first.strip(), "inferred: first paragraph"
        else:
            # a PDF page often runs its title straight into the text with no blank line, and
            # the cleaner then joins them: take the page's first line if it is set as a title
            # and the cleaned text still starts with it (a dropped header does not)
            raw_lines = [x.strip() for x in raw.pages[0].text.splitlines() if x.strip()]
            line = " ".join(raw_lines[0].split()) if raw_lines else ""
            if _title_like(line) and " ".join(first.split()).startswith(line):
                meta.title, provenance["title"] = line, "inferred: first line"
    if not meta.authors and len(paragraphs) > 1:
        candidate = paragraphs[1]
        names = [n.strip() for n in re.split(r",| and |;", candidate) if n.strip()]
        if 0 < len(names) <= 8 and all(
            re.fullmatch(r"(?:[A-Z][\w'’.-]*\s?){2,4}", n) for n in names
        ):
            meta.authors, provenance["authors"] = names, "inferred: line under the title"
    if not meta.abstract:
        for i, paragraph in enumerate(paragraphs[:-1]):
            if paragraph.strip().lower() in ("abstract", "summary", "บทคัดย่อ"):
                meta.abstract = paragraphs[i + 1].strip()
                provenance["abstract"] = "inferred: paragraph after 'Abstract'"
                break
    text = clean.text
    if meta.year is None:
        dated = [int(i.date[:4]) for i in interviews if i.date[:4].isdigit()]
        if dated:
            meta.year, provenance["year"] = max(dated), "inferred: latest interview date"
        else:
            be_years = [be_to_ce(int(y)) for y in BE_YEAR.findall(text)]
            years = be_years or [int(y) for y in YEAR.findall(text)]
            if years:
                meta.year, provenance["year"] = max(years), "inferred: latest year in text"
    if not meta.country:
        meta.country = infer_country(text)
        if meta.country:
            provenance["country"] = "inferred: country names in text"
    if not meta.level:
        meta.level = infer_level(text)
        if meta.level:
            provenance["level"] = "inferred: government terms in text"
    if not meta.policy_area:
        meta.policy_area = infer_policy_areas(text)
        if meta.policy_area:
            provenance["policy_area"] = "inferred: policy terms in text"
    if not meta.case_years:
        # titles of case studies often carry the period: "..., 1989-2004", "1999 and After"
        period = re.search(
            r"\b((?:1[89]|20)\d\d)\s*(?:[-–]\s*((?:1[89]|20)\d\d)|(?:and after|onwards?)\b)",
            meta.title,
            re.I,
        )
        if period:
            meta.case_years = f"{period.group(1)}-{period.group(2) or ''}".rstrip("-")
            if not period.group(2):
                meta.case_years += " onward"
            provenance["case_years"] = "inferred: period in the title"
    if not meta.place:
        people = {a.split()[-1] for a in meta.authors if a.split()} | {
            i.name.split(",")[0] for i in interviews
        }
        meta.place = infer_place(meta.title, text, people | {meta.country} | set(_COUNTRIES))
        if meta.place:
            provenance["place"] = "inferred: most frequent place name"
    meta.provenance = provenance
    return meta
