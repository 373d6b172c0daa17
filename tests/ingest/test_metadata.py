"""Metadata: interview citations, Buddhist Era dates, inferred facets."""

from __future__ import annotations

from ingest.metadata import extract_interviews, parse_date
from ingest.text import be_to_ce


def test_buddhist_era_converts():
    assert be_to_ce(2560) == 2017
    assert be_to_ce(2017) == 2017
    assert parse_date("November 30, B.E.2560") == "2017-11-30"
    assert parse_date("30 November 2560") == "2017-11-30"


def test_interview_citation_becomes_a_record():
    text = (
        "(Kachonrak, O. Public Health Technical Officer 5, Bureau of Public Health and "
        "Environment, Kalasin Municipality. November 30, B.E.2560. Interview) and "
        "(Karlers, C. Municipal Clerk of Kalasin Municipality. November 30, B.E.2560. Interview)"
    )
    first, second = extract_interviews(text)
    assert first.name == "Kachonrak, O."
    assert first.role == "Public Health Technical Officer 5"
    assert first.organisation == "Bureau of Public Health and Environment, Kalasin Municipality"
    assert first.date == "2017-11-30"
    assert (second.role, second.organisation) == ("Municipal Clerk", "Kalasin Municipality")


def test_kalasin_document_metadata(corpus_settings):
    from ingest.catalog import Catalog

    docs = {d.path.rsplit("/", 1)[-1]: d for d in Catalog(corpus_settings.catalog_path).documents()}
    kalasin = docs["kalasin-raw.txt"]
    meta = kalasin.metadata
    assert meta.title.startswith("The Success of Collaborative Local Governance")
    assert meta.authors == ["Alongkot Sarakarn"]
    assert meta.year == 2017 and meta.provenance["year"].startswith("inferred")
    assert (meta.country, meta.level) == ("Thailand", "local")
    assert "Kalasin" in meta.place
    assert {i.name for i in kalasin.interviews} >= {"Kachonrak, O.", "Boonplem, C.", "Karlers, C."}
    porto = docs["porto-alegre-participatory-budgeting.md"].metadata
    assert porto.country == "Brazil" and porto.provenance["country"].startswith("read")
    assert porto.authors == ["govqa sample brief"]
