"""Case cards, built once after each ingest and stored in the catalog.

A case is one document, or several documents about the same place and programme (two
reports on one city's budgeting process are one precedent to an official, not two). Its
card holds the facets (place, country, level, policy area, years) and one cited sentence
per field an official reads first (actors, mechanism, resources, outcome, success factors),
chosen the way the comparison table chooses its cells, plus the interviews the documents
cite and the case's centroid vector (for "similar cases").

Cards are derived records: each is stored with a signature of the documents it was built
from (their content hashes), so a re-run rebuilds only the cards whose documents changed
and a crash between two cards loses nothing that the next run does not redo.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.answer import candidate_sentences
from app.citations import SourceList
from app.compare import ASPECTS, fill_cells
from app.records import CARD_FIELDS, CaseCard, Cell, Evidence, Fact
from app.retrieve import Retriever
from ingest.catalog import Catalog
from ingest.records import StoredChunk, StoredDocument

CARD_VERSION = "7"  # bump when card building changes, so stored cards are rebuilt


@dataclass
class CardReport:
    cases: int
    built: int
    removed: int
    seconds: float


def document_centroids(
    catalog: Catalog, retriever: Retriever, documents: list[StoredDocument]
) -> dict[str, np.ndarray]:
    """Unit mean vector of each document's passages, cached per document content hash."""
    stored = catalog.derived("centroid")
    centroids: dict[str, np.ndarray] = {}
    fresh: dict[str, tuple[str, str]] = {}
    for doc in documents:
        signature, value = stored.get(doc.doc_id, ("", ""))
        if signature == doc.sha256:
            centroids[doc.doc_id] = np.asarray(json.loads(value), dtype=np.float32)
            continue
        chunks = retriever.document_chunks(doc.doc_id)
        vectors = retriever.vectors([c.id for c in chunks])
        if not vectors:
            continue
        mean = np.mean(np.stack(list(vectors.values())), axis=0)
        unit = mean / max(float(np.linalg.norm(mean)), 1e-9)
        centroids[doc.doc_id] = unit
        fresh[doc.doc_id] = (doc.sha256, json.dumps([round(float(x), 5) for x in unit]))
    gone = set(stored) - {d.doc_id for d in documents}
    if fresh or gone:
        catalog.put_derived("centroid", fresh)
        catalog.drop_derived("centroid", gone)
    return centroids


def group_cases(
    documents: list[StoredDocument], centroids: dict[str, np.ndarray], same_case: float
) -> list[list[StoredDocument]]:
    """Documents grouped into cases: same place and country, and content close enough
    (cosine of mean passage vectors >= `same_case`, settings.cases.same_case) that they
    describe one programme rather than two in one city. On the sample corpus the closest
    pair of different cases sits at 0.43; in tests/app/test_cases.py two reports on one
    town's budgeting programme sit at 0.93 and a flood programme in the same town at 0.50.

    A look-alike (a document copying an earlier one's title or front matter with other
    text, `lookalike_of`) is always a case of its own: grouped, its planted sentences
    would be quoted on the genuine case's card and in its comparison row."""
    parent = {d.doc_id: d.doc_id for d in documents}

    def root(doc_id: str) -> str:
        while parent[doc_id] != doc_id:
            doc_id = parent[doc_id]
        return doc_id

    for i, a in enumerate(documents):
        for b in documents[i + 1 :]:
            pa, pb = a.metadata.place.strip().lower(), b.metadata.place.strip().lower()
            if not pa or pa != pb or a.metadata.country != b.metadata.country:
                continue
            if a.lookalike_of or b.lookalike_of:
                continue
            both = a.doc_id in centroids and b.doc_id in centroids
            if both and float(centroids[a.doc_id] @ centroids[b.doc_id]) >= same_case:
                parent[root(b.doc_id)] = root(a.doc_id)
    groups: dict[str, list[StoredDocument]] = {}
    for doc in documents:  # documents come sorted by path: the first names the case
        groups.setdefault(root(doc.doc_id), []).append(doc)
    return list(groups.values())


def build_cards(catalog: Catalog, retriever: Retriever) -> CardReport:
    """Bring the stored cards in line with the committed documents."""
    started = time.perf_counter()
    documents = catalog.documents()
    centroids = document_centroids(catalog, retriever, documents)
    cases = group_cases(documents, centroids, retriever.settings.cases.same_case)
    stored = catalog.derived("card")
    aspect_vectors = retriever.embedder.embed([query for query, _ in ASPECTS.values()])
    wanted: set[str] = set()
    built = 0
    for docs in cases:
        case_id = docs[0].doc_id
        wanted.add(case_id)
        signature = _signature(docs)
        if stored.get(case_id, ("", ""))[0] == signature:
            continue
        card = build_card(docs, retriever, aspect_vectors, centroids)
        catalog.put_derived("card", {case_id: (signature, json.dumps(card.to_dict()))})
        built += 1
    removed = set(stored) - wanted
    if removed:
        catalog.drop_derived("card", removed)
    return CardReport(len(cases), built, len(removed), time.perf_counter() - started)


def _signature(docs: list[StoredDocument]) -> str:
    parts = [CARD_VERSION] + [f"{d.doc_id}:{d.sha256}" for d in docs]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def build_card(
    docs: list[StoredDocument],
    retriever: Retriever,
    aspect_vectors: np.ndarray,
    centroids: dict[str, np.ndarray],
) -> CaseCard:
    """One case's card from its documents' passages (the first document leads)."""
    chunks = [c for d in docs for c in retriever.document_chunks(d.doc_id)]
    vectors = retriever.vectors([c.id for c in chunks])
    sources = SourceList()
    settings = retriever.settings.cases
    fields = fill_cells(
        chunks, retriever.embedder, ASPECTS, aspect_vectors, sources, settings, vectors
    )
    fields = {name: fields.get(name, Cell()) for name in CARD_FIELDS}
    facts = _facts(docs[0], chunks, sources)
    found = [centroids[d.doc_id] for d in docs if d.doc_id in centroids]
    centroid = (
        np.mean(found, axis=0) if found else np.zeros(retriever.embedder.dim, dtype=np.float32)
    )
    centroid = centroid / max(float(np.linalg.norm(centroid)), 1e-9)
    lead = docs[0].metadata
    # the same interview is often cited several times, with slightly different wording
    interviews = {
        (i.name, i.role, i.organisation, i.date): i.model_dump() for d in docs for i in d.interviews
    }
    return CaseCard(
        case_id=docs[0].doc_id,
        doc_ids=[d.doc_id for d in docs],
        title=lead.title or Path(docs[0].path).name,
        authors=list(dict.fromkeys(a for d in docs for a in d.metadata.authors)),
        year=min((d.metadata.year for d in docs if d.metadata.year), default=None),
        facts=facts,
        fields=fields,
        sources=sources.sources(),
        interviews=list(interviews.values()),
        centroid=[round(float(x), 5) for x in centroid],
        files=[d.path for d in docs],
        lookalike_of=sorted({o for d in docs for o in d.lookalike_of}),
    )


def _facts(lead: StoredDocument, chunks: list[StoredChunk], sources: SourceList) -> dict:
    """Facets from the lead document's metadata; place, country and the first case year
    also quote the first sentence that states them, so a reader can check an inferred one."""
    meta = lead.metadata
    provenance = meta.provenance
    values = {
        "place": (meta.place, provenance.get("place", "")),
        "country": (meta.country, provenance.get("country", "")),
        "level": (meta.level, provenance.get("level", "")),
        "policy area": ("; ".join(meta.policy_area), provenance.get("policy_area", "")),
        "years": (meta.case_years, provenance.get("case_years", "")),
    }
    facts: dict[str, Fact] = {}
    for name, (value, origin) in values.items():
        fact = Fact(value, origin)
        needle = value if name in ("place", "country") else ""
        if name == "years":
            needle = next(iter(re.findall(r"\d{4}", value)), "")  # the first case year
        if needle:
            _quote(fact, needle, chunks, sources)
        facts[name] = fact
    return facts


def _quote(fact: Fact, needle: str, chunks: list[StoredChunk], sources: SourceList) -> None:
    pattern = re.compile(rf"\b{re.escape(needle)}\b", re.I)
    for chunk in chunks:
        if not pattern.search(chunk.text):
            continue
        for candidate in candidate_sentences([Evidence(chunk, 0.0)]):
            if pattern.search(candidate.text):
                fact.source = sources.cite(chunk, (candidate.start, candidate.end))
                fact.quote = candidate.text
                return


def load_cards(catalog: Catalog) -> list[CaseCard]:
    """Stored cards, ordered by title."""
    cards = [CaseCard.from_dict(json.loads(v)) for _, v in catalog.derived("card").values()]
    return sorted(cards, key=lambda c: c.title.lower())
