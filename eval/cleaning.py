"""Score the cleaner on a labelled line set (data/eval/cleaning/*.jsonl), overall, per split
and per language.

Definitions (lines labelled `keep` are real lines, `drop` garbage):
- keep precision: of the keep/drop lines the cleaner keeps (output not empty), the share
  labelled keep; garbage let through lowers it.
- keep recall: of the keep lines, the share that come out unchanged (whitespace, and the
  footnote marks and Markdown heading signs the layout step removes by design, aside); a
  real line dropped or cut lowers it. `keep_dropped` counts the real lines dropped whole.
- drop recall: of the drop lines, the share dropped whole.
- mixed accuracy: `expect` survives verbatim and something was cut.
- repair accuracy: the output equals `expect`.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.clean import clean_pages
from ingest.records import Page
from ingest.text import normalize_space

LABELS = ("keep", "drop", "mixed", "repair")
_BY_DESIGN = re.compile(r"^\s*#{1,6}\s+|(?<=\S)[*†‡§¹²³⁴⁵⁶⁷⁸⁹]+(?=\s|,|;|$)")


def _unchanged(out: str, text: str) -> bool:
    return normalize_space(_BY_DESIGN.sub("", out)) == normalize_space(_BY_DESIGN.sub("", text))


@dataclass
class CleaningScores:
    """Drop recall, keep precision and keep recall on whole lines; mixed and repair accuracy;
    the same per split (`tuning`/`heldout`, when the set has them) and per language."""

    drop_recall: float
    keep_precision: float
    keep_recall: float
    mixed_accuracy: float
    repair_accuracy: float
    counts: dict[str, int]
    keep_dropped: int = 0
    by_split: dict[str, dict] = field(default_factory=dict)
    by_lang: dict[str, dict] = field(default_factory=dict)
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


@dataclass
class _Judged:
    row: dict
    out: str
    ok: bool
    dropped: bool


def _judge(row: dict) -> _Judged:
    label, text = row["label"], row["text"]
    out = clean_pages([Page(text)]).text
    dropped = not out.strip()
    if label == "drop":
        ok = dropped
    elif label == "keep":
        ok = _unchanged(out, text)
    elif label == "mixed":
        ok = normalize_space(row["expect"]) in normalize_space(out) and len(
            normalize_space(out)
        ) < len(normalize_space(text))
    else:
        ok = normalize_space(out) == normalize_space(row["expect"])
    return _Judged(row, out, ok, dropped)


def _tally(judged: list[_Judged]) -> dict:
    counts = {label: 0 for label in LABELS}
    ok = {label: 0 for label in LABELS}
    kept_keep = kept_drop = keep_dropped = 0
    for j in judged:
        label = j.row["label"]
        counts[label] += 1
        ok[label] += j.ok
        if label == "keep":
            kept_keep += not j.dropped
            keep_dropped += j.dropped
        elif label == "drop":
            kept_drop += not j.dropped
    return {
        "drop_recall": ok["drop"] / max(1, counts["drop"]),
        "keep_precision": kept_keep / max(1, kept_keep + kept_drop),
        "keep_recall": ok["keep"] / max(1, counts["keep"]),
        "mixed_accuracy": ok["mixed"] / max(1, counts["mixed"]),
        "repair_accuracy": ok["repair"] / max(1, counts["repair"]),
        "counts": {label: n for label, n in counts.items() if n},
        "keep_dropped": keep_dropped,
    }


def score_cleaning(path: Path) -> CleaningScores:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    judged = [_judge(row) for row in rows]
    overall = _tally(judged)
    groups: dict[str, dict[str, list[_Judged]]] = {"split": {}, "lang": {}}
    for j in judged:
        for key in groups:
            if key in j.row:
                groups[key].setdefault(j.row[key] or "none", []).append(j)
    errors = [
        {
            "label": j.row["label"],
            "source": j.row.get("source"),
            "text": j.row["text"],
            "out": j.out,
        }
        for j in judged
        if not j.ok
    ]
    return CleaningScores(
        **overall,
        by_split={name: _tally(js) for name, js in sorted(groups["split"].items())},
        by_lang={name: _tally(js) for name, js in sorted(groups["lang"].items())},
        errors=errors,
    )
