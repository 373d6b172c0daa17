"""The user's reference library applied to the catalog: matched entries' fields replace the
ones read or inferred from the files, each marked as the library's, and nothing else moves.

Why a step of its own: a library is edited more often than the files it describes. Applying
it rewrites only the documents' metadata rows (`Catalog.set_metadata`), never a chunk or a
vector, so an edited library costs milliseconds, not a re-embedding. The fields an entry
replaced are kept (`DocMetadata.before_library`), so applying a library is idempotent and a
document whose entry was removed gets its own fields back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.catalog import Catalog
from ingest.records import DocMetadata
from ingest.reference_library import (
    DocumentRef,
    LibraryEntry,
    LibraryMatch,
    match_library,
    read_library,
)

# DocMetadata field -> LibraryEntry attribute
FIELDS = {
    "title": "title",
    "authors": "authors",
    "year": "year",
    "container": "container",
    "publisher": "publisher",
    "doi": "doi",
    "url": "url",
    "isbn": "isbn",
    "item_type": "item_type",
    "citation_key": "key",
}


@dataclass
class LibraryApplied:
    """A library applied: which file, how its entries matched, and how many documents'
    metadata changed (0 when the same library is applied twice)."""

    library: str
    match: LibraryMatch
    changed: int

    def lines(self) -> list[str]:
        return [
            f"library {self.library}: {len(self.match.matches)} documents matched, "
            f"{len(self.match.unmatched_entries)} entries and "
            f"{len(self.match.unmatched_documents)} documents unmatched, "
            f"{len(self.match.ambiguous)} ambiguous; metadata changed for {self.changed}",
            *self.match.report_lines(),
        ]


def without_library(meta: DocMetadata) -> DocMetadata:
    """The document's own metadata: every field a library entry replaced given back."""
    own = meta.model_copy(deep=True)
    for name, (value, provenance) in meta.before_library.items():
        setattr(own, name, value)
        if provenance:
            own.provenance[name] = provenance
        else:
            own.provenance.pop(name, None)
    own.before_library = {}
    own.library_match = ""
    return own


def with_entry(meta: DocMetadata, entry: LibraryEntry, how: str, library: str) -> DocMetadata:
    """`meta` with the entry's non-empty fields in place of its own, each marked
    "library: refs.bib (by DOI)"; empty entry fields leave the document's own value."""
    own = without_library(meta)
    out = own.model_copy(deep=True)
    marked = f"library: {library} (by {how})"
    for name, attribute in FIELDS.items():
        value = getattr(entry, attribute)
        if value in ("", None, []):
            continue
        out.before_library[name] = [getattr(own, name), own.provenance.get(name, "")]
        setattr(out, name, value)
        out.provenance[name] = marked
    out.library_match = f"{library}: {entry.key or entry.origin}, by {how}"
    return out


def apply_library(catalog: Catalog, path: Path) -> LibraryApplied:
    """Read the library at `path`, match its entries to the catalog's documents (attachment
    path, DOI, then normalised title, each on the document's own fields) and write the
    metadata that changed. Raises IngestError for a library that cannot be read."""
    entries = read_library(path)
    documents = catalog.documents()
    own = {d.doc_id: without_library(d.metadata) for d in documents}
    match = match_library(
        entries,
        [
            DocumentRef(
                doc_id=d.doc_id,
                source=d.source or d.path,
                title=own[d.doc_id].title,
                doi=own[d.doc_id].doi,
            )
            for d in documents
        ],
    )
    by_doc = {m.doc_id: m for m in match.matches}
    changed: dict[str, DocMetadata] = {}
    for document in documents:
        found = by_doc.get(document.doc_id)
        meta = (
            with_entry(document.metadata, found.entry, found.how, path.name)
            if found
            else own[document.doc_id]
        )
        if meta != document.metadata:
            changed[document.doc_id] = meta
    return LibraryApplied(path.name, match, catalog.set_metadata(changed))
