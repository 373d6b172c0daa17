"""Derived records (case cards, document centroids): a key-value table in the catalog's file.

Later steps compute these from committed documents and store each with the signature of
what it was computed from, so a stale or missing one is rebuilt and a crash between two of
them loses nothing. The table lives in the catalog's SQLite file, on its connection, so a
derived write takes the catalog's lock and transaction helper and counts in its `state`
table (`derived_version`, beside the documents' `version`).

`DerivedRecords` is a mixin of `Catalog` rather than an object the catalog hands out: the
callers (`app/cards.py`, `app/cases.py`) hold a catalog and ask it for derived records, and
a mixin keeps that call while the table's schema and rules live here, apart from the
documents'. It needs only the four connection primitives annotated below.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager

DERIVED_SCHEMA = """
CREATE TABLE IF NOT EXISTS derived (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    signature TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
"""

DerivedRecord = tuple[str, str]  # (signature of the inputs, JSON value)


class DerivedRecords:
    """kind -> key -> (signature, JSON value), written in the catalog's transactions."""

    # provided by the catalog (ingest.catalog.Catalog)
    _transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]
    _rows: Callable[..., list[tuple]]
    _state: Callable[[str], int]
    _bump: Callable[[sqlite3.Connection, str], None]

    def derived(self, kind: str) -> dict[str, DerivedRecord]:
        """key -> (signature, JSON value) of every derived record of `kind`."""
        rows = self._rows("SELECT key, signature, value FROM derived WHERE kind=?", (kind,))
        return {key: (signature, value) for key, signature, value in rows}

    def put_derived(self, kind: str, records: dict[str, DerivedRecord]) -> None:
        """Write records (key -> (signature, JSON value)) in one transaction."""
        self._replace_derived(kind, records, ())

    def drop_derived(self, kind: str, keys: Iterable[str]) -> None:
        self._replace_derived(kind, {}, keys)

    def derived_version(self) -> int:
        """Bumped by every derived write, so a cache of cards knows when to reload."""
        return self._state("derived_version")

    def _replace_derived(
        self, kind: str, records: dict[str, DerivedRecord], dropped: Iterable[str]
    ) -> None:
        with self._transaction() as db:
            db.executemany(
                "DELETE FROM derived WHERE kind=? AND key=?", [(kind, k) for k in dropped]
            )
            db.executemany(
                "INSERT OR REPLACE INTO derived VALUES (?,?,?,?)",
                [(kind, k, sig, value) for k, (sig, value) in records.items()],
            )
            self._bump(db, "derived_version")
