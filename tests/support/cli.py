"""The real `govqa` command in a subprocess, from a chosen working directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def last_report(index_dir: Path) -> dict:
    """The report the last ingest into `index_dir` wrote (`.govqa/last_ingest.json`)."""
    return json.loads((index_dir / "last_ingest.json").read_text(encoding="utf-8"))
