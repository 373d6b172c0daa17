"""An index that cannot be written is served read-only: `govqa ask` and the chat answer
from it, `govqa ingest` and the chat's upload refuse with one line, and not a byte of it
changes.

The index is made genuinely unwritable: `chmod -R a-w`, and, since root ignores file
permissions, for root a read-only bind mount of it in a private mount namespace as well
(`unshare --mount`; the commands run inside it). `--read-only` (GOVQA_READ_ONLY) asks for
the same on a writable index (there SQLite may add its -wal/-shm companion files, as any
reader of a WAL database does).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.settings import Settings
from tests.app.test_bind import wait_listening
from tests.conftest import ROOT, free_port
from tests.support.cli import run_govqa
from tests.support.corpus import CLINICS, write_corpus
from tests.support.index import ingest_and_derive

QUESTION = "How did residents of Zorbania take part?"
# run the rest of the command line with the folder in $1 mounted read-only
READ_ONLY_MOUNT = (
    'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'
)


def contents(folder: Path, sqlite_companions: bool = True) -> dict[str, str]:
    """Every file under `folder` (relative path -> sha1): what must not change. Without
    `sqlite_companions`, leave out the catalog's -wal and -shm files: any reader of a WAL
    database makes them where it may (SQLite's locking), holding no data."""
    return {
        str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and (sqlite_companions or not p.name.endswith(("-wal", "-shm")))
    }


def unwritable(index_dir: Path, command: list[str]) -> list[str]:
    """`command` run where `index_dir` cannot be written by it."""
    if os.geteuid() != 0:
        return command  # chmod -R a-w is enough
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.fail(
            "as root, this test makes the index unwritable with a read-only bind mount in a "
            f"mount namespace, which is not allowed here: {probe.stderr.strip()}"
        )
    wrap = ["unshare", "--mount", "--propagation", "private", "sh", "-c", READ_ONLY_MOUNT, "sh"]
    return [*wrap, str(index_dir), *command]


def govqa(*args: str) -> list[str]:
    return [sys.executable, "-m", "app.cli", *args]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Settings]:
    corpus = write_corpus(tmp_path / "corpus")
    settings = Settings(index_dir=tmp_path / "idx", corpus_dir=corpus)
    assert not ingest_and_derive([corpus], settings).skipped
    yield settings
    subprocess.run(["chmod", "-R", "u+w", str(settings.index_dir)], check=True)


@pytest.fixture
def locked(index: Settings) -> Settings:
    subprocess.run(["chmod", "-R", "a-w", str(index.index_dir)], check=True)
    return index


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=280)


def test_unwritable_index_answers_and_refuses_ingest(locked: Settings, tmp_path: Path) -> None:
    before = contents(locked.index_dir)

    asked = run(
        unwritable(locked.index_dir, govqa("ask", QUESTION, "--index-dir", "idx")), tmp_path
    )
    assert asked.returncode == 0, asked.stderr
    assert "[1]" in asked.stdout and "Zorbania" in asked.stdout

    ingest = govqa("ingest", "corpus", "--index-dir", "idx")
    refused = run(unwritable(locked.index_dir, ingest), tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "Error: idx: the index is read-only (idx is not writable); ingest needs to write it "
        "(ask and chat still read it)"
    ]
    assert contents(locked.index_dir) == before


def test_chat_serves_an_unwritable_index_and_refuses_uploads(locked: Settings) -> None:
    from gradio_client import Client, handle_file

    before, port = contents(locked.index_dir), free_port()
    upload = locked.corpus_dir.parent / "vantor-clinics.md"
    upload.write_text(CLINICS, encoding="utf-8")
    args = govqa("chat", "--index-dir", str(locked.index_dir), "--port", str(port))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GOVQA_CORPUS_DIR": str(locked.corpus_dir)}
    chat = subprocess.Popen(
        unwritable(locked.index_dir, args),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_listening(chat, port)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        answer = client.predict(QUESTION, [], api_name="/ask")
        report, *_ = client.predict([handle_file(upload)], api_name="/upload")
        client.close()
    finally:
        chat.send_signal(signal.SIGINT)  # unshare and sh exec the chat: this pid is its own
        with contextlib.suppress(subprocess.TimeoutExpired):
            chat.wait(timeout=60)
        if chat.poll() is None:
            chat.kill()
        _, err = chat.communicate()

    assert not answer["abstained"] and "Zorbania" in answer["text"]
    assert report.startswith("Not ingested: ") and "read\\-only" in report, report
    assert len(report.splitlines()) == 1
    assert f"note: serving {locked.index_dir} read-only" in err
    assert "Traceback" not in err
    assert contents(locked.index_dir) == before
    assert not (locked.corpus_dir / "uploads").exists()


def test_read_only_setting_on_a_writable_index(index: Settings, tmp_path: Path) -> None:
    before = contents(index.index_dir, sqlite_companions=False)

    asked = run_govqa("ask", QUESTION, "--read-only", "--index-dir", "idx", cwd=tmp_path)
    refused = run_govqa("ingest", "corpus", "--read-only", "--index-dir", "idx", cwd=tmp_path)

    assert asked.returncode == 0 and "[1]" in asked.stdout, asked.stderr
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "Error: idx: the index is read-only (--read-only or GOVQA_READ_ONLY is set); ingest "
        "needs to write it (ask and chat still read it)"
    ]
    assert contents(index.index_dir, sqlite_companions=False) == before
