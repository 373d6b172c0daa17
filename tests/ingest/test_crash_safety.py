"""An ingest killed at any moment leaves each document wholly in the index or wholly out.

The real CLI ingests a small Markdown corpus and is SIGKILLed once the catalog holds at least
1, 3 and then 5 committed documents (three runs on one index, each resuming the last). The
kill points come from polling the catalog, not from sleeps. After every kill the committed
documents must match a reference ingest of the same files; a final run must then leave the
catalog and Chroma identical to the reference, and a re-run must write nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.catalog import Catalog
from ingest.pipeline import ingest
from ingest.settings import Settings
from ingest.vectors import VectorIndex

REPO = Path(__file__).resolve().parents[2]
CORPUS_SIZE = 6
KILL_AFTER = (1, 3, 5)  # committed documents in the catalog before each SIGKILL
RUN_TIMEOUT_S = 180

PLACES = [
    "Chiang Rai",
    "Khon Kaen",
    "Nakhon Ratchasima",
    "Songkhla",
    "Udon Thani",
    "Phitsanulok",
]
SUBJECTS = [
    "The district council",
    "The village assembly",
    "A neighbourhood committee",
    "The provincial governor",
    "Local officials",
    "The municipal treasurer",
    "Community leaders",
    "The mayor's office",
    "Civil society groups",
    "The regional auditor",
    "Elected councillors",
    "The planning department",
    "Youth representatives",
    "The health board",
    "Farmers' associations",
]
VERBS = [
    "reviewed",
    "approved",
    "criticised",
    "published",
    "debated",
    "postponed",
    "funded",
    "evaluated",
    "negotiated",
    "monitored",
    "redesigned",
    "defended",
    "questioned",
    "expanded",
    "audited",
]
OBJECTS = [
    "the annual budget",
    "the waste collection contract",
    "a new water supply plan",
    "the school lunch programme",
    "the land use map",
    "the flood warning system",
    "the participatory budgeting rules",
    "the market licensing fees",
    "the bus route changes",
    "the public health campaign",
    "the procurement guidelines",
    "the village fund accounts",
    "the road maintenance schedule",
    "the disaster relief payments",
    "the tourism levy",
]
TAILS = [
    "after a long public hearing",
    "despite objections from residents",
    "in cooperation with the central ministry",
    "before the end of the fiscal year",
    "following a complaint to the ombudsman",
    "with support from a university team",
    "under pressure from local media",
    "at an open meeting in the town hall",
    "without consulting the provincial office",
    "as part of a decentralisation reform",
    "once the audit report was released",
    "after two rounds of community consultation",
]


def make_document(index: int, rng: random.Random) -> str:
    """300-600 words of varied sentences about local governance, distinct for each index."""
    place = PLACES[index % len(PLACES)]
    target = rng.randint(320, 560)
    sentences = [f"In {place}, case {index + 1} began when residents asked for more information."]
    words = len(sentences[0].split())
    while words < target:
        sentence = (
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
            f"{rng.choice(TAILS)} in {rng.randint(1995, 2023)}."
        )
        sentences.append(sentence)
        words += len(sentence.split())
    paragraphs = []
    while sentences:
        size = rng.randint(3, 6)
        paragraphs.append(" ".join(sentences[:size]))
        sentences = sentences[size:]
    title = f"# Local governance in {place}: case {index + 1}"
    return "\n\n".join([title, *paragraphs]) + "\n"


def make_corpus(root: Path, seed: int = 20240611) -> list[Path]:
    root.mkdir(parents=True)
    rng = random.Random(seed)
    files = []
    for i in range(CORPUS_SIZE):
        path = root / f"case_{i + 1:02d}.md"
        path.write_text(make_document(i, rng), encoding="utf-8")
        files.append(path)
    return files


@dataclass
class RefDoc:
    path: str
    sha256: str
    chunk_ids: frozenset[str]


def snapshot(settings: Settings) -> dict[str, RefDoc]:
    """doc_id -> (path, hash, chunk ids) of every committed document."""
    catalog = Catalog(settings.catalog_path)
    try:
        return {
            d.doc_id: RefDoc(d.path, d.sha256, frozenset(catalog.chunk_ids(d.doc_id)))
            for d in catalog.documents()
        }
    finally:
        catalog.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash") / "corpus"
    files = make_corpus(root)
    texts = [f.read_text() for f in files]
    assert len(set(texts)) == CORPUS_SIZE
    for text in texts:
        assert 300 <= len(text.split()) <= 600
    return root


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, RefDoc]:
    """A full, uninterrupted ingest of the same files (same paths, so same ids)."""
    settings = Settings(index_dir=tmp_path_factory.mktemp("reference") / "idx")
    report = ingest([corpus], settings)
    assert [f.status for f in report.files] == ["added"] * CORPUS_SIZE, report.files
    ref = snapshot(settings)
    assert len(ref) == CORPUS_SIZE
    assert all(len(d.chunk_ids) >= 2 for d in ref.values()), "corpus files too short"
    return ref


def committed_documents(catalog_path: Path) -> int:
    """Documents committed so far, read through a fresh read-only connection."""
    if not catalog_path.exists():
        return 0
    try:
        con = sqlite3.connect(f"{catalog_path.as_uri()}?mode=ro", uri=True, timeout=1.0)
        try:
            return con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0  # not created yet, or the schema is still being written


def cli_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GOVQA_")}


def ingest_command(corpus: Path, settings: Settings) -> list[str]:
    server = ["--chroma-url", settings.chroma_url] if settings.chroma_url else []
    return [
        sys.executable,
        "-m",
        "app.cli",
        "ingest",
        str(corpus),
        "--index-dir",
        str(settings.index_dir),
        *server,
    ]


def start_ingest(
    corpus: Path, settings: Settings, log: Path, window: int | None = None
) -> subprocess.Popen:
    """`window` (GOVQA_EMBED_WINDOW) small makes files embed and commit one by one, so a
    kill after n commits lands between files rather than after the whole corpus."""
    env = cli_env() | ({"GOVQA_EMBED_WINDOW": str(window)} if window else {})
    with open(log, "wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            ingest_command(corpus, settings),
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def kill_after_commits(proc: subprocess.Popen, catalog_path: Path, n: int) -> int:
    """SIGKILL `proc` once the catalog holds `n` documents; return the count seen then."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        seen = committed_documents(catalog_path)
        if seen >= n:
            break
        try:
            proc.wait(timeout=0.05)  # waits on the process, returns early if it exits
            break
        except subprocess.TimeoutExpired:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail(f"ingest did not commit {n} documents within {RUN_TIMEOUT_S} s")
    proc.kill()
    proc.wait()
    return seen


def assert_whole_documents(settings: Settings, reference: dict[str, RefDoc]) -> dict:
    """Every committed document has exactly the reference's chunks; none is half there."""
    committed = snapshot(settings)
    for doc_id, doc in committed.items():
        assert doc_id in reference, f"unknown document {doc_id} ({doc.path})"
        ref = reference[doc_id]
        assert doc.sha256 == ref.sha256, doc.path
        assert doc.chunk_ids == ref.chunk_ids, (
            f"{doc.path}: {len(doc.chunk_ids)} chunks committed, reference has {len(ref.chunk_ids)}"
        )
    con = sqlite3.connect(settings.catalog_path)
    try:
        chunk_docs = {r[0] for r in con.execute("SELECT DISTINCT doc_id FROM chunks")}
        chunk_rows = con.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    finally:
        con.close()
    assert chunk_docs <= set(committed), f"chunks without a document: {chunk_docs - set(committed)}"
    assert chunk_rows == sum(len(d.chunk_ids) for d in committed.values())
    return committed


def all_reference_ids(reference: dict[str, RefDoc]) -> set[str]:
    return set().union(*(d.chunk_ids for d in reference.values()))


def test_sigkill_mid_ingest_then_resume(
    corpus: Path, reference: dict[str, RefDoc], tmp_path: Path
) -> None:
    settings = Settings(index_dir=tmp_path / "idx")
    interrupted = 0
    previous = 0
    for run, n in enumerate(KILL_AFTER):
        proc = start_ingest(corpus, settings, tmp_path / f"run{run}.log", window=1)
        seen = kill_after_commits(proc, settings.catalog_path, n)
        log = (tmp_path / f"run{run}.log").read_text(errors="replace")
        assert "Traceback" not in log, log[-3000:]
        committed = assert_whole_documents(settings, reference)
        if proc.returncode == -signal.SIGKILL:
            assert len(committed) >= seen >= n, "a commit seen before the kill was lost"
        else:  # finished on its own between two polls
            assert proc.returncode == 0, f"run {run} exit {proc.returncode}: {log[-3000:]}"
            assert len(committed) == CORPUS_SIZE
        assert len(committed) >= previous, "a killed run lost documents committed earlier"
        print(f"run {run}: killed after {n}; saw {seen}; {len(committed)} committed")
        if proc.returncode == -signal.SIGKILL and len(committed) < CORPUS_SIZE:
            interrupted += 1
        previous = len(committed)
    assert interrupted >= 1, "no run was killed before it finished: kill points not exercised"

    final = subprocess.run(
        ingest_command(corpus, settings),
        cwd=REPO,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    assert final.returncode == 0, final.stdout + final.stderr[-3000:]
    assert "Traceback" not in final.stderr

    committed = assert_whole_documents(settings, reference)
    assert len(committed) == CORPUS_SIZE
    catalog = Catalog(settings.catalog_path)
    try:
        catalog_ids = catalog.chunk_ids()
    finally:
        catalog.close()
    assert catalog_ids == all_reference_ids(reference)
    index = VectorIndex(settings)
    chroma_ids = index.all_ids()
    assert index.count() == len(chroma_ids), "duplicate ids in Chroma"
    assert chroma_ids - catalog_ids == set(), "orphan vectors left in Chroma"
    assert catalog_ids - chroma_ids == set(), "committed chunks without a vector"

    # A re-run finds every file unchanged and writes nothing.
    again = ingest([corpus], settings)
    assert len(again.files) == CORPUS_SIZE
    assert [f.status for f in again.files] == ["unchanged"] * CORPUS_SIZE, again.files
    assert again.embedded == 0
    assert again.chunks_written == 0
    assert VectorIndex(settings).all_ids() == catalog_ids
    assert {d: r.chunk_ids for d, r in snapshot(settings).items()} == {
        d: r.chunk_ids for d, r in reference.items()
    }


def test_sync_updates_changed_and_removes_deleted(
    corpus: Path, reference: dict[str, RefDoc], tmp_path: Path
) -> None:
    root = tmp_path / "corpus"
    root.mkdir()
    for name in ("case_01.md", "case_02.md", "case_03.md"):
        shutil.copy(corpus / name, root / name)
    settings = Settings(index_dir=tmp_path / "idx")
    first = ingest([root], settings)
    assert [f.status for f in first.files] == ["added"] * 3, first.files
    before = snapshot(settings)
    by_name = {Path(d.path).name: doc_id for doc_id, d in before.items()}

    changed, deleted = root / "case_01.md", root / "case_02.md"
    text = changed.read_text()
    changed.write_text(
        text.replace("began when residents", "began when angry residents", 1)
        + "\nThe council later reversed its decision after a court ruling in 2024.\n"
    )
    deleted.unlink()

    report = ingest([root], settings, sync=True)
    statuses = {Path(f.path).name: f.status for f in report.files}
    assert statuses == {
        "case_01.md": "updated",
        "case_02.md": "removed",
        "case_03.md": "unchanged",
    }, report.files
    removed = next(f for f in report.files if f.status == "removed")
    assert removed.chunks == len(before[by_name["case_02.md"]].chunk_ids)

    after = snapshot(settings)
    assert set(after) == {by_name["case_01.md"], by_name["case_03.md"]}
    assert after[by_name["case_03.md"]].chunk_ids == before[by_name["case_03.md"]].chunk_ids
    assert after[by_name["case_01.md"]].chunk_ids != before[by_name["case_01.md"]].chunk_ids

    catalog = Catalog(settings.catalog_path)
    try:
        catalog_ids = catalog.chunk_ids()
    finally:
        catalog.close()
    chroma_ids = VectorIndex(settings).all_ids()
    gone = before[by_name["case_02.md"]].chunk_ids
    assert not gone & catalog_ids, "deleted file's chunks still in the catalog"
    assert not gone & chroma_ids, "deleted file's vectors still in Chroma"
    stale = before[by_name["case_01.md"]].chunk_ids - after[by_name["case_01.md"]].chunk_ids
    assert stale, "the edit should have changed at least one chunk"
    assert not stale & chroma_ids, "replaced chunks' vectors still in Chroma"
    assert chroma_ids == catalog_ids
    # The changed file re-embeds only the chunks whose text changed.
    updated = next(f for f in report.files if f.status == "updated")
    assert 0 < updated.embedded <= updated.chunks


# 8 kills per store in `make test`; `make soak` runs 20 (scripts/soak.py --kill-points)
KILL_POINTS = int(os.environ.get("GOVQA_TEST_KILL_POINTS", "8"))
KILL_SEED = int(os.environ.get("GOVQA_TEST_KILL_SEED", "8"))


def chroma_duplicates(settings: Settings) -> int:
    """Vectors beyond one per (document, position): a stale version left beside the new."""
    with VectorIndex(settings) as index:
        stored = index.all_metadata()
    seen = {(m.get("doc_id"), m.get("ordinal")) for m in stored.values()}
    return len(stored) - len(seen)


def kill_at(proc: subprocess.Popen, catalog_path: Path, point: tuple[str, float, int]) -> None:
    """SIGKILL after `delay` seconds ("time"), or `delay` seconds after the catalog has
    gained `commits` documents since the start ("commit"); whichever the point says."""
    kind, delay, commits = point
    start_version = catalog_version(catalog_path)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    if kind == "commit":
        while catalog_version(catalog_path) - start_version < commits and proc.poll() is None:
            assert time.monotonic() < deadline, "ingest made no progress"
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.005)  # waits on the process: returns at once if it exits
    try:
        proc.wait(timeout=delay)  # returns early if the run finishes first
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def catalog_version(catalog_path: Path) -> int:
    if not catalog_path.exists():
        return 0
    try:
        con = sqlite3.connect(f"{catalog_path.as_uri()}?mode=ro", uri=True, timeout=1.0)
        try:
            row = con.execute("SELECT value FROM state WHERE key='version'").fetchone()
            return int(row[0]) if row else 0
        finally:
            con.close()
    except sqlite3.Error:
        return 0


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory):
    from ingest.chroma_server import ChromaServer
    from tests.conftest import free_port

    server = ChromaServer(tmp_path_factory.mktemp("kill-server") / "data", free_port()).start()
    yield server.url
    server.stop()


@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_sigkill_at_random_points(
    corpus: Path, tmp_path_factory, tmp_path: Path, mode: str, request: pytest.FixtureRequest
) -> None:
    """KILL_POINTS kills at random moments (start-up, embedding, between upsert and commit, between
    commit and the stale-vector delete) of ingests that alternate two versions of the same
    files, so every run rewrites every document. After each kill each document is wholly
    one version and every committed chunk has its vector; after the next complete run the
    index equals a clean ingest and Chroma holds no duplicate chunk. Once with the embedded
    store, once on a `chroma run` server (which lives on while its client is killed)."""
    url = request.getfixturevalue("chroma_url") if mode == "server" else ""
    rng = random.Random(KILL_SEED)
    versions = [corpus, tmp_path / "v2" / corpus.name]
    versions[1].parent.mkdir()
    shutil.copytree(corpus, versions[1])
    for path, text in zip(
        sorted(versions[1].iterdir()),
        [make_document(i, random.Random(KILL_SEED + i)) for i in range(CORPUS_SIZE)],
        strict=True,
    ):
        path.write_text(text, encoding="utf-8")
    # references: each version ingested cleanly at the same paths (a copy into place)
    work = tmp_path / "work" / corpus.name
    refs = []
    for version in versions:
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(version, work)
        settings = Settings(index_dir=tmp_path_factory.mktemp("ref") / "idx")
        started = time.monotonic()
        ingest([work], settings)
        refs.append(snapshot(settings))
    clean_run_s = time.monotonic() - started
    assert all(refs[0][d].chunk_ids != refs[1][d].chunk_ids for d in refs[0])

    settings = Settings(index_dir=tmp_path / "idx", chroma_url=url)
    points: list[tuple[str, float, int]] = []
    for _ in range(KILL_POINTS):
        if rng.random() < 0.5:  # anywhere in a run, start-up included
            points.append(("time", rng.uniform(0.0, clean_run_s + 2.5), 0))
        else:  # inside the write phase: after a few commits, a little later
            points.append(("commit", rng.uniform(0.0, 0.02), rng.randint(1, CORPUS_SIZE - 1)))
    killed = part_way = 0
    for run, point in enumerate(points):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(versions[run % 2], work)
        proc = start_ingest(work, settings, tmp_path / "run.log")
        kill_at(proc, settings.catalog_path, point)
        log = (tmp_path / "run.log").read_text(errors="replace")
        assert "Traceback" not in log, log[-3000:]
        killed += proc.returncode == -signal.SIGKILL
        committed = snapshot(settings)
        for doc_id, doc in committed.items():
            assert doc.chunk_ids in (refs[0][doc_id].chunk_ids, refs[1][doc_id].chunk_ids), (
                f"kill {run} {point}: {doc.path} is half one version, half the other"
            )
        target = refs[run % 2]
        done_docs = sum(committed[d].chunk_ids == target[d].chunk_ids for d in committed)
        part_way += 0 < done_docs < CORPUS_SIZE and proc.returncode != 0
        catalog = Catalog(settings.catalog_path)
        try:
            catalog_ids = catalog.chunk_ids()
        finally:
            catalog.close()
        assert catalog_ids <= VectorIndex(settings).all_ids(), f"kill {run}: chunk lost its vector"

    final = subprocess.run(
        ingest_command(work, settings), cwd=REPO, env=cli_env(), capture_output=True, timeout=180
    )
    assert final.returncode == 0, final.stderr[-3000:]
    last = refs[(len(points) - 1) % 2]
    assert {d: r.chunk_ids for d, r in snapshot(settings).items()} == {
        d: r.chunk_ids for d, r in last.items()
    }
    catalog = Catalog(settings.catalog_path)
    try:
        catalog_ids = catalog.chunk_ids()
    finally:
        catalog.close()
    assert VectorIndex(settings).all_ids() == catalog_ids
    duplicates = chroma_duplicates(settings)
    assert duplicates == 0
    assert killed >= KILL_POINTS // 2, f"only {killed} of {KILL_POINTS} runs were killed"
    figures = {"kill_points": len(points), "killed": killed, "part_way": part_way}
    figures |= {"consistent": len(points), "duplicates_after_next_run": duplicates}
    print(f"FIGURES kill {json.dumps({mode: figures})}")
