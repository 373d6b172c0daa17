"""A tiny real corpus of three short case briefs, small enough to reason about by hand."""

from __future__ import annotations

from pathlib import Path

from ingest.settings import Settings
from tests.support.index import ingest_and_derive


def brief(title: str, place: str, country: str, years: str, paragraphs: list[str]) -> str:
    """A Markdown brief with front matter, one paragraph per passage-sized idea."""
    body = "\n\n".join(paragraphs)
    return (
        f'---\ntitle: "{title}"\nauthors: ["govqa test brief"]\nyear: 2021\n'
        f'place: "{place}"\ncountry: "{country}"\nlevel: "local"\n'
        f'policy_area: ["participation"]\ncase_years: "{years}"\n---\n# {title}\n\n{body}\n'
    )


def _filler(place: str, topic: str, n: int) -> list[str]:
    return [
        f"In {place}, the {topic} office kept careful records of meeting number {i}. "
        f"Officials in {place} published a short summary of each {topic} meeting for residents. "
        f"Volunteers in {place} checked the summaries against the minutes every month."
        for i in range(1, n + 1)
    ]


TINY = {
    "riverton-budget.md": brief(
        "Participatory Budgeting in Riverton",
        "Riverton",
        "Freedonia",
        "2015-2020",
        [
            "Riverton's city council let residents decide how to spend part of the capital "
            "budget. Neighbourhood assemblies in Riverton proposed playgrounds, bus shelters "
            "and street lights.",
            "The council approved 40 projects in 2019 after residents voted on the proposals. "
            "Turnout in the Riverton vote rose every year the programme ran.",
            *_filler("Riverton", "budget", 16),
        ],
    ),
    "lakeside-water.md": brief(
        "Community Water Boards in Lakeside",
        "Lakeside",
        "Sylvania",
        "2008-2012",
        [
            "Lakeside's villages formed water boards that repaired wells and collected a small "
            "fee from every household. The water boards of Lakeside met in the village hall.",
            "Women led most Lakeside water boards, and the district engineer trained them to "
            "test the water each season.",
            *_filler("Lakeside", "water", 12),
        ],
    ),
    "hillcrest-schools.md": brief(
        "School Councils in Hillcrest",
        "Hillcrest",
        "Freedonia",
        "1995-2001",
        [
            "Hillcrest gave every school a council of parents, teachers and pupils that "
            "decided how the maintenance budget was spent.",
            "Parents on the Hillcrest councils inspected classrooms and reported broken "
            "windows to the education office.",
        ],
    ),
}


def tiny_index(root: Path) -> Settings:
    """Settings of a real index (real pipeline, real packaged model) over TINY, cards
    derived."""
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in TINY.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(index_dir=root / "index", corpus_dir=corpus)
    report = ingest_and_derive([corpus], settings)
    assert not report.skipped, report.skipped
    return settings
