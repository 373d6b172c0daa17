"""The Cases tab: precedent search with facet counts, case cards with similar cases, and
the precedent brief export. Layout and wiring only; the work is in app.cases."""

from __future__ import annotations

import gradio as gr

from app.case_views import card_as_markdown, hits_as_markdown, shorten
from app.cases import CaseResults
from app.downloads import brief_files
from app.engine import Engine
from app.facets import FACET_TABLE, CaseFilters
from app.ui.refresh import Refresh

CASES_SHOWN = 10


def results_markdown(results: CaseResults) -> str:
    """'n of N cases shown' above the ranked list, document text escaped."""
    shown = f"*{len(results.hits)} of {results.total} cases shown*"
    return shown + "\n\n" + hits_as_markdown(results.hits, safe=True)


def hit_choices(results: CaseResults) -> list[tuple[str, str]]:
    return [(shorten(h.card.label), h.card.case_id) for h in results.hits]


def counted(counts: list[tuple[str, int]]) -> list[tuple[str, str]]:
    """A facet's checkbox choices: 'Brazil (2)' showing, 'Brazil' the value."""
    return [(f"{value} ({n})", value) for value, n in counts]


def results_updates(results: CaseResults, chosen: dict[str, list[str] | None] | None) -> tuple:
    """The ranked list, each facet's counted choices and the two case pickers for
    `results`. After a search (`chosen`: the facet values the reader ticked) a facet keeps
    the ticked values it still offers and the pickers are emptied; for the page-load
    refresh (`chosen` None) only the choices change, never a value: the page is usable
    before that event returns, and a case or facet ticked meanwhile must stay ticked."""
    picks = hit_choices(results)
    if chosen is None:
        facets = [gr.update(choices=counted(results.facets[f.name])) for f in FACET_TABLE]
        pickers = [gr.update(choices=picks), gr.update(choices=picks)]
    else:
        facets = [
            gr.update(
                choices=counted(results.facets[f.name]),
                value=[v for v in chosen[f.name] or [] if v in dict(results.facets[f.name])],
            )
            for f in FACET_TABLE
        ]
        pickers = [gr.update(choices=picks, value=None), gr.update(choices=picks, value=[])]
    return (results_markdown(results), *facets, *pickers)


def build_cases_tab(engine: Engine) -> Refresh:
    """Components and events of the Cases tab; call inside its Tab. Returns what refreshes
    its list of every case, facets and pickers when a page loads."""

    def search(query: str, *selected):
        chosen = dict(zip((f.name for f in FACET_TABLE), selected, strict=True))
        results = engine.cases.find(query or "", CaseFilters.from_values(chosen), k=CASES_SHOWN)
        return results_updates(results, chosen)

    def lists():
        """The page-load refresh: every case, facet counts and pickers as the index now
        stands, choices only (results_updates)."""
        return results_updates(engine.cases.find("", k=CASES_SHOWN), None)

    def show_card(case_id: str | None) -> str:
        if not case_id:
            return "Pick a case to see its card."
        card = engine.cases.card(case_id)
        if card is None:
            return "No such case."
        return card_as_markdown(card, engine.cases.similar(card.case_id), safe=True)

    def brief(case_ids: list[str] | None, query: str):
        return brief_files(engine, case_ids or [], query or "")

    initial = engine.cases.find("", k=CASES_SHOWN)
    with gr.Row():
        query = gr.Textbox(
            placeholder="Describe what you are looking for, e.g. a municipality working with "
            "hospitals and volunteers on elderly care",
            show_label=False,
            scale=8,
            elem_id="cases-query",
        )
        go = gr.Button("Find cases", variant="primary", scale=1, elem_id="cases-search")
    with gr.Row():
        with gr.Column(scale=1):
            facets = [
                gr.CheckboxGroup(counted(initial.facets[f.name]), label=f.title, elem_id=f.cases_id)
                for f in FACET_TABLE
            ]
        with gr.Column(scale=3):
            results = gr.Markdown(
                results_markdown(initial), elem_id="cases-results", sanitize_html=True
            )
            pick = gr.Dropdown(hit_choices(initial), label="Open a case card", elem_id="case-pick")
            card = gr.Markdown(elem_id="case-card", sanitize_html=True)
            chosen = gr.CheckboxGroup(
                hit_choices(initial), label="Cases for a precedent brief", elem_id="brief-cases"
            )
            export = gr.Button("Export brief (Markdown, DOCX, BibTeX)", elem_id="brief-export")
            files = gr.File(label="Brief", file_count="multiple", elem_id="brief-files")

    inputs, outputs = [query, *facets], [results, *facets, pick, chosen]
    go.click(search, inputs, outputs, api_name="cases")
    query.submit(search, inputs, outputs, api_name=False)
    for facet in facets:
        facet.input(search, inputs, outputs, api_name=False)
    pick.change(show_card, pick, card, api_name="case")
    export.click(brief, [chosen, query], files, api_name="brief")
    return lists, outputs
