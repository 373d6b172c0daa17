"""Score the cleaner on the labelled line set in data/eval/cleaning/lines.jsonl."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.clean import clean_pages
from ingest.records import Page
from ingest.text import normalize_space


@dataclass
class CleaningScores:
    """Drop recall, keep precision and keep recall on whole lines; mixed and repair accuracy."""

    drop_recall: float
    keep_precision: float
    keep_recall: float
    mixed_accuracy: float
    repair_accuracy: float
    counts: dict[str, int]
    errors: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def as_text(self, misses: int = 20) -> str:
        """The scores as JSON, then the first lines the cleaner got wrong (label, the
        line, what it made of it): what `govqa eval --cleaning-set` prints."""
        scores = {k: v for k, v in self.to_dict().items() if k != "errors"}
        lines = [
            f"miss: {row['label']}: {row['text'][:80]!r} -> {row['out'][:80]!r}"
            for row in self.errors[:misses]
        ]
        return "\n".join([json.dumps(scores, indent=2), *lines])


def score_cleaning(path: Path) -> CleaningScores:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    tally = {k: 0 for k in ("tp_drop", "fn_drop", "fp_drop", "tn_keep", "mixed_ok", "repair_ok")}
    counts: dict[str, int] = {}
    errors = []
    for row in rows:
        label, text = row["label"], row["text"]
        counts[label] = counts.get(label, 0) + 1
        out = clean_pages([Page(text)]).text
        dropped = not out.strip()
        if label == "drop":
            tally["tp_drop" if dropped else "fn_drop"] += 1
            ok = dropped
        elif label == "keep":
            tally["fp_drop" if dropped else "tn_keep"] += 1
            ok = not dropped
        elif label == "mixed":
            ok = normalize_space(row["expect"]) in normalize_space(out) and len(
                normalize_space(out)
            ) < len(normalize_space(text))
            tally["mixed_ok"] += ok
        else:
            ok = normalize_space(out) == normalize_space(row["expect"])
            tally["repair_ok"] += ok
        if not ok:
            errors.append({"label": label, "source": row.get("source"), "text": text, "out": out})
    kept_total = tally["tn_keep"] + tally["fn_drop"]
    return CleaningScores(
        drop_recall=tally["tp_drop"] / max(1, counts.get("drop", 0)),
        keep_precision=tally["tn_keep"] / max(1, kept_total),
        keep_recall=tally["tn_keep"] / max(1, counts.get("keep", 0)),
        mixed_accuracy=tally["mixed_ok"] / max(1, counts.get("mixed", 0)),
        repair_accuracy=tally["repair_ok"] / max(1, counts.get("repair", 0)),
        counts=counts,
        errors=errors,
    )
