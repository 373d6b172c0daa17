"""Browser fixtures shared by the chat's browser tests: one Chromium per module, a fresh
page (a fresh Gradio session) per test on the module's own `site`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import CORPUS, free_port

WAIT = 30_000  # ms; answers take well under a second once the model is loaded


@contextmanager
def served_corpus(
    root: Path, samples: list[str], made: dict[str, str | bytes], **options
) -> Iterator:
    """A chat on a free loopback port over its own index of `samples` (files of the
    sample corpus) and `made` (name -> text written by the test), with Settings `options`
    (an auth file); yields its Settings."""
    from app.ui import serve
    from ingest.settings import Settings
    from tests.support.index import ingest_and_derive

    corpus = root / "corpus"
    corpus.mkdir()
    for name in samples:
        shutil.copyfile(CORPUS / name, corpus / name)
    for name, content in made.items():
        if isinstance(content, bytes):
            (corpus / name).write_bytes(content)
        else:
            (corpus / name).write_text(content, encoding="utf-8")
    settings = Settings(
        index_dir=root / "index", corpus_dir=corpus, serve_port=free_port(), **options
    )
    report = ingest_and_derive([corpus], settings)
    assert not report.skipped, report.skipped
    demo = serve(settings, block=False)
    try:
        yield settings
    finally:
        demo.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect, sync_playwright

    from tests.app.test_ui import launch_chromium

    # an assertion waits as long as an action may (Playwright's 5 s default fails an upload
    # that embeds its passages on a machine shared with other jobs)
    expect.set_options(timeout=WAIT)

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(site, browser):
    """A fresh session on the module's `site`; dialogs (an injected alert) are recorded on
    `page.dialogs`."""
    page = browser.new_page(viewport={"width": 1200, "height": 1400})
    page.set_default_timeout(WAIT)
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(site.url)
    page.locator("#question textarea").wait_for()
    yield page
    page.close()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """An engine over the three briefs of tests.support.tiny, one index per module."""
    from app.engine import Engine
    from tests.support.tiny import tiny_index

    return Engine(tiny_index(tmp_path_factory.mktemp("tiny")))
