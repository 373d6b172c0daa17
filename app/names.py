"""Case names and countries: the names that pick out one document's case, the countries
of the documents, and which of them a question writes.

A question that names a case ("What made Kalasin's network succeed?") is answered from that
case alone (app.plan scopes the search to it), so a name must be distinctive: few documents'
text may write it. A country or region word and a demonym are never a case name, however
rare in the corpus ("a Thai study" is not about the one brief whose place reads "Bangkok and
other Thai cities"); ingest.countries says which words those are, from a gazetteer. A
question that names a country is about the cases of that country (its documents' country
facet), all of them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sqlite3
from collections import Counter, defaultdict

from ingest.catalog import Catalog
from ingest.countries import countries_named, country_of, country_vocabulary, is_country_name
from ingest.lexicon import english_words
from ingest.records import StoredChunk
from ingest.text import STOPWORDS

# words that form place names but name nothing on their own
_GENERIC_PARTS = frozenset(
    re.findall(
        r"\w+",
        "north south east west northern southern eastern western new old city town county "
        "province state states united republic kingdom saint great upper lower central "
        "capital district region municipality metropolitan greater",
    )
)

_TOKEN = re.compile(r"[\w’'-]+")
_INSIDE_CAPITAL = re.compile(r"(?<=[\w,;)] )[A-Z][\w’'-]*")
_LABEL_PHRASE = re.compile(r"[A-Z][\w’'-]+(?: [A-Z][\w’'-]+)*")
# Bump when `case_names` changes what it finds: names saved by another version are rebuilt.
NAMES_FORMAT = 1
_NAMES_KIND = "case-names"


def _tokens(text: str, inside: bool = False) -> list[str]:
    """Words without a possessive ending; with `inside`, only capitalised words that do
    not start a sentence."""
    found = (_INSIDE_CAPITAL if inside else _TOKEN).findall(text)
    return [w.removesuffix("'s").removesuffix("’s").strip("-'’") for w in found]


def _label_names(labels: str, proper) -> set[str]:
    """Capitalised phrases of a document's place and title whose every word is a proper
    name, and the distinctive single words of the longer ones."""
    found = set()
    for phrase in _LABEL_PHRASE.findall(labels):
        words = [w.removesuffix("'s").removesuffix("’s") for w in phrase.split()]
        kept = [w for w in words if proper(w)]
        if kept and len(kept) == len(words):
            found.add(" ".join(kept))
        if len(words) > 1:  # "Porto" of "Porto Alegre", not "South" of "South Korea"
            found.update(w for w in kept if len(w) >= 4 and w.lower() not in _GENERIC_PARTS)
    return found


def case_names(chunks: list[StoredChunk], max_documents: int) -> dict[str, set[str]]:
    """Distinctive names per document: capitalised phrases of its place and title whose
    words the document itself writes capitalised (so "Porto Alegre" is a name while a
    title-cased "Participatory Budgeting" is not), that are not country or region words
    (the gazetteer's, and the corpus's own country values), and that the text of at most
    `max_documents` documents writes. A look-alike (ingest.lookalikes) is not counted
    among those: a copy of a case's title and text must not make its name ambiguous."""
    text_by_doc: dict[str, list[str]] = defaultdict(list)
    meta_by_doc: dict[str, StoredChunk] = {}
    for chunk in chunks:
        text_by_doc[chunk.doc_id].append(chunk.text)
        meta_by_doc.setdefault(chunk.doc_id, chunk)
    copies = {d for d, first in meta_by_doc.items() if first.lookalike_of}
    countries = country_vocabulary(c.metadata.country for c in meta_by_doc.values())
    full_text = {d: " ".join(texts) for d, texts in text_by_doc.items()}
    # one pass over each text (a regex per word per document would be quadratic at 20k
    # chunks); `writers` is which documents write each word, for the document frequency
    everywhere: Counter[str] = Counter()
    writers: dict[str, set[str]] = defaultdict(set)
    for doc_id, text in full_text.items():
        words = _tokens(text)
        everywhere.update(words)
        if doc_id in copies:
            continue
        for word in set(words):
            writers[word].add(doc_id)
    names: dict[str, set[str]] = {}
    for doc_id, first in meta_by_doc.items():
        inside_counts = Counter(_tokens(full_text[doc_id], inside=True))

        def proper(word: str, inside_counts: Counter = inside_counts) -> bool:
            # capitalised inside a sentence (not merely at its start or in a heading), and
            # rarely written in lower case anywhere in the corpus
            inside, lower = inside_counts[word], everywhere[word.lower()]
            return inside > 0 and inside >= 2 * lower and word.lower() not in STOPWORDS

        labels = f"{first.metadata.place}. {first.metadata.title}"
        names[doc_id] = {
            n for n in _label_names(labels, proper) if not is_country_name(n, countries)
        }
    owners: dict[str, set[str]] = defaultdict(set)
    for doc_id, doc_names in names.items():
        if doc_id in copies:
            continue
        for name in doc_names:
            owners[name].add(doc_id)

    def written_by(name: str) -> set[str]:
        words = name.split()
        docs = set.intersection(*(writers.get(w, set()) for w in words))
        if len(words) > 1:
            pattern = re.compile(rf"\b{re.escape(name)}\b")
            docs = {d for d in docs if pattern.search(full_text[d])}
        return docs | owners[name]

    labelled = set().union(*names.values())  # a copy's own names too, not only owners'
    distinctive = {n for n in labelled if len(written_by(n)) <= max_documents}
    return {doc_id: doc_names & distinctive for doc_id, doc_names in names.items()}


def saved_case_names(
    catalog: Catalog, chunks: list[StoredChunk], max_documents: int, save: bool = True
) -> dict[str, set[str]]:
    """`case_names`, read from the catalog's derived records when saved there for these
    chunks: finding them reads every word of the corpus (seconds of a cold start at 15k
    chunks). The signature covers all `case_names` reads: each chunk id (a hash of its
    document and text), each document's place, title, country and look-alikes, the limit
    and NAMES_FORMAT. With `save`, a fresh result is saved for the next process."""
    digest = hashlib.sha256(f"names {NAMES_FORMAT} {max_documents}\n".encode())
    seen: set[str] = set()
    for chunk in chunks:
        digest.update(chunk.id.encode() + b"\n")
        if chunk.doc_id not in seen:
            seen.add(chunk.doc_id)
            meta = chunk.metadata
            labels = [chunk.doc_id, meta.place, meta.title, meta.country, *chunk.lookalike_of]
            digest.update(json.dumps(labels).encode() + b"\n")
    signature = digest.hexdigest()
    stored = catalog.derived(_NAMES_KIND).get("all")
    if stored and stored[0] == signature:
        return {doc_id: set(names) for doc_id, names in json.loads(stored[1]).items()}
    names = case_names(chunks, max_documents)
    if save:
        value = json.dumps({doc_id: sorted(found) for doc_id, found in names.items()})
        # only ever a copy: a catalog busy past its timeout (a long ingest commit in another
        # process) costs the next process a rebuild, never this question its answer
        with contextlib.suppress(sqlite3.Error):
            catalog.put_derived(_NAMES_KIND, {"all": (signature, value)})
    return names


def named_in(question: str, names: dict[str, set[str]]) -> dict[str, set[str]]:
    """Documents whose case the question names, with the names it writes. A name that is
    also an English word names a case only when written as a name ("Solo", not "solo");
    any other in any case ("kalasin")."""
    words = english_words()
    # a name the question does not contain, in any case, cannot match: the substring test
    # spares compiling thousands of patterns per question (Python caches only 512)
    folded = question.casefold()
    found: dict[str, set[str]] = {}
    for doc_id, doc_names in names.items():
        hits = {
            n
            for n in doc_names
            if n.casefold() in folded
            and re.search(rf"\b{re.escape(n)}\b", question, 0 if n.lower() in words else re.I)
        }
        if hits:
            found[doc_id] = hits
    return found


def documents_by_country(chunks: list[StoredChunk]) -> dict[str, set[str]]:
    """The documents of each country, by the gazetteer's name for their country facet;
    those with no country (a method or an organisation page) under ""."""
    by_country: dict[str, set[str]] = defaultdict(set)
    for chunk in chunks:
        for country in country_of(chunk.metadata.country) or {""}:
            by_country[country].add(chunk.doc_id)
    return dict(by_country)


def countries_in(question: str, by_country: dict[str, set[str]]) -> dict[str, set[str]]:
    """The countries the question names, as written ("Thai", "Brasil", "UK"; or a corpus's
    own country value that the gazetteer lacks, such as "England"), each with the
    documents of its countries and those of no known country, which may be about it too
    ("the Russian organisation Wikivote"); a country with no document is left out."""
    written = {w: set(c) for w, c in countries_named(question).items()}
    for country in filter(None, by_country):
        if re.search(rf"\b{re.escape(country)}\b", question):
            written.setdefault(country, set()).add(country)
    unknown = by_country.get("", set())
    found = {w: set().union(*(by_country.get(c, set()) for c in cs)) for w, cs in written.items()}
    return {w: docs | unknown for w, docs in found.items() if docs}
