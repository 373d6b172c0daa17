"""Case names and countries: a name scopes a question only when it is distinctive for one
case; a country word or demonym is never a case name, it names the country's cases."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from app.names import case_names, countries_in, documents_by_country, named_in, saved_case_names
from ingest.catalog import Catalog
from ingest.countries import countries_named, is_country_name
from ingest.records import DocMetadata, StoredChunk


def _chunk(doc_id: str, text: str, place: str, title: str, country: str) -> StoredChunk:
    meta = DocMetadata(title=title, place=place, country=country)
    return StoredChunk(
        id=f"{doc_id}-0",
        doc_id=doc_id,
        ordinal=0,
        text=text,
        start=0,
        end=len(text),
        page=None,
        section="",
        path=f"{doc_id}.md",
        metadata=meta,
    )


CORPUS = [
    _chunk(
        "housing",
        "In Bangkok and other Thai cities, communities in Bangkok upgraded their housing "
        "with loans. The Thai agency lent to savings groups in Bangkok and Khon Kaen.",
        "Bangkok and other Thai cities",
        "Community Housing in Thailand",
        "Thailand",
    ),
    _chunk(
        "kalasin",
        "The municipality of Kalasin worked with hospitals and volunteers. Staff in Kalasin "
        "visited older people, and a Thai university studied the Kalasin network.",
        "Kalasin Municipality",
        "Elderly Care in Kalasin",
        "Thailand",
    ),
    _chunk(
        "welfare",
        "Thai villages run welfare funds into which members pay one baht a day.",
        "Thailand",
        "Community Welfare Funds",
        "Thailand",
    ),
    *(
        _chunk(
            f"budget-{i}",
            f"Like the budget of Porto Alegre, the city of Town{i} let residents vote on "
            "projects each spring.",
            f"Town{i}",
            f"Participatory Budgeting in Town{i}",
            "Brazil",
        )
        for i in range(3)
    ),
    _chunk(
        "porto-alegre",
        "Porto Alegre's assemblies met in every district, and in Porto Alegre the council "
        "funded what residents chose.",
        "Porto Alegre",
        "Participatory Budgeting in Porto Alegre",
        "Brazil",
    ),
]


def test_countries_and_demonyms_come_from_the_gazetteer():
    assert is_country_name("Thai") and is_country_name("South Korea")
    assert is_country_name("Kenyan") and is_country_name("Brasil")
    assert not is_country_name("Kalasin") and not is_country_name("Porto Alegre")
    assert set(countries_named("A Thai study of Kenyan counties in the UK")) == {
        "Thai",
        "Kenyan",
        "UK",
    }
    assert countries_named("WHAT IS IT") == {}  # a two-letter code is not read as a country


def test_a_demonym_or_country_in_a_place_is_not_a_case_name():
    names = case_names(CORPUS, max_documents=2)
    assert "Thai" not in names["housing"] and "Thailand" not in names["welfare"]
    assert "Bangkok" in names["housing"]
    assert named_in("What did a Thai study find about welfare?", names) == {}
    assert named_in("Which Thai cities upgraded housing?", names) == {}


def test_a_distinctive_name_still_names_its_case():
    names = case_names(CORPUS, max_documents=2)
    assert named_in("What made Kalasin's network succeed?", names) == {"kalasin": {"Kalasin"}}
    assert named_in("how did kalasin's volunteers work?", names) == {"kalasin": {"Kalasin"}}


def test_a_name_that_many_documents_write_is_not_distinctive():
    # Porto Alegre is the place of one brief, but four documents' text writes it
    names = case_names(CORPUS, max_documents=2)
    assert named_in("How did Porto Alegre's assemblies work?", names) == {}
    wider = case_names(CORPUS, max_documents=4)
    assert set(named_in("How did Porto Alegre's assemblies work?", wider)) == {"porto-alegre"}


def test_a_lookalike_copy_does_not_make_its_originals_name_common():
    """A copy of the Kalasin brief (ingest.lookalikes) writes the name as often as the
    brief does; counted, two documents would write it and one would be too few. The copy
    keeps its names (a question naming both is narrowed in app.retrieve)."""
    [original] = [c for c in CORPUS if c.doc_id == "kalasin"]
    copy = dataclasses.replace(original, id="copy-0", doc_id="copy", lookalike_of=["kalasin"])
    names = case_names([*CORPUS, copy], max_documents=1)
    assert "Kalasin" in names["kalasin"] and "Kalasin" in names["copy"]
    found = named_in("What made Kalasin's network succeed?", names)
    assert found == {"kalasin": {"Kalasin"}, "copy": {"Kalasin"}}
    counted = dataclasses.replace(copy, lookalike_of=[])  # the same file, not flagged
    assert "Kalasin" not in case_names([*CORPUS, counted], max_documents=1)["kalasin"]


def test_a_country_names_all_of_its_cases():
    by_country = documents_by_country(CORPUS)
    assert countries_in("What did a Thai study find?", by_country) == {
        "Thai": {"housing", "kalasin", "welfare"}
    }
    assert countries_in("Participatory budgeting in Brasil", by_country)["Brasil"] == {
        "porto-alegre",
        "budget-0",
        "budget-1",
        "budget-2",
    }
    assert countries_in("Elections in Kenya", by_country) == {}  # no Kenyan document


def test_saved_names_are_read_back_until_a_label_changes(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite")
    try:
        fresh = saved_case_names(catalog, CORPUS, 1)
        assert fresh == case_names(CORPUS, 1) and fresh["kalasin"]
        assert saved_case_names(catalog, CORPUS, 1, save=False) == fresh
        # the saved record is what the next process reads: a stand-in value shows it is used
        signature, _ = catalog.derived("case-names")["all"]
        catalog.put_derived("case-names", {"all": (signature, '{"kalasin": ["Stand-in"]}')})
        assert saved_case_names(catalog, CORPUS, 1) == {"kalasin": {"Stand-in"}}
        # a changed place is another signature: found again, not read back
        moved = [
            dataclasses.replace(
                c, metadata=c.metadata.model_copy(update={"place": "Somewhere Else"})
            )
            if c.doc_id == "kalasin"
            else c
            for c in CORPUS
        ]
        assert saved_case_names(catalog, moved, 1) == case_names(moved, 1)
        assert saved_case_names(catalog, CORPUS, 2) == case_names(CORPUS, 2)
    finally:
        catalog.close()
