"""The corpus an evaluation runs on: which index it gets, and bringing that index up to date.

Why its own index: a user scoring govqa on their own articles (`govqa eval --corpus`) must
not have them mixed into, or the sample corpus removed from, the chat's index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.library import LibraryReport, update_library
from eval.harness import EvalOptions, run_eval
from ingest.settings import Settings

EVAL_INDEX_ROOT = Path(".govqa-eval")


def corpus_slug(corpus: Path) -> str:
    """The corpus folder's name with every other character as '-': a safe folder name."""
    return "".join(c if c.isalnum() else "-" for c in corpus.resolve().name)


def eval_settings(settings: Settings, corpus: Path | None, index_dir_given: bool) -> Settings:
    """The settings an evaluation of `corpus` runs with. A user's own corpus gets its own
    index under `.govqa-eval/<slug>` (unless the user chose an index), and on a shared
    Chroma server its own collection too, since the vectors of two corpora must not mix."""
    if corpus is None or index_dir_given:
        return settings
    slug = corpus_slug(corpus)
    update: dict[str, object] = {"index_dir": EVAL_INDEX_ROOT / slug}
    if settings.chroma_url:
        update["collection"] = f"{settings.collection}-eval-{slug.strip('-') or 'corpus'}"
    return settings.replace(**update)


def index_corpus(settings: Settings, corpus: Path | None = None) -> LibraryReport:
    """Bring the evaluation's index in line with `corpus` (default: the settings' corpus),
    dropping documents whose files are gone, and build its case cards."""
    return update_library([corpus or settings.corpus_dir], settings, sync=True)


@dataclass
class EvalRun:
    """An evaluation and the indexing of the corpus it ran on."""

    indexed: LibraryReport
    report: dict


def evaluate(
    settings: Settings, options: EvalOptions, corpus: Path | None = None, own_index: bool = False
) -> EvalRun:
    """`govqa eval` as one call: the corpus's index (its own one unless `own_index`, the
    user having chosen one) brought up to date, then the systems scored on the gold set.
    Raises GoldError for a gold file a person has to fix."""
    settings = eval_settings(settings, corpus, own_index)
    indexed = index_corpus(settings, corpus)
    return EvalRun(indexed, run_eval(settings, options))
