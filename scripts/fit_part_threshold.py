"""Fit `ingest.clean_part_min_logprob` on the tuning split, then report both splits.

A glued token (OpenParlamento, ICT4Gov, 17Clodagh) is real when each of its parts of three or
more letters is a known word, an acronym, or scores at least the threshold under the letter
model. The fit is on tokens, where the threshold acts: the tokens of the `keep` lines and the
`expect` parts of `mixed` lines are real, the tokens of `drop` lines and the cut parts of
`mixed` lines are garbage (glyph-run lines aside: no token rule sees them). The threshold is
the value that maximises real glued tokens explained minus garbage tokens explained on the
tuning rows (real-lines.jsonl `split == "tuning"` plus lines.jsonl), ties going to the stricter
value. Then the line scores of both splits are printed for it.

    .venv/bin/python scripts/fit_part_threshold.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import ingest.garbage as garbage
from eval.cleaning import _judge, _tally

SETS = Path(__file__).resolve().parents[1] / "data" / "eval" / "cleaning"
GRID = [round(-1.0 - 0.05 * i, 2) for i in range(17)]  # -1.00 .. -1.80
_GLYPHS = re.compile(r"\(cid:|\ufffd|\?\?\?|[\ue000-\uf8ff]")


def _rows(name: str, split: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in (SETS / name).read_text("utf-8").splitlines() if line]
    return [r for r in rows if split is None or r.get("split") == split]


def _tokens(rows: list[dict]) -> tuple[list[str], list[str]]:
    real, junk = [], []
    for row in rows:
        text = row["text"]
        if _GLYPHS.search(text):
            continue
        if row["label"] == "keep":
            real += text.split()
        elif row["label"] == "drop":
            junk += text.split()
        elif row["label"] == "mixed":
            before, _, after = text.partition(row["expect"])
            real += row["expect"].split()
            junk += f"{before} {after}".split()
    return real, junk


def _core(token: str) -> str:
    return garbage._CITATION_MARK.sub("", token).strip("()[]{}<>\"'“”‘’.,;:!?*=+~$£€/")


def _glued(core: str) -> bool:
    return core.isascii() and bool(garbage._letters(core)) and not core.isalpha()


def _use(threshold: float) -> None:
    os.environ["GOVQA_INGEST_CLEAN_PART_MIN_LOGPROB"] = str(threshold)
    garbage._settings.cache_clear()
    garbage.suspicion.cache_clear()


def main() -> None:
    tuning = _rows("real-lines.jsonl", "tuning") + _rows("lines.jsonl")
    real, junk = _tokens(tuning)
    real_glued = sorted({c for c in map(_core, real) if _glued(c) or re.search("[a-z][A-Z]", c)})
    junk_cores = [c for c in map(_core, junk) if c.isascii() and garbage._letters(c)]
    best: tuple[int, float] | None = None
    for threshold in GRID:
        _use(threshold)
        kept = sum(garbage._explained(c) for c in real_glued)
        let_in = sum(garbage._explained(c) for c in junk_cores)
        print(
            f"{threshold:6.2f}  real glued explained {kept}/{len(real_glued)}  "
            f"garbage explained {let_in}/{len(junk_cores)}"
        )
        if best is None or kept - let_in > best[0]:
            best = (kept - let_in, threshold)
    assert best is not None
    _use(best[1])
    print(f"fitted threshold: {best[1]}")
    for name, rows in {
        "real-lines tuning": _rows("real-lines.jsonl", "tuning"),
        "real-lines heldout": _rows("real-lines.jsonl", "heldout"),
        "lines.jsonl": _rows("lines.jsonl"),
        "heldout.jsonl": _rows("heldout.jsonl"),
    }.items():
        scores = _tally([_judge(row) for row in rows])
        shown = {k: round(v, 4) for k, v in scores.items() if isinstance(v, float)}
        print(name, json.dumps(shown))


if __name__ == "__main__":
    main()
