"""The Gradio web chat: layout and event wiring only; answering lives in app.engine."""

from __future__ import annotations

import html

from app.engine import Engine
from app.render import answer_as_markdown, sources_as_html
from ingest.offline import enforce_offline
from ingest.settings import Settings

EXAMPLES = [
    "What made Kalasin's network succeed?",
    "How did participatory budgeting work in Porto Alegre?",
    "Which cases used performance contracts for local officials?",
]


def build_app(engine: Engine):
    import gradio as gr

    def respond(question: str, history: list[dict]) -> tuple[str, list[dict], str]:
        answer = engine.ask(question)
        history = [
            *(history or []),
            {"role": "user", "content": html.escape(question)},
            {"role": "assistant", "content": answer_as_markdown(answer)},
        ]
        return "", history, sources_as_html(answer)

    def ask(question: str) -> dict:
        """The answer as JSON: the same structure as `govqa ask --json`."""
        return engine.ask(question).to_dict()

    with gr.Blocks(title="govqa") as demo:
        gr.Markdown("## govqa: cited answers from governance case literature")
        chatbot = gr.Chatbot(label="Answers", height=420, sanitize_html=True, elem_id="chat")
        with gr.Row():
            question = gr.Textbox(
                placeholder="Ask about a case, e.g. What made Kalasin's network succeed?",
                show_label=False,
                scale=8,
                elem_id="question",
            )
            send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
        gr.Examples(EXAMPLES, inputs=question)
        gr.Markdown("### Sources")
        sources = gr.HTML(elem_id="sources")
        send.click(respond, [question, chatbot], [question, chatbot, sources], api_name="chat")
        question.submit(respond, [question, chatbot], [question, chatbot, sources], api_name=False)
        gr.api(ask, api_name="ask")
    return demo


def serve(settings: Settings, block: bool = True):
    """Start the chat on settings.host:port (loopback unless the user chose otherwise)."""
    enforce_offline()
    engine = Engine(settings)
    engine.embedder.embed(["warm up"])  # load the model before the first visitor waits
    demo = build_app(engine)
    demo.queue(default_concurrency_limit=4)
    demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        show_error=False,
        prevent_thread_lock=not block,
        quiet=True,
    )
    return demo
