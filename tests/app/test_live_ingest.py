"""Readers and writers together on the embedded store: a real `govqa ingest` SUBPROCESS adds
and changes files, several times, while three engine threads of this process keep asking
(answers, filtered answers, case search). No request may fail, every answer must show each
document wholly old or wholly new, and this process must see each commit without a restart.

The rounds are sequenced by the subprocesses themselves and by counting the askers' finished
requests (a condition variable, never a sleep): after each ingest exits, every asker must
finish a request that started after it, so each round is read by a client opened before it.
A second test loads a served page after a CLI ingest: every list and an answer show the new
case (the chat builds its layout once, at start).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from app.corpus import case_choices, facet_values
from app.records import Filters
from ingest.catalog import Catalog
from ingest.settings import Settings
from tests.conftest import ROOT
from tests.support.index import ingest_and_derive
from tests.support.tiny import TINY, brief

ROUND_TIMEOUT_S = 180
NEW_CASE = brief(
    "Harbour Wardens in Quillport",
    "Quillport",
    "Marovia",
    "2003-2009",
    [
        "Quillport's harbour wardens were fishermen elected by the dock families to settle "
        "quarrels over mooring places and to collect the harbour dues.",
        "The wardens of Quillport published the dues they collected on the harbour gate "
        "every month, and the dock families voted each spring on how to spend them.",
    ],
)
CHANGED = brief(
    "School Councils in Hillcrest",
    "Hillcrest",
    "Freedonia",
    "1995-2001",
    [
        "Hillcrest gave every school a council of parents, teachers and pupils that "
        "decided how the maintenance budget was spent.",
        "In the second term the Hillcrest councils also chose the school meals supplier "
        "after tasting days that parents ran in every school hall.",
        "Parents on the Hillcrest councils inspected classrooms and reported broken "
        "windows to the education office.",
    ],
)
# (file name, text) written before each CLI ingest: a new case, a changed one, then both
# the new case changed and another new file
ROUNDS = [
    [("quillport-harbour.md", NEW_CASE)],
    [("hillcrest-schools.md", CHANGED)],
    [
        ("quillport-harbour.md", NEW_CASE.replace("every month", "every fortnight")),
        ("riverton-budget-2.md", TINY["riverton-budget.md"].replace("Riverton", "Dunmore")),
    ],
]


def cli_ingest(corpus: Path, settings: Settings) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVQA_")}
    command = [sys.executable, "-m", "app.cli", "ingest", str(corpus)]
    return subprocess.run(
        [*command, "--index-dir", str(settings.index_dir)],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=ROUND_TIMEOUT_S,
    )


def committed_chunks(settings: Settings) -> dict[str, frozenset[str]]:
    catalog = Catalog(settings.catalog_path)
    try:
        return {d.doc_id: frozenset(catalog.chunk_ids(d.doc_id)) for d in catalog.documents()}
    finally:
        catalog.close()


class Askers:
    """Threads that each loop over their requests until stopped, counting what finished."""

    def __init__(self, requests: list[Callable[[], set[tuple[str, str]]]]) -> None:
        self.requests = requests
        self.started = [0] * len(requests)  # requests each thread started
        self.finished = [0] * len(requests)  # ... and finished
        self.errors: list[str] = []
        self.cited: list[set[tuple[str, str]]] = []  # (doc_id, chunk_id) per answer
        self.stop = threading.Event()
        self.changed = threading.Condition()
        self.threads = [
            threading.Thread(target=self._loop, args=(n,), daemon=True)
            for n in range(len(requests))
        ]

    def _loop(self, n: int) -> None:
        # the askers take the CPU the ingest leaves: on two busy cores, three threads asking
        # at full speed would starve it (Linux gives a thread its own nice value)
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        while not self.stop.is_set():
            with self.changed:
                self.started[n] += 1
            try:
                cited = self.requests[n]()
            except Exception:  # every failure is counted, none stops the run
                cited, error = set(), traceback.format_exc(limit=-4)
            else:
                error = ""
            with self.changed:
                self.finished[n] += 1
                self.cited.append(cited)
                if error:
                    self.errors.append(error)
                self.changed.notify_all()

    def each_finish_one_more(self) -> None:
        """Block until every thread has finished a request it started after this call."""
        with self.changed:
            target = [n + 1 for n in self.started]  # the next one each thread starts
            met = self.changed.wait_for(
                lambda: all(f >= t for f, t in zip(self.finished, target, strict=True)),
                timeout=ROUND_TIMEOUT_S,
            )
        assert met, f"askers stalled: {self.finished}"


def test_cli_ingests_while_engine_threads_ask(tmp_path: Path) -> None:
    from app.engine import Engine

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in TINY.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    assert not settings.chroma_url, "this test is about the embedded store"
    ingest_and_derive([corpus], settings)
    engine = Engine(settings)
    versions: dict[str, set[frozenset[str]]] = {}  # doc_id -> every committed chunk set

    def record_versions() -> None:
        for doc_id, ids in committed_chunks(settings).items():
            versions.setdefault(doc_id, set()).add(ids)

    def cited(answer) -> set[tuple[str, str]]:
        return {(s.doc_id, s.chunk_id) for s in answer.sources}

    def case_search() -> set[tuple[str, str]]:
        results = engine.cases.find("residents voted on how to spend the money", k=10)
        return {(s.doc_id, s.chunk_id) for hit in results.hits for s in hit.sources}

    requests = [
        lambda: cited(engine.ask("How did residents decide how to spend the budget?")),
        lambda: cited(engine.ask("Who checked the records?", Filters(country="Freedonia"))),
        case_search,
    ]
    for request in requests:  # models and caches loaded before any writer runs
        request()
    record_versions()
    askers = Askers(requests)
    for thread in askers.threads:
        thread.start()
    started = time.perf_counter()
    try:
        for number, files in enumerate(ROUNDS, 1):
            for name, text in files:
                (corpus / name).write_text(text, encoding="utf-8")
            done = cli_ingest(corpus, settings)
            assert done.returncode == 0, f"round {number}: {done.stdout}{done.stderr[-3000:]}"
            record_versions()
            askers.each_finish_one_more()
    finally:
        askers.stop.set()
        for thread in askers.threads:
            thread.join(timeout=ROUND_TIMEOUT_S)
    seconds = time.perf_counter() - started
    total = sum(askers.finished)
    print(
        f"{total} requests in {seconds:.0f} s over {len(ROUNDS)} CLI ingests, "
        f"{len(askers.errors)} errors"
    )
    assert not askers.errors, f"{len(askers.errors)} of {total} failed: {askers.errors[0]}"
    for sources in askers.cited:
        by_doc: dict[str, set[str]] = {}
        for doc_id, chunk_id in sources:
            by_doc.setdefault(doc_id, set()).add(chunk_id)
        for doc_id, ids in by_doc.items():
            assert any(ids <= v for v in versions[doc_id]), f"{doc_id}: versions mixed"

    # the running engine sees the last commit without a restart: answers, cases, lists
    answer = engine.ask("How often did the Quillport wardens publish the harbour dues?")
    assert any("every fortnight" in s.passage for s in answer.sources), answer.text
    assert any("Quillport" in hit.card.title for hit in engine.cases.find("harbour dues").hits)
    assert "Marovia" in facet_values(engine)["country"]
    assert any("Dunmore" in label for label, _ in case_choices(engine))
    meals = engine.ask("Who chose the school meals supplier in Hillcrest?")
    assert any("tasting days" in s.passage for s in meals.sources), meals.text


def test_a_served_page_shows_what_a_cli_ingest_added(tmp_path: Path, browser) -> None:
    """The chat builds its layout once; a page loaded after another process's ingest must
    still offer the new case in every list, and answer from it."""
    from playwright.sync_api import expect

    from tests.app.conftest import WAIT, served_corpus
    from tests.app.test_ui_features import ask, pick_option

    with served_corpus(tmp_path, [], dict(TINY)) as settings:
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        page.set_default_timeout(WAIT)
        try:
            page.goto(f"http://127.0.0.1:{settings.serve.port}/")
            page.get_by_role("tab", name="Cases").click()
            expect(page.locator("#cases-results")).to_contain_text("3 of 3 cases shown")

            (settings.corpus_dir / "quillport-harbour.md").write_text(NEW_CASE, encoding="utf-8")
            done = cli_ingest(settings.corpus_dir, settings)
            assert done.returncode == 0, done.stdout + done.stderr[-3000:]

            page.reload()
            page.get_by_role("tab", name="Cases").click()
            results = page.locator("#cases-results")
            # the first read after the ingest reloads the chunks: more than expect's 5 s
            # on a busy machine
            expect(results).to_contain_text("4 of 4 cases shown", timeout=WAIT)
            expect(results).to_contain_text("Harbour Wardens in Quillport")
            expect(page.locator("#facet-country")).to_contain_text("Marovia")
            page.get_by_role("tab", name="Compare").click()
            pick_option(page, "#compare-cases", "Quill", "Harbour Wardens in Quillport")
            page.keyboard.press("Escape")
            page.get_by_role("tab", name="Corpus").click()
            expect(page.locator("#corpus-docs")).to_contain_text("Harbour Wardens in Quillport")
            page.get_by_role("tab", name="Ask").click()
            page.get_by_text("Filters", exact=True).click()
            pick_option(page, "#f-country", "Maro", "Marovia")
            ask(page, "How did the dock families decide what to spend the harbour dues on?")
            sources = page.locator("#sources")
            expect(sources).to_contain_text("Harbour Wardens in Quillport")
        finally:
            page.close()
