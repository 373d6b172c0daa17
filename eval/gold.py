"""Gold question sets: the documented JSONL format, loaded and checked against an index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from ingest.text import normalize_space

QuestionType = Literal[
    "factoid", "why_how", "comparison", "filter", "follow_up", "thai", "unanswerable"
]


class GoldQuestion(BaseModel):
    """One gold question. Only `id` and `question` are required for a user's own set:
    `gold_docs` empty (or type "unanswerable") means the right answer is an abstention."""

    id: str
    question: str
    type: QuestionType = "factoid"
    gold_docs: list[str] = Field(default_factory=list)  # file names in the corpus
    evidence: list[str] = Field(default_factory=list)  # verbatim phrases of the gold docs
    key_points: list[str] = Field(default_factory=list)
    filters: dict[str, str | int] | None = None
    follow_up_of: str | None = None
    cases: list[str] = Field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable" and bool(self.gold_docs or self.evidence)


class GoldError(ValueError):
    """A gold file a user wrote does not follow the format; says which line and why."""


def load_gold(path: Path) -> list[GoldQuestion]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            questions.append(GoldQuestion.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise GoldError(f"{path}:{number}: {where}: {first['msg']}") from exc
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise GoldError(f"{path}: question ids are not unique")
    known = set(ids)
    for q in questions:
        if q.follow_up_of and q.follow_up_of not in known:
            raise GoldError(f"{path}: {q.id} follows {q.follow_up_of}, which is not in the set")
    return questions


def missing_evidence(questions: list[GoldQuestion], texts_by_file: dict[str, str]) -> list[str]:
    """Evidence phrases no longer found verbatim in their gold documents' cleaned text
    (a cleaner change can silently invalidate a gold set; this catches it)."""
    missing = []
    texts = {name: normalize_space(text) for name, text in texts_by_file.items()}
    for q in questions:
        for phrase in q.evidence:
            docs = q.gold_docs or list(texts)
            if not any(normalize_space(phrase) in texts.get(doc, "") for doc in docs):
                missing.append(f"{q.id}: {phrase!r}")
    return missing


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
