"""Cleaning dry run over a folder: what the cleaner drops from real files, by reason.

`govqa ingest --show-dropped` prints the same lines but embeds and indexes everything first
(~8 minutes for the 691-file evaluation corpus); this reads and cleans only, exactly as
`ingest.pipeline.build_document` does, and counts whole lines dropped and tokens trimmed
off lines that stay, per reason, so a change to the cleaner can be judged on real text.

    .venv/bin/python scripts/cleaning_audit.py /work/evalcorpus --out /tmp/audit.jsonl
    .venv/bin/python scripts/cleaning_audit.py DIR --pages-cache /tmp/pages.pkl  # re-runs

`--pages-cache` keeps what the readers returned, so a second run only re-cleans.
"""

from __future__ import annotations

import argparse
import json
import pickle
from collections import Counter, defaultdict
from pathlib import Path

from ingest.clean import clean_pages
from ingest.pipeline import max_bytes
from ingest.readers import READERS, read_document
from ingest.records import IngestError, Page
from ingest.settings import Settings


def _read_all(root: Path, cache: Path | None) -> dict[str, list[Page]]:
    if cache and cache.exists():
        return pickle.loads(cache.read_bytes())
    limit = max_bytes(Settings())
    pages: dict[str, list[Page]] = {}
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in READERS):
        try:
            pages[str(path.relative_to(root))] = read_document(path, limit).pages
        except IngestError:
            continue
    if cache:
        cache.write_bytes(pickle.dumps(pages))
    return pages


def _raw_lines(pages: list[Page]) -> dict[int, str]:
    """Line number -> raw text, numbered as `clean_pages` numbers them (form feeds of a
    page-less file only split pages, they do not renumber)."""
    text = "\n".join(page.text for page in pages)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    return {i + 1: line for i, line in enumerate(lines)}


def audit(pages_by_file: dict[str, list[Page]]) -> tuple[dict, list[dict]]:
    """Counts per reason (whole lines, cut parts of kept lines, their tokens) and every cut."""
    whole: Counter[str] = Counter()
    parts: Counter[str] = Counter()
    tokens: Counter[str] = Counter()
    rows: list[dict] = []
    for name, pages in pages_by_file.items():
        clean = clean_pages(pages)
        raw = _raw_lines(pages)
        by_line: dict[int, list] = defaultdict(list)
        for dropped in clean.dropped:
            by_line[dropped.line].append(dropped)
        for number, cuts in by_line.items():
            line_tokens = raw.get(number, "").split()
            cut_tokens = " ".join(c.text for c in cuts).split()
            is_whole = Counter(line_tokens) <= Counter(cut_tokens) or not line_tokens
            for cut in cuts:
                (whole if is_whole else parts)[cut.reason] += 1
                if not is_whole:
                    tokens[cut.reason] += len(cut.text.split())
                rows.append(
                    {
                        "file": name,
                        "line": number,
                        "reason": cut.reason,
                        "whole_line": is_whole,
                        "cut": cut.text,
                        "raw": raw.get(number, ""),
                    }
                )
    summary = {
        "files": len(pages_by_file),
        "lines_dropped_whole": dict(whole.most_common()),
        "lines_trimmed": dict(parts.most_common()),
        "tokens_trimmed": dict(tokens.most_common()),
    }
    return summary, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--out", type=Path, help="write every cut as JSON lines here")
    parser.add_argument("--pages-cache", type=Path, help="pickle of the read pages (reused)")
    args = parser.parse_args()
    summary, rows = audit(_read_all(args.folder, args.pages_cache))
    if args.out:
        args.out.write_text(
            "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), "utf-8"
        )
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
