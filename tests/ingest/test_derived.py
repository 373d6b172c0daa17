"""Derived records: kept per kind with their signature, on the catalog's file and version."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.catalog import Catalog
from tests.support.documents import make_document


@pytest.fixture
def catalog(tmp_path: Path):
    catalog = Catalog(tmp_path / "catalog.sqlite")
    yield catalog
    catalog.close()


def test_records_are_kept_per_kind(catalog: Catalog) -> None:
    catalog.put_derived("card", {"kalasin": ("sig1", '{"place": "Kalasin"}')})
    catalog.put_derived("centroid", {"kalasin": ("sha", "[0.1, 0.2]")})
    assert catalog.derived("card") == {"kalasin": ("sig1", '{"place": "Kalasin"}')}
    assert catalog.derived("centroid") == {"kalasin": ("sha", "[0.1, 0.2]")}
    assert catalog.derived("nothing") == {}


def test_put_overwrites_and_drop_removes(catalog: Catalog) -> None:
    catalog.put_derived("card", {"a": ("s1", "1"), "b": ("s1", "2")})
    catalog.put_derived("card", {"a": ("s2", "3")})
    catalog.drop_derived("card", ["b", "never-stored"])
    assert catalog.derived("card") == {"a": ("s2", "3")}


def test_derived_writes_have_their_own_version(catalog: Catalog) -> None:
    catalog.put_derived("card", {"a": ("s", "1")})
    catalog.drop_derived("card", ["a"])
    assert (catalog.derived_version(), catalog.version()) == (2, 0)
    catalog.commit_document(make_document("kalasin", ["One passage."]))
    assert (catalog.derived_version(), catalog.version()) == (2, 1)


def test_records_live_in_the_catalogs_file(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    first = Catalog(path)
    first.put_derived("card", {"a": ("s", "1")})
    first.close()
    again = Catalog(path)
    assert again.derived("card") == {"a": ("s", "1")} and again.derived_version() == 1
    again.close()
