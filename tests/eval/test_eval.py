"""The evaluation harness: gold sets still match the index, the reduced run meets its floors,
other systems' answers and users' own corpora are scored, reports are written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eval.gold import load_gold, missing_evidence
from eval.metrics import alce_citation_scores, key_point_coverage, ndcg, reciprocal_rank
from tests.conftest import CORPUS, ROOT

GOLD_SETS = sorted((ROOT / "data" / "eval").glob("gold*.jsonl"))


@pytest.fixture(scope="module")
def reduced_report(corpus_settings):
    from eval.harness import EvalOptions, run_eval

    return run_eval(corpus_settings, EvalOptions(limit=70, progress=False))


@pytest.mark.parametrize("gold", GOLD_SETS, ids=lambda p: p.name)
def test_every_gold_span_is_in_the_index(engine, gold):
    texts = {Path(d.path).name: d.text for d in engine.documents()}
    questions = load_gold(gold)
    assert len(questions) >= 70
    for q in questions:
        assert set(q.gold_docs) <= set(texts), q.id
    assert missing_evidence(questions, texts) == []


def test_reduced_eval_meets_the_floors(reduced_report):
    ours = reduced_report["systems"]["govqa"]
    assert reduced_report["meta"]["questions"] >= 70
    assert ours["recall@5"] >= 0.85
    assert ours["citation_precision"] >= 0.90
    assert ours["abstention_accuracy"] >= 0.80
    assert ours["false_abstention"] <= 0.15
    # the baselines ran on the same questions, and the naive answerer never abstains
    systems = reduced_report["systems"]
    assert {"dense-only", "bm25-only", "llama-index top-k"} <= set(systems)
    assert systems["llama-index top-k"]["false_abstention"] == 0.0
    assert ours["key_points"] > systems["llama-index top-k"]["key_points"]
    support = reduced_report["support_scorer"]
    assert support["pairs"] >= 150 and support["accuracy"] >= 0.75


def test_case_search_beats_the_chunk_level_baseline(reduced_report):
    cases = reduced_report["cases"]
    assert cases["queries"] >= 30 and not cases["unmatched_files"]
    ours = cases["summary"][cases["default"]]
    baseline = cases["summary"]["chunk-level baseline"]
    assert ours["ndcg@5"] >= 0.88 and ours["recall@10"] >= 0.90
    assert ours["ndcg@5"] > baseline["ndcg@5"] and ours["recall@10"] > baseline["recall@10"]
    from eval.report import markdown_report

    assert "## Case search" in markdown_report(reduced_report)


def test_case_queries_are_graded_against_files_in_the_corpus():
    from eval.cases import load_case_queries

    queries = load_case_queries(ROOT / "data" / "eval" / "cases.jsonl")
    files = {p.name for p in CORPUS.iterdir()}
    assert len(queries) >= 30 and len({q.id for q in queries}) == len(queries)
    for q in queries:
        assert set(q.relevant) <= files and max(q.relevant.values()) >= 2, q.id
        assert set(q.relevant.values()) <= {1, 2, 3}, q.id


def test_every_question_type_is_scored(reduced_report):
    types = set(reduced_report["by_type"]["govqa"])
    assert types == {
        "factoid",
        "why_how",
        "comparison",
        "filter",
        "follow_up",
        "thai",
        "unanswerable",
    }


def test_answers_from_another_system_are_scored_with_the_same_metrics(corpus_settings):
    from eval.harness import EvalOptions, run_eval

    answers = ROOT / "docs" / "examples" / "answers.jsonl"
    report = run_eval(
        corpus_settings,
        EvalOptions(
            answers=answers,
            answers_name="other",
            baselines=False,
            ours=False,
            support_set=None,
            progress=False,
        ),
    )
    other = {q["id"]: q for q in report["questions"] if q["system"] == "other"}
    assert set(other) == {"q001", "q002", "q124"}
    assert other["q001"]["citation_recall"] == 1.0  # faithful paraphrase of its passage
    assert other["q002"]["citation_precision"] == 0.0  # cites a Paris passage for Kalasin
    assert other["q124"]["abstained"] is True  # correct: the corpus has no Lisbon case
    assert report["systems"]["other"]["questions"] == 3


def test_own_corpus_and_gold_from_the_command_line(tmp_path):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    for name in ("kalasin-raw.txt", "paris-participatory-budget.md"):
        shutil.copy(CORPUS / name, corpus / name)
    gold = tmp_path / "gold.jsonl"
    rows = [
        {
            "id": "a",
            "question": "What made Kalasin's network succeed?",
            "gold_docs": ["kalasin-raw.txt"],
            "evidence": ["ability in individual collaboration level and organization level"],
            "key_points": ["collaboration at individual and organisation level"],
        },
        {"id": "b", "question": "How many people voted in the Paris participatory budget?"},
        {"id": "c", "question": "How did Lisbon run its participatory budget?"},
    ]
    gold.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "report"
    command = [
        sys.executable,
        "-m",
        "eval.cli",
        "eval",
        "--gold",
        str(gold),
        "--corpus",
        str(corpus),
        "--index-dir",
        str(tmp_path / "index"),
        "--out",
        str(out),
        "--no-baselines",
        "--no-support-check",
    ]
    first = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert first.returncode == 0, first.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["meta"]["questions"] == 3 and report["meta"]["missing_evidence"] == []
    by_id = {q["id"]: q for q in report["questions"]}
    assert by_id["a"]["recall"]["5"] == 1.0 and not by_id["a"]["abstained"]
    assert by_id["c"]["abstained"]
    assert (out / "report.png").stat().st_size > 10_000
    assert "| recall@5 |" in (out / "report.md").read_text()

    again = subprocess.run(
        [*command, "--compare", str(out / "report.json")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert "Changes against" in again.stdout


def govqa_eval(*args: str) -> subprocess.CompletedProcess:
    """`govqa eval ARGS` in a new process, as a user runs it, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "eval.cli", "eval", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_a_gold_file_with_errors_is_reported_not_crashed(tmp_path):
    gold = tmp_path / "bad.jsonl"
    gold.write_text('{"id": "x", "question": "ok"}\n{"id": "y"}\n')
    result = govqa_eval("--gold", str(gold), "--no-baselines")
    assert result.returncode == 2
    assert "bad.jsonl:2: question: Field required" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_index_another_ingest_holds_is_one_line_not_a_crash(tmp_path):
    import fcntl

    index = tmp_path / "index"
    index.mkdir()
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "x", "question": "Who voted?"}\n')
    with open(index / "ingest.lock", "w") as held:  # a `govqa ingest` in another terminal
        fcntl.flock(held, fcntl.LOCK_EX)
        result = govqa_eval(
            "--gold",
            str(gold),
            "--corpus",
            str(CORPUS),
            "--index-dir",
            str(index),
            "--no-baselines",
        )
    assert result.returncode == 2, result.stderr
    assert "another ingest is running" in result.stderr
    assert "Traceback" not in result.stderr


def test_metric_definitions():
    assert reciprocal_rank([False, False, True]) == pytest.approx(1 / 3)
    assert ndcg([True, False], relevant_total=1) == 1.0
    assert ndcg([False, True], relevant_total=1) == pytest.approx(0.6309, abs=1e-3)

    def support(sentence: str, passage: str) -> float:
        return 1.0 if sentence in passage else 0.0

    # two citations, one needed: precision 1/2, recall 1
    assert alce_citation_scores([("a b", ["x a b y", "zzz"])], support, 0.5) == (0.5, 1.0)
    # no citation: neither
    assert alce_citation_scores([("a b", [])], support, 0.5) == (0.0, 0.0)
    assert key_point_coverage("Collaboration at organisation level.", ["organization level"]) == 1


def test_eval_runs_against_the_llm_path(corpus_settings):
    """With an LLM configured the harness scores its (checked) answers; a model that
    copies the best passage's first sentence with its citation scores as grounded."""
    import re

    from eval.harness import EvalOptions, run_eval
    from tests.fake_openai import FakeOpenAI

    def reply(messages):
        first = re.search(r"<passage>\n(.*?)\n</passage>", messages[-1]["content"], re.S)
        sentence = re.split(r"(?<=[.!?])\s", " ".join(first.group(1).split()))[-1]
        return f"{sentence} [1]"

    with FakeOpenAI(reply) as server:
        settings = corpus_settings.replace(llm_url=server.url, llm_model="fake", llm_timeout_s=10.0)
        report = run_eval(
            settings, EvalOptions(limit=6, baselines=False, support_set=None, progress=False)
        )
    assert report["meta"]["llm"] is True
    assert server.requests  # the answers came from the model
    ours = report["systems"]["govqa"]
    assert ours["citation_recall"] is not None and ours["citation_precision"] >= 0.9
