"""The Compare tab: pick cases, get one cited row per case, export it as a precedent brief.
Layout and wiring only."""

from __future__ import annotations

import gradio as gr

from app.corpus import case_choices
from app.downloads import brief_files
from app.engine import Engine
from app.render import answer_as_markdown, sources_as_html

COMPARE_QUESTION = "Compare the selected cases"


def build_compare_tab(engine: Engine) -> gr.Dropdown:
    """Components and events of the Compare tab; returns its case picker, which an upload
    refreshes."""

    def compare(doc_ids: list[str] | None):
        if not doc_ids or len(doc_ids) < 2:
            return "Pick two or more cases.", ""
        answer = engine.ask(COMPARE_QUESTION, compare=list(doc_ids))
        return answer_as_markdown(answer), sources_as_html(answer)

    def brief(doc_ids: list[str] | None):
        return brief_files(engine, doc_ids or [])

    picks = gr.Dropdown(
        case_choices(engine), multiselect=True, label="Cases to compare", elem_id="compare-cases"
    )
    with gr.Row():
        compare_button = gr.Button("Compare", variant="primary", elem_id="compare")
        brief_button = gr.Button("Export as precedent brief", elem_id="compare-brief")
    table = gr.Markdown(elem_id="compare-table", sanitize_html=True)
    files = gr.File(label="Brief", file_count="multiple", elem_id="compare-brief-files")
    sources = gr.HTML(elem_id="compare-sources")

    compare_button.click(compare, picks, [table, sources], api_name="compare")
    brief_button.click(brief, picks, files, api_name="compare_brief")
    return picks
