"""The chat's Cases tab: precedent search with facet counts, case cards with similar
cases, and the precedent brief export. Layout and wiring only; the work is in app.cases."""

from __future__ import annotations

import tempfile
from pathlib import Path

from app.brief import write_brief
from app.case_views import card_as_markdown, hits_as_markdown, shorten
from app.cases import FACETS, CaseFilters, CaseResults
from app.engine import Engine

FACET_LABELS = {
    "country": "Country",
    "level": "Level",
    "policy_area": "Policy area",
    "decade": "Decade",
}
FACET_IDS = {
    "country": "facet-country",
    "level": "facet-level",
    "policy_area": "facet-area",
    "decade": "facet-decade",
}
CASES_SHOWN = 10


def export_brief(engine: Engine, case_ids: list[str], question: str = "") -> list[str] | None:
    """Markdown, DOCX and BibTeX files of a brief on these cases (ids of cases or of
    their documents), in a fresh folder Gradio can serve."""
    cards = []
    for case_id in case_ids or []:
        card = engine.cases.card(case_id)
        if card is not None and card not in cards:
            cards.append(card)
    if not cards:
        return None
    folder = Path(tempfile.mkdtemp(prefix="govqa-brief-"))
    return [str(p) for p in write_brief(cards, folder, question)]


def build_cases_tab(engine: Engine, gr) -> None:
    """Components and events of the Cases tab; call inside `with gr.Tab(...)`."""

    def search(query: str, *selected):
        chosen = zip(FACETS, selected, strict=True)
        filters = CaseFilters(**{name: list(values or []) for name, values in chosen})
        results = engine.cases.find(query or "", filters, k=CASES_SHOWN)
        return (
            _summary(results) + "\n\n" + hits_as_markdown(results.hits, safe=True),
            *[
                gr.update(
                    choices=[(f"{value} ({n})", value) for value, n in results.facets[name]],
                    value=[v for v in (selected[i] or []) if v in dict(results.facets[name])],
                )
                for i, name in enumerate(FACETS)
            ],
            gr.update(choices=_choices(results), value=None),
            gr.update(choices=_choices(results), value=[]),
        )

    def show_card(case_id: str | None) -> str:
        if not case_id:
            return "Pick a case to see its card."
        card = engine.cases.card(case_id)
        if card is None:
            return "No such case."
        return card_as_markdown(card, engine.cases.similar(card.case_id), safe=True)

    def brief(case_ids: list[str] | None, query: str):
        return export_brief(engine, case_ids or [], query or "")

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
                gr.CheckboxGroup(
                    [(f"{v} ({n})", v) for v, n in initial.facets[name]],
                    label=FACET_LABELS[name],
                    elem_id=FACET_IDS[name],
                )
                for name in FACETS
            ]
        with gr.Column(scale=3):
            results = gr.Markdown(
                _summary(initial) + "\n\n" + hits_as_markdown(initial.hits, safe=True),
                elem_id="cases-results",
                sanitize_html=True,
            )
            pick = gr.Dropdown(_choices(initial), label="Open a case card", elem_id="case-pick")
            card = gr.Markdown(elem_id="case-card", sanitize_html=True)
            chosen = gr.CheckboxGroup(
                _choices(initial), label="Cases for a precedent brief", elem_id="brief-cases"
            )
            export = gr.Button("Export brief (Markdown, DOCX, BibTeX)", elem_id="brief-export")
            files = gr.File(label="Brief", file_count="multiple", elem_id="brief-files")
    outputs = [results, *facets, pick, chosen]
    go.click(search, [query, *facets], outputs, api_name="cases")
    query.submit(search, [query, *facets], outputs, api_name=False)
    for facet in facets:
        facet.input(search, [query, *facets], outputs, api_name=False)
    pick.change(show_card, pick, card, api_name="case")
    export.click(brief, [chosen, query], files, api_name="brief")


def _summary(results: CaseResults) -> str:
    return f"*{len(results.hits)} of {results.total} cases shown*"


def _choices(results: CaseResults) -> list[tuple[str, str]]:
    return [(shorten(h.card.label), h.card.case_id) for h in results.hits]
