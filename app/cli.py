"""The `govqa` command: thin subcommands over the library (ingest, ask, cases, case, brief,
chat, eval)."""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
from pathlib import Path

from ingest.offline import enforce_offline

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


def _settings(args: argparse.Namespace):
    from ingest.settings import Settings, flat_names

    known = set(Settings.model_fields) | set(flat_names())
    return Settings(**{k: v for k, v in vars(args).items() if v is not None and k in known})


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index-dir", type=Path, help="index directory (GOVQA_INDEX_DIR)")
    parser.add_argument(
        "--model-path",
        dest="embed_model_path",
        help="embedding model directory (GOVQA_EMBED_MODEL_PATH)",
    )
    parser.add_argument(
        "--top-k",
        dest="retrieval_top_k",
        type=int,
        help="passages per answer (GOVQA_RETRIEVAL_TOP_K)",
    )
    parser.add_argument(
        "--chroma-url",
        help="use the Chroma server at http(s)://host:port instead of the embedded store "
        "(GOVQA_CHROMA_URL)",
    )


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--country")
    parser.add_argument("--level", choices=["local", "regional", "national", "multi-level"])
    parser.add_argument("--policy-area")
    parser.add_argument("--year-from", type=int)
    parser.add_argument("--year-to", type=int)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # any other name may resolve to a public address
        return False


def printable(text: str) -> str:
    """A file name may hold a line break, a terminal escape or a bidi override: show those
    escaped, so one report line stays one line and cannot repaint the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def error(message: str) -> None:
    print(f"Error: {message}", file=sys.stderr)


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.pipeline import IngestBusy, ingest

    settings = _settings(args)
    paths = args.paths or [settings.corpus_dir]
    missing = [p for p in paths if not p.exists() and not p.is_symlink()]
    for path in missing:
        error(f"{path}: no such file or directory")
    if missing:
        return EXIT_USAGE
    try:
        report = ingest(paths, settings, sync=args.sync)
    except IngestBusy as exc:
        error(str(exc))
        return EXIT_USAGE
    cards = _build_cards(settings)
    if args.json:
        print(json.dumps(report.to_dict() | {"cards": vars(cards)}, indent=2, ensure_ascii=False))
    else:
        totals = report.to_dict()["totals"]
        print(
            f"ingest: {len(report.files)} files ({totals['added']} added, {totals['updated']} "
            f"updated, {totals['unchanged']} unchanged, {totals['skipped']} skipped, "
            f"{totals['removed']} removed); {report.chunks_written} chunks written, "
            f"{report.embedded} embedded; {report.dropped_lines} lines dropped; "
            f"{report.seconds:.1f} s; {totals['chunks_per_s']} chunks/s"
        )
        print(
            f"cards: {cards.cases} cases, {cards.built} built, {cards.removed} removed; "
            f"{cards.seconds:.1f} s"
        )
        for outcome in report.skipped:
            print(f"skipped: {printable(outcome.path)}: {printable(outcome.reason or '')}")
    if args.show_dropped:
        _print_dropped(settings)
    return EXIT_PARTIAL if report.skipped else EXIT_OK


def _build_cards(settings):
    """Case cards are part of ingesting: built (or refreshed) right after the documents."""
    from app.cards import build_cards
    from app.engine import Engine

    engine = Engine(settings)
    try:
        return build_cards(engine.catalog, engine.retriever)
    finally:
        engine.catalog.close()


def _engine_or_none(settings):
    from app.engine import Engine

    if not settings.catalog_path.exists():
        error(f"{settings.index_dir}: no index yet; run 'govqa ingest data/corpus' first")
        return None
    return Engine(settings)


def cmd_cases(args: argparse.Namespace) -> int:
    """Case-level search: ranked cases with the passages that matched, and facet counts."""
    from app.case_views import facets_as_markdown, hits_as_markdown
    from app.cases import CaseFilters, parse_decade

    engine = _engine_or_none(_settings(args))
    if engine is None:
        return EXIT_USAGE
    filters = CaseFilters(
        country=args.country or [],
        level=args.level or [],
        policy_area=args.policy_area or [],
        decade=[parse_decade(d) for d in args.decade or []],
    )
    results = engine.cases.find(args.query or "", filters, k=args.k)
    hits, counts = results.hits, results.facets
    if args.json:
        out = {
            "query": args.query or "",
            "cases": [
                {
                    "case_id": h.card.case_id,
                    "title": h.card.title,
                    "score": round(h.score, 4),
                    "why": [
                        {"sentence": w, **_source_dict(s)}
                        for s, w in zip(h.sources, h.why, strict=True)
                    ],
                    "card": h.card.to_dict() | {"centroid": None},
                }
                for h in hits
            ],
            "facets": counts,
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(hits_as_markdown(hits))
        print(f"\n{len(hits)} of {results.total} cases shown. Facets:")
        print(facets_as_markdown(counts))
    return EXIT_OK


def _source_dict(source) -> dict:
    return {
        "title": source.title,
        "authors": source.authors,
        "year": source.year,
        "page": source.page,
        "section": source.section,
        "file": source.file,
        "chunk_id": source.chunk_id,
        "spans": source.spans,
    }


def cmd_case(args: argparse.Namespace) -> int:
    """One case card as Markdown (or JSON), with its similar cases."""
    from app.case_views import card_as_markdown

    engine = _engine_or_none(_settings(args))
    if engine is None:
        return EXIT_USAGE
    card = engine.cases.card(args.case_id)
    if card is None:
        error(f"{args.case_id}: no such case (see 'govqa cases' for case ids)")
        return EXIT_USAGE
    similar = engine.cases.similar(card.case_id, args.similar)
    if args.json:
        data = card.to_dict() | {
            "similar": [
                {
                    "case_id": s.card.case_id,
                    "title": s.card.title,
                    "similarity": round(s.similarity, 4),
                    "shared": s.shared,
                    "differs": s.differs,
                }
                for s in similar
            ]
        }
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(card_as_markdown(card, similar))
    return EXIT_OK


def cmd_brief(args: argparse.Namespace) -> int:
    """Export a precedent brief of the given cases: Markdown, DOCX and BibTeX."""
    from app.brief import write_brief

    engine = _engine_or_none(_settings(args))
    if engine is None:
        return EXIT_USAGE
    cards = []
    for case_id in args.case_ids:
        card = engine.cases.card(case_id)
        if card is None:
            error(f"{case_id}: no such case (see 'govqa cases' for case ids)")
            return EXIT_USAGE
        cards.append(card)
    for path in write_brief(cards, args.out, args.question or ""):
        print(f"wrote {path}")
    return EXIT_OK


def _print_dropped(settings) -> None:
    from ingest.catalog import Catalog

    catalog = Catalog(settings.catalog_path)
    for doc in catalog.documents():
        for line in doc.dropped:
            where = f"p.{line.page} " if line.page else ""
            print(f"dropped: {doc.path}:{where}line {line.line}: {line.reason}: {line.text[:120]}")
        for line in doc.repaired:
            print(
                f"repaired: {doc.path}:line {line.line}: {line.reason}: "
                f"{line.before[:60]} -> {line.after[:60]}"
            )
    catalog.close()


def _filters(args: argparse.Namespace):
    from app.records import Filters

    return Filters(
        country=args.country or "",
        level=args.level or "",
        policy_area=args.policy_area or "",
        year_from=args.year_from,
        year_to=args.year_to,
    )


def cmd_ask(args: argparse.Namespace) -> int:
    from app.render import answer_as_text

    engine = _engine_or_none(_settings(args))
    if engine is None:
        return EXIT_USAGE
    answer = engine.ask(args.question, _filters(args))
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(answer_as_text(answer))
    return EXIT_OK


def cmd_chat(args: argparse.Namespace) -> int:
    from app.ui import serve

    settings = _settings(args)
    if not is_loopback(settings.serve.host):
        # an environment variable left over from elsewhere must not open the chat to the
        # network: only a --host typed on this command line may
        if args.serve_host is None:
            error(
                f"GOVQA_SERVE_HOST={settings.serve.host} is beyond loopback; "
                f"pass --host {settings.serve.host} to serve there on purpose"
            )
            return EXIT_USAGE
        print(
            f"warning: serving on {settings.serve.host}: reachable beyond this machine",
            file=sys.stderr,
        )
    serve(settings)
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    """Score the cleaner (--cleaning-set) or the answering system on a gold set."""
    if args.cleaning_set:
        from eval.cleaning import score_cleaning

        data = score_cleaning(args.cleaning_set).to_dict()
        errors = data.pop("errors")
        print(json.dumps(data, indent=2))
        for row in errors[:20]:
            print(f"miss: {row['label']}: {row['text'][:80]!r} -> {row['out'][:80]!r}")
        return EXIT_OK
    return _eval_gold(args)


def _eval_gold(args: argparse.Namespace) -> int:
    from eval.gold import GoldError
    from eval.harness import DEFAULT_SUPPORT, EvalOptions, load_report, run_eval
    from eval.report import compare_reports, markdown_report, write_report
    from ingest.pipeline import ingest

    if args.only_answers and not args.answers:
        error("--only-answers needs --answers FILE")
        return EXIT_USAGE
    for path in (args.gold, args.answers, args.compare, args.corpus):
        if path is not None and not path.exists():
            error(f"{path}: no such file or directory")
            return EXIT_USAGE
    settings = _settings(args)
    if args.corpus is not None and args.index_dir is None:
        # a user's own corpus gets its own index, so the chat's index is left alone
        slug = "".join(c if c.isalnum() else "-" for c in args.corpus.resolve().name)
        update: dict[str, object] = {"index_dir": Path(".govqa-eval") / slug}
        if settings.chroma_url:  # on a shared server its vectors need their own collection
            update["collection"] = f"{settings.collection}-eval-{slug.strip('-') or 'corpus'}"
        settings = settings.replace(**update)
    corpus = args.corpus or settings.corpus_dir
    report_ingest = ingest([corpus], settings, sync=True)
    _build_cards(settings)  # reading never builds cards: derive them, as ingest does
    for outcome in report_ingest.skipped:
        print(f"skipped: {outcome.path}: {outcome.reason}", file=sys.stderr)
    options = EvalOptions(
        gold=args.gold,
        answers=args.answers,
        answers_name=args.answers_name,
        baselines=not args.no_baselines,
        ours=not args.only_answers,
        support_set=None if args.no_support_check else DEFAULT_SUPPORT,
        limit=args.limit,
    )
    try:
        report = run_eval(settings, options)
    except GoldError as exc:
        error(str(exc))
        return EXIT_USAGE
    paths = write_report(report, args.out)
    print(markdown_report(report))
    if report["meta"]["missing_evidence"]:
        print("gold evidence not found in the index:", file=sys.stderr)
        for line in report["meta"]["missing_evidence"]:
            print(f"  {line}", file=sys.stderr)
    if args.compare is not None:
        print("Changes against", args.compare)
        for line in compare_reports(report, load_report(args.compare)) or ["(none)"]:
            print(f"  {line}")
    print("wrote " + ", ".join(str(p) for p in paths))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govqa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="clean, chunk, embed and index files or folders")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: corpus dir)")
    p.add_argument("--corpus-dir", type=Path, help="default corpus folder (GOVQA_CORPUS_DIR)")
    p.add_argument("--sync", action="store_true", help="remove documents whose files are gone")
    p.add_argument("--show-dropped", action="store_true", help="print every dropped line")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--chunk-max-words", type=int)
    _add_common(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer a question with cited sentences")
    p.add_argument("question")
    p.add_argument("--json", action="store_true")
    _add_common(p)
    _add_filters(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("cases", help="find cases (precedents) for a description")
    p.add_argument("query", nargs="?", help="what the cases should have done (empty: all)")
    p.add_argument("-k", type=int, default=10, help="cases to list (default 10)")
    p.add_argument("--country", action="append", help="keep cases in this country (repeat)")
    p.add_argument("--level", action="append", help="local, regional, national, multi-level")
    p.add_argument("--policy-area", action="append", help="keep cases in this policy area")
    p.add_argument("--decade", action="append", help="keep cases that ran then, e.g. 1990s")
    p.add_argument("--json", action="store_true")
    _add_common(p)
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser("case", help="show one case card with similar cases")
    p.add_argument("case_id", help="case id (or a unique prefix, or a document id)")
    p.add_argument("--similar", type=int, default=5, help="similar cases to list (default 5)")
    p.add_argument("--json", action="store_true")
    _add_common(p)
    p.set_defaults(func=cmd_case)

    p = sub.add_parser("brief", help="export a precedent brief (Markdown, DOCX, BibTeX)")
    p.add_argument("case_ids", nargs="+", help="case ids (or unique prefixes)")
    p.add_argument("--out", type=Path, default=Path("brief"), help="output folder")
    p.add_argument("--question", help="the question the brief answers, printed on top")
    _add_common(p)
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("chat", help="serve the web chat")
    p.add_argument("--host", dest="serve_host", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", dest="serve_port", type=int)
    _add_common(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("eval", help="score answers and retrieval on a gold question set")
    p.add_argument("--gold", type=Path, default=Path("data/eval/gold.jsonl"))
    p.add_argument("--corpus", type=Path, help="corpus the gold set is about (default: ours)")
    p.add_argument("--answers", type=Path, help="another system's answers to score too")
    p.add_argument("--answers-name", default="external", help="its name in the report")
    p.add_argument("--out", type=Path, default=Path("reports/eval"), help="report folder")
    p.add_argument("--compare", type=Path, help="an earlier report.json: print the deltas")
    p.add_argument("--limit", type=int, help="a quick run on this many questions")
    p.add_argument("--no-baselines", action="store_true", help="skip the baseline systems")
    p.add_argument("--only-answers", action="store_true", help="score only the --answers file")
    p.add_argument(
        "--no-support-check",
        action="store_true",
        help="skip measuring the support scorer on data/eval/support.jsonl",
    )
    p.add_argument("--cleaning-set", type=Path, help="score the cleaner on a labelled line set")
    _add_common(p)
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    enforce_offline()
    from ingest.vectors import StoreError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except StoreError as exc:  # bad GOVQA_CHROMA_URL, server down, collection of another index
        error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `govqa ... | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
