"""The real `govqa` command in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def govqa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_ingest_missing_path_is_one_clear_line(tmp_path):
    result = govqa("ingest", str(tmp_path / "nope"), "--index-dir", str(tmp_path / "idx"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope" in lines[0] and "no such file" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_ask_prints_cited_answer_and_json(corpus_settings):
    index = str(corpus_settings.index_dir)
    text = govqa("ask", "What made Kalasin's network succeed?", "--index-dir", index)
    assert text.returncode == 0, text.stderr
    assert "[1]" in text.stdout and "Sources" in text.stdout
    assert "Alongkot Sarakarn (2017)" in text.stdout
    as_json = govqa("ask", "What made Kalasin's network succeed?", "--index-dir", index, "--json")
    data = json.loads(as_json.stdout)
    assert data["sources"][0]["file"].endswith("kalasin-raw.txt")
    assert data["sentences"][0]["source"] == 1
    assert data["text"] == text.stdout.split("\n")[0]


def test_ask_without_index_says_what_to_do(tmp_path):
    result = govqa("ask", "anything", "--index-dir", str(tmp_path / "none"))
    assert result.returncode == 2
    assert "govqa ingest" in result.stderr and "Traceback" not in result.stderr


def test_ingest_without_paths_uses_the_corpus_dir(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "brief.md").write_text(
        "# Ward committees\n\nWard committees in the municipality met monthly with residents "
        "to set local priorities for roads, water and clinics.\n",
        encoding="utf-8",
    )
    result = govqa("ingest", "--corpus-dir", str(corpus), "--index-dir", str(tmp_path / "idx"))
    assert result.returncode == 0, result.stderr
    assert "1 added" in result.stdout


def test_ask_renders_references_in_the_chosen_citation_style(corpus_settings):
    index = str(corpus_settings.index_dir)
    question = "What made Kalasin's network succeed?"
    apa = govqa("ask", question, "--index-dir", index, "--style", "apa")
    assert apa.returncode == 0, apa.stderr
    assert "[1] (Sarakarn, 2017) Sarakarn, A. (2017). The Success of Collaborative" in apa.stdout
    wrong = govqa("ask", question, "--index-dir", index, "--style", "mla")
    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines() == [
        "Error: --style mla: not a citation style; choose one of apa, chicago, harvard"
    ]
