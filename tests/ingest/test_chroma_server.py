"""Server mode on a real `chroma run` on a free loopback port.

Ingest and ask through `GOVQA_CHROMA_URL`; restart the server on its data directory and ask
again (same answer); two app processes answer alike; an ingest in a subprocess while this
process keeps asking never exposes half a document; two indexes on one server cannot sweep
each other's vectors; a bad URL or a stopped server is one clear line.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.catalog import Catalog
from ingest.chroma_server import ChromaServer
from ingest.pipeline import ingest
from ingest.settings import Settings
from ingest.vectors import VectorIndex
from tests.conftest import CORPUS, ROOT, free_port
from tests.ingest.test_crash_safety import cli_env, make_document

SMALL_CORPUS = ("kalasin-raw.txt", "porto-alegre-participatory-budgeting.md", "rwanda-imihigo.md")
QUESTION = "What made Kalasin's network succeed?"
LIVE_DOCS = 10
LIVE_QUESTIONS = ("What did the district council approve?", "Who audited the village fund?")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("chroma-server")
    chroma = ChromaServer(base / "data", free_port()).start()
    yield chroma
    chroma.stop()


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("small") / "corpus"
    root.mkdir()
    for name in SMALL_CORPUS:
        shutil.copy(CORPUS / name, root / name)
    return root


def govqa(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**cli_env(), **(env or {})},
        timeout=300,
    )


def ask_json(index_dir: Path, url: str) -> dict:
    done = govqa("ask", QUESTION, "--json", "--index-dir", str(index_dir), "--chroma-url", url)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def comparable(answer: dict) -> dict:
    """The answer without its timings (total seconds and per-stage milliseconds vary by run)."""
    return {k: v for k, v in answer.items() if k not in ("seconds", "stages")}


@pytest.fixture(scope="module")
def served_index(server: ChromaServer, small_corpus: Path, tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("served") / "idx"
    done = govqa(
        "ingest", str(small_corpus), "--index-dir", str(index_dir), "--chroma-url", server.url
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "3 added" in done.stdout, done.stdout
    return index_dir


def test_server_mode_keeps_no_embedded_store(served_index: Path, server: ChromaServer) -> None:
    assert (served_index / "catalog.sqlite").exists()
    assert not (served_index / "chroma").exists(), "server mode wrote an embedded store"
    settings = Settings(index_dir=served_index, chroma_url=server.url)
    catalog = Catalog(settings.catalog_path)
    try:
        ids = catalog.chunk_ids()
        index = VectorIndex(settings, owner=catalog.identity())
    finally:
        catalog.close()
    assert ids and index.all_ids() == ids


def test_same_answer_after_server_restart(served_index: Path, server: ChromaServer) -> None:
    before = ask_json(served_index, server.url)
    assert before["sources"] and before["sources"][0]["file"].endswith("kalasin-raw.txt")
    server.restart()
    after = ask_json(served_index, server.url)
    assert comparable(after) == comparable(before)


def test_two_app_processes_answer_alike(served_index: Path, server: ChromaServer) -> None:
    command = [sys.executable, "-m", "app.cli", "ask", QUESTION, "--json"]
    command += ["--index-dir", str(served_index), "--chroma-url", server.url]
    procs = [
        subprocess.Popen(command, cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    first, second = (comparable(json.loads(o)) for o in outputs)
    assert first == second
    assert first["sentences"], first


def test_second_index_cannot_share_a_collection(
    served_index: Path, server: ChromaServer, small_corpus: Path, tmp_path: Path
) -> None:
    """Ingest sweeps vectors its catalog does not know: on another index's collection it
    would delete them all, so it must refuse instead."""
    other = tmp_path / "other-idx"
    args = ["ingest", str(small_corpus), "--index-dir", str(other), "--chroma-url", server.url]
    done = govqa(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "belongs to another index" in lines[0], done.stderr
    settings = Settings(index_dir=served_index, chroma_url=server.url)
    catalog = Catalog(settings.catalog_path)
    try:
        assert VectorIndex(settings).all_ids() == catalog.chunk_ids(), "vectors were swept"
    finally:
        catalog.close()


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:1", "http://127.0.0.1:{dead}"])
def test_bad_or_dead_server_is_one_line(url: str, small_corpus: Path, tmp_path: Path) -> None:
    url = url.format(dead=free_port())
    done = govqa("ingest", str(small_corpus), "--index-dir", str(tmp_path), "--chroma-url", url)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert "Traceback" not in done.stderr


def write_live_corpus(root: Path, seed: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for i in range(LIVE_DOCS):
        (root / f"case_{i + 1:02d}.md").write_text(make_document(i, rng), encoding="utf-8")


def chunk_sets(settings: Settings) -> dict[str, frozenset[str]]:
    catalog = Catalog(settings.catalog_path)
    try:
        return {d.doc_id: frozenset(catalog.chunk_ids(d.doc_id)) for d in catalog.documents()}
    finally:
        catalog.close()


def stable_vectors_cover_catalog(settings: Settings, index: VectorIndex) -> bool | None:
    """True when every committed chunk has its vector, read between two equal catalog
    versions (None: a commit landed while reading, so the reading proves nothing)."""
    catalog = Catalog(settings.catalog_path)
    try:
        version = catalog.version()
        committed = catalog.chunk_ids()
        vectors = index.all_ids()
        if catalog.version() != version:
            return None
    finally:
        catalog.close()
    return committed <= vectors


def test_ingest_while_serving_never_shows_half_a_document(
    server: ChromaServer, tmp_path: Path
) -> None:
    from app.engine import Engine

    corpus = tmp_path / "corpus"
    collection = {"collection": "govqa-live"}
    # the reference chunks of both versions, from embedded ingests of the same paths
    write_live_corpus(corpus, seed=1)
    old = chunk_sets(_ingested(corpus, Settings(index_dir=tmp_path / "ref-old")))
    write_live_corpus(corpus, seed=2)
    new = chunk_sets(_ingested(corpus, Settings(index_dir=tmp_path / "ref-new")))
    assert set(old) == set(new) and all(old[d] != new[d] for d in old)

    write_live_corpus(corpus, seed=1)
    settings = Settings(index_dir=tmp_path / "idx", chroma_url=server.url, **collection)
    _ingested(corpus, settings)
    engine = Engine(settings)
    index = VectorIndex(settings)
    engine.ask(LIVE_QUESTIONS[0])  # model and caches loaded before the writer starts

    write_live_corpus(corpus, seed=2)
    log = tmp_path / "ingest.log"
    command = [sys.executable, "-m", "app.cli", "ingest", str(corpus)]
    command += ["--index-dir", str(settings.index_dir), "--chroma-url", server.url]
    with open(log, "wb") as out:
        writer = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**cli_env(), "GOVQA_COLLECTION": "govqa-live"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    asked = checked = mixed = 0
    deadline = time.monotonic() + 300
    try:
        while writer.poll() is None or asked < 3:
            assert time.monotonic() < deadline, "ingest did not finish in 300 s"
            answer = engine.ask(LIVE_QUESTIONS[asked % 2])
            asked += 1
            by_doc: dict[str, set[str]] = {}
            for source in answer.sources:
                by_doc.setdefault(source.doc_id, set()).add(source.chunk_id)
            for doc_id, ids in by_doc.items():
                assert ids <= old[doc_id] or ids <= new[doc_id], f"{doc_id}: old and new mixed"
            committed = chunk_sets(settings)
            for doc_id, ids in committed.items():
                assert ids in (old[doc_id], new[doc_id]), f"{doc_id}: half a document committed"
            versions = {committed[d] == new[d] for d in committed}
            mixed += len(versions) == 2  # some documents new, others still old
            covered = stable_vectors_cover_catalog(settings, index)
            if covered is not None:
                checked += 1
                assert covered, "a committed chunk has no vector on the server"
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.wait()
    output = log.read_text(errors="replace")
    assert writer.returncode == 0, output[-3000:]
    assert chunk_sets(settings) == new
    assert index.all_ids() == set().union(*new.values())
    assert checked >= 1
    print(f"asked {asked} questions during the ingest; {mixed} saw it part-way; {checked} checks")


def _ingested(corpus: Path, settings: Settings) -> Settings:
    report = ingest([corpus], settings)
    assert not report.skipped, report.skipped
    return settings
