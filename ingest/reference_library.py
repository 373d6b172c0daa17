"""Read the user's reference-manager library (BibTeX, RIS, CSL-JSON) and match it to documents.

The library is the user's own record of what each file is: its key, type, DOI and container
are better than anything inferred from the file's text. It is only worth reading if the
match is right, so matching never guesses: an entry is tied to a document by evidence at one
level (attachment path, attachment file name, DOI, title), one to one, and every tie that a
level cannot break is listed as ambiguous instead of resolved.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import bibtexparser
import rispy
from bibtexparser import middlewares
from bibtexparser.exceptions import BlockAbortedException
from bibtexparser.library import Library
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, MiddlewareErrorBlock
from rispy.parser import ParseError as RisParseError

from ingest.encoding import decode_text
from ingest.records import IngestError
from ingest.text import normalize_space


@dataclass
class LibraryEntry:
    """One item of the user's library, in CSL terms whatever format it was read from."""

    key: str  # citation key (BibTeX key / RIS ID / CSL-JSON id); "" if none
    item_type: str  # CSL type: article-journal, report, book, chapter, webpage, ...
    title: str
    authors: list[str]  # "Family, Given" each, or the literal name of an institution
    year: int | None
    container: str  # journal, book title, series or publisher's series
    doi: str  # normalised: lower case, no resolver or "doi:" prefix
    url: str
    isbn: str
    files: list[str]  # attachment paths as written (Zotero escapes, file:// URIs undone)
    origin: str  # "refs.bib #3": library file name and 1-based entry number
    # who issued it: a report's institution, a book's publisher (a style names it as such;
    # taken for the container, APA would print "In Devon County Council.")
    publisher: str = ""


@dataclass
class DocumentRef:
    """What the matcher knows of one ingested document."""

    doc_id: str
    source: str  # resolved absolute path of the ingested file
    title: str
    doi: str = ""


@dataclass
class Match:
    doc_id: str
    entry: LibraryEntry
    how: str  # "attachment path" | "attachment file name" | "DOI" | "title"


@dataclass
class LibraryMatch:
    """The outcome of matching a library to documents.

    `unmatched_entries` and `unmatched_documents` hold everything without a match, the
    ambiguous ones included, so matched + unmatched always adds up to what was given;
    `ambiguous` says, for the entries that had more than one candidate at some level (or
    shared their one candidate with another entry), which documents they could be.
    """

    matches: list[Match]
    unmatched_entries: list[LibraryEntry]
    unmatched_documents: list[DocumentRef]
    ambiguous: list[tuple[LibraryEntry, list[str]]]  # entry, doc_ids it could be

    def report_lines(self) -> list[str]:
        """One line per document (matched, then not), then one per entry left unmatched."""
        could_be: dict[str, list[LibraryEntry]] = defaultdict(list)
        for entry, doc_ids in self.ambiguous:
            for doc_id in doc_ids:
                could_be[doc_id].append(entry)
        lines = [f"{m.doc_id}: {_describe(m.entry)}, by {m.how}" for m in self.matches]
        for document in self.unmatched_documents:
            if entries := could_be.get(document.doc_id):
                described = "; ".join(_describe(e) for e in entries)
                lines.append(f"{document.doc_id}: not matched, could be {described}")
            else:
                lines.append(f"{document.doc_id}: no library entry")
        candidates = {id(entry): doc_ids for entry, doc_ids in self.ambiguous}
        for entry in self.unmatched_entries:
            if doc_ids := candidates.get(id(entry)):
                lines.append(f"{_describe(entry)}: not matched, could be {', '.join(doc_ids)}")
            else:
                lines.append(f"{_describe(entry)}: no ingested document")
        return lines


def _describe(entry: LibraryEntry) -> str:
    """'refs.bib #3 ostrom1990 "Governing the Commons"' (key and title when there are any)."""
    key = f" {entry.key}" if entry.key else ""
    title = f' "{entry.title}"' if entry.title else ""
    return f"{entry.origin}{key}{title}"


# ---------------------------------------------------------------- shared field readers

_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def _year(*values: object) -> int | None:
    """The first four-digit year in the first value that has one ("2019-05", "2019///")."""
    for value in values:
        found = _YEAR.search(str(value)) if value else None
        if found:
            return int(found.group(1))
    return None


def _doi(value: str) -> str:
    """DOIs are case-insensitive and written with or without a resolver: compare one form."""
    return _DOI_PREFIX.sub("", value.strip()).strip().lower()


def _is_isbn(value: str) -> bool:
    """An ISBN-10 or ISBN-13 whose check digit holds (RIS puts ISSNs in the same SN tag)."""
    digits = re.sub(r"[\s-]", "", value).upper()
    if re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if re.fullmatch(r"97[89]\d{10}", digits):
        return sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits)) % 10 == 0
    return False


def _first(*values: object) -> str:
    """The first non-empty value, white space collapsed (titles wrap across lines)."""
    for value in values:
        if isinstance(value, list):
            value = value[0] if value else ""
        if value and str(value).strip():
            return normalize_space(str(value))
    return ""


# ---------------------------------------------------------------- BibTeX

_BIBTEX_TYPES = {
    "article": "article-journal",
    "techreport": "report",
    "report": "report",
    "book": "book",
    "mvbook": "book",
    "incollection": "chapter",
    "inbook": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "online": "webpage",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
}
# biblatex's verbatim fields: LaTeX decoding would read "%" in a URL as a comment and drop
# the rest, and the file field carries Zotero's own escapes (read by _attachments)
_VERBATIM = frozenset({"file", "url", "doi"})
# what a BibTeX (not biblatex) export escapes in a URL or DOI: "\_", "\%", "\&", "\#"
_TEX_ESCAPE = re.compile(r"\\([_%&#$~])")
# Zotero's file-field escape, read as its own importer reads it: a backslash before
# anything but a letter, digit or dot
_FILE_ESCAPE = re.compile(r"\\([^A-Za-z0-9.])")


class _DecodeLatex(middlewares.LatexDecodingMiddleware):
    """bibtexparser's LaTeX decoding, but for verbatim fields, and into split name lists.

    Names are split before decoding, so that braces still protect "{World Bank}" from
    being read as given name "World", family name "Bank"; the stock middleware then skips
    the list SplitNameParts makes, so each name part is decoded here.
    """

    def transform_entry(self, entry: Entry, library: Library) -> Entry | MiddlewareErrorBlock:
        errors: list[str] = []

        def decode(text: str) -> str:
            decoded, error = self._transform_python_value_string(text)
            errors.append(error)
            return decoded

        for field in entry.fields:
            if field.key in _VERBATIM:
                continue
            if isinstance(field.value, str):
                field.value = decode(field.value)
            elif isinstance(field.value, list):
                for name in field.value:
                    for part in ("first", "von", "last", "jr"):
                        setattr(name, part, [decode(word) for word in getattr(name, part)])
        reasons = [e for e in errors if e]
        if reasons:
            return MiddlewareErrorBlock(entry, ValueError(reasons[0]))
        return entry


def _split_unescaped(text: str, separator: str) -> list[str]:
    """`text` split at each `separator` no backslash escapes (the escapes are kept)."""
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _attachments(field: str) -> list[str]:
    """Paths in a file field: Zotero's `Description:path:mime;...` or Better BibTeX's
    `path;path`. A Windows drive's colon is escaped in Zotero's form, bare in the other."""
    paths = []
    for attachment in _split_unescaped(field, ";"):
        parts = _split_unescaped(attachment.strip(), ":")
        if len(parts) >= 3:
            path = ":".join(parts[1:-1])
        elif len(parts) == 2 and len(parts[0]) != 1:
            path = parts[1]
        else:
            path = ":".join(parts)
        path = _FILE_ESCAPE.sub(r"\1", path.strip())
        if path:
            paths.append(path)
    return paths


def _bibtex_failure(library: Library) -> str:
    """One line on the first entry bibtexparser could not read, or "" if it read them all."""
    for block in library.failed_blocks:
        line = f"line {block.start_line + 1}" if block.start_line is not None else "an entry"
        if isinstance(block, DuplicateBlockKeyBlock):
            return f"duplicate citation key '{block.key}' ({line})"
        error = block.error
        reason = error.abort_reason if isinstance(error, BlockAbortedException) else str(error)
        return f"entry at {line} cannot be read: {normalize_space(reason)}"
    return ""


def _read_bibtex(text: str, name: str) -> list[LibraryEntry] | str:
    library = bibtexparser.parse_string(
        text,
        append_middleware=[
            middlewares.NormalizeFieldKeys(),
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
            _DecodeLatex(),
        ],
    )
    if failure := _bibtex_failure(library):
        return failure
    entries = []
    for number, entry in enumerate(library.entries, start=1):
        fields = {field.key: field.value for field in entry.fields}
        authors = [n.merge_last_name_first for n in fields.get("author") or []]
        bib_type = entry.entry_type.lower()
        item_type = _BIBTEX_TYPES.get(bib_type, "document")
        if bib_type == "misc" and fields.get("url"):
            item_type = "webpage"
        entries.append(
            LibraryEntry(
                key=entry.key,
                item_type=item_type,
                title=_first(fields.get("title")),
                authors=[normalize_space(a) for a in authors if a.strip()],
                year=_year(fields.get("date"), fields.get("year")),
                container=_first(
                    *(fields.get(k) for k in ("journaltitle", "journal", "booktitle", "series"))
                ),
                publisher=_first(
                    *(fields.get(k) for k in ("institution", "publisher", "organization", "school"))
                ),
                doi=_doi(_TEX_ESCAPE.sub(r"\1", fields.get("doi", ""))),
                url=_TEX_ESCAPE.sub(r"\1", fields.get("url", "").strip()),
                isbn=_first(fields.get("isbn")),
                files=_attachments(fields.get("file", "")),
                origin=f"{name} #{number}",
            )
        )
    return entries


# ---------------------------------------------------------------- RIS

_RIS_TYPES = {
    "JOUR": "article-journal",
    "EJOUR": "article-journal",
    "JFULL": "article-journal",
    "RPRT": "report",
    "GOVDOC": "report",
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "book",
    "CHAP": "chapter",
    "ECHAP": "chapter",
    "CONF": "paper-conference",
    "CPAPER": "paper-conference",
    "ELEC": "webpage",
    "WEB": "webpage",
    "BLOG": "webpage",
    "THES": "thesis",
    "GEN": "document",
}
# rispy keeps only the first of a repeated single-value tag: one L1 line per attachment
# and several SN lines (an ISSN, then the ISBN) are common, so read those as lists too
_RIS_LIST_TAGS = [*rispy.LIST_TYPE_TAGS, "L1", "L2", "L4", "SN"]
_RIS_FILE_KEYS = ("file_attachments1", "file_attachments2", "figure")  # L1, L2, L4


def _local_path(value: str) -> str:
    """A file:// URI as the path it names; web links (L2 often holds one) as ""."""
    value = value.strip()
    if value.lower().startswith(("http://", "https://")):
        return ""
    if value.lower().startswith("file://"):
        return unquote(urlparse(value).path)
    return value


def _read_ris(text: str, name: str) -> list[LibraryEntry] | str:
    try:
        records = rispy.loads(text, list_tags=_RIS_LIST_TAGS)
    except RisParseError as exc:  # rispy 0.9 stops at a line out of place; 0.10 reads on
        return f"not RIS: {normalize_space(str(exc))}"
    starts = sum(1 for line in text.splitlines() if line.startswith("TY  -"))
    if starts > len(records):
        # rispy drops a record whose "ER  -" line is missing without a word
        return f"{starts - len(records)} of {starts} records end without an 'ER  -' line"
    entries = []
    for number, record in enumerate(records, start=1):
        ris_type = str(record.get("type_of_reference", "")).strip().upper()
        book_title = (record.get("unknown_tag") or {}).get("BT", [])
        title = _first(record.get("title"), record.get("primary_title"))
        if not title and ris_type in ("BOOK", "EBOOK", "EDBOOK"):
            title, book_title = _first(book_title), []  # BT is a book's own title
        isbn = next(
            (
                part
                for sn in record.get("issn", [])
                for part in re.findall(r"\d[\d-]{8,15}[\dXx]", sn)
                if _is_isbn(part)
            ),
            "",
        )
        files = [_local_path(v) for key in _RIS_FILE_KEYS for v in record.get(key, [])]
        entries.append(
            LibraryEntry(
                key=_first(record.get("id")),
                item_type=_RIS_TYPES.get(ris_type, "document"),
                title=title,
                authors=[
                    normalize_space(a)
                    for a in [*record.get("authors", []), *record.get("first_authors", [])]
                    if a.strip()
                ],
                year=_year(record.get("year"), record.get("publication_year"), record.get("date")),
                container=_first(
                    record.get("secondary_title"),
                    record.get("journal_name"),
                    record.get("alternate_title3"),
                    book_title,
                ),
                doi=_doi(_first(record.get("doi"))),
                url=_first(record.get("urls")),
                isbn=normalize_space(isbn),
                files=[f for f in files if f],
                origin=f"{name} #{number}",
                publisher=_first(record.get("publisher")),
            )
        )
    return entries


# ---------------------------------------------------------------- CSL-JSON


def _csl_name(person: object) -> str:
    if not isinstance(person, dict):
        return ""
    if person.get("literal"):
        return normalize_space(str(person["literal"]))
    family = " ".join(str(person[k]) for k in ("non-dropping-particle", "family") if person.get(k))
    given = " ".join(str(person[k]) for k in ("given", "dropping-particle") if person.get(k))
    parts = [family, str(person.get("suffix") or ""), given]
    return normalize_space(", ".join(p for p in parts if p))


def _csl_year(issued: object) -> int | None:
    if not isinstance(issued, dict):
        return _year(issued)
    parts = issued.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        return _year(parts[0][0])
    return _year(issued.get("raw"), issued.get("literal"))


def _read_csl_json(text: str, name: str) -> list[LibraryEntry] | str:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not valid JSON (line {exc.lineno}: {exc.msg})"
    if not isinstance(items, list):
        return "not CSL-JSON: expected a list of items"
    entries = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            return f"not CSL-JSON: item {number} is not an object"
        authors = item.get("author") if isinstance(item.get("author"), list) else []
        entries.append(
            LibraryEntry(
                key=_first(item.get("id")),
                item_type=_first(item.get("type")) or "document",
                title=_first(item.get("title")),
                authors=[n for n in map(_csl_name, authors) if n],
                year=_csl_year(item.get("issued")),
                container=_first(item.get("container-title"), item.get("collection-title")),
                doi=_doi(_first(item.get("DOI"))),
                url=_first(item.get("URL")),
                isbn=_first(item.get("ISBN")),
                files=[],  # CSL-JSON has no attachment field
                origin=f"{name} #{number}",
                publisher=_first(item.get("publisher")),
            )
        )
    return entries


# ---------------------------------------------------------------- reading

# a reader returns the entries, or the one reason the file cannot be read
_READERS: dict[str, Callable[[str, str], list[LibraryEntry] | str]] = {
    ".bib": _read_bibtex,
    ".ris": _read_ris,
    ".json": _read_csl_json,
}
_FORMATS = {".bib": "BibTeX", ".ris": "RIS", ".json": "CSL-JSON"}


def read_library(path: Path) -> list[LibraryEntry]:
    """The entries of a BibTeX (.bib), RIS (.ris) or CSL-JSON (.json) library, in file order.

    Raises IngestError with one reason when the file cannot be read, is not of the format
    its suffix says, has an entry its parser rejects, or holds no entries at all: a half-read
    library would leave documents silently unmatched, and an empty one is a wrong file.
    """
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(_READERS)
        raise IngestError(path, f"unknown library format '{path.suffix}' (expected {known})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot read the library: {exc.strerror or exc}") from None
    text, _ = decode_text(data, path)
    result = reader(text, path.name)
    if isinstance(result, str):
        raise IngestError(path, result)
    if not result:
        raise IngestError(path, f"no {_FORMATS[path.suffix.lower()]} entries in the file")
    return result


# ---------------------------------------------------------------- matching

_MIN_TITLE_WORDS = 3
_MIN_TITLE_CHARS = 15


def _title_key(title: str) -> str:
    """The title as compared: case, accents and punctuation gone; "" when too short to tell
    one work from another ("Introduction", "Annual Report")."""
    folded = unicodedata.normalize("NFKD", title.casefold())
    kept = (
        " " if unicodedata.category(c)[0] in "PS" else c
        for c in folded
        if not unicodedata.combining(c)
    )
    key = " ".join("".join(kept).split())
    if len(key.split()) < _MIN_TITLE_WORDS and len(key) < _MIN_TITLE_CHARS:
        return ""
    return key


def _file_name(path: str) -> str:
    """The last component of a path written on any system, in one Unicode form (macOS
    writes decomposed accents, most libraries composed ones)."""
    return unicodedata.normalize("NFC", re.split(r"[/\\]", path)[-1])


def _resolved(path: str) -> str:
    """An absolute attachment path as the filesystem resolves it; "" for a relative one,
    which depends on a base folder the library does not record (its name still matches)."""
    expanded = Path(_local_path(path)).expanduser()
    return str(expanded.resolve()) if expanded.is_absolute() else ""


class _Pool:
    """The entries and documents still free while the levels run, and what they decided."""

    def __init__(self, entries: list[LibraryEntry], documents: list[DocumentRef]) -> None:
        self.entries, self.documents = entries, documents
        self.free_entries = set(range(len(entries)))
        self.free_documents = set(range(len(documents)))
        self.matches: list[Match] = []
        self.ambiguous: list[tuple[LibraryEntry, list[str]]] = []

    def candidates(
        self,
        entry_keys: Callable[[LibraryEntry], Iterable[str]],
        document_key: Callable[[DocumentRef], str],
        compatible: Callable[[LibraryEntry, DocumentRef], bool],
    ) -> dict[int, set[int]]:
        """Free entry -> the free documents that share a non-empty key with it."""
        by_key: dict[str, set[int]] = defaultdict(set)
        for d in self.free_documents:
            if key := document_key(self.documents[d]):
                by_key[key].add(d)
        found: dict[int, set[int]] = {}
        for e in sorted(self.free_entries):
            entry = self.entries[e]
            docs = {
                d
                for key in entry_keys(entry)
                if key
                for d in by_key.get(key, ())
                if compatible(entry, self.documents[d])
            }
            if docs:
                found[e] = docs
        return found

    def settle(self, how: str, candidates: dict[int, set[int]]) -> None:
        """Accept a level's one-to-one pairs; list every other candidate as ambiguous.

        Entries and documents in an ambiguity leave the pool too: a weaker level below
        must not break a tie that a stronger one could not.
        """
        claims = Counter(d for docs in candidates.values() for d in docs)
        for e, docs in candidates.items():
            self.free_entries.discard(e)
            self.free_documents.difference_update(docs)
            if len(docs) == 1 and claims[min(docs)] == 1:
                self.matches.append(Match(self.documents[min(docs)].doc_id, self.entries[e], how))
            else:
                doc_ids = [self.documents[d].doc_id for d in sorted(docs)]
                self.ambiguous.append((self.entries[e], doc_ids))


def _dois_agree(entry: LibraryEntry, document: DocumentRef) -> bool:
    """False when both DOIs are known and differ: two works that share a title."""
    return not (entry.doi and document.doi) or _doi(entry.doi) == _doi(document.doi)


def match_library(entries: list[LibraryEntry], documents: list[DocumentRef]) -> LibraryMatch:
    """Tie library entries to documents, one to one, strongest evidence first.

    Levels, in order: an attachment's path is the document's file; else an attachment's
    file name is the document's and no other document or entry has that name; else the
    DOIs are equal; else the titles are (normalised, and long enough to mean something;
    not when both sides have DOIs and they differ). What one level matches is not looked
    at again; what it cannot decide is ambiguous, and stays unmatched.
    """
    doc_names = Counter(_file_name(d.source) for d in documents)
    entry_names = Counter(name for e in entries for name in {_file_name(f) for f in e.files})

    def unique_names(entry: LibraryEntry) -> list[str]:
        names = {_file_name(f) for f in entry.files}
        return [n for n in names if doc_names[n] == 1 and entry_names[n] == 1]

    def always(entry: LibraryEntry, document: DocumentRef) -> bool:
        return True

    levels = [
        (
            "attachment path",
            lambda e: map(_resolved, e.files),
            lambda d: _resolved(d.source),
            always,
        ),
        ("attachment file name", unique_names, lambda d: _file_name(d.source), always),
        ("DOI", lambda e: [_doi(e.doi)], lambda d: _doi(d.doi), always),
        ("title", lambda e: [_title_key(e.title)], lambda d: _title_key(d.title), _dois_agree),
    ]
    pool = _Pool(entries, documents)
    for how, entry_keys, document_key, compatible in levels:
        pool.settle(how, pool.candidates(entry_keys, document_key, compatible))

    order = {d.doc_id: i for i, d in enumerate(documents)}
    position = {id(e): i for i, e in enumerate(entries)}
    matches = sorted(pool.matches, key=lambda m: order[m.doc_id])
    matched_entries = {id(m.entry) for m in matches}
    matched_docs = {m.doc_id for m in matches}
    return LibraryMatch(
        matches=matches,
        unmatched_entries=[e for e in entries if id(e) not in matched_entries],
        unmatched_documents=[d for d in documents if d.doc_id not in matched_docs],
        ambiguous=sorted(pool.ambiguous, key=lambda pair: position[id(pair[0])]),
    )
