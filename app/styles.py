"""Citation styles: a document's metadata as a CSL-JSON item, rendered in APA, Chicago or
Harvard by citeproc-py (with app.citeproc_fixes).

Document text is data: every string that goes into an item has its control characters
stripped (a bibliography is printed to terminals and written into DOCX, whose XML rejects
them); in the HTML variant it is escaped (citeproc-py's HTML formatter escapes only the
style's own text). A pinpoint page is never part of an item: it belongs to the citation
(`render_citation(..., locator=)`), and an export of an answer lists the cited pages in
the item's `note` (app.bibliography).
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from functools import cache
from importlib.resources import files
from pathlib import Path

from citeproc import (
    STYLES_PATH,
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source import Locator
from citeproc.source.json import CiteProcJSON

from app.citeproc_fixes import collation_key, load_style
from app.render import author_date
from ingest.records import DocMetadata
from ingest.text import THAI_CHAR, normalize_space, strip_controls

log = logging.getLogger(__name__)

STYLES = {
    "apa": "APA 7th",
    "chicago": "Chicago author-date",
    "harvard": "Harvard (Cite Them Right)",
}

# vendored from citation-style-language/styles (app/csl/README.md); Harvard is the one
# style citeproc-py bundles
_STYLE_FILES = {
    "apa": files("app") / "csl" / "apa.csl",
    "chicago": files("app") / "csl" / "chicago-author-date.csl",
    "harvard": Path(STYLES_PATH) / "harvard-cite-them-right.csl",
}

# Cite Them Right is a British guide (single quotes, punctuation outside them); the
# style file names no locale, which would make it en-US
_LOCALES = {"harvard": "en-GB"}

DEFAULT_TYPE = "document"  # CSL 1.0.2's generic type, for a document whose type is unknown

# Item fields for exports only: the note with the cited pages must not reach a
# bibliography entry (Chicago prints `note`), and citeproc-py knows no citation key
_EXPORT_ONLY_FIELDS = frozenset(["note", "citation-key"])

# A name is an organisation when it has one of these words (an organisation, not a
# person, wrote "World Bank" or "Transparency International"). General words of
# institutions, not of one corpus; tests/app/test_styles.py names its cases.
_ORGANISATION_WORDS = frozenset(
    re.findall(
        r"\w+",
        """academy administration agency alliance assembly association authority bank board
        bureau centre center coalition college commission committee company consortium
        corporation council department directorate division federation forum foundation fund
        government group inc initiative institute institution international laboratory league
        ltd ministry municipality museum nations network observatory office organisation
        organization panel parliament partnership press program programme project
        secretariat service services society team trust union unit university""",
    )
)
# lowercase words that belong to a person's family name ("Jan van der Berg")
_PARTICLES = frozenset(
    re.findall(r"\w+", "da das de del della der di do dos du la le van von y zu")
)

_NAME_SUFFIX = re.compile(r"(?:Jr|Sr|Jnr|Snr)\.?|[IVX]+")

# citeproc-py holds rendering state on the parsed style (its formatter, the entry being
# rendered): one render at a time per process
_RENDER_LOCK = threading.Lock()


class StyleError(ValueError):
    """A style name that is not one of STYLES."""

    def __init__(self, style: str) -> None:
        super().__init__(f"unknown citation style {style!r}; known: {', '.join(STYLES)}")
        self.style = style


def _clean(text: object) -> str:
    return normalize_space(strip_controls(str(text)))


def csl_name(author: str) -> dict[str, str]:
    """One author string of DocMetadata as a CSL name.

    "Family, Given" (how a reference manager writes a person) splits at the comma, and
    a "Jr." or "III" after another comma is the suffix ("King, Martin Luther, Jr." and
    BibTeX's "King, Jr., Martin");
    "Given Family" at the last word, keeping lowercase particles with the family name.
    Kept whole as a `literal`: a name in braces ("{OECD}", BibTeX's way of saying so),
    one word ("OECD"), a name with an organisation word, with other lowercase words
    ("Friends of the Earth") or longer than four words, and a name in Thai script
    (a Thai author is cited by full name, given name first, and initials mean nothing
    in Thai script)."""
    name = _clean(author)
    if name.startswith("{") and name.endswith("}"):
        return {"literal": name[1:-1].strip()}
    words = re.findall(r"[^\s,]+", name)
    lowered = {w.lower().strip(".&()") for w in words}
    if THAI_CHAR.search(name) or len(words) < 2 or lowered & _ORGANISATION_WORDS or "&" in name:
        return {"literal": name}
    if "," in name:
        family, *rest = [p.strip() for p in name.split(",")]
        suffix = next((p for p in rest if _NAME_SUFFIX.fullmatch(p)), "")
        given = ", ".join(p for p in rest if p and p != suffix)
        if not given:
            return {"literal": name}
        return {"family": family, "given": given} | ({"suffix": suffix} if suffix else {})
    if len(words) > 4 or any(w.islower() and w not in _PARTICLES for w in words):
        return {"literal": name}
    split = len(words) - 1
    while split > 1 and words[split - 1] in _PARTICLES:
        split -= 1
    return {"given": " ".join(words[:split]), "family": " ".join(words[split:])}


def display_name(name: dict[str, str]) -> str:
    """A CSL name as one string, as RIS writes it: 'Family, Given, Suffix', or the
    literal (exports, fallbacks)."""
    if "literal" in name:
        return name["literal"]
    parts = (name.get("family", ""), name.get("given", ""), name.get("suffix", ""))
    return ", ".join(p for p in parts if p)


def normalize_doi(doi: str) -> str:
    """'10.1093/x' from a DOI written as a URL or with a 'doi:' prefix (styles add their
    own https://doi.org/)."""
    doi = _clean(doi)
    return re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.I)


def csl_item(doc_id: str, meta: DocMetadata, page: str = "") -> dict:
    """The CSL-JSON item of one document. `page` is a cited page ("12", "xii"): it goes
    into the item's `note` as "cited: p. 12", never into `page` (the item's own page
    range) or a locator, which belong to a citation."""
    item: dict = {"id": doc_id, "type": _clean(meta.item_type) or DEFAULT_TYPE}
    if meta.title.strip():
        item["title"] = _clean(meta.title)
    names = [csl_name(a) for a in meta.authors if _clean(a)]
    if names:
        item["author"] = names
    if meta.year:
        item["issued"] = {"date-parts": [[meta.year]]}
    for key, value in (
        ("DOI", normalize_doi(meta.doi)),
        ("ISBN", _clean(meta.isbn)),
        ("URL", _clean(meta.url)),
        ("container-title", _clean(meta.container)),
        ("publisher", _clean(meta.publisher)),
        ("citation-key", _clean(meta.citation_key)),
    ):
        if value:
            item[key] = value
    if _clean(page):
        item["note"] = f"cited: p. {_clean(page)}"
    return item


@cache
def _style(style: str) -> CitationStylesStyle:
    """The parsed style, once per process (Chicago's file is 170 kB)."""
    if style not in STYLES:
        raise StyleError(style)
    return load_style(str(_STYLE_FILES[style]), locale=_LOCALES.get(style))


# numeric references, which survive a style's uppercase and title case ("&AMP;" would not)
_HTML_ESCAPES = str.maketrans({"&": "&#38;", "<": "&#60;", ">": "&#62;"})


def _inert(value: object, html: bool) -> object:
    """Every string in an item's value on one line without control characters (an item
    need not come from `csl_item`), and for HTML escaped: citeproc-py's HTML formatter
    escapes the style's own text but passes an item's through, so a title's `<script>`
    would reach the page."""
    if isinstance(value, str):
        return _clean(value).translate(_HTML_ESCAPES) if html else _clean(value)
    if isinstance(value, list):
        return [_inert(v, html) for v in value]
    if isinstance(value, dict):
        return {k: _inert(v, html) for k, v in value.items()}
    return value


def _renderable(item: dict, key: str, html: bool) -> dict:
    data = {k: _inert(v, html) for k, v in item.items() if k not in _EXPORT_ONLY_FIELDS}
    return data | {"id": key, "type": _clean(item.get("type", "")) or DEFAULT_TYPE}


def _bibliography(items: list[dict], style: str, html: bool) -> CitationStylesBibliography:
    keys = [f"item{i}" for i in range(len(items))]
    source = CiteProcJSON(
        [_renderable(item, key, html) for item, key in zip(items, keys, strict=True)]
    )
    return CitationStylesBibliography(
        _style(style), source, formatter.html if html else formatter.plain
    )


def _tidy(text: str, style: str) -> str:
    """Punctuation citeproc-py leaves as it falls (citeproc-js fixes it): a period after a
    title's own ? or ! is dropped ("Why govern?." -> "Why govern?"), and where the
    locale puts punctuation inside quotation marks (en-US) a period or comma after a
    closing quote moves inside it ("Title". -> "Title."), except after a quoted ? or !,
    which takes no comma."""
    text = re.sub(r"([?!])((?:</?\w+[^>]*>|[”’])*)\.", r"\1\2", text)
    root = _style(style).root
    if (root.get_locale_option("punctuation-in-quote") or "").lower() == "true":
        text = re.sub(r"([?!])”,", r"\1”", text)
        text = re.sub(r"”([.,])", r"\1”", text)
    return normalize_space(text)


def item_year(item: dict) -> int | str | None:
    """The first date part of an item's `issued` (its year), or None."""
    parts = (item.get("issued") or {}).get("date-parts") or [[]]
    return parts[0][0] if parts[0] else None


def fallback_entry(item: dict) -> str:
    """'Authors (year). Title.' for an item citeproc-py cannot render."""
    names = [_clean(display_name(n)) for n in item.get("author", [])]
    title = _clean(item.get("title", "")).rstrip(".") or "untitled"
    return f"{author_date(names, item_year(item))}. {title}."


def _sorted_bibliography(items: list[dict], style: str, html: bool) -> CitationStylesBibliography:
    bib = _bibliography(items, style, html)
    for key in bib.source:
        bib.register(Citation([CitationItem(key)]))
    bib.sort()
    return bib


def _year_suffixes(items: list[dict], style: str) -> list[str]:
    """Per item, the year suffix ("a", "b") that tells its citation from another item's
    identical one by the same authors ("OECD, 2019a"), lettered in bibliography order;
    "" where none is needed. citeproc-py does not disambiguate; the CSL rule is the
    style's `disambiguate-add-year-suffix`, which APA, Chicago and Harvard set. Two
    different authors who cite alike ("Smith, 2019" for Ann and for Bo Smith) get no
    suffix: the styles tell them apart by initials, which citeproc-py does not add."""
    citation = _style(style).root.citation
    if citation.get("disambiguate-add-year-suffix", "false") != "true" or len(items) < 2:
        return [""] * len(items)
    bib = _sorted_bibliography(items, style, html=False)
    authors = {f"item{i}": repr(item.get("author")) for i, item in enumerate(items)}
    groups: dict[tuple[str, str], list[str]] = {}
    for key in bib.keys:
        cite = Citation([CitationItem(key)])
        bib.register(cite)
        try:
            text = str(bib.cite(cite, lambda _: None))
        except Exception as error:  # its entry may still render; it gets no suffix
            log.warning("citeproc-py cannot cite %s in %s: %r", key, style, error)
            continue
        groups.setdefault((text, authors[key]), []).append(key)
    suffix = {}
    for keys in groups.values():
        if len(keys) > 1:
            suffix |= {key: _letters(i) for i, key in enumerate(keys)}
    return [suffix.get(f"item{i}", "") for i in range(len(items))]


def _letters(n: int) -> str:
    """a, b, ..., z, aa, ab, ...: CSL's year-suffix sequence."""
    return _letters(n // 26 - 1) + chr(ord("a") + n % 26) if n >= 26 else chr(ord("a") + n)


def _render_entries(items: list[dict], style: str, html: bool) -> list[str]:
    suffixes = _year_suffixes(items, style)
    items = [i | {"year-suffix": s} if s else i for i, s in zip(items, suffixes, strict=True)]
    bib = _sorted_bibliography(items, style, html)
    return [_tidy(str(entry), style) for entry in bib.bibliography()]


def disambiguate(items: list[dict], style: str = "apa") -> list[dict]:
    """Copies of `items` with CSL's `year-suffix` where two would cite alike ("OECD,
    2019a" and "OECD, 2019b"): what `render_citation` needs to cite one of them as the
    bibliography lists it. `render_bibliography` does this itself."""
    _style(style)
    with _RENDER_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        suffixes = _year_suffixes(items, style)
    return [i | {"year-suffix": s} if s else dict(i) for i, s in zip(items, suffixes, strict=True)]


def _unique(items: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for item in items:
        seen.setdefault(str(item.get("id", len(seen))), item)
    return list(seen.values())


def render_bibliography(items: list[dict], style: str = "apa", html: bool = False) -> list[str]:
    """One entry per item (an id once), in the style's order, as plain text or HTML.

    An item that citeproc-py fails on gets `fallback_entry` (logged with the reason),
    placed where its text sorts among the rendered entries; the others render as a
    whole so the style's sorting holds."""
    _style(style)  # unknown style: StyleError, not a fallback for every item
    items = _unique(items)
    if not items:
        return []
    with _RENDER_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py warns per unknown field or locale
        try:
            return _render_entries(items, style, html)
        except Exception:  # one bad item must not cost the bibliography
            return _render_apart(items, style, html)


def _render_apart(items: list[dict], style: str, html: bool) -> list[str]:
    """The bibliography of the items citeproc-py renders, with a fallback line for each
    one it fails on; if the rendered ones still fail together (sorting compares them),
    each is rendered alone and the entries sorted by their text."""
    alone: dict[int, str] = {}
    for i, item in enumerate(items):
        try:
            alone[i] = _render_entries([item], style, html)[0]
        except Exception as error:
            log.warning("citeproc-py cannot render %s in %s: %r", item.get("id"), style, error)
    try:
        entries = _render_entries([items[i] for i in alone], style, html) if alone else []
    except Exception as error:
        log.warning("citeproc-py cannot sort the bibliography in %s: %r", style, error)
        entries = sorted(alone.values(), key=collation_key)
    for i, item in enumerate(items):
        if i not in alone:
            line = _escape(fallback_entry(item)) if html else fallback_entry(item)
            key = collation_key(line)
            at = next((n for n, e in enumerate(entries) if collation_key(e) > key), len(entries))
            entries.insert(at, line)
    return entries


def _escape(text: str) -> str:
    return formatter.html.preformat(text)


def render_citation(item: dict, style: str = "apa", locator: str = "", html: bool = False) -> str:
    """The in-text citation of one item, with a page locator when given:
    "(Ansell & Gash, 2008, p. 12)" in APA, "(Ansell and Gash 2008, 12)" in Chicago.
    Falls back to "(Authors, year)" (logged) when citeproc-py fails on the item."""
    _style(style)
    locator = _clean(locator)
    with _RENDER_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            bib = _bibliography([item], style, html)
            key = next(iter(bib.source))
            pinpoint = {"locator": Locator("page", locator)} if locator else {}
            citation = Citation([CitationItem(key, **pinpoint)])
            bib.register(citation)
            return _tidy(str(bib.cite(citation, lambda _: None)), style)
        except Exception as error:
            log.warning("citeproc-py cannot cite %s in %s: %r", item.get("id"), style, error)
    names = [_clean(display_name(n)).split(",")[0] for n in item.get("author", [])]
    who, when = author_date(names, item_year(item)).removesuffix(")").rsplit(" (", 1)
    text = f"({who}, {when}{', p. ' + locator if locator else ''})"
    return _escape(text) if html else text
