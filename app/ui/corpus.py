"""The Corpus tab: the documents and their facets, what cleaning dropped, and uploads
ingested into the library with the same per-file report as `govqa ingest`. Layout and
wiring only."""

from __future__ import annotations

import gradio as gr

from app.corpus import (
    DOCUMENT_COLUMNS,
    QUALITY_COLUMNS,
    add_uploads,
    case_choices,
    document_rows,
    quality_rows,
    report_lines,
)
from app.engine import Engine
from app.render import md_escape
from app.ui.refresh import Refresh


def build_corpus_tab(engine: Engine, case_pickers: list[gr.Dropdown]) -> Refresh:
    """Components and events of the Corpus tab; an upload refreshes `case_pickers`. Returns
    what refreshes its tables and those pickers when a page loads."""

    def tables():
        pickers = [gr.update(choices=case_choices(engine)) for _ in case_pickers]
        return document_rows(engine), quality_rows(engine), *pickers

    def upload(files: list[str] | None):
        if not files:
            return "No files chosen.", *tables()
        report = add_uploads(files, engine)
        text = "\n".join(f"- {md_escape(line)}" for line in report_lines(report.ingest))
        return text, *tables()

    gr.Markdown("Documents in the index, what cleaning removed, and uploads.")
    documents = gr.Dataframe(document_rows(engine), headers=DOCUMENT_COLUMNS, elem_id="corpus-docs")
    quality = gr.Dataframe(quality_rows(engine), headers=QUALITY_COLUMNS, elem_id="corpus-quality")
    files = gr.File(
        file_count="multiple", label="Add documents (PDF, DOCX, HTML, TXT, MD)", elem_id="upload"
    )
    button = gr.Button("Ingest uploaded files", elem_id="ingest-upload")
    report = gr.Markdown(elem_id="upload-report")

    outputs = [report, documents, quality, *case_pickers]
    button.click(upload, files, outputs, api_name="upload")
    return tables, outputs[1:]
