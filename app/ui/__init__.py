"""The Gradio web chat: one builder per tab (Ask, Compare, Cases, Corpus), each laying out
its components and wiring their events to library functions; answering lives in
app.engine, ingesting in app.library."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import sys
import threading

from ingest.offline import enforce_offline

# gradio imports huggingface_hub, which reads the offline variables once, at import: set
# them before, whoever imports the chat
enforce_offline()

import gradio as gr  # noqa: E402

from app.auth import Access  # noqa: E402
from app.engine import Engine  # noqa: E402
from app.llm import answerer_kind  # noqa: E402
from app.render import terminal_safe  # noqa: E402
from app.ui.ask import build_ask_tab  # noqa: E402
from app.ui.cases import build_cases_tab  # noqa: E402
from app.ui.compare import build_compare_tab  # noqa: E402
from app.ui.corpus import build_corpus_tab  # noqa: E402
from ingest.settings import Settings  # noqa: E402

MONITORING_NEVER = 10**12  # events between two recomputations of Gradio's monitoring table

CSS = """
.govqa-source { border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.govqa-passage, .govqa-passage-view blockquote { white-space: pre-wrap; font-size: 0.9em; }
.govqa-context p { color: #777; font-size: 0.85em; white-space: pre-wrap; }
.govqa-origin { color: #666; font-size: 0.8em; }
.govqa-hidden { display: none !important; }
.govqa-page { max-width: 100%; border: 1px solid #ccc; }
.govqa-page-view figcaption { font-size: 0.85em; color: #444; }
"""

# An answer's [n] is a link to #govqa-cite-n (app.render.cite_marker): a click opens that
# source beside the chat through the hidden #cite-target box and #cite-open button, so the
# server shows it exactly as picking it in "Read a source in place" does.
JS = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#govqa-cite-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const n = link.getAttribute('href').slice('#govqa-cite-'.length);
    const box = document.querySelector('#cite-target textarea, #cite-target input');
    const button = document.querySelector('#cite-open');
    if (!box || !button) return;
    box.value = n;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    setTimeout(() => button.click(), 0);
  }, true);
}
"""
# Uploads the chat's server holds in its temporary folder are deleted by the upload event
# itself; files sent but never submitted are swept after an hour (Gradio's delete_cache).
TEMP_SWEEP = (3600, 3600)


def build_app(engine: Engine, access: Access | None = None) -> gr.Blocks:
    """The whole chat over `engine`; every public event has an api_name (README). With
    `access` from a users file, only its curators see and may use upload and remove.

    Every page load refreshes the lists drawn from the index (filter values, case lists and
    pickers, the corpus tables) and shows the Corpus tab's controls for the visitor's role:
    another process may have ingested since the chat started, and the layout was built
    once, then, for no one in particular.
    """
    access = access or Access(None)
    with gr.Blocks(title="govqa", delete_cache=TEMP_SWEEP) as demo:
        gr.Markdown("## govqa: cited answers from governance case literature")
        with gr.Tab("Ask"):
            ask_lists = build_ask_tab(engine)
        with gr.Tab("Compare"):
            compare_picks = build_compare_tab(engine)
        with gr.Tab("Cases"):
            cases_lists = build_cases_tab(engine)
        with gr.Tab("Corpus"):
            corpus_lists = build_corpus_tab(engine, [compare_picks], access)
        for refresh, outputs in (ask_lists, cases_lists, corpus_lists):
            demo.load(refresh, None, outputs, api_name=False, show_progress="hidden")
    return demo


def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps the chat on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # any other name may resolve to a public address
        return False


def serve(settings: Settings, block: bool = True) -> gr.Blocks:
    """Start the chat on settings.serve.host:port (loopback unless the user chose otherwise)."""
    enforce_offline()
    engine = Engine(settings)
    for line in engine.index_warnings():
        print(terminal_safe(f"warning: {line}"), file=sys.stderr)
    if engine.read_only:
        note = f"note: serving {settings.index_dir} read-only ({engine.read_only}); uploads refused"
        print(terminal_safe(note), file=sys.stderr)
    if answerer_kind(settings) == "local":  # it loads in the background from here on
        print(terminal_safe(f"note: answers by the {engine.answerer_status()}"), file=sys.stderr)
    # the models, indexes and snapshot load while the page comes up, not on the first visit
    threading.Thread(target=_warm_up, args=(engine,), name="govqa-warm-up", daemon=True).start()
    access = Access(settings.serve.auth_file)
    demo = build_app(engine, access)
    # Gradio reads this when its queue is made: after every event it rebuilds a pandas table
    # of the last 10,000 events' timings, for a monitoring page this chat never turns on
    # (2.4 ms of the interpreter per event at 1,000 events, 9.1 ms at 10,000, measured), so
    # a chat slowed down the longer it served. Every MONITORING_NEVER events is never.
    os.environ["GRADIO_ANALYTICS_CACHE_FREQUENCY"] = str(MONITORING_NEVER)
    demo.queue(default_concurrency_limit=settings.serve.concurrency)
    demo.launch(
        server_name=settings.serve.host,
        server_port=settings.serve.port,
        share=False,
        show_error=False,
        prevent_thread_lock=not block,
        quiet=True,
        css=CSS,
        js=JS,
        auth=_login(access) if access.enabled else None,
        auth_message="govqa: log in with the name and password your curator gave you.",
        max_file_size=f"{int(settings.ingest.max_upload_mb * 1024)}kb",
        state_session_capacity=settings.serve.sessions,
    )
    return demo


def _warm_up(engine: Engine) -> None:
    """Engine.warm_up, quietly: what fails here fails again on the first question, which
    reports it to the visitor as a question's failure is reported."""
    with contextlib.suppress(Exception):
        engine.warm_up()


def _login(access: Access):
    """Gradio's auth hook, off the event loop: a scrypt check takes ~50 ms."""
    import anyio.to_thread

    async def login(name: str, password: str) -> bool:
        return await anyio.to_thread.run_sync(access.login, name, password)

    return login
