"""A tiny real corpus: two briefs whose facets differ on every facet, written as files."""

from __future__ import annotations

from pathlib import Path

from app.cards import load_cards
from app.records import CaseCard
from ingest.catalog import Catalog
from ingest.settings import Settings


def brief(title: str, place: str, country: str, level: str, areas: list[str], years: str) -> str:
    """A Markdown brief with front matter, as the sample corpus writes them."""
    area_list = ", ".join(f'"{a}"' for a in areas)
    return (
        f'---\ntitle: "{title}"\nauthors: ["govqa test brief"]\nyear: 2021\n'
        f'place: "{place}"\ncountry: "{country}"\nlevel: "{level}"\n'
        f'policy_area: [{area_list}]\ncase_years: "{years}"\n---\n# {title}\n\n'
        f"{place}'s council worked with residents on {areas[0]} from {years}.\n\n"
        f"Residents of {place} met every month with council officers to agree on priorities, "
        f"and the council published what it spent on {areas[0]} each year.\n\n"
        f"By the end of the programme {place} reported that the share of residents taking "
        f"part had doubled because meetings were held in every neighbourhood.\n"
    )


WASTE = brief("Waste Sorting in Zorbania", "Zorbania", "Freedonia", "local", ["waste"], "2011-2016")
CLINICS = brief(
    "Clinic Councils in Vantor", "Vantor", "Sylvania", "national", ["health", "water"], "1994-2003"
)
# file name -> (text, the facet values its card must have)
TINY = {
    "zorbania-waste.md": (
        WASTE,
        {
            "country": ["Freedonia"],
            "level": ["local"],
            "policy_area": ["waste"],
            "decade": ["2010s"],
        },
    ),
    "vantor-clinics.md": (
        CLINICS,
        {
            "country": ["Sylvania"],
            "level": ["national"],
            "policy_area": ["health", "water"],
            "decade": ["1990s", "2000s"],
        },
    ),
}


def write_corpus(folder: Path, names: list[str] | None = None) -> Path:
    """The TINY briefs (or those named) as files in `folder`, created."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names or list(TINY):
        (folder / name).write_text(TINY[name][0], encoding="utf-8")
    return folder


def stored_cards(settings: Settings) -> list[CaseCard]:
    """The cards the catalog holds, read without building any (CaseLibrary would build
    missing ones on first use and hide a path that forgot to)."""
    catalog = Catalog(settings.catalog_path)
    try:
        return load_cards(catalog)
    finally:
        catalog.close()


def card_files(cards: list[CaseCard]) -> set[str]:
    return {Path(f).name for card in cards for f in card.files}
