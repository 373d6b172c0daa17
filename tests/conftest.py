"""Shared fixtures: one real index of the sample corpus per test session."""

from __future__ import annotations

import shutil
import signal
import socket
from pathlib import Path

import pytest

from ingest.offline import enforce_offline

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"
KALASIN_RAW = CORPUS / "kalasin-raw.txt"

enforce_offline()


def pytest_configure(config: pytest.Config) -> None:
    """Let Ctrl-C reach the servers the tests start. A shell starts a background job (`make
    test &`, `nohup`) with SIGINT ignored, every child inherits that, and a chat told to stop
    with Ctrl-C would never stop. A handler, unlike "ignore", is reset to the default in each
    child at exec, so the children get Python's KeyboardInterrupt again."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, worker_id: str):
    """Settings whose index holds the whole sample corpus, ingested once for the run.

    With pytest-xdist the first worker to ask builds it in the run's shared folder (under a
    file lock) and each worker reads its own copy: a test may write its index, and two
    embedded Chroma clients of one folder would see each other's writes late."""
    from filelock import FileLock

    from ingest.settings import Settings
    from tests.support.cli import ingest_sample

    def build(index_dir: Path) -> None:
        ingest_sample(CORPUS, index_dir)

    own = tmp_path_factory.mktemp("index")
    if worker_id == "master":  # not under xdist
        build(own)
        return Settings(index_dir=own, corpus_dir=CORPUS)
    shared = tmp_path_factory.getbasetemp().parent / "sample-index"
    with FileLock(f"{shared}.lock"):
        if not (shared / "built").exists():
            shutil.rmtree(shared, ignore_errors=True)
            build(shared)
            (shared / "built").touch()
    shutil.copytree(shared, own, dirs_exist_ok=True)
    (own / "built").unlink()
    return Settings(index_dir=own, corpus_dir=CORPUS)


@pytest.fixture(scope="session")
def engine(corpus_settings):
    from app.engine import Engine

    return Engine(corpus_settings)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
