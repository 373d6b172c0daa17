"""The Corpus tab: the documents with their facets and where each came from, what cleaning
dropped, and (for curators) uploads ingested into the library with the same per-file
report as `govqa ingest`, and removing a document. Layout and wiring only: the library
work is in app.library, who may do it in app.auth."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
from gradio.utils import get_upload_folder

from app.auth import Access
from app.corpus import (
    DOCUMENT_COLUMNS,
    QUALITY_COLUMNS,
    case_choices,
    document_rows,
    quality_rows,
    removal_choices,
    report_lines,
)
from app.engine import Engine
from app.library import BUSY_REMOVING, LibraryReport, add_uploads, discard_uploads, remove_documents
from app.render import md_escape
from app.ui.refresh import Refresh
from ingest.catalog import IndexReadOnly
from ingest.pipeline import IngestBusy

READERS_NOTE = "You are logged in as a reader: only curators add or remove documents."
NOT_CURATOR = "Only curators can add or remove documents; nothing was changed."


def build_corpus_tab(engine: Engine, case_pickers: list[gr.Dropdown], access: Access) -> Refresh:
    """Components and events of the Corpus tab; a change refreshes `case_pickers`. Returns
    what a page load runs: it shows the upload and remove controls to curators only, and
    refreshes the tables and those pickers (another process may have ingested since)."""

    def tables(**removable_shown):
        pickers = [gr.update(choices=case_choices(engine)) for _ in case_pickers]
        removable = gr.update(choices=removal_choices(engine), value=None, **removable_shown)
        return document_rows(engine), quality_rows(engine), removable, *pickers

    def as_markdown(report: LibraryReport) -> str:
        return "\n".join(f"- {md_escape(line)}" for line in report_lines(report))

    def upload(files: list[str] | None, request: gr.Request):
        temp_root = Path(get_upload_folder())
        if not access.can_curate(request.username):
            discard_uploads(files or [], temp_root)  # the server's copies go, ingested or not
            return NOT_CURATOR, None, *tables()
        if not files:
            return "No files chosen.", None, *tables()
        user = request.username or ""
        try:
            report = add_uploads(files, engine.settings, engine, by=user, temp_root=temp_root)
        except IndexReadOnly as exc:
            return f"Not ingested: {md_escape(str(exc))}", None, *tables()
        return as_markdown(report), None, *tables()

    def remove(doc_id: str | None, request: gr.Request):
        if not access.can_curate(request.username):
            return NOT_CURATOR, *tables()
        if not doc_id:
            return "Pick a document to remove.", *tables()
        try:
            report = remove_documents([doc_id], engine.settings, engine, request.username or "")
        except IngestBusy:
            return md_escape(f"Not removed: {BUSY_REMOVING}"), *tables()
        except IndexReadOnly as exc:
            return f"Not removed: {md_escape(str(exc))}", *tables()
        return as_markdown(report), *tables()

    def on_load(request: gr.Request):
        """The controls for this visitor's role, and the tables as they are now."""
        curator = access.can_curate(request.username)
        shown = gr.update(visible=curator)
        note = gr.update(value="" if curator else READERS_NOTE, visible=not curator)
        return shown, shown, shown, note, *tables(visible=curator)

    gr.Markdown("Documents in the index, where each came from, and what cleaning removed.")
    documents = gr.Dataframe(document_rows(engine), headers=DOCUMENT_COLUMNS, elem_id="corpus-docs")
    quality = gr.Dataframe(quality_rows(engine), headers=QUALITY_COLUMNS, elem_id="corpus-quality")
    role_note = gr.Markdown(visible=False, elem_id="role-note")
    limit = engine.settings.ingest.max_upload_mb
    files = gr.File(
        file_count="multiple",
        label=(
            f"Add documents (PDF, DOCX, HTML, TXT, MD; at most {limit:g} MB each) or your "
            "reference library (BibTeX .bib, RIS .ris, CSL-JSON .json from Zotero)"
        ),
        elem_id="upload",
        visible=False,  # shown by on_load to curators only
    )
    button = gr.Button("Ingest uploaded files", elem_id="ingest-upload", visible=False)
    report = gr.Markdown(elem_id="upload-report")
    removable = gr.Dropdown(
        removal_choices(engine), label="Document to remove", elem_id="remove-pick", visible=False
    )
    remove_button = gr.Button(
        "Remove document", variant="stop", elem_id="remove-doc", visible=False
    )

    changed = [documents, quality, removable, *case_pickers]
    # one library change at a time, queued in order: a second upload waits for the first
    # instead of meeting a busy lock
    once = {"concurrency_limit": 1, "concurrency_id": "library"}
    button.click(upload, files, [report, files, *changed], api_name="upload", **once)
    remove_button.click(remove, removable, [report, *changed], api_name="remove", **once)
    # every page load asks who is looking: a reader never gets the controls
    return on_load, [files, button, remove_button, role_note, *changed]
