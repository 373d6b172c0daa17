"""The `govqa` command: thin subcommands over the library (ingest, remove, ask, cases, case,
brief, chat, users; `eval` is added by eval/cli.py, the console script). Each parses, calls
one library function and prints the record it returns; `--json` prints the record's own
serialisation."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from ingest.offline import enforce_offline

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2
COMMON_FLAGS = [  # (flag, Settings field, type, help)
    ("--index-dir", "index_dir", Path, "index directory (GOVQA_INDEX_DIR)"),
    ("--model-path", "embed_model_path", str, "embedding model directory (GOVQA_EMBED_MODEL_PATH)"),
    ("--top-k", "retrieval_top_k", int, "passages per answer (GOVQA_RETRIEVAL_TOP_K)"),
    ("--chroma-url", "chroma_url", str, "use the Chroma server at http(s)://host:port "
     "instead of the embedded store (GOVQA_CHROMA_URL)"),
    ("--style", "answer_citation_style", str, "references in a citation style: apa, chicago "
     "or harvard (GOVQA_ANSWER_CITATION_STYLE; default: title, authors, year, page)"),
]  # fmt: skip


class UsageError(Exception):
    """Something the user can fix (a missing path, no index, an unknown case): one
    `Error:` line per argument, exit status 2, never a traceback."""


def settings_from_args(args: argparse.Namespace):
    from app.styles import STYLES
    from ingest.settings import Settings, flat_names

    known = set(Settings.model_fields) | set(flat_names())
    settings = Settings(**{k: v for k, v in vars(args).items() if v is not None and k in known})
    style = settings.answer.citation_style
    if style and style not in STYLES:
        raise UsageError(
            f"--style {style}: not a citation style; choose one of {', '.join(STYLES)}"
        )
    return settings


def _add_common(parser: argparse.ArgumentParser) -> None:
    for flag, dest, kind, text in COMMON_FLAGS:
        parser.add_argument(flag, dest=dest, type=kind, help=text)
    parser.add_argument(
        "--read-only",
        dest="read_only",
        action="store_const",
        const=True,
        help="only read the index (GOVQA_READ_ONLY; also whenever it is not writable)",
    )


def add_local_model_flag(parser: argparse.ArgumentParser) -> None:
    """`--local-model`, on the commands that answer (ask, chat, eval)."""
    parser.add_argument(
        "--local-model",
        dest="llm_local_model",
        metavar="PATH",
        help="answer with this instruct GGUF, run in-process (pip install govqa[local]); "
        "every sentence is still checked (GOVQA_LOCAL_MODEL)",
    )


def require_local_model(settings) -> None:
    """Refuse, in one line, a local model that can never load (a mistyped path, no
    xllamacpp), rather than serving answers whose model never comes."""
    from app.llm import answerer_kind
    from app.local_model import local_model_unusable

    if answerer_kind(settings) == "local":
        problem = local_model_unusable(settings)
        if problem:
            raise UsageError(problem)


def _add_facet_flags(parser: argparse.ArgumentParser, repeat: bool) -> None:
    """The facet filters, from the facet table: `cases` takes every facet, each flag
    repeatable; `ask` takes one value of each Ask facet."""
    from app.facets import ASK_FACETS, FACET_TABLE

    for facet in FACET_TABLE if repeat else ASK_FACETS:
        how = {"action": "append", "help": facet.help} if repeat else {"choices": facet.choices}
        parser.add_argument(facet.flag, dest=facet.name, **how)


def say(text: str, file=None) -> None:
    """Print for a terminal: document text may hold control characters, shown escaped
    (app.render.terminal_safe) so that they cannot act on the terminal."""
    from app.render import terminal_safe

    print(terminal_safe(text), file=file)


def error(message: str) -> None:
    say(f"Error: {message}", file=sys.stderr)


def emit(args: argparse.Namespace, record: dict, text: str) -> None:
    """Print the record's serialisation with `--json`, else its text for people."""
    from app.render import json_safe

    if args.json:
        print(json_safe(json.dumps(record, indent=2, ensure_ascii=False)))
    else:
        say(text)


def require_paths(paths: list[Path | None]) -> None:
    missing = [p for p in paths if p is not None and not p.exists() and not p.is_symlink()]
    if missing:
        raise UsageError(*[f"{p}: no such file or directory" for p in missing])


def _engine(settings):
    from app.engine import Engine

    if not settings.catalog_path.exists():
        raise UsageError(
            f"{settings.index_dir}: no index yet; run 'govqa ingest data/corpus' first"
        )
    engine = Engine(settings)
    for line in engine.index_warnings():
        say(f"warning: {line}", file=sys.stderr)
    return engine


def _card(engine, case_id: str):
    card = engine.cases.card(case_id)
    if card is None:
        raise UsageError(f"{case_id}: no such case (see 'govqa cases' for case ids)")
    return card


def cmd_ingest(args: argparse.Namespace) -> int:
    from app.library import cleaning_lines, update_library
    from ingest.pipeline import IngestBusy

    settings = settings_from_args(args)
    paths = args.paths or [settings.corpus_dir]
    require_paths([*paths, args.library] if args.library else paths)
    try:
        report = update_library(
            paths, settings, sync=args.sync, rebuild=args.rebuild, bibliography=args.library
        )
    except IngestBusy as exc:
        raise UsageError(str(exc)) from exc
    emit(args, report.to_dict(), "\n".join(report.lines()))
    if args.show_dropped:
        for line in cleaning_lines(settings):
            say(line)
    return EXIT_PARTIAL if report.skipped or report.bibliography_error else EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    """Remove documents (id, unique id prefix or file path) from the library."""
    from app.library import remove_documents
    from ingest.pipeline import IngestBusy, os_user

    settings = settings_from_args(args)
    if not settings.catalog_path.exists():
        raise UsageError(f"{settings.index_dir}: no index yet; nothing to remove")
    try:
        report = remove_documents(args.documents, settings, by=os_user())
    except IngestBusy as exc:
        raise UsageError(str(exc)) from exc
    emit(args, report.to_dict(), "\n".join(report.lines()))
    return EXIT_PARTIAL if report.skipped else EXIT_OK


def cmd_users(args: argparse.Namespace) -> int:
    """Manage the users file of a shared chat (format: app/auth.py)."""
    import getpass

    from app.auth import AuthFileError, add_user, read_users, remove_user

    try:
        if args.action == "list":
            for user in read_users(args.auth).values():
                print(f"{user.name}\t{user.role}")
            return EXIT_OK
        if args.action == "remove":
            if not remove_user(args.auth, args.name):
                raise UsageError(f"{args.auth}: no user named {args.name}")
            print(f"removed {args.name}")
            return EXIT_OK
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = getpass.getpass(f"password for {args.name}: ")
            if getpass.getpass("again: ") != password:
                raise UsageError("the two passwords differ; nothing was written")
        state = add_user(args.auth, args.name, args.role, password)
    except AuthFileError as exc:
        raise UsageError(str(exc)) from exc
    except ValueError as exc:
        raise UsageError(f"{args.name}: {exc}") from exc
    print(f"{state} {args.name} ({args.role}) in {args.auth}")
    return EXIT_OK


def cmd_cases(args: argparse.Namespace) -> int:
    """Case-level search: ranked cases with the passages that matched, and facet counts."""
    from app.case_views import results_as_dict, results_as_markdown
    from app.facets import FACETS, CaseFilters

    engine = _engine(settings_from_args(args))
    filters = CaseFilters.from_values({name: getattr(args, name) for name in FACETS})
    query = args.query or ""
    results = engine.cases.find(query, filters, k=args.k)
    emit(args, results_as_dict(query, results), results_as_markdown(results))
    return EXIT_OK


def cmd_case(args: argparse.Namespace) -> int:
    """One case card as Markdown (or JSON), with its similar cases."""
    from app.case_views import card_as_dict, card_as_markdown

    engine = _engine(settings_from_args(args))
    card = _card(engine, args.case_id)
    similar = engine.cases.similar(card.case_id, args.similar)
    emit(args, card_as_dict(card, similar), card_as_markdown(card, similar))
    return EXIT_OK


def cmd_brief(args: argparse.Namespace) -> int:
    """Export a precedent brief of the given cases: Markdown, DOCX and BibTeX."""
    from app.brief import write_brief

    engine = _engine(settings_from_args(args))
    cards = [_card(engine, case_id) for case_id in args.case_ids]
    style = engine.settings.answer.citation_style
    for path in write_brief(cards, args.out, args.question or "", style):
        say(f"wrote {path}")
    return EXIT_OK


def cmd_ask(args: argparse.Namespace) -> int:
    from app.facets import ASK_FACETS, ask_filters
    from app.render import answer_as_text

    settings = settings_from_args(args)
    require_local_model(settings)
    engine = _engine(settings)
    engine.wait_for_answerer()  # one question: wait for the model rather than fall back
    values = {f.name: getattr(args, f.name) for f in ASK_FACETS}
    answer = engine.ask(args.question, ask_filters(values, args.year_from, args.year_to))
    emit(args, answer.to_dict(), answer_as_text(answer, engine.settings.answer.citation_style))
    return EXIT_OK


def cmd_chat(args: argparse.Namespace) -> int:
    from app.auth import AuthFileError, read_users
    from app.ui import is_loopback, serve

    settings = settings_from_args(args)
    require_local_model(settings)
    host, auth = settings.serve.host, settings.serve.auth_file
    # an environment variable left over from elsewhere must not open the chat to the
    # network: only a --host typed on this command line may
    if not is_loopback(host) and args.serve_host is None:
        raise UsageError(
            f"GOVQA_SERVE_HOST={host} is beyond loopback; "
            f"pass --host {host} to serve there on purpose"
        )
    # without logins anyone who reaches the page may upload and remove documents
    if not is_loopback(host) and auth is None:
        raise UsageError(
            f"--host {host} is beyond loopback: pass --auth FILE too, so only its users get "
            "in (create it with 'govqa users add NAME --role curator --auth FILE')"
        )
    if auth is not None:
        try:
            users = read_users(auth)
        except AuthFileError as exc:
            raise UsageError(str(exc)) from exc
        if not users:
            raise UsageError(f"{auth}: no users; add one with 'govqa users add NAME --auth {auth}'")
    if not is_loopback(host):
        say(f"warning: serving on {host}: reachable beyond this machine", file=sys.stderr)
    serve(settings)
    return EXIT_OK


Adder = Callable[[Callable[..., argparse.ArgumentParser]], None]


def build_parser(commands: tuple[Adder, ...] = ()) -> argparse.ArgumentParser:
    """The parser of every command; `commands` add subcommands that live in packages app
    may not import (data flows eval -> app -> ingest), called with the `command` helper."""
    parser = argparse.ArgumentParser(prog="govqa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func: Callable[[argparse.Namespace], int], text: str, json=False):
        """A subcommand with the common flags (and `--json` when it prints a record)."""
        p = sub.add_parser(name, help=text)
        p.set_defaults(func=func)
        _add_common(p)
        if json:
            p.add_argument("--json", action="store_true", help="print the record as JSON")
        return p

    p = command("ingest", cmd_ingest, "clean, chunk, embed and index files or folders", True)
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: corpus dir)")
    p.add_argument("--corpus-dir", type=Path, help="default corpus folder (GOVQA_CORPUS_DIR)")
    p.add_argument("--sync", action="store_true", help="remove documents whose files are gone")
    p.add_argument("--show-dropped", action="store_true", help="print every dropped line")
    p.add_argument(
        "--library",
        type=Path,
        help="your reference library (BibTeX, RIS or CSL-JSON, e.g. a Zotero export): its "
        "entries' metadata replace what is read from the files; remembered for later ingests",
    )
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="set the catalog aside (as catalog.sqlite.old) and delete the index's vectors, "
        "then build both anew from PATHS: the repair of a damaged catalog",
    )
    p.add_argument(
        "--follow-symlinks",
        dest="ingest_follow_symlinks",
        action="store_const",
        const=True,
        help="read symlinks in a folder that lead outside it (GOVQA_INGEST_FOLLOW_SYMLINKS)",
    )
    p.add_argument("--chunk-max-words", type=int)

    p = command("remove", cmd_remove, "remove documents from the library", True)
    p.add_argument("documents", nargs="+", help="document ids, unique id prefixes or file paths")

    p = command("ask", cmd_ask, "answer a question with cited sentences", True)
    p.add_argument("question")
    _add_facet_flags(p, repeat=False)
    p.add_argument("--year-from", type=int)
    p.add_argument("--year-to", type=int)
    add_local_model_flag(p)

    p = command("cases", cmd_cases, "find cases (precedents) for a description", True)
    p.add_argument("query", nargs="?", help="what the cases should have done (empty: all)")
    p.add_argument("-k", type=int, default=10, help="cases to list (default 10)")
    _add_facet_flags(p, repeat=True)

    p = command("case", cmd_case, "show one case card with similar cases", True)
    p.add_argument("case_id", help="case id (or a unique prefix, or a document id)")
    p.add_argument("--similar", type=int, default=5, help="similar cases to list (default 5)")

    p = command("brief", cmd_brief, "export a precedent brief (Markdown, DOCX, BibTeX)")
    p.add_argument("case_ids", nargs="+", help="case ids (or unique prefixes)")
    p.add_argument("--out", type=Path, default=Path("brief"), help="output folder")
    p.add_argument("--question", help="the question the brief answers, printed on top")

    p = command("chat", cmd_chat, "serve the web chat")
    p.add_argument("--host", dest="serve_host", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", dest="serve_port", type=int)
    p.add_argument(
        "--auth",
        dest="serve_auth_file",
        type=Path,
        help="users file (govqa users add): logins, and only curators change the library",
    )
    add_local_model_flag(p)

    p = sub.add_parser("users", help="manage the users file of a shared chat")
    p.set_defaults(func=cmd_users)
    actions = p.add_subparsers(dest="action", required=True)
    for action, text in (
        ("add", "add a user or change one"),
        ("remove", "remove a user"),
        ("list", "list users and roles"),
    ):
        a = actions.add_parser(action, help=text)
        a.add_argument("--auth", type=Path, required=True, help="the users file")
        if action != "list":
            a.add_argument("name")
        if action == "add":
            a.add_argument("--role", choices=["reader", "curator"], default="reader")
            a.add_argument(
                "--password-stdin", action="store_true", help="read the password from stdin"
            )

    for add in commands:  # commands of packages above app (govqa eval: eval/cli.py)
        add(command)
    return parser


def main(argv: list[str] | None = None, commands: tuple[Adder, ...] = ()) -> int:
    enforce_offline()
    from ingest.catalog import CatalogDamaged, IndexReadOnly
    from ingest.vectors import StoreError

    args = build_parser(commands).parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        for message in exc.args:
            error(message)
        return EXIT_USAGE
    except (StoreError, CatalogDamaged, IndexReadOnly) as exc:
        # bad GOVQA_CHROMA_URL, server down, collection of another index; a damaged catalog;
        # an ingest into an index that may only be read
        error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `govqa ... | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
