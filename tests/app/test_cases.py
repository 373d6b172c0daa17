"""Cases rather than chunks: grouping, stored cards, case search, similar cases, reading
lists and the precedent brief, on real indexes (Chroma on disk, the real model)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.records import CARD_FIELDS
from tests.conftest import ROOT


def _brief(title: str, place: str, body: str) -> str:
    return (
        f'---\ntitle: "{title}"\nauthors: ["govqa test brief"]\nyear: 2021\n'
        f'place: "{place}"\ncountry: "Freedonia"\nlevel: "local"\n'
        f'policy_area: ["participation"]\ncase_years: "2015-2020"\n---\n# {title}\n\n{body}\n'
    )


BUDGET_A = _brief(
    "Participatory Budgeting in Riverton, 2015-2020",
    "Riverton",
    "Riverton's city council let residents decide how to spend part of the capital budget.\n\n"
    "Every spring, neighbourhood assemblies in Riverton proposed projects such as playgrounds, "
    "street lighting and bus shelters, and residents voted on them at ballot stations.\n\n"
    "The council funded the winning projects, and turnout in the budget vote rose each year "
    "as residents saw the projects built.",
)
BUDGET_B = _brief(
    "Riverton's Participatory Budget: an Evaluation",
    "Riverton",
    "This evaluation looks at the participatory budget of Riverton's city council, in which "
    "residents vote on part of the capital budget.\n\n"
    "Neighbourhood assemblies proposed projects like playgrounds, lighting and bus shelters; "
    "residents then voted, and the council funded the projects with the most votes.\n\n"
    "Turnout in the budget vote grew every year because residents saw their projects built.",
)
FLOODS = _brief(
    "Flood Defences in Riverton",
    "Riverton",
    "After the river burst its banks, Riverton's engineers raised the embankments along the "
    "river and built two pumping stations.\n\n"
    "The regional water authority paid for the concrete flood walls and the pumps, and the "
    "engineers installed river gauges that warn of rising water levels.\n\n"
    "No street in the town flooded during the storms of the following winter.",
)


@pytest.fixture(scope="module")
def riverton(tmp_path_factory: pytest.TempPathFactory):
    """Two reports on one programme, and another programme in the same town."""
    from app.engine import Engine
    from ingest.settings import Settings
    from tests.support.index import ingest_and_derive

    root = tmp_path_factory.mktemp("riverton")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in (("budget-a.md", BUDGET_A), ("budget-b.md", BUDGET_B), ("floods.md", FLOODS)):
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(index_dir=root / "index", corpus_dir=corpus)
    assert not ingest_and_derive([corpus], settings).skipped
    return Engine(settings), corpus


def test_reports_on_one_programme_are_one_case_and_another_programme_is_not(riverton):
    engine, _ = riverton
    cards = engine.cases.cards()
    files = sorted(sorted(Path(f).name for f in card.files) for card in cards)
    assert files == [["budget-a.md", "budget-b.md"], ["floods.md"]]
    budget = next(c for c in cards if len(c.doc_ids) == 2)
    # the card of a grouped case draws on both reports' passages when they fit best
    assert engine.cases.case_of(budget.doc_ids[1]) is budget


def test_cards_are_stored_and_rebuilt_only_for_changed_documents(riverton, tmp_path):
    from app.cards import build_cards
    from ingest.pipeline import ingest

    engine, corpus = riverton
    engine.cases.cards()
    again = build_cards(engine.catalog, engine.retriever)
    assert (again.cases, again.built, again.removed) == (2, 0, 0)

    before = next(c for c in engine.cases.cards() if "Flood" in c.title)
    (corpus / "floods.md").write_text(FLOODS.replace("two pumping", "three pumping"), "utf-8")
    ingest([corpus], engine.settings, sync=True)
    changed = build_cards(engine.catalog, engine.retriever)
    assert (changed.built, changed.removed) == (1, 0)
    after = next(c for c in engine.cases.cards() if "Flood" in c.title)
    assert after.centroid != before.centroid  # rebuilt from the new text

    (corpus / "floods.md").unlink()
    ingest([corpus], engine.settings, sync=True)
    gone = build_cards(engine.catalog, engine.retriever)
    assert (gone.cases, gone.removed) == (1, 1)
    assert [c.title for c in engine.cases.cards()] == [
        "Participatory Budgeting in Riverton, 2015-2020"
    ]


def _normal(text: str) -> str:
    return " ".join(text.split())


def test_every_card_field_is_a_verbatim_cited_sentence(engine):
    cards = engine.cases.cards()
    assert len(cards) == 26
    for card in cards:
        sources = {s.n: s for s in card.sources}
        assert set(card.fields) == set(CARD_FIELDS)
        for name, cell in card.fields.items():
            if not cell.source:
                assert cell.text == "", (card.case_id, name)
                continue
            source = sources[cell.source]
            assert _normal(cell.text) in _normal(source.passage), (card.case_id, name)
            marked = [_normal(source.passage[a:b]) for a, b in source.spans]
            assert _normal(cell.text) in marked, (card.case_id, name)
        for fact in card.facts.values():
            if fact.source:
                assert _normal(fact.quote) in _normal(sources[fact.source].passage)


def test_kalasin_card_has_its_interviews_once_each(engine):
    card = engine.cases.card("kalasin")
    assert card is not None
    names = [(i["name"], i["role"], i["date"]) for i in card.interviews]
    assert len(names) == len(set(names)) >= 3
    assert {i["date"][:4] for i in card.interviews} == {"2017"}  # B.E. 2560 converted
    assert card.facts["country"].value == "Thailand"


def test_case_search_finds_the_elderly_care_case_and_explains_it(engine):
    results = engine.cases.find(
        "a municipality working with hospitals and volunteers on elderly care", k=5
    )
    titles = [h.card.title for h in results.hits]
    assert any("Kalasin" in t for t in titles), titles
    for hit in results.hits:
        assert 1 <= len(hit.sources) <= 3
        for source, why in zip(hit.sources, hit.why, strict=True):
            assert source.doc_id in hit.card.doc_ids
            assert [_normal(source.passage[a:b]) for a, b in source.spans] == [_normal(why)]


def test_facets_narrow_the_list_and_count_over_the_other_facets(engine):
    from app.cases import CaseFilters, card_facets

    query = "residents deciding how public money is spent"
    everything = engine.cases.find(query, k=30)
    countries = dict(everything.facets["country"])
    assert sum(countries.values()) == len(everything.hits) == everything.total
    brazil = engine.cases.find(query, CaseFilters(country=["Brazil"]), k=30)
    assert brazil.total == countries["Brazil"] >= 2
    assert {h.card.country for h in brazil.hits} == {"Brazil"}
    # the country facet still offers the others; the level facet counts only Brazil's cases
    assert dict(brazil.facets["country"]) == countries
    assert sum(n for _, n in brazil.facets["level"]) == brazil.total
    nineties = engine.cases.find(query, CaseFilters(decade=["1990s"]), k=30)
    assert nineties.hits
    assert all("1990s" in card_facets(h.card)["decade"] for h in nineties.hits)


def test_similar_cases_share_or_differ_on_facets(engine):
    card = engine.cases.card("porto-alegre")
    similar = engine.cases.similar(card.case_id, 5)
    assert len(similar) == 5 and card.case_id not in {s.card.case_id for s in similar}
    assert [s.similarity for s in similar] == sorted((s.similarity for s in similar), reverse=True)
    paris = next((s for s in similar if s.card.place == "Paris"), None)
    assert paris is not None, [s.card.title for s in similar]
    assert "participation" in paris.shared["policy_area"]
    assert paris.differs["country"] == ("Brazil", "France")


def test_every_answer_offers_cases_to_read_further(engine):
    answer = engine.ask("What made Kalasin's network succeed?")
    cited = [r for r in answer.reading if r.cited]
    more = [r for r in answer.reading if not r.cited]
    assert [r.title for r in cited] == [answer.sources[0].title]
    assert 1 <= len(more) <= 3
    assert not {r.case_id for r in more} & {r.case_id for r in cited}
    abstained = engine.ask("What was Kalasin's elderly-care budget in 2019?")
    assert abstained.abstained and abstained.reading


def test_precedent_brief_opens_in_word_with_table_and_references(engine, tmp_path):
    import docx

    from app.brief import write_brief

    cards = [
        engine.cases.card("porto-alegre"),
        engine.cases.card("paris"),
        engine.cases.card("kalasin"),
    ]
    md, docx_path, bib = write_brief(cards, tmp_path, "Who took part?")
    document = docx.Document(str(docx_path))
    table = document.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header == ["case", *CARD_FIELDS]
    assert [r.cells[0].text for r in table.rows[1:]] == [
        "Porto Alegre",
        "Paris",
        "Kalasin Municipality",
    ]
    paragraphs = [p.text for p in document.paragraphs]
    start = paragraphs.index("References")
    references = {
        int(m.group(1)): p for p in paragraphs[start:] if (m := re.match(r"\[(\d+)\] ", p))
    }
    cited = {
        int(n) for r in table.rows[1:] for c in r.cells for n in re.findall(r"\[(\d+)\]", c.text)
    }
    assert cited and cited <= set(references)
    assert any("p. " in p or "section '" in p for p in references.values())
    entries = re.findall(r"@misc\{(\w+),", bib.read_text())
    assert len(entries) == len(set(entries)) == 3
    text = md.read_text()
    assert "| case | actors |" in text and "Question: Who took part?" in text


def _govqa(*args: str, index_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args, "--index-dir", str(index_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_cases_case_and_brief_commands(corpus_settings, engine, tmp_path):
    index = corpus_settings.index_dir
    found = _govqa(
        "cases",
        "cash paid to poor mothers if children attend school",
        "-k",
        "3",
        "--json",
        index_dir=index,
    )
    assert found.returncode == 0, found.stderr
    data = json.loads(found.stdout)
    assert data["cases"][0]["title"].startswith("Progresa")
    assert data["cases"][0]["why"][0]["sentence"]
    card = _govqa("case", data["cases"][0]["case_id"], index_dir=index)
    assert card.returncode == 0, card.stderr
    for heading in ("### What the sources say", "### Similar cases", "### Sources"):
        assert heading in card.stdout
    missing = _govqa("case", "no-such-case", index_dir=index)
    assert missing.returncode == 2 and "no such case" in missing.stderr
    brief = _govqa("brief", "porto-alegre", "paris", "--out", str(tmp_path / "b"), index_dir=index)
    assert brief.returncode == 0, brief.stderr
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [
        "brief.docx",
        "brief.md",
        "references.bib",
    ]


def test_a_short_case_is_not_ranked_down_for_being_short():
    from app.cases import AGGREGATES, PassageScores, Reached
    from ingest.settings import CasesSettings

    w, reached = CasesSettings(), Reached(top_lexical=1.0)
    # a one-passage abstract that matches as well as the long report's best passage
    short = PassageScores(dense=[0.6], lexical=[0.6], passages=1)
    long = PassageScores(dense=[0.6, 0.3, 0.3], lexical=[0.6, 0.3, 0.3], passages=20)
    prior, mean3 = AGGREGATES["mix-prior3"], AGGREGATES["mix-mean3"]
    assert prior(short, reached, w) > prior(long, reached, w)
    assert mean3(short, reached, w) < mean3(long, reached, w)  # what it used to do


def test_a_passage_the_search_did_not_reach_counts_as_its_floor_not_zero():
    from app.cases import AGGREGATES, PassageScores, Reached
    from ingest.settings import CasesSettings

    w, prior = CasesSettings(), AGGREGATES["mix-prior3"]
    seen = PassageScores(dense=[0.5], lexical=[0.5], passages=30)
    assert prior(seen, Reached(1.0, 0.4, 0.4), w) > prior(seen, Reached(1.0, 0.0, 0.0), w)


def test_the_short_elderly_care_case_ranks_near_the_top_for_its_topic(engine):
    # kalasin-raw.txt cleans to three passages (one an interview list); mix-mean3 put it 4th
    query = "a municipality working with hospitals and volunteers on elderly care"
    ranked = [h.card.case_id for h in engine.cases.find(query, k=5).hits]
    assert any(c.startswith("kalasin") for c in ranked[:2]), ranked
