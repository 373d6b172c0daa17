"""The Gradio web chat: layout and event wiring only; answering lives in app.engine."""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

from app.corpus import (
    DOCUMENT_COLUMNS,
    QUALITY_COLUMNS,
    add_uploads,
    case_choices,
    document_rows,
    facet_values,
    log_feedback,
    quality_rows,
    report_lines,
)
from app.engine import Engine
from app.export import answer_bibtex, answer_markdown
from app.records import Answer, Filters
from app.render import (
    answer_as_markdown,
    md_escape,
    passage_context_html,
    sources_as_html,
)
from app.ui_cases import build_cases_tab, export_brief
from ingest.offline import enforce_offline
from ingest.settings import Settings

EXAMPLES = [
    "What made Kalasin's network succeed?",
    "How did Porto Alegre decide on budget priorities?",
    "Which cases used performance contracts for local officials?",
    "Compare participatory budgeting in Porto Alegre and Paris",
]
CSS = """
.govqa-source { border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.govqa-passage, .govqa-passage-view blockquote { white-space: pre-wrap; font-size: 0.9em; }
.govqa-context p { color: #777; font-size: 0.85em; white-space: pre-wrap; }
"""


def _filters(country: str, level: str, area: str, year_from, year_to) -> Filters:
    return Filters(
        country=country or "",
        level=level or "",
        policy_area=area or "",
        year_from=int(year_from) if year_from else None,
        year_to=int(year_to) if year_to else None,
    )


def _focus_line(engine: Engine, focus: list[str]) -> str:
    if not focus:
        return ""
    # the retriever's in-memory chunks carry the titles: no catalog read per answer
    documents = engine.retriever.documents()
    names = "; ".join(
        md_escape(documents[d].metadata.title if d in documents else d) for d in focus
    )
    return f"Follow-up questions stay on: *{names}* (press **New topic** to leave it)"


def build_app(engine: Engine):
    import gradio as gr

    settings = engine.settings
    facets = facet_values(engine)

    def respond(question, history, context, country, level, area, year_from, year_to):
        """Stream the answer into the chat; the final step fills sources and state."""
        history = [*(history or []), {"role": "user", "content": md_escape(question)}]
        filters = _filters(country, level, area, year_from, year_to)
        for update in engine.stream(question, filters, context or None):
            if update.answer is None:
                bubble = md_escape(update.text) + " …"
                yield "", [*history, {"role": "assistant", "content": bubble}], *_unchanged(5)
                continue
            answer = update.answer
            yield (
                "",
                [*history, {"role": "assistant", "content": answer_as_markdown(answer)}],
                sources_as_html(answer),
                answer.to_dict(),
                answer.focus,
                _focus_line(engine, answer.focus),
                gr.update(choices=_source_choices(answer), value=None),
            )

    def _unchanged(n: int) -> list:
        return [gr.update() for _ in range(n)]

    def ask(question: str, context: list[str] | None = None) -> dict:
        """The answer as JSON: the same structure as `govqa ask --json`."""
        return engine.ask(question, context=context or None).to_dict()

    def new_topic():
        """Forget the conversation: chat, answer, case scope and everything shown for it."""
        return (
            [],
            None,
            [],
            "",
            "<div class='govqa-sources'></div>",
            gr.update(choices=[], value=None),
            passage_context_html([], "", []),
            None,
            "",
        )

    def feedback(answer: dict | None, rating: str) -> str:
        if not answer:
            return "Ask a question first."
        log_feedback(settings, answer, rating)
        return f"Thanks: feedback ({rating}) recorded."

    def export(answer: dict | None):
        if not answer:
            return None
        restored = Answer.from_dict(answer)
        folder = Path(tempfile.mkdtemp(prefix="govqa-export-"))
        md, bib = folder / "answer.md", folder / "references.bib"
        md.write_text(answer_markdown(restored), encoding="utf-8")
        bib.write_text(answer_bibtex(restored), encoding="utf-8")
        return [str(md), str(bib)]

    def show_passage(answer: dict | None, n) -> str:
        if not answer or not n:
            return passage_context_html([], "", [])
        source = next((s for s in answer["sources"] if s["n"] == int(n)), None)
        if source is None:
            return passage_context_html([], "", [])
        chunks = engine.passage_context(source["chunk_id"])
        return passage_context_html(chunks, source["chunk_id"], source["spans"])

    def compare(doc_ids: list[str]):
        if not doc_ids or len(doc_ids) < 2:
            return "Pick two or more cases.", ""
        answer = engine.ask("Compare the selected cases", compare=list(doc_ids))
        return answer_as_markdown(answer), sources_as_html(answer)

    def upload(files: list[str] | None):
        if not files:
            return "No files chosen.", *_corpus_tables()
        report = add_uploads(files, engine)
        text = "\n".join(f"- {md_escape(line)}" for line in report_lines(report))
        return text, *_corpus_tables()

    def _corpus_tables():
        return document_rows(engine), quality_rows(engine), gr.update(choices=case_choices(engine))

    with gr.Blocks(title="govqa") as demo:
        gr.Markdown("## govqa: cited answers from governance case literature")
        answer_state = gr.State(None)
        context_state = gr.State([])
        with gr.Tab("Ask"), gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Answers", height=460, sanitize_html=True, elem_id="chat"
                )
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
                export_files = gr.File(
                    label="Markdown and BibTeX", file_count="multiple", elem_id="export-files"
                )
                gr.Examples(EXAMPLES, inputs=question)
            with gr.Column(scale=2):
                with gr.Accordion("Filters", open=False):
                    country = gr.Dropdown(
                        facets["country"], label="Country", value=None, elem_id="f-country"
                    )
                    level = gr.Dropdown(
                        facets["level"], label="Level", value=None, elem_id="f-level"
                    )
                    area = gr.Dropdown(
                        facets["policy_area"], label="Policy area", value=None, elem_id="f-area"
                    )
                    with gr.Row():
                        year_from = gr.Number(label="Year from", precision=0, elem_id="f-from")
                        year_to = gr.Number(label="Year to", precision=0, elem_id="f-to")
                gr.Markdown("### Sources")
                sources = gr.HTML(elem_id="sources")
                passage_pick = gr.Dropdown(
                    [], label="Read a source in place", elem_id="passage-pick"
                )
                passage = gr.HTML(elem_id="passage")
        with gr.Tab("Compare"):
            picks = gr.Dropdown(
                case_choices(engine),
                multiselect=True,
                label="Cases to compare",
                elem_id="compare-cases",
            )
            with gr.Row():
                compare_button = gr.Button("Compare", variant="primary", elem_id="compare")
                compare_brief = gr.Button("Export as precedent brief", elem_id="compare-brief")
            compare_table = gr.Markdown(elem_id="compare-table", sanitize_html=True)
            compare_files = gr.File(
                label="Brief", file_count="multiple", elem_id="compare-brief-files"
            )
            compare_sources = gr.HTML(elem_id="compare-sources")
        with gr.Tab("Cases"):
            build_cases_tab(engine, gr)
        with gr.Tab("Corpus"):
            gr.Markdown("Documents in the index, what cleaning removed, and uploads.")
            documents = gr.Dataframe(
                document_rows(engine), headers=DOCUMENT_COLUMNS, elem_id="corpus-docs"
            )
            quality = gr.Dataframe(
                quality_rows(engine), headers=QUALITY_COLUMNS, elem_id="corpus-quality"
            )
            files = gr.File(
                file_count="multiple",
                label="Add documents (PDF, DOCX, HTML, TXT, MD)",
                elem_id="upload",
            )
            upload_button = gr.Button("Ingest uploaded files", elem_id="ingest-upload")
            upload_report = gr.Markdown(elem_id="upload-report")

        inputs = [question, chatbot, context_state, country, level, area, year_from, year_to]
        outputs = [
            question,
            chatbot,
            sources,
            answer_state,
            context_state,
            focus_line,
            passage_pick,
        ]
        send.click(respond, inputs, outputs, api_name="chat")
        question.submit(respond, inputs, outputs, api_name=False)
        new.click(
            new_topic,
            None,
            [
                chatbot,
                answer_state,
                context_state,
                focus_line,
                sources,
                passage_pick,
                passage,
                export_files,
                feedback_note,
            ],
            api_name="new_topic",
        )
        up.click(lambda a: feedback(a, "up"), answer_state, feedback_note, api_name="vote_up")
        down.click(lambda a: feedback(a, "down"), answer_state, feedback_note, api_name="vote_down")
        export_button.click(export, answer_state, export_files, api_name="export")
        passage_pick.change(show_passage, [answer_state, passage_pick], passage, api_name="passage")
        compare_button.click(compare, picks, [compare_table, compare_sources], api_name="compare")
        compare_brief.click(
            lambda doc_ids: export_brief(engine, doc_ids or []),
            picks,
            compare_files,
            api_name="compare_brief",
        )
        upload_button.click(
            upload, files, [upload_report, documents, quality, picks], api_name="upload"
        )
        gr.api(ask, api_name="ask")
    return demo


def _source_choices(answer: Answer) -> list[tuple[str, int]]:
    return [(f"[{s.n}] {html.unescape(s.title)[:80]}", s.n) for s in answer.sources]


def serve(settings: Settings, block: bool = True):
    """Start the chat on settings.serve.host:port (loopback unless the user chose otherwise)."""
    enforce_offline()
    engine = Engine(settings)
    engine.embedder.embed(["warm up"])  # load the model before the first visitor waits
    demo = build_app(engine)
    demo.queue(default_concurrency_limit=4)
    demo.launch(
        server_name=settings.serve.host,
        server_port=settings.serve.port,
        share=False,
        show_error=False,
        prevent_thread_lock=not block,
        quiet=True,
        css=CSS,
    )
    return demo
