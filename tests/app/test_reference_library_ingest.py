"""`govqa ingest --library FILE`: the user's library names the documents it matches, says
how, lists what it could not match, and an edited library changes metadata only."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ingest.catalog import Catalog
from ingest.settings import Settings
from tests.conftest import ROOT
from tests.support.cli import run_govqa

REPORT = """---
title: Community Health Volunteers in Northern Thailand
---

Village health volunteers visited every household once a month and reported to the
district hospital. The network trained 240 volunteers in its first year.
"""
BUDGET = """# Participatory Budgeting in Recife: An Evaluation

The city held district assemblies every spring. Residents voted on public works and the
council published each decision with its reasons.
"""
ESSAY = """# Notes on Open Data Portals

Several municipalities publish spending data quarterly and keep an open data portal.
DOI 10.5555/opendata.2021.77 is printed on the first page of the paper.
"""


def library(volunteers_path: Path, budget_title: str) -> str:
    return f"""
@techreport{{moph2019volunteers,
  title = {{Village Health Volunteers: A Programme Review}},
  author = {{{{Ministry of Public Health}}}},
  institution = {{Ministry of Public Health}},
  year = {{2019}},
  file = {{Full Text PDF:{volunteers_path}:text/markdown}}
}}

@article{{souza2008recife,
  title = {{{budget_title}}},
  author = {{Souza, Celina and Lima, Ana}},
  journal = {{Journal of Urban Affairs}},
  year = {{2008}},
  doi = {{10.1111/j.1467-9906.2008.00001.x}}
}}

@article{{ruiz2021portals,
  title = {{Open Data Portals in Practice}},
  author = {{Ruiz, Marta}},
  journal = {{Government Information Quarterly}},
  year = {{2021}},
  doi = {{https://doi.org/10.5555/OPENDATA.2021.77}}
}}

@book{{ostrom1990governing,
  title = {{Governing the Commons}},
  author = {{Ostrom, Elinor}},
  year = {{1990}}
}}
"""


def govqa(*args: str) -> subprocess.CompletedProcess:
    return run_govqa(*args, cwd=ROOT)


def metadata(index: Path) -> dict[str, dict]:
    catalog = Catalog(Settings(index_dir=index).catalog_path, read_only=True)
    try:
        return {Path(d.path).name: d.metadata.model_dump() for d in catalog.documents()}
    finally:
        catalog.close()


def meta_title(index: Path, name: str) -> str:
    return metadata(index)[name]["title"]


def test_library_metadata_replaces_the_files_own_and_an_edit_embeds_nothing(
    tmp_path: Path,
) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "volunteers.md").write_text(REPORT, encoding="utf-8")
    (corpus / "recife.md").write_text(BUDGET, encoding="utf-8")
    (corpus / "portals.md").write_text(ESSAY, encoding="utf-8")
    refs = tmp_path / "refs.bib"
    refs.write_text(
        library(corpus / "volunteers.md", "Participatory budgeting in Recife: an evaluation"),
        encoding="utf-8",
    )

    first = govqa(
        "ingest", str(corpus), "--index-dir", str(index), "--library", str(refs), "--json"
    )
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    how = {m["entry"]: m["how"] for m in report["library"]["matches"]}
    assert how == {
        "moph2019volunteers": "attachment path",
        "souza2008recife": "title",
        "ruiz2021portals": "DOI",
    }
    assert report["library"]["unmatched_entries"] == ["ostrom1990governing"]
    assert report["library"]["unmatched_documents"] == []
    meta = metadata(index)
    assert meta["volunteers.md"]["title"] == "Village Health Volunteers: A Programme Review"
    assert meta["volunteers.md"]["authors"] == ["Ministry of Public Health"]
    assert meta["volunteers.md"]["year"] == 2019
    assert meta["volunteers.md"]["provenance"]["title"] == "library: refs.bib (by attachment path)"
    assert meta["recife.md"]["container"] == "Journal of Urban Affairs"
    assert meta["recife.md"]["doi"] == "10.1111/j.1467-9906.2008.00001.x"
    assert meta["portals.md"]["doi"] == "10.5555/opendata.2021.77"
    assert meta["portals.md"]["citation_key"] == "ruiz2021portals"

    # the user edits the library: two titles edited, the volunteers' attachment moved away
    edited = library(tmp_path / "elsewhere.md", "Participatory Budgeting in Recife: An Evaluation")
    refs.write_text(edited.replace("Open Data Portals in Practice", "Open Data Portals"), "utf-8")
    second = govqa(
        "ingest", str(corpus), "--index-dir", str(index), "--library", str(refs), "--json"
    )
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["totals"]["embedded"] == 0 and again["totals"]["unchanged"] == 3
    assert again["library"]["changed"] == 3
    assert meta_title(index, "recife.md") == "Participatory Budgeting in Recife: An Evaluation"
    meta = metadata(index)
    assert meta["portals.md"]["title"] == "Open Data Portals"
    # no entry any more: the file's own front matter again, marked as read from it
    assert meta["volunteers.md"]["title"] == "Community Health Volunteers in Northern Thailand"
    assert meta["volunteers.md"]["provenance"]["title"].startswith("read:")
    assert meta["volunteers.md"]["year"] is None or meta["volunteers.md"]["year"] != 2019
    assert meta["volunteers.md"]["library_match"] == ""

    # a later ingest without --library applies the remembered one to a new file
    (corpus / "commons.md").write_text("# Governing the Commons\n\nFishers kept rules.\n", "utf-8")
    third = govqa("ingest", str(corpus), "--index-dir", str(index), "--json")
    assert third.returncode == 0, third.stderr
    assert metadata(index)["commons.md"]["authors"] == ["Ostrom, Elinor"]


def test_an_unreadable_library_is_one_line_and_the_ingest_stands(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "recife.md").write_text(BUDGET, encoding="utf-8")
    refs = tmp_path / "broken.ris"
    refs.write_text("TY  - JOUR\nTI  - No end record\n", encoding="utf-8")
    result = govqa("ingest", str(corpus), "--index-dir", str(index), "--library", str(refs))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    (line,) = [x for x in lines if x.startswith("library not applied")]
    assert "broken.ris" in line
    assert list(metadata(index)) == ["recife.md"]
