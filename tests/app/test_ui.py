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
def server(corpus_settings):
    from app.ui import serve

    settings = corpus_settings.replace(serve_port=free_port())
    demo = serve(settings, block=False)
    yield f"http://127.0.0.1:{settings.serve.port}/"
    demo.close()


def test_gradio_client_gets_the_cli_answer(server, engine):
    from gradio_client import Client

    client = Client(server, verbose=False)
    result = client.predict(QUESTION, api_name="/ask")
    assert result["text"] == engine.ask(QUESTION).text
    assert result["sources"][0]["file"].endswith("kalasin-raw.txt")


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
