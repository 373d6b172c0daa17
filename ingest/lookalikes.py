"""Look-alikes: a new document that presents itself as an earlier one (its title, or its
front matter over mostly copied sentences) while its text differs.

Ingest flags such a document (`lookalike_of`) and keeps it as its own case, so a copy of a
genuine brief with planted sentences is never grouped into the genuine case or quoted for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ingest.records import DocMetadata, Document
from ingest.text import normalize_space, sentence_spans


def title_key(title: str) -> str:
    """A title compared the way a reader sees it: case, punctuation and spacing aside."""
    return " ".join(re.findall(r"\w+", title.casefold()))


# the front matter fields that, all equal, say two files present themselves as one work
_FRONT_MATTER = ("authors", "year", "place", "country", "level", "policy_area", "case_years")


def _front_matter(meta: DocMetadata) -> tuple:
    read = [f for f in _FRONT_MATTER if meta.provenance.get(f, "").startswith("read")]
    return tuple((f, str(getattr(meta, f))) for f in read) if len(read) >= 4 else ()


@dataclass
class Known:
    """A committed (or earlier in this run) document as look-alike checks see it."""

    metadata: DocMetadata
    path: str
    lookalike_of: list[str]


def _sentences(text: str) -> set[str]:
    return {normalize_space(text[a:b]).casefold() for a, b in sentence_spans(text)}


def copied_share(text: str, original: str) -> float:
    """Share of `text`'s sentences that `original` holds word for word."""
    mine = _sentences(text)
    return len(mine & _sentences(original)) / len(mine) if mine else 0.0


def lookalikes(
    doc: Document,
    known: dict[str, Known],
    text_of: Callable[[str], str],
    copied_share_min: float,
) -> list[str]:
    """Ids of the `known` documents that `doc` presents itself as, while its text differs
    (`text_of(doc_id)` reads a known document's text): the same title of two or more
    words, or the same front matter (at least four fields read from the file) over a text
    of which at least `copied_share_min` of the sentences copy the other's
    (settings.ingest.lookalike_copied_share).

    Why: a copy of a genuine brief with planted sentences would otherwise be grouped into
    the genuine case (same place, near-identical vectors) and quoted for it. Documents that
    are themselves look-alikes are not matched against: the first one stays the genuine
    one. A file with the same text is no threat: it can only repeat the original."""
    key = title_key(doc.metadata.title)
    key = key if len(key.split()) >= 2 else ""
    front = _front_matter(doc.metadata)
    found = []
    for doc_id, other in known.items():
        if other.lookalike_of:
            continue
        same_title = bool(key) and title_key(other.metadata.title) == key
        same_front = bool(front) and _front_matter(other.metadata) == front
        if not (same_title or same_front):
            continue
        text = text_of(doc_id)
        if text == doc.text:
            continue
        if same_title or copied_share(doc.text, text) >= copied_share_min:
            found.append(doc_id)
    return sorted(found)


def lookalike_flag(doc: Document, originals: list[str], known: dict[str, Known]) -> str:
    """The report's line for a look-alike: what it copies, and what was done with it."""
    other = known[originals[0]]
    same_title = title_key(other.metadata.title) == title_key(doc.metadata.title)
    what = "title matches" if same_title else "front matter and most sentences match"
    more = f" (and {len(originals) - 1} more)" if len(originals) > 1 else ""
    return (
        f"its {what} '{other.metadata.title}' ({other.path}){more} but its text "
        "differs: kept as its own case, never merged into that one"
    )
