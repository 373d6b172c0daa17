"""The Gradio app on a real loopback port: through gradio_client and in headless Chromium."""

from __future__ import annotations

import os

import pytest

from tests.conftest import ROOT, free_port

QUESTION = "What made Kalasin's network succeed?"
SHOTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright):
    """The system's headless Chromium (Playwright's own download is not installed here)."""
    return playwright.chromium.launch(
        executable_path=os.environ.get("GOVQA_CHROMIUM", "/usr/bin/chromium"),
        args=CHROMIUM_ARGS,
    )


@pytest.fixture(scope="module")
def served(corpus_settings):
    """(url, the launched Blocks) of one chat over the sample index."""
    from app.ui import serve

    settings = corpus_settings.replace(serve_port=free_port())
    demo = serve(settings, block=False)
    yield f"http://127.0.0.1:{settings.serve.port}/", demo
    demo.close()


@pytest.fixture(scope="module")
def server(served):
    return served[0]


def test_gradio_client_gets_the_cli_answer(server, engine):
    from gradio_client import Client

    client = Client(server, verbose=False)
    result = client.predict(QUESTION, api_name="/ask")
    assert result["text"] == engine.ask(QUESTION).text
    assert result["sources"][0]["file"].endswith("kalasin-raw.txt")


def test_answering_does_not_rebuild_gradios_monitoring_table(served):
    """Gradio's default rebuilt a pandas table of every recorded event after each event
    (its monitoring page, never on here): events were answered more slowly the longer
    the chat served. After several answers it has never been built."""
    from gradio_client import Client

    url, demo = served
    client = Client(url, verbose=False)
    for _ in range(3):
        client.predict(QUESTION, [], api_name="/ask")
    queue = demo._queue
    assert queue.events_recorded >= 3
    assert queue.event_count_at_last_cache == 0
    assert queue.cached_event_analytics_summary == {"functions": {}}


def test_the_chat_keeps_at_most_its_configured_sessions(corpus_settings):
    """Every visitor's session holds megabytes (the page's lists); Gradio kept 10,000 of
    them, so memory grew with every visit. Past `serve.sessions` the least recently used
    one goes."""
    from gradio_client import Client

    from app.ui import serve

    settings = corpus_settings.replace(serve_port=free_port(), serve_sessions=2)
    demo = serve(settings, block=False)
    try:
        url = f"http://127.0.0.1:{settings.serve.port}/"
        clients = [Client(url, verbose=False) for _ in range(3)]
        for client in clients:
            assert client.predict(QUESTION, [], api_name="/ask")["text"]
        kept = demo.state_holder.session_data
        assert len(kept) == 2, list(kept)
        assert clients[0].session_hash not in kept
        assert {c.session_hash for c in clients[1:]} <= set(kept)
    finally:
        demo.close()


def test_chat_in_a_real_browser(server):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        page.goto(server)
        page.locator("#question textarea").fill(QUESTION)
        page.locator("#ask").click()
        card = page.locator("#sources .govqa-source").first
        card.wait_for(timeout=60_000)
        bubble = page.locator("#chat").inner_text()
        assert "collaborative network" in bubble
        assert "[1]" in bubble
        assert "Alongkot Sarakarn" in card.inner_text()
        assert page.locator("#sources mark").count() >= 1
        page.screenshot(path=str(SHOTS / "chat-kalasin.png"), full_page=True)
        browser.close()
