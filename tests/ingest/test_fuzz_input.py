"""The hostile fuzz set (tests/ingest/hostile_files.py) through the real CLI, in one folder.

Every file gets exactly one outcome with a one-line reason; the run finishes in bounded time
with no traceback; hostile content never reaches the catalog; and the peak memory of the run
(the child's own ru_maxrss, from wait4) stays within a fixed margin of an ingest of the
sample corpus.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.catalog import Catalog
from ingest.settings import Settings
from tests.ingest.hostile_files import GOOD_SENTENCE, Expect, expectations, make_hostile_dir
from tests.support.cli import Run, measured_ingest, sample_ingest_run

# the file-size limit of the run: under too_big.txt (2 MB), over every hostile file
MAX_FILE_MB = "1.9"
# Peak memory beyond an ingest of the sample corpus. Both are dominated by the embedder,
# which plateaus near 560 MB (ONNX Runtime's arena for batches of 32 x 256 tokens, measured
# over 2,000 chunks); what a hostile file adds is its text and parse tree, which
# max_file_mb bounds.
RSS_MARGIN_MB = 300


@dataclass
class FuzzResult:
    root: Path
    settings: Settings
    expected: dict[str, Expect]
    json_run: Run
    text_run: Run
    baseline: Run

    def outcomes(self) -> dict[str, dict]:
        report = json.loads(self.json_run.stdout)
        by_name: dict[str, dict] = {}
        for outcome in report["files"]:
            name = Path(outcome["path"]).name
            assert name not in by_name, f"{name!r} reported twice"
            by_name[name] = outcome
        return by_name


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory, corpus_settings: Settings) -> FuzzResult:
    base = tmp_path_factory.mktemp("fuzz")
    root = base / "inbox"
    expected = make_hostile_dir(root)
    settings = Settings(index_dir=base / "idx")
    env = {"GOVQA_INGEST_MAX_FILE_MB": MAX_FILE_MB}
    json_run = measured_ingest(root, settings.index_dir, "--json", env=env)
    text_run = measured_ingest(root, settings.index_dir, env=env)
    # the session's own index is the baseline: the same CLI's ingest of the sample corpus
    baseline = sample_ingest_run(corpus_settings.index_dir)
    result = FuzzResult(root, settings, expected, json_run, text_run, baseline)
    figures = {
        "files": len(expected),
        "skipped": sum(1 for e in expected.values() if e.skip),
        "peak_rss_mb": round(json_run.max_rss_mb),
        "baseline_rss_mb": round(baseline.max_rss_mb),
        "seconds": round(json_run.seconds, 1),
    }
    print("FIGURES fuzz " + json.dumps(figures))
    return result


def test_fuzz_set_has_at_least_30_files(fuzz: FuzzResult) -> None:
    assert len(fuzz.expected) >= 30
    on_disk = {p.name for p in fuzz.root.iterdir()}
    assert on_disk == set(fuzz.expected)


def test_run_ends_cleanly(fuzz: FuzzResult) -> None:
    for run in (fuzz.json_run, fuzz.text_run):
        assert run.returncode == 1, run.stderr[-3000:]  # 1: some files skipped
        assert "Traceback" not in run.stderr + run.stdout, run.stderr[-3000:]


def test_memory_stays_bounded(fuzz: FuzzResult) -> None:
    assert fuzz.baseline.returncode == 0, fuzz.baseline.stderr[-2000:]
    peak, base = fuzz.json_run.max_rss_mb, fuzz.baseline.max_rss_mb
    assert peak <= base + RSS_MARGIN_MB, f"peak {peak:.0f} MB; sample corpus {base:.0f} MB"


@pytest.mark.parametrize("name", sorted(expectations()), ids=lambda n: n.encode().hex()[:24])
def test_each_file_has_one_clear_outcome(fuzz: FuzzResult, name: str) -> None:
    expect = fuzz.expected[name]
    outcome = fuzz.outcomes().get(name)
    assert outcome is not None, f"{name!r} missing from the report"
    if expect.skip is None:
        assert outcome["status"] == "added", outcome
        assert outcome["chunks"] >= 1, outcome
        return
    assert outcome["status"] == "skipped", outcome
    reason = outcome["reason"]
    assert reason.strip() and "\n" not in reason and "\r" not in reason, repr(reason)
    assert re.search(expect.skip, reason, re.I), f"{name!r}: {reason!r} !~ /{expect.skip}/"


def test_text_report_is_one_printable_line_per_skipped_file(fuzz: FuzzResult) -> None:
    skipped = [n for n, e in fuzz.expected.items() if e.skip]
    lines = fuzz.text_run.stdout.splitlines()
    shown = [line for line in lines if line.startswith("skipped: ")]
    assert len(shown) == len(skipped), fuzz.text_run.stdout
    for line in lines:  # a file name must not smuggle a terminal escape or a line break
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", line), repr(line)
    assert sum("new\\nline.pdf" in line for line in shown) == 1, shown


def test_hostile_content_stays_out_of_the_catalog(fuzz: FuzzResult) -> None:
    catalog = Catalog(fuzz.settings.catalog_path)
    try:
        docs = {Path(d.path).name: d for d in catalog.documents()}
    finally:
        catalog.close()
    added = {n for n, e in fuzz.expected.items() if e.skip is None}
    assert set(docs) == added
    for name, doc in docs.items():
        assert "\x00" not in doc.text, name
        assert len(doc.metadata.title) <= 300, (name, doc.metadata.title[:80])
        for marker in fuzz.expected[name].absent:
            assert marker not in doc.text, (name, marker)
    assert GOOD_SENTENCE in docs["nested_100k.html"].text
    assert GOOD_SENTENCE in docs["siblings_200k.html"].text
