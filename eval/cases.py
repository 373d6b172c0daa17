"""Case-level search scored on graded precedent queries (data/eval/cases.jsonl).

Each query grades corpus files 1-3; a case's grade is the best grade of its documents.
Reported per system: nDCG@5 with graded gains (2^g - 1) and recall@10 of cases graded
1 or more. The systems are every per-case aggregate of passage scores that app.cases
offers, and the chunk-level baseline: the cases in the order the chat's passage retrieval
first reaches them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from app.cases import AGGREGATES, DEFAULT_AGGREGATE
from app.engine import Engine
from app.plan import PerDocument, Search, plan_question

CHUNK_BASELINE = "chunk-level baseline"


@dataclass
class CaseQuery:
    id: str
    query: str
    relevant: dict[str, int]  # corpus file name -> grade 1..3


def load_case_queries(path: Path) -> list[CaseQuery]:
    queries = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            queries.append(CaseQuery(row["id"], row["query"], dict(row["relevant"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a case query ({exc})") from exc
    return queries


def graded_ndcg(ranked: list[str], grades: dict[str, int], k: int = 5) -> float:
    gains = [(2 ** grades.get(c, 0) - 1) / math.log2(i + 2) for i, c in enumerate(ranked[:k])]
    ideal = sorted(grades.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return sum(gains) / best if best else 0.0


def recall_at(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    relevant = {c for c, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def case_grades(query: CaseQuery, engine: Engine) -> dict[str, int]:
    """Grades moved from files to the cases holding them."""
    grades: dict[str, int] = {}
    for card in engine.cases.cards():
        for path in card.files:
            grade = query.relevant.get(Path(path).name, 0)
            if grade:
                grades[card.case_id] = max(grades.get(card.case_id, 0), grade)
    return grades


def chunk_level_ranking(engine: Engine, query: str, depth: int = 30) -> list[str]:
    """Cases in the order the answer retrieval's passages first reach them."""
    ranked: list[str] = []
    # the question as written (not the plan's name-stripped inner text), inside the cases
    # it names, sharing the depth among them
    plan = plan_question(query, engine.retriever, engine.embedder, engine.settings)
    vector = engine.embedder.embed([query])[0]
    search = Search(query, vector, plan.scope, PerDocument(shared_by=len(plan.scope.documents)))
    for ev in engine.retriever.search(search, k=depth):
        card = engine.cases.case_of(ev.chunk.doc_id)
        if card is not None and card.case_id not in ranked:
            ranked.append(card.case_id)
    return ranked


def run_case_eval(engine: Engine, queries: list[CaseQuery]) -> dict:
    """Per system: mean nDCG@5 and recall@10, and each query's scores."""
    systems: dict[str, list[dict]] = {name: [] for name in [*AGGREGATES, CHUNK_BASELINE]}
    unmatched = sorted(
        {f for q in queries for f in q.relevant}
        - {Path(p).name for c in engine.cases.cards() for p in c.files}
    )
    for q in queries:
        grades = case_grades(q, engine)
        vector = engine.embedder.embed([q.query])[0]
        rankings = {
            name: [cid for cid, _, _ in engine.cases.rank(q.query, vector, name)]
            for name in AGGREGATES
        }
        rankings[CHUNK_BASELINE] = chunk_level_ranking(engine, q.query)
        for name, ranked in rankings.items():
            systems[name].append(
                {
                    "id": q.id,
                    "ndcg@5": graded_ndcg(ranked, grades),
                    "recall@10": recall_at(ranked, grades),
                    "top5": ranked[:5],
                }
            )
    summary = {
        name: {
            "ndcg@5": sum(r["ndcg@5"] for r in rows) / len(rows) if rows else 0.0,
            "recall@10": sum(r["recall@10"] for r in rows) / len(rows) if rows else 0.0,
        }
        for name, rows in systems.items()
    }
    return {
        "queries": len(queries),
        "default": DEFAULT_AGGREGATE,
        "summary": summary,
        "per_query": systems,
        "unmatched_files": unmatched,
    }
