"""The `govqa` console script: app's commands plus `govqa eval`, which lives here because
data flows eval -> app -> ingest and app must never import eval."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from app.cli import (
    EXIT_OK,
    UsageError,
    add_local_model_flag,
    require_local_model,
    require_paths,
    say,
    settings_from_args,
)
from app.cli import main as app_main
from eval.cleaning import score_cleaning
from eval.corpus import evaluate
from eval.gold import GoldError, load_gold
from eval.harness import DEFAULT_CASES, DEFAULT_SUPPORT, EvalOptions
from eval.report import console_report, missing_evidence_lines, write_report


def cmd_eval(args: argparse.Namespace) -> int:
    """Score the cleaner (--cleaning-set) or the answering system on a gold set."""
    if args.cleaning_set:
        say(score_cleaning(args.cleaning_set).as_text())
        return EXIT_OK
    if args.only_answers and not args.answers:
        raise UsageError("--only-answers needs --answers FILE")
    require_paths([args.gold, args.answers, args.compare, args.corpus, args.case_queries])
    try:  # a gold file to fix is reported before an ingest that may take minutes
        load_gold(args.gold)
    except GoldError as exc:
        raise UsageError(str(exc)) from exc
    options = EvalOptions(
        gold=args.gold,
        answers=args.answers,
        answers_name=args.answers_name,
        baselines=not args.no_baselines,
        ours=not args.only_answers,
        support_set=None if args.no_support_check else DEFAULT_SUPPORT,
        cases=args.case_queries or DEFAULT_CASES,
        limit=args.limit,
    )
    from ingest.pipeline import IngestBusy

    settings = settings_from_args(args)
    require_local_model(settings)
    try:
        run = evaluate(settings, options, args.corpus, args.index_dir is not None)
    except (GoldError, IngestBusy) as exc:  # a gold file to fix, an index another run holds
        raise UsageError(str(exc)) from exc
    skipped = [f"skipped: {f.path}: {f.reason}" for f in run.indexed.skipped]
    for line in skipped + missing_evidence_lines(run.report):
        say(line, file=sys.stderr)
    say(console_report(run.report, args.compare, write_report(run.report, args.out)))
    return EXIT_OK


def add_eval_command(command: Callable[..., argparse.ArgumentParser]) -> None:
    p = command("eval", cmd_eval, "score answers and retrieval on a gold question set")
    p.add_argument("--gold", type=Path, default=Path("data/eval/gold.jsonl"))
    p.add_argument("--corpus", type=Path, help="corpus the gold set is about (default: ours)")
    p.add_argument("--answers", type=Path, help="another system's answers to score too")
    p.add_argument("--answers-name", default="external", help="its name in the report")
    p.add_argument("--out", type=Path, default=Path("reports/eval"), help="report folder")
    p.add_argument("--compare", type=Path, help="an earlier report.json: print the deltas")
    p.add_argument(
        "--case-queries",  # not --cases: that is the settings group's name
        type=Path,
        help=f"graded case-level queries scored beside the gold set (default: {DEFAULT_CASES})",
    )
    p.add_argument("--limit", type=int, help="a quick run on this many questions")
    p.add_argument("--no-baselines", action="store_true", help="skip the baseline systems")
    p.add_argument("--only-answers", action="store_true", help="score only the --answers file")
    p.add_argument(
        "--no-support-check",
        action="store_true",
        help="skip measuring the support scorer on data/eval/support.jsonl",
    )
    p.add_argument("--cleaning-set", type=Path, help="score the cleaner on a labelled line set")
    add_local_model_flag(p)


def main(argv: list[str] | None = None) -> int:
    return app_main(argv, commands=(add_eval_command,))


if __name__ == "__main__":
    sys.exit(main())
