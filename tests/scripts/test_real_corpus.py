"""The real corpus builder keeps reserved pages out even under their earlier addresses."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from build_real_corpus import Fact, Holdout, Page, renamed_reserved


def page(path: str, title: str, place: str) -> Page:
    return Page(
        node="999",
        path=path,
        title=title,
        canonical=path,
        kind=path.split("/")[2],
        declared_lang="en",
        own_path=path,
        switcher_paths=[],
        body=None,
        facts=[Fact("field-geolocation", "Geolocation", place)],
    )


HOLDOUT = Holdout(
    nodes=frozenset(),
    report_paths=frozenset(),
    urls=frozenset({"participedia.net/en/cases/citizens-hall-mongolia"}),
)


def test_a_slug_that_since_gained_its_place_is_the_reserved_page() -> None:
    assert renamed_reserved(page("/en/cases/citizens-hall", "Citizens' Hall", "Mongolia"), HOLDOUT)


def test_another_kind_or_another_place_is_not() -> None:
    # a method of the same name is not the case; a citizens' hall elsewhere is not this one
    assert not renamed_reserved(
        page("/en/methods/citizens-hall", "Citizens' Hall", "Mongolia"), HOLDOUT
    )
    assert not renamed_reserved(page("/en/cases/citizens-hall", "Citizens' Hall", "Chile"), HOLDOUT)
    assert not renamed_reserved(
        page("/en/cases/citizens-hall-mongolia-2", "Citizens' Hall", "Mongolia"), HOLDOUT
    )
