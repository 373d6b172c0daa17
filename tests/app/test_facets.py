"""The facet table: each facet reads its values from a real card and from document
metadata, and the CLI flags, the chat's element ids and the views all come from it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app.facets import ASK_FACETS, FACET_BY_NAME, FACET_TABLE, FACETS, CaseFilters, card_facets
from tests.support.corpus import TINY, write_corpus


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory):
    """An engine over the tiny corpus, ingested (and its cards built) by update_library."""
    from app.engine import Engine
    from app.library import update_library
    from ingest.settings import Settings

    root = tmp_path_factory.mktemp("facets")
    corpus = write_corpus(root / "corpus")
    settings = Settings(index_dir=root / "index", corpus_dir=corpus)
    report = update_library([corpus], settings)
    assert not report.skipped and report.cards.built == len(TINY)
    return Engine(settings)


def _card_of(engine, name: str):
    return next(c for c in engine.cases.cards() if any(f.endswith(name) for f in c.files))


@pytest.mark.parametrize("name", list(TINY))
def test_each_facet_reads_its_values_from_a_card(library, name):
    card = _card_of(library, name)
    expected = TINY[name][1]
    assert card_facets(card) == expected
    for facet in FACET_TABLE:
        assert facet.from_card(card) == expected[facet.name], facet.name


def test_document_metadata_gives_each_facet_the_values_its_card_has(library):
    for doc in library.documents():
        card = library.cases.case_of(doc.doc_id)
        for facet in FACET_TABLE:
            assert facet.from_document(doc.metadata) == facet.from_card(card), facet.name


def test_filters_have_one_field_per_facet():
    from app.records import Filters

    assert tuple(f.name for f in dataclasses.fields(CaseFilters)) == FACETS
    assert {f.name for f in ASK_FACETS} <= {f.name for f in dataclasses.fields(Filters)}
    assert FACET_BY_NAME["level"].choices == ("local", "regional", "national", "multi-level")
    chosen = CaseFilters.from_values({"decade": ["90s", "2000"], "country": None})
    assert chosen.decade == ["1990s", "2000s"] and chosen.country == []


def test_cli_flags_come_from_the_table():
    from app.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    cases = {a.option_strings[0]: a for a in commands["cases"]._actions if a.option_strings}
    ask = {a.option_strings[0]: a for a in commands["ask"]._actions if a.option_strings}
    for facet in FACET_TABLE:
        assert cases[facet.flag].dest == facet.name and cases[facet.flag].help == facet.help
        if facet.ask_id:
            assert ask[facet.flag].dest == facet.name
            assert ask[facet.flag].choices == facet.choices
        else:
            assert facet.flag not in ask
    args = parser.parse_args(["cases", "--policy-area", "health", "--decade", "90s"])
    filters = CaseFilters.from_values({name: getattr(args, name) for name in FACETS})
    assert filters.policy_area == ["health"] and filters.decade == ["1990s"]


def test_chat_ids_and_labels_come_from_the_table(library):
    import gradio as gr

    from app.ui import build_app

    blocks = {b.elem_id: b for b in build_app(library).blocks.values() if b.elem_id}
    for facet in FACET_TABLE:
        group = blocks[facet.cases_id]
        assert isinstance(group, gr.CheckboxGroup) and group.label == facet.title
        offered = {value for _, value in group.choices}
        assert offered == {v for _, values in TINY.values() for v in values[facet.name]}
        if facet.ask_id:
            dropdown = blocks[facet.ask_id]
            assert isinstance(dropdown, gr.Dropdown) and dropdown.label == facet.title
    ask_filters = {i for i in blocks if i.startswith("f-")} - {"f-from", "f-to"}
    assert ask_filters == {f.ask_id for f in ASK_FACETS}


def test_views_title_each_facet_from_the_table(library):
    from app.case_views import facets_as_markdown, similar_line
    from app.corpus import COLUMN_FACETS, DOCUMENT_COLUMNS, document_rows

    results = library.cases.find("")
    listing = facets_as_markdown(results.facets)
    for facet in FACET_TABLE:
        assert f"- {facet.title}: " in listing
    card = _card_of(library, "zorbania-waste.md")
    other = library.cases.similar(card.case_id)[0]
    assert "differs: country Freedonia vs Sylvania" in similar_line(other)
    assert "policy area waste vs health, water" in similar_line(other)
    file = DOCUMENT_COLUMNS.index("file")
    rows = {Path(row[file]).name: row for row in document_rows(library)}
    for facet in COLUMN_FACETS:
        column = DOCUMENT_COLUMNS.index(facet.fact)
        assert rows["vantor-clinics.md"][column] == "; ".join(
            TINY["vantor-clinics.md"][1][facet.name]
        )
