"""Shared fixtures: one real index of the sample corpus per test session."""

from __future__ import annotations

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
def corpus_settings(tmp_path_factory: pytest.TempPathFactory):
    """Settings whose index holds the whole sample corpus, ingested once for the session."""
    from ingest.settings import Settings
    from tests.support.index import ingest_and_derive

    settings = Settings(index_dir=tmp_path_factory.mktemp("index"), corpus_dir=CORPUS)
    report = ingest_and_derive([CORPUS], settings)
    assert not report.skipped, report.skipped
    return settings


@pytest.fixture(scope="session")
def engine(corpus_settings):
    from app.engine import Engine

    return Engine(corpus_settings)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
