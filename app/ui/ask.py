"""The Ask tab: the streaming chat with facet filters, source cards, reading a source in
place, follow-ups, votes and the answer export. Layout and wiring only."""

from __future__ import annotations

import html

import gradio as gr

from app.corpus import document_titles, facet_values, log_feedback
from app.downloads import answer_files
from app.engine import Engine
from app.facets import ASK_FACETS, ask_filters
from app.records import Answer
from app.render import (
    answer_as_markdown,
    cited_page_html,
    focus_as_markdown,
    md_escape,
    passage_context_html,
    sources_as_html,
)
from app.styles import STYLES
from app.ui.refresh import Refresh
from ingest.catalog import IndexReadOnly

EXAMPLES = [
    "What made Kalasin's network succeed?",
    "How did Porto Alegre decide on budget priorities?",
    "Which cases used performance contracts for local officials?",
    "Compare participatory budgeting in Porto Alegre and Paris",
]
NO_SOURCES = "<div class='govqa-sources'></div>"
# (settings value, shown name): the short form, then app.styles.STYLES
STYLE_CHOICES = [("", "Short: title, authors (year), page"), *STYLES.items()]


def source_choices(answer: Answer) -> list[tuple[str, int]]:
    """The 'Read a source in place' picker: '[n] title' per source."""
    return [(f"[{s.n}] {html.unescape(s.title)[:80]}", s.n) for s in answer.sources]


def build_ask_tab(engine: Engine) -> Refresh:
    """Components and events of the Ask tab, and the `/ask` API; call inside its Tab.
    Returns what refreshes its filters' values when a page loads."""
    values = facet_values(engine)

    def filter_values():
        current = facet_values(engine)
        return [gr.update(choices=current[f.name]) for f in ASK_FACETS]

    def respond(question, history, context, country, level, area, year_from, year_to, style=""):
        """Stream the answer into the chat; the final step fills sources and state. The
        parameter names are the public `/chat` API's, in the Ask facets' order."""
        history = [*(history or []), {"role": "user", "content": md_escape(question)}]
        chosen = dict(zip((f.name for f in ASK_FACETS), (country, level, area), strict=True))
        filters = ask_filters(chosen, year_from, year_to)
        for update in engine.stream(question, filters, context or None):
            if update.answer is None:
                bubble = md_escape(update.text) + " …"
                yield "", [*history, {"role": "assistant", "content": bubble}], *_unchanged(5)
                continue
            answer = update.answer
            yield (
                "",
                [*history, {"role": "assistant", "content": answer_as_markdown(answer)}],
                sources_as_html(answer, style or ""),
                answer.to_dict(),
                answer.focus,
                focus_as_markdown(document_titles(engine, answer.focus)),
                gr.update(choices=source_choices(answer), value=None),
            )

    def ask(question: str, context: list[str] | None = None) -> dict:
        """The answer as JSON: the same structure as `govqa ask --json`."""
        return engine.ask(question, context=context or None).to_dict()

    def new_topic():
        """Forget the conversation: chat, answer, case scope and everything shown for it."""
        empty_passage = passage_context_html([], "", [])
        picker = gr.update(choices=[], value=None)
        return [], None, [], "", NO_SOURCES, picker, empty_passage, None, ""

    def feedback(answer: dict | None, rating: str, user: str | None) -> str:
        if not isinstance(answer, dict) or not answer:
            return "Ask a question first."
        try:
            log_feedback(engine.settings, answer, rating, user=user or "")
        except IndexReadOnly as exc:
            return f"Feedback not recorded: {md_escape(str(exc))}"
        return f"Thanks: feedback ({rating}) recorded."

    def vote_up(answer: dict | None, request: gr.Request) -> str:
        return feedback(answer, "up", request.username)

    def vote_down(answer: dict | None, request: gr.Request) -> str:
        return feedback(answer, "down", request.username)

    def export(answer: dict | None, style: str | None):
        return answer_files(Answer.from_dict(answer), style or "") if answer else None

    def restyle(answer: dict | None, style: str | None) -> str:
        """The sources panel again, its references in the newly chosen style."""
        return sources_as_html(Answer.from_dict(answer), style or "") if answer else NO_SOURCES

    def show_passage(answer: dict | None, n):
        """Source n in place: its passage between its neighbours and, for a PDF, its page
        with the cited span highlighted; the page state lets the reader step through."""
        source = next(
            (s for s in (answer or {}).get("sources", []) if n and s["n"] == int(n)), None
        )
        if source is None:
            return passage_context_html([], "", []), cited_page_html(None), None
        chunks = engine.passage_context(source["chunk_id"])
        spans = [tuple(span) for span in source["spans"]]
        view = engine.cited_page(source["chunk_id"], spans)
        state = {"chunk_id": source["chunk_id"], "spans": spans, "page": view.page if view else 0}
        return (
            passage_context_html(chunks, source["chunk_id"], source["spans"]),
            cited_page_html(view),
            state,
        )

    def step_page(state: dict | None, step: int):
        if not state or not state.get("page"):
            return cited_page_html(None), state
        spans = [tuple(span) for span in state["spans"]]
        view = engine.cited_page(state["chunk_id"], spans, state["page"] + step)
        return cited_page_html(view), {**state, "page": view.page if view else state["page"]}

    def open_citation(n: str):
        """A click on an answer's [n] (the page script fills `cite_target`): pick source
        n, which shows it as picking it by hand does."""
        return gr.update(value=int(n)) if str(n).strip().isdigit() else gr.update()

    answer_state = gr.State(None)
    context_state = gr.State([])
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="Answers", height=460, sanitize_html=True, elem_id="chat")
            with gr.Row():
                question = gr.Textbox(
                    placeholder="Ask about a case, e.g. What made Kalasin's network succeed?",
                    show_label=False,
                    scale=8,
                    elem_id="question",
                )
                send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
            focus_line = gr.Markdown(elem_id="focus")
            with gr.Row():
                new = gr.Button("New topic", size="sm", elem_id="new-topic")
                up = gr.Button("Helpful", size="sm", elem_id="vote-up")
                down = gr.Button("Not helpful", size="sm", elem_id="vote-down")
                export_button = gr.Button("Export answer", size="sm", elem_id="export")
            feedback_note = gr.Markdown(elem_id="feedback-note")
            style = gr.Dropdown(
                [(name, key) for key, name in STYLE_CHOICES],
                value=engine.settings.answer.citation_style,
                label="Citation style",
                elem_id="citation-style",
            )
            export_files = gr.File(
                label="Markdown, BibTeX, RIS, CSL-JSON and a Word bibliography",
                file_count="multiple",
                elem_id="export-files",
            )
            gr.Examples(EXAMPLES, inputs=question)
        with gr.Column(scale=2):
            with gr.Accordion("Filters", open=False):
                facets = [
                    gr.Dropdown(values[f.name], label=f.title, value=None, elem_id=f.ask_id)
                    for f in ASK_FACETS
                ]
                with gr.Row():
                    year_from = gr.Number(label="Year from", precision=0, elem_id="f-from")
                    year_to = gr.Number(label="Year to", precision=0, elem_id="f-to")
            gr.Markdown("### Sources")
            sources = gr.HTML(elem_id="sources")
            passage_pick = gr.Dropdown([], label="Read a source in place", elem_id="passage-pick")
            passage = gr.HTML(elem_id="passage")
            page_view = gr.HTML(cited_page_html(None), elem_id="page-view")
            with gr.Row():
                page_prev = gr.Button("◀ Previous page", size="sm", elem_id="page-prev")
                page_next = gr.Button("Next page ▶", size="sm", elem_id="page-next")
            page_state = gr.State(None)
            # filled by the page script when an answer's [n] is clicked (kept out of sight)
            cite_target = gr.Textbox(elem_id="cite-target", elem_classes="govqa-hidden")
            cite_open = gr.Button("open", elem_id="cite-open", elem_classes="govqa-hidden")

    inputs = [question, chatbot, context_state, *facets, year_from, year_to, style]
    outputs = [question, chatbot, sources, answer_state, context_state, focus_line, passage_pick]
    send.click(respond, inputs, outputs, api_name="chat")
    question.submit(respond, inputs, outputs, api_name=False)
    cleared = [chatbot, answer_state, context_state, focus_line, sources, passage_pick, passage]
    new.click(new_topic, None, [*cleared, export_files, feedback_note], api_name="new_topic")
    up.click(vote_up, answer_state, feedback_note, api_name="vote_up")
    down.click(vote_down, answer_state, feedback_note, api_name="vote_down")
    export_button.click(export, [answer_state, style], export_files, api_name="export")
    style.change(restyle, [answer_state, style], sources, api_name=False)
    passage_pick.change(
        show_passage, [answer_state, passage_pick], [passage, page_view, page_state],
        api_name="passage",
    )  # fmt: skip
    page_prev.click(
        lambda state: step_page(state, -1), page_state, [page_view, page_state], api_name=False
    )
    page_next.click(
        lambda state: step_page(state, 1), page_state, [page_view, page_state], api_name=False
    )
    cite_open.click(open_citation, cite_target, passage_pick, api_name=False)
    gr.api(ask, api_name="ask")
    return filter_values, facets


def _unchanged(n: int) -> list:
    return [gr.update() for _ in range(n)]
