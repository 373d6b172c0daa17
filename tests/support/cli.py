"""The real `govqa` command in a subprocess, from a chosen working directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.conftest import ROOT


def run_govqa(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`python -m app.cli ARGS` started in `cwd`, importing this checkout's code, with
    `stdin` as its standard input (none: empty)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        input=stdin or "",
        timeout=300,
    )


RUN_TIMEOUT_S = 240
_SAMPLE_RUN = "sample-ingest-run.json"


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    max_rss_mb: float
    seconds: float


def measured_ingest(
    folder: Path, index_dir: Path, *extra: str, env: dict[str, str] | None = None
) -> Run:
    """`govqa ingest FOLDER` in a child process with no GOVQA_ setting from this one's
    environment (`env` adds some); its peak RSS comes from wait4 (this child alone), and a
    run that never ends is killed after RUN_TIMEOUT_S and fails the test."""
    import pytest

    child_env = {k: v for k, v in os.environ.items() if not k.startswith("GOVQA_")}
    child_env.update(env or {})
    out, err = index_dir.parent / "out.txt", index_dir.parent / "err.txt"
    command = [sys.executable, "-m", "app.cli", "ingest", str(folder)]
    command += ["--index-dir", str(index_dir), *extra]
    started = time.monotonic()
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        proc = subprocess.Popen(command, cwd=ROOT, env=child_env, stdout=stdout, stderr=stderr)
    overdue = threading.Timer(RUN_TIMEOUT_S, proc.kill)
    overdue.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        overdue.cancel()
    if time.monotonic() - started >= RUN_TIMEOUT_S:
        pytest.fail(f"ingest of {folder} did not finish in {RUN_TIMEOUT_S} s")
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        proc.returncode,
        out.read_text(errors="replace"),
        err.read_text(errors="replace"),
        usage.ru_maxrss / 1024,  # kB on Linux
        time.monotonic() - started,
    )


def ingest_sample(corpus: Path, index_dir: Path) -> None:
    """The session's index of the sample corpus, built as a user builds one (`govqa
    ingest`: chunks, vectors, cards, case names, the BM25 index), with the run kept beside
    it: the fuzz test compares its peak memory to a hostile folder's."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    run = measured_ingest(corpus, index_dir)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    (index_dir / _SAMPLE_RUN).write_text(json.dumps(asdict(run)), encoding="utf-8")


def sample_ingest_run(index_dir: Path) -> Run:
    """The run `ingest_sample` kept in (a copy of) the session's index."""
    return Run(**json.loads((index_dir / _SAMPLE_RUN).read_text(encoding="utf-8")))


def last_report(index_dir: Path) -> dict:
    """The report the last ingest into `index_dir` wrote (`.govqa/last_ingest.json`)."""
    return json.loads((index_dir / "last_ingest.json").read_text(encoding="utf-8"))
