"""Side-by-side comparison of cases: one row per case, one cited sentence per aspect.

Each aspect is a short description of what an official looks for (who took part, how it
worked, what it cost, what came of it, why it worked). For every case the sentence of its
document closest in meaning to that description fills the cell, with a bonus when the
sentence sits under a heading that names the aspect (articles often have "Findings" or
"Results" sections). A cell with no sentence close enough says "not in the sources"
rather than stretching a weak match.
"""

from __future__ import annotations

import re

import numpy as np

from app.answer import Candidate, candidate_sentences, stored_or_embedded
from app.citations import SourceList
from app.records import CaseCard, Cell, Comparison, ComparisonRow, Evidence, Source
from ingest.embed import Embedder
from ingest.records import StoredChunk
from ingest.sentence_vectors import SentenceVectors
from ingest.settings import CasesSettings
from ingest.text import normalize_space, tokenize

ASPECTS: dict[str, tuple[str, str]] = {
    # name: (description embedded as the query, heading words that mark the aspect)
    "actors": (
        "who was involved: government agencies, officials, mayor, civil society "
        "organisations, residents, volunteers and partners who took part",
        r"actor|stakeholder|participant|partner|network|who",
    ),
    "mechanism": (
        "how it worked: the process, meetings, rules, procedures and institutions through "
        "which decisions were made and carried out",
        r"mechanism|process|design|implementation|method|procedure|how",
    ),
    "resources": (
        "resources used: funding, budget, money, staff, equipment and in-kind contributions",
        r"resource|fund|financ|budget|cost",
    ),
    "outcome": (
        "outcomes and results: what changed, measured effects and impact of the programme",
        r"outcome|result|impact|effect|finding|achievement",
    ),
    "success factors": (
        "why it succeeded: the factors and conditions that explain its success",
        r"success|factor|lesson|conclusion|discussion|why",
    ),
}
COMPARE_WORDS = re.compile(
    r"\b(compare|compared|comparing|comparison|versus|vs\.?|contrast|differ|differences?|"
    r"side by side|similarities)\b",
    re.I,
)
# Sentences about the study rather than the case ("By the qualitative research with
# documentation survey and interviews.") describe no actor, outcome or factor of the case:
# they never fill a cell.
_META = re.compile(
    r"\b(this|the|our|present) (study|article|paper|research|chapter)\b|"
    r"\b(qualitative|quantitative) (research|study|method)|\bmethodolog|\bwe (argue|find|show)\b",
    re.I,
)


def is_comparison(question: str) -> bool:
    return bool(COMPARE_WORDS.search(question))


def question_aspect(inner_question: str) -> str:
    """What a comparison question asks beyond "compare X and Y" ("in the way citizens were
    chosen"), or "" when it asks nothing more specific."""
    rest = COMPARE_WORDS.sub(" ", inner_question)
    return rest if len(tokenize(rest)) >= 3 else ""


def compare_cases(
    documents: list[list[StoredChunk]],
    embedder: Embedder,
    settings: CasesSettings,
    asked: str = "",
    chunk_vectors: dict[str, np.ndarray] | None = None,
    cards: list[CaseCard | None] | None = None,
    in_context: dict[str, SentenceVectors] | None = None,
) -> tuple[Comparison, list[Source]]:
    """A comparison table over `documents` (each given as its chunks in order); `asked`,
    when given, becomes a first column answering the question's own point per case.

    With `cards` (the stored case card of each document, or None), the five standard
    columns are the card's fields, chosen at ingest the same way: the table then agrees
    with the cards and only the question's own column is computed now. `in_context`
    (chunk id -> the sentence vectors ingest stored) spares embedding the cells' sentences
    now: that was nine tenths of a comparison's time on real reports (1-2 s).
    """
    own = {"on the question": (asked, r"(?!x)x")} if asked else {}
    cards = cards or [None] * len(documents)
    live = own if all(cards) else own | ASPECTS
    live_vectors = embedder.embed([query for query, _ in live.values()]) if live else None
    rows: list[ComparisonRow] = []
    sources = SourceList()
    for chunks, card in zip(documents, cards, strict=True):
        if not chunks:
            continue
        meta = chunks[0].metadata
        case = meta.place or meta.title or chunks[0].path
        wanted = own if card is not None else live
        cells = (
            fill_cells(
                chunks,
                embedder,
                wanted,
                live_vectors[: len(wanted)],  # `own` comes first in `live`
                sources,
                settings,
                chunk_vectors,
                in_context,
            )
            if wanted
            else {}
        )
        if card is not None:
            cells |= {name: _card_cell(card, name, sources) for name in ASPECTS}
        rows.append(ComparisonRow(chunks[0].doc_id, case, cells))
    return Comparison(list(own | ASPECTS), rows), sources.sources()


def _card_cell(card: CaseCard, name: str, sources: SourceList) -> Cell:
    """A card's field as a table cell, its source renumbered into the table's sources and
    marking only this cell's sentence."""
    field = card.fields[name]
    original = next((s for s in card.sources if s.n == field.source), None)
    if not field.source or original is None:
        return Cell()
    wanted = normalize_space(field.text)
    span = next(
        (sp for sp in original.spans if normalize_space(original.passage[sp[0] : sp[1]]) == wanted),
        None,
    )
    return Cell(field.text, sources.cite(original, span), 1.0)


def fill_cells(
    chunks: list[StoredChunk],
    embedder: Embedder,
    aspects: dict[str, tuple[str, str]],
    aspect_vectors: np.ndarray,
    sources: SourceList,
    settings: CasesSettings,
    chunk_vectors: dict[str, np.ndarray] | None = None,
    in_context: dict[str, SentenceVectors] | None = None,
) -> dict[str, Cell]:
    """One cited sentence per aspect from one case's chunks (in document order), cited
    into `sources`.

    With `chunk_vectors`, only the sentences of the few passages closest to some aspect
    are embedded: a long report has hundreds of sentences, and the one that fills a cell
    sits in a passage about that aspect. With `in_context`, a sentence whose vector ingest
    stored is not embedded again.
    """
    evidence = [Evidence(c, 0.0) for c in chunks]
    candidates = candidate_sentences(evidence)
    if chunk_vectors is not None and len(chunks) > settings.preselect_from:
        keep = preselect_chunks(chunks, chunk_vectors, aspects, aspect_vectors, settings)
        candidates = [c for c in candidates if c.evidence in keep]
    candidates = [c for c in candidates if not _META.search(c.text)]
    cells: dict[str, Cell] = {name: Cell() for name in aspects}
    if not candidates:
        return cells
    sections = sentence_sections(chunks, candidates)
    stored = [in_context.get(c.id, {}) for c in chunks] if in_context else None
    sims = stored_or_embedded(embedder, candidates, stored) @ aspect_vectors.T
    used: set[int] = set()
    for a, (name, (_, heading)) in enumerate(aspects.items()):
        bonus = np.array(
            [
                settings.heading_bonus if re.search(heading, section, re.I) else 0.0
                for section in sections
            ]
        )
        score = sims[:, a] + bonus
        for j in np.argsort(-score):
            if sims[j, a] < settings.cell_floor:
                break
            if int(j) in used:  # one sentence should not fill two columns
                continue
            used.add(int(j))
            best = candidates[int(j)]
            n = sources.cite(chunks[best.evidence], (best.start, best.end))
            cells[name] = Cell(best.text, n, 1.0)
            break
    return cells


def preselect_chunks(
    chunks: list[StoredChunk],
    chunk_vectors: dict[str, np.ndarray],
    aspects: dict[str, tuple[str, str]],
    aspect_vectors: np.ndarray,
    settings: CasesSettings,
) -> set[int]:
    """Indices of the `settings.preselect` passages closest to each aspect (heading bonus included);
    passages without a stored vector are kept, since nothing says they can be skipped."""
    missing = {i for i, c in enumerate(chunks) if c.id not in chunk_vectors}
    known = [i for i in range(len(chunks)) if i not in missing]
    if not known:
        return missing
    matrix = np.stack([chunk_vectors[chunks[i].id] for i in known]) @ aspect_vectors.T
    keep = set(missing)
    for a, (_, heading) in enumerate(aspects.values()):
        bonus = np.array(
            [
                settings.heading_bonus if re.search(heading, chunks[i].section, re.I) else 0.0
                for i in known
            ]
        )
        keep.update(known[j] for j in np.argsort(-(matrix[:, a] + bonus))[: settings.preselect])
    return keep


_HEADING_LINE = re.compile(r"^[^\n.!?:;]{2,60}$")


def sentence_sections(chunks: list[StoredChunk], candidates: list[Candidate]) -> list[str]:
    """The heading each candidate sentence sits under. A chunk records one section (that of
    its last sentence), but a chunk can start in the previous section, so headings are
    followed through the chunks in order."""
    current = ""
    by_chunk: dict[int, list[tuple[int, str]]] = {}
    for i, chunk in enumerate(chunks):
        marks = [(0, current)]
        for paragraph in re.finditer(r"[^\n]+", chunk.text):
            line = paragraph.group(0).strip()
            if _HEADING_LINE.match(line) and len(line.split()) <= 8:
                marks.append((paragraph.start(), line))
        by_chunk[i] = marks
        current = chunk.section or marks[-1][1]
    out = []
    for c in candidates:
        out.append(
            next(title for start, title in reversed(by_chunk[c.evidence]) if start <= c.start)
        )
    return out
